"""The no-ask guard, on a corpus of give-first and soliciting sentences in French and English."""

import pytest

from braise_notifier.guard import SolicitationError, check_gives_first, solicitations

GIVE_FIRST = [
    # French: congratulate, share, introduce others, invite, ask for news.
    "Félicitez Karim pour sa nouvelle compétence en Kubernetes : un mot suffit.",
    "Un petit bravo à Léa pour sa nouvelle mission ? Ça fait toujours plaisir.",
    "Envoyez à Jules un article sur la voile qui vous a marqué récemment.",
    "Partagez avec Inès la ressource sur la data science que vous avez aimée.",
    "Présentez Hugo à Zoé : vous savez qu'ils partagent une passion pour le trail.",
    "Mettez Camille en relation avec Paul, tous deux passionnés d'énergie.",
    "Invitez Karim au prochain afterwork du cabinet.",
    "Proposez à Chloé de vous accompagner au petit-déjeuner du cabinet jeudi.",
    "Demandez à David comment s'est terminé le projet « Migration SAP chez Enedis ».",
    "Prenez des nouvelles de Léa : comment se passe sa mission à Lyon ?",
    "Et si vous proposiez votre aide à Hugo pour son nouveau projet ?",
    "Souhaitez bonne chance à Inès pour son installation à Nantes.",
    # English
    "Congratulate Karim on his new skill in Kubernetes: a short note is enough.",
    "Send Jules an article on sailing that caught your eye lately.",
    "Introduce Hugo to Zoé: they both love trail running.",
    "Invite Karim to the firm's next afterwork.",
    "Ask David how the 'SAP migration at Enedis' project turned out.",
    "Check in on Léa: how is her mission in Lyon going?",
    "Offer Hugo a hand with his new project, no strings attached.",
    "Wish Inès luck with her move to Nantes.",
]

SOLICITING = [
    # French
    "As-tu une mission pour moi en ce moment ?",
    "Avez-vous des pistes de missions dans la banque ?",
    "Je cherche une nouvelle mission, n'hésite pas.",
    "Je suis en intercontrat depuis un mois.",
    "Pourrais-tu me recommander auprès de ton client ?",
    "Pourriez-vous me présenter à votre directeur des achats ?",
    "Présente-moi à ton client, ce serait top.",
    "Peux-tu m'aider à trouver un poste ?",
    "J'aurais un petit service à te demander.",
    "Pense à moi si tu entends parler d'une mission.",
    "Peux-tu faire suivre mon CV ?",
    "Un appel pour discuter des opportunités de business ?",
    "Est-ce que tu pourrais me coopter chez ton client ?",
    "Tu as un job pour moi ?",
    # English
    "Do you have any openings for me?",
    "Any leads on a new mission?",
    "I'm looking for my next contract.",
    "Could you recommend me to your client?",
    "Would you introduce me to your CTO?",
    "Can you help me find a job?",
    "I need your help with something.",
    "Could you do me a favour?",
    "Please keep me in mind for any role.",
    "Let me know if you hear of anything.",
    "Could you pass my CV to HR?",
    "A quick call to discuss opportunities?",
    "Would you give me a referral?",
    "Coffee to explore business synergies?",
]


@pytest.mark.parametrize("text", GIVE_FIRST)
def test_give_first_sentence_passes(text: str) -> None:
    assert solicitations(text) == []
    assert check_gives_first(text) == text


@pytest.mark.parametrize("text", SOLICITING)
def test_soliciting_sentence_is_refused(text: str) -> None:
    with pytest.raises(SolicitationError, match="asks for something"):
        check_gives_first(text)
