"""The graph → notifier contract: revival candidates, their reasons and their gestures.

The graph ranks links and states *facts*: every reason is a code with typed parameters, every
gesture a kind with typed parameters. No sentence crosses this boundary: the notifier's
catalogs alone turn codes and parameters into words, in the reader's language. Every label
a person entered (a skill, a sector, an interest, a city) travels as a `Tag`: its key lets
the notifier word it in the reader's language (`braise_shared.taxonomy`), its label is the
fallback.

Who reached out to whom may rank a link (the `trust` component of the score) but is no
reason: a digest never tells it, so the contract does not carry it.

Served by the graph at `GET /v3/consultants/{id}/revival-candidates` (`RevivalCandidates`),
and for many consultants in one request at `POST /v3/revival-candidates`
(`CandidatesRequest` → `CandidatesBatch`: the same `RevivalCandidates` for each known id,
the unknown ids listed apart); a change that breaks this shape is a new version of those
routes. One reader's failure costs that reader only: a batch answers every reader it can
and lists in `failed`, with the reason, those whose candidates could not be ranked or
written; the single route answers them 500 with the same reason. (`failed` came after the
first v3 answers: it defaults to empty, so a notifier reads a graph that does not send it;
deploy the notifier first. So came the `junction` reason and the invite's `occasion`,
with the firm's occasions: deploy the notifier first for them too.) v3 replaced v2
(withdrawn) when the facts got their time: v2's `was_strong` counted the pair's exchanges
of all time beside the peak's month, which let digests state counts that never happened in
that month.

How many people a digest proposes is the notifier's rule, and lives in its settings
(`max_dormant`, `max_cooling`). The notifier passes those numbers to the graph as the
`dormant` and `cooling` query parameters, which have no default; the graph returns at most
that many of each stage, best first, and the notifier's `compose` takes what it is given.
`MAX_PER_STAGE` is only the bound both sides accept.
"""

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from braise_shared.events import UtcDateTime
from braise_shared.locales import Locale
from braise_shared.stages import CandidateStage
from braise_shared.tags import Tag

MAX_PER_STAGE = 50
MAX_BATCH = 200  # consultants in one batch request, at most

NewsKind = Literal["skill", "sector", "city", "mission"]


class Contract(BaseModel):
    """Base of every model of the contract: frozen, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# Reasons: why this person, as facts.


class MissionFact(Contract):
    """A mission the two did together: its name as entered, and when it was recorded."""

    name: str = Field(min_length=1, description="The mission's note, as entered.")
    on: date = Field(description="The day it was recorded.")


class WasStrongParams(Contract):
    """When the link was at its strongest, and what the two did together then.

    The window is three whole calendar months (UTC): the peak's month and the two before it.
    `kinds` counts every interaction of the pair in it, and `first_day` and `last_day` are
    its first and last: the months from `first_day`'s to `last_day`'s hold exactly those
    interactions, so a digest may state the counts of those months and nothing wider.
    """

    peak: float = Field(description="The link's peak strength.")
    peak_at: date = Field(description="When the peak was reached.")
    first_day: date = Field(description="The window's first interaction.")
    last_day: date = Field(description="The window's last interaction.")
    kinds: dict[str, int] = Field(
        description="The window's interactions by kind (`interaction_kinds.toml`): how many of "
        "each. No order is implied: the notifier orders what it writes."
    )
    missions: list[MissionFact] = Field(
        default=[], description="The window's missions together that have a name, oldest first."
    )

    @model_validator(mode="after")
    def _a_window_with_interactions(self) -> "WasStrongParams":
        if self.first_day > self.last_day:
            raise ValueError("first_day is after last_day")
        if not self.kinds or min(self.kinds.values()) < 1:
            raise ValueError("kinds must count at least one interaction of each kind named")
        return self

    @property
    def count(self) -> int:
        """Return how many interactions the window holds."""
        return sum(self.kinds.values())


class WasStrongReason(Contract):
    """The link was strong once."""

    code: Literal["was_strong"] = "was_strong"
    params: WasStrongParams


class LastSeenParams(Contract):
    """When the two last did something together, and what."""

    last_at: date = Field(description="Day of the last interaction.")
    kind: str | None = Field(
        description="Its kind; null for a link folded before links kept their log."
    )


class LastSeenReason(Contract):
    """When the last exchange was."""

    code: Literal["last_seen"] = "last_seen"
    params: LastSeenParams


class TopicsParams(Contract):
    """Tags of the other person: key and label as they entered it."""

    topics: list[Tag] = Field(min_length=1, description="At most three tags.")


class SharedReason(Contract):
    """Skills, sectors or interests the two share."""

    code: Literal["shared"] = "shared"
    params: TopicsParams


class HookParams(Contract):
    """The other person's fresh news."""

    news_kind: NewsKind = Field(description="What is new.")
    news: Tag = Field(
        description="The new skill, sector or city, or the mission's note (its label)."
    )
    at: date = Field(description="When it happened.")


class HookReason(Contract):
    """The other person has fresh news: a reason to write now."""

    code: Literal["hook"] = "hook"
    params: HookParams


class NoveltyReason(Contract):
    """The other person knows fields the reader's circle does not: worlds to share."""

    code: Literal["novelty"] = "novelty"
    params: TopicsParams


