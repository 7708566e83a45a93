"""The registry: accounts, versions, atomic ingest (even when killed), publish/withdraw, public views.

Every test that uses ``reg`` runs on both database back ends (``registry_backend``: SQLite and PostgreSQL).
"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from etl import schema
from etl.store import create_public_view
from etl.submissions.auth import PermissionRefused
from etl.submissions.registry import (
    PAUSE_ENV,
    PAUSE_FILE_ENV,
    Registry,
    load_published_datasets,
    load_published_observations,
)
from tests.registry_backends import dump, query

ROOT = Path(__file__).resolve().parents[2]
VALID = ROOT / "tests" / "fixtures" / "submissions" / "valid"
BROKEN = ROOT / "tests" / "fixtures" / "submissions" / "broken"
V1 = VALID / "gtm_returns_igm_2020_2023_es.csv"  # 2020-01..2023-12, 560 rows
V2 = VALID / "gtm_returns_igm_en.xlsx"  # 2020-01..2025-04 with sex totals, 1101 rows
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def base(tmp_path_factory, registry_backend):
    """A registry with a GTM and an HND focal point and an administrator (hashing once per module and back end)."""
    path = tmp_path_factory.mktemp("registry_base")
    with pytest.MonkeyPatch.context() as env:
        registry_backend.use(env, path)
        reg = Registry(path)
        reg.add_account("ana.gtm", PASSWORD, "focal_point", "GTM", "Ana")
        reg.add_account("hugo.hnd", PASSWORD, "focal_point", "HND")
        reg.add_account("admin", PASSWORD, "regional_admin")
    return path


@pytest.fixture
def reg(base, tmp_path, registry_backend):
    """A fresh copy of the base registry (directory and database) for each test."""
    with pytest.MonkeyPatch.context() as env:  # its own: a test's monkeypatch.undo() keeps the database
        copy = registry_backend.copy(base, tmp_path / "registry", env)
        yield copy
    registry_backend.drop(copy.path)


def ingest(reg: Registry, path: Path, user: str = "ana.gtm", country: str = "GTM", **kw):
    return reg.ingest(path.read_bytes(), path.name, country, reg.account(user), **kw)


def snapshot(path: Path) -> tuple[bytes | None, object, dict[str, str]]:
    """The database (SQLite: its bytes and SQL dump; PostgreSQL: every row), and the checksum of every stored,
    version and public file."""
    reg = Registry(path)
    if reg.backend == "sqlite":
        raw = reg.db.read_bytes()
        with sqlite3.connect(reg.db) as con:
            rows = "\n".join(con.iterdump())
        con.close()
    else:
        raw, rows = None, dump(reg)
    files = {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for sub in ("files", "versions", "published")
        for p in sorted((path / sub).glob("*"))
    }
    return raw, rows, files


# --- accounts -------------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2_hashes_only(reg):
    hashes = [r[0] for r in query(reg, "SELECT password_hash FROM accounts")]
    assert len(hashes) == 3 and all(h.startswith("$argon2id$") for h in hashes)
    assert all(PASSWORD not in str(row) for row in query(reg, "SELECT * FROM accounts"))
    assert reg.backend == "postgresql" or PASSWORD.encode() not in reg.db.read_bytes()
    assert "password_hash" not in reg.accounts().columns


def test_authenticate(reg):
    assert reg.authenticate("ana.gtm", PASSWORD).country == "GTM"
    assert reg.authenticate("ana.gtm", PASSWORD + "x") is None
    assert reg.authenticate("nobody", PASSWORD) is None


@pytest.mark.parametrize(
    "args,message",
    [
        (("ana.gtm", PASSWORD, "focal_point", "GTM"), "already exists"),
        (("new", "short", "focal_point", "GTM"), "at least 12"),
        (("new", PASSWORD, "focal_point", None), "needs --country"),
        (("new", PASSWORD, "regional_admin", "GTM"), "no country"),
        (("new", PASSWORD, "superuser", None), "role must be"),
        (("new", PASSWORD, "focal_point", "XYZ"), "country code"),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(reg, args, message):
    with pytest.raises(ValueError, match=message):
        reg.add_account(*args)


def test_an_empty_registry_is_readable_without_creating_anything(tmp_path, registry_env):
    reg = Registry(tmp_path / "none")
    assert reg.account_count() == 0 and reg.versions().empty and reg.accounts().empty
    assert reg.authenticate("x", "y") is None and load_published_datasets(tmp_path / "none").empty
    assert not (tmp_path / "none").exists()


# --- ingest and versions ----------------------------------------------------------------------------


def test_valid_file_is_version_1_and_a_corrected_resubmission_version_2(reg):
    first = ingest(reg, V1)
    assert (first.submission_id, first.version) == ("sub_GTM_returns_1", 1)
    second = ingest(reg, V2, submission_id=first.submission_id)
    assert (second.submission_id, second.version) == ("sub_GTM_returns_1", 2)
    versions = reg.versions("GTM").set_index("version")
    assert versions.loc[2, "replaces_version"] == 1 and pd_isna(versions.loc[1, "replaces_version"])
    assert set(versions.status) == {"draft"} and set(versions.submitted_by) == {"ana.gtm"}
    v1, v2 = reg.load_version(first.submission_id, 1), reg.load_version(first.submission_id, 2)
    assert (len(v1), len(v2)) == (560, 1101)
    assert v1.time_period.max() == "2023-12" and v2.time_period.max() == "2025-04"
    stored = list((reg.path / "files").iterdir())
    assert sorted(p.suffix for p in stored) == [".csv", ".xlsx"]
    assert any(p.read_bytes() == V1.read_bytes() for p in stored)
    audit = reg.audit_log()
    assert audit.loc[audit.action == "ingested", "detail"].str.contains("replaces v1").sum() == 1


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_a_new_file_without_a_submission_id_starts_a_new_submission(reg):
    ingest(reg, V1)
    assert ingest(reg, VALID / "gtm_returns_igm_es.csv").submission_id == "sub_GTM_returns_2"


def test_a_focal_point_cannot_submit_for_another_country(reg):
    before = snapshot(reg.path)
    with pytest.raises(PermissionRefused) as err:
        ingest(reg, V1, user="hugo.hnd", country="GTM")
    assert "HND" in err.value.message("en") and "GTM" in err.value.message("es")
    with pytest.raises(PermissionRefused):
        ingest(reg, V1, user="admin", country="GTM")
    assert snapshot(reg.path) == before


def test_a_file_declaring_another_country_is_refused_even_for_its_own_focal_point(reg):
    result = ingest(reg, VALID / "gtm_returns_igm_es.csv", user="hugo.hnd", country="HND")
    assert not result.stored and result.validation.report.count("country_mismatch") == 1


@pytest.mark.parametrize(
    "name", ["value_negative.csv", "total_mismatch.csv", "encoding_mixed.csv", "value_negative_en.xlsx"]
)
def test_a_failed_ingest_leaves_the_registry_exactly_as_it_was(reg, name):
    ingest(reg, V1)
    before = snapshot(reg.path)
    result = ingest(reg, BROKEN / name)
    assert not result.stored and not result.validation.valid
    assert snapshot(reg.path) == before


def test_the_same_file_twice_is_refused_and_changes_nothing(reg):
    ingest(reg, V1)
    before = snapshot(reg.path)
    again = ingest(reg, V1)
    assert not again.stored and again.validation.report.count("file_already_stored") == 1
    assert snapshot(reg.path) == before


def test_a_version_of_someone_elses_submission_is_refused(reg):
    ingest(reg, V1)
    result = ingest(reg, VALID / "gtm_returns_igm_es.csv", submission_id="sub_GTM_entries_exits_9")
    assert result.validation.report.count("submission_unknown") == 1 and not result.stored


# --- killed half-way ----------------------------------------------------------------------------------


def run_until_paused(reg: Registry, point: str, args: list[str], tmp_path: Path) -> None:
    """Run ``python -m etl <args>`` until it reaches ``point``, then SIGKILL it."""
    flag = tmp_path / f"paused_{point}"
    env = {**os.environ, PAUSE_ENV: point, PAUSE_FILE_ENV: str(flag)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", *args, "--registry", str(reg.path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while not flag.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the process ended before {point}: {proc.stdout.read().decode()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"the process never reached {point}")
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def leftovers(path: Path) -> set[str]:
    """Every file under tmp/, versions/ and files/ (what a killed ingest may leave behind)."""
    return {
        str(p.relative_to(path))
        for sub in ("tmp", "versions", "files")
        if (path / sub).is_dir()
        for p in (path / sub).iterdir()
    }


OPENERS = {
    "versions": lambda reg: Registry(reg.path).versions(),  # the submit page, `etl submissions`
    "public_read": lambda reg: load_published_observations(reg.path),  # the public side
    "account_count": lambda reg: Registry(reg.path).account_count(),
}


@pytest.mark.integration
@pytest.mark.parametrize("opener", sorted(OPENERS))
@pytest.mark.parametrize("point", ["after_temp_write", "after_rename", "before_commit"])
def test_an_ingest_killed_half_way_leaves_the_registry_exactly_as_it_was_once_opened(reg, point, opener, tmp_path):
    first = ingest(reg, V1)
    before, files_before = snapshot(reg.path), leftovers(reg.path)
    run_until_paused(
        reg,
        point,
        ["ingest", str(V2), "--country", "GTM", "--user", "ana.gtm", "--submission", first.submission_id],
        tmp_path,
    )
    assert leftovers(reg.path) > files_before  # the killed process did leave work files behind
    OPENERS[opener](reg)  # any read opens the registry: no write needed
    assert snapshot(reg.path) == before  # database bytes, rows, every stored and public file
    assert leftovers(reg.path) == files_before and not list((reg.path / "tmp").iterdir())
    assert reg.versions()["version"].tolist() == [1]
    again = ingest(reg, V2, submission_id=first.submission_id)  # and the next ingest works
    assert again.version == 2
    assert leftovers(reg.path) - files_before == {
        f"versions/{first.submission_id}_v2.parquet",
        next(k for k in leftovers(reg.path) if k.endswith(".xlsx")),
    }


def raw_public_rows(reg: Registry) -> dict[str, int | None]:
    """Rows of each public file as the killed process left it (read directly: no recovery)."""
    published = reg.path / "published"
    return {
        name: (pq.read_metadata(published / name).num_rows if (published / name).exists() else None)
        for name in ("datasets.parquet", "observations.parquet")
    }


@pytest.mark.integration
@pytest.mark.parametrize("opener", ["versions", "public_read"])
@pytest.mark.parametrize("point", ["publish_after_commit", "public_files_partial"])
def test_a_publish_killed_after_its_commit_is_public_as_soon_as_the_registry_is_opened(reg, point, opener, tmp_path):
    first = ingest(reg, V1)
    run_until_paused(reg, point, ["publish", first.submission_id, "--version", "1", "--user", "admin"], tmp_path)
    left = raw_public_rows(reg)
    assert left["observations.parquet"] is None  # late, never early: no number public yet
    assert left["datasets.parquet"] == (1 if point == "public_files_partial" else None)
    OPENERS[opener](reg)
    assert reg.versions().status.tolist() == ["published"]
    assert public_counts(reg) == (560, 1)  # through etl.store's own union code
    public = load_published_observations(reg.path)
    assert public.equals(reg.load_version(first.submission_id, 1)[list(public.columns)])
    assert not list((reg.path / "tmp").iterdir())


@pytest.mark.integration
@pytest.mark.parametrize("point", ["public_files_partial", "withdraw_before_commit"])
def test_a_withdraw_killed_before_its_commit_is_rolled_back_as_soon_as_the_registry_is_opened(reg, point, tmp_path):
    first = ingest(reg, V1)
    reg.publish(first.submission_id, 1, reg.account("admin"))
    before = snapshot(reg.path)
    run_until_paused(reg, point, ["withdraw", first.submission_id, "--version", "1", "--user", "admin"], tmp_path)
    assert raw_public_rows(reg)["observations.parquet"] == 0  # the killed process shrank the public copy first
    assert reg.versions().status.tolist() == ["published"]  # opening: the withdraw did not happen...
    assert public_counts(reg) == (560, 1)  # ...and the public files say so again
    assert snapshot(reg.path) == before  # exactly as before the withdraw
    reg.withdraw(first.submission_id, 1, reg.account("admin"))  # a withdraw that runs to its end
    assert public_counts(reg) == (0, 0) and reg.versions().status.tolist() == ["withdrawn"]


def test_a_read_never_sweeps_while_a_write_holds_the_lock(reg):
    """The files of an ingest under way are not orphans: a read leaves them, the next open sweeps them."""
    ingest(reg, V1)
    work, orphan = reg.path / "tmp" / "x.parquet.123.tmp", reg.path / "versions" / "sub_GTM_returns_1_v2.parquet"
    work.write_bytes(b"work")
    orphan.write_bytes(b"orphan")
    with Registry(reg.path)._lock(wait=True) as writer:  # as a writer would (flock, or pg_advisory_lock)
        assert writer is not None
        assert not Registry(reg.path).recover()
        assert Registry(reg.path).versions()["version"].tolist() == [1]
        assert work.exists() and orphan.exists()
    assert Registry(reg.path).recover()
    assert not work.exists() and not orphan.exists()


def test_a_registry_this_process_cannot_write_is_still_read(reg, monkeypatch):
    ingest(reg, V1)
    orphan = reg.path / "files" / "0000.csv"
    orphan.write_bytes(b"orphan")

    def read_only(self, wait):
        raise OSError(errno.EROFS, "Read-only file system", str(self.path / ".lock"))

    monkeypatch.setattr(Registry, "_lock", read_only)
    opened = Registry(reg.path)
    assert not opened.recover()
    assert opened.versions()["version"].tolist() == [1] and orphan.exists()


def test_public_files_written_without_a_record_of_their_versions_are_rewritten(reg):
    """Public files from before the record existed (or edited by hand) are brought in line on open."""
    first = ingest(reg, V1)
    reg.publish(first.submission_id, 1, reg.account("admin"))
    stale = reg.path / "published" / "observations.parquet"
    pq.write_table(pq.read_table(stale).slice(0, 10).replace_schema_metadata(None), stale)
    assert Registry(reg.path).recover()
    assert len(load_published_observations(reg.path)) == 560


# --- publish, withdraw and the public views ------------------------------------------------------------


def public_counts(reg: Registry) -> tuple[int, int]:
    """Rows of ``public_observations`` / ``public_datasets`` built by etl.store's own union code."""
    con = duckdb.connect()
    con.execute(schema.ddl("observations", schema.OBS_TYPES))
    con.execute(schema.ddl("datasets", schema.DATASET_TYPES))
    published = reg.path / "published"
    create_public_view(con, "public_observations", "observations", published / "observations.parquet")
    create_public_view(con, "public_datasets", "datasets", published / "datasets.parquet")
    counts = (
        con.execute("SELECT count(*) FROM public_observations").fetchone()[0],
        con.execute("SELECT count(*) FROM public_datasets").fetchone()[0],
    )
    con.close()
    return counts


