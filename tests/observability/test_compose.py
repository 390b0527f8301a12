"""The docker compose stack and the supportwatch image: `docker compose config` validates the file,
every service has a healthcheck, Grafana has no default credential, the image runs as non-root."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .promql import ROOT

COMPOSE_FILE = ROOT / "docker-compose.yml"
SERVICES = {"kafka", "redis", "prometheus", "alertmanager", "grafana", "worker-1", "worker-2", "simulator"}


def _compose_command() -> list[str]:
    """`docker compose` (v2 plugin) or `docker-compose` (v1, Debian package docker-compose)."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=30)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.skip("no compose implementation: install the docker compose plugin or the Debian package docker-compose")


def _config(password: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "GRAFANA_ADMIN_PASSWORD"}
    if password is not None:
        env["GRAFANA_ADMIN_PASSWORD"] = password
    return subprocess.run([*_compose_command(), "-f", str(COMPOSE_FILE), "config"],
                          capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)


@pytest.fixture(scope="module")
def resolved() -> dict[str, dict[str, dict[str, object]]]:
    result = _config("correct-horse")
    assert result.returncode == 0, result.stdout + result.stderr
    loaded: dict[str, dict[str, dict[str, object]]] = yaml.safe_load(result.stdout)
    return loaded


def test_compose_file_validates(resolved: dict[str, dict[str, dict[str, object]]]) -> None:
    assert set(resolved["services"]) == SERVICES


def test_grafana_has_no_default_credential(resolved: dict[str, dict[str, dict[str, object]]]) -> None:
    refused = _config(None)
    assert refused.returncode != 0
    assert "GRAFANA_ADMIN_PASSWORD" in refused.stderr
    environment = resolved["services"]["grafana"]["environment"]
    assert isinstance(environment, dict)
    assert environment["GF_SECURITY_ADMIN_PASSWORD"] == "correct-horse"


def test_every_service_has_a_healthcheck(resolved: dict[str, dict[str, dict[str, object]]]) -> None:
    for name, service in resolved["services"].items():
        check = service.get("healthcheck")
        assert isinstance(check, dict) and check.get("test"), name


def test_workers_share_one_consumer_group_and_scrape_targets(
    resolved: dict[str, dict[str, dict[str, object]]],
) -> None:
    workers = [resolved["services"][name] for name in ("worker-1", "worker-2")]
    envs = [w["environment"] for w in workers]
    assert all(isinstance(env, dict) for env in envs)
    assert len({env.get("SUPPORTWATCH_APP_ID", "supportwatch") for env in envs if isinstance(env, dict)}) == 1
    names = {env["SUPPORTWATCH_ALERTS__CONSUMER_NAME"] for env in envs if isinstance(env, dict)}
    assert names == {"worker-1", "worker-2"}
    scrape = yaml.safe_load((ROOT / "prometheus" / "prometheus.yml").read_text())["scrape_configs"]
    job = next(job for job in scrape if job["job_name"] == "supportwatch")
    targets = {target for config in job["static_configs"] for target in config["targets"]}
    assert targets == {"worker-1:9464", "worker-2:9464"}


def test_bind_mounted_files_exist() -> None:
    raw = yaml.safe_load(COMPOSE_FILE.read_text())
    for name, service in raw["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_published_ports_bind_loopback_only() -> None:
    raw = yaml.safe_load(COMPOSE_FILE.read_text())
    for name, service in raw["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), name


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined."""
    text = path.read_text().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_image_is_cpu_torch_non_root_with_baked_model_and_healthcheck() -> None:
    steps = _instructions(ROOT / "Dockerfile")
    final = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM"):]
    users = [args for word, args in final if word == "USER"]
    assert users and not users[-1].startswith(("root", "0")), "the final stage must run as a non-root user"
    assert any(word == "HEALTHCHECK" for word, _ in final)
    runs = " ".join(args for word, args in steps if word == "RUN")
    args = " ".join(args for word, args in steps if word == "ARG")
    assert "--index-url" in runs and "whl/cpu" in args, "torch must come from the CPU wheel index"
    assert "load_classifier" in runs, "the build must prove the shipped model loads offline"
    assert any("HF_HUB_OFFLINE=1" in args for word, args in final if word == "ENV")


def test_build_context_keeps_the_packages_and_weights() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    linked = {path.name for path in (ROOT / "supportwatch").iterdir() if path.is_symlink()}  # the concept folders
    assert {"events", "sla", "models", "streams", "grafana"} <= linked
    needed = {"pyproject.toml", "README.md", "supportwatch", *linked}
    assert ignored & needed == set()
    assert not any(pattern.startswith("models/") for pattern in ignored)
