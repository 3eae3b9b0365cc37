"""Digest benchmark: plan and send digests for a firm, beside a bare smtplib ceiling.

    uv run python -m bench.digests [--consultants 10000] [--workers 4] [--pool prefork]

Runs on servers of its own (var/bench), wiped first: Redis, Neo4j and the SMTP sink. Each
consultant has dormant links, so each gets a digest. Prints:
- the pipeline: digests/s from the operator's "run period" until every ledger row is final,
  through Celery (a prefork or a threads pool), the graph API over HTTP (one request per
  batch of readers), rendering, the guard and SMTP (a connection kept per process);
- the ceiling, in the same run: a bare smtplib loop sending the same pre-rendered messages
  (the .eml files the pipeline produced) to the same sink on one connection;
- the ratio, and last one line `digests: ... ratio R`.
"""

import argparse
import os
import random
import shutil
import smtplib
import subprocess
import sys
import time
from email import message_from_binary_file
from email.policy import default as default_policy
from pathlib import Path

import httpx
import redis
from neo4j import GraphDatabase
from sqlalchemy import func, select

from bench.common import (
    BENCH_DIR,
    bench_servers,
    cpu_seconds,
    neo4j_pid,
    spy_on,
    stop_spies,
    tree_cpu_seconds,
)
from bench.ingest import free_port, wipe
from braise_cli.stack.mailkey import ensure_dkim_key
from braise_cli.stack.services import service_env
from braise_graph.config import GraphSettings
from braise_graph.store import GraphStore, create_schema
from braise_notifier.config import NotifierSettings
from braise_notifier.db import DigestRow, make_engine, session_factory
from braise_notifier.projections import project
from braise_notifier.tasks import make_celery
from braise_shared.events import Event
from braise_shared.interactions import load_kinds
from tests.support import events as ev

DAY = 86_400.0
FINAL = ("sent", "failed", "empty", "skipped")


