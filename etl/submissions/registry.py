"""The submission registry: accounts, submissions, versions, statuses, checksums, audit.

Layout (docs/STORE.md), under ``etl.store.registry_dir()`` (``$ATLAS_REGISTRY``, else ``data/registry``)::

    registry.sqlite                          accounts, submissions, versions, audit (SQLite, WAL)
    files/<sha256>.<ext>                     each original upload, named by its checksum
    versions/<submission_id>_v<N>.parquet    the observations of one version (immutable)
    published/observations.parquet           latest *published* version of every submission
    published/datasets.parquet               their ``datasets`` rows
    published/dataset_dimensions.parquet     what their dim_N columns hold
    tmp/                                     work files; swept whenever the registry is opened

Integrity. One writer at a time (an exclusive ``flock`` on ``.lock``, released by the kernel if
the process dies). An ingest validates the whole file first, then writes the version parquet and
the original to ``tmp/``, fsyncs, renames them into place and inserts every row in ONE SQLite
transaction: until that commit nothing is visible. The public files only ever shrink before the
database says so (withdraw: rewrite, then commit) and only grow after it (publish: commit, then
rewrite), so they never show what the database does not call published.

Recovery on open. ``registry.sqlite`` is the truth. Whenever the registry is opened (every read
and every write, see ``recover``), the work files and the orphans of a killed ingest are swept,
and the public files are rewritten if they do not hold exactly the versions the database calls
published (each public file records that set in its Parquet metadata). So a killed ingest leaves
the directory as it was, a publish killed after its commit becomes public, and a withdraw killed
before its commit is rolled back (the version stays published and public), all at the next open
rather than at the next write. A read skips recovery while a write holds the lock: that writer
recovers first, and the files it is writing are not orphans.
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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

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
SCHEMA_VERSION = "2"
# Columns added to ``accounts`` by schema version 2 (sign-in limits, sessions): ALTERed into older registries.
ACCOUNT_COLUMNS_V2 = (("password_version", "INTEGER NOT NULL DEFAULT 1"), ("locked", "INTEGER NOT NULL DEFAULT 0"))
# Versions are SQLite integers; anything past this is no version (and would overflow SQLite's INTEGER).
MAX_VERSION = 2**31 - 1
DIR_MODE, FILE_MODE = 0o700, 0o600
# Errors that make the registry unreadable or unwritable; public pages keep the last good public files.
REGISTRY_ERRORS = (OSError, sqlite3.Error)
# Test hook: the named point makes a write pause (touching $ATLAS_TEST_PAUSE_FILE) so a test can
# SIGKILL the process there and check that nothing half-written is visible.
PAUSE_ENV, PAUSE_FILE_ENV = "ATLAS_TEST_PAUSE_AT", "ATLAS_TEST_PAUSE_FILE"
PUBLIC_FILES = ("datasets.parquet", "dataset_dimensions.parquet", "observations.parquet")  # order when growing
# Parquet metadata key of every public file: the published (submission_id, version) pairs it was written for.
STATE_KEY = b"atlas_published_versions"
# A registry this process may read but not write (read-only mount, other owner): reads go on, unrecovered.
READ_ONLY_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS)
log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('focal_point', 'regional_admin')),
    country       TEXT,
    full_name     TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    CHECK ((role = 'focal_point') = (country IS NOT NULL))
);
CREATE TABLE IF NOT EXISTS submissions (
    submission_id TEXT PRIMARY KEY,
    country       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL REFERENCES accounts (username),
    UNIQUE (country, kind, seq)
);
CREATE TABLE IF NOT EXISTS versions (
    submission_id       TEXT NOT NULL REFERENCES submissions (submission_id),
    version             INTEGER NOT NULL CHECK (version >= 1),
    status              TEXT NOT NULL CHECK (status IN ('draft', 'published', 'withdrawn')),
    replaces_version    INTEGER,
    file_name           TEXT NOT NULL,
    file_sha256         TEXT NOT NULL UNIQUE,
    file_size           INTEGER NOT NULL,
    file_path           TEXT NOT NULL,
    encoding            TEXT,
    delimiter           TEXT,
    sheet               TEXT,
    observations_path   TEXT NOT NULL,
    observations_sha256 TEXT NOT NULL,
    row_count           INTEGER NOT NULL,
    metadata_json       TEXT NOT NULL,
    report_json         TEXT NOT NULL,
    submitted_by        TEXT NOT NULL REFERENCES accounts (username),
    submitted_at        TEXT NOT NULL,
    status_changed_by   TEXT,
    status_changed_at   TEXT,
    PRIMARY KEY (submission_id, version)
);
CREATE TABLE IF NOT EXISTS sign_in_failures (
    scope           TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    key             TEXT NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0,
    last_failure_at TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE IF NOT EXISTS audit (
    event_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    submission_id TEXT,
    version       INTEGER,
    detail        TEXT NOT NULL DEFAULT ''
);
"""


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


