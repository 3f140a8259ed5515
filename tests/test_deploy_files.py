"""The deployment files parse and keep their promises (no Docker engine needed)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.services import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "deploy" / "compose.yml"


def compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_config_parses():
    command = compose_command()
    if command is None:
        if REQUIRE_SERVICES:
            pytest.fail(
                "REQUIRE_SERVICES=1 but neither `docker compose` nor `docker-compose` is installed"
            )
        pytest.skip("needs docker compose or docker-compose (apt-get install docker-compose)")
    result = subprocess.run(
        [*command, "-f", str(COMPOSE), "-p", "shop", "config"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_compose_runs_migrations_once_and_two_workers_behind_nginx():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert {"postgres", "redis", "migrate", "web", "nginx"} <= set(services)
    assert "migrate" in " ".join(services["migrate"]["command"])
    assert "migrate" not in str(services["web"].get("command", ""))
    assert services["web"]["deploy"]["replicas"] >= 2
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"proxy_set_header\s+Upgrade\s+\$http_upgrade", nginx)
    assert "proxy_http_version 1.1" in nginx


def test_dockerfile_runs_daphne_as_non_root_with_a_health_check():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert re.search(r"^USER (?!root|0\b)\S+", dockerfile, re.M)
    assert re.search(r"^HEALTHCHECK .*healthz", dockerfile, re.M | re.S)
    assert 'CMD ["scripts/serve"]' in dockerfile
    assert "collectstatic" in dockerfile
    assert "daphne" in (ROOT / "scripts" / "serve").read_text()
    assert "${PORT" in (ROOT / "scripts" / "serve").read_text()


def _registered_sample_names() -> set[str]:
    """Every sample name the workers' GET /metrics can carry, a labelled metric that has seen
    nothing yet included."""
    from prometheus_client import REGISTRY

    import metrics.record  # noqa: F401  (defines the metrics)

    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
    return {
        family.name + suffix
        for family in REGISTRY.collect()
        for suffix in suffixes.get(family.type, [""])
    }


def test_prometheus_scrapes_every_web_replica_with_the_metrics_token():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    # Docker's DNS answers the service name with one address per replica.
    (discovery,) = job["dns_sd_configs"]
    assert discovery["names"] == ["web"] and discovery["type"] == "A"
    assert services["web"]["deploy"]["replicas"] >= 2
    assert str(discovery["port"]) in services["web"]["expose"]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"]["type"] == "Bearer"
    prometheus = services["prometheus"]
    token_file = job["authorization"]["credentials_file"]
    assert token_file in " ".join(prometheus["entrypoint"])
    assert "./prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus["volumes"]
    # Workers and Prometheus get the token from the same place.
    assert services["web"]["environment"] == prometheus["environment"]
    assert set(prometheus["environment"]) == {"METRICS_TOKEN"}


def test_nginx_keeps_metrics_inside():
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"location = /metrics \{\s*return 404;", nginx)


def test_grafana_dashboard_is_valid_json_over_metrics_that_exist():
    import json

    dashboards = ROOT / "deploy" / "grafana" / "dashboards"
    (path,) = dashboards.glob("*.json")
    dashboard = json.loads(path.read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    expressions += [v["definition"] for v in dashboard["templating"]["list"]]
    used = {m for e in expressions for m in re.findall(r"\b(?:chat|llm)_[a-z_]+\b", e)}

    assert used and used <= _registered_sample_names(), used - _registered_sample_names()
    for family in ("chat_turns_total", "chat_time_to_first_chunk_seconds_bucket"):
        assert family in used
    assert {"chat_tokens_total", "chat_tool_calls_total", "llm_errors_total"} <= used
    assert "chat_open_sockets" in used
    uids = {t["datasource"]["uid"] for p in dashboard["panels"] for t in p["targets"]}
    datasources = yaml.safe_load(
        (
            ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
        ).read_text()
    )
    assert uids == {d["uid"] for d in datasources["datasources"]}
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