def firm(consultants: int, seed: int) -> list[Event]:
    """Return consultants, each with two or three old strong links (dormant now)."""
    rnd = random.Random(seed)
    now = time.time()
    interests = ["Voile", "Trail", "Jazz", "Cuisine", "Échecs", "Photo"]
    sectors = ["Banque", "Énergie", "Santé", "Retail", "Industrie", "Assurance"]
    out: list[Event] = [
        ev.profile(
            i,
            name=f"Consultant {i}",
            interests=(rnd.choice(interests),),
            sectors=(rnd.choice(sectors),),
            skills=("Python",),
            t=now - 900 * DAY,
        )
        for i in range(1, consultants + 1)
    ]
    for i in range(1, consultants + 1):
        for offset in rnd.sample(range(1, 50), 2):
            other = (i + offset - 1) % consultants + 1
            start = now - rnd.uniform(500, 700) * DAY
            out.append(
                ev.interaction([i, other], start, kind="mission_together", note=f"Projet {i}")
            )
            out.append(ev.interaction([i, other], start + 30 * DAY, kind="lunch", initiator=other))
    return out


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--consultants", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4, help="Celery processes (or threads)")
    parser.add_argument("--pool", choices=("prefork", "threads"), default="prefork")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--profile",
        type=Path,
        help="Record the worker's processes with py-spy while digests go out: the collapsed "
        "stacks at this path, which `python -m bench.profile_top` reads",
    )
    args = parser.parse_args()

    work = BENCH_DIR / "digests"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    events = firm(args.consultants, args.seed)
    print(
        f"digests: {args.consultants} consultants, {len(events)} events, "
        f"{args.workers} workers ({args.pool})"
    )
    with bench_servers(mail=True) as (endpoints, stack):
        wipe(endpoints)
        maildir = stack.root / "mail"
        for old in maildir.glob("*.eml"):  # the sink is running: empty its folder, keep it
            old.unlink()
        auth = (endpoints.neo4j_user, endpoints.neo4j_password.get_secret_value())
        with GraphDatabase.driver(endpoints.neo4j_uri, auth=auth) as driver:
            create_schema(driver)
            store = GraphStore(driver, kinds=load_kinds(), rate=GraphSettings().decay_rate)
            started = time.perf_counter()
            for i in range(0, len(events), 2000):
                store.apply(events[i : i + 2000])
            print(f"  graph loaded in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        graph_port = free_port()
        services = stack.model_copy(update={"var_dir": work, "graph_port": graph_port})
        ensure_dkim_key(services.root / "dkim")  # the worker signs with it, as under `braise up`
        env = {
            **os.environ,
            **service_env(services),
            "BRAISE_NOTIFIER_BROKER_DB": "3",
            "BRAISE_LOG_LEVEL": "WARNING",
        }
        settings = NotifierSettings(
            database_url=env["BRAISE_NOTIFIER_DATABASE_URL"],
            redis_url=endpoints.redis_url,
            broker_db=3,
        )
        factory = session_factory(make_engine(settings.database_url))
        project(factory, events[: args.consultants])
        redis.Redis.from_url(settings.broker_url).flushdb()

        log = (work / "services.log").open("ab")
        graph = subprocess.Popen(
            [sys.executable, "-m", "braise_graph.server"], env=env, stdout=log, stderr=log
        )
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "braise_notifier.tasks",
                "worker",
                "-P",
                args.pool,
                "-c",
                str(args.workers),
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "WARNING",
            ],
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            for _ in range(300):
                try:
                    httpx.get(f"http://127.0.0.1:{graph_port}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            time.sleep(3)  # the worker's processes start
            celery = make_celery(settings)
            neo4j = neo4j_pid(stack)
            cpu_before = (tree_cpu_seconds(worker.pid), cpu_seconds(graph.pid), cpu_seconds(neo4j))
            started = time.perf_counter()
            spies = spy_on([worker.pid], args.profile, subprocesses=True) if args.profile else []
            celery.send_task("braise.plan_period", args=["2026-W48"])
            with factory() as session:
                while True:
                    done = (
                        session.scalar(select(func.count()).where(DigestRow.state.in_(FINAL))) or 0
                    )
                    if done >= args.consultants:
                        break
                    if worker.poll() is not None:
                        raise SystemExit(f"worker died; see {work / 'services.log'}")
                    time.sleep(0.2)
                    session.expire_all()
            pipeline_s = time.perf_counter() - started
            stop_spies(spies)
            cpu_after = (tree_cpu_seconds(worker.pid), cpu_seconds(graph.pid), cpu_seconds(neo4j))
            cpu = [after - before for before, after in zip(cpu_before, cpu_after, strict=True)]
            with factory() as session:
                sent = session.scalar(select(func.count()).where(DigestRow.state == "sent")) or 0
        finally:
            worker.terminate()
            graph.terminate()
            worker.wait(60)
            graph.wait(30)

        messages = sorted(maildir.glob("*.eml"))
        prerendered = []
        for path in messages:
            with path.open("rb") as f:
                message = message_from_binary_file(f, policy=default_policy)
            del message["X-Sink-Mail-From"]
            del message["X-Sink-Rcpt-To"]
            del message["X-Sink-Peer"]
            prerendered.append(message)
        started = time.perf_counter()
        with smtplib.SMTP(endpoints.smtp_host, endpoints.smtp_port) as smtp:
            for message in prerendered:
                smtp.send_message(message)
        ceiling_s = time.perf_counter() - started

    rate = sent / pipeline_s
    ceiling = len(prerendered) / ceiling_s
    print(f"pipeline (plan, Celery, graph API, render, guard, SMTP): {sent} digests sent")
    print(f"  in {pipeline_s:8.1f} s = {rate:8.1f} digests/s")
    print(
        "CPU per digest sent: worker {:.1f} ms, graph API {:.1f} ms, neo4j {:.1f} ms".format(
            *(1000 * c / sent for c in cpu)
        )
    )
    print(f"ceiling (bare smtplib loop, the same {len(prerendered)} messages, the same sink)")
    print(f"  in {ceiling_s:8.1f} s = {ceiling:8.1f} messages/s")
    print(f"load at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"digests: {sent} sent, {args.workers} {args.pool} workers, {rate:.1f} digests/s, "
        f"ceiling {ceiling:.1f} messages/s, ratio {rate / ceiling:.2f}"
    )


if __name__ == "__main__":
    main()
