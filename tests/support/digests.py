"""Digests composed without servers: FR and EN, dormant and cooling, short and very long names."""

from datetime import UTC, date, datetime
from email.message import EmailMessage

from braise_notifier.catalogs import texts
from braise_notifier.compose import Digest, Reader, compose
from braise_notifier.render import build_email, render_parts
from braise_notifier.tokens import LinkSigner
from braise_shared.candidates import (
    AskNewsGesture,
    AskNewsParams,
    CongratulateGesture,
    CongratulateParams,
    Gesture,
    InviteGesture,
    InviteParams,
    JunctionParams,
    JunctionReason,
    LastSeenParams,
    LastSeenReason,
    MissionFact,
    OccasionFact,
    RevivalCandidate,
    SharedReason,
    ShareGesture,
    ShareParams,
    TopicsParams,
    WasStrongParams,
    WasStrongReason,
)
from braise_shared.interactions import load_kinds
from braise_shared.stages import CandidateStage
from braise_shared.tags import make_tag, make_tags
from braise_shared.taxonomy import load_taxonomy

PERIOD = "2026-W48"
PUBLIC_URL = "https://braise.example.org"
PREFERENCES_URL = "https://braise.example.org/preferences/{consultant_id}"
SIGNER = LinkSigner("sample-link-secret-" * 3, ttl_s=30 * 86_400)
LONG_NAME = "Marie-Bérengère de La Tour d'Auvergne-Lauraguais"


def candidate(n: int, name: str, stage: CandidateStage, gesture: Gesture) -> RevivalCandidate:
    """Return a candidate with the usual facts: a strong past, a last exchange, shared tags."""
    return RevivalCandidate(
        other_id=f"00000000-0000-4000-8000-{n:012d}",
        other_name=name,
        stage=stage,
        score=0.5,
        components={"past": 0.8},
        strength=0.9,
        peak=12.0,
        last_at=datetime(2024, 6, 1, tzinfo=UTC),
        gesture=gesture,
        reasons=[
            WasStrongReason(
                params=WasStrongParams(
                    peak=12.0,
                    peak_at=date(2024, 3, 2),
                    first_day=date(2024, 1, 10),
                    last_day=date(2024, 3, 2),
                    kinds={"mission_together": 1, "lunch": 2},
                    missions=[MissionFact(name="Refonte SI", on=date(2024, 1, 10))],
                )
            ),
            LastSeenReason(params=LastSeenParams(last_at=date(2024, 6, 1), kind="call")),
            SharedReason(params=TopicsParams(topics=make_tags(["Python", "Voile", "Énergie"]))),
        ],
    )


BREAKFAST = OccasionFact(
    occasion_id="0c0ffee0-0000-4000-8000-00000000000a",
    title="Petit-déjeuner du cabinet",
    starts_at=datetime(2026, 12, 17, 7, 30, tzinfo=UTC),
    ends_at=datetime(2026, 12, 17, 9, 0, tzinfo=UTC),
    place="Café Pouchkine, 16 place de la Madeleine",
    city="Paris",
)
WEBINAR = OccasionFact(
    occasion_id="0c0ffee0-0000-4000-8000-00000000000b",
    title="Atelier « IA générative » en visio",
    starts_at=datetime(2026, 12, 10, 17, 0, tzinfo=UTC),
    ends_at=datetime(2026, 12, 10, 18, 0, tzinfo=UTC),
    online=True,
)


def junction_candidate(n: int, name: str, stage: CandidateStage) -> RevivalCandidate:
    """Return a candidate whose two people are both expected at the breakfast."""
    usual = candidate(n, name, stage, InviteGesture())
    junction = JunctionReason(params=JunctionParams(occasion=BREAKFAST))
    gesture = InviteGesture(params=InviteParams(city="Paris", occasion=BREAKFAST))
    return usual.model_copy(update={"reasons": [junction, *usual.reasons], "gesture": gesture})


def occasion_people() -> list[RevivalCandidate]:
    """Return a dormant person invited to an online workshop, then a cooling one both expect
    at the breakfast (the graph's order: dormant first)."""
    invited = InviteGesture(params=InviteParams(occasion=WEBINAR))
    return [
        candidate(6, "Sofia Haddad", "dormant", invited),
        junction_candidate(7, "Élodie Lefèvre", "cooling"),
    ]


def sample_people() -> list[RevivalCandidate]:
    """Return the sample candidates: three dormant and two cooling people."""
    return _people()


def _people() -> list[RevivalCandidate]:
    return [
        candidate(
            1, "Karim Benali", "dormant", ShareGesture(params=ShareParams(topic=make_tag("Voile")))
        ),
        candidate(
            2,
            LONG_NAME,
            "dormant",
            CongratulateGesture(
                params=CongratulateParams(news_kind="skill", news=make_tag("Kubernetes"))
            ),
        ),
        candidate(
            3,
            "Zoé Martin",
            "dormant",
            AskNewsGesture(params=AskNewsParams(project="Migration SAP chez Enedis")),
        ),
        candidate(4, "Léa Dubois", "cooling", InviteGesture(params=InviteParams(city="Lyon"))),
        candidate(5, "Jean-Christophe Vandenberghe", "cooling", InviteGesture()),
    ]


def sample_digests() -> dict[str, Digest]:
    """Return digests by name: every layout case a reader may get, in French and in English."""
    people = _people()
    cases = {
        "full": people,
        "dormant-long-name": [people[1]],
        "cooling-only": people[3:],
        "occasions": occasion_people(),
    }
    out = {}
    for locale in ("fr", "en"):
        for case, chosen in cases.items():
            reader = Reader(
                "00000000-0000-4000-8000-000000000099",
                "Camille Martin" if case != "dormant-long-name" else LONG_NAME,
                "camille.martin@example.org",
                locale,
            )
            out[f"{locale}-{case}"] = compose(
                reader,
                PERIOD,
                chosen,
                texts=texts(locale),
                kinds=load_kinds(),
                taxonomy=load_taxonomy(),
                addresses={
                    p.other_id: f"person{i}@example.org"
                    for i, p in enumerate(people + occasion_people())
                },
            )
    return out


def sample_html(digest: Digest) -> str:
    """Return the HTML body of a digest."""
    html, _text = render_parts(
        digest,
        texts(digest.reader.locale),
        SIGNER,
        PUBLIC_URL,
        preferences_url=PREFERENCES_URL,
    )
    return html


def sample_email(
    digest: Digest, *, mail_from: str = "Braise <reseau@braise.example.org>"
) -> EmailMessage:
    """Return the e-mail of a digest, as the notifier builds it."""
    return build_email(
        digest,
        texts(digest.reader.locale),
        signer=SIGNER,
        public_url=PUBLIC_URL,
        preferences_url=PREFERENCES_URL,
        mail_from=mail_from,
        reply_to="equipe@braise.example.org",
    )
