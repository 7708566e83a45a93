"""The submission registry: accounts, submissions, versions, statuses, checksums, audit.

Layout (docs/STORE.md), under ``etl.store.registry_dir()`` (``$ATLAS_REGISTRY``, else ``data/registry``)::

    registry.sqlite                          accounts, submissions, versions, audit (SQLite, WAL)
    files/<sha256>.<ext>                     each original upload, named by its checksum     } in $ATLAS_REGISTRY_FILES
    versions/<submission_id>_v<N>.parquet    the observations of one version (immutable)   } when set (see below)
    published/observations.parquet           latest *published* version of every submission
    published/datasets.parquet               their ``datasets`` rows
    published/dataset_dimensions.parquet     what their dim_N columns hold
    tmp/                                     work files; swept whenever the registry is opened

Two database back ends behind this one class (SQLAlchemy Core, no ORM). ``$ATLAS_REGISTRY_URL``
unset: SQLite in ``registry.sqlite`` as above (the default). ``ATLAS_REGISTRY_URL=postgresql+psycopg://
user@host:port/db``: the tables live in PostgreSQL, so that several atlas servers share one registry;
then ``$ATLAS_REGISTRY_FILES`` names the directory (a local disk shared by the servers of one machine,
or a shared mount) that holds ``files/`` and ``versions/`` (and their ``tmp/``) for all of them,
while each server keeps its own ``published/`` copy, brought in line with the database on every
open. An object store (S3) for those files is out of scope. The schema is managed by Alembic
(``etl/submissions/migrations``): every write first brings it to ``SCHEMA_HEAD`` under the writer
lock, a registry made before Alembic (tables, no ``alembic_version``) being stamped at the revision
its columns show; ``python -m etl.submissions migrate`` shows and does the same.

Integrity. One writer at a time: on SQLite an exclusive ``flock`` on ``.lock``, released by the
kernel if the process dies; on PostgreSQL a session advisory lock (``pg_advisory_lock(LOCK_KEY)``)
held by the writing connection, released by the server when that connection ends (a killed process,
a restarted server). An ingest validates the whole file first, then writes the version parquet and
the original to ``tmp/``, fsyncs, renames them into place and inserts every row in ONE database
transaction: until that commit nothing is visible. The public files only ever shrink before the
database says so (withdraw: rewrite, then commit) and only grow after it (publish: commit, then
rewrite), so they never show what the database does not call published.

Recovery on open. ``registry.sqlite`` is the truth. Whenever the registry is opened (every read
and every write, see ``recover``), the work files and the orphans of a killed ingest are swept,
and the public files are rewritten if they do not hold exactly the versions the database calls
published (each public file records that set in its Parquet metadata). So a killed ingest leaves
the directory as it was, a publish killed after its commit becomes public, and a withdraw killed
before its commit is rolled back (the version stays published and public), all at the next open
rather than at the next write. A read skips recovery while a write holds the lock (``flock`` with
``LOCK_NB``, ``pg_try_advisory_lock``): that writer recovers first, and the files it is writing are
not orphans. A database that cannot be reached (PostgreSQL down) is ``RegistryUnavailable``, an
``OSError``: public pages keep the last public files with the ``registry_unreadable`` notice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import functools
import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from etl.store import registry_dir
from etl.submissions import auth
from etl.submissions.auth import Account, SignIn
from etl.submissions.observations import (
    DATASET_SCHEMA,
    DIMENSION_SCHEMA,
    OBSERVATION_SCHEMA,
    build_dataset_row,
    build_dimension_rows,
    build_observations,
    observations_table,
)
from etl.submissions.report import InputError, MessageError, Problem
from etl.submissions.spec import load_spec
from etl.submissions.validate import TOTALS_TOLERANCE, Validation, check_country_code, validate_submission

STATUSES = ("draft", "published", "withdrawn")
URL_ENV, FILES_ENV = "ATLAS_REGISTRY_URL", "ATLAS_REGISTRY_FILES"
BACKENDS = ("sqlite", "postgresql")
# The Alembic revision this code needs (etl/submissions/migrations/versions); a test checks it is the head.
SCHEMA_HEAD = "0002"
MIGRATIONS = Path(__file__).with_name("migrations")
# Columns that revision 0002 added to ``accounts``: a registry made before Alembic that has them is at 0002.
ACCOUNT_COLUMNS_V2 = ("password_version", "locked")
# The PostgreSQL advisory lock of the one writer (a constant of our own: b"atlasreg" as a bigint).
LOCK_KEY = int.from_bytes(b"atlasreg", "big")
# How long a PostgreSQL writer waits for the lock (and any row lock) before giving up with a message.
PG_LOCK_TIMEOUT = "120s"
PG_CONNECT_TIMEOUT_S = 10
PG_POOL_SIZE = 2  # idle connections kept per process and database
# Versions are 32-bit integers in both databases; anything past this is no version.
MAX_VERSION = 2**31 - 1
DIR_MODE, FILE_MODE = 0o700, 0o600
# Errors that make the registry unreadable or unwritable; public pages keep the last good public files.
# (``RegistryUnavailable`` is an OSError; SQLAlchemy's own errors are listed for callers all the same.)
REGISTRY_ERRORS = (OSError, sqlite3.Error, sa_exc.SQLAlchemyError)
# Test hook: the named point makes a write pause (touching $ATLAS_TEST_PAUSE_FILE) so a test can
# SIGKILL the process there and check that nothing half-written is visible. With $ATLAS_TEST_RESUME
# set, the write goes on once the test deletes that file (a fault made meanwhile: a database restart).
PAUSE_ENV, PAUSE_FILE_ENV, RESUME_ENV = "ATLAS_TEST_PAUSE_AT", "ATLAS_TEST_PAUSE_FILE", "ATLAS_TEST_RESUME"
RESUME_WAIT_S = 300
PUBLIC_FILES = ("datasets.parquet", "dataset_dimensions.parquet", "observations.parquet")  # order when growing
# Parquet metadata key of every public file: the published (submission_id, version) pairs it was written for.
STATE_KEY = b"atlas_published_versions"
# A registry this process may read but not write (read-only mount, other owner): reads go on, unrecovered.
READ_ONLY_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS)
log = logging.getLogger(__name__)


def write_parquet(table: pa.Table, path: Path) -> None:
    """Every registry Parquet file is written here (zstd); tests make it fail to simulate a full disk."""
    pq.write_table(table, path, compression="zstd")


def _owner_only(path: Path, mode: int) -> None:
    """Give ``path`` owner-only permissions when this process owns it (a registry made before did not)."""
    try:
        if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except OSError as err:
        if err.errno not in READ_ONLY_ERRNOS:
            raise


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def pause_point(name: str) -> None:
    """Test hook (``ATLAS_TEST_PAUSE_AT=name``): signal the test, then wait to be killed (or resumed)."""
    if os.environ.get(PAUSE_ENV) != name:
        return
    flag = Path(os.environ[PAUSE_FILE_ENV])
    flag.write_text(name)
    if not os.environ.get(RESUME_ENV):
        while True:
            time.sleep(1)
    deadline = time.monotonic() + RESUME_WAIT_S
    while flag.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def _account(row: Mapping) -> Account:
    keys = row.keys()
    return Account(
        row["username"],
        row["role"],
        row["country"],
        row["full_name"],
        row["email"],
        bool(row["active"]),
        row["password_version"] if "password_version" in keys else 1,
        bool(row["locked"]) if "locked" in keys else False,
    )


class VersionNotFound(MessageError, LookupError):
    """A submission version that the registry does not hold."""


class PublishFailed(MessageError, OSError):
    """A publish or withdraw whose public files could not be written; the registry is as it was before."""


class RegistryUnavailable(MessageError, OSError):
    """The registry database cannot be reached or used (PostgreSQL down, a damaged SQLite file, a bad URL).

    An ``OSError`` so that every caller that keeps the last public files on a disk error does the
    same here; ``detail`` is short and never holds a password.
    """


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so both cases take the same time."""
    return auth.hash_password("not the password of any account")


