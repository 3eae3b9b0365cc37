"""The tone guard, on a corpus of French and English sentences a digest may and may not say."""

import pytest

from braise_notifier.guard import RULES, ToneError, _rule, check_all, check_tone, tone_faults

KIND = [
    # French: congratulate, share, introduce others, invite, ask for news, shared moments.
    "Félicitez Karim pour sa nouvelle compétence en Kubernetes ; un mot suffit.",
    "Un petit bravo à Léa pour sa nouvelle mission ? Ça fait toujours plaisir.",
    "Envoyez à Jules un article sur la voile qui vous a marqué récemment.",
    "Partagez avec Inès la ressource sur la data science que vous avez aimée.",
    "Présentez Hugo à Zoé ; une passion commune pour le trail les rapproche.",
    "Mettez Camille en relation avec Paul, tous deux passionnés d'énergie.",
    "Invitez Karim au prochain afterwork du cabinet.",
    "Proposez à Chloé de vous accompagner au petit-déjeuner du cabinet jeudi.",
    "Demandez à David comment s'est terminé le projet « Migration SAP chez Enedis ».",
    "Prenez des nouvelles de Léa : comment se passe sa mission à Lyon ?",
    "Et si vous proposiez votre aide à Hugo pour son nouveau projet ?",
    "Souhaitez bonne chance à Inès pour son installation à Nantes.",
    "Votre lien était au plus fort en mars 2025, avec une mission ensemble.",
    "Vos points communs : la voile, le jazz et Python.",
    "Karim connaît bien l'industrie ; de quoi vous faire découvrir vos univers l'un à l'autre.",
    "Ce livre pourrait lui être utile pour son nouveau projet.",
    "Vous recevez ce message parce que vous faites partie des consultants du cabinet.",
    "Votre dernier échange remonte à juin 2024.",
    # English
    "Congratulate Karim on his new skill in Kubernetes; a short note is enough.",
    "Send Jules an article on sailing that caught your eye lately.",
    "Introduce Hugo to Zoé: they both love trail running.",
    "Invite Karim to the firm's next afterwork.",
    "Ask David how the 'SAP migration at Enedis' project turned out.",
    "Check in on Léa: how is her mission in Lyon going?",
    "Offer Hugo a hand with his new project, no strings attached.",
    "Wish Inès luck with her move to Nantes.",
    "Your link was at its strongest in March 2025, with a mission together.",
    "What brings you together: sailing, jazz and Python.",
    "This book could be useful to them in their new role.",
    "Reach out to Karim with a word about his new mission.",
    "You both enjoyed the firm's seminar last spring.",
    "A thank-you note to Léa for her help last year would make her day.",
]

UNKIND = [
    # French
    "As-tu une mission pour moi en ce moment ?",
    "Je cherche une nouvelle mission, n'hésite pas.",
    "Pourrais-tu me recommander auprès de ton client ?",
    "Présente-moi à ton client, ce serait top.",
    "Pense à moi si tu entends parler d'une mission.",
    "C'est surtout vous qui preniez des nouvelles.",
    "C'est surtout Karim Benali qui prenait des nouvelles.",
    "Vous vous sollicitiez l'un l'autre.",
    "Karim connaît des domaines absents de votre réseau actif : Industrie.",
    "N'oubliez pas d'écrire à Karim cette semaine.",
    "Vous devriez reprendre contact avec Léa.",
    "Il faut que vous appeliez Jules avant la fin du mois.",
    "Cette personne pourrait vous être utile pour votre prochaine mission.",
    "Tirez parti de son réseau pour décrocher des rendez-vous.",
    "C'est à vous de faire le premier pas, cette fois.",
    "Ne tardez pas, ce lien s'éteint.",
    # English
    "Do you have any openings for me?",
    "I'm looking for my next contract.",
    "Could you recommend me to your client?",
    "Please keep me in mind for any role.",
    "A quick call to discuss opportunities?",
    "You were mostly the one reaching out.",
    "Karim was mostly the one reaching out.",
    "You both used to reach out.",
    "Karim knows fields your active network lacks: Energy.",
    "Don't forget to write to Karim this week.",
    "You should get back in touch with Léa.",
    "You must reply before Friday.",
    "Léa could be useful to you for your next mission.",
    "Leverage Hugo's network to land a new client.",
    "It's your turn to write.",
    "Hurry, this link is fading.",
]