def migrate_schema(con: sqlite3.Connection) -> None:
    """Bring a registry made by an older version up to ``SCHEMA_VERSION`` (idempotent, in one transaction)."""
    have = {r[1] for r in con.execute("PRAGMA table_info(accounts)")}
    con.execute("BEGIN IMMEDIATE")
    try:
        for column, decl in ACCOUNT_COLUMNS_V2:
            if column not in have:
                con.execute(f"ALTER TABLE accounts ADD COLUMN {column} {decl}")
        con.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version' AND CAST(value AS INTEGER) < ?",
            (SCHEMA_VERSION, int(SCHEMA_VERSION)),
        )
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


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
    """Test hook (``ATLAS_TEST_PAUSE_AT=name``): signal the test, then wait to be killed."""
    if os.environ.get(PAUSE_ENV) != name:
        return
    Path(os.environ[PAUSE_FILE_ENV]).write_text(name)
    while True:
        time.sleep(1)


def _account(row: sqlite3.Row) -> Account:
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


class Registry:
    """The registry in one directory. Reading never creates anything; writing creates what it needs."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else registry_dir()
        self.db = self.path / "registry.sqlite"
        self.last_error: Exception | None = None  # why the last ``recover`` could not run (for a notice)

    # --- plumbing -------------------------------------------------------------------------------

    @property
    def exists(self) -> bool:
        return self.db.exists()

    def init(self) -> None:
        """Create the directories (owner-only, 0o700) and tables (idempotent), migrating an older schema.

        The database is created owner-only (0o600) before SQLite opens it; SQLite gives its WAL and
        shared-memory files the database file's permissions.
        """
        self.path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        _owner_only(self.path, DIR_MODE)
        for sub in ("files", "versions", "published", "tmp"):
            (self.path / sub).mkdir(exist_ok=True, mode=DIR_MODE)
            _owner_only(self.path / sub, DIR_MODE)
        if not self.db.exists():
            os.close(os.open(self.db, os.O_CREAT | os.O_WRONLY, FILE_MODE))
        _owner_only(self.db, FILE_MODE)
        with contextlib.closing(self._connect()) as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)
            con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', '1')")
            migrate_schema(con)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.db, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA busy_timeout=30000")
        return con

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection | None]:
        """A connection for reading (after recovery), or ``None`` when the registry does not exist yet."""
        if not self.exists:
            yield None
            return
        self.recover()
        con = self._connect()
        try:
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def _lock(self, wait: bool) -> Iterator[bool]:
        """The exclusive registry lock; yields ``False`` when ``wait`` is off and a writer holds it."""
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
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """The registry's single writer: file lock, then recovery (swept orphans, public files checked)."""
        self.init()
        with self._lock(wait=True):
            con = self._connect()
            try:
                self._recover_locked(con)
                yield con
            finally:
                con.close()

    def recover(self) -> bool:
        """Undo what a killed write left behind, unless a write is under way; whether recovery ran.

        Sweeps ``tmp/`` and the version and original files no version row names (a killed
        ingest), and rewrites the public files when they differ from what the database calls
        published (a killed publish or withdraw). Called on every open; safe to call any time.
        A registry this process cannot write is read as it is (logged), never refused.
        """
        if not self.exists:
            return False
        try:
            with self._lock(wait=False) as held:
                if not held:
                    return False
                with contextlib.closing(self._connect()) as con:
                    self._recover_locked(con)
        except OSError as err:
            if err.errno in READ_ONLY_ERRNOS:
                log.warning("registry %s is read-only here (%s): not recovered", self.path, err)
            else:  # a full disk, an I/O error: the public files stay as they are (never ahead of the database)
                log.error("registry %s could not be recovered (%s): public files left as they are", self.path, err)
                self.last_error = err
            return False
        except sqlite3.Error as err:
            log.error("registry %s database unreadable (%s): public files left as they are", self.path, err)
            self.last_error = err
            return False
        return True

    def _recover_locked(self, con: sqlite3.Connection) -> None:
        """Sweep and reconcile (called with the lock held)."""
        self._sweep(con)
        self._reconcile_published(con)

    @contextlib.contextmanager
    def _transaction(self, con: sqlite3.Connection) -> Iterator[None]:
        con.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def _tmp_path(self, name: str) -> Path:
        return self.path / "tmp" / f"{name}.{os.getpid()}.tmp"

    def _write_temp(self, name: str, write) -> Path:
        """Write a file under tmp/ with ``write(path)`` and fsync it."""
        tmp = self._tmp_path(name)
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

    def _sweep(self, con: sqlite3.Connection) -> None:
        """Remove work files and the orphans of killed writes (called with the lock held)."""
        work = self.path / "tmp"
        for leftover in work.iterdir() if work.is_dir() else ():
            leftover.unlink()
        kept = {
            r[0] for r in con.execute("SELECT observations_path FROM versions UNION SELECT file_path FROM versions")
        }
        for sub in ("versions", "files"):
            folder = self.path / sub
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
            if con.execute("SELECT 1 FROM accounts WHERE username = ?", (username,)).fetchone():
                raise InputError("account_exists", user=username)
            con.execute(
                "INSERT INTO accounts (username, password_hash, role, country, full_name, email, active, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                (username, auth.hash_password(password), role, country or None, full_name, email, now()),
            )
            self._audit(con, actor, "account_added", detail=f"{username} {role} {country or ''}".strip())
        return Account(username, role, country or None, full_name, email)

    def set_password(self, username: str, password: str, actor: str = "cli") -> None:
        auth.check_password(password, username)
        with self._writing() as con, self._transaction(con):
            cur = con.execute(
                "UPDATE accounts SET password_hash = ?, password_version = password_version + 1 WHERE username = ?",
                (auth.hash_password(password), username),
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
            return pd.read_sql_query(f"SELECT {', '.join(cols)} FROM accounts ORDER BY username", con)

    def account_count(self) -> int:
        with self._read() as con:
            return 0 if con is None else con.execute("SELECT count(*) FROM accounts").fetchone()[0]

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
            row = con.execute("SELECT * FROM accounts WHERE username = ?", (username,)).fetchone()
        good = auth.verify_password(row["password_hash"] if row is not None else _dummy_hash(), password)
        account = _account(row) if row is not None else None
        return account if good and account is not None and account.active and not account.locked else None

    def _sign_in(self, username: str, password: str, address: str | None, moment: float) -> SignIn:
        with self._writing() as con, self._transaction(con):
            wait = self._wait(con, "account", username, moment)
            if address:
                wait = max(wait, self._wait(con, "address", address, moment))
            row = con.execute("SELECT * FROM accounts WHERE username = ?", (username,)).fetchone()
            if row is not None and row["locked"]:
                self._audit(con, username, "sign_in_refused", detail=f"locked; address={address}")
                return SignIn(None, "account_locked")
            if wait > 0:
                self._audit(con, username, "sign_in_refused", detail=f"wait {wait}s; address={address}")
                return SignIn(None, "sign_in_wait", wait)
            good = auth.verify_password(row["password_hash"] if row is not None else _dummy_hash(), password)
            if good and row is not None and row["active"]:
                con.execute(
                    "DELETE FROM sign_in_failures WHERE (scope = 'account' AND key = ?) "
                    "OR (scope = 'address' AND key = ?)",
                    (username, address or ""),
                )
                self._audit(con, username, "signed_in", detail=f"address={address}")
                return SignIn(_account(row))
            failures = self._count_failure(con, "account", username, moment)
            if address:
                self._count_failure(con, "address", address, moment)
            self._audit(con, username, "sign_in_failed", detail=f"address={address}; failures={failures}")
            if row is not None and failures >= auth.LOCK_AFTER:
                con.execute("UPDATE accounts SET locked = 1 WHERE username = ?", (username,))
                self._audit(con, "system", "account_locked", detail=f"{username} after {failures} failed sign-ins")
                return SignIn(None, "account_locked")
            return SignIn(None, "sign_in_failed", round(auth.backoff_seconds(failures)))

    def _wait(self, con: sqlite3.Connection, scope: str, key: str, moment: float) -> int:
        row = con.execute(
            "SELECT failures, last_failure_at FROM sign_in_failures WHERE scope = ? AND key = ?", (scope, key)
        ).fetchone()
        if row is None:
            return 0
        last = dt.datetime.fromisoformat(row["last_failure_at"]).timestamp()
        return max(round(last + auth.backoff_seconds(row["failures"]) - moment), 0)

    def _count_failure(self, con: sqlite3.Connection, scope: str, key: str, moment: float) -> int:
        stamp = dt.datetime.fromtimestamp(moment, dt.UTC).isoformat(timespec="microseconds")
        con.execute(
            "INSERT INTO sign_in_failures VALUES (?, ?, 1, ?) ON CONFLICT (scope, key) DO UPDATE SET "
            "failures = failures + 1, last_failure_at = excluded.last_failure_at",
            (scope, key, stamp),
        )
        return con.execute(
            "SELECT failures FROM sign_in_failures WHERE scope = ? AND key = ?", (scope, key)
        ).fetchone()[0]

    def unlock(self, username: str, actor: str = "cli") -> None:
        """Lift an account's lockout and forget its failed sign-ins (an administrator's action, audited)."""
        with self._writing() as con, self._transaction(con):
            cur = con.execute("UPDATE accounts SET locked = 0 WHERE username = ?", (username,))
            if cur.rowcount == 0:
                raise InputError("account_unknown", user=username)
            con.execute("DELETE FROM sign_in_failures WHERE scope = 'account' AND key = ?", (username,))
            self._audit(con, actor, "account_unlocked", detail=username)

    def set_active(self, username: str, active: bool, actor: str = "cli") -> None:
        """Deactivate (or reactivate) an account; a deactivated account's sessions end at their next action."""
        with self._writing() as con, self._transaction(con):
            cur = con.execute("UPDATE accounts SET active = ? WHERE username = ?", (int(active), username))
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
            row = (
                None
                if con is None
                else con.execute("SELECT * FROM accounts WHERE username = ?", (account.username,)).fetchone()
            )
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
            where, args = [], []
            if actions:
                where.append(f"action IN ({', '.join('?' * len(actions))})")
                args += list(actions)
            if actor:
                where.append("actor = ?")
                args.append(actor)
            sql = (
                f"SELECT {', '.join(cols)} FROM audit {'WHERE ' + ' AND '.join(where) if where else ''} "
                "ORDER BY event_id DESC LIMIT ?"
            )
            return pd.read_sql_query(sql, con, params=[*args, int(limit)]).astype({"version": "Int64"})

    def account(self, username: str) -> Account:
        with self._read() as con:
            row = (
                None
                if con is None
                else con.execute("SELECT * FROM accounts WHERE username = ?", (username,)).fetchone()
            )
        if row is None:
            raise InputError("account_unknown", user=username)
        return _account(row)

    def _audit(
        self,
        con: sqlite3.Connection,
        actor: str,
        action: str,
        submission_id: str | None = None,
        version: int | None = None,
        detail: str = "",
    ) -> None:
        con.execute(
            "INSERT INTO audit (at, actor, action, submission_id, version, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (now(), actor, action, submission_id, version, detail),
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
        self, con: sqlite3.Connection, validation: Validation, sha: str, country: str, submission_id: str | None
    ) -> tuple[str, int | None, int] | None:
        """``(submission_id, seq of a new submission or None, version)``; problems go to the report."""
        report, kind = validation.report, validation.kind
        dup = con.execute(
            "SELECT submission_id, version, submitted_at FROM versions WHERE file_sha256 = ?", (sha,)
        ).fetchone()
        if dup:
            report.add(Problem("file_already_stored", params={"submission": dup[0], "version": dup[1], "at": dup[2]}))
            return None
        if submission_id is None:
            seq = con.execute(
                "SELECT coalesce(max(seq), 0) + 1 FROM submissions WHERE country = ? AND kind = ?", (country, kind.id)
            ).fetchone()[0]
            return f"sub_{country}_{kind.id}_{seq}", seq, 1
        row = con.execute("SELECT country, kind FROM submissions WHERE submission_id = ?", (submission_id,)).fetchone()
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
        version = con.execute(
            "SELECT max(version) + 1 FROM versions WHERE submission_id = ?", (submission_id,)
        ).fetchone()[0]
        return submission_id, None, version

    def _store_version(
        self,
        con: sqlite3.Connection,
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
        tmp_obs = self._write_temp(f"{sub_id}_v{version}.parquet", lambda p: write_parquet(table, p))
        tmp_file = self._write_temp(sha, lambda p: p.write_bytes(data))
        pause_point("after_temp_write")
        obs_sha = sha256_bytes(tmp_obs.read_bytes())
        self._replace(tmp_obs, self.path / obs_rel)
        self._replace(tmp_file, self.path / file_rel)
        pause_point("after_rename")
        at = now()
        if seq is not None:
            con.execute(
                "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?)",
                (sub_id, country, kind.id, seq, at, account.username),
            )
        con.execute(
            "INSERT INTO versions VALUES (?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            (
                sub_id,
                version,
                version - 1 if version > 1 else None,
                filename,
                sha,
                len(data),
                file_rel,
                report.encoding,
                report.delimiter,
                report.sheet,
                obs_rel,
                obs_sha,
                len(obs),
                json.dumps(validation.metadata, ensure_ascii=False, sort_keys=True),
                report.to_json(),
                account.username,
                at,
            ),
        )
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
        self, con: sqlite3.Connection, submission_id: str, version: int, before: str, account: Account, err: OSError
    ) -> None:
        """Put a version's status back after its public files could not be written, and audit it."""
        with self._transaction(con):
            con.execute(
                "UPDATE versions SET status = ?, status_changed_by = ?, status_changed_at = ? "
                "WHERE submission_id = ? AND version = ?",
                (before, account.username, now(), submission_id, version),
            )
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

    def _set_status(
        self, con: sqlite3.Connection, submission_id: str, version: int, status: str, account: Account
    ) -> str:
        """Set the status (audited); returns the status it had."""
        if not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
            raise VersionNotFound("version_unknown", submission=submission_id, version=version)
        row = con.execute(
            "SELECT status FROM versions WHERE submission_id = ? AND version = ?", (submission_id, version)
        ).fetchone()
        if row is None:
            raise VersionNotFound("version_unknown", submission=submission_id, version=version)
        con.execute(
            "UPDATE versions SET status = ?, status_changed_by = ?, status_changed_at = ? "
            "WHERE submission_id = ? AND version = ?",
            (status, account.username, now(), submission_id, version),
        )
        self._audit(con, account.username, status, submission_id, version, f"{row['status']} -> {status}")
        return row["status"]

    def _published_versions(self, con: sqlite3.Connection) -> list[sqlite3.Row]:
        """The latest published version of every submission, in submission order."""
        return con.execute("""
            SELECT v.*, s.country, s.kind FROM versions v JOIN submissions s USING (submission_id)
            WHERE v.status = 'published' AND v.version = (
                SELECT max(version) FROM versions w WHERE w.submission_id = v.submission_id AND w.status = 'published')
            ORDER BY v.submission_id""").fetchall()

    def _write_published(self, con: sqlite3.Connection, grow: bool) -> None:
        """Rewrite the public files from the database (as this connection sees it).

        Growing, ``datasets`` goes first so a number is never public without its source;
        shrinking, ``observations`` goes first so a withdrawn number disappears before its source.
        Each file records in its metadata which versions it holds (``STATE_KEY``), so a rewrite
        killed between two files is found and finished by the next ``recover``.
        """
        versions = self._published_versions(con)
        spec = load_spec()
        obs = [pq.read_table(self.path / v["observations_path"]) for v in versions]
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

    def _reconcile_published(self, con: sqlite3.Connection) -> None:
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
            where, args = ("WHERE s.country = ?", (country,)) if country else ("", ())
            frame = pd.read_sql_query(
                f"SELECT {', '.join(cols)} FROM versions v JOIN submissions s USING (submission_id) {where} "
                "ORDER BY v.submitted_at DESC, submission_id, version DESC",
                con,
                params=args,
            )
        return frame.astype({"version": "int64", "replaces_version": "Int64", "row_count": "int64"})

    def load_version(self, submission_id: str, version: int) -> pd.DataFrame:
        """The observations of any stored version (drafts and withdrawn ones included: not for the public)."""
        with self._read() as con:
            row = (
                None
                if con is None
                else con.execute(
                    "SELECT observations_path FROM versions WHERE submission_id = ? AND version = ?",
                    (submission_id, version),
                ).fetchone()
            )
        if row is None:
            raise VersionNotFound("version_unknown", submission=submission_id, version=version)
        return pq.read_table(self.path / row[0]).to_pandas()

    def version_metadata(self, submission_id: str, version: int) -> dict[str, str]:
        """The metadata a version was submitted with (field id -> value, as read from the file)."""
        with self._read() as con:
            row = (
                None
                if con is None
                else con.execute(
                    "SELECT metadata_json FROM versions WHERE submission_id = ? AND version = ?",
                    (submission_id, version),
                ).fetchone()
            )
        if row is None:
            raise VersionNotFound("version_unknown", submission=submission_id, version=version)
        return {str(k): str(v) for k, v in json.loads(row[0] or "{}").items()}

    def review(self, submission_id: str, version: int, sample_rows: int = 20, tolerance: float = 0.1):
        """``etl.submissions.review.Review`` of a version: metadata, sample, totals against the last published."""
        from etl.submissions.review import load_review

        return load_review(self, submission_id, version, sample_rows, tolerance)

    def audit_log(self) -> pd.DataFrame:
        with self._read() as con:
            if con is None:
                return pd.DataFrame(columns=["event_id", "at", "actor", "action", "submission_id", "version", "detail"])
            return pd.read_sql_query("SELECT * FROM audit ORDER BY event_id", con)

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
    if isinstance(err, OSError) and err.errno:
        return os.strerror(err.errno)
    return type(err).__name__
