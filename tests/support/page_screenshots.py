"""Publish the browser tests' screenshots of every page a digest reaches, and of the firm's
view, into docs/img/ (`make screenshots` runs the tests, then this).

    python -m tests.support.page_screenshots

The tests save full-page PNGs at 390 and 1280 px under var/screenshots/; this copies the ones
docs/pages.md shows, under the names it uses, and fails naming any that is missing.
"""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"
DOCS = ROOT / "docs" / "img"
WIDTHS = (390, 1280)
# What docs/pages.md shows: (the test's file under var/screenshots/, the name in docs/img/).
PAGES = (
    ("pages/preferences", "pages-preferences"),
    ("pages/preferences-break", "pages-preferences-break"),
    ("pages/preferences-declined", "pages-preferences-declined"),
    ("pages/network", "pages-network"),
    ("pages/network-met", "pages-network-met"),
    ("pages/confirm", "pages-confirm"),
    ("pages/thanks", "pages-thanks"),
    ("pages/unsubscribe", "pages-unsubscribe"),
    ("pages/unsubscribed", "pages-unsubscribed"),
    ("firm-view", "firm-view"),
)


def publish(shots: Path = SHOTS, docs: Path = DOCS) -> list[Path]:
    """Copy every page's screenshot at each width into docs; return the files written."""
    missing = [
        f"{name}-{w}px.png"
        for name, _ in PAGES
        for w in WIDTHS
        if not (shots / f"{name}-{w}px.png").exists()
    ]
    if missing:
        raise FileNotFoundError(f"run the browser tests first; missing in {shots}: {missing}")
    docs.mkdir(parents=True, exist_ok=True)
    written = []
    for name, published in PAGES:
        for w in WIDTHS:
            target = docs / f"{published}-{w}px.png"
            shutil.copyfile(shots / f"{name}-{w}px.png", target)
            written.append(target)
    return written


if __name__ == "__main__":
    for path in publish():
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KiB")
    sys.exit(0)