@dataclass(frozen=True)
class IngestResult:
    """What an ingest did: the validation, and the version stored (``None`` when nothing was)."""

    validation: Validation
    submission_id: str | None = None
    version: int | None = None

    @property
    def stored(self) -> bool:
        return self.version is not None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@functools.lru_cache(maxsize=16)
def _engine(url: str) -> Engine:
    """One engine per database URL and process.

    SQLite: no pool; every operation opens the file and closes it (as with sqlite3 before).
    PostgreSQL: a small pool (a connection costs a server process), each connection checked
    before use (``pool_pre_ping``) so that none survives a server restart. A connection goes back
    to the pool only after its advisory lock is released and its transaction ended (``_lock``).
    """
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, poolclass=NullPool, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(
        parsed,
        pool_size=PG_POOL_SIZE,
        max_overflow=8,
        pool_pre_ping=True,
        pool_recycle=300,
        connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S},
    )


def _sql(con: Connection, statement: str, **params) -> sa.CursorResult:
    return con.execute(sa.text(statement), params)


def _one(con: Connection, statement: str, **params) -> Mapping | None:
    return _sql(con, statement, **params).mappings().first()


def _frame(con: Connection, statement: str, **params) -> pd.DataFrame:
    result = _sql(con, statement, **params)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def schema_revision(con: Connection) -> str | None:
    """The Alembic revision of the registry database (``None``: not under Alembic, or empty)."""
    if not sa.inspect(con).has_table("alembic_version"):
        return None
    return _sql(con, "SELECT version_num FROM alembic_version").scalar()


def legacy_revision(con: Connection) -> str | None:
    """The revision a registry made before Alembic is at, from its tables (``None``: no registry tables)."""
    inspector = sa.inspect(con)
    if not inspector.has_table("accounts"):
        return None
    columns = {c["name"] for c in inspector.get_columns("accounts")}
    return "0002" if set(ACCOUNT_COLUMNS_V2) <= columns else "0001"


