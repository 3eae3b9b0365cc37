"""What the graph keeps of each consultant, and how profile events change it (pure)."""

from dataclasses import dataclass, field, replace
from typing import Any

from braise_shared.events import ConsultantProfile, PreferencesChanged
from braise_shared.locales import DEFAULT_LOCALE

MAX_NEWS = 10
FACETS = (("skill", "skills"), ("sector", "sectors"), ("interest", "interests"))


@dataclass(frozen=True)
class NodeState:
    """A consultant node's properties that profile and preference events set."""

    id: str
    name: str | None = None
    city: str | None = None
    locale: str = DEFAULT_LOCALE
    suggestable: bool = True
    profile_revision: int = 0
    consent_revision: int = 0
    tags: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # facet -> (key, label)
    news: list[tuple[str, str, float]] = field(default_factory=list)  # (kind, label, at)

    def to_properties(self) -> dict[str, Any]:
        """Return the node's properties as Neo4j stores them (lists, no maps)."""
        props: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "city": self.city,
            "locale": self.locale,
            "suggestable": self.suggestable,
            "profile_revision": self.profile_revision,
            "consent_revision": self.consent_revision,
            "news_kinds": [n[0] for n in self.news],
            "news_labels": [n[1] for n in self.news],
            "news_at": [n[2] for n in self.news],
        }
        for facet, plural in FACETS:
            pairs = self.tags.get(facet, [])
            props[plural] = [k for k, _ in pairs]
            props[f"{facet}_labels"] = [label for _, label in pairs]
        return props

    @classmethod
    def from_properties(cls, props: dict[str, Any]) -> "NodeState":
        """Rebuild the state from stored properties."""
        tags = {
            facet: list(
                zip(props.get(plural) or [], props.get(f"{facet}_labels") or [], strict=True)
            )
            for facet, plural in FACETS
        }
        news = list(
            zip(
                props.get("news_kinds") or [],
                props.get("news_labels") or [],
                props.get("news_at") or [],
                strict=True,
            )
        )
        return cls(
            id=props["id"],
            name=props.get("name"),
            city=props.get("city"),
            locale=props.get("locale") or DEFAULT_LOCALE,
            suggestable=props.get("suggestable", True),
            profile_revision=props.get("profile_revision") or 0,
            consent_revision=props.get("consent_revision") or 0,
            tags=tags,
            news=news,
        )


def apply_profile(state: NodeState, profile: ConsultantProfile, at: float) -> NodeState:
    """Apply a profile if newer than the one held; record new skills, sectors and city as news."""
    changed = state
    if profile.revision > state.consent_revision:
        changed = replace(
            changed,
            locale=profile.locale,
            suggestable=profile.suggestable,
            consent_revision=profile.revision,
        )
    if profile.revision <= state.profile_revision:
        return changed
    tags = {facet: [(t.key, t.label) for t in getattr(profile, plural)] for facet, plural in FACETS}
    news = list(state.news)
    if state.profile_revision > 0:
        for facet in ("skill", "sector"):
            before = {k for k, _ in state.tags.get(facet, [])}
            news.extend((facet, label, at) for key, label in tags[facet] if key not in before)
        if profile.city and profile.city != state.city:
            news.append(("city", profile.city, at))
    news = sorted(news, key=lambda n: n[2])[-MAX_NEWS:]
    return replace(
        changed,
        name=profile.display_name,
        city=profile.city,
        tags=tags,
        news=news,
        profile_revision=profile.revision,
    )


def apply_preferences(state: NodeState, prefs: PreferencesChanged) -> NodeState:
    """Apply consent and language if newer than what is held."""
    if prefs.revision <= state.consent_revision:
        return state
    return replace(
        state, locale=prefs.locale, suggestable=prefs.suggestable, consent_revision=prefs.revision
    )
