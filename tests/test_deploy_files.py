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