def alembic_config(connection: Connection | None = None):
    """Alembic's configuration, built in code (no alembic.ini needed): our script directory, ``connection``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The head of the migration scripts (``SCHEMA_HEAD`` says which one this code needs)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def run_migrations(engine: Engine, target: str = "head") -> str | None:
    """Stamp a registry made before Alembic, then upgrade to ``target``, in ONE transaction; the revision after.

    Called with the writer lock held (``Registry.upgrade``). On SQLite the transaction is taken
    ``BEGIN IMMEDIATE`` by hand (pysqlite would commit each DDL statement on its own); PostgreSQL
    runs DDL in transactions anyway. A migration that fails or is killed leaves the schema as it was.
    """
    from alembic import command

    with engine.connect() as con, con.begin():
        if engine.dialect.name == "sqlite":
            con.exec_driver_sql("BEGIN IMMEDIATE")
        config = alembic_config(con)
        if schema_revision(con) is None and (found := legacy_revision(con)) is not None:
            log.warning("registry database %s made before Alembic: stamped at %s", _safe_url(engine.url), found)
            command.stamp(config, found)
        command.upgrade(config, target)
        return schema_revision(con)


def _safe_url(url) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


class Registry:
    """The registry in one directory (and one database). Reading never creates anything; writing creates what it needs.

    ``url``: the database (default ``$ATLAS_REGISTRY_URL``, else SQLite in ``<path>/registry.sqlite``);
    ``files``: the directory of ``files/`` and ``versions/`` (default ``$ATLAS_REGISTRY_FILES``, else ``path``).
    """

    def __init__(self, path: str | Path | None = None, url: str | None = None, files: str | Path | None = None):
        self.path = Path(path) if path is not None else registry_dir()
        self.files = Path(files or os.environ.get(FILES_ENV) or self.path)
        self.last_error: Exception | None = None  # why the last ``recover`` could not run (for a notice)
        self.url_error: RegistryUnavailable | None = None
        self._schema_seen = False
        given = url or os.environ.get(URL_ENV) or None
        self.db = self.path / "registry.sqlite"
        self.url = f"sqlite:///{self.db}"
        if given is not None:
            try:
                parsed = sa.make_url(given)
            except sa_exc.ArgumentError:
                parsed = None
            if parsed is None or parsed.get_backend_name() not in BACKENDS:
                self.url_error = RegistryUnavailable("registry_url_invalid", env=URL_ENV)
            elif parsed.get_backend_name() == "sqlite":
                self.db = Path(parsed.database or self.db)
                self.url = f"sqlite:///{self.db}"
            else:
                self.url = parsed.render_as_string(hide_password=False)
        self.backend = "sqlite" if self.url.startswith("sqlite") else "postgresql"

    # --- plumbing -------------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        if self.url_error is not None:
            raise self.url_error
        return _engine(self.url)

    @property
    def database(self) -> str:
        """The database, for people and logs (never with a password)."""
        return str(self.db) if self.backend == "sqlite" else _safe_url(self.url)

    @property
    def exists(self) -> bool:
        """Whether the registry has been created (SQLite: its file; PostgreSQL: its tables in the database).

        On PostgreSQL this asks the server: ``RegistryUnavailable`` when it cannot be reached.
        """
        if self.backend == "sqlite" and self.url_error is None:
            return self.db.exists()
        if not self._schema_seen:
            with self._connect() as con:
                self._schema_seen = sa.inspect(con).has_table("accounts")
        return self._schema_seen

    def init(self) -> None:
        """Create the directories (owner-only, 0o700) and the tables (Alembic; idempotent), migrating older ones."""
        self._init_files()
        with self._lock(wait=True) as con:
            self._upgrade_locked(con)

    def _init_files(self) -> None:
        """The directories (owner-only), and on SQLite the database file, created owner-only (0o600) before
        SQLite opens it (SQLite gives its WAL and shared-memory files the database file's permissions)."""
        for root, subs in ((self.path, ("published", "tmp")), (self.files, ("files", "versions", "tmp"))):
            root.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            _owner_only(root, DIR_MODE)
            for sub in subs:
                (root / sub).mkdir(exist_ok=True, mode=DIR_MODE)
                _owner_only(root / sub, DIR_MODE)
        if self.backend == "sqlite":
            if not self.db.exists():
                os.close(os.open(self.db, os.O_CREAT | os.O_WRONLY, FILE_MODE))
            _owner_only(self.db, FILE_MODE)

    def _upgrade_locked(self, con: Connection, target: str = "head") -> None:
        """Bring the schema to ``target`` (with the writer lock held); cheap when it is there already."""
        if target == "head" and schema_revision(con) == SCHEMA_HEAD:
            return
        if self.backend == "sqlite":
            _sql(con, "PRAGMA journal_mode=WAL")
        run_migrations(self.engine, target)
        self._schema_seen = True

    def schema_status(self) -> tuple[str | None, str | None, str]:
        """``(current revision, revision a pre-Alembic registry is at, head)`` without changing anything."""
        if not self.exists:
            return None, None, head_revision()
        with self._connect() as con:
            current = schema_revision(con)
            return current, None if current else legacy_revision(con), head_revision()

    def upgrade(self, target: str = "head") -> str | None:
        """Create or migrate the registry to ``target`` under the writer lock; the revision after."""
        self._init_files()
        with self._lock(wait=True) as con:
            self._upgrade_locked(con, target)
            return schema_revision(con)

    def _unavailable(self, err: sa_exc.SQLAlchemyError) -> RegistryUnavailable:
        text = str(getattr(err, "orig", None) or err).strip()
        detail = text.splitlines()[0][:200] if text else type(err).__name__
        if self.backend == "sqlite":
            return RegistryUnavailable("registry_unusable", path=self.path, reason=detail, detail=detail)
        return RegistryUnavailable("registry_db_unreachable", database=self.database, detail=detail)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[Connection]:
        """A connection in autocommit mode (transactions are begun by hand, ``_transaction``), closed after.

        Errors that mean the database cannot be reached or used become ``RegistryUnavailable``;
        constraint violations and mistakes in our SQL stay what they are.
        """
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as con:
                yield con
        except (sa_exc.OperationalError, sa_exc.InterfaceError) as err:
            raise self._unavailable(err) from err
        except sa_exc.DatabaseError as err:
            if type(err) is not sa_exc.DatabaseError:  # IntegrityError, ProgrammingError...: a bug, not an outage
                raise
            raise self._unavailable(err) from err

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection | None]:
        """A connection for reading (after recovery), or ``None`` when the registry does not exist yet."""
        if not self.exists:
            yield None
            return
        self.recover()
        with self._connect() as con:
            yield con

    @contextlib.contextmanager
    def _file_lock(self, wait: bool) -> Iterator[bool]:
        """The exclusive ``flock`` on ``.lock``; yields ``False`` when ``wait`` is off and a writer holds it."""
        with open(os.open(self.path / ".lock", os.O_CREAT | os.O_RDWR, FILE_MODE), "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def _lock(self, wait: bool) -> Iterator[Connection | None]:
        """A connection holding the one-writer lock; ``None`` when ``wait`` is off and a writer holds it.

        SQLite: the ``flock`` on ``.lock``. PostgreSQL: the session advisory lock ``LOCK_KEY`` taken
        by the connection yielded (``pg_advisory_lock``, or ``pg_try_advisory_lock`` without ``wait``),
        released at the end or by the server when the connection dies.
        """
        if self.backend == "sqlite":
            with self._file_lock(wait) as held:
                if not held:
                    yield None
                    return
                with self._connect() as con:
                    yield con
            return
        with self._connect() as con:
            if wait:
                _sql(con, f"SET lock_timeout = '{PG_LOCK_TIMEOUT}'")
                _sql(con, "SELECT pg_advisory_lock(:key)", key=LOCK_KEY)
            elif not _sql(con, "SELECT pg_try_advisory_lock(:key)", key=LOCK_KEY).scalar():
                yield None
                return
            try:
                yield con
            finally:
                try:
                    _sql(con, "SELECT pg_advisory_unlock(:key)", key=LOCK_KEY)
                except sa_exc.SQLAlchemyError:  # a dead connection has released it already; never pool it
                    con.invalidate()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        """The registry's single writer: the lock, the schema at its head, then recovery (orphans, public files)."""
        self._init_files()
        with self._lock(wait=True) as con:
            self._upgrade_locked(con)
            self._recover_locked(con)
            yield con

    def recover(self) -> bool:
        """Undo what a killed write left behind, unless a write is under way; whether recovery ran.

        Sweeps ``tmp/`` and the version and original files no version row names (a killed
        ingest), and rewrites the public files when they differ from what the database calls
        published (a killed publish or withdraw). Called on every open; safe to call any time.
        A registry this process cannot write is read as it is (logged), never refused; a database
        that cannot be reached is logged and kept in ``last_error`` (for the pages' notice).
        """
        try:
            if not self.exists:
                return False
            with self._lock(wait=False) as con:
                if con is None:
                    return False
                if not sa.inspect(con).has_table("versions"):
                    return False  # a database file created, its tables not yet (the first write is under way)
                self._recover_locked(con)
        except OSError as err:
            if err.errno in READ_ONLY_ERRNOS:
                log.warning("registry %s is read-only here (%s): not recovered", self.path, err)
            else:  # a full disk, an I/O error, the database unreachable: public files stay as they are
                log.error("registry %s could not be recovered (%s): public files left as they are", self.path, err)
                self.last_error = err
            return False
        except REGISTRY_ERRORS as err:
            log.error("registry %s database unreadable (%s): public files left as they are", self.path, err)
            self.last_error = err
            return False
        return True

    def _recover_locked(self, con: Connection) -> None:
        """Sweep and reconcile (called with the lock held)."""
        self._sweep(con)
        self._reconcile_published(con)

    @contextlib.contextmanager
    def _transaction(self, con: Connection) -> Iterator[None]:
        """One transaction, begun by hand on the autocommit connection (SQLite: ``BEGIN IMMEDIATE``)."""
        _sql(con, "BEGIN IMMEDIATE" if self.backend == "sqlite" else "BEGIN")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sa_exc.SQLAlchemyError):  # a lost connection rolled back already
                _sql(con, "ROLLBACK")
            raise
        _sql(con, "COMMIT")

    def _tmp_path(self, name: str, root: Path) -> Path:
        return root / "tmp" / f"{name}.{os.getpid()}.tmp"

    def _write_temp(self, name: str, write, root: Path | None = None) -> Path:
        """Write a file under ``root``/tmp/ (default: the registry directory) with ``write(path)`` and fsync it."""
        tmp = self._tmp_path(name, self.path if root is None else root)
        try:
            write(tmp)
            os.chmod(tmp, FILE_MODE)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp

    def _replace(self, tmp: Path, final: Path) -> None:
        os.replace(tmp, final)
        _fsync_dir(final.parent)

    def _sweep(self, con: Connection) -> None:
        """Remove work files and the orphans of killed writes (called with the lock held)."""
        for work in {self.path / "tmp", self.files / "tmp"}:
            for leftover in work.iterdir() if work.is_dir() else ():
                leftover.unlink()
        kept = {r[0] for r in _sql(con, "SELECT observations_path FROM versions UNION SELECT file_path FROM versions")}
        for sub in ("versions", "files"):
            folder = self.files / sub
            for f in folder.iterdir() if folder.is_dir() else ():
                if f"{sub}/{f.name}" not in kept:
                    f.unlink()

    # --- accounts -------------------------------------------------------------------------------

    def add_account(
        self,
        username: str,
        password: str,
        role: str,
        country: str | None = None,
        full_name: str = "",
        email: str = "",
        actor: str = "cli",
    ) -> Account:
        """Create an account; ``InputError`` (a ``ValueError``) says what is wrong with the arguments."""
        username = username.strip()
        if not username or any(c.isspace() for c in username):
            raise InputError("account_name_invalid", user=username)
        if role not in auth.ROLES:
            raise InputError("role_invalid", roles=", ".join(auth.ROLES), role=role)
        if role == "focal_point":
            if not country:
                raise InputError("account_needs_country")
            country = check_country_code(country)
        elif country:
            raise InputError("account_admin_country")
        auth.check_password(password, username)
        with self._writing() as con, self._transaction(con):
            if _one(con, "SELECT 1 FROM accounts WHERE username = :u", u=username):
                raise InputError("account_exists", user=username)
            _sql(
                con,
                "INSERT INTO accounts (username, password_hash, role, country, full_name, email, active, "
                "created_at) VALUES (:u, :hash, :role, :country, :name, :email, 1, :at)",
                u=username,
                hash=auth.hash_password(password),
                role=role,
                country=country or None,
                name=full_name,
                email=email,
                at=now(),
            )
            self._audit(con, actor, "account_added", detail=f"{username} {role} {country or ''}".strip())
        return Account(username, role, country or None, full_name, email)

    def set_password(self, username: str, password: str, actor: str = "cli") -> None:
        auth.check_password(password, username)
        with self._writing() as con, self._transaction(con):
            cur = _sql(
                con,
                "UPDATE accounts SET password_hash = :hash, password_version = password_version + 1 "
                "WHERE username = :u",
                hash=auth.hash_password(password),
                u=username,
            )
            if cur.rowcount == 0:
                raise InputError("account_unknown", user=username)
            self._audit(con, actor, "password_changed", detail=username)

    def accounts(self) -> pd.DataFrame:
        """Every account, without password hashes."""
        cols = ["username", "role", "country", "full_name", "email", "active", "created_at"]
        with self._read() as con:
            if con is None:
                return pd.DataFrame(columns=cols)
            return _frame(con, f"SELECT {', '.join(cols)} FROM accounts ORDER BY username")

    def account_count(self) -> int:
        with self._read() as con:
            return 0 if con is None else int(_sql(con, "SELECT count(*) FROM accounts").scalar())

    def authenticate(self, username: str, password: str, address: str | None = None) -> Account | None:
        """The account when the password matches (and the account is active and not locked), else ``None``.

        Goes through ``sign_in`` (counted, backed off, audited); pages call ``sign_in`` to show why.
        """
        return self.sign_in(username, password, address).account

    def sign_in(self, username: str, password: str, address: str | None, at: float | None = None) -> SignIn:
        """One sign-in attempt, limited per account and per client ``address`` in the registry.

        Refused without checking the password while the account or the address must wait
        (``sign_in_wait``, with the seconds left) or the account is locked (``account_locked``).
        Every attempt is audited (``signed_in``, ``sign_in_failed``, ``account_locked``). A name that
        is no account is counted like one, so the answers never tell which names exist. ``address``
        ``None`` (command line, unknown client) counts per account only. ``at`` (epoch seconds) is for tests.
        """
        username = username.strip()[:200]
        address = address[:200] if address else None
        moment = time.time() if at is None else at
        if not self.exists:  # never create a registry for a sign-in; same work as a real check
            auth.verify_password(_dummy_hash(), password)
            return SignIn(None, "sign_in_failed")
        try:
            return self._sign_in(username, password, address, moment)
        except OSError as err:
            if err.errno not in READ_ONLY_ERRNOS:
                raise
            log.warning("registry %s is read-only: sign-in of %s checked but not counted", self.path, username)
            account = self._verify_only(username, password)
            return SignIn(account) if account else SignIn(None, "sign_in_failed")

    def _verify_only(self, username: str, password: str) -> Account | None:
        with self._read() as con:
            row = _one(con, "SELECT * FROM accounts WHERE username = :u", u=username)
        good = auth.verify_password(row["password_hash"] if row is not None else _dummy_hash(), password)
        account = _account(row) if row is not None else None
        return account if good and account is not None and account.active and not account.locked else None

    def _sign_in(self, username: str, password: str, address: str | None, moment: float) -> SignIn:
        with self._writing() as con, self._transaction(con):
            wait = self._wait(con, "account", username, moment)
            if address:
                wait = max(wait, self._wait(con, "address", address, moment))
            row = _one(con, "SELECT * FROM accounts WHERE username = :u", u=username)
            if row is not None and row["locked"]:
                self._audit(con, username, "sign_in_refused", detail=f"locked; address={address}")
                return SignIn(None, "account_locked")
            if wait > 0:
                self._audit(con, username, "sign_in_refused", detail=f"wait {wait}s; address={address}")
                return SignIn(None, "sign_in_wait", wait)
            good = auth.verify_password(row["password_hash"] if row is not None else _dummy_hash(), password)
            if good and row is not None and row["active"]:
                _sql(
                    con,
                    "DELETE FROM sign_in_failures WHERE (scope = 'account' AND key = :u) "
                    "OR (scope = 'address' AND key = :address)",
                    u=username,
                    address=address or "",
                )
                self._audit(con, username, "signed_in", detail=f"address={address}")
                return SignIn(_account(row))
            failures = self._count_failure(con, "account", username, moment)
            if address:
                self._count_failure(con, "address", address, moment)
            self._audit(con, username, "sign_in_failed", detail=f"address={address}; failures={failures}")
            if row is not None and failures >= auth.LOCK_AFTER:
                _sql(con, "UPDATE accounts SET locked = 1 WHERE username = :u", u=username)
                self._audit(con, "system", "account_locked", detail=f"{username} after {failures} failed sign-ins")
                return SignIn(None, "account_locked")
            return SignIn(None, "sign_in_failed", round(auth.backoff_seconds(failures)))

    def _wait(self, con: Connection, scope: str, key: str, moment: float) -> int:
        row = _one(
            con,
            "SELECT failures, last_failure_at FROM sign_in_failures WHERE scope = :scope AND key = :key",
            scope=scope,
            key=key,
        )
        if row is None:
            return 0
        last = dt.datetime.fromisoformat(row["last_failure_at"]).timestamp()
        return max(round(last + auth.backoff_seconds(row["failures"]) - moment), 0)

    def _count_failure(self, con: Connection, scope: str, key: str, moment: float) -> int:
        stamp = dt.datetime.fromtimestamp(moment, dt.UTC).isoformat(timespec="microseconds")
        _sql(
            con,
            "INSERT INTO sign_in_failures (scope, key, failures, last_failure_at) VALUES (:scope, :key, 1, :at) "
            "ON CONFLICT (scope, key) DO UPDATE SET "
            "failures = sign_in_failures.failures + 1, last_failure_at = excluded.last_failure_at",
            scope=scope,
            key=key,
            at=stamp,
        )
        return _sql(
            con, "SELECT failures FROM sign_in_failures WHERE scope = :scope AND key = :key", scope=scope, key=key
        ).scalar()

    def unlock(self, username: str, actor: str = "cli") -> None:
        """Lift an account's lockout and forget its failed sign-ins (an administrator's action, audited)."""
        with self._writing() as con, self._transaction(con):
            cur = _sql(con, "UPDATE accounts SET locked = 0 WHERE username = :u", u=username)
            if cur.rowcount == 0:
                raise InputError("account_unknown", user=username)
            _sql(con, "DELETE FROM sign_in_failures WHERE scope = 'account' AND key = :u", u=username)
            self._audit(con, actor, "account_unlocked", detail=username)

    def set_active(self, username: str, active: bool, actor: str = "cli") -> None:
        """Deactivate (or reactivate) an account; a deactivated account's sessions end at their next action."""
        with self._writing() as con, self._transaction(con):
            cur = _sql(con, "UPDATE accounts SET active = :active WHERE username = :u", active=int(active), u=username)
            if cur.rowcount == 0:
                raise InputError("account_unknown", user=username)
            self._audit(con, actor, "account_activated" if active else "account_deactivated", detail=username)

    def check_session(self, account: Account) -> Account:
        """The account as the registry holds it now, or ``PermissionRefused("session_ended")``.

        Called by every privileged action (ingest, publish, withdraw) with the ``Account`` the
        session got at sign-in: a deactivated or locked account, or a password changed since
        (``password_version``), ends the session.
        """
        with self._read() as con:
            row = None if con is None else _one(con, "SELECT * FROM accounts WHERE username = :u", u=account.username)
        current = None if row is None else _account(row)
        if (
            current is None
            or not current.active
            or current.locked
            or current.password_version != account.password_version
            or current.role != account.role
            or current.country != account.country
        ):
            raise auth.PermissionRefused("session_ended", user=account.username)
        return current

    def audit_events(
        self, limit: int = 200, actions: tuple[str, ...] | None = None, actor: str | None = None
    ) -> pd.DataFrame:
        """The newest ``limit`` audit events (sign-ins, uploads, publishes, withdrawals...), for the admin view.

        Columns: ``at, actor, action, submission_id, version, detail``; ``actions`` and ``actor`` filter.
        """
        cols = ["event_id", "at", "actor", "action", "submission_id", "version", "detail"]
        with self._read() as con:
            if con is None:
                return pd.DataFrame(columns=cols)
            where, args = [], {}
            if actions:
                args.update({f"a{i}": a for i, a in enumerate(actions)})
                where.append(f"action IN ({', '.join(f':a{i}' for i in range(len(actions)))})")
            if actor:
                where.append("actor = :actor")
                args["actor"] = actor
            sql = (
                f"SELECT {', '.join(cols)} FROM audit {'WHERE ' + ' AND '.join(where) if where else ''} "
                "ORDER BY event_id DESC LIMIT :limit"
            )
            return _frame(con, sql, **args, limit=int(limit)).astype({"version": "Int64"})

    def account(self, username: str) -> Account:
        with self._read() as con:
            row = None if con is None else _one(con, "SELECT * FROM accounts WHERE username = :u", u=username)
        if row is None:
            raise InputError("account_unknown", user=username)
        return _account(row)

    def _audit(
        self,
        con: Connection,
        actor: str,
        action: str,
        submission_id: str | None = None,
        version: int | None = None,
        detail: str = "",
    ) -> None:
        _sql(
            con,
            "INSERT INTO audit (at, actor, action, submission_id, version, detail) "
            "VALUES (:at, :actor, :action, :submission_id, :version, :detail)",
            at=now(),
            actor=actor,
            action=action,
            submission_id=submission_id,
            version=version,
            detail=detail,
        )

    # --- ingest ---------------------------------------------------------------------------------

    def ingest(
        self,
        data: bytes,
        filename: str,
        country: str,
        account: Account,
        submission_id: str | None = None,
        kind: str | None = None,
        tolerance: float = TOTALS_TOLERANCE,
        validation: Validation | None = None,
    ) -> IngestResult:
        """Validate ``data`` whole and, if valid, store it whole as a new draft version.

        ``submission_id`` adds a version to an existing submission of the same country and kind
        (a corrected resubmission); without it a new submission is created. Raises
        ``PermissionRefused`` when ``account`` may not submit for ``country`` or its session has
        ended (``check_session``). ``validation``: the result of ``worker.validate_isolated`` for
        these very bytes (with rows), so that a web server never validates a large file itself.
        """
        country = check_country_code(country)
        auth.require_can_submit(account, country)
        self.check_session(account)
        if validation is None:
            validation = validate_submission(data, filename, country, kind, tolerance)
        else:
            check_validation_matches(validation, data, country)
        if not validation.valid:
            return IngestResult(validation)
        sha = sha256_bytes(data)
        with self._writing() as con, self._transaction(con):
            target = self._ingest_target(con, validation, sha, country, submission_id)
            if target is None:
                return IngestResult(validation)
            sub_id, seq, version = target
            self._store_version(con, validation, data, filename, sha, country, account, sub_id, seq, version)
            pause_point("before_commit")
        return IngestResult(validation, sub_id, version)

    def _ingest_target(
        self, con: Connection, validation: Validation, sha: str, country: str, submission_id: str | None
    ) -> tuple[str, int | None, int] | None:
        """``(submission_id, seq of a new submission or None, version)``; problems go to the report."""
        report, kind = validation.report, validation.kind
        dup = _one(con, "SELECT submission_id, version, submitted_at FROM versions WHERE file_sha256 = :sha", sha=sha)
        if dup:
            params = {"submission": dup["submission_id"], "version": dup["version"], "at": dup["submitted_at"]}
            report.add(Problem("file_already_stored", params=params))
            return None
        if submission_id is None:
            seq = _sql(
                con,
                "SELECT coalesce(max(seq), 0) + 1 FROM submissions WHERE country = :country AND kind = :kind",
                country=country,
                kind=kind.id,
            ).scalar()
            return f"sub_{country}_{kind.id}_{seq}", seq, 1
        row = _one(con, "SELECT country, kind FROM submissions WHERE submission_id = :s", s=submission_id)
        if row is None:
            report.add(Problem("submission_unknown", params={"submission": submission_id}))
            return None
        if (row["country"], row["kind"]) != (country, kind.id):
            report.add(
                Problem(
                    "submission_not_yours",
                    params={
                        "submission": submission_id,
                        "found": row["country"],
                        "kind": row["kind"],
                        "expected": country,
                        "expected_kind": kind.id,
                    },
                )
            )
            return None
        version = _sql(con, "SELECT max(version) + 1 FROM versions WHERE submission_id = :s", s=submission_id).scalar()
        return submission_id, None, version

    def _store_version(
        self,
        con: Connection,
        validation: Validation,
        data: bytes,
        filename: str,
        sha: str,
        country: str,
        account: Account,
        sub_id: str,
        seq: int | None,
        version: int,
    ) -> None:
        """Files to tmp/, fsync, rename into place, then the rows (the caller commits)."""
        kind, report = validation.kind, validation.report
        obs = build_observations(validation.rows, kind, sub_id)
        table = observations_table(obs)
        obs_rel = f"versions/{sub_id}_v{version}.parquet"
        file_rel = f"files/{sha}{PurePath(filename).suffix.lower()}"
        tmp_obs = self._write_temp(f"{sub_id}_v{version}.parquet", lambda p: write_parquet(table, p), self.files)
        tmp_file = self._write_temp(sha, lambda p: p.write_bytes(data), self.files)
        pause_point("after_temp_write")
        obs_sha = sha256_bytes(tmp_obs.read_bytes())
        self._replace(tmp_obs, self.files / obs_rel)
        self._replace(tmp_file, self.files / file_rel)
        pause_point("after_rename")
        at = now()
        if seq is not None:
            _sql(
                con,
                "INSERT INTO submissions (submission_id, country, kind, seq, created_at, created_by) "
                "VALUES (:s, :country, :kind, :seq, :at, :by)",
                s=sub_id,
                country=country,
                kind=kind.id,
                seq=seq,
                at=at,
                by=account.username,
            )
        row = {
            "submission_id": sub_id,
            "version": version,
            "status": "draft",
            "replaces_version": version - 1 if version > 1 else None,
            "file_name": filename,
            "file_sha256": sha,
            "file_size": len(data),
            "file_path": file_rel,
            "encoding": report.encoding,
            "delimiter": report.delimiter,
            "sheet": report.sheet,
            "observations_path": obs_rel,
            "observations_sha256": obs_sha,
            "row_count": len(obs),
            "metadata_json": json.dumps(validation.metadata, ensure_ascii=False, sort_keys=True),
            "report_json": report.to_json(),
            "submitted_by": account.username,
            "submitted_at": at,
        }
        _sql(con, f"INSERT INTO versions ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})", **row)
        detail = f"{filename} sha256={sha} rows={len(obs)}" + (f" replaces v{version - 1}" if version > 1 else "")
        self._audit(con, account.username, "ingested", sub_id, version, detail)

    # --- publish / withdraw ---------------------------------------------------------------------

    def publish(self, submission_id: str, version: int, account: Account) -> None:
        """Make a version public: commit the status, then rewrite the public files (they only grow after).

        The public files are written to ``tmp/`` whole before any replaces a public one, so a full
        disk or an I/O error leaves them as they were; the status is then rolled back to what it
        was (audited as ``publish_failed``) and ``PublishFailed`` says what happened and what to do.
        A publish KILLED after its commit is finished by the next ``recover`` (it was committed);
        the public files are never ahead of the database, so no draft is ever public.
        """
        auth.require_admin(account)
        self.check_session(account)
        with self._writing() as con:
            with self._transaction(con):
                before = self._set_status(con, submission_id, version, "published", account)
            pause_point("publish_after_commit")
            try:
                self._write_published(con, grow=True)
            except RegistryUnavailable:
                raise  # the database went away: the next open finishes the publish (it is committed)
            except OSError as err:
                self._roll_back_status(con, submission_id, version, before, account, err)
                raise PublishFailed(
                    "publish_failed",
                    submission=submission_id,
                    version=version,
                    detail=os.strerror(err.errno) if err.errno else str(err),
                ) from err

    def withdraw(self, submission_id: str, version: int, account: Account) -> None:
        """Take a version out of the public files first, then commit the status.

        A write that fails (full disk) rolls the transaction back: the version stays published and
        public, exactly as before, and ``PublishFailed`` says so.
        """
        auth.require_admin(account)
        self.check_session(account)
        with self._writing() as con:
            try:
                with self._transaction(con):
                    self._set_status(con, submission_id, version, "withdrawn", account)
                    self._write_published(con, grow=False)
                    pause_point("withdraw_before_commit")
            except RegistryUnavailable:
                raise  # rolled back with the lost connection: the next open puts the public files back
            except OSError as err:
                with self._transaction(con):
                    self._audit(con, account.username, "withdraw_failed", submission_id, version, str(err)[:200])
                raise PublishFailed(
                    "withdraw_failed",
                    submission=submission_id,
                    version=version,
                    detail=os.strerror(err.errno) if err.errno else str(err),
                ) from err

    def _roll_back_status(
        self, con: Connection, submission_id: str, version: int, before: str, account: Account, err: OSError
    ) -> None:
        """Put a version's status back after its public files could not be written, and audit it."""
        with self._transaction(con):
            self._update_status(con, submission_id, version, before, account)
            self._audit(
                con,
                account.username,
                "publish_failed",
                submission_id,
                version,
                f"published -> {before}: {str(err)[:200]}",
            )
        try:  # a file replaced before the failure (the error came late): shrink back; else nothing to do
            self._reconcile_published(con)
        except OSError as again:
            log.error("registry %s: public files not restored after a failed publish (%s)", self.path, again)

    def _set_status(self, con: Connection, submission_id: str, version: int, status: str, account: Account) -> str:
        """Set the status (audited); returns the status it had."""
        if not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
            raise VersionNotFound("version_unknown", submission=submission_id, version=version)
        row = _one(
            con, "SELECT status FROM versions WHERE submission_id = :s AND version = :v", s=submission_id, v=version
        )
        if row is None:
            raise VersionNotFound("version_unknown", submission=submission_id, version=version)
        self._update_status(con, submission_id, version, status, account)
        self._audit(con, account.username, status, submission_id, version, f"{row['status']} -> {status}")
        return row["status"]

    def _update_status(self, con: Connection, submission_id: str, version: int, status: str, account: Account) -> None:
        _sql(
            con,
            "UPDATE versions SET status = :status, status_changed_by = :by, status_changed_at = :at "
            "WHERE submission_id = :s AND version = :v",
            status=status,
            by=account.username,
            at=now(),
            s=submission_id,
            v=version,
        )

    def _published_versions(self, con: Connection) -> list[Mapping]:
        """The latest published version of every submission, in submission order."""
        return (
            _sql(
                con,
                """
            SELECT v.*, s.country, s.kind FROM versions v JOIN submissions s USING (submission_id)
            WHERE v.status = 'published' AND v.version = (
                SELECT max(version) FROM versions w WHERE w.submission_id = v.submission_id AND w.status = 'published')
            ORDER BY v.submission_id""",
            )
            .mappings()
            .all()
        )

    def _write_published(self, con: Connection, grow: bool) -> None:
        """Rewrite the public files from the database (as this connection sees it).

        Growing, ``datasets`` goes first so a number is never public without its source;
        shrinking, ``observations`` goes first so a withdrawn number disappears before its source.
        Each file records in its metadata which versions it holds (``STATE_KEY``), so a rewrite
        killed between two files is found and finished by the next ``recover``.
        """
        versions = self._published_versions(con)
        spec = load_spec()
        obs = [pq.read_table(self.files / v["observations_path"]) for v in versions]
        observations = pa.concat_tables(obs) if obs else OBSERVATION_SCHEMA.empty_table()
        datasets = pa.Table.from_pylist(
            [
                build_dataset_row(
                    dataset_id=v["submission_id"],
                    kind=spec.kind(v["kind"]),
                    country=v["country"],
                    metadata=json.loads(v["metadata_json"]),
                    version=v["version"],
                    status="published",
                    sha256=v["file_sha256"],
                    file_path=f"registry/{v['file_path']}",
                    submitted_at=v["submitted_at"],
                    row_count=v["row_count"],
                )
                for v in versions
            ],
            schema=DATASET_SCHEMA,
        )
        dimensions = pa.Table.from_pylist(
            [r for v in versions for r in build_dimension_rows(v["submission_id"], spec.kind(v["kind"]))],
            schema=DIMENSION_SCHEMA,
        )
        state = compute_published_state(versions)
        tables = dict(zip(PUBLIC_FILES, (datasets, dimensions, observations)))
        written: list[tuple[Path, str]] = []
        try:  # every file whole in tmp/ first: a full disk fails here, before any public file changes
            for name in PUBLIC_FILES if grow else PUBLIC_FILES[::-1]:
                table = tables[name].replace_schema_metadata({**(tables[name].schema.metadata or {}), STATE_KEY: state})
                written.append((self._write_temp(name, lambda p, t=table: write_parquet(t, p)), name))
        except BaseException:
            for tmp, _name in written:
                tmp.unlink(missing_ok=True)
            raise
        for i, (tmp, name) in enumerate(written):
            self._replace(tmp, self.path / "published" / name)
            if i == 0:
                pause_point("public_files_partial")

    def _public_file_states(self) -> dict[str, bytes | None]:
        """The published-versions record of each public file (``None``: missing; ``b""``: written without one)."""
        states = {}
        for name in PUBLIC_FILES:
            path = self.path / "published" / name
            states[name] = (pq.read_schema(path).metadata or {}).get(STATE_KEY, b"") if path.exists() else None
        return states

    def _reconcile_published(self, con: Connection) -> None:
        """Rewrite the public files unless each holds exactly the versions the database calls published.

        Nothing published and no public file is in order too (a registry that never published).
        The rewrite grows or shrinks the public set as a publish or a withdraw would.
        """
        expected = compute_published_state(self._published_versions(con))
        states = self._public_file_states()
        if all(s == expected for s in states.values()):
            return
        if expected == compute_published_state([]) and all(s is None for s in states.values()):
            return
        before = set(map(tuple, json.loads(states["datasets.parquet"] or b"[]")))
        after = set(map(tuple, json.loads(expected)))
        log.warning("registry %s: public files behind the database, rewriting them", self.path)
        self._write_published(con, grow=before <= after)

    # --- reading --------------------------------------------------------------------------------

    def versions(self, country: str | None = None) -> pd.DataFrame:
        """Every version (of one country, if given), newest first, with who did what and when."""
        cols = [
            "submission_id",
            "country",
            "kind",
            "version",
            "status",
            "replaces_version",
            "file_name",
            "file_sha256",
            "row_count",
            "submitted_by",
            "submitted_at",
            "status_changed_by",
            "status_changed_at",
        ]
        with self._read() as con:
            if con is None:
                return pd.DataFrame(columns=cols)
            where, args = ("WHERE s.country = :country", {"country": country}) if country else ("", {})
            frame = _frame(
                con,
                f"SELECT {', '.join(cols)} FROM versions v JOIN submissions s USING (submission_id) {where} "
                "ORDER BY v.submitted_at DESC, submission_id, version DESC",
                **args,
            )
        return frame.astype({"version": "int64", "replaces_version": "Int64", "row_count": "int64"})

    def load_version(self, submission_id: str, version: int) -> pd.DataFrame:
        """The observations of any stored version (drafts and withdrawn ones included: not for the public)."""
        row = self._version_row(submission_id, version, "observations_path")
        return pq.read_table(self.files / row["observations_path"]).to_pandas()

    def version_metadata(self, submission_id: str, version: int) -> dict[str, str]:
        """The metadata a version was submitted with (field id -> value, as read from the file)."""
        row = self._version_row(submission_id, version, "metadata_json")
        return {str(k): str(v) for k, v in json.loads(row["metadata_json"] or "{}").items()}

    def _version_row(self, submission_id: str, version: int, columns: str) -> Mapping:
        """``columns`` of one stored version, or ``VersionNotFound``."""
        row = None
        if isinstance(version, int) and 1 <= version <= MAX_VERSION:
            with self._read() as con:
                if con is not None:
                    row = _one(
                        con,
                        f"SELECT {columns} FROM versions WHERE submission_id = :s AND version = :v",
                        s=submission_id,
                        v=version,
                    )
        if row is None:
            raise VersionNotFound("version_unknown", submission=submission_id, version=version)
        return row

    def review(self, submission_id: str, version: int, sample_rows: int = 20, tolerance: float = 0.1):
        """``etl.submissions.review.Review`` of a version: metadata, sample, totals against the last published."""
        from etl.submissions.review import load_review

        return load_review(self, submission_id, version, sample_rows, tolerance)

    def audit_log(self) -> pd.DataFrame:
        with self._read() as con:
            if con is None:
                return pd.DataFrame(columns=["event_id", "at", "actor", "action", "submission_id", "version", "detail"])
            return _frame(con, "SELECT * FROM audit ORDER BY event_id")

    def published_path(self, name: str) -> Path:
        return self.path / "published" / name


