"""Follow one event through the JSON logs of every process: `braise logs --event ID`.

The path of an interaction: the profiles request that recorded it (its correlation id),
the outbox line that staged the event, the relay batch that published it, each consumer
batch that applied it, and the digests sent since to one participant about another.
"""

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

LogLine = dict[str, Any]


def read_lines(log_dir: Path) -> Iterator[LogLine]:
    """Yield every JSON log line of the stack's log files (other lines are skipped)."""
    for path in sorted(log_dir.glob("*.log")):
        with path.open(encoding="utf-8", errors="replace") as f:
            for raw in f:
                if raw.startswith("{"):
                    try:
                        yield json.loads(raw)
                    except json.JSONDecodeError:
                        continue


def trace_event(event_id: str, lines: Iterable[LogLine]) -> list[LogLine]:
    """Return the log lines on the path of one event, in time order."""
    lines = list(lines)
    staged = [line for line in lines if line.get("event_id") == event_id]
    correlation = {line["correlation_id"] for line in staged if line.get("correlation_id")}
    participants = {p for line in staged for p in line.get("participants", [])}

    def on_path(line: LogLine) -> bool:
        if line.get("event_id") == event_id or event_id in line.get("event_ids", ()):
            return True
        if line.get("correlation_id") in correlation:
            return True
        suggested = set(line.get("suggested", ()))
        return line.get("consultant_id") in participants and bool(suggested & participants)

    return sorted((line for line in lines if on_path(line)), key=lambda line: line["ts"])


def format_line(line: LogLine) -> str:
    """Return one line for a terminal: time, process, message and the ids that matter."""
    ids = {
        key: line[key]
        for key in ("correlation_id", "event_type", "group", "consultant_id", "suggested")
        if key in line
    }
    return f"{line['ts']}  {line['service']:<18} {line['msg']}  {json.dumps(ids)}"
