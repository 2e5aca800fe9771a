"""Start and stop ``python app.py`` in its own process, for benchmarks and load tests.

``bot/tools/bench.py`` times the start-up to the first answer; ``benchmarks/load.py`` waits for
``/api/health`` and then sends load. Both start the app the same way, on a free loopback port
(nothing here listens beyond 127.0.0.1), and stop it the same way.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import IO


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def launch_app(app_py: Path, port: int, log: IO, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``python app.py --host 127.0.0.1 --port PORT`` with stdout and stderr to ``log`` (a file,
    not a pipe: a full pipe would stall the server)."""
    return subprocess.Popen([sys.executable, str(app_py), "--host", "127.0.0.1", "--port", str(port)],
                            cwd=str(app_py.parent), env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_app(proc: subprocess.Popen, grace_s: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if it hasn't exited within ``grace_s``."""
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
