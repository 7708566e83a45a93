"""The reference deployment on one machine: PostgreSQL, N atlas servers and the API behind HAProxy.

``make cluster`` (or ``python -m deploy.cluster --servers 2 --port 8600``) starts, in this order:

1. PostgreSQL (Debian's package, ``common.postgres``), persistent under ``data/cluster/postgres``, with a
   database ``atlas_registry``; its URL goes to every server as ``ATLAS_REGISTRY_URL`` (the registry moves
   there when that variable is set; until then the servers share the registry directory below);
2. N Streamlit servers (``streamlit run streamlit_app.py``) on free loopback ports, all reading the same
   data directory, versioned store and registry (``ATLAS_DATA_DIR``, ``ATLAS_STORE_DIR``, ``ATLAS_REGISTRY``,
   ``ATLAS_REGISTRY_FILES``), each warmed once (``atlas.core.prewarm``) before visitors come;
3. the API service (``python -m api``) on a free port;
4. HAProxy with ``deploy/haproxy.cfg.tmpl`` rendered for those ports: sticky sessions by cookie, health
   checks on ``/_stcore/health``, redispatch when a server dies, the API under ``/api/``, ``/sdmx/``, ``/docs``.

It waits until HAProxy reports every server up and the atlas answers through it, prints the addresses, and
stops everything on Ctrl-C or SIGTERM. Tests and the load test use the same code from Python::

    with cluster(servers=2) as c:
        c.url                    # the load balancer
        c.servers[0].url         # one server directly
        c.kill(0)                # SIGKILL a server (fault test); c.wait_status(0, "DOWN")

Loopback only; every wait is bounded. Outside the import layers of ``pyproject.toml``: it starts the app,
it is not part of it.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python deploy/cluster.py` as well as `python -m deploy.cluster`
    sys.path.insert(0, str(ROOT))

from atlas.core.server import free_port, start_server, stop_server, wait_healthy, wait_http  # noqa: E402
from common.postgres import PostgresNotInstalled, PostgresServer, open_postgres, running_postgres  # noqa: E402

TEMPLATE = Path(__file__).resolve().with_name("haproxy.cfg.tmpl")
COOKIE = "ATLAS_SERVER"  # HAProxy's sticky-session cookie: its value names the server (s1, s2, ...)
REGISTRY_DB = "atlas_registry"
START_TIMEOUT_S = 180
HAPROXY = ("haproxy", "/usr/sbin/haproxy")


class ClusterError(RuntimeError):
    """The cluster could not start: what failed and how to fix it."""


# --- HAProxy configuration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    """One server line of a backend: its name (also the cookie value), host and port."""

    name: str
    host: str
    port: int


def render_haproxy_config(
    port: int,
    atlas: list[Backend],
    api: list[Backend],
    stats_socket: str,
    bind: str = "127.0.0.1",
    template: Path = TEMPLATE,
    docker_dns: bool = False,
) -> str:
    """``deploy/haproxy.cfg.tmpl`` with the listening address and one ``server`` line per backend.

    ``docker_dns``: servers are container names, resolved by Docker's DNS at run time (a restarted container
    may come back with a new address; HAProxy starts even while one is not up yet)."""
    if not atlas:
        raise ValueError("a cluster needs at least one atlas server; got none")
    atlas_lines = "\n".join(f"    server {b.name} {b.host}:{b.port} check cookie {b.name}" for b in atlas)
    api_lines = "\n".join(f"    server {b.name} {b.host}:{b.port} check" for b in api)
    return string.Template(template.read_text()).substitute(
        bind=bind,
        port=port,
        cookie=COOKIE,
        stats_socket=stats_socket,
        atlas_servers=atlas_lines,
        api_servers=api_lines,
        resolvers="resolvers docker\n    nameserver dns 127.0.0.11:53\n    hold valid 5s\n" if docker_dns else "",
        server_dns=" resolvers docker init-addr last,libc,none" if docker_dns else "",
    )


COMPOSE_PORT = 8600


def render_compose_config() -> str:
    """The HAProxy configuration of ``deploy/compose.yaml`` (its service names; kept as ``deploy/haproxy.cfg``)."""
    return render_haproxy_config(
        COMPOSE_PORT,
        [Backend("s1", "atlas1", 8501), Backend("s2", "atlas2", 8501)],
        [Backend("api1", "api", 8502)],
        "/tmp/haproxy-admin.sock",
        bind="*",
        docker_dns=True,
    )


def find_haproxy() -> str:
    for candidate in HAPROXY:
        found = shutil.which(candidate) or (candidate if Path(candidate).exists() else None)
        if found:
            return found
    raise ClusterError("haproxy was not found: install Debian's package (`make haproxy`, or apt-get install haproxy)")


def haproxy_command(socket_path: str, command: str, timeout: float = 5) -> str:
    """One command on HAProxy's admin socket (``show stat``, ``set server atlas/s1 state drain``); its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(socket_path)
        s.sendall(command.encode() + b"\n")
        chunks = []
        for _ in range(10_000):  # bounded; HAProxy closes the connection after one command
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks).decode()


