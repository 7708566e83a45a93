"""Cross-tabulation over 10 million SYNTHETIC entry/exit records: the explorer's DuckDB engine vs plain pandas.

Budget (/work/shared/DESIGN.md): a cross-tabulation over 10 million records in at most 1 s.
Three figures, each printed with what it includes:

(a) engine: the three-dimension table nationality × month × port over all records, timed
    warm (median of several runs) through ``compute_cells`` (SQL in DuckDB, the cells
    fetched into a tidy frame), with and without totals; no validation, labels or
    disclosure control. The budget line refers to this figure and says so.
(b) the explorer's full path, ``run_crosstab`` (validation, filter checks, labels,
    disclosure control: primary, complement and secondary suppression with its audit).
    The same unfiltered query is refused for a confidential source (more cells than
    ``max_cells`` in etl/crosstab/disclosure.yaml), which is printed with the reason; then the
    largest nationality × month × port table the page accepts (the country with the most
    records and its latest year, else a quarter, else a month) is timed end to end, with
    the time of each step.
(c) the same count in plain pandas, on a frame already in memory.

Prints figures; asserts nothing. The SYNTHETIC file is generated once into
data/synthetic/ (git-ignored) and reused, and so is the benchmark's own DuckDB store
there; ``--records`` makes a smaller run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etl.crosstab import CrosstabError, QuerySpec, build_spec, run_crosstab  # noqa: E402
from etl.crosstab.catalogue import load_catalogue, quote  # noqa: E402
from etl.crosstab.disclosure import apply_disclosure_control, load_disclosure_settings  # noqa: E402
from etl.crosstab.engine import compute_cells, compute_complement_mask, load_filter_choices  # noqa: E402
from etl.crosstab.microdata import build_microdata_tables  # noqa: E402
from etl.crosstab.sql import MONTH_KEY  # noqa: E402
from etl.crosstab.synthetic import ensure_synthetic_entry_exit  # noqa: E402
from etl.schema import DATASET_TYPES, ddl  # noqa: E402
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


def time_engine(con: duckdb.DuckDBPyConnection, catalogue) -> dict[str, object]:
    """(a): nationality × month × port over every record through ``compute_cells``, without and with totals."""
    three = build_spec(
        ["movements"], ["nationality", "time_period"], ["port"], source=SOURCE, granularity="month", totals="none"
    )
    duck, cells = time_runs(lambda: compute_cells(con, three, catalogue, 10**8))
    with_totals = QuerySpec(**{**three.__dict__, "totals": "totals"})
    duck_totals, cells_totals = time_runs(lambda: compute_cells(con, with_totals, catalogue, 10**8))
    return {
        "spec": with_totals,
        "time": duck,
        "cells": cells,
        "time_totals": duck_totals,
        "cells_totals": len(cells_totals),
    }


def largest_page_specs(con: duckdb.DuckDBPyConnection, catalogue) -> list[tuple[str, QuerySpec]]:
    """Nationality × month × port for the country with most records: its latest full year, its busiest
    quarter of that year, its busiest month (largest first)."""
    country, year = con.execute(
        f"SELECT country, max({MONTH_KEY} // 100) FROM {quote(catalogue.table)} GROUP BY country "
        "ORDER BY count(*) DESC, country LIMIT 1"
    ).fetchone()
    months = dict(
        con.execute(
            f"SELECT {MONTH_KEY} % 100, count(*) FROM {quote(catalogue.table)} "
            f"WHERE country = $c AND {MONTH_KEY} // 100 = $y GROUP BY 1",
            {"c": country, "y": year},
        ).fetchall()
    )
    quarter = max(range(1, 5), key=lambda q: (sum(months.get(m, 0) for m in range(3 * q - 2, 3 * q + 1)), -q))
    month = max(sorted(months), key=lambda m: months[m])
    periods = [
        (f"{country} {year}", list(range(1, 13))),
        (f"{country} {year}-Q{quarter}", list(range(3 * quarter - 2, 3 * quarter + 1))),
        (f"{country} {year}-{month:02d}", [month]),
    ]
    return [
        (
            label,
            build_spec(
                ["movements"],
                ["nationality", "time_period"],
                ["port"],
                {"country": [country], "time_period": [f"{year}-{m:02d}" for m in ms]},
                source=SOURCE,
                granularity="month",
                totals="totals",
            ),
        )
        for label, ms in periods
    ]


def time_full_path(con: duckdb.DuckDBPyConnection, catalogue, spec: QuerySpec) -> dict[str, object]:
    """``run_crosstab`` on ``spec`` end to end, and each of its costly steps on its own (medians of 3 warm runs)."""
    settings = load_disclosure_settings()
    whole, result = time_runs(lambda: run_crosstab(con, spec), runs=3)
    t_choices, choices = time_runs(lambda: load_filter_choices(con, spec, catalogue), runs=3)
    t_cells, tidy = time_runs(lambda: compute_cells(con, spec, catalogue, settings.max_cells), runs=3)
    t_complement, protect = time_runs(
        lambda: compute_complement_mask(con, spec, catalogue, tidy, choices, settings.threshold, 10**6), runs=3
    )
    t_suppression, _ = time_runs(lambda: apply_disclosure_control(tidy, spec.dims, settings, "n", protect), runs=3)
    return {
        "whole": whole,
        "result": result,
        "choices": t_choices,
        "cells": t_cells,
        "complement": t_complement,
        "suppression": t_suppression,
    }


def time_pandas(parquet: Path) -> dict[str, object]:
    """(c): the same count in plain pandas, on a frame read beforehand."""
    started = time.perf_counter()
    frame = pd.read_parquet(parquet, columns=["nationality", "date", "port"])
    date = pd.to_datetime(frame.pop("date"))
    frame["month"] = (date.dt.year * 100 + date.dt.month).astype("int32")  # the key DuckDB keeps per record
    load = time.perf_counter() - started
    plain, counts = time_runs(lambda: frame.groupby(["nationality", "month", "port"], observed=True).size())
    return {"time": plain, "counts": counts, "load": load}


def _verdict(seconds: float) -> str:
    return "within" if seconds <= BUDGET_S else "OVER"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=paths.data_dir() / "synthetic")
    args = parser.parse_args(argv)
    parquet, store = build_bench_store(args.dir, args.records)
    con = duckdb.connect(str(store), read_only=True)
    catalogue = load_catalogue(con, SOURCE)
    print(
        f"records: {args.records:,} SYNTHETIC entry/exit records ({parquet.name}); confidential: "
        f"{catalogue.is_confidential(['movements'])}; machine: {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f} at start (a shared machine: figures rise with the load)"
    )

    engine = time_engine(con, catalogue)
    print(
        f"(a) engine only (compute_cells: SQL in DuckDB + fetch; no validation, labels or disclosure control), "
        f"nationality × month × port over all records: {engine['time']:.3f} s median of {RUNS} warm runs "
        f"({len(engine['cells']):,} cells); with row and column totals (GROUPING SETS): "
        f"{engine['time_totals']:.3f} s ({engine['cells_totals']:,} cells)"
    )

    try:
        run_crosstab(con, engine["spec"])
        print("(b) explorer full path (run_crosstab), the same query: accepted")
    except CrosstabError as err:
        print(
            f"(b) explorer full path (run_crosstab), the same query with totals: REFUSED ({', '.join(err.keys)}): "
            f"{err.message('en')} (a confidential source: disclosure control takes at most max_cells = "
            f"{load_disclosure_settings().max_cells:,} cells, etl/crosstab/disclosure.yaml; "
            "the page has the same limit)"
        )
    full = None
    for label, spec in largest_page_specs(con, catalogue):
        try:
            full = time_full_path(con, catalogue, spec)
        except CrosstabError as err:
            print(f"    {label}: refused ({err.message('en')})")
            continue
        result = full["result"]
        print(
            f"    largest table the page accepts, {label}, nationality × month × port with totals, end to end "
            f"(validation, labels, disclosure control): {full['whole']:.3f} s median of 3 "
            f"({len(result.tidy):,} cells; {result.disclosure.primary} primary, {result.disclosure.complement} "
            f"complement, {result.disclosure.secondary} secondary suppressions)"
        )
        print(
            f"    its steps (median of 3 each): filter codes {full['choices']:.3f} s, "
            f"cells (SQL) {full['cells']:.3f} s, complement check (SQL, one scan of every record) "
            f"{full['complement']:.3f} s, primary, complement and secondary suppression with the audit "
            f"(linear programmes) {full['suppression']:.3f} s"
        )
        break

    plain = time_pandas(parquet)
    cells = engine["cells"]
    same = len(plain["counts"]) == len(cells) and int(plain["counts"].sum()) == int(cells["n"].sum())
    print(
        f"(c) the same count in plain pandas (frame in memory): {plain['time']:.3f} s ({len(plain['counts']):,} "
        f"cells; {'same cells and total as (a)' if same else 'DIFFERENT result from (a)'}); reading the frame took "
        f"{plain['load']:.1f} s"
    )

    print(
        f"budget {BUDGET_S:.1f} s (DESIGN.md: a cross-tabulation over 10 million records); load average "
        f"{os.getloadavg()[0]:.2f} at the end:"
    )
    print(
        f"  (a) engine only, nationality × month × port over all records: {engine['time']:.3f} s -> "
        f"{_verdict(engine['time'])}"
    )
    if full is not None:
        print(
            f"  (b) explorer full path with disclosure control, largest table the page accepts: "
            f"{full['whole']:.3f} s -> {_verdict(full['whole'])}"
        )
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
