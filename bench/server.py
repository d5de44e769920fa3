"""A real uvicorn process serving the app on a throw-away SQLite database.

    with running_server() as server:
        httpx.get(server.url("/healthz"))

The database lives in a temporary directory; secrets are generated per run and
passed in the environment, so nothing in the working tree is written. The
process and the directory are removed on exit, on error and on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
SEED_TIMEOUT_S = 120.0
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Server:
    base_url: str
    pid: int
    workdir: Path

    def url(self, path: str) -> str:
        return self.base_url + path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite://{workdir / 'bench.sqlite3'}",
        DANGOL_ENV="development",
        # Given here so that development mode does not write data/secrets.json.
        DANGOL_JWT_SECRET=secrets.token_urlsafe(48),
        DANGOL_PII_KEY=secrets.token_urlsafe(48),
        DANGOL_BLIND_INDEX_KEY=secrets.token_urlsafe(48),
        PYTHONUNBUFFERED="1",
    )
    return env


def _python() -> str:
    return str(PYTHON) if PYTHON.exists() else sys.executable


def _die_with_parent() -> None:
    """In the child before exec: on Linux, get SIGTERM if the benchmark itself is
    killed outright (SIGKILL), so no server outlives it."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    # The server runs in its own session: signal exactly that process group,
    # which holds only the uvicorn process we started.
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def running_server(environment: dict[str, str] | None = None, workers: int = 1) -> Iterator[Server]:
    """Without ``environment``: a fresh SQLite database with the demo data. With it (DATABASE_URL
    and the secrets of an existing database, see bench/dataset.py): that database as it is.
    ``workers``: uvicorn processes (``serve --workers``)."""
    workdir = Path(tempfile.mkdtemp(prefix="dangol-bench-"))
    process: subprocess.Popen[bytes] | None = None
    log_path = workdir / "server.log"
    try:
        env = server_environment(workdir)
        if environment is not None:
            env.update(environment)
        seeded = subprocess.run(
            [_python(), "-m", "app", "seed-demo" if environment is None else "migrate"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=SEED_TIMEOUT_S,
        )
        if seeded.returncode != 0:
            raise RuntimeError(
                "seed-demo failed:\n" + seeded.stderr.decode(errors="replace")[-3000:]
            )
        port = free_port()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    _python(),
                    "-m",
                    "app",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                    "--workers",
                    str(workers),
                ],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us, and we stop it in `finally`
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        server = Server(base_url=f"http://127.0.0.1:{port}", pid=process.pid, workdir=workdir)
        _wait_ready(server, process, log_path)
        _wait_listening(port, workers, log_path)
        yield server
    finally:
        try:
            if process is not None:
                _stop(process)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def _wait_ready(server: Server, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"uvicorn exited with {process.returncode} before it was ready:\n"
                    f"{_tail(log_path)}"
                )
            try:
                if client.get(server.url("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise RuntimeError(
        f"/readyz did not answer 200 within {READY_TIMEOUT_S:.0f} s:\n{_tail(log_path)}"
    )


def _wait_listening(port: int, workers: int, log_path: Path) -> None:
    """Every worker listens on a socket of its own (app/listeners.py): the load's keep-alive
    connections, opened at once, are spread over those listening when they arrive."""
    if workers == 1 or sys.platform != "linux":
        return
    deadline = time.monotonic() + READY_TIMEOUT_S
    while _listening_sockets(port) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{workers} workers did not listen within {READY_TIMEOUT_S:.0f} s:\n"
                f"{_tail(log_path)}"
            )
        time.sleep(0.1)


def _listening_sockets(port: int) -> int:
    listening = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            listening += int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A"
    return listening
