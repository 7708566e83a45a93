"""The data version stated on every table: when the store was built, and a hash of its content.

The hash covers every dataset's provenance (id, checksum, version, revision, rows) and
every record-level table (id, checksum, rows), so two stores with the same hash hold the
same data; the build time is the store file's modification time (UTC).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import duckdb

from etl.crosstab.catalogue import DATASETS_VIEW
from etl.sqltools import quote, table_columns, table_exists


def load_data_version(con: duckdb.DuckDBPyConnection) -> str:
    """``"<build time UTC> · <12-hex content hash>"`` of the store behind ``con``."""
    digest = hashlib.sha256()
    view = DATASETS_VIEW if table_exists(con, DATASETS_VIEW) else "datasets"
    if table_exists(con, view):
        cols = [
            c for c in ("dataset_id", "sha256", "version", "revision", "row_count") if c in table_columns(con, view)
        ]
        rows = con.execute(
            f"SELECT {', '.join(f'CAST({quote(c)} AS VARCHAR)' for c in cols)} FROM {quote(view)} ORDER BY ALL"
        ).fetchall()
        digest.update(repr(rows).encode())
    if table_exists(con, "microdata_tables"):
        rows = con.execute("SELECT dataset_id, sha256, row_count FROM microdata_tables ORDER BY ALL").fetchall()
        digest.update(repr(rows).encode())
    return f"{_build_time(con)} · {digest.hexdigest()[:12]}"


def _build_time(con: duckdb.DuckDBPyConnection) -> str:
    """``build_info.built_at_utc`` when the store recorded it, else the file's modification time."""
    if table_exists(con, "build_info"):
        row = con.execute("SELECT value FROM build_info WHERE key = 'built_at_utc'").fetchone()
        if row:
            return str(row[0])
    for _, name, path in con.execute("PRAGMA database_list").fetchall():
        if name not in ("temp", "system") and path and os.path.exists(path):
            stamp = dt.datetime.fromtimestamp(os.path.getmtime(path), tz=dt.UTC)
            return stamp.strftime("%Y-%m-%dT%H:%MZ")
    return "in-memory"
