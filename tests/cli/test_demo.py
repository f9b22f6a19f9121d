"""``alliancegraph demo`` builds the sample, prints the URL it listens on, and /health answers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def test_demo_prints_its_url_and_health_answers(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALLIANCEGRAPH_", "NEO4J_"))}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api.cli.main",
            "demo",
            "--port",
            "0",
            "--db",
            str(tmp_path / "d.db"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        url = None
        seen: list[str] = []
        deadline = time.monotonic() + 300
        assert proc.stdout is not None
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if match:
                url = match.group(1)
        assert url, "demo never printed its URL:\n" + "".join(seen)
        for _ in range(100):
            try:
                response = httpx.get(f"{url}/health", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
        counts = next(line for line in seen if "nodes and" in line)
        assert int(counts.split()[0].replace(",", "")) > 5000
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_demo_socket_lets_asyncio_turn_nagle_off() -> None:
    """Kept-alive responses waited 40 ms each when accepted sockets kept Nagle on."""
    import asyncio
    import socket
    import threading

    from api.cli.commands.demo import bind_loopback

    sock = bind_loopback(0)
    port = sock.getsockname()[1]
    nodelay: list[int] = []

    async def main() -> None:
        def accepted(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            conn = writer.get_extra_info("socket")
            nodelay.append(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=sock)
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(100):
            if nodelay:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()

    # a thread of its own: a session-wide browser fixture may hold this thread's event loop
    worker = threading.Thread(target=asyncio.run, args=(main(),))
    worker.start()
    worker.join(timeout=30)
    assert nodelay and nodelay[0] != 0
