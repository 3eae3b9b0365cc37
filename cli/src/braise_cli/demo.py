"""The main job: a synthetic firm through the whole pipeline, digests in the mail sink."""

import html
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_binary_file
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import typer
from rich.progress import Progress

from braise_cli.firm import generate_firm
from braise_cli.history import simulate_history
from braise_cli.occasions_load import load_occasions
from braise_cli.operator import Braise
from braise_cli.stack import Server
from braise_cli.stack.process import peak_memory_mib
from braise_cli.stack.services import local_staff_emails
from braise_notifier.schedule import week_period


def current_period(now: datetime | None = None) -> str:
    """Return this ISO week's period key, e.g. 2026-W48."""
    return week_period((now or datetime.now(UTC)).date())


@dataclass
class StageClock:
    """The wall time of each stage of the main job, in the order they ran."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block as one stage."""
        began = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = time.perf_counter() - began


def run_demo(
    braise: Braise, *, size: int, seed: int, maildir: Path, out_dir: Path, stack: list[Server]
) -> None:
    """Load the firm (unless loaded), wait for the graph, send one period, show the result."""
    clock = StageClock()
    with clock.stage("generate"):
        firm = generate_firm(size, seed=seed)
    typer.echo(
        f"A firm of {size} consultants and {len(firm.interactions)} interactions "
        f"(seed {seed}) generated in {clock.seconds['generate']:.1f}s."
    )
    if braise.has_consultants():
        typer.echo("A firm is already loaded (`make clean` starts from scratch); reusing it.")
        consultants, interactions = size, len(firm.interactions)
        expected = 0
    else:
        total = len(firm.consultants) + len(firm.interactions)
        with clock.stage("load"), Progress() as progress:
            task = progress.add_task("Loading the firm through the profiles API", total=total)
            consultants, interactions = braise.load_firm(
                firm, key=f"demo-{seed}-{size}", progress=lambda n: progress.advance(task, n)
            )
        expected = consultants + interactions
    with clock.stage("apply"), Progress() as progress:
        task = progress.add_task("Graph and notifier applying events", total=expected or None)

        def applied(done: int, length: int, behind: int) -> None:
            progress.update(
                task,
                completed=done,
                description=f"Applying: {length} events on the stream, {behind} still to apply",
            )

        braise.wait_caught_up(expected=expected, stall_s=180, progress=applied)
    with clock.stage("history"):
        applied_before = int(braise.stats()["events_applied"])
        past = simulate_history(braise, seed=seed)
        # The simulated meetings flow through profiles' outbox first: wait for the graph to
        # have them, then for both groups to have read everything.
        braise.wait_graph_applied(applied_before + past.interactions, timeout_s=180)
        braise.wait_caught_up(expected=0, stall_s=180, progress=lambda *_: None)
    if past.periods:
        typer.echo(
            f"Simulated past periods {', '.join(past.periods)}: {past.digests} digests, "
            f"{past.suggestions} suggestions, {past.acted} acted on, {past.answers} answers."
        )
    with clock.stage("occasions"):
        occasions = load_occasions(braise, firm, seed=seed, now=datetime.now(UTC))
        # Each sync committed its events with the calendar: once the relay has put them all
        # on the stream, wait for both groups to have read it to the end.
        braise.wait_outbox_empty(timeout_s=120)
        braise.wait_caught_up(expected=0, stall_s=180, progress=lambda *_: None)
    typer.echo(
        f"Occasions: the firm's calendar ({occasions.firm_events} events in Radicale) and "
        f"{occasions.own_calendars} consultants' own, synced: {occasions.scheduled} occasions "
        f"scheduled, {occasions.withdrawn} withdrawn, {occasions.interactions} past ones "
        "recorded as interactions."
    )
    period = current_period()
    before = {p.name for p in maildir.glob("*.eml")}
    with clock.stage("period"), Progress() as progress:
        enqueued = braise.run_period(period)
        task = progress.add_task(f"Sending the digests of {period}", total=enqueued)
        report = braise.wait_period(
            period, enqueued, stall_s=180, progress=lambda n: progress.advance(task, n)
        )
    stats = braise.stats()
    # Two reads of every link (counts by stage, sectors): 156 s at 30,000 consultants, the
    # period's last digests still going out on the same two cores.
    weeks = braise.record_link_week(timeout_s=600)
    new_mail = sorted(p for p in maildir.glob("*.eml") if p.name not in before)
    typer.echo("")
    typer.echo(f"Consultants:   {consultants}")
    typer.echo(f"Interactions:  {interactions}")
    stages = ", ".join(f"{stage} {count}" for stage, count in stats["links_by_stage"].items())
    typer.echo(f"Links:         {stats['links']} ({stages})")
    typer.echo(f"Digests {period}: " + ", ".join(f"{k} {v}" for k, v in sorted(report.items())))
    typer.echo(f"E-mails:       {len(new_mail)} new .eml files in {maildir}")
    typer.echo(f"Weeks of links per stage kept: {len(weeks)} (from {weeks[0]['week']})")
    typer.echo("")
    _print_costs(clock, events=expected, digests=enqueued, stack=stack)
    if new_mail:
        messages = [_read(p) for p in new_mail]
        sample = max(messages[:40], key=lambda m: len(_text(m)))
        typer.echo("")
        typer.echo(f"--- one digest (plain-text part), to {sample['To']} ---")
        typer.echo(f"Subject: {sample['Subject']}")
        typer.echo("")
        typer.echo(_text(sample))
        page = out_dir / "digests.html"
        _write_gallery(page, messages[:6])
        typer.echo(f"Six digests side by side: {page}")
    staff = f"http://127.0.0.1:{braise.settings.notifier_port}/pages/staff"
    who = " or ".join(local_staff_emails()) or "nobody: set BRAISE_NOTIFIER_STAFF_EMAILS"
    typer.echo(f"The firm's view: {staff} (sign in as {who}; the link lands in {maildir})")


