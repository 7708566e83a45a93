"""Kept data versions: an immutable Parquet copy of everything the public reads, per data version.

A *data version* is what ``etl.crosstab.version.load_data_version`` states on every table
(``"<build time UTC> · <12-hex content hash>"``); its hash part is the version's id. The
service keeps each version it has seen under ``data/versions/<id>/`` (``$ATLAS_API_VERSIONS``
moves it)::

    version.json                 {"id", "version", "kept_at_utc", "tables": {name: rows}}
    public_observations.parquet  the store's public_observations view (published data only)
    public_datasets.parquet      the store's public_datasets view
    <table>.parquet              every other store table (codelists, territories, build_info …)
    submission_dataset_dimensions.parquet   what the published submissions' dim_N columns hold

A copy is written into a temporary directory and renamed into place, so a directory that
exists is complete and never changes afterwards. A copy is taken whenever the service sees
a data version it does not keep yet (at start, and at the first request after ``make data``,
a publication or a withdrawal), or by ``python -m api snapshot``. The newest
``settings.keep_versions`` copies are kept; older ones are deleted, and a request pinned to
one of them gets a problem naming the versions still kept. Drafts never reach a copy (only
the public views are copied), and when a submission version is withdrawn, every kept copy
that holds it is deleted (``purge_withdrawn``): withdrawn data are not served even pinned.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from etl import store as etl_store
from etl.crosstab.version import load_data_version
from etl.submissions.registry import REGISTRY_ERRORS
from geodata import paths

log = logging.getLogger(__name__)

VERSION_FILE = "version.json"
SUBMISSION_DIMENSIONS = "submission_dataset_dimensions"  # published/dataset_dimensions.parquet of the registry
PUBLIC_TABLES = {"public_observations": "observations", "public_datasets": "datasets"}
# Deterministic row order of the observation copy (also the order the SDMX service reads in).
OBS_ORDER = (
    "dataset_id, measure, unit, ref_area, counterpart_area, sex, age, dim_1, dim_2, dim_3, dim_4, dim_5, "
    "time_start, time_period"
)
VERSION_ID = re.compile(r"^[0-9a-f]{12}$")


class VersionNotKeptError(LookupError):
    """A version id that is malformed or no longer kept; ``kept`` lists the ones that are."""

    def __init__(self, requested: str, kept: list[str]):
        self.requested, self.kept = requested, kept
        super().__init__(f"data version {requested!r} is not kept; kept versions: {', '.join(kept) or 'none'}")


@dataclass(frozen=True)
class VersionInfo:
    """One kept version: its id (12 hex), the full data version string, when it was copied, row counts."""

    id: str
    version: str
    kept_at_utc: str
    tables: dict

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "version": self.version,
            "kept_at_utc": self.kept_at_utc,
            "observations": self.tables.get("public_observations", 0),
        }


def versions_dir() -> Path:
    """``$ATLAS_API_VERSIONS``, else ``data/versions``."""
    env = os.environ.get("ATLAS_API_VERSIONS")
    return Path(env) if env else paths.data_dir() / "versions"


def version_id(data_version: str) -> str:
    """The id of a data version string: its 12-hex content hash (the part after ``·``)."""
    return data_version.rsplit("·", 1)[-1].strip()


def read_info(directory: Path) -> VersionInfo:
    with open(directory / VERSION_FILE, encoding="utf-8") as fh:
        raw = json.load(fh)
    return VersionInfo(raw["id"], raw["version"], raw["kept_at_utc"], raw.get("tables", {}))


def list_versions(root: Path | None = None) -> list[VersionInfo]:
    """Every complete kept version, oldest first."""
    root = root or versions_dir()
    if not root.is_dir():
        return []
    out = [
        read_info(d) for d in root.iterdir() if d.is_dir() and VERSION_ID.match(d.name) and (d / VERSION_FILE).exists()
    ]
    return sorted(out, key=lambda v: (v.kept_at_utc, v.id))


def snapshot_store(store: Path | None = None, root: Path | None = None) -> VersionInfo:
    """Copy the store's public data into ``<root>/<id>/`` unless that version is kept already."""
    root = root or versions_dir()
    with etl_store.connect(store) as con:
        full = load_data_version(con)
        vid = version_id(full)
        target = root / vid
        if (target / VERSION_FILE).exists():
            return read_info(target)
        root.mkdir(parents=True, exist_ok=True)
        tmp = root / f".tmp-{vid}-{os.getpid()}-{threading.get_ident()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            tables = _copy_tables(con, tmp)
            info = VersionInfo(vid, full, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), tables)
            (tmp / VERSION_FILE).write_text(
                json.dumps(
                    {"id": vid, "version": full, "kept_at_utc": info.kept_at_utc, "tables": tables},
                    indent=1,
                    sort_keys=True,
                ),
                encoding="utf-8",
            )
            try:
                os.rename(tmp, target)
            except OSError:  # another process kept the same version first: theirs is identical
                if not (target / VERSION_FILE).exists():
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return read_info(target)


