"""The registry's two database back ends: Alembic migrations, registries made before Alembic, the writer
lock on PostgreSQL, a PostgreSQL restarted during an ingest or down under the public pages, and the
shared files directory (``$ATLAS_REGISTRY_FILES``) of several servers."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl.submissions import auth
from etl.submissions.registry import (
    FILES_ENV,
    PAUSE_ENV,
    PAUSE_FILE_ENV,
    RESUME_ENV,
    SCHEMA_HEAD,
    URL_ENV,
    Registry,
    RegistryUnavailable,
    alembic_config,
    check_registry,
    head_revision,
    load_public_state,
    schema_revision,
)
from tests.registry_backends import dump, query

ROOT = Path(__file__).resolve().parents[2]
VALID = ROOT / "tests" / "fixtures" / "submissions" / "valid"
V1 = VALID / "gtm_returns_igm_2020_2023_es.csv"  # 560 rows
V2 = VALID / "gtm_returns_igm_en.xlsx"  # 1101 rows
PASSWORD = "correct horse battery staple"
POSTGRES_ONLY = pytest.mark.parametrize("registry_backend", ["postgresql"], indirect=True)
SQLITE_ONLY = pytest.mark.parametrize("registry_backend", ["sqlite"], indirect=True)
WAIT_S = 120

# The schema as the code before Alembic wrote it (registry.SCHEMA, schema version 2), verbatim.
LEGACY_SCHEMA = """
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


@pytest.fixture(scope="module")
def password_hash() -> str:
    return auth.hash_password(PASSWORD)


def make_legacy_registry(path: Path, schema_version: int, password_hash: str) -> Path:
    """A registry as the code before Alembic left it: schema 1 (no sign-in limits) or schema 2, with rows."""
    path.mkdir(parents=True)
    with sqlite3.connect(path / "registry.sqlite") as con:
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(LEGACY_SCHEMA)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(schema_version),))
        if schema_version == 1:  # schema 1 had neither the lockout columns nor the failure counts
            con.execute("DROP TABLE sign_in_failures")
        else:
            con.execute("ALTER TABLE accounts ADD COLUMN password_version INTEGER NOT NULL DEFAULT 1")
            con.execute("ALTER TABLE accounts ADD COLUMN locked INTEGER NOT NULL DEFAULT 0")
        for user, role, country in (("ana.gtm", "focal_point", "GTM"), ("admin", "regional_admin", None)):
            con.execute(
                "INSERT INTO accounts (username, password_hash, role, country, created_at) VALUES (?, ?, ?, ?, ?)",
                (user, password_hash, role, country, "2025-01-01T00:00:00+00:00"),
            )
        for action in ("account_added", "account_added"):
            con.execute("INSERT INTO audit (at, actor, action) VALUES ('2025-01-01T00:00', 'cli', ?)", (action,))
    con.close()
    return path


# --- Alembic ---------------------------------------------------------------------------------------


def test_the_code_needs_the_last_migration():
    assert head_revision() == SCHEMA_HEAD


def test_alembic_creates_the_schema_from_empty_and_downgrades_it(tmp_path, registry_env):
    from alembic import command

    reg = Registry(tmp_path / "registry")
    assert reg.schema_status() == (None, None, SCHEMA_HEAD) and not reg.exists
    assert reg.upgrade() == SCHEMA_HEAD and reg.exists
    tables = set(sa.inspect(reg.engine).get_table_names())
    assert {"meta", "accounts", "submissions", "versions", "sign_in_failures", "audit", "alembic_version"} <= tables
    assert query(reg, "SELECT value FROM meta WHERE key = 'schema_version'") == [("2",)]
    reg.add_account("admin", PASSWORD, "regional_admin")
    with reg.engine.connect() as con, con.begin():  # down to 0001 and up again: the account stays
        command.downgrade(alembic_config(con), "0001")
        assert schema_revision(con) == "0001"
        assert "locked" not in {c["name"] for c in sa.inspect(con).get_columns("accounts")}
    assert Registry(reg.path).schema_status()[0] == "0001"
    assert Registry(reg.path).sign_in("admin", PASSWORD, "10.0.0.1").ok  # the write upgrades first
    assert Registry(reg.path).schema_status()[0] == SCHEMA_HEAD
    assert query(reg, "SELECT username, locked, password_version FROM accounts") == [("admin", 0, 1)]


