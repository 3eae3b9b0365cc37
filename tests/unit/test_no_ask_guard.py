"""The no-ask guard, on a corpus of give-first and soliciting sentences in French and English."""

import re

import pytest

from braise_notifier.guard import (
    RULES,
    Rule,
    SolicitationError,
    _rule,
    check_gives_first,
    solicitations,
)

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


# One sentence per rule of the guard that this rule alone catches: removing or breaking any
# one rule lets its sentence through. A new rule needs its sentence here (the test says so).
ONLY_THIS_RULE = {
    "fr_ask_for_work": "Vous avez des clients dans l'énergie ?",
    "fr_looking_for_work": "Je suis disponible dès lundi.",
    "fr_recommend_me": "Un mot de recommandation pour mon profil serait précieux.",
    "fr_introduce_me": "Présente-moi ta directrice.",
    "fr_help_me": "Aide-moi sur ce dossier.",
    "fr_favour": "J'ai une faveur à vous demander.",
    "fr_keep_me_in_mind": "Garde-moi dans un coin de ta tête.",
    "fr_pass_my_cv": "Voici mon CV.",
    "fr_call_about_opportunities": "Un café pour parler business ?",
    "fr_could_you_for_me": "Pourriez-vous m'écrire ?",
    "en_ask_for_work": "Got any openings?",
    "en_looking_for_work": "I'm between contracts right now.",
    "en_recommend_me": "Put in a good word, please.",
    "en_introduce_me": "Connect me with your CTO.",
    "en_help_me": "Support me on this bid.",
    "en_favour": "I owe you one.",
    "en_keep_me_in_mind": "Think of me when something opens.",
    "en_pass_my_cv": "Here is my résumé.",
    "en_call_about_opportunities": "A coffee about synergies?",
    "en_could_you_for_me": "Would you mind sending the slides to me?",
}


@pytest.mark.parametrize("rule", [rule.name for rule in RULES])
def test_each_rule_of_the_guard_has_its_own_example_sentence(rule: str) -> None:
    assert rule in ONLY_THIS_RULE, f"add a sentence for rule {rule} to ONLY_THIS_RULE"


@pytest.mark.parametrize("rule", sorted(ONLY_THIS_RULE))
def test_each_example_sentence_is_caught_by_its_rule_alone(rule: str) -> None:
    assert set(solicitations(ONLY_THIS_RULE[rule])) == {rule}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # Typographic apostrophes, capitals and accents are folded before matching.
        ("Pourriez-vous m\u2019écrire ?", "fr_could_you_for_me"),
        ("Pourriez-vous m`écrire ?", "fr_could_you_for_me"),
        ("PRÉSENTE-MOI TA DIRECTRICE.", "fr_introduce_me"),
        ("Je suis à la recherche d'un poste.", "fr_looking_for_work"),
        ("I\u2019m between contracts.", "en_looking_for_work"),
    ],
)
def test_rules_match_folded_text(text: str, rule: str) -> None:
    assert solicitations(text) == [rule]


def test_refusal_names_the_rules_broken_and_quotes_the_text() -> None:
    text = "Tu pourrais m'aider à déménager ?"
    with pytest.raises(SolicitationError) as refused:
        check_gives_first(text)
    assert str(refused.value) == (
        "text asks for something (fr_help_me, fr_could_you_for_me): " + repr(text)
    )


def test_a_rule_is_its_name_and_its_compiled_pattern() -> None:
    assert _rule("en_example", r"\bab+\b") == Rule("en_example", re.compile(r"\bab+\b"))
