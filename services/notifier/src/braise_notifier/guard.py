"""The no-ask guard: a digest proposes gifts and signs of interest, never a request.

Every gesture text, in every language, passes `check_gives_first` before it is sent. A
text is refused when it asks something *for the reader*: a mission, a job, a lead, a
referral or a recommendation, help, a favour, to be introduced, to be kept in mind, or a
call "to discuss opportunities". Asking for news, offering help, introducing two other
people or inviting someone are gifts, and pass.
"""

import re
import unicodedata
from dataclasses import dataclass


class SolicitationError(ValueError):
    """A text that asks for something: a digest must never send it."""


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[’`´]", "'", plain)


@dataclass(frozen=True)
class Rule:
    """One kind of request, as a pattern over folded text (lower case, no accents)."""

    name: str
    pattern: re.Pattern[str]


def _rule(name: str, pattern: str) -> Rule:
    return Rule(name, re.compile(pattern))


_ME_FR = r"(?:me|m'|moi|pour moi|mon profil|ma candidature)"
_ME_EN = r"(?:me|my|myself|for me)"
_WORK_FR = r"(?:mission|missions|poste|job|emploi|travail|boulot|contrat|piste|pistes|opportunite|opportunites|client|clients|lead|leads|cdi|cdd)"
_WORK_EN = r"(?:mission|missions|job|jobs|role|position|work|contract|gig|lead|leads|opening|openings|opportunit(?:y|ies)|client|clients)"

RULES: tuple[Rule, ...] = (
    # French
    _rule(
        "fr_ask_for_work",
        rf"\b(?:as-tu|avez-vous|aurais-tu|auriez-vous|tu as|vous avez|t'as)\b[^.?!]*\b{_WORK_FR}\b",
    ),
    _rule(
        "fr_looking_for_work",
        r"\b(?:je cherche|je recherche|je suis a la recherche|suis dispo(?:nible)?|je suis en inter-?contrat)\b",
    ),
    _rule(
        "fr_recommend_me",
        rf"\b(?:recommande|recommander|recommandes|recommandiez|recommandation|coopte|coopter|cooptation|parrainer|parrainage)\b[^.?!]*\b{_ME_FR}|\b{_ME_FR}\b[^.?!]*\b(?:recommander|coopter|parrainer)\b|\b(?:me|m')\s*(?:recommander|recommandes|coopter|parrainer)\b",
    ),
    _rule(
        "fr_introduce_me",
        r"\b(?:presente|presenter|presentes|mettre en (?:relation|contact)|mets|mettez)[- ]?(?:moi|-moi)\b|\bme (?:presenter|mettre en (?:relation|contact))\b",
    ),
    _rule(
        "fr_help_me",
        r"\b(?:aide|aider|aidez|donner un coup de main|filer un coup de main|rendre (?:un )?service)[- ]?(?:moi|-moi)\b|\bm'aider\b|\bme (?:donner|filer) un coup de main\b|\bme rendre (?:un )?service\b",
    ),
    _rule("fr_favour", r"\b(?:un service a (?:te|vous) demander|une faveur|petit service)\b"),
    _rule(
        "fr_keep_me_in_mind",
        r"\b(?:pense a moi|pensez a moi|penser a moi|garde-moi|gardez-moi|si tu entends parler|si vous entendez parler|fais-moi signe|faites-moi signe si)\b",
    ),
    _rule(
        "fr_pass_my_cv",
        r"\b(?:mon cv|ma candidature|transmettre mon|faire suivre mon|passer mon)\b",
    ),
    _rule(
        "fr_call_about_opportunities",
        r"\b(?:appel|echange|call|cafe|point)\b[^.?!]*\b(?:opportunite|opportunites|business|affaires|collaborer ensemble sur une mission)\b",
    ),
    _rule(
        "fr_could_you_for_me",
        r"\b(?:pourrais-tu|pourriez-vous|peux-tu|pouvez-vous|tu pourrais|vous pourriez)\b[^.?!]*\b(?:me|m')\b",
    ),
    # English
    _rule(
        "en_ask_for_work",
        rf"\b(?:do you have|have you got|got any|any|know of)\b[^.?!]*\b{_WORK_EN}\b[^.?!]*\b(?:for me|i could|i might)\b|\b(?:any|got any)\s+(?:{_WORK_EN})\b",
    ),
    _rule(
        "en_looking_for_work",
        r"\b(?:i am|i'm|im)\s+(?:looking for|seeking|searching for|available for|between)\b|\b(?:open to new|on the market)\b",
    ),
    _rule(
        "en_recommend_me",
        rf"\b(?:recommend|refer|vouch for|endorse)\s+{_ME_EN}\b|\b(?:referral|recommendation|reference|good word)\b[^.?!]*\b{_ME_EN}\b|\b{_ME_EN}\b[^.?!]*\b(?:referral|recommendation|reference)\b|\bput in a good word\b",
    ),
    _rule(
        "en_introduce_me",
        rf"\b(?:introduce|connect|put)\s+{_ME_EN}\b|\bintro(?:duction)? for {_ME_EN}\b",
    ),
    _rule(
        "en_help_me",
        rf"\b(?:help|assist|support)\s+{_ME_EN}\b|\b(?:need|could use|would love)\s+(?:your|some)\s+help\b",
    ),
    _rule("en_favour", r"\b(?:a favou?r|do me a|owe you one)\b"),
    _rule(
        "en_keep_me_in_mind",
        rf"\b(?:keep|bear)\s+{_ME_EN}\s+in mind\b|\b(?:think of|remember)\s+me\b|\bif you hear (?:of|about)\b|\blet me know if\b",
    ),
    _rule(
        "en_pass_my_cv", r"\b(?:my cv|my resume|my résumé|my profile along|forward my|pass my)\b"
    ),
    _rule(
        "en_call_about_opportunities",
        r"\b(?:call|chat|coffee|meeting)\b[^.?!]*\b(?:opportunit(?:y|ies)|business|synerg(?:y|ies))\b",
    ),
    _rule(
        "en_could_you_for_me",
        rf"\b(?:could you|can you|would you|will you|would you mind)\b[^.?!]*\b{_ME_EN}\b",
    ),
)


def solicitations(text: str) -> list[str]:
    """Return the names of the rules a text breaks (empty when it asks for nothing)."""
    folded = _fold(text)
    return [rule.name for rule in RULES if rule.pattern.search(folded)]


def check_gives_first(text: str) -> str:
    """Return the text if it asks for nothing; raise SolicitationError naming what it asks."""
    broken = solicitations(text)
    if broken:
        raise SolicitationError(f"text asks for something ({', '.join(broken)}): {text!r}")
    return text
