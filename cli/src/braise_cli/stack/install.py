"""Install what the servers need: Debian packages, and the Neo4j jars from Maven Central."""

import contextlib
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from braise_cli.stack.settings import NEO4J_VERSION

NEO4J_POM = Path(__file__).resolve().parents[4] / "deploy" / "neo4j" / "pom.xml"


class InstallError(RuntimeError):
    """Something the stack needs could not be installed."""


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()[-20:]
        raise InstallError(f"{what} failed ({' '.join(command)}):\n" + "\n".join(output))


def ensure_debian_packages(commands: dict[str, str]) -> None:
    """Install the Debian package of each missing command (command name -> package name)."""
    install_debian_packages({pkg for cmd, pkg in commands.items() if shutil.which(cmd) is None})


def install_debian_packages(packages: set[str]) -> None:
    """Install these Debian packages (nothing to do for none)."""
    missing = sorted(packages)
    if not missing:
        return
    if shutil.which("apt-get") is None:
        raise InstallError(f"missing {', '.join(missing)} and no apt-get to install them")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env_prefix = ["env", "DEBIAN_FRONTEND=noninteractive"]
    # Another install may hold dpkg's lock (tests and the stack install in parallel): wait.
    apt = [*sudo, *env_prefix, "apt-get", "-o", "DPkg::Lock::Timeout=600"]
    _run([*apt, "update", "-q"], "apt-get update")
    _run(
        [*apt, "install", "-y", "-q", "--no-install-recommends", *missing],
        f"installing {', '.join(missing)}",
    )


def ensure_neo4j_jars(lib_dir: Path, maven_repo: Path) -> bool:
    """Fetch the Neo4j Community server jars into lib_dir once; return True if it downloaded.

    Maven's own cache goes to maven_repo (under var/), so the download stays with the project.
    """
    marker = lib_dir / f".complete-{NEO4J_VERSION}"
    if marker.exists():
        return False
    ensure_debian_packages({"java": "openjdk-17-jre-headless", "mvn": "maven"})
    staging = lib_dir.with_name(lib_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    _run(
        [
            "mvn",
            "-B",
            "-q",
            "-f",
            str(NEO4J_POM),
            f"-Dneo4j.version={NEO4J_VERSION}",
            f"-Dmaven.repo.local={maven_repo}",
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
        ],
        f"downloading Neo4j {NEO4J_VERSION} from Maven Central",
    )
    # Swap in the complete folder only: an interrupted download never looks installed.
    shutil.rmtree(lib_dir, ignore_errors=True)
    staging.rename(lib_dir)
    marker.write_text(NEO4J_VERSION + "\n")
    return True


@dataclass(frozen=True)
class ToolResult:
    """Exit code and combined output of a finished tool."""

    returncode: int
    output: str


def run_java_tool(*, home: Path, lib_dir: Path, main_class: str, args: list[str]) -> ToolResult:
    """Run one of Neo4j's command-line tools (neo4j-admin) against NEO4J_HOME."""
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    result = subprocess.run(
        ["java", "-cp", f"{lib_dir}/*", main_class, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return ToolResult(result.returncode, (result.stdout + result.stderr).strip())


def write_once(path: Path, data: bytes) -> None:
    """Create path with data (mode 0600) unless it exists. Processes starting at once all
    keep the first one written, whole: each writes its own staging file, and a hard link
    (which fails when the name is taken) puts one in place."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.partial")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        with contextlib.suppress(FileExistsError):
            os.link(staging, path)
    finally:
        staging.unlink(missing_ok=True)