def test_only_the_latest_published_version_is_public(reg):
    admin = reg.account("admin")
    first = ingest(reg, V1)
    second = ingest(reg, V2, submission_id=first.submission_id)
    assert public_counts(reg) == (0, 0)  # drafts are not public
    with pytest.raises(PermissionRefused):
        reg.publish(first.submission_id, 1, reg.account("ana.gtm"))  # a focal point cannot publish
    reg.publish(first.submission_id, 1, admin)
    assert public_counts(reg) == (560, 1)
    reg.publish(second.submission_id, 2, admin)
    assert public_counts(reg) == (1101, 1)  # the latest published version
    datasets = load_published_datasets(reg.path)
    assert datasets.version.tolist() == [2] and datasets.kind.tolist() == ["submission"]
    assert datasets.publisher.iloc[0].startswith("Instituto Guatemalteco de Migración")
    reg.withdraw(second.submission_id, 2, admin)
    assert public_counts(reg) == (560, 1)  # back to version 1
    reg.withdraw(first.submission_id, 1, admin)
    assert public_counts(reg) == (0, 0)
    assert len(reg.load_version(first.submission_id, 2)) == 1101  # withdrawn, still queryable
    public = load_published_observations(reg.path)
    assert public.empty and list(public.columns) == list(schema.OBS_COLUMNS)


