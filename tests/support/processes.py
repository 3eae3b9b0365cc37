"""Run Braise's own entry points as real processes, as production does."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path


class ServiceProcess:
    """A Braise process started with `python -m module`, its output in a log file."""

    def __init__(
        self, module: str, env: Mapping[str, str], log_file: Path, args: Sequence[str] = ()
    ) -> None:
        self.module = module
        self.args = list(args)
        self.env = {**os.environ, **env}
        self.log_file = log_file
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the process."""
        with self.log_file.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module, *self.args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL it: no clean-up, no last acknowledgement."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM it and wait for it to finish its batch."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_tail(self, lines: int = 40) -> str:
        """Return the end of its log, to explain a failure."""
        text = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@contextmanager
def service_process(
    module: str, env: Mapping[str, str], log_file: Path
) -> Iterator[ServiceProcess]:
    """Yield a started process, stopped at the end whatever happens."""
    process = ServiceProcess(module, env, log_file)
    process.start()
    try:
        yield process
    finally:
        process.stop()


def wait_until(condition: Callable[[], bool], *, timeout_s: float, what: str) -> None:
    """Poll condition until it holds, or fail saying what was awaited."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")
