"""The one beat keeps planning through a Redis outage: it takes its lease back by itself."""

import shutil
import socket
import threading
from pathlib import Path

import redis
from celery import Celery

from braise_cli.stack.servers import RedisServer
from braise_notifier.singleton import BEAT_LOCK_KEY, Lease, LeasedScheduler
from tests.support.disposable import disposable_redis
from tests.support.processes import ServiceProcess, wait_until

OUTAGE_S = 20.0


def _outage(server: RedisServer) -> None:
    """Stop Redis for OUTAGE_S and bring it back without its data (a restart that lost
    it, a failover to an empty replica): the lease's key is gone, as if it had expired."""
    server.stop()
    for path in server.data_dir.iterdir():
        if path.name != "redis.conf":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    threading.Event().wait(OUTAGE_S)
    server.start()


def test_a_beat_whose_lease_redis_lost_takes_it_back_and_keeps_running(tmp_path: Path) -> None:
    with disposable_redis(tmp_path / "redis") as server:
        port = server.settings.redis_port
        env = {"REDIS_URL": f"redis://127.0.0.1:{port}/0", "BRAISE_LOG_FORMAT": "text"}
        schedule = str(tmp_path / "schedule")
        args = ["-A", "braise_notifier.tasks", "beat", "-l", "INFO", "-s", schedule]
        beat = ServiceProcess("celery", env, tmp_path / "beat.log", args=args)
        beat.start()
        try:
            assert beat.proc is not None
            holder = f"{socket.gethostname()}:{beat.proc.pid}".encode()
            before = redis.Redis(port=port, socket_timeout=5)
            wait_until(
                lambda: before.get(BEAT_LOCK_KEY) == holder,
                timeout_s=120,
                what=f"the beat's lease\n{beat.log_tail()}",
            )
            before.close()

            _outage(server)

            after = redis.Redis(port=port, socket_timeout=5)
            wait_until(
                lambda: after.get(BEAT_LOCK_KEY) == holder,
                timeout_s=120,
                what=f"the beat to take its lease back\n{beat.log_tail()}",
            )
            assert beat.proc.poll() is None, beat.log_tail()
            assert "took the lease" in beat.log_tail(200)
        finally:
            beat.stop()


def test_the_scheduler_sends_nothing_without_its_lease_and_sends_what_came_due_once_back(
    tmp_path: Path,
) -> None:
    with disposable_redis(tmp_path / "redis") as server:
        port = server.settings.redis_port
        app = Celery("beat-under-test", broker=f"redis://127.0.0.1:{port}/1")
        app.conf.beat_schedule = {"plan": {"task": "braise.plan_due", "schedule": 2.0}}
        lease = Lease(redis.Redis(port=port, socket_timeout=2), BEAT_LOCK_KEY, ttl_s=3)
        lease.acquire()
        scheduler = LeasedScheduler(app=app, schedule_filename=str(tmp_path / "schedule"))
        scheduler.lease = lease
        stop = threading.Event()

        def beat() -> None:
            while not stop.is_set():
                stop.wait(min(scheduler.tick(), 1.0))

        ticking = threading.Thread(target=beat, daemon=True)
        ticking.start()
        broker = redis.Redis(port=port, db=1, socket_timeout=2)
        try:
            wait_until(lambda: broker.llen("celery") >= 1, timeout_s=60, what="a first plan")
            broker.close()

            _outage(server)  # the queue is gone with the data: what follows came after
            assert not lease.holds()

            broker = redis.Redis(port=port, db=1, socket_timeout=2)
            wait_until(lease.holds, timeout_s=120, what="the lease taken back")
            wait_until(lambda: broker.llen("celery") >= 1, timeout_s=60, what="planning again")
        finally:
            stop.set()
            ticking.join(timeout=30)
            lease.release()
            scheduler.close()
            broker.close()
