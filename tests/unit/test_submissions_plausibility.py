"""Huge and implausible counts (issue 15): 99999999999999999999 and 1e30 are refused with a message."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.submissions.plausibility import check_plausibility, load_plausibility
from etl.submissions.report import Report, format_report
from etl.submissions.validate import validate_submission
from tests.hostile_files import build_csv_rows


def _with_value(text: str, rows: int = 3) -> bytes:
    data = build_csv_rows(rows).decode()
    head, _, _last = data.rpartition(",")
    return (head + "," + text + "\n").encode()


@pytest.mark.parametrize("text", ["99999999999999999999", "1e30", "1E+30", "-1e30", "2e12"])
def test_absurd_counts_are_errors_showing_the_text_as_typed(text):
    v = validate_submission(_with_value(text), "x.csv", "GTM")
    found = [p for p in v.report.problems if p.code == "value_out_of_range"]
    assert len(found) == 1 and found[0].value == text, format_report(v.report, "en")
    assert "1,000,000,000,000" in found[0].message("en") and not v.valid
    assert "1.000.000.000.000" in found[0].message("es")  # the project's one formatter, in each language


def test_a_count_over_the_kind_ceiling_uses_the_population():
    report = Report(file="x.csv", country="GTM")
    values = pd.Series([5.0, 200_000_000.0, 15_000_000.0], index=[10, 11, 12])
    check_plausibility(values, "returns", "GTM", "Valor", None, report, population=(18_000_000.0, "2024"))
    [p] = report.problems
    assert (p.code, p.severity, p.row, p.value) == ("value_implausible", "error", 11, "200000000")
    assert "18,000,000" in p.message("en") and "2024" in p.message("es")
    assert "18.000.000" in p.message("es")
    flows = Report(file="x.csv", country="GTM")
    check_plausibility(values, "entries_exits", "GTM", "Valor", None, flows, population=(18_000_000.0, "2024"))
    assert [p.severity for p in flows.problems] == ["warning"] and flows.problems[0].row == 11


def test_without_a_population_the_report_says_the_check_was_skipped():
    report = Report(file="x.csv", country="GTM")
    check_plausibility(pd.Series([1.0]), "returns", "GTM", "Valor", None, report, population=None)
    assert [p.code for p in report.problems] == ["plausibility_not_checked"]


def test_the_ceilings_are_configured_per_kind():
    rules = load_plausibility()
    assert rules.max_count == 1e12 and rules.population_ceiling["entries_exits"].multiple == 10
    assert {c.severity for c in rules.population_ceiling.values()} <= {"error", "warning"}
