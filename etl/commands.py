"""The store's subcommands: ``build``, ``datasets``, ``check``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from etl import controls, pipeline, store
from etl.cli import Command
from etl.sources._common import SourceFormatError
from geodata import DataNotBuiltError


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help='store file (default: $ATLAS_STORE, else the served version: docs/STORE.md "Versions")',
    )


def run_build(args: argparse.Namespace) -> int:
    """Build the store; on a bad source file print what, where and how to fix, keep the old store, exit 1."""
    try:
        report = pipeline.build_store(args.store, synthetic_records=args.synthetic_records)
    except (SourceFormatError, store.StoreBuildError, DataNotBuiltError) as err:
        print(f"etl build failed, the previous store is unchanged:\n{err}", file=sys.stderr)
        return 1
    print(store.dump_report(report) if args.json else report.to_text())
    return 0


def _build_options(parser: argparse.ArgumentParser) -> None:
    _store_option(parser)
    parser.add_argument("--json", action="store_true", help="print the build report as JSON")
    parser.add_argument(
        "--synthetic-records",
        type=_non_negative,
        default=_env_records(),
        help="add N SYNTHETIC entry/exit records (for demonstrating the explorer; default "
        "$ATLAS_SYNTHETIC_RECORDS or 0: real data only)",
    )


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of records, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more records, got {value}")
    return value


def _env_records() -> int:
    """``$ATLAS_SYNTHETIC_RECORDS`` (0 when unset or empty)."""
    raw = os.environ.get("ATLAS_SYNTHETIC_RECORDS", "").strip()
    return _non_negative(raw) if raw else 0


def run_datasets(args: argparse.Namespace) -> int:
    """List every dataset with its licence and row count."""
    try:
        frame = store.load_datasets(args.store)
    except DataNotBuiltError as err:
        print(err, file=sys.stderr)
        return 1
    width = max(frame["dataset_id"].str.len().max(), 10)
    print(f"{'dataset_id':<{width}}  {'rows':>9}  licence")
    for row in frame.itertuples(index=False):
        print(f"{row.dataset_id:<{width}}  {row.row_count:>9,}  {row.licence}")
    print(f"{len(frame)} datasets, {int(frame['row_count'].sum()):,} observations")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Print every control (expected vs found, pass/fail); exit 1 if any fails."""
    try:
        con = store.connect(args.store)
    except DataNotBuiltError as err:
        print(err, file=sys.stderr)
        return 1
    with con:
        results = controls.run_controls(con)
        structural = controls.run_structural(con)
    failed = 0
    for r in results:
        failed += not r.passed
        expected = "n/a" if r.expected is None else f"{r.expected:,.6g}" if r.expected % 1 else f"{r.expected:,.0f}"
        found = "n/a" if r.found is None else f"{r.found:,.6g}" if r.found % 1 else f"{r.found:,.0f}"
        print(
            f"{'PASS' if r.passed else 'FAIL'}  {r.control.dataset_id:<34} {r.control.name}: expected {expected}, "
            f"found {found}  [{r.control.where}]"
        )
    for name, offending in structural:
        failed += offending > 0
        print(f"{'PASS' if offending == 0 else 'FAIL'}  {'structure':<34} {name}: {offending} offending row(s)")
    total = len(results) + len(structural)
    print(f"{total - failed} of {total} controls pass" + (f"; {failed} FAIL" if failed else ""))
    return 1 if failed else 0


COMMANDS = [
    Command(
        "build",
        "build the store from the vendored sources (into a temp file, then swapped in)",
        run_build,
        _build_options,
    ),
    Command("datasets", "list every dataset with its licence and row count", run_datasets, _store_option),
    Command("check", "verify control totals (expected vs found) and the store's structure", run_check, _store_option),
]
