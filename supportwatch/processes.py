"""Child processes run in their own process group (the embedded broker, workers in tests):
signal the whole group, escalate to SIGKILL after a grace period, read the end of a log."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path


def signal_group(process: subprocess.Popen[bytes], sig: signal.Signals, grace: float) -> None:
    """Send ``sig`` to the process's group and wait; SIGKILL the group after ``grace`` seconds."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def log_tail(path: Path, lines: int) -> str:
    """The last ``lines`` lines of a log file, or "" when it cannot be read."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
