"""Store versions (issue 17): a build is a new immutable version that CURRENT names, a publish makes a new served
version, a run or request reads one version from start to end, a server can be pinned, CURRENT can be rolled back,
old versions are pruned. Stores here are tiny DuckDB files with the store's own table definitions; the registry is a
real one, filled with the project's submission code."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import stat
from pathlib import Path

import duckdb
import pytest

from etl import schema, store, versions
from etl.cli import main as etl_main
from etl.submissions.registry import Registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "submissions" / "valid"
SUBMISSION = FIXTURES / "gtm_returns_igm_2020_2023_es.csv"
PASSWORD = "correct horse battery staple"
ETL_MODULES = ["etl.commands", "etl.store_cli"]


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A scratch store root and registry; no explicit store, no server pin; this thread unpinned afterwards."""
    for name in ("ATLAS_STORE", "ATLAS_STORE_VERSION", "ATLAS_STORE_KEEP", "ATLAS_STORE_PIN_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ATLAS_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "registry"))
    token = versions.pin(None)
    yield tmp_path
    versions.unpin(token)


def make_store(path: Path, label: str) -> Path:
    """A tiny valid store: the contract's observations (empty) and datasets tables (one row whose checksum is the
    label, so each label is other data) and ``build_info`` = label."""
    with duckdb.connect(str(path)) as con:
        con.execute(schema.ddl("observations", schema.OBS_TYPES))
        con.execute(schema.ddl("datasets", schema.DATASET_TYPES))
        con.execute("INSERT INTO datasets (dataset_id, sha256, version, row_count) VALUES ('tiny', ?, 1, 0)", [label])
        con.execute("CREATE TABLE build_info (key VARCHAR, value VARCHAR)")
        con.execute("INSERT INTO build_info VALUES ('built_at_utc', ?)", [label])
    return path


def add_build(tmp_path: Path, label: str, minute: int) -> str:
    """A new build version made the way ``etl.store.build`` makes one; returns its id."""
    built = make_store(tmp_path / f"{label}.duckdb", label)
    when = dt.datetime(2026, 12, 6, 7, minute, tzinfo=dt.UTC)
    return versions.add_build_version(built, {"observations": 0}, store.registry_dir() / "published", built_at=when)


def read_label() -> str:
    with store.connect() as con:
        return con.execute("SELECT value FROM build_info").fetchone()[0]


def public_dataset_ids() -> list[str]:
    with store.connect() as con:
        return [r[0] for r in con.execute("SELECT DISTINCT dataset_id FROM public_observations ORDER BY 1").fetchall()]


@pytest.fixture(scope="module")
def registry_base(tmp_path_factory):
    """A registry with one stored (not yet published) submission, made once for the module."""
    path = tmp_path_factory.mktemp("registry_base")
    reg = Registry(path)
    reg.add_account("ana.gtm", PASSWORD, "focal_point", "GTM", "Ana")
    reg.add_account("admin", PASSWORD, "regional_admin")
    result = reg.ingest(SUBMISSION.read_bytes(), SUBMISSION.name, "GTM", reg.account("ana.gtm"))
    assert result.stored
    return path, result.submission_id


def copy_registry(registry_base, target: Path) -> tuple[Registry, str]:
    import shutil

    shutil.copytree(registry_base[0], target)
    return Registry(target), registry_base[1]


# --- builds and CURRENT ----------------------------------------------------------------------------


def test_a_build_is_a_new_version_and_current_moves_while_the_old_stays_readable(env):
    first = add_build(env, "first", 15)
    assert versions.read_current() == first
    assert first.startswith("20261206T071500Z-") and versions.VERSION_ID.match(first)
    second = add_build(env, "second", 16)
    assert versions.read_current() == second
    assert [v.id for v in versions.list_versions()] == [first, second]
    assert [v.current for v in versions.list_versions()] == [False, True]
    assert read_label() == "second"
    with store.connect(versions.version_dir(first) / "atlas.duckdb") as con:  # the old one is still there, intact
        assert con.execute("SELECT value FROM build_info").fetchone()[0] == "first"
    file = versions.version_dir(second) / "atlas.duckdb"
    assert not stat.S_IMODE(file.stat().st_mode) & 0o222  # read-only file mode
    manifest = versions.read_manifest(second)
    assert manifest["store_sha256"] == versions.compute_sha256(file) and second.endswith(manifest["store_sha256"][:8])
    assert manifest["kind"] == "build" and manifest["tables"] == {"observations": 0}
    assert manifest["published_state"] == "[]"
    assert store.store_path() == file


def test_no_versioned_store_reads_the_legacy_file(env, monkeypatch):
    monkeypatch.setenv("ATLAS_DATA_DIR", str(env))
    assert versions.read_current() is None
    assert store.served_version() is None
    assert store.store_path() == env / "atlas.duckdb"


def test_the_default_root_keeps_data_atlas_duckdb_as_a_link_to_current(env, monkeypatch):
    monkeypatch.delenv("ATLAS_STORE_DIR")
    monkeypatch.setenv("ATLAS_DATA_DIR", str(env))
    make_store(env / "atlas.duckdb", "legacy")  # a store built before versions: replaced by the link
    first = add_build(env, "first", 15)
    link = env / "atlas.duckdb"
    assert link.is_symlink() and link.resolve() == (env / "store" / "versions" / first / "atlas.duckdb").resolve()
    second = add_build(env, "second", 16)
    assert link.resolve() == (env / "store" / "versions" / second / "atlas.duckdb").resolve()
    with store.connect(link) as con:
        assert con.execute("SELECT value FROM build_info").fetchone()[0] == "second"


def test_atlas_store_still_names_one_file_and_bypasses_versions(env, monkeypatch):
    add_build(env, "versioned", 15)
    explicit = make_store(env / "explicit.duckdb", "explicit")
    monkeypatch.setenv("ATLAS_STORE", str(explicit))
    assert store.store_path() == explicit
    assert store.served_version() is None and store.pin_run_version() is None
    assert read_label() == "explicit"
    assert store.data_version().count("|") == 3  # the file fingerprint of before: store, two public files, geometry


# --- one version per run --------------------------------------------------------------------------


def test_a_pinned_run_keeps_its_version_while_current_changes(env):
    first = add_build(env, "first", 15)
    assert store.pin_run_version() == first
    stamp = store.data_version()
    assert stamp.startswith(first + "|")
    second = add_build(env, "second", 16)  # a rebuild lands in the middle of the run
    assert versions.read_current() == second
    assert read_label() == "first" and store.data_version() == stamp and store.served_version() == first
    assert store.pin_run_version() == second  # the next run follows CURRENT
    assert read_label() == "second" and store.data_version().startswith(second + "|")


def test_a_run_in_another_thread_has_its_own_pin(env):
    import threading

    first = add_build(env, "first", 15)
    store.pin_run_version()
    add_build(env, "second", 16)
    seen = {}
    worker = threading.Thread(target=lambda: seen.update(vid=store.pin_run_version(), label=read_label()))
    worker.start()
    worker.join(timeout=30)
    assert seen == {"vid": versions.read_current(), "label": "second"}
    assert store.served_version() == first  # this thread's run is unaffected


def test_atlas_store_version_pins_a_server(env, monkeypatch):
    first = add_build(env, "first", 15)
    add_build(env, "second", 16)
    monkeypatch.setenv("ATLAS_STORE_VERSION", first)
    assert store.pin_run_version() == first and read_label() == "first"
    monkeypatch.setenv("ATLAS_STORE_VERSION", "20990101T000000Z-deadbeef")
    with pytest.raises(versions.VersionNotFoundError, match=f"ATLAS_STORE_VERSION.*kept versions: {first}"):
        store.pin_run_version()


# --- publishing makes a version ---------------------------------------------------------------------


def test_a_publish_produces_a_new_served_version_that_includes_it(env, registry_base):
    reg, sid = copy_registry(registry_base, env / "registry")
    build = add_build(env, "first", 15)
    assert store.pin_run_version() == build and public_dataset_ids() == []
    reg.publish(sid, 1, reg.account("admin"))
    assert store.served_version() == build  # this run still reads what it started with
    served = store.pin_run_version()
    assert served != build and served.endswith("-p" + versions.published_id(f'[["{sid}", 1]]'.encode()))
    assert versions.read_current() == served
    assert public_dataset_ids() == [sid]
    manifest = versions.read_manifest(served)
    assert manifest["kind"] == "publish" and manifest["derived_from"] == build and manifest["build_id"] == build
    assert manifest["published_rows"]["observations"] > 0
    same_build = [versions.version_dir(v) / "atlas.duckdb" for v in (build, served)]
    assert same_build[0].stat().st_ino == same_build[1].stat().st_ino  # a hard link, not a copy
    with versions.pinning(build):
        assert public_dataset_ids() == []  # the build's own version never changes
    assert store.pin_run_version() == served  # nothing changed since: no further version
    reg.withdraw(sid, 1, reg.account("admin"))
    withdrawn = store.pin_run_version()
    assert withdrawn not in (build, served) and public_dataset_ids() == []


def test_public_files_that_disagree_make_no_version(env, registry_base):
    reg, sid = copy_registry(registry_base, env / "registry")
    build = add_build(env, "first", 15)
    reg.publish(sid, 1, reg.account("admin"))
    (reg.path / "published" / "observations.parquet").unlink()  # a rewrite killed half-way
    assert store.pin_run_version() == build


def test_a_rebuild_snapshots_what_is_published(env, registry_base):
    reg, sid = copy_registry(registry_base, env / "registry")
    reg.publish(sid, 1, reg.account("admin"))
    build = add_build(env, "first", 15)
    assert store.pin_run_version() == build and public_dataset_ids() == [sid]


def _sync_in_another_process(args) -> str:
    """Run in a fresh process: wait for the others, then resolve the served version (which makes the new one)."""
    barrier, environ = args
    os.environ.update(environ)
    from etl import store as child_store

    barrier.wait(timeout=60)
    return child_store.resolve_run_version()


def test_processes_that_notice_a_publish_at_once_make_one_version(env, registry_base):
    reg, sid = copy_registry(registry_base, env / "registry")
    build = add_build(env, "first", 15)
    reg.publish(sid, 1, reg.account("admin"))
    ctx = multiprocessing.get_context("spawn")
    environ = {k: os.environ[k] for k in ("ATLAS_STORE_DIR", "ATLAS_REGISTRY")}
    with ctx.Manager() as manager:
        barrier = manager.Barrier(3)
        with ctx.Pool(3) as pool:
            results = pool.map_async(_sync_in_another_process, [(barrier, environ)] * 3).get(timeout=120)
    assert len(set(results)) == 1 and results[0] != build
    assert [v.id for v in versions.list_versions()] == [build, results[0]]
    assert versions.read_current() == results[0]
    assert not [p.name for p in (env / "store" / "versions").iterdir() if p.name.startswith(".")]


# --- rollback and prune -------------------------------------------------------------------------------


def test_store_use_rolls_back_and_says_which_versions_exist(env, capsys):
    first = add_build(env, "first", 15)
    second = add_build(env, "second", 16)
    assert etl_main(ETL_MODULES, ["store", "use", first]) == 0
    assert versions.read_current() == first and f"CURRENT -> {first}" in capsys.readouterr().out
    assert store.pin_run_version() == first and read_label() == "first"
    assert etl_main(ETL_MODULES, ["store", "use", "yesterday"]) == 1
    err = capsys.readouterr().err
    assert "'yesterday' does not exist" in err and first in err and second in err
    assert versions.read_current() == first
    assert etl_main(ETL_MODULES, ["store", "versions"]) == 0
    out = capsys.readouterr().out
    assert f"*  {first}" in out and f"   {second}" in out


def test_store_use_after_a_withdrawal_keeps_the_withdrawn_data_out(env, registry_base, capsys):
    reg, sid = copy_registry(registry_base, env / "registry")
    reg.publish(sid, 1, reg.account("admin"))
    old = add_build(env, "old", 15)  # its snapshot holds the submission
    add_build(env, "new", 16)
    reg.withdraw(sid, 1, reg.account("admin"))
    assert etl_main(ETL_MODULES, ["store", "use", old]) == 0
    served = store.pin_run_version()
    assert served != old and read_label() == "old" and public_dataset_ids() == []
    assert served in capsys.readouterr().out


def test_prune_keeps_the_newest_current_and_recently_served(env, monkeypatch):
    ids = [add_build(env, f"b{i}", 10 + i) for i in range(5)]
    versions.set_current(ids[0])  # rolled back to the oldest
    versions.mark_served(ids[1])
    assert versions.prune(keep=2, pin_minutes=60) == [ids[2]]
    assert [v.id for v in versions.list_versions()] == [ids[0], ids[1], ids[3], ids[4]]
    assert versions.prune(keep=1, pin_minutes=0) == [ids[1], ids[3]]
    assert [v.id for v in versions.list_versions()] == [ids[0], ids[4]]
    monkeypatch.setenv("ATLAS_STORE_KEEP", "many")
    with pytest.raises(ValueError, match=r"\$ATLAS_STORE_KEEP must be a whole number, got 'many'"):
        versions.prune()


# --- the API service: one version per request ---------------------------------------------------------


def test_the_api_pins_each_request_to_the_version_current_named_when_it_arrived(env, monkeypatch):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import load_settings

    first = add_build(env, "first", 15)
    app = create_app(load_settings(rate_limit_per_minute=0), versions_root=env / "api_versions")
    with TestClient(app) as client:
        health = client.get("/health").json()
        assert health["store_version"] == first and health["data_version"].startswith("first")
        second = add_build(env, "second", 16)
        health = client.get("/health").json()
        assert health["store_version"] == second and health["data_version"].startswith("second")
        monkeypatch.setenv("ATLAS_STORE_VERSION", "20990101T000000Z-deadbeef")
        refused = client.get("/health")
        assert refused.status_code == 503 and first in refused.text and second in refused.text
    assert versions.pinned() is None  # the request's pin ended with the request
