"""``python -m etl query``: the explorer's cross-tabulation from the command line, as CSV.

    python -m etl query --measure entries --rows ref_area --cols time_period \\
        --filter dataset=pan_darien_transit_nationality --totals totals --out darien.csv
    python -m etl query --url "measure=entries&rows=ref_area&cols=time_period" --lang en

``--url`` takes the query string of an explorer page link, so a table seen on screen is
reproduced exactly by a script. The CSV opens with the same header block as the page's
download (``--no-header`` leaves it out; ``--long`` writes one row per cell instead).
A bad query prints every problem, with the valid choices, and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl.cli import Command
from etl.cli import main as cli_main
from etl.crosstab.engine import run_crosstab
from etl.crosstab.export import build_csv, build_long_csv
from etl.crosstab.messages import LANGS, CrosstabError, Problem
from etl.crosstab.spec import (
    AREA_LEVELS, GRANULARITIES, SHARES, TOTALS, QuerySpec, build_spec, parse_query, query_string,
)
from etl.crosstab.version import load_data_version
from etl.store import StoreNotBuiltError, connect

EXIT_BAD_QUERY = 2
EXIT_NO_STORE = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m etl query``."""
    parser.add_argument("--url", help="an explorer query string (overrides the options below)")
    parser.add_argument("--source", default="observations", help="observations, or a record-level dataset id")
    parser.add_argument("--measure", action="append", default=[], help="a measure code (repeat for several)")
    parser.add_argument("--rows", default="", help="dimensions in rows, comma-separated")
    parser.add_argument("--cols", default="", help="dimensions in columns, comma-separated")
    parser.add_argument("--filter", action="append", default=[], metavar="DIM=CODE,CODE",
                        help="keep only these codes of a dimension (repeatable)")
    parser.add_argument("--granularity", default="year", choices=GRANULARITIES)
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
    return build_spec(measures, _split(args.rows), _split(args.cols), filters, source=args.source,
                      granularity=args.granularity, area_level=args.area_level, totals=args.totals,
                      shares=args.shares, per_capita=args.per_capita)


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def run_query_command(args: argparse.Namespace) -> int:
    """Run the query and write CSV; problems go to standard error in ``--lang``."""
    try:
        spec = build_spec_from_args(args)
        with connect(args.store) as con:
            result = run_crosstab(con, spec)
            version = load_data_version(con)
    except CrosstabError as err:
        print(err.message(args.lang), file=sys.stderr)
        return EXIT_BAD_QUERY
    except StoreNotBuiltError as err:
        print(str(err), file=sys.stderr)
        return EXIT_NO_STORE
    build = build_long_csv if args.long else build_csv
    text = build(result, args.lang, version, header=not args.no_header)
    if args.out:
        args.out.write_bytes(text)
        print(f"{args.out}: {len(result.tidy)} cells (?{query_string(spec)})", file=sys.stderr)
    else:
        sys.stdout.write(text.decode("utf-8-sig"))
    return 0


COMMANDS = [Command("query", "cross-tabulate the store (as the explorer page does) and write CSV",
                    run_query_command, add_arguments)]


def main(argv: list[str] | None = None) -> int:
    """``python -m etl query ...`` with only this module's command (used by tests and ``python -m etl.crosstab``)."""
    return cli_main([__name__], argv)
