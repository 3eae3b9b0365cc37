"""`braise`: the operator's command line."""

import os
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.progress import Progress

from braise_cli.demo import current_period, run_demo
from braise_cli.firm import MAX_FIRM_SIZE, generate_firm
from braise_cli.operator import Braise, OperatorError
from braise_cli.pages import page_urls
from braise_cli.stack import StackError, StackSettings, build_servers, build_stack
from braise_cli.trace import format_line, read_lines, trace_event
from braise_shared.auth import DEFAULT_SECRET, issue_token

app = typer.Typer(help="Braise: keep a firm's professional network alive.", no_args_is_help=True)

OnlyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--only", help="Act on these only (e.g. redis, neo4j, mailsink, profiles, worker)."
    ),
]


def _selected(only: list[str] | None) -> list[str] | None:
    names = {s.name for s in build_stack(StackSettings())}
    unknown = sorted(set(only or []) - names)
    if unknown:
        raise typer.BadParameter(f"unknown server(s) {', '.join(unknown)}; known: {sorted(names)}")
    return only


@app.command()
def up(
    only: OnlyOption = None,
    servers_only: Annotated[
        bool, typer.Option("--servers-only", help="Redis, Neo4j and the mail sink, not Braise.")
    ] = False,
) -> None:
    """Install what is missing and start everything; harmless when it already runs."""
    chosen = _selected(only)
    settings = StackSettings()
    processes = build_servers(settings) if servers_only else build_stack(settings)
    for server in processes:
        if chosen and server.name not in chosen:
            continue
        typer.echo(f"{server.name:<17} ", nl=False)
        try:
            outcome = server.start()
        except StackError as exc:
            typer.echo("FAILED")
            typer.echo(f"{server.name}: {exc}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(outcome)
    typer.echo(f"state, logs and mail under {settings.root}")


@app.command()
def down(only: OnlyOption = None) -> None:
    """Stop the servers this stack started."""
    chosen = _selected(only)
    for server in reversed(build_stack(StackSettings())):
        if chosen and server.name not in chosen:
            continue
        stopped = server.stop()
        typer.echo(f"{server.name:<17} {'stopped' if stopped else 'was not running'}")


@app.command()
def status() -> None:
    """Report, for each server, whether it runs and answers; exit 1 when one does not."""
    all_ready = True
    for server in build_stack(StackSettings()):
        report = server.status()
        all_ready &= report.ready
        mark = "up  " if report.ready else "DOWN"
        pid = f"pid {report.pid}" if report.pid else "no pid"
        typer.echo(f"{mark} {report.name:<17} {pid:<10} {report.detail}")
    typer.echo("\nPages (served by the notifier)")
    for page in page_urls(StackSettings()):
        typer.echo(f"  {page.name:<12} {page.url}\n  {'':<12} {page.how}")
    if not all_ready:
        raise typer.Exit(1)


def _braise() -> Braise:
    settings = StackSettings()
    return Braise(settings, os.environ.get("BRAISE_JWT_SECRET", DEFAULT_SECRET))


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


@app.command()
def demo(
    size: Annotated[
        int, typer.Option(help="Consultants in the synthetic firm.", min=1, max=MAX_FIRM_SIZE)
    ] = 300,
    seed: Annotated[int, typer.Option(help="Seed of the firm (same seed, same firm).")] = 42,
) -> None:
    """Run the main job: start everything, load a firm, send a digest period, show it."""
    up(only=None, servers_only=False)
    settings = StackSettings()
    try:
        run_demo(
            _braise(),
            size=size,
            seed=seed,
            maildir=settings.root / "mail",
            out_dir=settings.root / "demo",
            stack=build_stack(settings),
        )
    except (OperatorError, httpx.HTTPError, ValueError) as exc:
        raise _fail(exc) from exc


@app.command("load-firm")
def load_firm(
    size: Annotated[int, typer.Option(help="Consultants.", min=1, max=MAX_FIRM_SIZE)] = 300,
    seed: Annotated[int, typer.Option(help="Seed (same seed, same firm).")] = 42,
) -> None:
    """Load a synthetic firm through the profiles API (bulk)."""
    firm = generate_firm(size, seed=seed)
    braise = _braise()
    try:
        with Progress() as progress:
            task = progress.add_task(
                "Loading", total=len(firm.consultants) + len(firm.interactions)
            )
            consultants, interactions = braise.load_firm(
                firm, key=f"firm-{seed}-{size}", progress=lambda n: progress.advance(task, n)
            )
    except (OperatorError, httpx.HTTPError) as exc:
        raise _fail(exc) from exc
    typer.echo(f"{consultants} consultants, {interactions} interactions recorded")


@app.command("import-csv")
def import_csv(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Import a CSV of interactions (kind, participants, occurred_at[, initiator, note])."""
    try:
        report = _braise().import_csv(path)
    except (OperatorError, httpx.HTTPError) as exc:
        raise _fail(exc) from exc
    typer.echo(f"{report['accepted']} rows imported, {len(report['rejected'])} rejected")
    for row in report["rejected"]:
        typer.echo(f"  line {row['line']}: {row['reason']}")


@app.command("add-calendar")
def add_calendar(
    url: str,
    name: Annotated[str, typer.Option(help="How staff call it.")] = "Événements du cabinet",
    source: Annotated[str, typer.Option(help="caldav or ics_url.")] = "caldav",
    user: Annotated[str | None, typer.Option(help="The CalDAV account.")] = None,
    password: Annotated[
        str | None, typer.Option(envvar="BRAISE_CALENDAR_PASSWORD", help="Its password.")
    ] = None,
) -> None:
    """Register the firm's events calendar (CalDAV or an ICS address) and sync it once."""
    try:
        result = _braise().add_calendar(
            name=name, source=source, url=url, user=user, password=password
        )
    except (OperatorError, httpx.HTTPError) as exc:
        raise _fail(exc) from exc
    _print_calendar(result["calendar"])
    if result["error"]:
        raise _fail(OperatorError(f"first sync failed: {result['error']}"))


@app.command("calendars")
def calendars() -> None:
    """Show every calendar: last sync, last error, occurrences and interactions recorded."""
    try:
        for calendar in _braise().calendars():
            _print_calendar(calendar)
    except (OperatorError, httpx.HTTPError) as exc:
        raise _fail(exc) from exc


def _print_calendar(c: dict[str, Any]) -> None:
    owner = "firm" if c["owner_id"] is None else f"consultant {c['owner_id']}"
    typer.echo(
        f"{c['id']}  {c['name']} ({owner}, {c['source']} on {c['host'] or 'upload'}): "
        f"{c['occurrences']} held, {c['upcoming']} upcoming, {c['recorded']} recorded, "
        f"last sync {c['last_synced_at'] or 'never'}"
        + (f", last error: {c['last_error']}" if c["last_error"] else "")
    )


@app.command()
def preview(
    consultant_id: str,
    out: Annotated[Path, typer.Option(help="Where to write the HTML.")] = Path("var/preview.html"),
) -> None:
    """Write the digest a consultant would receive now, as HTML (nothing is sent)."""
    try:
        page = _braise().preview(consultant_id)
    except (OperatorError, httpx.HTTPError) as exc:
        raise _fail(exc) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    typer.echo(f"preview written to {out}")


@app.command("run-period")
def run_period(
    period: Annotated[str, typer.Argument(help="e.g. 2026-W48; default: this week")] = "",
) -> None:
    """Plan and send a digest period for every subscribed consultant."""
    chosen = period or current_period()
    try:
        enqueued = _braise().run_period(chosen)
    except (OperatorError, httpx.HTTPError) as exc:
        raise _fail(exc) from exc
    typer.echo(f"{enqueued} digests enqueued for {chosen}; `braise period {chosen}` to follow")


@app.command("period")
def period_report(period: str) -> None:
    """Count a period's digests by state."""
    try:
        report = _braise().period_report(period)
    except (OperatorError, httpx.HTTPError) as exc:
        raise _fail(exc) from exc
    typer.echo(", ".join(f"{k} {v}" for k, v in sorted(report.items())) or "no digests")


@app.command()
def logs(
    event: Annotated[str, typer.Option(help="An event id: show its path through every process.")],
) -> None:
    """Follow one event from the HTTP request to the graph write and the digests."""
    log_dir = StackSettings().root / "log"
    path = trace_event(event, read_lines(log_dir))
    if not path:
        raise _fail(OperatorError(f"no log line of {log_dir} mentions event {event}"))
    for line in path:
        typer.echo(format_line(line))


@app.command()
def token(
    consultant: Annotated[
        str | None, typer.Option(help="A consultant's id; default: staff")
    ] = None,
) -> None:
    """Print a bearer token (staff, or one consultant) signed with BRAISE_JWT_SECRET."""
    secret = os.environ.get("BRAISE_JWT_SECRET", DEFAULT_SECRET)
    if consultant:
        typer.echo(issue_token(secret, "consultant", consultant))
    else:
        typer.echo(issue_token(secret, "admin", "operator"))


if __name__ == "__main__":
    app()
