"""docker-compose.yml is healthy by construction: every variable a healthcheck or command
uses inside a container is defined in that service's own environment, required host
variables fail fast, and the API waits for a healthy Neo4j.

(The compose file that never started: Neo4j's healthcheck read ``$NEO4J_PASSWORD``, which
only the API's environment defined, so Neo4j never turned healthy and the API waited
forever. ``test_the_old_healthcheck_is_caught`` keeps that file's shape as the proof.)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
#: ``$$VAR`` / ``$${VAR...}``: expanded by the shell inside the container
CONTAINER_VAR = re.compile(r"\$\$\{?([A-Za-z_][A-Za-z0-9_]*)")
#: ``${VAR...}`` / ``$VAR`` not preceded by ``$``: interpolated by compose from the host
HOST_VAR = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}")
#: variables every shell defines
SHELL_VARS = {"HOME", "PATH", "PWD", "HOSTNAME", "USER"}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def _environment(service: dict[str, Any]) -> set[str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return {e.split("=", 1)[0] for e in env}
    return set(env)


def problems(compose: dict[str, Any]) -> list[str]:
    """What would stop the stack from starting, one line each."""
    out = []
    services: dict[str, Any] = compose.get("services", {})
    for name, service in services.items():
        defined = _environment(service) | SHELL_VARS
        runs = _strings(service.get("healthcheck", {}).get("test")) + _strings(
            service.get("command")
        )
        runs += _strings(service.get("entrypoint"))
        for text in runs:
            for var in CONTAINER_VAR.findall(text):
                if var not in defined:
                    out.append(f"{name}: uses ${var} inside the container but does not define it")
        for dep, condition in (service.get("depends_on") or {}).items():
            healthy = (
                isinstance(condition, dict) and condition.get("condition") == "service_healthy"
            )
            if healthy and "healthcheck" not in services.get(dep, {}):
                out.append(f"{name}: waits for {dep} to be healthy, which has no healthcheck")
    for text in _strings(compose):
        for var, rest in HOST_VAR.findall(text):
            if "PASSWORD" in var and not rest.startswith(":?"):
                out.append(f"${{{var}}} must be required (${{{var}:?...}}), not defaulted")
    return out


def test_compose_file_defines_what_its_containers_use() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert problems(compose) == []
    api = compose["services"]["api"]
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert "healthcheck" in api


def test_the_old_healthcheck_is_caught() -> None:
    old = yaml.safe_load(
        """
services:
  neo4j:
    environment:
      NEO4J_AUTH: "neo4j/${NEO4J_PASSWORD:?set it}"
    healthcheck:
      test: ["CMD-SHELL", "cypher-shell -u neo4j -p \\"$${NEO4J_PASSWORD}\\" 'RETURN 1'"]
  api:
    environment:
      NEO4J_PASSWORD: "${NEO4J_PASSWORD:-neo4j}"
    depends_on:
      neo4j: {condition: service_healthy}
      cache: {condition: service_healthy}
  cache: {}
"""
    )
    found = problems(old)
    assert any("neo4j: uses $NEO4J_PASSWORD" in p for p in found), found
    assert any("cache to be healthy, which has no healthcheck" in p for p in found), found
    assert any("must be required" in p for p in found), found


def test_the_env_example_names_every_setting_the_compose_file_passes() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for var, _ in HOST_VAR.findall(compose):
        assert f"{var}=" in example, var
