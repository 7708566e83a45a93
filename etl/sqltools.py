"""Small SQL helpers shared by the store build and the cross-tab engine.

They sit at the bottom of ``etl`` so that the store build, the record-level tables and the
cross-tab engine use one definition of a safe identifier without importing each other.
"""

from __future__ import annotations

import re

import duckdb

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
MONTH_KEY = "_period_month"  # a record-level table's month key (yyyymm), derived from its date at load


def validate_identifier(name: str, what: str) -> str:
    """``name`` if it is a plain SQL identifier; a ValueError naming ``what`` otherwise."""
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise ValueError(f"{what} {name!r} is not a plain identifier (letters, digits, underscore)")
    return name


def quote(name: str) -> str:
    """A validated identifier in double quotes, ready for SQL."""
    return '"' + validate_identifier(name, "identifier") + '"'


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table or view ``name`` is visible on ``con`` (temporary views included)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = $n "
        "UNION ALL SELECT count(*) FROM duckdb_views() WHERE view_name = $n",
        {"n": name},
    ).fetchall()
    return sum(r[0] for r in found) > 0


def table_columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """Column names of a table or view, in order."""
    return [r[0] for r in con.execute(f"DESCRIBE {quote(name)}").fetchall()]