def server_states(socket_path: str, backend: str = "atlas") -> dict[str, str]:
    """``{server name: status}`` of ``backend`` as HAProxy sees it (``UP``, ``DOWN``, ``MAINT``, ``DRAIN``...)."""
    text = haproxy_command(socket_path, "show stat").lstrip("# ")
    return {
        row["svname"]: row["status"]
        for row in csv.DictReader(io.StringIO(text))
        if row.get("pxname") == backend and row.get("svname") not in ("FRONTEND", "BACKEND")
    }


# --- the cluster --------------------------------------------------------------------------------------


@dataclass
class Member:
    """One atlas server of the cluster."""

    name: str  # s1, s2, ...: HAProxy's server name and the value of its sticky cookie
    port: int
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@dataclass
class Cluster:
    """A running cluster: the load balancer's address, its servers, the API, PostgreSQL and the shared data."""

    port: int
    servers: list[Member]
    api_port: int
    env: dict[str, str]
    run_dir: Path
    postgres: PostgresServer | None = None
    registry_url: str = ""
    haproxy: subprocess.Popen | None = None
    api: subprocess.Popen | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def stats_socket(self) -> str:
        return str(self.run_dir / "haproxy.sock")

    def cookie(self, i: int) -> dict[str, str]:
        """The sticky cookie that sends a visitor to server ``i`` (Playwright's ``add_cookies`` form)."""
        return {"name": COOKIE, "value": self.servers[i].name, "url": self.url}

    def server_index(self, cookie_value: str) -> int | None:
        """Which server a sticky cookie value names (None for an unknown value)."""
        return next((i for i, s in enumerate(self.servers) if s.name == cookie_value), None)

    def states(self) -> dict[str, str]:
        return server_states(self.stats_socket)

    def wait_status(self, i: int, prefix: str, timeout: float = 30) -> None:
        """Wait until HAProxy reports server ``i`` with a status starting with ``prefix`` (``UP``, ``DOWN``...)."""
        name = self.servers[i].name
        deadline = time.monotonic() + timeout
        status = ""
        while time.monotonic() < deadline:
            status = self.states().get(name, "")
            if status.startswith(prefix):
                return
            time.sleep(0.2)
        raise TimeoutError(f"HAProxy still reports {name} as {status!r} after {timeout:.0f} s (waited for {prefix})")

    def set_state(self, i: int, state: str) -> None:
        """``ready``, ``drain`` (no new visitors; open sessions stay) or ``maint`` (out of the rotation)."""
        if state not in ("ready", "drain", "maint"):
            raise ValueError(f"server state {state!r}: use ready, drain or maint")
        answer = haproxy_command(self.stats_socket, f"set server atlas/{self.servers[i].name} state {state}")
        if answer.strip():
            raise ClusterError(f"HAProxy refused to set {self.servers[i].name} to {state}: {answer.strip()}")

    def kill(self, i: int) -> None:
        """Kill server ``i`` at once (SIGKILL, as a crash or an out-of-memory kill would)."""
        member = self.servers[i]
        if member.proc is not None and member.proc.poll() is None:
            member.proc.kill()
            member.proc.wait(timeout=30)

    def start_member(self, i: int, prewarm: bool = True) -> None:
        """(Re)start server ``i`` on its port and wait until it answers (and is warmed)."""
        member = self.servers[i]
        if member.alive:
            return
        member.proc, _base = start_server(member.port, env=self.env, options=SERVER_OPTIONS)
        wait_healthy(member.proc, member.url, seconds=START_TIMEOUT_S)
        if prewarm:
            warm(member.port)

    def stop(self) -> None:
        """Stop everything this cluster started (servers, API, HAProxy, PostgreSQL started by it)."""
        with self._lock:
            for proc in [self.haproxy, self.api, *(m.proc for m in self.servers)]:
                if proc is not None and proc.poll() is None:
                    stop_server(proc)


