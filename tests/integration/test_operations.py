"""What operators rely on: readiness that names the dependency down, metrics per route, one beat."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from braise_graph.api import create_app
from braise_graph.config import GraphSettings
from braise_notifier.singleton import BEAT_LOCK_KEY, Lease, LeaseHeldError
from tests.support.disposable import disposable_neo4j
from tests.support.processes import wait_until
from tests.support.profiles import consultant_headers
from tests.support.servers import SessionServers


def test_graph_readyz_names_neo4j_while_it_is_down_and_recovers(
    tmp_path: Path, servers: SessionServers
) -> None:
    with disposable_neo4j(tmp_path / "neo4j") as neo4j:
        settings = GraphSettings(
            neo4j_uri=f"bolt://127.0.0.1:{neo4j.settings.neo4j_bolt_port}",
            neo4j_password=neo4j.settings.neo4j_password,
            redis_url=servers.endpoints.redis_url,
            neo4j_retry_s=0,
        )
        with TestClient(create_app(settings)) as client:
            ready = client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checked"] == ["neo4j", "redis"]
            neo4j.stop()
            down = client.get("/readyz")
            assert down.status_code == 503
            assert set(down.json()["failed"]) == {"neo4j"}
            assert client.get("/healthz").status_code == 200  # liveness does not depend on it
            neo4j.start()
            wait_until(
                lambda: client.get("/readyz").status_code == 200,
                timeout_s=60,
                what="/readyz answering 200 once Neo4j is back",
            )


def test_requests_are_counted_by_route_template_and_carry_a_correlation_id(
    servers: SessionServers,
) -> None:
    settings = GraphSettings(
        neo4j_uri=servers.endpoints.neo4j_uri,
        neo4j_password=servers.endpoints.neo4j_password,
        redis_url=servers.endpoints.redis_url,
    )
    someone = "7b0d4b0e-0000-4000-8000-000000000001"
    with TestClient(create_app(settings)) as client:
        answer = client.get(
            f"/v1/consultants/{someone}/links",
            headers={**consultant_headers(someone), "X-Correlation-ID": "trace-me-42"},
        )
        assert answer.headers["x-correlation-id"] == "trace-me-42"
        metrics = client.get("/metrics").text
    line = (
        'braise_http_requests_total{method="GET",route="/v1/consultants/{consultant_id}/links",'
        f'service="graph",status="{answer.status_code}"}}'
    )
    assert line in metrics
    assert someone not in metrics  # ids never become label values


def test_a_second_beat_lease_is_refused_until_the_first_is_released(
    redis_client: redis.Redis,
) -> None:
    first = Lease(redis_client, BEAT_LOCK_KEY, ttl_s=30)
    first.acquire()
    with pytest.raises(LeaseHeldError, match="only one Celery beat"):
        Lease(redis_client, BEAT_LOCK_KEY, ttl_s=30).acquire()
    first.release()
    second = Lease(redis_client, BEAT_LOCK_KEY, ttl_s=30)
    second.acquire()
    second.release()


def test_a_second_celery_beat_stops_at_start_while_one_holds_the_lease(
    tmp_path: Path, redis_client: redis.Redis, servers: SessionServers
) -> None:
    held = Lease(redis_client, BEAT_LOCK_KEY, ttl_s=60)
    held.acquire()
    env = {**os.environ, "REDIS_URL": servers.endpoints.redis_url, "BRAISE_LOG_FORMAT": "text"}
    try:
        beat = subprocess.run(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "braise_notifier.tasks",
                "beat",
                "-s",
                str(tmp_path / "schedule"),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        held.release()
    assert beat.returncode == 2, beat.stdout + beat.stderr
    assert "only one Celery beat" in beat.stdout + beat.stderr
