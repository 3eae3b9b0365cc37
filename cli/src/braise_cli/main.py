"""`braise`: the operator's command line."""

from typing import Annotated

import typer

from braise_cli.stack import StackError, StackSettings, build_servers, build_stack

app = typer.Typer(help="Braise: keep a firm's professional network alive.", no_args_is_help=True)

OnlyOption = Annotated[
    list[str] | None,
    typer.Option("--only", help="Act on these only (e.g. redis, neo4j, mailsink, profiles, worker)."),
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
    if not all_ready:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
