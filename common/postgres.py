"""A throwaway PostgreSQL server from Debian's ``postgresql`` package: for tests, ``make cluster`` and benches.

One helper for everything that needs a real PostgreSQL on this machine (the registry tests, the
reference cluster, the load test). It runs the package's own ``initdb`` and ``pg_ctl`` on a data
directory of its own, listening on 127.0.0.1 and a Unix socket in that directory only, with
``trust`` authentication for the one local role: a server to try things on, never a production
database (``deploy/README.md`` says what to run in production).

When this process is root (CI containers), PostgreSQL refuses to run as root: the data directory
is given to the ``postgres`` system user that the package creates, and every command runs as that
user through ``runuser``.

    with running_postgres() as pg:
        url = pg.create_database("registry_test")      # postgresql+psycopg://atlas@127.0.0.1:PORT/registry_test
        ...
        pg.restart()                                    # a fault test: every open connection is cut
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROLE = "atlas"
SYSTEM_USER = "postgres"  # created by Debian's postgresql package
START_TIMEOUT_S = 60


class PostgresNotInstalled(RuntimeError):
    """Debian's PostgreSQL server binaries are not on this machine."""


def find_bindir() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres`` (newest Debian major version first)."""
    env = os.environ.get("ATLAS_PG_BINDIR")
    candidates = [env] if env else sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_major, reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise PostgresNotInstalled(
        "PostgreSQL's server programs (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin. "
        "Install Debian's package: `apt-get install -y postgresql` (make test and make cluster do it), "
        "or set ATLAS_PG_BINDIR to the directory that holds them."
    )


def _major(path: str) -> int:
    try:
        return int(Path(path).parent.name)
    except ValueError:
        return 0


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    """``cmd`` run as the ``postgres`` system user when we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", SYSTEM_USER, "--", *cmd]


def _give_to_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SYSTEM_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


@dataclass
class PostgresServer:
    """A PostgreSQL server on ``127.0.0.1:port`` with its data (and socket) in ``datadir``."""

    datadir: Path
    port: int
    bindir: Path

    @property
    def log_file(self) -> Path:
        return self.datadir / "server.log"

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL (psycopg 3 driver) of ``database`` for the local role."""
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args]
        return subprocess.run(
            _as_server_user(cmd), capture_output=True, text=True, check=check, timeout=START_TIMEOUT_S + 30
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=on"
        try:
            self._ctl("-w", "-t", str(START_TIMEOUT_S), "-o", options, "-l", str(self.log_file), "start")
        except subprocess.CalledProcessError as err:
            tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start on port {self.port}: {err.stderr}\n{tail}") from err

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: roll back open transactions and cut connections; ``immediate``: crash)."""
        self._ctl("-w", "-t", str(START_TIMEOUT_S), "-m", mode, "stop", check=False)

    def restart(self, mode: str = "fast") -> None:
        """Stop and start again on the same port: every open connection is cut (fault tests)."""
        self.stop(mode)
        self.start()

    @property
    def running(self) -> bool:
        return self._ctl("status", check=False).returncode == 0

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one SQL statement with ``psql`` as the local role; its output (unaligned, tuples only)."""
        psql = self.bindir / "psql"
        cmd = [str(psql) if psql.exists() else "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
        cmd += ["-h", "127.0.0.1", "-p", str(self.port), "-U", ROLE, "-d", database, "-c", statement]
        return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout.strip()

    def create_database(self, name: str) -> str:
        """Create an empty database ``name`` (dropped first if it exists) and return its URL."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"database name {name!r}: use letters, digits and underscores only")
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.sql(f'CREATE DATABASE "{name}" OWNER {ROLE}')
        return self.url(name)


def init_postgres(datadir: Path, port: int | None = None) -> PostgresServer:
    """A new cluster in ``datadir`` (created; must not hold one yet), not started."""
    bindir = find_bindir()
    datadir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _give_to_server_user(datadir)
    cmd = [str(bindir / "initdb"), "-D", str(datadir), "-U", ROLE, "--auth=trust", "-E", "UTF8", "--no-instructions"]
    done = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed in {datadir}: {done.stderr.strip()}")
    return PostgresServer(datadir, port or free_port(), bindir)


def open_postgres(datadir: Path, port: int | None = None) -> PostgresServer:
    """The cluster in ``datadir``, made there first if it does not exist yet (not started)."""
    if (datadir / "PG_VERSION").exists():
        return PostgresServer(datadir, port or free_port(), find_bindir())
    return init_postgres(datadir, port)


@contextlib.contextmanager
def running_postgres(datadir: Path | None = None, port: int | None = None) -> Iterator[PostgresServer]:
    """A started server, stopped (and its temporary data removed) on exit.

    Without ``datadir`` the cluster lives in a new directory under the system temp directory (one
    the ``postgres`` user can reach when we are root) and is deleted afterwards.
    """
    temporary = datadir is None
    root = Path(tempfile.mkdtemp(prefix="atlas-pg-")) if temporary else None
    if root is not None:
        _give_to_server_user(root)
    server = open_postgres(root / "data" if root is not None else datadir, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


def wait_accepting(server: PostgresServer, timeout_s: float = START_TIMEOUT_S) -> None:
    """Return once the server accepts TCP connections (bounded)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=1):
            return
        time.sleep(0.1)
    raise TimeoutError(f"PostgreSQL on port {server.port} did not accept connections in {timeout_s:.0f} s")