def test_the_public_files_have_the_store_types(reg):
    first = ingest(reg, V1)
    reg.publish(first.submission_id, 1, reg.account("admin"))
    obs = load_published_observations(reg.path)
    assert tuple(obs.columns) == schema.OBS_COLUMNS
    assert obs.value.dtype == "float64" and obs.dataset_id.unique().tolist() == ["sub_GTM_returns_1"]
    assert tuple(load_published_datasets(reg.path).columns) == schema.DATASET_COLUMNS


def test_the_store_public_views_follow_publish_and_withdraw(reg, monkeypatch):
    """Through etl.store.connect() itself, on the built store (``make test`` builds it first)."""
    from etl import store

    if not store.store_path().exists():
        pytest.skip("the store is not built: run `make data` (make test does)")
    monkeypatch.setenv("ATLAS_REGISTRY", str(reg.path))
    sql = "SELECT count(*), sum(value) FROM public_observations WHERE dataset_id = ?"
    first = ingest(reg, VALID / "gtm_returns_igm_es.csv")
    with store.connect() as con:
        assert con.execute(sql, [first.submission_id]).fetchone() == (0, None)
        vendored = con.execute(sql, ["gtm_returned_nationals"]).fetchone()[1]
    reg.publish(first.submission_id, 1, reg.account("admin"))
    with store.connect() as con:
        # the real example submission holds exactly the numbers of the vendored IGM table
        assert con.execute(sql, [first.submission_id]).fetchone() == (736, vendored)
        assert con.execute(
            "SELECT status, version FROM public_datasets WHERE dataset_id = ?", [first.submission_id]
        ).fetchone() == ("published", 1)
    reg.withdraw(first.submission_id, 1, reg.account("admin"))
    with store.connect() as con:
        assert con.execute(sql, [first.submission_id]).fetchone() == (0, None)
