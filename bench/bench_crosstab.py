"""Cross-tabulation over 10 million SYNTHETIC entry/exit records: the explorer's DuckDB engine vs plain pandas.

Budget (/work/shared/DESIGN.md): a cross-tabulation over 10 million records in at most 1 s.
The three-dimension table nationality × month × port is timed warm (median of several
runs) through the engine (``etl.crosstab``: SQL in DuckDB, the cells fetched into a tidy
frame), with and without totals, then the same count in plain pandas on a frame already
in memory. The explorer's full path (validation, labels, disclosure control) is timed on
a page-sized filter of the same three dimensions. Prints figures; asserts nothing.

The SYNTHETIC file is generated once into data/synthetic/ (git-ignored) and reused, and
so is the benchmark's own DuckDB store there; ``--records`` makes a smaller run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etl.crosstab import build_spec, run_crosstab  # noqa: E402
from etl.crosstab.catalogue import load_catalogue  # noqa: E402
from etl.crosstab.engine import compute_cells  # noqa: E402
from etl.microdata import build_microdata_tables  # noqa: E402
from etl.schema import DATASET_TYPES, ddl  # noqa: E402
from etl.synthetic import ensure_synthetic_entry_exit  # noqa: E402
from geodata import paths  # noqa: E402

BUDGET_S = 1.0
RUNS = 5
SOURCE = "synthetic_entry_exit"


def build_bench_store(directory: Path, records: int) -> tuple[Path, Path]:
    """The SYNTHETIC file and a DuckDB store holding it (each made only when missing)."""
    started = time.perf_counter()
    parquet = ensure_synthetic_entry_exit(directory, records)
    made = time.perf_counter() - started
    if made > 1:
        print(f"generated {parquet.name} ({records:,} SYNTHETIC records) in {made:.1f} s")
    store = directory / f"bench_crosstab_{records}.duckdb"
    if not store.exists() or store.stat().st_mtime < parquet.stat().st_mtime:
        started = time.perf_counter()
        tmp = store.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        with duckdb.connect(str(tmp)) as con:
            con.execute(ddl("datasets", DATASET_TYPES))
            build_microdata_tables(con, synthetic_records=records, workdir=directory)
        tmp.replace(store)
        print(f"loaded into DuckDB ({store.name}) in {time.perf_counter() - started:.1f} s")
    return parquet, store


def time_runs(fn, runs: int = RUNS) -> tuple[float, object]:
    """Median wall time of ``runs`` calls after one warm-up call, and the last result."""
    result = fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=paths.data_dir() / "synthetic")
    args = parser.parse_args(argv)
    parquet, store = build_bench_store(args.dir, args.records)

    con = duckdb.connect(str(store), read_only=True)
    catalogue = load_catalogue(con, SOURCE)
    three = build_spec(["movements"], ["nationality", "time_period"], ["port"], source=SOURCE, granularity="month",
                       totals="none")
    with_totals = build_spec(["movements"], ["nationality", "time_period"], ["port"], source=SOURCE,
                             granularity="month", totals="totals")
    duck, cells = time_runs(lambda: compute_cells(con, three, catalogue, 10**8))
    duck_totals, cells_totals = time_runs(lambda: compute_cells(con, with_totals, catalogue, 10**8))

    started = time.perf_counter()
    frame = pd.read_parquet(parquet, columns=["nationality", "date", "port"])
    date = pd.to_datetime(frame.pop("date"))
    frame["month"] = (date.dt.year * 100 + date.dt.month).astype("int32")  # the key DuckDB keeps per record
    load_pandas = time.perf_counter() - started
    plain, counts = time_runs(lambda: frame.groupby(["nationality", "month", "port"], observed=True).size())
    same = len(counts) == len(cells) and int(counts.sum()) == int(cells["n"].sum())

    page = build_spec(["movements"], ["nationality", "time_period"], ["port"],
                      {"country": ["CRI"], "time_period": [f"2024-{m:02d}" for m in range(1, 13)]}, source=SOURCE,
                      granularity="month", totals="totals")
    full, result = time_runs(lambda: run_crosstab(con, page), runs=3)
    con.close()

    print(f"records: {args.records:,} SYNTHETIC entry/exit records ({parquet.name})")
    print(f"cross-tab nationality × month × port, DuckDB engine: {duck:.3f} s median of {RUNS} warm runs "
          f"({len(cells):,} cells) [budget {BUDGET_S:.1f} s: {'ok' if duck <= BUDGET_S else 'OVER'}]")
    print(f"  the same with row and column totals (GROUPING SETS): {duck_totals:.3f} s ({len(cells_totals):,} cells)")
    print(f"  the same count in plain pandas (frame in memory): {plain:.3f} s ({len(counts):,} cells; "
          f"{'same cells and total' if same else 'DIFFERENT result'}); reading the frame took {load_pandas:.1f} s")
    print(f"explorer full path (validation, labels, disclosure control) for CRI 2024, nationality × month × port "
          f"with totals: {full:.3f} s ({len(result.tidy):,} cells, {result.disclosure.primary} primary and "
          f"{result.disclosure.secondary} secondary suppressions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
