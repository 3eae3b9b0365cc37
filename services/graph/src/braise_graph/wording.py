"""Reasons in plain words, in French and English."""

from datetime import date

from braise_graph.ranking import Reason
from braise_shared.interactions import InteractionKinds

MONTHS = {
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
NEWS = {
    "fr": {
        "skill": "une nouvelle compétence, {news}",
        "sector": "un nouveau secteur, {news}",
        "city": "une installation à {news}",
        "mission": "une nouvelle mission",
    },
    "en": {
        "skill": "a new skill, {news}",
        "sector": "a new sector, {news}",
        "city": "a move to {news}",
        "mission": "a new mission",
    },
}
WHO = {
    "fr": {
        "both": "vous vous sollicitiez l'un l'autre",
        "me": "c'est surtout vous qui preniez des nouvelles",
        "other": "c'est surtout {name} qui prenait des nouvelles",
    },
    "en": {
        "both": "you both used to reach out",
        "me": "you were mostly the one reaching out",
        "other": "{name} was mostly the one reaching out",
    },
}


def month_year(iso: str, locale: str) -> str:
    """Return 'mars 2025' or 'March 2025' for an ISO date."""
    day = date.fromisoformat(iso)
    return f"{MONTHS[locale][day.month - 1]} {day.year}"


def _join(items: list[str], locale: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    last = " et " if locale == "fr" else " and "
    return ", ".join(items[:-1]) + last + items[-1]


def _kinds(kinds: dict[str, int], catalog: InteractionKinds, locale: str) -> str:
    parts = []
    for name, count in list(kinds.items())[:3]:
        label = catalog.kinds[name].label(locale) if name in catalog.kinds else name
        parts.append(label if count == 1 else f"{label} (x{count})")
    return _join(parts, locale)


def reason_text(reason: Reason, *, name: str, locale: str, kinds: InteractionKinds) -> str:
    """Write one reason as a sentence in the reader's language."""
    p = reason.params
    fr = locale == "fr"
    match reason.code:
        case "was_strong":
            when = month_year(str(p["peak_at"]), locale)
            together = _kinds(p["kinds"], kinds, locale)  # type: ignore[arg-type]
            return (
                f"Votre lien était au plus fort en {when} : {together}."
                if fr
                else f"Your link was at its strongest in {when}: {together}."
            )
        case "last_seen":
            when = month_year(str(p["last_at"]), locale)
            return f"Dernier échange : {when}." if fr else f"Last exchange: {when}."
        case "shared":
            topics = _join([str(t) for t in p["topics"]], locale)  # type: ignore[attr-defined]
            return f"Vous partagez : {topics}." if fr else f"You share: {topics}."
        case "reciprocity":
            text = WHO[locale][str(p["who"])].format(name=name)
            return text[0].upper() + text[1:] + "."
        case "hook":
            news = NEWS[locale][str(p["news_kind"])].format(news=p["news"])
            return f"Du nouveau pour {name} : {news}." if fr else f"News from {name}: {news}."
        case "novelty":
            topics = _join([str(t) for t in p["topics"]], locale)  # type: ignore[attr-defined]
            return (
                f"{name} connaît des domaines absents de votre réseau actif : {topics}."
                if fr
                else f"{name} knows fields your active network lacks: {topics}."
            )
