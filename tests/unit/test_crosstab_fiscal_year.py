"""US fiscal years in the cross-tab engine and ``python -m etl query`` (issue 12): CBP publishes by fiscal
year (October–September), so FY2023 = 2,475,669 must be reproducible from a script, beside the calendar
year 2023 (2,541,959)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

from etl.crosstab import build_spec
from etl.crosstab.spec import PERIOD_CODE
from tests.store_fixture import built_store  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]


def run_query(store: Path, *args: str) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "etl", "query", "--store", str(store), *args, "--long", "--no-header", "--lang", "en"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    return {r["Period (code)"]: r for r in rows}


def test_cbp_fy2023_through_the_cli(built_store):
    rows = run_query(
        built_store,
        "--url",
        "measure=encounters&rows=time_period&f_dataset=cbp_southwest_encounters&granularity=fiscal_year&totals=none",
    )
    assert int(float(rows["FY2023"]["value"])) == 2_475_669  # CBP's published FY2023 south-west figure
    assert int(float(rows["FY2024"]["value"])) == 2_135_005
    assert rows["FY2025"]["flags"] == "p"  # October 2024 - May 2025 only: partial
    assert rows["FY2023"]["flags"] == ""


def test_cbp_calendar_2023_differs(built_store):
    rows = run_query(
        built_store,
        "--measure",
        "encounters",
        "--rows",
        "time_period",
        "--filter",
        "dataset=cbp_southwest_encounters",
        "--granularity",
        "year",
        "--totals",
        "none",
    )
    assert int(float(rows["2023"]["value"])) == 2_541_959


def test_fiscal_year_codes_are_validated():
    assert PERIOD_CODE["fiscal_year"].match("FY2023") and not PERIOD_CODE["fiscal_year"].match("2023")
    spec = build_spec(["encounters"], ["time_period"], [], {}, granularity="fiscal_year")
    assert spec.granularity == "fiscal_year"


def test_explorer_page_options_are_unchanged_until_its_strings_exist():
    # the page formats every option with atlas/strings (explorer.opt_<value>): fiscal_year is offered by the
    # engine and the CLI, and joins the page's list when the lead adds the string
    from etl.crosstab.spec import GRANULARITIES, OBSERVATION_GRANULARITIES

    assert "fiscal_year" not in GRANULARITIES and "fiscal_year" in OBSERVATION_GRANULARITIES
