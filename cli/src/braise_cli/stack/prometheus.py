"""Debian's Prometheus on loopback, scraping every Braise process, with the project's alerts."""

import json
import shutil
from pathlib import Path

import httpx

from braise_cli.stack import install
from braise_cli.stack.process import ManagedProcess
from braise_cli.stack.servers import Server, StackError

ALERT_RULES = Path(__file__).resolve().parents[4] / "deploy" / "prometheus" / "alerts.yml"


def scrape_config(targets: dict[str, int], *, interval_s: int = 5) -> str:
    """Return prometheus.yml for these jobs (name -> port on loopback), with the alert rules."""
    jobs = [
        {"job_name": name, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}
        for name, port in targets.items()
    ]
    config = {
        "global": {"scrape_interval": f"{interval_s}s", "evaluation_interval": f"{interval_s}s"},
        "rule_files": [str(ALERT_RULES)],
        "scrape_configs": jobs,
    }
    # JSON is YAML: no YAML writer needed.
    return json.dumps(config, indent=2)


class PrometheusServer(Server):
    """Prometheus from Debian's package, its data and configuration under var/."""

    name = "prometheus"

    @property
    def config_file(self) -> Path:
        """Return the generated scrape configuration."""
        return self.root / "prometheus" / "prometheus.yml"

    def install(self) -> None:
        """Install Debian's prometheus (it brings promtool) if missing."""
        install.ensure_debian_packages({"prometheus": "prometheus", "promtool": "prometheus"})

    def prepare(self) -> None:
        """Write the scrape configuration for this stack's ports."""
        self.config_file.parent.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(scrape_config(self.settings.metrics_targets()))

    def process(self) -> ManagedProcess:
        """Run prometheus on loopback."""
        binary = shutil.which("prometheus") or "/usr/bin/prometheus"
        return ManagedProcess(
            name=self.name,
            command=[
                binary,
                f"--config.file={self.config_file}",
                f"--storage.tsdb.path={self.root / 'prometheus' / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.settings.prometheus_port}",
                "--storage.tsdb.retention.time=15d",
            ],
            pid_file=self.root / "run" / "prometheus.pid",
            log_file=self.log_file,
            signature=f"--config.file={self.config_file}",
        )

    def probe(self) -> str:
        """Ask Prometheus whether it is ready and how many targets are up."""
        base = f"http://127.0.0.1:{self.settings.prometheus_port}"
        ready = httpx.get(f"{base}/-/ready", timeout=2)
        if ready.status_code != 200:
            raise StackError(f"/-/ready answered {ready.status_code}")
        targets = httpx.get(f"{base}/api/v1/targets", timeout=2).json()["data"]["activeTargets"]
        up = sum(1 for t in targets if t["health"] == "up")
        return f"ready, {up}/{len(targets)} targets up, {base}"
