"""Disk full during publish/withdraw, sign-in limits across sessions, revoked sessions, audit, permissions (issue 15).

The disk-full failure is injected where every registry Parquet file is written
(``registry.write_parquet`` raising ``OSError(ENOSPC)``); the registry, its database and its
public files are then compared with what they were before. Every test that uses ``reg`` runs on both
database back ends (SQLite and PostgreSQL); those about the SQLite file itself run on SQLite only.
"""

from __future__ import annotations

import errno
import hashlib
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from etl.submissions import registry as registry_module
from etl.submissions.auth import FREE_ATTEMPTS, LOCK_AFTER, PermissionRefused, backoff_seconds
from etl.submissions.registry import (
    PublishFailed,
    Registry,
    VersionNotFound,
    check_registry,
    load_public_state,
)
from tests.registry_backends import query

SQLITE_ONLY = pytest.mark.parametrize("registry_backend", ["sqlite"], indirect=True)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "submissions" / "valid"
V1 = FIXTURES / "gtm_returns_igm_2020_2023_es.csv"
PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base(tmp_path_factory, registry_backend):
    path = tmp_path_factory.mktemp("registry_base")
    with pytest.MonkeyPatch.context() as env:
        registry_backend.use(env, path)
        reg = Registry(path)
        reg.add_account("ana.gtm", PASSWORD, "focal_point", "GTM", "Ana")
        reg.add_account("admin", PASSWORD, "regional_admin")
        first = reg.ingest(V1.read_bytes(), V1.name, "GTM", reg.account("ana.gtm"))
    assert first.stored
    return path


@pytest.fixture
def reg(base, tmp_path, registry_backend):
    with pytest.MonkeyPatch.context() as env:  # its own: a test's monkeypatch.undo() keeps the database
        copy = registry_backend.copy(base, tmp_path / "registry", env)
        yield copy
    registry_backend.drop(copy.path)


def state(reg: Registry) -> tuple[list, dict[str, str]]:
    """Versions and their statuses, and the checksum of every public file."""
    rows = query(reg, "SELECT submission_id, version, status FROM versions ORDER BY 1, 2")
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((reg.path / "published").glob("*"))}
    return rows, files


def disk_full_on(monkeypatch, name: str | None = None) -> None:
    """Make writing the public file ``name`` (every registry Parquet file when ``None``) fail with ENOSPC."""
    real = registry_module.write_parquet

    def full(table: pa.Table, path: Path) -> None:
        if name is None or Path(path).name.startswith(name):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(table, path)

    monkeypatch.setattr(registry_module, "write_parquet", full)


# --- publish / withdraw with a full disk ----------------------------------------------------------


@pytest.mark.parametrize("failing", ["datasets.parquet", "dataset_dimensions.parquet", "observations.parquet"])
def test_a_publish_that_cannot_write_a_public_file_leaves_everything_as_it_was(reg, monkeypatch, failing):
    before = state(reg)
    disk_full_on(monkeypatch, failing)
    with pytest.raises(PublishFailed) as caught:
        reg.publish("sub_GTM_returns_1", 1, reg.account("admin"))
    assert "No space left on device" in caught.value.message("en") and "espacio" in caught.value.fix("es")
    assert state(reg) == before  # still a draft, public files untouched
    assert reg.versions().status.tolist() == ["draft"]
    assert not list((reg.path / "tmp").iterdir())
    public = load_public_state(reg.path)
    assert public.notice is None and public.observations.empty
    assert reg.audit_events(actions=("publish_failed",)).shape[0] == 1
    monkeypatch.undo()
    reg.publish("sub_GTM_returns_1", 1, reg.account("admin"))  # once there is space, it publishes
    assert len(load_public_state(reg.path).observations) == 560


def test_a_withdraw_that_cannot_write_keeps_the_version_published_and_public(reg, monkeypatch):
    reg.publish("sub_GTM_returns_1", 1, reg.account("admin"))
    before = state(reg)
    disk_full_on(monkeypatch, "observations.parquet")
    with pytest.raises(PublishFailed):
        reg.withdraw("sub_GTM_returns_1", 1, reg.account("admin"))
    assert state(reg) == before and reg.versions().status.tolist() == ["published"]


def test_pages_keep_the_last_good_public_state_when_recovery_cannot_write(reg, monkeypatch):
    reg.publish("sub_GTM_returns_1", 1, reg.account("admin"))
    (reg.path / "published" / "observations.parquet").unlink()  # behind the database: recovery must rewrite
    disk_full_on(monkeypatch)
    assert not Registry(reg.path).recover()  # no exception for a reader
    public = load_public_state(reg.path)
    assert public.notice is not None and public.notice.code == "registry_unreadable"
    assert "No space left on device" in public.notice.message("en") and "espacio" in public.notice.fix("es")
    assert public.observations.empty and len(public.datasets) == 1
    assert check_registry(reg.path).code == "registry_unreadable"
    monkeypatch.undo()
    assert check_registry(reg.path) is None and len(load_public_state(reg.path).observations) == 560


