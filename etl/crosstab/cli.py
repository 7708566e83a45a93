"""``python -m etl query``: the explorer's cross-tabulation from the command line, as CSV.

    python -m etl query --measure entries --rows ref_area --cols time_period \\
        --filter dataset=pan_darien_transit_nationality --totals totals --out darien.csv
    python -m etl query --url "measure=entries&rows=ref_area&cols=time_period" --lang en

``--url`` takes the query string of an explorer page link, so a table seen on screen is
reproduced exactly by a script. The CSV opens with the same header block as the page's
download (``--no-header`` leaves it out; ``--long`` writes one row per cell instead).

Exit status: 0 done; 2 bad input (every problem of a query, with the valid choices; a
``--store`` that is not a store, e.g. a DuckDB file without ``observations``; an ``--out``
that cannot be written), each on its own line in ``--lang``, never a traceback; 1 the store
has not been built yet (as the other ``etl`` commands).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from etl.cli import Command
from etl.cli import main as cli_main
from etl.crosstab.engine import run_crosstab
from etl.crosstab.export import build_csv, build_long_csv
from etl.crosstab.messages import LANGS, CrosstabError, Problem
from etl.crosstab.spec import (
    AREA_LEVELS,
    OBSERVATION_GRANULARITIES,
    SHARES,
    TOTALS,
    QuerySpec,
    build_spec,
    parse_query,
    query_string,
)
from etl.crosstab.version import load_data_version
from etl.sqltools import table_exists
from etl.store import connect, store_path
from geodata import DataNotBuiltError

EXIT_BAD_QUERY = 2
EXIT_NO_STORE = 1
STORE_TABLES = ("observations", "datasets")  # what etl.store.connect() builds its public views on


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m etl query``."""
    parser.add_argument("--url", help="an explorer query string (overrides the options below)")
    parser.add_argument("--source", default="observations", help="observations, or a record-level dataset id")
    parser.add_argument("--measure", action="append", default=[], help="a measure code (repeat for several)")
    parser.add_argument("--rows", default="", help="dimensions in rows, comma-separated")
    parser.add_argument("--cols", default="", help="dimensions in columns, comma-separated")
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="DIM=CODE,CODE",
        help="keep only these codes of a dimension (repeatable)",
    )
    parser.add_argument("--granularity", default="year", choices=OBSERVATION_GRANULARITIES)
    parser.add_argument("--area-level", default="country", choices=AREA_LEVELS)
    parser.add_argument("--totals", default="totals", choices=TOTALS)
    parser.add_argument("--shares", default="none", choices=SHARES)
    parser.add_argument("--per-capita", action="store_true", help="add rates per 1,000 inhabitants")
    parser.add_argument("--lang", default="es", choices=LANGS, help="language of labels and messages")
    parser.add_argument("--long", action="store_true", help="one row per cell instead of the pivoted table")
    parser.add_argument("--no-header", action="store_true", help="leave out the header block")
    parser.add_argument("--out", type=Path, help="CSV file to write (default: standard output)")
    parser.add_argument("--store", type=Path, help="store file (default: $ATLAS_STORE or data/atlas.duckdb)")


def build_spec_from_args(args: argparse.Namespace) -> QuerySpec:
    """The query spec from the command line (``--url`` wins over the separate options)."""
    if args.url:
        return parse_query(args.url)
    filters: dict[str, list[str]] = {}
    for text in args.filter:
        dim, sep, codes = text.partition("=")
        if not sep or not dim.strip():
            raise CrosstabError([Problem("bad_filter_syntax", "--filter", {"value": text})])
        filters.setdefault(dim.strip(), []).extend(c.strip() for c in codes.split(",") if c.strip())
    measures = [m for text in args.measure for m in _split(text)]
    return build_spec(
        measures,
        _split(args.rows),
        _split(args.cols),
        filters,
        source=args.source,
        granularity=args.granularity,
        area_level=args.area_level,
        totals=args.totals,
        shares=args.shares,
        per_capita=args.per_capita,
    )


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def validate_store_file(path: Path) -> list[Problem]:
    """Problems that keep ``path`` from being read as the store (empty when it can be);
    ``store_missing`` when there is no file at all (the store is not built)."""
    where = f"--store {path}"
    if not path.exists():
        return [Problem("store_missing", where, {})]
    if not path.is_file():
        return [Problem("store_not_a_file", where, {})]
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            missing = [t for t in STORE_TABLES if not table_exists(con, t)]
    except duckdb.Error as err:
        return [Problem("store_unreadable", where, {"detail": _first_line(err)})]
    if missing:
        return [Problem("store_incomplete", where, {"value": ", ".join(missing)})]
    return []


def validate_out_path(path: Path | None) -> list[Problem]:
    """Problems that keep ``--out`` from being written (empty for standard output or a writable file)."""
    if path is None:
        return []
    if path.is_dir():
        return [Problem("out_is_directory", f"--out {path}", {})]
    if not path.parent.is_dir():
        return [Problem("out_no_directory", f"--out {path}", {"directory": str(path.parent)})]
    return []


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def run_query_command(args: argparse.Namespace) -> int:
    """Run the query and write CSV; problems go to standard error in ``--lang``, one per line."""
    store = args.store or store_path()
    problems = validate_store_file(store)
    if any(p.key == "store_missing" for p in problems):
        return _fail(CrosstabError(problems), args.lang, EXIT_NO_STORE)
    try:
        spec = build_spec_from_args(args)
        problems += validate_out_path(args.out)
        if problems:
            raise CrosstabError(problems)
        with connect(store) as con:
            result = run_crosstab(con, spec)
            version = load_data_version(con)
    except CrosstabError as err:
        return _fail(err, args.lang, EXIT_BAD_QUERY)
    except DataNotBuiltError:
        return _fail(CrosstabError([Problem("store_missing", f"--store {store}", {})]), args.lang, EXIT_NO_STORE)
    except duckdb.Error as err:  # a store that opens but cannot answer (a registry table is missing …)
        problem = Problem("store_query_failed", f"--store {store}", {"detail": _first_line(err)})
        return _fail(CrosstabError([problem]), args.lang, EXIT_BAD_QUERY)
    text = (build_long_csv if args.long else build_csv)(result, args.lang, version, header=not args.no_header)
    return write_output(text, args.out, f"{len(result.tidy)} cells (?{query_string(spec)})", args.lang)


def write_output(text: bytes, out: Path | None, summary: str, lang: str) -> int:
    """Write the CSV to ``out`` (a one-line summary on standard error) or to standard output."""
    if out is None:
        sys.stdout.write(text.decode("utf-8-sig"))
        return 0
    try:
        out.write_bytes(text)
    except OSError as err:
        problem = Problem("out_unwritable", f"--out {out}", {"detail": _first_line(err)})
        return _fail(CrosstabError([problem]), lang, EXIT_BAD_QUERY)
    print(f"{out}: {summary}", file=sys.stderr)
    return 0


def _fail(err: CrosstabError, lang: str, code: int) -> int:
    print(err.message(lang), file=sys.stderr)
    return code


COMMANDS = [
    Command(
        "query", "cross-tabulate the store (as the explorer page does) and write CSV", run_query_command, add_arguments
    )
]


def main(argv: list[str] | None = None) -> int:
    """``python -m etl query ...`` with only this module's command (used by tests and ``python -m etl.crosstab``)."""
    return cli_main([__name__], argv)