SERVER_OPTIONS = {"server.scriptHealthCheckEnabled": "true"}  # lets atlas.core.prewarm run the app once


def warm(port: int, timeout: float = START_TIMEOUT_S) -> None:
    """Run the app once in the server's process (imports, shared caches) before visitors come."""
    subprocess.run(
        [sys.executable, "-m", "atlas.core.prewarm", "--port", str(port), "--timeout", str(timeout)],
        cwd=ROOT,
        check=False,
        timeout=timeout + 60,
        stdout=subprocess.DEVNULL,
    )


def data_env(data_dir: Path | None) -> dict[str, str]:
    """The data locations every process of the cluster shares (the same for the launcher and compose.yaml)."""
    from etl.store import registry_dir
    from etl.versions import store_root

    env: dict[str, str] = {}
    if data_dir is not None:
        env["ATLAS_DATA_DIR"] = str(data_dir)
    with _patched_env(env):
        # The versioned store root, not one store file: $ATLAS_STORE would pin every server to one
        # file and bypass etl.versions, so a publish made on one server would never reach the others.
        env["ATLAS_STORE_DIR"] = str(Path(store_root()).resolve())
        registry = str(Path(registry_dir()).resolve())
        env["ATLAS_REGISTRY"] = registry
        env["ATLAS_REGISTRY_FILES"] = registry  # uploads and published files, shared by all servers
    return env