class OccasionFact(Contract):
    """A real upcoming occasion of the firm, as its events calendar says (`occasion.scheduled`).

    Times are UTC; the notifier words them in the firm's time zone.
    """

    occasion_id: str = Field(description="The occasion's id.")
    title: str = Field(min_length=1, description="Its title, as entered.")
    starts_at: UtcDateTime = Field(description="When it starts.")
    ends_at: UtcDateTime = Field(description="When it ends.")
    place: str | None = Field(default=None, description="The venue or address, as entered.")
    city: str | None = Field(default=None, description="Its city; null when online.")
    online: bool = Field(default=False, description="Held online.")
    all_day: bool = Field(default=False, description="Whole days: its day is said, never an hour.")
    revision: int = Field(
        default=1, ge=1, description="The occasion's revision (a calendar file's SEQUENCE)."
    )


class JunctionParams(Contract):
    """An upcoming occasion both people accepted (registered for)."""

    occasion: OccasionFact


class JunctionReason(Contract):
    """Both will be at the same occasion soon: the *point de jonction*, the best reason."""

    code: Literal["junction"] = "junction"
    params: JunctionParams


Reason = Annotated[
    WasStrongReason | LastSeenReason | SharedReason | HookReason | NoveltyReason | JunctionReason,
    Field(discriminator="code"),
]


# Gestures: what the reader could give, asking for nothing.


class CongratulateParams(Contract):
    """The news to celebrate."""

    news_kind: NewsKind
    news: Tag


class CongratulateGesture(Contract):
    """Congratulate the other person on their news (the hook)."""

    kind: Literal["congratulate"] = "congratulate"
    params: CongratulateParams


class ShareParams(Contract):
    """The shared interest to send something about."""

    topic: Tag


class ShareGesture(Contract):
    """Share something useful on a shared interest."""

    kind: Literal["share"] = "share"
    params: ShareParams


class IntroduceParams(Contract):
    """The consultant of the reader's active network to introduce, and what they share."""

    third_id: str
    third_name: str
    topic: Tag


class IntroduceGesture(Contract):
    """Introduce the other person to someone who shares a topic with them."""

    kind: Literal["introduce"] = "introduce"
    params: IntroduceParams


class AskNewsParams(Contract):
    """The past mission to ask about."""

    project: str


class AskNewsGesture(Contract):
    """Ask how a past mission together turned out."""

    kind: Literal["ask_news"] = "ask_news"
    params: AskNewsParams


class InviteParams(Contract):
    """What the reader could invite to: a real upcoming occasion of the firm both can attend
    (in a city both live in, or online), or else what the reader arranges alone: a coffee in
    the city both live in, or a call. No occasion is ever named that the firm's calendar does
    not hold.
    """

    city: str | None = Field(default=None, description="The city both live in, if any.")
    occasion: OccasionFact | None = Field(
        default=None, description="The firm's occasion to invite to, if one fits."
    )


class InviteGesture(Contract):
    """Invite the other person to something the reader offers: a coffee, a call."""

    kind: Literal["invite"] = "invite"
    params: InviteParams = InviteParams()


Gesture = Annotated[
    CongratulateGesture | ShareGesture | IntroduceGesture | AskNewsGesture | InviteGesture,
    Field(discriminator="kind"),
]


class RevivalCandidate(Contract):
    """A link worth rekindling, with why and what to give."""

    other_id: str = Field(description="The other consultant's id.")
    other_name: str = Field(description="Their display name.")
    stage: CandidateStage
    score: float = Field(description="Ranking score (docs/link-model.md).")
    components: dict[str, float] = Field(description="The score's terms, and the penalty.")
    strength: float = Field(description="The link's strength now.")
    peak: float = Field(description="The link's peak strength.")
    last_at: UtcDateTime = Field(description="Time of the last interaction.")
    reasons: list[Reason]
    gesture: Gesture


class RevivalCandidates(Contract):
    """A consultant's candidates at a time: dormant first, then cooling, each best first."""

    consultant_id: str
    at: UtcDateTime
    locale: Locale = Field(description="The consultant's language, as the graph knows it.")
    candidates: list[RevivalCandidate]


class CandidatesRequest(Contract):
    """Many consultants' candidates at once, with the same limits for each."""

    consultant_ids: list[uuid.UUID] = Field(
        min_length=1, max_length=MAX_BATCH, description="Consultants, at most `MAX_BATCH`."
    )
    dormant: int = Field(ge=0, le=MAX_PER_STAGE, description="Dormant candidates, at most.")
    cooling: int = Field(ge=0, le=MAX_PER_STAGE, description="Cooling candidates, at most.")
    at: UtcDateTime | None = Field(default=None, description="When to rank them (now).")


class FailedReader(Contract):
    """A consultant of a batch whose candidates the graph could not rank or write."""

    consultant_id: str
    reason: str = Field(description="Why, for the logs and the notifier's ledger.")


class CandidatesBatch(Contract):
    """Each known consultant's candidates, in the order asked; the ids the graph lacks, and
    the consultants it could not answer for, apart."""

    at: UtcDateTime
    answers: list[RevivalCandidates]
    unknown: list[str] = Field(description="Ids the graph holds no consultant for.")
    failed: list[FailedReader] = Field(
        default=[],
        description="Consultants whose candidates could not be ranked or written (data of "
        "theirs, or of someone they know, that the contract refuses): the others are "
        "answered all the same.",
    )


class DeclinedPerson(Contract):
    """Someone a consultant said "never" to: they are not suggested to them."""

    other_id: str = Field(description="Their id.")
    other_name: str = Field(description="Their display name (the list is its owner's only).")
    declined_at: UtcDateTime | None = Field(
        description="When they said never last; null if before such times were kept."
    )


class DeclinedPeople(Contract):
    """The people a consultant said "never" to, the most recent first.

    Served by the graph at `GET /v1/consultants/{id}/declined`.
    """

    consultant_id: str
    people: list[DeclinedPerson]
