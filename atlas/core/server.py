"""The atlas served by ``streamlit run`` on a free local port, for tests, benches and screenshots.

One helper so that every harness starts the real server the same way (loopback only, usage statistics off)
and waits on the server's own health endpoint rather than sleeping. Standard library only; nothing here
imports Streamlit.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    port: int | None = None,
    env: Mapping[str, str] | None = None,
    *,
    log: bool = False,
    options: Mapping[str, str] | None = None,
) -> tuple[subprocess.Popen, str]:
    """``streamlit run streamlit_app.py`` on ``port`` (a free one by default); the process and its base URL.

    ``env`` is added to this process's environment; ``options`` are extra ``--key value`` server options;
    ``log`` keeps the server's output on a pipe (``proc.stdout``) for error messages.
    """
    port = port or free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "streamlit_app.py",
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
    ]
    for key, value in (options or {}).items():
        cmd += [f"--{key}", value]
    out = subprocess.PIPE if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT, text=log
    )
    return proc, f"http://127.0.0.1:{port}"


def wait_http(url: str, proc: subprocess.Popen, seconds: float, what: str = "the server") -> None:
    """Poll ``url`` until it answers 200 (a refused or too-slow answer is tried again); RuntimeError (with the
    process's output when kept on a pipe) if ``proc`` exits first or nothing answers within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = proc.stdout.read() if proc.stdout else ""
            output = output.decode(errors="replace") if isinstance(output, bytes) else output
            raise RuntimeError(f"{what} exited before answering {url}:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer {url} within {seconds:.0f} s")


def wait_healthy(proc: subprocess.Popen, base: str, seconds: float = 180) -> None:
    """Wait for Streamlit's ``/_stcore/health``; the server is killed if it does not answer within ``seconds``."""
    try:
        wait_http(f"{base}/_stcore/health", proc, seconds, "streamlit")
    except RuntimeError:
        if proc.poll() is None:
            proc.kill()
        raise


def stop_server(proc: subprocess.Popen) -> None:
    """Terminate the server, killing it if it does not stop within 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextmanager
def serving(env: Mapping[str, str] | None = None, **kwargs) -> Iterator[tuple[subprocess.Popen, str]]:
    """A healthy server for the duration of a ``with`` block: ``(process, base URL)``."""
    proc, base = start_server(env=env, **kwargs)
    try:
        wait_healthy(proc, base)
        yield proc, base
    finally:
        stop_server(proc)