@contextlib.contextmanager
def _patched_env(values: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def _postgres(pg_dir: Path | None, use: bool) -> Iterator[PostgresServer | None]:
    """PostgreSQL for the registry: persistent in ``pg_dir``, else a throwaway one; None when ``use`` is off."""
    if not use:
        yield None
        return
    try:
        if pg_dir is None:
            with running_postgres() as pg:
                yield pg
            return
        pg = open_postgres(pg_dir)
        pg.start()
    except PostgresNotInstalled as err:
        raise ClusterError(str(err)) from err
    try:
        yield pg
    finally:
        pg.stop()


def _ensure_database(pg: PostgresServer, name: str) -> str:
    """The URL of database ``name``, created when missing (kept when it exists: it holds the registry)."""
    if pg.sql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        pg.sql(f'CREATE DATABASE "{name}" OWNER atlas')
    return pg.url(name)


@contextlib.contextmanager
def cluster(
    servers: int = 2,
    port: int | None = None,
    *,
    data_dir: Path | None = None,
    registry: Path | None = None,
    pg_dir: Path | None = None,
    postgres: bool = True,
    prewarm: bool = True,
    bind: str = "127.0.0.1",
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[Cluster]:
    """A running cluster of ``servers`` atlas servers behind HAProxy on ``port`` (a free one by default).

    ``data_dir``/``registry``: the shared data directory and submissions registry (default: the project's
    ``data/`` and its registry); ``pg_dir``: where PostgreSQL keeps its data (default: a throwaway server);
    ``postgres=False`` skips PostgreSQL. Everything is stopped when the block ends, also on an error.
    """
    if servers < 1:
        raise ValueError(f"servers={servers}: a cluster needs at least one atlas server")
    haproxy_bin = find_haproxy()
    run_dir = Path(tempfile.mkdtemp(prefix="atlas-cluster-"))
    env = data_env(data_dir)
    if registry is not None:
        env["ATLAS_REGISTRY"] = env["ATLAS_REGISTRY_FILES"] = str(registry)
    lb_port = port or free_port()
    env["ATLAS_API_URL"] = f"http://localhost:{lb_port}"  # the API links the pages show go through the LB
    env["STREAMLIT_SERVER_COOKIE_SECRET"] = secrets.token_hex(32)  # one secret for all servers of the cluster
    env.update(extra_env or {})
    with _postgres(pg_dir, postgres) as pg:
        c = Cluster(
            port=lb_port,
            servers=[Member(f"s{i + 1}", free_port()) for i in range(servers)],
            api_port=free_port(),
            env=env,
            run_dir=run_dir,
            postgres=pg,
        )
        if pg is not None:
            c.registry_url = _ensure_database(pg, REGISTRY_DB)
            env["ATLAS_REGISTRY_URL"] = c.registry_url
        try:
            _start(c, haproxy_bin, bind, prewarm)
            yield c
        finally:
            c.stop()
            shutil.rmtree(run_dir, ignore_errors=True)


def _start(c: Cluster, haproxy_bin: str, bind: str, prewarm: bool) -> None:
    for member in c.servers:
        member.proc, _base = start_server(member.port, env=c.env, options=SERVER_OPTIONS)
    c.api = subprocess.Popen(
        [sys.executable, "-m", "api", "--port", str(c.api_port)],
        cwd=ROOT,
        env={**os.environ, **c.env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for member in c.servers:
        wait_healthy(member.proc, member.url, seconds=START_TIMEOUT_S)
    if prewarm:  # one at a time: warming runs the app once and takes both cores
        for member in c.servers:
            warm(member.port)
    _wait_http(f"{c.api_url}/health", c.api, "the API service")
    config = c.run_dir / "haproxy.cfg"
    config.write_text(
        render_haproxy_config(
            c.port,
            [Backend(m.name, "127.0.0.1", m.port) for m in c.servers],
            [Backend("api1", "127.0.0.1", c.api_port)],
            c.stats_socket,
            bind=bind,
        )
    )
    checked = subprocess.run([haproxy_bin, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
    if checked.returncode != 0:
        raise ClusterError(f"HAProxy refused its configuration {config}:\n{checked.stdout}{checked.stderr}")
    c.haproxy = subprocess.Popen(
        [haproxy_bin, "-db", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if c.haproxy.poll() is not None:
            raise ClusterError(f"HAProxy exited at start (port {c.port} taken?); its configuration is {config}")
        with contextlib.suppress(OSError, ValueError):
            states = c.states()
            if len(states) == len(c.servers) and all(s == "UP" for s in states.values()):
                break
        time.sleep(0.2)
    else:
        raise ClusterError(f"HAProxy did not report every server up within 60 s: {c.states()}")
    _wait_http(f"{c.url}/_stcore/health", c.haproxy, "the atlas through HAProxy")
    _wait_http(f"{c.url}/api/v1/indicators", c.haproxy, "the API through HAProxy")


def _wait_http(url: str, proc: subprocess.Popen, what: str, seconds: float = START_TIMEOUT_S) -> None:
    try:
        wait_http(url, proc, seconds, what)
    except RuntimeError as err:
        raise ClusterError(str(err)) from None


# --- command line -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster", description=__doc__.splitlines()[0])
    parser.add_argument(
        "command",
        nargs="?",
        default="start",
        choices=("start", "render-compose"),
        help="start the cluster (default), or print deploy/compose.yaml's HAProxy configuration",
    )
    parser.add_argument("--servers", type=int, default=2, help="atlas servers behind the load balancer (default 2)")
    parser.add_argument("--port", type=int, default=8600, help="the load balancer's port (default 8600)")
    parser.add_argument(
        "--bind", default="127.0.0.1", help="address HAProxy listens on (default 127.0.0.1; 0.0.0.0 to share)"
    )
    parser.add_argument(
        "--pg-dir",
        type=Path,
        default=ROOT / "data" / "cluster" / "postgres",
        help="PostgreSQL's data directory, kept between runs (default data/cluster/postgres)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="do not start PostgreSQL")
    args = parser.parse_args(argv)
    if args.servers < 1:
        parser.error(f"--servers {args.servers}: give at least 1")
    if args.command == "render-compose":
        print(render_compose_config(), end="")
        return 0

    def stop(signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"Starting PostgreSQL, {args.servers} atlas server(s), the API and HAProxy ...", flush=True)
    try:
        with cluster(args.servers, args.port, pg_dir=args.pg_dir, postgres=not args.no_postgres, bind=args.bind) as c:
            print(f"\nAtlas (load balancer):  http://localhost:{c.port}")
            print(f"API (same address):     http://localhost:{c.port}/api/v1/indicators  (docs: /docs)")
            for m in c.servers:
                print(f"  server {m.name}:            {m.url}  (pid {m.pid})")
            if c.registry_url:
                print(f"Registry database:      {c.registry_url}")
            print(f"Data:                   {c.env['ATLAS_STORE_DIR']}; registry {c.env['ATLAS_REGISTRY']}")
            print(f"HAProxy admin socket:   {c.stats_socket}")
            print("Ctrl-C stops everything.", flush=True)
            while c.haproxy is not None and c.haproxy.poll() is None:
                time.sleep(1)
            print("HAProxy stopped; stopping the cluster.", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nStopped.")
        return 0
    except (ClusterError, RuntimeError, TimeoutError) as err:
        print(f"make cluster: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
