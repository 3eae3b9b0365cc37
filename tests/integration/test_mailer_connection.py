"""The mailer's kept SMTP connection, against a real SMTP sink of the test's own (which it
stops and starts again): one connection for many messages, opened again once when the
server dropped it, never shared with a forked child."""

import os
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest

from braise_cli.stack.servers import MailSink
from braise_cli.stack.settings import StackSettings
from braise_notifier.mailer import Mailer, TransientMailError
from tests.support.disposable import free_port


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    server = MailSink(StackSettings(var_dir=tmp_path, smtp_port=free_port(), start_timeout_s=30))
    server.start()
    yield server
    server.stop()


def _message(n: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Braise <reseau@braise.example.org>"
    message["To"] = f"reader{n}@example.org"
    message["Subject"] = f"digest {n}"
    message.set_content(f"digest {n}")
    return message


def _peers(sink: MailSink) -> dict[str, str]:
    """Return, by recipient, the client address each message came from."""
    parser = BytesParser(policy=default_policy)
    parsed = [parser.parsebytes(p.read_bytes()) for p in sorted(sink.maildir.glob("*.eml"))]
    return {str(m["X-Sink-Rcpt-To"]): str(m["X-Sink-Peer"]) for m in parsed}


def _mailer(sink: MailSink) -> Mailer:
    return Mailer("127.0.0.1", sink.settings.smtp_port, timeout_s=10)


def test_messages_sent_one_after_another_share_one_connection(sink: MailSink) -> None:
    mailer = _mailer(sink)
    for n in (1, 2, 3):
        mailer.send(_message(n), [f"reader{n}@example.org"])
    mailer.close()

    peers = _peers(sink)
    assert sorted(peers) == [f"reader{n}@example.org" for n in (1, 2, 3)]
    assert len(set(peers.values())) == 1


def test_a_connection_the_server_dropped_is_opened_again_and_the_message_sent(
    sink: MailSink,
) -> None:
    mailer = _mailer(sink)
    mailer.send(_message(1), [f"reader{1}@example.org"])
    sink.stop()  # the kept connection dies with the server
    sink.start()

    mailer.send(_message(2), [f"reader{2}@example.org"])  # no error: sent on a new connection
    mailer.send(_message(3), [f"reader{3}@example.org"])
    mailer.close()

    peers = _peers(sink)
    assert sorted(peers) == [f"reader{n}@example.org" for n in (1, 2, 3)]
    assert peers["reader1@example.org"] != peers["reader2@example.org"]
    assert peers["reader2@example.org"] == peers["reader3@example.org"]


def test_no_server_at_all_is_a_transient_failure_after_one_new_attempt(sink: MailSink) -> None:
    mailer = _mailer(sink)
    mailer.send(_message(1), [f"reader{1}@example.org"])
    sink.stop()

    with pytest.raises(TransientMailError, match="no SMTP connection"):
        mailer.send(_message(2), [f"reader{2}@example.org"])
    sink.start()
    mailer.send(_message(3), [f"reader{3}@example.org"])  # the next message finds the server back
    mailer.close()
    assert sorted(_peers(sink)) == ["reader1@example.org", "reader3@example.org"]


def test_a_closed_mailer_connects_anew_and_a_forked_child_never_uses_its_parents_connection(
    sink: MailSink,
) -> None:
    mailer = _mailer(sink)
    mailer.send(_message(1), [f"reader{1}@example.org"])
    child = os.fork()
    if child == 0:  # the child sends on a connection of its own, then leaves at once
        try:
            mailer.send(_message(2), [f"reader{2}@example.org"])
        except BaseException:  # noqa: BLE001 - any failure of the child is its exit code
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    mailer.send(
        _message(3), [f"reader{3}@example.org"]
    )  # the parent's connection still works: the child left it alone
    mailer.close()
    mailer.send(_message(4), [f"reader{4}@example.org"])
    mailer.close()

    peers = _peers(sink)
    assert sorted(peers) == [f"reader{n}@example.org" for n in (1, 2, 3, 4)]
    first, child_peer, again, reopened = (peers[f"reader{n}@example.org"] for n in (1, 2, 3, 4))
    assert first == again
    assert len({first, child_peer, reopened}) == 3


def test_the_envelope_goes_to_the_recipient_given_never_to_the_headers(sink: MailSink) -> None:
    message = _message(1)
    del message["To"]
    message["To"] = "reader1@example.org, spy@evil.example"  # whatever a header came to hold
    mailer = _mailer(sink)
    mailer.send(message, ["reader1@example.org"])
    mailer.close()

    assert sorted(_peers(sink)) == ["reader1@example.org"]