# For every rule, one sentence that this rule alone catches: drop any rule and a test fails.
ONLY = {
    "fr_ask_for_work": "Avez-vous des pistes de missions dans la banque ?",
    "fr_looking_for_work": "Je suis en intercontrat depuis un mois.",
    "fr_recommend_me": "Un mot de recommandation pour moi serait précieux.",
    "fr_introduce_me": "Mettez-moi en relation avec votre directeur des achats.",
    "fr_help_me": "Aidez-moi à trouver un poste.",
    "fr_favour": "J'aurais un petit service à te demander.",
    "fr_keep_me_in_mind": "Gardez-moi dans un coin de votre tête.",
    "fr_pass_my_cv": "Peux-tu faire suivre mon CV ?",
    "fr_call_about_opportunities": "Un café pour parler business ?",
    "fr_could_you_for_me": "Tu pourrais m'envoyer le contact de ton client ?",
    "fr_solicit_word": "Une sollicitation de temps en temps entretient le lien.",
    "en_ask_for_work": "Any leads on a new mission?",
    "en_looking_for_work": "I'm between contracts at the moment.",
    "en_recommend_me": "Would be great to put in a good word.",
    "en_introduce_me": "Introduce me to your CTO.",
    "en_help_me": "I need your help with something.",
    "en_favour": "I owe you one after this.",
    "en_keep_me_in_mind": "Let me know if anything comes up.",
    "en_pass_my_cv": "Please forward my CV to HR.",
    "en_call_about_opportunities": "Coffee to explore business synergies?",
    "en_could_you_for_me": "Can you send me the slides?",
    "en_solicit_word": "Feel free to solicit Karim.",
    "fr_tally": "C'est toujours Léa qui appelait la première.",
    "en_tally": "Karim always reached out first.",
    "fr_pressure": "Vous devriez écrire à Karim.",
    "en_pressure": "Don't forget to write to Karim.",
    "fr_resource_framing": "Ce contact pourrait vous être utile.",
    "en_resource_framing": "This contact could be useful to you.",
}


def test_the_corpus_is_large_enough_and_every_rule_has_its_own_sentence() -> None:
    assert len(KIND) >= 30
    assert len(UNKIND) >= 30
    assert set(ONLY) == {rule.name for rule in RULES}
    assert {rule.category for rule in RULES} == {"ask", "tally", "pressure", "resource"}


@pytest.mark.parametrize("text", KIND)
def test_a_kind_sentence_passes(text: str) -> None:
    assert tone_faults(text) == []
    assert check_tone(text) == text


@pytest.mark.parametrize("text", UNKIND)
def test_an_unkind_sentence_is_refused(text: str) -> None:
    with pytest.raises(ToneError, match="breaks the tone guard"):
        check_tone(text)


@pytest.mark.parametrize(("rule", "text"), sorted(ONLY.items()), ids=sorted(ONLY))
def test_each_rule_alone_catches_its_sentence(rule: str, text: str) -> None:
    assert set(tone_faults(text)) == {rule}


def test_the_guard_reads_through_accents_case_apostrophes_and_no_break_spaces() -> None:
    assert tone_faults("N\u2019OUBLIEZ\u00a0PAS d\u2019écrire à Karim") == ["fr_pressure"]
    assert tone_faults("C\u2019est\u202fsurtout vous qui écriviez") == ["fr_tally"]
    assert tone_faults("N'oubliez\n  pas d'écrire à Karim") == ["fr_pressure"]


def test_a_refusal_says_where_which_rules_and_the_text() -> None:
    text = "Vous devriez lui écrire, n'oubliez pas."
    with pytest.raises(ToneError) as caught:
        check_tone(text)
    assert (caught.value.where, caught.value.rules, caught.value.text) == (
        "text",
        ["fr_pressure"],
        text,
    )
    both = ToneError(["fr_pressure", "fr_tally"], "C'est à vous de faire signe.")
    assert str(both) == (
        'text breaks the tone guard (fr_pressure, fr_tally): "C\'est à vous de faire signe."'
    )


def test_a_refusal_names_where_and_which_rules() -> None:
    with pytest.raises(ToneError) as caught:
        check_all([("subject", "Bonjour"), ("reason of Karim", "Vous devriez lui écrire.")])
    assert caught.value.rules == ["fr_pressure"]
    assert caught.value.where == "reason of Karim"
    assert "reason of Karim" in str(caught.value)


def test_a_rule_is_its_name_category_and_compiled_pattern() -> None:
    # The guard builds its rules at import; built here, a broken builder fails a test.
    rule = _rule("en_hurry", "pressure", r"\bhurry\b")
    assert (rule.name, rule.category, rule.pattern.pattern) == (
        "en_hurry",
        "pressure",
        r"\bhurry\b",
    )
    assert rule.pattern.search("please hurry up")
    assert not rule.pattern.search("no rush")
