"""The notifier's consumer, on the real Redis stream, keeps readers' answers and meetings for
the firm's view, once each however often the stream delivers them."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis

from braise_notifier.bootstrap import build
from braise_notifier.config import NotifierSettings
from braise_notifier.consumer import build_consumer
from braise_notifier.pages.feedback import Answers, feedback_by_gesture
from braise_notifier.pages.loop import meetings_of
from braise_shared.events import dump_event
from braise_shared.publisher import EventPublisher
from braise_shared.stream import EVENTS_STREAM
from tests.support import events as ev
from tests.support.firmview import answer, notifier_history
from tests.support.processes import wait_until
from tests.support.servers import SessionServers


def test_answers_and_meetings_from_the_stream_reach_the_firms_view_once(
    tmp_path: Path, servers: SessionServers, redis_client: redis.Redis
) -> None:
    notifier = build(
        NotifierSettings(
            database_url=f"sqlite:///{tmp_path / 'notifier.db'}",
            redis_url=servers.endpoints.redis_url,
        )
    )
    notifier_history(notifier.factory, datetime.now(UTC))  # Camille's digest, her two answers
    consumer = build_consumer(redis_client, notifier)
    consumer.prepare()
    never = answer(1, 2, "never", datetime.now(UTC) - timedelta(days=1))
    met = ev.interaction([4, 5], (datetime.now(UTC) - timedelta(days=2)).timestamp())
    publisher = EventPublisher(redis_client)
    for event in (never, met):
        publisher.publish_many([(str(event.id), dump_event(event))])
    # The same facts again under new entries (a producer's retry): nothing more is kept.
    redis_client.xadd(EVENTS_STREAM, {"event": dump_event(never)})

    def all_read() -> bool:
        consumer.poll_once()
        group = redis_client.xinfo_groups(EVENTS_STREAM)[0]
        return int(group["lag"] or 0) == 0 and int(group["pending"]) == 0

    wait_until(all_read, timeout_s=30, what="the notifier's consumer read the stream")
    with notifier.factory() as session:
        assert feedback_by_gesture(session) == [
            Answers("invite", done=1, not_now=0, never=1),
            Answers("share", done=0, not_now=1, never=0),
        ]
        pair = tuple(sorted((str(ev.cid(4)), str(ev.cid(5)))))
        assert len(meetings_of(session)[pair]) == 1  # type: ignore[index]
