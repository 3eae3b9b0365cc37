"""The guard's one-pass pre-check never hides a rule: it matches whenever one rule does."""

from hypothesis import given
from hypothesis import strategies as st

from braise_notifier import guard

WORDS = st.sampled_from(
    [
        "as-tu",
        "une mission",
        "pour moi",
        "can you",
        "introduce me",
        "job",
        "tu me dois",
        "merci",
        "déjeuner",
        "would you",
        "refer me",
        "votre réseau",
        "félicitations",
        ".",
        "?",
        "!",
    ]
)


@given(st.lists(WORDS, max_size=12).map(" ".join))
def test_the_pre_check_matches_whenever_a_rule_does(text: str) -> None:
    folded = guard._fold(text)
    any_rule = any(rule.pattern.search(folded) for rule in guard.RULES)
    assert bool(guard._ANY_RULE.search(folded)) == any_rule
    assert guard.tone_faults(text) == [r.name for r in guard.RULES if r.pattern.search(folded)]
