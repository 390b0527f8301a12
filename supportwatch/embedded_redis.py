"""A Redis for the embedded demo and the tests: the configured one if it answers, else a throwaway
``redis-server`` on a free 127.0.0.1 port, else fakeredis' TCP server (a real socket server)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlparse

from supportwatch.base.exceptions import SupportwatchError
from supportwatch.broker import free_port


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


@contextlib.contextmanager
def ensure_redis(url: str) -> Iterator[str]:
    parsed = urlparse(url)
    if _answers(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        yield url
        return
    port = free_port()
    binary = shutil.which("redis-server")
    if binary is not None:
        with tempfile.TemporaryDirectory(prefix="supportwatch-redis-") as tmp:
            proc = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", tmp],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            try:
                _wait(port)
                yield f"redis://127.0.0.1:{port}/0"
            finally:
                proc.terminate()
                proc.wait(timeout=5)
        return
    try:
        from fakeredis import TcpFakeServer
    except ImportError as exc:
        raise SupportwatchError(
            "no Redis answers and neither redis-server nor fakeredis is installed: "
            "pip install 'supportwatch[embedded]'"
        ) from exc
    server = TcpFakeServer(("127.0.0.1", port), server_type="redis")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _wait(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.shutdown()
        server.server_close()


def _wait(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _answers("127.0.0.1", port):
            return
        time.sleep(0.02)
    raise SupportwatchError(f"the embedded Redis on port {port} did not start")
