"""The tone guard: a digest offers gifts and signs of interest, in a voice that never pushes.

Every text a digest says, in every language, passes `check_tone` before it is sent. A text
is refused when it breaks one of the named rules below, grouped by what they protect:

- **ask**: asking something *for the reader*: a mission, a job, a lead, a referral or a
  recommendation, help, a favour, to be introduced, to be kept in mind, a call "to discuss
  opportunities", or the very verb "solicit";
- **tally**: keeping score of who reached out to whom ("c'est surtout vous qui", "you were
  mostly the one", "your turn");
- **pressure**: pushing the reader ("n'oubliez pas", "vous devriez", "you must");
- **resource**: framing a colleague as something the reader could use ("pourrait vous être
  utile", "absents de votre réseau", "leverage their network").

Asking for news, offering help, introducing two other people or inviting someone are gifts,
and pass. The rules read folded text: lower case, no accents, plain apostrophes and spaces.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from braise_shared.text import fold_accents

Category = Literal["ask", "tally", "pressure", "resource"]


class ToneError(ValueError):
    """A text, or a digest, that breaks the tone guard: it must never be sent."""

    def __init__(self, rules: list[str], text: str, where: str = "text") -> None:
        self.rules = rules
        self.text = text
        self.where = where
        super().__init__(f"{where} breaks the tone guard ({', '.join(rules)}): {text!r}")


def _fold(text: str) -> str:
    plain = re.sub(r"[’`´ʼ]", "'", fold_accents(text))
    return re.sub(r"\s+", " ", plain)


@dataclass(frozen=True)
class Rule:
    """One thing a digest never says, as a pattern over folded text."""

    name: str
    category: Category
    pattern: re.Pattern[str]


def _rule(name: str, category: Category, pattern: str) -> Rule:
    return Rule(name, category, re.compile(pattern))


_ME_FR = r"(?:me|m'|moi|pour moi|mon profil|ma candidature)"
_ME_EN = r"(?:me|my|myself|for me)"
_WORK_FR = r"(?:mission|missions|poste|job|emploi|travail|boulot|contrat|piste|pistes|opportunite|opportunites|client|clients|lead|leads|cdi|cdd)"
_WORK_EN = r"(?:mission|missions|job|jobs|role|position|work|contract|gig|lead|leads|opening|openings|opportunit(?:y|ies)|client|clients)"
_PEOPLE_EN = r"(?:network|contacts?|connections?|relationships?|links?|him|her|them|people|colleagues?|address book)"

ASK_RULES: tuple[Rule, ...] = (
    # French
    _rule(
        "fr_ask_for_work",
        "ask",
        rf"\b(?:as-tu|avez-vous|aurais-tu|auriez-vous|tu as|vous avez|t'as)\b[^.?!]*\b{_WORK_FR}\b",
    ),
    _rule(
        "fr_looking_for_work",
        "ask",
        r"\b(?:je cherche|je recherche|je suis a la recherche|suis dispo(?:nible)?|je suis en inter-?contrat)\b",
    ),
    _rule(
        "fr_recommend_me",
        "ask",
        rf"\b(?:recommande|recommander|recommandes|recommandiez|recommandation|coopte|coopter|cooptation|parrainer|parrainage)\b[^.?!]*\b{_ME_FR}|\b{_ME_FR}\b[^.?!]*\b(?:recommander|coopter|parrainer)\b|\b(?:me|m')\s*(?:recommander|recommandes|coopter|parrainer)\b",
    ),
    _rule(
        "fr_introduce_me",
        "ask",
        r"\b(?:presente|presenter|presentes|mettre en (?:relation|contact)|mets|mettez)[- ]?(?:moi|-moi)\b|\bme (?:presenter|mettre en (?:relation|contact))\b",
    ),
    _rule(
        "fr_help_me",
        "ask",
        r"\b(?:aide|aider|aidez|donner un coup de main|filer un coup de main|rendre (?:un )?service)[- ]?(?:moi|-moi)\b|\bm'aider\b|\bme (?:donner|filer) un coup de main\b|\bme rendre (?:un )?service\b",
    ),
    _rule(
        "fr_favour", "ask", r"\b(?:un service a (?:te|vous) demander|une faveur|petit service)\b"
    ),
    _rule(
        "fr_keep_me_in_mind",
        "ask",
        r"\b(?:pense a moi|pensez a moi|penser a moi|garde-moi|gardez-moi|si tu entends parler|si vous entendez parler|fais-moi signe|faites-moi signe si)\b",
    ),
    _rule(
        "fr_pass_my_cv",
        "ask",
        r"\b(?:mon cv|ma candidature|transmettre mon|faire suivre mon|passer mon)\b",
    ),
    _rule(
        "fr_call_about_opportunities",
        "ask",
        r"\b(?:appel|echange|call|cafe|point)\b[^.?!]*\b(?:opportunite|opportunites|business|affaires|collaborer ensemble sur une mission)\b",
    ),
    _rule(
        "fr_could_you_for_me",
        "ask",
        r"\b(?:pourrais-tu|pourriez-vous|peux-tu|pouvez-vous|tu pourrais|vous pourriez)\b[^.?!]*\b(?:me|m')\b",
    ),
    _rule("fr_solicit_word", "ask", r"\bsollicit\w*"),
    # English
    _rule(
        "en_ask_for_work",
        "ask",
        rf"\b(?:do you have|have you got|got any|any|know of)\b[^.?!]*\b{_WORK_EN}\b[^.?!]*\b(?:for me|i could|i might)\b|\b(?:any|got any)\s+(?:{_WORK_EN})\b",
    ),
    _rule(
        "en_looking_for_work",
        "ask",
        r"\b(?:i am|i'm|im)\s+(?:looking for|seeking|searching for|available for|between)\b|\b(?:open to new|on the market)\b",
    ),
    _rule(
        "en_recommend_me",
        "ask",
        rf"\b(?:recommend|refer|vouch for|endorse)\s+{_ME_EN}\b|\b(?:referral|recommendation|reference|good word)\b[^.?!]*\b{_ME_EN}\b|\b{_ME_EN}\b[^.?!]*\b(?:referral|recommendation|reference)\b|\bput in a good word\b",
    ),
    _rule(
        "en_introduce_me",
        "ask",
        rf"\b(?:introduce|connect|put)\s+{_ME_EN}\b|\bintro(?:duction)? for {_ME_EN}\b",
    ),
    _rule(
        "en_help_me",
        "ask",
        rf"\b(?:help|assist|support)\s+{_ME_EN}\b|\b(?:need|could use|would love)\s+(?:your|some)\s+help\b",
    ),
    _rule("en_favour", "ask", r"\b(?:a favou?r|do me a|owe you one)\b"),
    _rule(
        "en_keep_me_in_mind",
        "ask",
        rf"\b(?:keep|bear)\s+{_ME_EN}\s+in mind\b|\b(?:think of|remember)\s+me\b|\bif you hear (?:of|about)\b|\blet me know if\b",
    ),
    _rule(
        "en_pass_my_cv",
        "ask",
        r"\b(?:my cv|my resume|my profile along|forward my|pass my)\b",
    ),
    _rule(
        "en_call_about_opportunities",
        "ask",
        r"\b(?:call|chat|coffee|meeting)\b[^.?!]*\b(?:opportunit(?:y|ies)|business|synerg(?:y|ies))\b",
    ),
    _rule(
        "en_could_you_for_me",
        "ask",
        rf"\b(?:could you|can you|would you|will you|would you mind)\b[^.?!]*\b{_ME_EN}\b",
    ),
    _rule("en_solicit_word", "ask", r"\bsolicit\w*"),
)

TONE_RULES: tuple[Rule, ...] = (
    _rule(
        "fr_tally",
        "tally",
        r"\bc'est (?:surtout|toujours|souvent|plutot|d'habitude|en general|presque toujours)\b[^.?!]{0,60}?\bqui\b"
        r"|\b(?:celui|celle) qui (?:appelait|ecrivait|relancait|prenait|faisait)\b"
        r"|\ba (?:votre|ton) tour\b|\bc'est a (?:vous|toi) de\b|\bvous lui devez\b|\btu lui dois\b|\b(?:il|elle) (?:vous|te) doit\b"
        r"|\brenvoyer l'ascenseur\b|\brendre la pareille\b|\bqui a appele qui\b",
    ),
    _rule(
        "en_tally",
        "tally",
        r"\b(?:was|were|is|are) (?:mostly|always|usually|often) the one\b"
        r"|\b(?:mostly|always|usually) (?:reached|reaches|reach) out\b|\bboth used to reach out\b"
        r"|\byour turn\b|\byou owe\b|\bowes you\b|\breturn the favou?r\b|\bpay (?:him|her|them|it) back\b"
        r"|\bkeep(?:ing)? score\b|\bwho (?:called|reached out to|contacted|wrote to) whom\b",
    ),
    _rule(
        "fr_pressure",
        "pressure",
        r"\bn'oubliez pas\b|\bn'oublie pas\b|\bvous devriez\b|\btu devrais\b|\bvous devez\b|\btu dois\b"
        r"|\bil (?:faut|faudrait|faudra) (?:que (?:vous|tu)|absolument)\b|\bne (?:tardez|trainez) pas\b"
        r"|\bsans (?:plus )?tarder\b|\bdepechez-vous\b|\bavant qu'il ne soit trop tard\b"
        r"|\bne laissez pas (?:passer|filer|echapper)\b|\bc'est le moment ou jamais\b"
        r"|\bimperativement\b|\bau plus vite\b|\bdernier (?:rappel|delai)\b",
    ),
    _rule(
        "en_pressure",
        "pressure",
        r"\b(?:don't|do not|never) forget\b|\byou (?:should|must|need to|have to|ought to|'d better|had better)\b"
        r"|\bmake sure (?:you|to)\b|\bbefore it'?s too late\b|\bhurry\b|\bdon't (?:wait|delay|miss)\b"
        r"|\bnow or never\b|\bas soon as possible\b|\basap\b|\blast chance\b",
    ),
    _rule(
        "fr_resource_framing",
        "resource",
        r"\bvous (?:etre|est|sera|serait|seront|seraient) (?:tres |bien )?(?:utile|precieux|precieuse|profitable)s?\b"
        r"|\b(?:utile|utiles|precieux|profitable)s? pour (?:vous|votre carriere|votre activite)\b"
        r"|\babsents? de votre reseau\b|\bmanque(?:nt)? a votre reseau\b|\bvotre reseau (?:actif )?(?:n'a pas|ignore)\b"
        r"|\b(?:tir\w* (?:parti|profit)|profit\w*|exploit\w*|f\w* jouer)\b[^.?!]{0,25}\b(?:reseau|carnet d'adresses|contacts|relations)\b"
        r"|\bun levier\b|\bcomme levier\b|\bun atout pour vous\b|\bvous ouvrir (?:des|les|ses|leurs) portes\b"
        r"|\bretour sur investissement\b|\brentabiliser\b",
    ),
    _rule(
        "en_resource_framing",
        "resource",
        r"\b(?:useful|valuable|helpful|handy|an asset|a good asset) (?:to|for) you\b"
        r"|\b(?:absent from|missing from|lacking in) your (?:active )?network\b|\byour (?:active )?network (?:lacks|is missing)\b"
        rf"|\bleverag(?:e|ing)\b[^.?!]{{0,30}}\b{_PEOPLE_EN}\b"
        r"|\b(?:tap into|make use of|use) (?:his|her|their|your) (?:network|contacts|connections|address book)\b"
        r"|\bopen doors for you\b|\bpay off for you\b|\breturn on (?:your )?investment\b|\buseful contact\b",
    ),
)

RULES: tuple[Rule, ...] = ASK_RULES + TONE_RULES


# Every rule at once: a text none of them matches (nearly every text) is read once, not once
# per rule (56 µs against 167 µs for a card's sentences); one that matches is read again
# rule by rule to name what it breaks.
_ANY_RULE = re.compile("|".join(f"(?:{rule.pattern.pattern})" for rule in RULES))


def tone_faults(text: str) -> list[str]:
    """Return the names of the rules a text breaks (empty when its tone is right)."""
    folded = _fold(text)
    if not _ANY_RULE.search(folded):
        return []
    return [rule.name for rule in RULES if rule.pattern.search(folded)]


def check_tone(text: str, where: str = "text") -> str:
    """Return the text if it breaks no rule; raise ToneError naming the rules it breaks."""
    broken = tone_faults(text)
    if broken:
        raise ToneError(broken, text, where)
    return text


def check_all(texts: Iterable[tuple[str, str]]) -> None:
    """Check (where, text) pairs; raise ToneError for the first that breaks a rule."""
    for where, text in texts:
        check_tone(text, where)