@SQLITE_ONLY  # PostgreSQL down: tests/unit/test_registry_backends.py
def test_a_damaged_database_gives_a_notice_not_an_exception(reg):
    reg.publish("sub_GTM_returns_1", 1, reg.account("admin"))
    reg.db.write_bytes(b"this is not an SQLite database" * 100)
    for wal in reg.path.glob("registry.sqlite-*"):
        wal.unlink()
    public = load_public_state(reg.path)
    assert public.notice is not None and len(public.observations) == 560


@pytest.mark.parametrize("version", [99999999999999999999, 2**63, 0, -1])
def test_an_impossible_version_number_is_a_message(reg, version):
    with pytest.raises(VersionNotFound):
        reg.publish("sub_GTM_returns_1", version, reg.account("admin"))


def test_publish_with_a_huge_version_on_the_command_line_is_a_message(reg):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl",
            "publish",
            "sub_GTM_returns_1",
            "--version",
            "99999999999999999999",
            "--user",
            "admin",
            "--registry",
            str(reg.path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "99999999999999999999" in out.stderr


# --- sign-in limits -------------------------------------------------------------------------------


def test_failed_sign_ins_are_counted_in_the_registry_across_sessions(reg):
    t = 1_000_000.0
    for _ in range(FREE_ATTEMPTS):
        assert Registry(reg.path).sign_in("ana.gtm", "wrong", "10.0.0.1", at=t).code == "sign_in_failed"
    # a new session (a new Registry object, a new browser) does not reset the count
    refused = Registry(reg.path).sign_in("ana.gtm", PASSWORD, "10.0.0.2", at=t + 0.5)
    assert refused.code == "sign_in_wait" and refused.wait_seconds >= 1 and refused.account is None
    assert "segundos" in refused.message("es") and "seconds" in refused.message("en")
    ok = Registry(reg.path).sign_in("ana.gtm", PASSWORD, "10.0.0.2", at=t + backoff_seconds(FREE_ATTEMPTS) + 1)
    assert ok.ok and ok.account.country == "GTM"


def test_failures_from_one_address_slow_every_account_tried_from_it(reg):
    t = 2_000_000.0
    for i in range(FREE_ATTEMPTS):
        Registry(reg.path).sign_in(f"guess{i}", "wrong", "203.0.113.9", at=t)
    assert Registry(reg.path).sign_in("admin", PASSWORD, "203.0.113.9", at=t + 0.1).code == "sign_in_wait"
    assert Registry(reg.path).sign_in("admin", PASSWORD, "198.51.100.1", at=t + 0.1).ok  # another address


def test_an_account_is_locked_after_too_many_failures_until_an_administrator_unlocks_it(reg):
    t = 3_000_000.0
    for i in range(LOCK_AFTER):
        t += backoff_seconds(i) + 1
        Registry(reg.path).sign_in("ana.gtm", "wrong", f"10.1.0.{i}", at=t)
    locked = Registry(reg.path).sign_in("ana.gtm", PASSWORD, "10.9.9.9", at=t + 10**6)
    assert locked.code == "account_locked" and "unlock" in locked.fix("en")
    out = subprocess.run(
        [sys.executable, "-m", "etl", "users", "unlock", "ana.gtm", "--registry", str(reg.path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert Registry(reg.path).sign_in("ana.gtm", PASSWORD, "10.9.9.9", at=t + 10**6).ok
    actions = set(reg.audit_events(limit=100).action)
    assert {"sign_in_failed", "account_locked", "account_unlocked", "signed_in"} <= actions


def test_an_unknown_name_is_answered_like_a_wrong_password(reg):
    assert Registry(reg.path).sign_in("nobody", PASSWORD, "10.2.0.1", at=1.0).code == "sign_in_failed"
    assert Registry(reg.path).sign_in("ana.gtm", "wrong", "10.2.0.2", at=1.0).code == "sign_in_failed"


# --- sessions ---------------------------------------------------------------------------------------


def test_a_password_change_ends_a_session_already_signed_in(reg):
    session = Registry(reg.path).sign_in("admin", PASSWORD, "10.3.0.1").account
    reg.set_password("admin", PASSWORD + " new")
    with pytest.raises(PermissionRefused) as caught:
        reg.publish("sub_GTM_returns_1", 1, session)
    assert caught.value.code == "session_ended" and reg.versions().status.tolist() == ["draft"]
    fresh = Registry(reg.path).sign_in("admin", PASSWORD + " new", "10.3.0.1").account
    reg.publish("sub_GTM_returns_1", 1, fresh)


def test_a_deactivated_account_cannot_act_on_a_session_it_already_has(reg):
    session = Registry(reg.path).sign_in("ana.gtm", PASSWORD, "10.4.0.1").account
    reg.set_active("ana.gtm", False)
    with pytest.raises(PermissionRefused):
        reg.check_session(session)
    with pytest.raises(PermissionRefused):
        reg.ingest(V1.read_bytes().replace(b"2020-01", b"2020-01", 1) + b"\n", "again.csv", "GTM", session)


# --- files, audit, migration ------------------------------------------------------------------------


def test_registry_files_and_directories_are_owner_only(reg):
    reg.publish("sub_GTM_returns_1", 1, reg.account("admin"))
    assert stat.S_IMODE(reg.path.stat().st_mode) == 0o700
    for sub in ("files", "versions", "published", "tmp"):
        assert stat.S_IMODE((reg.path / sub).stat().st_mode) == 0o700
    for f in [
        *([reg.db, reg.path / ".lock"] if reg.backend == "sqlite" else []),  # PostgreSQL: no file, no flock
        *reg.path.glob("registry.sqlite-*"),
        *(reg.path / "published").iterdir(),
        *(reg.path / "versions").iterdir(),
        *(reg.path / "files").iterdir(),
    ]:
        assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0, f


def test_a_new_registry_is_created_owner_only(tmp_path, registry_env):
    reg = Registry(tmp_path / "new")
    reg.add_account("admin", PASSWORD, "regional_admin")
    assert stat.S_IMODE(reg.path.stat().st_mode) == 0o700
    assert reg.backend == "postgresql" or stat.S_IMODE(reg.db.stat().st_mode) == 0o600


def test_the_audit_log_holds_sign_ins_uploads_publishes_and_withdrawals_newest_first(reg):
    admin = Registry(reg.path).sign_in("admin", PASSWORD, "10.5.0.1").account
    reg.publish("sub_GTM_returns_1", 1, admin)
    reg.withdraw("sub_GTM_returns_1", 1, admin)
    log = reg.audit_events()
    assert list(log.columns) == ["event_id", "at", "actor", "action", "submission_id", "version", "detail"]
    assert log.action.tolist()[:4] == ["withdrawn", "published", "signed_in", "ingested"]
    assert log.event_id.is_monotonic_decreasing
    only = reg.audit_events(actions=("published", "withdrawn"))
    assert set(only.action) == {"published", "withdrawn"} and only.version.tolist() == [1, 1]


@SQLITE_ONLY  # a registry from before Alembic is an SQLite file; more in tests/unit/test_registry_backends.py
def test_an_older_registry_is_migrated_in_place(reg):
    with sqlite3.connect(reg.db) as con:  # as schema version 1 made it
        con.execute("DROP TABLE sign_in_failures")
        con.execute("ALTER TABLE accounts DROP COLUMN password_version")
        con.execute("ALTER TABLE accounts DROP COLUMN locked")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        con.execute("DROP TABLE alembic_version")  # made before Alembic
    con.close()
    assert reg.account("ana.gtm").password_version == 1  # readable before any write
    assert Registry(reg.path).sign_in("ana.gtm", PASSWORD, "10.6.0.1").ok  # the first write migrates
    with sqlite3.connect(reg.db) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "2"
        columns = {r[1] for r in con.execute("PRAGMA table_info(accounts)")}
    con.close()
    assert {"password_version", "locked"} <= columns


# --- ingest of a file validated in the worker ---------------------------------------------------------


def test_an_ingest_reuses_the_worker_validation_of_the_same_bytes(reg):
    from etl.submissions.worker import validate_isolated

    data = V1.read_bytes().replace(b"2020-01,", b"2020-01,", 1) + b"\n"  # another checksum, same content
    ana = reg.account("ana.gtm")
    checked = validate_isolated(data, "again.csv", "GTM", isolate=True)
    stored = reg.ingest(data, "again.csv", "GTM", ana, validation=checked)
    assert stored.stored and stored.validation is checked and stored.version == 1
    with pytest.raises(ValueError, match="another file"):
        reg.ingest(data + b"\n", "again.csv", "GTM", ana, validation=checked)
    report_only = validate_isolated(data + b"\n\n", "again.csv", "GTM", isolate=True, keep_rows=False)
    with pytest.raises(ValueError, match="lacks its rows"):
        reg.ingest(data + b"\n\n", "again.csv", "GTM", ana, validation=report_only)


def test_a_sign_in_never_creates_a_registry_and_works_on_a_read_only_one(reg, tmp_path, monkeypatch, registry_backend):
    empty = Registry(tmp_path / "nothing", url=registry_backend.new_database() if reg.backend == "postgresql" else None)
    assert empty.sign_in("admin", PASSWORD, "10.7.0.1").code == "sign_in_failed" and not empty.path.exists()
    assert not empty.exists  # no tables made in an empty PostgreSQL database either

    def read_only(self, wait):
        raise OSError(errno.EROFS, "Read-only file system", str(self.path / ".lock"))

    monkeypatch.setattr(Registry, "_lock", read_only)
    assert Registry(reg.path).sign_in("admin", PASSWORD, "10.7.0.1").ok
    assert Registry(reg.path).sign_in("admin", "wrong", "10.7.0.1").code == "sign_in_failed"