def check_validation_matches(validation: Validation, data: bytes, country: str) -> None:
    """A validation handed to ``ingest`` must be of these bytes, for this country, with every row read."""
    if validation.source_sha256 is not None and validation.source_sha256 != sha256_bytes(data):
        raise ValueError("the validation passed to ingest() is of another file; validate these bytes")
    if validation.report.country != country:
        raise ValueError(f"the validation passed to ingest() is for {validation.report.country}, not {country}")
    if validation.valid and (validation.source_sha256 is None or len(validation.rows) != validation.report.rows):
        raise ValueError("the validation passed to ingest() lacks its rows: call validate_isolated(keep_rows=True)")


# --- the public side: only ever the published files --------------------------------------------


def compute_published_state(versions) -> bytes:
    """The published (submission_id, version) pairs as sorted JSON: what the public files must hold."""
    return json.dumps(sorted([v["submission_id"], v["version"]] for v in versions)).encode()


def load_published_datasets(path: str | Path | None = None) -> pd.DataFrame:
    """The ``datasets`` rows of published submissions (empty when nothing is published)."""
    return _read_published(path, "datasets.parquet", DATASET_SCHEMA)


def load_published_observations(path: str | Path | None = None) -> pd.DataFrame:
    """The observations of the latest published version of every submission."""
    return _read_published(path, "observations.parquet", OBSERVATION_SCHEMA)


