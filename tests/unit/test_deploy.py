"""The deployment files are checked by the tools operators use: promtool, kubernetes-validate."""

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from prometheus_client import Counter, Histogram

from braise_cli.stack import StackSettings, install
from braise_shared import metrics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# What braise_shared.metrics defines (counters are queried with their _total suffix), and the
# gauges its collectors yield at scrape time.
OURS = {
    family.name + ("_total" if family.type == "counter" else "")
    for metric in vars(metrics).values()
    if isinstance(metric, Counter | Histogram)
    for family in metric.describe()
} | {"braise_consumer_lag", "braise_consumer_pending", "braise_outbox_backlog"}


def _promtool() -> str:
    install.ensure_debian_packages({"promtool": "prometheus"})
    found = shutil.which("promtool")
    assert found is not None
    return found


def test_alert_rules_pass_promtool() -> None:
    result = subprocess.run(
        [_promtool(), "check", "rules", str(DEPLOY / "prometheus" / "alerts.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 6 rules found" in result.stdout


def test_alerts_cover_lag_dead_letters_failed_digests_and_down_targets() -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())["groups"][0]
    exprs = " ".join(str(rule["expr"]) for rule in rules["rules"])
    for needed in (
        "braise_consumer_lag",
        "braise_dead_letters_total",
        'outcome="failed"',
        "up == 0",
    ):
        assert needed in exprs
    runbook = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    for rule in rules["rules"]:
        assert f"### {rule['alert']}" in runbook, f"no runbook entry for {rule['alert']}"


def _metric_names(expression: str) -> set[str]:
    names = set(re.findall(r"\bbraise_[a-z_]+", expression))
    return {re.sub(r"_(bucket|sum|count)$", "", n) for n in names}


def test_alerts_and_dashboard_name_only_metrics_that_exist() -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())["groups"][0]
    dashboard = json.loads((DEPLOY / "grafana" / "braise.json").read_text())
    expressions = [str(r["expr"]) for r in rules["rules"]] + [
        t["expr"] for panel in dashboard["panels"] for t in panel["targets"]
    ]
    named = set().union(*(_metric_names(e) for e in expressions))
    assert named, "no braise metric named"
    assert named <= OURS, named - OURS


@pytest.mark.parametrize("version", ["1.30.0", "1.37.0"])
def test_kubernetes_manifests_validate_offline(version: str) -> None:
    docs = [d for d in yaml.safe_load_all((DEPLOY / "k8s" / "braise.yaml").read_text()) if d]
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)
    kinds = [(d["kind"], d["metadata"]["name"]) for d in docs]
    deployments = {name for kind, name in kinds if kind == "Deployment"}
    assert deployments == {
        "profiles",
        "relay",
        "graph",
        "graph-consumer",
        "notifier",
        "notifier-consumer",
        "worker",
        "beat",
    }


def test_singletons_run_alone_and_every_process_is_probed() -> None:
    docs = [d for d in yaml.safe_load_all((DEPLOY / "k8s" / "braise.yaml").read_text()) if d]
    for doc in (d for d in docs if d["kind"] == "Deployment"):
        [container] = doc["spec"]["template"]["spec"]["containers"]
        assert "livenessProbe" in container
        assert container["resources"]["requests"]
        if doc["metadata"]["name"] in ("profiles", "graph", "notifier"):
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        if doc["metadata"]["name"] in ("relay", "beat"):
            assert doc["spec"]["replicas"] == 1
            assert doc["spec"]["strategy"] == {"type": "Recreate"}


def test_compose_prometheus_config_passes_promtool_and_scrapes_every_process() -> None:
    config = DEPLOY / "prometheus" / "prometheus-compose.yml"
    jobs = {j["job_name"] for j in yaml.safe_load(config.read_text())["scrape_configs"]}
    assert jobs == set(StackSettings().metrics_targets())
    # promtool resolves rule_files from the config: check a copy pointing at ours.
    text = config.read_text().replace(
        "/etc/prometheus/alerts.yml", str(DEPLOY / "prometheus" / "alerts.yml")
    )
    copy = Path(tempfile.mkdtemp()) / "prometheus.yml"
    copy.write_text(text)
    result = subprocess.run(
        [_promtool(), "check", "config", str(copy)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
