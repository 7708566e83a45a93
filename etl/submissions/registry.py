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
from etl.submissions.auth import Account
from etl.submissions.observations import (
    DATASET_SCHEMA, DIMENSION_SCHEMA, OBSERVATION_SCHEMA, build_dataset_row, build_dimension_rows,
    build_observations, observations_table,
)
from etl.submissions.report import InputError, MessageError, Problem
from etl.submissions.spec import load_spec
from etl.submissions.validate import TOTALS_TOLERANCE, Validation, check_country_code, validate_submission

STATUSES = ("draft", "published", "withdrawn")
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
    return Account(row["username"], row["role"], row["country"], row["full_name"], row["email"], bool(row["active"]))


class VersionNotFound(MessageError, LookupError):
    """A submission version that the registry does not hold."""


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

    # --- plumbing -------------------------------------------------------------------------------

    @property
    def exists(self) -> bool:
        return self.db.exists()

    def init(self) -> None:
        """Create the directories and tables (idempotent)."""
        for sub in ("files", "versions", "published", "tmp"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        with contextlib.closing(self._connect()) as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)
            con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', '1')")

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
        with open(self.path / ".lock", "a+") as lock:
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
            if err.errno not in READ_ONLY_ERRNOS:
                raise
            log.warning("registry %s is read-only here (%s): not recovered", self.path, err)
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
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        return tmp

    def _replace(self, tmp: Path, final: Path) -> None:
        os.replace(tmp, final)
        _fsync_dir(final.parent)

    def _sweep(self, con: sqlite3.Connection) -> None:
        """Remove work files and the orphans of killed writes (called with the lock held)."""
        work = self.path / "tmp"
        for leftover in (work.iterdir() if work.is_dir() else ()):
            leftover.unlink()
        kept = {r[0] for r in con.execute(
            "SELECT observations_path FROM versions UNION SELECT file_path FROM versions")}
        for sub in ("versions", "files"):
            folder = self.path / sub
            for f in (folder.iterdir() if folder.is_dir() else ()):
                if f"{sub}/{f.name}" not in kept:
                    f.unlink()

    # --- accounts -------------------------------------------------------------------------------

    def add_account(self, username: str, password: str, role: str, country: str | None = None,
                    full_name: str = "", email: str = "", actor: str = "cli") -> Account:
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
            con.execute("INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                        (username, auth.hash_password(password), role, country or None, full_name, email, now()))
            self._audit(con, actor, "account_added", detail=f"{username} {role} {country or ''}".strip())
        return Account(username, role, country or None, full_name, email)

    def set_password(self, username: str, password: str, actor: str = "cli") -> None:
        auth.check_password(password, username)
        with self._writing() as con, self._transaction(con):
            cur = con.execute("UPDATE accounts SET password_hash = ? WHERE username = ?",
                              (auth.hash_password(password), username))
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

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account when the password matches (and the account is active), else ``None``."""
        with self._read() as con:
            row = None if con is None else con.execute(
                "SELECT * FROM accounts WHERE username = ?", (username.strip(),)).fetchone()
        if row is None:
            auth.verify_password(_dummy_hash(), password)  # same work whether or not the user exists
            return None
        if not auth.verify_password(row["password_hash"], password) or not row["active"]:
            return None
        return _account(row)

    def account(self, username: str) -> Account:
        with self._read() as con:
            row = None if con is None else con.execute("SELECT * FROM accounts WHERE username = ?",
                                                       (username,)).fetchone()
        if row is None:
            raise InputError("account_unknown", user=username)
        return _account(row)

    def _audit(self, con: sqlite3.Connection, actor: str, action: str, submission_id: str | None = None,
               version: int | None = None, detail: str = "") -> None:
        con.execute("INSERT INTO audit (at, actor, action, submission_id, version, detail) VALUES (?, ?, ?, ?, ?, ?)",
                    (now(), actor, action, submission_id, version, detail))

    # --- ingest ---------------------------------------------------------------------------------

    def ingest(self, data: bytes, filename: str, country: str, account: Account, submission_id: str | None = None,
               kind: str | None = None, tolerance: float = TOTALS_TOLERANCE) -> IngestResult:
        """Validate ``data`` whole and, if valid, store it whole as a new draft version.

        ``submission_id`` adds a version to an existing submission of the same country and kind
        (a corrected resubmission); without it a new submission is created. Raises
        ``PermissionRefused`` when ``account`` may not submit for ``country``.
        """
        country = check_country_code(country)
        auth.require_can_submit(account, country)
        validation = validate_submission(data, filename, country, kind, tolerance)
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

    def _ingest_target(self, con: sqlite3.Connection, validation: Validation, sha: str, country: str,
                       submission_id: str | None) -> tuple[str, int | None, int] | None:
        """``(submission_id, seq of a new submission or None, version)``; problems go to the report."""
        report, kind = validation.report, validation.kind
        dup = con.execute("SELECT submission_id, version, submitted_at FROM versions WHERE file_sha256 = ?",
                          (sha,)).fetchone()
        if dup:
            report.add(Problem("file_already_stored", params={"submission": dup[0], "version": dup[1], "at": dup[2]}))
            return None
        if submission_id is None:
            seq = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM submissions WHERE country = ? AND kind = ?",
                              (country, kind.id)).fetchone()[0]
            return f"sub_{country}_{kind.id}_{seq}", seq, 1
        row = con.execute("SELECT country, kind FROM submissions WHERE submission_id = ?", (submission_id,)).fetchone()
        if row is None:
            report.add(Problem("submission_unknown", params={"submission": submission_id}))
            return None
        if (row["country"], row["kind"]) != (country, kind.id):
            report.add(Problem("submission_not_yours", params={
                "submission": submission_id, "found": row["country"], "kind": row["kind"],
                "expected": country, "expected_kind": kind.id}))
            return None
        version = con.execute("SELECT max(version) + 1 FROM versions WHERE submission_id = ?",
                              (submission_id,)).fetchone()[0]
        return submission_id, None, version

    def _store_version(self, con: sqlite3.Connection, validation: Validation, data: bytes, filename: str, sha: str,
                       country: str, account: Account, sub_id: str, seq: int | None, version: int) -> None:
        """Files to tmp/, fsync, rename into place, then the rows (the caller commits)."""
        kind, report = validation.kind, validation.report
        obs = build_observations(validation.rows, kind, sub_id)
        table = observations_table(obs)
        obs_rel = f"versions/{sub_id}_v{version}.parquet"
        file_rel = f"files/{sha}{PurePath(filename).suffix.lower()}"
        tmp_obs = self._write_temp(f"{sub_id}_v{version}.parquet",
                                   lambda p: pq.write_table(table, p, compression="zstd"))
        tmp_file = self._write_temp(sha, lambda p: p.write_bytes(data))
        pause_point("after_temp_write")
        obs_sha = sha256_bytes(tmp_obs.read_bytes())
        self._replace(tmp_obs, self.path / obs_rel)
        self._replace(tmp_file, self.path / file_rel)
        pause_point("after_rename")
        at = now()
        if seq is not None:
            con.execute("INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?)",
                        (sub_id, country, kind.id, seq, at, account.username))
        con.execute(
            "INSERT INTO versions VALUES (?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            (sub_id, version, version - 1 if version > 1 else None, filename, sha, len(data), file_rel,
             report.encoding, report.delimiter, report.sheet, obs_rel, obs_sha, len(obs),
             json.dumps(validation.metadata, ensure_ascii=False, sort_keys=True), report.to_json(),
             account.username, at))
        detail = f"{filename} sha256={sha} rows={len(obs)}" + (f" replaces v{version - 1}" if version > 1 else "")
        self._audit(con, account.username, "ingested", sub_id, version, detail)

    # --- publish / withdraw ---------------------------------------------------------------------

    def publish(self, submission_id: str, version: int, account: Account) -> None:
        """Make a version public: commit the status, then rewrite the public files (they only grow after)."""
        auth.require_admin(account)
        with self._writing() as con:
            with self._transaction(con):
                self._set_status(con, submission_id, version, "published", account)
            pause_point("publish_after_commit")
            self._write_published(con, grow=True)

    def withdraw(self, submission_id: str, version: int, account: Account) -> None:
        """Take a version out of the public files first, then commit the status."""
        auth.require_admin(account)
        with self._writing() as con, self._transaction(con):
            self._set_status(con, submission_id, version, "withdrawn", account)
            self._write_published(con, grow=False)
            pause_point("withdraw_before_commit")

    def _set_status(self, con: sqlite3.Connection, submission_id: str, version: int, status: str,
                    account: Account) -> None:
        row = con.execute("SELECT status FROM versions WHERE submission_id = ? AND version = ?",
                          (submission_id, version)).fetchone()
        if row is None:
            raise VersionNotFound("version_unknown", submission=submission_id, version=version)
        con.execute("UPDATE versions SET status = ?, status_changed_by = ?, status_changed_at = ? "
                    "WHERE submission_id = ? AND version = ?",
                    (status, account.username, now(), submission_id, version))
        self._audit(con, account.username, status, submission_id, version, f"{row['status']} -> {status}")

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
        datasets = pa.Table.from_pylist([build_dataset_row(
            dataset_id=v["submission_id"], kind=spec.kind(v["kind"]), country=v["country"],
            metadata=json.loads(v["metadata_json"]), version=v["version"], status="published",
            sha256=v["file_sha256"], file_path=f"registry/{v['file_path']}", submitted_at=v["submitted_at"],
            row_count=v["row_count"]) for v in versions], schema=DATASET_SCHEMA)
        dimensions = pa.Table.from_pylist([r for v in versions for r in build_dimension_rows(
            v["submission_id"], spec.kind(v["kind"]))], schema=DIMENSION_SCHEMA)
        state = compute_published_state(versions)
        tables = dict(zip(PUBLIC_FILES, (datasets, dimensions, observations)))
        for i, name in enumerate(PUBLIC_FILES if grow else PUBLIC_FILES[::-1]):
            table = tables[name].replace_schema_metadata({**(tables[name].schema.metadata or {}), STATE_KEY: state})
            tmp = self._write_temp(name, lambda p, t=table: pq.write_table(t, p, compression="zstd"))
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
        cols = ["submission_id", "country", "kind", "version", "status", "replaces_version", "file_name",
                "file_sha256", "row_count", "submitted_by", "submitted_at", "status_changed_by", "status_changed_at"]
        with self._read() as con:
            if con is None:
                return pd.DataFrame(columns=cols)
            where, args = ("WHERE s.country = ?", (country,)) if country else ("", ())
            frame = pd.read_sql_query(
                f"SELECT {', '.join(cols)} FROM versions v JOIN submissions s USING (submission_id) {where} "
                "ORDER BY v.submitted_at DESC, submission_id, version DESC", con, params=args)
        return frame.astype({"version": "int64", "replaces_version": "Int64", "row_count": "int64"})

    def load_version(self, submission_id: str, version: int) -> pd.DataFrame:
        """The observations of any stored version (drafts and withdrawn ones included: not for the public)."""
        with self._read() as con:
            row = None if con is None else con.execute(
                "SELECT observations_path FROM versions WHERE submission_id = ? AND version = ?",
                (submission_id, version)).fetchone()
        if row is None:
            raise VersionNotFound("version_unknown", submission=submission_id, version=version)
        return pq.read_table(self.path / row[0]).to_pandas()

    def audit_log(self) -> pd.DataFrame:
        with self._read() as con:
            if con is None:
                return pd.DataFrame(columns=["event_id", "at", "actor", "action", "submission_id", "version", "detail"])
            return pd.read_sql_query("SELECT * FROM audit ORDER BY event_id", con)

    def published_path(self, name: str) -> Path:
        return self.path / "published" / name


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
