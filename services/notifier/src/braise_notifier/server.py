"""Run the notifier's HTTP app: braise-notifier (port from BRAISE_NOTIFIER_PORT)."""

from braise_notifier.api import create_app
from braise_notifier.bootstrap import notifier
from braise_notifier.tasks import enqueue_digests, sync_unsubscribe
from braise_shared.logs import configure_logging
from braise_shared.observability import serve


def main() -> None:
    """Serve until stopped; work goes to the Celery worker through the broker."""
    configure_logging("notifier")
    n = notifier()
    app = create_app(
        n,
        enqueue_digests=enqueue_digests,
        enqueue_unsubscribe_sync=lambda cid, link_id: sync_unsubscribe.delay(cid, link_id),
    )
    serve(app, host=n.settings.host, port=n.settings.port)


if __name__ == "__main__":
    main()