@SQLITE_ONLY
@pytest.mark.parametrize("schema_version", [1, 2])
def test_a_registry_made_before_alembic_is_stamped_and_upgraded_without_losing_anything(
    tmp_path, registry_env, password_hash, schema_version
):
    path = make_legacy_registry(tmp_path / "registry", schema_version, password_hash)
    before = dump(Registry(path))
    reg = Registry(path)
    assert reg.schema_status() == (None, f"000{schema_version}", SCHEMA_HEAD)
    assert reg.account("ana.gtm").password_version == 1  # readable before any write, as it is
    assert reg.sign_in("ana.gtm", PASSWORD, "10.0.0.1").ok  # the first write stamps and upgrades
    after = dump(reg)
    assert after["alembic_version"] == [(SCHEMA_HEAD,)] and after["meta"] == [("schema_version", "2")]
    kept = [row[:8] for row in after["accounts"]]
    assert kept == [row[:8] for row in before["accounts"]]  # every account, its hash, as it was
    assert [row[8:] for row in after["accounts"]] == [(1, 0), (1, 0)]  # the new columns at their defaults
    assert after["audit"][: len(before["audit"])] == before["audit"]  # the old audit log, ids included
    assert after["audit"][-1][0] == len(before["audit"]) + 1 and after["audit"][-1][3] == "signed_in"
    first = reg.ingest(V1.read_bytes(), V1.name, "GTM", reg.account("ana.gtm"))  # and it works on
    reg.publish(first.submission_id, 1, reg.account("admin"))
    assert len(load_public_state(path).observations) == 560


# --- the writer lock on PostgreSQL ---------------------------------------------------------------------


@pytest.fixture
def pg_reg(tmp_path, registry_env, password_hash):
    """A registry on PostgreSQL with a GTM focal point and an administrator, ``V1`` published."""
    reg = Registry(tmp_path / "registry")
    reg.init()
    with reg.engine.connect() as con, con.begin():  # accounts by hand: hashing once per module
        for user, role, country in (("ana.gtm", "focal_point", "GTM"), ("admin", "regional_admin", None)):
            con.execute(
                sa.text(
                    "INSERT INTO accounts (username, password_hash, role, country, created_at) "
                    "VALUES (:u, :h, :r, :c, '2025-01-01T00:00:00+00:00')"
                ),
                {"u": user, "h": password_hash, "r": role, "c": country},
            )
    first = reg.ingest(V1.read_bytes(), V1.name, "GTM", reg.account("ana.gtm"))
    reg.publish(first.submission_id, 1, reg.account("admin"))
    return reg