def _print_costs(clock: StageClock, *, events: int, digests: int, stack: list[Server]) -> None:
    """Print each stage's time and rate, and the peak memory of every process."""
    rates = {
        "load": ("events", events),
        "apply": ("events", events),
        "period": ("digests", digests),
    }
    typer.echo("Stage       time      rate")
    for name, seconds in clock.seconds.items():
        unit, count = rates.get(name, ("", 0))
        rate = f"{count / seconds:,.0f} {unit}/s" if count and seconds > 0 else ""
        typer.echo(f"{name:<10} {seconds:7.1f}s   {rate}")
    typer.echo(f"{'total':<10} {sum(clock.seconds.values()):7.1f}s")
    typer.echo("")
    typer.echo("Peak memory (resident, since each process started)")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    typer.echo(f"  {'braise demo':<18} {own:8.0f} MiB")
    for server in stack:
        pid = server.process().pid()
        if pid is None:
            continue
        peak, children = peak_memory_mib(pid)
        extra = f"  (+{len(children)} children, max {max(children):.0f} MiB)" if children else ""
        typer.echo(f"  {server.name:<18} {peak:8.0f} MiB{extra}")


def _read(path: Path) -> EmailMessage:
    with path.open("rb") as f:
        message = message_from_binary_file(f, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part else ""


def _write_gallery(page: Path, messages: list[EmailMessage]) -> None:
    """Write an HTML page with a few digests side by side."""
    page.parent.mkdir(parents=True, exist_ok=True)
    frames = []
    for message in messages:
        part = message.get_body(preferencelist=("html",))
        body = str(part.get_content()) if part else ""
        frames.append(
            "<div style='flex:1 1 420px;min-width:420px;margin:8px'>"
            f"<p style='font:13px Arial'><b>{html.escape(str(message['To']))}</b><br>"
            f"{html.escape(str(message['Subject']))}</p>"
            f"<iframe style='width:100%;height:900px;border:1px solid #ccc' "
            f"srcdoc='{html.escape(body, quote=True)}'></iframe></div>"
        )
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Braise digests</title></head>"
        "<body style='margin:0;background:#eee'><div style='display:flex;flex-wrap:wrap'>"
        + "".join(frames)
        + "</div></body></html>",
        encoding="utf-8",
    )