def _read_published(path: str | Path | None, name: str, schema: pa.Schema) -> pd.DataFrame:
    """One public file (after recovery: opening the registry brings the public files in line)."""
    registry = Registry(path)
    registry.recover()
    file = registry.published_path(name)
    table = pq.read_table(file) if file.exists() else schema.empty_table()
    return table.to_pandas()


def build_published_csv(path: str | Path | None = None) -> bytes:
    """The published observations as a download: UTF-8 CSV with BOM, every text cell formula-safe."""
    from etl.textsafe import build_csv_bytes

    return build_csv_bytes(load_public_state(path).observations)


@dataclass(frozen=True)
class PublicState:
    """What the public pages may show of the submissions, and a notice when it may be stale."""

    datasets: pd.DataFrame
    observations: pd.DataFrame
    notice: MessageError | None = None  # ``registry_unreadable``: show ``notice.message(lang)`` / ``.fix(lang)``


def load_public_state(path: str | Path | None = None) -> PublicState:
    """The last good published state, never an exception: for every public page.

    Recovery runs first (a killed publish is finished); when the registry cannot be read or
    written (full disk, permissions, a damaged database), the public files are read as they are
    (they never hold more than the database calls published) with a ``registry_unreadable``
    notice; a public file that cannot be read counts as empty, with the same notice.
    """
    registry = Registry(path)
    notice = None
    try:
        registry.recover()
    except REGISTRY_ERRORS as err:  # recover() already catches these; belt and braces for the pages
        registry.last_error = err
    if registry.last_error is not None:
        notice = MessageError("registry_unreadable", detail=_error_detail(registry.last_error))
    frames = {}
    for name, schema in (("datasets.parquet", DATASET_SCHEMA), ("observations.parquet", OBSERVATION_SCHEMA)):
        file = registry.published_path(name)
        try:
            frames[name] = (pq.read_table(file) if file.exists() else schema.empty_table()).to_pandas()
        except (OSError, pa.ArrowException) as err:
            log.error("public file %s unreadable (%s)", file, err)
            frames[name] = schema.empty_table().to_pandas()
            notice = notice or MessageError("registry_unreadable", detail=_error_detail(err))
    return PublicState(frames["datasets.parquet"], frames["observations.parquet"], notice)


def check_registry(path: str | Path | None = None) -> MessageError | None:
    """``None`` when the registry opens and recovers, else the ``registry_unreadable`` notice (never raises).

    What ``atlas/data.py:refresh_if_data_changed`` should call instead of ``Registry.recover``.
    """
    registry = Registry(path)
    registry.recover()
    if registry.last_error is None:
        return None
    return MessageError("registry_unreadable", detail=_error_detail(registry.last_error))


def _error_detail(err: BaseException) -> str:
    if isinstance(err, RegistryUnavailable):
        return str(err.params.get("detail") or err.code)
    if isinstance(err, OSError) and err.errno:
        return os.strerror(err.errno)
    return type(err).__name__
