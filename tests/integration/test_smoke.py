"""The wiring works for real: a stream round trip, a graph write and read, a mail in the sink."""

import smtplib
import uuid
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import redis
from neo4j import Driver

from tests.support.servers import SessionServers


def test_stream_entry_goes_through_a_consumer_group_and_is_acknowledged(
    redis_client: redis.Redis,
) -> None:
    stream, group = "braise:smoke", "smoke-group"
    redis_client.xgroup_create(stream, group, id="0", mkstream=True)
    entry_id = redis_client.xadd(stream, {"event": b'{"type": "smoke"}'})

    batches = redis_client.xreadgroup(group, "consumer-1", {stream: ">"}, count=10)
    assert batches == [[stream.encode(), [(entry_id, {b"event": b'{"type": "smoke"}'})]]]
    assert redis_client.xpending(stream, group)["pending"] == 1

    assert redis_client.xack(stream, group, entry_id) == 1
    assert redis_client.xpending(stream, group)["pending"] == 0
    assert redis_client.xreadgroup(group, "consumer-1", {stream: ">"}, count=10) == []


def test_neo4j_stores_a_link_and_reads_it_back(neo4j_driver: Driver) -> None:
    neo4j_driver.execute_query(
        "MERGE (a:Smoke {id: $a}) MERGE (b:Smoke {id: $b}) "
        "MERGE (a)-[l:SMOKE_LINK]->(b) SET l.strength = $s",
        a="c-1",
        b="c-2",
        s=2.5,
    )
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (:Smoke {id: $a})-[l:SMOKE_LINK]->(b:Smoke) RETURN b.id AS other, l.strength AS s",
        a="c-1",
    )
    assert [(r["other"], r["s"]) for r in records] == [("c-2", 2.5)]


def test_neo4j_graph_is_empty_at_the_start_of_each_test(neo4j_driver: Driver) -> None:
    records, _, _ = neo4j_driver.execute_query("MATCH (n) RETURN count(n) AS n")
    assert records[0]["n"] == 0


def test_mail_sent_over_smtp_lands_as_an_eml_file(servers: SessionServers, maildir: Path) -> None:
    marker = uuid.uuid4().hex
    message = EmailMessage()
    message["From"] = "braise@example.org"
    message["To"] = "camille.martin@example.org"
    message["Subject"] = f"Smoke {marker}"
    message.set_content("Bonjour Camille, ceci est un test.")

    with smtplib.SMTP(servers.endpoints.smtp_host, servers.endpoints.smtp_port, timeout=10) as smtp:
        refused = smtp.send_message(message)
    assert refused == {}

    files = sorted(maildir.glob("*.eml"))
    assert len(files) == 1
    parsed = BytesParser(policy=default_policy).parse(files[0].open("rb"))
    assert parsed["Subject"] == f"Smoke {marker}"
    assert parsed["X-Sink-Rcpt-To"] == "camille.martin@example.org"
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None
    assert body.get_content().strip() == "Bonjour Camille, ceci est un test."
