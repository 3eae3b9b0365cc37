"""Build events for tests, as the producers would publish them."""

import uuid
from datetime import UTC, date, datetime

from braise_shared.events import (
    ConsultantErased,
    ConsultantErasedV1,
    ConsultantProfile,
    ConsultantRegisteredV1,
    ConsultantUpdatedV1,
    DigestSent,
    DigestSentV1,
    InteractionRecorded,
    InteractionRecordedV1,
    OccasionScheduled,
    OccasionScheduledV1,
    OccasionWithdrawn,
    OccasionWithdrawnV1,
    PreferencesChangedV2,
    PreferencesWithResume,
    SuggestedLink,
    SuggestionFeedbackV2,
    SuggestionFeedbackWithUndo,
)
from braise_shared.tags import make_tags


def cid(n: int) -> uuid.UUID:
    """Return a stable consultant id for a small number (ids sort like the numbers)."""
    return uuid.UUID(int=n)


def at(t: float) -> datetime:
    """Return the UTC datetime of an epoch second."""
    return datetime.fromtimestamp(t, UTC)


def profile(
    n: int,
    *,
    revision: int = 1,
    name: str | None = None,
    skills: tuple[str, ...] = (),
    sectors: tuple[str, ...] = (),
    interests: tuple[str, ...] = (),
    city: str | None = None,
    suggestable: bool = True,
    locale: str = "fr",
    t: float = 1_600_000_000.0,
) -> ConsultantRegisteredV1 | ConsultantUpdatedV1:
    """Return consultant.registered (revision 1) or consultant.updated for consultant n."""
    data = ConsultantProfile.model_validate(
        {
            "consultant_id": cid(n),
            "revision": revision,
            "display_name": name or f"Consultant {n}",
            "email": f"c{n}@example.org",
            "city": city,
            "locale": locale,
            "skills": make_tags(list(skills)),
            "sectors": make_tags(list(sectors)),
            "interests": make_tags(list(interests)),
            "suggestable": suggestable,
            "joined_at": at(t),
        }
    )
    if revision == 1:
        return ConsultantRegisteredV1(occurred_at=at(t), producer="test", data=data)
    return ConsultantUpdatedV1(occurred_at=at(t), producer="test", data=data)


def interaction(
    participants: list[int],
    t: float,
    *,
    kind: str = "lunch",
    initiator: int | None = None,
    note: str | None = None,
    event_id: uuid.UUID | None = None,
) -> InteractionRecordedV1:
    """Return interaction.recorded between consultants (by number) at epoch second t."""
    data = InteractionRecorded(
        interaction_id=uuid.uuid4(),
        kind=kind,
        participants=[cid(p) for p in participants],
        occurred_at=at(t),
        initiator=cid(initiator) if initiator is not None else None,
        note=note,
    )
    return InteractionRecordedV1(
        id=event_id or uuid.uuid4(), occurred_at=at(t), producer="test", data=data
    )


def erased(n: int, t: float = 1_700_000_000.0) -> ConsultantErasedV1:
    """Return consultant.erased for consultant n."""
    return ConsultantErasedV1(
        occurred_at=at(t), producer="test", data=ConsultantErased(consultant_id=cid(n))
    )


def preferences(
    n: int, revision: int, *, suggestable: bool, locale: str = "fr"
) -> PreferencesChangedV2:
    """Return preferences.changed (v2, as profiles publishes it) for consultant n."""
    data = PreferencesWithResume.model_validate(
        {
            "consultant_id": cid(n),
            "revision": revision,
            "frequency": "weekly",
            "day_of_week": "monday",
            "locale": locale,
            "suggestable": suggestable,
            "resume_on": None,
        }
    )
    return PreferencesChangedV2(occurred_at=at(1_650_000_000.0), producer="test", data=data)


def digest_sent(
    reader: int, proposed: list[int], t: float, period: str = "2026-W10"
) -> DigestSentV1:
    """Return digest.sent: reader received a digest proposing these consultants."""
    data = DigestSent(
        consultant_id=cid(reader),
        period=period,
        suggestions=[
            SuggestedLink(consultant_id=cid(p), stage="dormant", gesture="share") for p in proposed
        ],
    )
    return DigestSentV1(occurred_at=at(t), producer="test", data=data)


def feedback(reader: int, other: int, action: str, t: float) -> SuggestionFeedbackV2:
    """Return suggestion.feedback (v2, as the notifier publishes it): reader clicked about other."""
    data = SuggestionFeedbackWithUndo.model_validate(
        {
            "consultant_id": cid(reader),
            "other_id": cid(other),
            "action": action,
            "period": "2026-W48",
        }
    )
    return SuggestionFeedbackV2(occurred_at=at(t), producer="test", data=data)


def break_until(n: int, revision: int, resume_on: date | None) -> PreferencesChangedV2:
    """Return preferences.changed v2 for consultant n: weekly on Mondays, paused until a day."""
    data = PreferencesWithResume(
        consultant_id=cid(n),
        revision=revision,
        frequency="weekly",
        day_of_week="monday",
        locale="fr",
        suggestable=True,
        resume_on=resume_on,
    )
    return PreferencesChangedV2(occurred_at=at(1_650_000_000.0), producer="test", data=data)


def undo_never(reader: int, other: int, t: float) -> SuggestionFeedbackV2:
    """Return suggestion.feedback v2: reader let other be suggested to them again."""
    data = SuggestionFeedbackWithUndo(
        consultant_id=cid(reader), other_id=cid(other), action="undo_never", period="2026-W48"
    )
    return SuggestionFeedbackV2(occurred_at=at(t), producer="test", data=data)


OccasionEvent = OccasionScheduledV1 | OccasionWithdrawnV1


def oid(n: int) -> uuid.UUID:
    """Return a stable occasion id for a small number."""
    return uuid.UUID(int=(0x0CCA5 << 96) + n)


def occasion(
    n: int,
    starts: float,
    attendees: list[int],
    *,
    revision: int = 1,
    title: str = "Petit-déjeuner du cabinet",
    hours: float = 1.5,
    place: str | None = "Café Pouchkine, 16 place de la Madeleine",
    city: str | None = "Paris",
    online: bool = False,
    all_day: bool = False,
    declined: list[int] | None = None,
    t: float | None = None,
) -> OccasionScheduledV1:
    """Return occasion.scheduled for occasion n, starting at epoch second `starts`, attended by
    consultants (by number) who accepted; `declined`: those who declined (by number);
    `all_day`: whole days (`starts` a midnight in the firm's time zone, `hours` a multiple
    of 24)."""
    data = OccasionScheduled(
        occasion_id=oid(n),
        revision=revision,
        title=title,
        starts_at=at(starts),
        ends_at=at(starts + hours * 3600),
        place=place,
        city=None if online else city,
        online=online,
        all_day=all_day,
        attendees=[cid(p) for p in attendees],
        declined=[cid(p) for p in declined or []],
    )
    when = at(t if t is not None else starts - 30 * 86_400)
    return OccasionScheduledV1(occurred_at=when, producer="test", data=data)


def withdrawn(n: int, revision: int, t: float = 1_700_000_000.0) -> OccasionWithdrawnV1:
    """Return occasion.withdrawn for occasion n."""
    data = OccasionWithdrawn(occasion_id=oid(n), revision=revision)
    return OccasionWithdrawnV1(occurred_at=at(t), producer="test", data=data)