def etl_process(reg: Registry, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "etl", *args, "--registry", str(reg.path)],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(condition, what: str, proc: subprocess.Popen | None = None) -> None:
    """Poll ``condition`` (bounded); fail early when ``proc`` ended first."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the process ended before {what}: {proc.stdout.read()} {proc.stderr.read()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"never: {what}")
        time.sleep(0.05)


def advisory_waiters(reg: Registry) -> int:
    """Sessions waiting for an advisory lock in the registry's database (the server's own account)."""
    return query(
        reg,
        "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
        "WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()",
    )[0][0]


@POSTGRES_ONLY
def test_the_advisory_lock_keeps_a_second_writer_out_until_the_first_is_done(pg_reg):
    with pg_reg._lock(wait=True) as writer:  # this process writes...
        assert writer is not None
        assert not Registry(pg_reg.path).recover()  # a reader does not recover meanwhile (pg_try_advisory_lock)
        other = etl_process(pg_reg, "users", "unlock", "ana.gtm")  # ...so another process's write must wait
        try:
            wait_until(lambda: advisory_waiters(pg_reg) == 1, "the second writer waits for the lock", other)
            assert other.poll() is None
            assert "account_unlocked" not in set(Registry(pg_reg.path).audit_events().action)
        except BaseException:
            other.kill()
            raise
    out, err = other.communicate(timeout=WAIT_S)  # the lock released: the second writer goes on
    assert other.returncode == 0, err
    assert "account_unlocked" in set(Registry(pg_reg.path).audit_events().action)
    assert Registry(pg_reg.path).recover()


# --- PostgreSQL restarted during an ingest, or down ------------------------------------------------


def stored_files(reg: Registry) -> dict[str, str]:
    return {
        str(p.relative_to(reg.files)): hashlib.sha256(p.read_bytes()).hexdigest()
        for sub in ("files", "versions", "tmp")
        for p in sorted((reg.files / sub).glob("*"))
    }


def public_files(reg: Registry) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((reg.path / "published").glob("*"))}


@POSTGRES_ONLY
@pytest.mark.integration
@pytest.mark.parametrize("point", ["after_rename", "before_commit"])
def test_an_ingest_cut_by_a_postgres_restart_fails_cleanly_and_a_retry_succeeds(
    pg_reg, postgres_server, tmp_path, point
):
    rows, files, public = dump(pg_reg), stored_files(pg_reg), public_files(pg_reg)
    flag = tmp_path / "paused"
    env = {PAUSE_ENV: point, PAUSE_FILE_ENV: str(flag), RESUME_ENV: "1"}
    proc = etl_process(
        pg_reg, "ingest", str(V2), "--country", "GTM", "--user", "ana.gtm", "--submission", "sub_GTM_returns_1", env=env
    )
    try:
        wait_until(flag.exists, f"the ingest pauses at {point}", proc)
        postgres_server.restart()  # every connection is cut, the open transaction with it
        flag.unlink()  # the ingest goes on, to its commit
        out, err = proc.communicate(timeout=WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert proc.returncode == 2 and "Traceback" not in err and len(errors) == 1, err
    assert "could not be reached" in errors[0] and "No se pudo llegar" in errors[0]
    assert "Guardado como" not in out
    assert stored_files(pg_reg) != files  # the cut ingest left its files behind...
    assert Registry(pg_reg.path).versions()["version"].tolist() == [1]  # ...no version row: never half
    assert dump(pg_reg) == rows and stored_files(pg_reg) == files  # the next open swept them
    assert public_files(pg_reg) == public and len(load_public_state(pg_reg.path).observations) == 560
    ana = pg_reg.account("ana.gtm")
    again = Registry(pg_reg.path).ingest(V2.read_bytes(), V2.name, "GTM", ana, submission_id="sub_GTM_returns_1")
    assert again.version == 2 and len(pg_reg.load_version("sub_GTM_returns_1", 2)) == 1101


@POSTGRES_ONLY
def test_postgres_down_leaves_the_pages_the_last_public_files_with_a_notice(pg_reg, postgres_server):
    postgres_server.stop()
    try:
        state = load_public_state(pg_reg.path)  # never an exception
        assert state.notice is not None and state.notice.code == "registry_unreadable"
        assert "Connection refused" in state.notice.message("en") and "PostgreSQL" in state.notice.fix("es")
        assert len(state.observations) == 560 and len(state.datasets) == 1
        assert check_registry(pg_reg.path).code == "registry_unreadable"
        with pytest.raises(RegistryUnavailable) as caught:  # an OSError: the submit page's notice
            Registry(pg_reg.path).versions()
        assert isinstance(caught.value, OSError) and caught.value.code == "registry_db_unreachable"
        assert "PostgreSQL" in caught.value.fix("en") and "$ATLAS_REGISTRY_URL" in caught.value.fix("es")
        with pytest.raises(RegistryUnavailable):
            Registry(pg_reg.path).sign_in("ana.gtm", PASSWORD, "10.0.0.1")
    finally:
        postgres_server.start()
    assert check_registry(pg_reg.path) is None and load_public_state(pg_reg.path).notice is None


def test_a_bad_registry_url_is_a_notice_and_a_message(tmp_path, monkeypatch):
    monkeypatch.setenv(URL_ENV, "not a url")
    state = load_public_state(tmp_path / "registry")
    assert state.notice is not None and state.observations.empty
    with pytest.raises(RegistryUnavailable) as caught:
        Registry(tmp_path / "registry").versions()
    assert caught.value.code == "registry_url_invalid" and "postgresql+psycopg://" in caught.value.fix("en")


# --- files shared by several servers ($ATLAS_REGISTRY_FILES) ----------------------------------------


def test_originals_and_versions_go_to_the_files_directory(tmp_path, registry_env, monkeypatch):
    monkeypatch.setenv(FILES_ENV, str(tmp_path / "shared"))
    reg = Registry(tmp_path / "registry")
    reg.add_account("ana.gtm", PASSWORD, "focal_point", "GTM")
    first = reg.ingest(V1.read_bytes(), V1.name, "GTM", reg.account("ana.gtm"))
    assert reg.files == tmp_path / "shared" and first.stored
    assert [p.name for p in (tmp_path / "shared" / "versions").iterdir()] == ["sub_GTM_returns_1_v1.parquet"]
    assert len(list((tmp_path / "shared" / "files").iterdir())) == 1
    assert not (reg.path / "versions").exists() and not (reg.path / "files").exists()
    assert len(Registry(reg.path).load_version(first.submission_id, 1)) == 560


@POSTGRES_ONLY
def test_two_servers_share_one_database_and_one_files_directory(tmp_path, registry_env, monkeypatch):
    monkeypatch.setenv(FILES_ENV, str(tmp_path / "shared"))
    one, two = Registry(tmp_path / "server1"), Registry(tmp_path / "server2")
    one.add_account("ana.gtm", PASSWORD, "focal_point", "GTM")
    one.add_account("admin", PASSWORD, "regional_admin")
    first = two.ingest(V1.read_bytes(), V1.name, "GTM", two.account("ana.gtm"))  # uploaded on server 2
    one.publish(first.submission_id, 1, one.account("admin"))  # published on server 1
    assert len(load_public_state(one.path).observations) == 560
    assert len(load_public_state(two.path).observations) == 560  # server 2's public copy caught up on open
    assert Registry(two.path).versions().status.tolist() == ["published"]
