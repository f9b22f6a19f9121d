"""Start a real Bolt server for tests and benchmarks: ArcadeDB from the arcadedb-embedded wheel.

The wheel bundles its own JVM; the Bolt plugin speaks the protocol the official neo4j
driver uses, with OpenCypher. Ports are free loopback ports; logs go to a file.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "alliancegraph-test"


@dataclass(frozen=True)
class BoltServer:
    """Where a running Bolt server listens and how to log in."""

    uri: str
    user: str
    password: str
    database: str
    http_port: int

    def create_database(self, name: str) -> None:
        """Create another database on the same server (through the HTTP API)."""
        _create_database(self.http_port, self.user, self.password, name)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _create_database(http_port: int, user: str, password: str, name: str) -> None:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{http_port}/api/v1/server",
        data=json.dumps({"command": f"create database {name}"}).encode(),
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
        body = json.loads(response.read())
    if body.get("result") != "ok":
        raise RuntimeError(f"ArcadeDB did not create database {name}: {body}")


@contextmanager
def arcadedb_server(root: Path, database: str = "alliancegraph") -> Iterator[BoltServer]:
    """Run ArcadeDB with its Bolt plugin under ``root`` until the block ends."""
    import arcadedb_embedded as adb

    for name in ("arcadedb", "com.arcadedb", "jpype"):
        logging.getLogger(name).setLevel(logging.WARNING)
    http_port, bolt_port = free_port(), free_port()
    server = adb.ArcadeDBServer(
        str(root),
        root_password=PASSWORD,
        config={
            "http_port": http_port,
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "bolt_port": bolt_port,
            "host": "127.0.0.1",
        },
    )
    server.start()
    try:
        _create_database(http_port, "root", PASSWORD, database)
        yield BoltServer(f"bolt://127.0.0.1:{bolt_port}", "root", PASSWORD, database, http_port)
    finally:
        server.stop()
