"""docker-compose.yml is healthy by construction: every variable a healthcheck or command
uses inside a container is defined in that service's own environment, required host
variables fail fast, and the API waits for a healthy Neo4j.

(The compose file that never started: Neo4j's healthcheck read ``$NEO4J_PASSWORD``, which
only the API's environment defined, so Neo4j never turned healthy and the API waited
forever. ``test_the_old_healthcheck_is_caught`` keeps that file's shape as the proof.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
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


# What else can be checked without a Docker engine (none on the development machine: the
# stack itself is not started by any test): the image, the API service and the documented
# steps agree with the code they run.

DOCKERFILE = ROOT / "Dockerfile"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    )
    return loaded


def _pyproject() -> dict[str, Any]:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_image_holds_every_package_the_project_installs() -> None:
    """``pip install .`` in the image installs what ``COPY`` put there: a package left out
    (``samples``, once) is missing from the image, and ``alliancegraph sample`` fails."""
    docker = DOCKERFILE.read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY\s+(\w+)\s+\./\1\s*$", docker, re.MULTILINE))
    project = _pyproject()
    wanted = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert wanted <= copied, f"not copied into the image: {sorted(wanted - copied)}"
    for extra in re.findall(r'pip install[^\n]*"\.\[([\w,]+)\]"', docker):
        for name in extra.split(","):
            assert name in project["project"]["optional-dependencies"], name
    assert "alliancegraph" in project["project"]["scripts"]


def test_the_api_service_runs_a_valid_command_on_the_port_it_publishes() -> None:
    from api.cli.main import build_parser

    api = _compose()["services"]["api"]
    command = api["command"]
    assert command[0] == "alliancegraph"
    args = build_parser().parse_args(command[1:])
    assert args.command == "serve" and args.host == "0.0.0.0"
    published = {int(p.rsplit(":", 1)[1]) for p in api["ports"]}
    assert published == {args.port}
    assert f"127.0.0.1:{args.port}/health" in " ".join(api["healthcheck"]["test"])


def test_the_api_reaches_neo4j_by_its_service_name_with_a_store_setting_that_exists() -> None:
    from api.settings import Settings

    compose = _compose()
    env = compose["services"]["api"]["environment"]
    host, port = re.fullmatch(r"bolt://([\w-]+):(\d+)", env["NEO4J_URI"]).groups()  # type: ignore[union-attr]
    assert host in compose["services"] and port == "7687"
    assert env["ALLIANCEGRAPH_STORE"] in str(Settings.model_fields["store"].annotation)


def test_the_api_keeps_its_store_file_and_keys_on_a_volume() -> None:
    """The image puts the embedded store's file (and so the key file beside it) under
    ``/data``: that folder must be a named volume, or keys vanish with the container."""
    docker = DOCKERFILE.read_text(encoding="utf-8")
    db_path = re.search(r"^ENV ALLIANCEGRAPH_DB_PATH=(\S+)$", docker, re.MULTILINE)
    assert db_path is not None
    folder = str(Path(db_path.group(1)).parent)
    compose = _compose()
    mounts = {v.split(":")[1]: v.split(":")[0] for v in compose["services"]["api"]["volumes"]}
    assert folder in mounts and mounts[folder] in compose["volumes"]
    assert re.search(rf"chown \w+ {re.escape(folder)}", docker), "the folder is not writable"


def _team_server_steps(path: Path, heading: str) -> list[str]:
    text = path.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.strip().splitlines()]


@pytest.mark.parametrize(
    ("doc", "heading"),
    [
        ("docs/api.md", "## A team server from a clean machine"),
        ("README.md", "## A team server: Neo4j with docker compose"),
    ],
)
def test_the_documented_team_server_steps_name_what_exists(doc: str, heading: str) -> None:
    """Every ``docker compose exec SERVICE alliancegraph ...`` step names a service of the
    compose file and parses with the real command line; every URL is a route of the app;
    every variable compose requires is exported first."""
    import shlex

    from api.app import create_app
    from api.cli.main import build_parser
    from api.settings import Settings

    compose = _compose()
    routes = set(create_app(Settings(auth="none")).openapi()["paths"])
    steps = _team_server_steps(ROOT / doc, heading)
    exported = {m for s in steps for m in re.findall(r"^export (\w+)=", s)}
    required = {v for v, rest in HOST_VAR.findall(json.dumps(compose)) if rest.startswith(":?")}
    assert required <= exported, f"{doc}: export {sorted(required - exported)} first"
    checked = 0
    for step in steps:
        words = shlex.split(step)
        if words[:3] == ["docker", "compose", "exec"]:
            assert words[3] in compose["services"], step
            assert words[4] == "alliancegraph", step
            build_parser().parse_args(words[5:])  # exits (fails the test) if invalid
            checked += 1
        for url in re.findall(r"http://127\.0\.0\.1:8000(/[\w/]*)", step):
            assert url in routes, f"{doc}: {url} is not a route"
    assert checked >= 1
