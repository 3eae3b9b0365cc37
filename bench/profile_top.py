"""Read py-spy's collapsed stacks (`--format raw`) and print where the time goes.

    uv run python -m bench.profile_top var/bench/digests.txt [--top 25] [--per N]

Prints, for the frames of Braise and of the libraries it calls, the share of all samples in
which each frame is on the stack (inclusive) and at its top (self), and, with `--per N`,
the milliseconds of CPU per unit of work that share stands for when the worker spent the
CPU the bench printed over N units (pass the CPU seconds with `--cpu`).
"""

import argparse
import re
from collections import Counter
from pathlib import Path

# Innermost frames of a thread that waits (for the event loop, a lock, a socket) that py-spy
# may still sample as busy: `--no-waits` leaves such samples out.
WAITS = (
    "EpollSelector.select (selectors.py)",
    "Condition.wait (threading.py)",
    "Queue.get (queue.py)",
    "BoltSocketBase._wait_for_io (neo4j/_async_compat/network/_bolt_socket.py)",
)

_FRAME = re.compile(r"^(?P<function>[^ ]+) \((?P<file>[^:]+)(?::\d+)?\)$")


def _short(frame: str) -> str:
    found = _FRAME.match(frame.strip())
    if not found:
        return frame.strip()
    path = found["file"]
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{found['function']} ({path})"


def main() -> None:
    """Print the top frames by inclusive and self share."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("collapsed", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--cpu", type=float, help="CPU seconds the profiled processes used")
    parser.add_argument("--per", type=int, help="units of work (e.g. digests) in that CPU")
    parser.add_argument("--match", default="", help="only frames whose text holds this")
    parser.add_argument(
        "--no-waits", action="store_true", help="leave out samples of a thread waiting (WAITS)"
    )
    args = parser.parse_args()

    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in args.collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";")]
        if frames and frames[0].startswith("process "):
            frames = frames[1:]
        if any("idle" in f for f in frames[-1:]):
            continue
        if args.no_waits and frames and frames[-1] in WAITS:
            continue
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        if frames:
            own[frames[-1]] += count
    unit_ms = (args.cpu * 1000 / args.per) if args.cpu and args.per else None
    print(f"{total} busy samples")
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"\n{title}:")
        rows = [(f, c) for f, c in counter.most_common() if args.match in f][: args.top]
        for frame, count in rows:
            share = count / total
            per = f"  {share * unit_ms:6.2f} ms/unit" if unit_ms else ""
            print(f"  {share:6.1%}{per}  {frame}")


if __name__ == "__main__":
    main()