def _copy_tables(con: duckdb.DuckDBPyConnection, tmp: Path) -> dict[str, int]:
    """Write the public views and every other store table as Parquet; returns the row counts."""
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name"
        ).fetchall()
    ]
    sources = {view: view for view in PUBLIC_TABLES}
    sources.update({n: n for n in names if n not in PUBLIC_TABLES.values()})
    counts = {}
    for name, source in sources.items():
        order = f" ORDER BY {OBS_ORDER}" if name == "public_observations" else " ORDER BY ALL"
        if name.startswith("microdata_") or name == "mmp_incidents":
            order = ""  # record-level and list columns: kept as stored
        target = str(tmp / f"{name}.parquet").replace("'", "''")
        select = f'SELECT * FROM "{source}"'
        con.execute(f"COPY ({select}{order}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
        counts[name] = con.execute(f"SELECT count(*) FROM ({select})").fetchone()[0]
    published = etl_store.registry_dir() / "published" / "dataset_dimensions.parquet"
    if published.exists():  # what the published submissions' dim_N columns hold (for the SDMX structures)
        source = "read_parquet('" + str(published).replace("'", "''") + "')"
        target = str(tmp / f"{SUBMISSION_DIMENSIONS}.parquet").replace("'", "''")
        con.execute(f"COPY (SELECT * FROM {source} ORDER BY ALL) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
        counts[SUBMISSION_DIMENSIONS] = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
    return counts


def prune_versions(keep: int, protect: str | None = None, root: Path | None = None) -> list[str]:
    """Delete all but the newest ``keep`` versions (never ``protect``); returns the deleted ids."""
    kept = list_versions(root)
    excess = [v for v in kept[:-keep] if v.id != protect] if keep > 0 else []
    for v in excess:
        shutil.rmtree((root or versions_dir()) / v.id, ignore_errors=True)
    return [v.id for v in excess]


def load_withdrawn() -> set[tuple[str, int]]:
    """``(submission_id, version)`` of every withdrawn submission version in the registry (empty without one)."""
    from etl.submissions.registry import Registry

    registry = Registry(etl_store.registry_dir())
    if not registry.exists:
        return set()
    frame = registry.versions()
    frame = frame[frame["status"] == "withdrawn"]
    return {(str(s), int(v)) for s, v in zip(frame["submission_id"], frame["version"])}


def purge_withdrawn(root: Path | None = None, protect: str | None = None) -> list[str]:
    """Delete every kept version that holds a submission version withdrawn since: withdrawn data are never
    served, not even pinned. Returns the deleted ids (``protect``, the current version, is never deleted)."""
    withdrawn = load_withdrawn()
    if not withdrawn:
        return []
    deleted = []
    for v in list_versions(root):
        if v.id == protect:
            continue
        directory = (root or versions_dir()) / v.id
        frame = pq.read_table(directory / "public_datasets.parquet", columns=["dataset_id", "kind", "version"])
        rows = frame.to_pylist()
        held = {(r["dataset_id"], int(r["version"])) for r in rows if r["kind"] == "submission"}
        if held & withdrawn:
            shutil.rmtree(directory, ignore_errors=True)
            deleted.append(v.id)
    return deleted


def open_version(directory: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with every table of a kept version loaded (the store's names, public views included)."""
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    for file in sorted(directory.glob("*.parquet")):
        literal = str(file).replace("'", "''")
        con.execute(f"CREATE TABLE \"{file.stem}\" AS SELECT * FROM read_parquet('{literal}')")
    con.execute("CREATE OR REPLACE MACRO us_fiscal_year(d) AS year(CAST(d AS DATE) + INTERVAL 3 MONTH)")
    return con


class VersionStore:
    """The kept versions of one service: which is current, and open connections to the latest few.

    ``current()`` notices a rebuilt store or a publication by the store's cheap file
    fingerprint (``etl.store.data_version``) and copies the new version before serving it.
    ``cursor(vid)`` gives a thread-own cursor on the in-memory copy of a kept version.
    """

    def __init__(self, root: Path | None = None, keep: int = 20, open_max: int = 3, store: Path | None = None):
        self.root, self.keep, self.open_max, self.store = root, keep, open_max, store
        self._lock = threading.Lock()
        self._fingerprint: str | None = None
        self._current: VersionInfo | None = None
        self._open: OrderedDict[str, duckdb.DuckDBPyConnection] = OrderedDict()

    @property
    def directory(self) -> Path:
        return self.root or versions_dir()

    @property
    def last_known(self) -> VersionInfo | None:
        """The current version as last checked (no file access): for headers of error responses."""
        return self._current

    def current(self) -> VersionInfo:
        """The version the store holds now (copied first if it is new)."""
        fingerprint = etl_store.data_version() if self.store is None else _file_fingerprint(self.store)
        if self._current is not None and fingerprint == self._fingerprint:
            return self._current
        with self._lock:
            if self._current is None or fingerprint != self._fingerprint:
                info = snapshot_store(self.store, self.directory)
                prune_versions(self.keep, protect=info.id, root=self.directory)
                try:
                    purged = purge_withdrawn(self.directory, protect=info.id)
                except REGISTRY_ERRORS as err:  # the registry's database is down: serve, and purge next time
                    log.warning("withdrawn versions not purged, the registry is unavailable (%s); retried", err)
                    self._current = info
                    return info
                for vid in purged:
                    old = self._open.pop(vid, None)
                    if old is not None:
                        old.close()
                self._current, self._fingerprint = info, fingerprint
            return self._current

    def resolve(self, requested: str | None) -> VersionInfo:
        """The current version, or the kept version ``requested`` (its id, or the full version string)."""
        current = self.current()
        if requested is None or requested in ("", "latest", current.id, current.version):
            return current
        vid = version_id(requested) if "·" in requested else requested.strip().lower()
        directory = self.directory / vid
        if not VERSION_ID.match(vid) or not (directory / VERSION_FILE).exists():
            raise VersionNotKeptError(requested, [v.id for v in list_versions(self.directory)])
        return read_info(directory)

    def cursor(self, vid: str) -> duckdb.DuckDBPyConnection:
        """A new cursor on the in-memory copy of kept version ``vid`` (close it after use)."""
        with self._lock:
            con = self._open.get(vid)
            if con is None:
                con = open_version(self.directory / vid)
                self._open[vid] = con
                while len(self._open) > self.open_max:
                    _, old = self._open.popitem(last=False)
                    old.close()
            else:
                self._open.move_to_end(vid)
            return con.cursor()

    def kept(self) -> list[VersionInfo]:
        return list_versions(self.directory)


def _file_fingerprint(path: Path) -> str:
    """Modification time, size and inode of a store file plus the published registry files."""
    parts = []
    for f in (
        path,
        etl_store.registry_dir() / "published" / "observations.parquet",
        etl_store.registry_dir() / "published" / "datasets.parquet",
    ):
        try:
            st = f.stat()
            parts.append(f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}")
        except FileNotFoundError:
            parts.append("-")
    return "|".join(parts)
