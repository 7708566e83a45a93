"""The cross-tabulation engine against independent pandas computations on a small store.

The store (tests/crosstab_store.py) is SYNTHETIC test data with the shapes that trip
engines up: published totals beside their parts, an annual figure beside its months,
a partial year, a missing observation, two datasets with one measure, a rate.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from etl.crosstab import CrosstabError, build_spec, run_crosstab
from etl.crosstab.catalogue import TOTAL
from tests.crosstab_store import build_observations, synthetic_file, xt_con, xt_store_path  # noqa: F401

OBS = build_observations()
COUNTRY = ~OBS.ref_area.str.contains("-")


def cells(result, dims=None) -> dict[tuple, float]:
    """``{(codes...): value}`` of the inner cells (no totals) of a result."""
    dims = dims or result.spec.dims
    tidy = result.tidy
    inner = tidy[(tidy[list(dims)] != TOTAL).all(axis=1)] if dims else tidy
    return {tuple(r[:-1]): r[-1] for r in inner[[*dims, "value"]].itertuples(index=False)}


def as_dict(series: pd.Series) -> dict[tuple, float]:
    return {(k if isinstance(k, tuple) else (k,)): float(v) for k, v in series.items()}


def assert_same(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    for key, value in expected.items():
        if math.isnan(value):
            assert math.isnan(got[key]), key
        else:
            assert got[key] == pytest.approx(value), key


def test_undisplayed_sex_uses_the_published_total(xt_con):
    spec = build_spec(["migrant_stock"], ["ref_area"], ["counterpart_area"], {"time_period": ["2024"]}, totals="none")
    got = cells(run_crosstab(xt_con, spec))
    src = OBS[(OBS.measure == "migrant_stock") & COUNTRY & (OBS.sex == "_T") & (OBS.time_period == "2024")]
    assert_same(got, as_dict(src.groupby(["ref_area", "counterpart_area"]).value.sum()))


def test_displayed_sex_shows_parts_and_totals_add_them(xt_con):
    spec = build_spec(["migrant_stock"], ["ref_area"], ["sex"], {"time_period": ["2020"]}, totals="totals")
    result = run_crosstab(xt_con, spec)
    src = OBS[(OBS.measure == "migrant_stock") & COUNTRY & (OBS.sex != "_T") & (OBS.time_period == "2020")]
    assert_same(cells(result), as_dict(src.groupby(["ref_area", "sex"]).value.sum()))
    totals = result.tidy[(result.tidy.sex == TOTAL) & (result.tidy.ref_area != TOTAL)].set_index("ref_area").value
    assert as_dict(totals) == pytest.approx(as_dict(src.groupby("ref_area").value.sum()))


def test_year_prefers_the_published_year_over_its_months_and_flags_partial_years(xt_con):
    spec = build_spec(["entries"], ["ref_area"], ["time_period"], {"dataset": ["t_flow"]}, totals="none")
    result = run_crosstab(xt_con, spec)
    flow = OBS[(OBS.dataset_id == "t_flow") & (OBS.measure == "entries")]
    annual = flow[flow.freq == "A"].groupby("ref_area").value.sum()
    months = flow[flow.freq == "M"].assign(year=lambda f: f.time_period.str[:4])
    by_year = months[months.year != "2022"].groupby(["ref_area", "year"]).value.sum()
    expected = {(a, "2022"): float(v) for a, v in annual.items()} | as_dict(by_year)
    assert_same(cells(result), expected)
    flags = result.tidy.set_index(["ref_area", "time_period"])["flags"]
    assert "p" in flags[("CRI", "2024")] and "p" not in flags[("CRI", "2023")]
    assert "M" in flags[("PAN", "2023")] and "E" in flags[("CRI", "2023")]


def test_partial_periods_follow_the_sources_coverage_not_its_empty_months(xt_con):
    spec = build_spec(["incidents"], ["ref_area"], ["time_period"], totals="none")
    flags = run_crosstab(xt_con, spec).tidy.set_index(["ref_area", "time_period"])["flags"]
    assert flags[("CRI", "2023")] == "" and flags[("PAN", "2023")] == ""  # covered: Jan 2023 to Feb 2024
    assert flags[("CRI", "2024")] == "p"  # the source stops in February


def test_a_missing_observation_stays_missing_never_zero(xt_con):
    spec = build_spec(
        ["entries"],
        ["ref_area", "counterpart_area", "t_component"],
        ["time_period"],
        {"dataset": ["t_flow"], "time_period": ["2023-07"]},
        granularity="month",
        totals="none",
    )
    got = cells(run_crosstab(xt_con, spec))
    src = OBS[(OBS.dataset_id == "t_flow") & (OBS.measure == "entries") & (OBS.time_period == "2023-07")]
    expected = {
        (r.ref_area, r.counterpart_area, r.dim_1, "2023-07"): (
            np.nan if r.value is None or pd.isna(r.value) else float(r.value)
        )
        for r in src.itertuples()
    }
    assert_same(got, expected)
    assert math.isnan(got[("PAN", "USA", "LAND", "2023-07")])


def test_admin1_level_keeps_only_admin1_units(xt_con):
    spec = build_spec(
        ["migrant_stock"], ["ref_area"], [], {"time_period": ["2024"]}, area_level="admin1", totals="none"
    )
    src = OBS[(OBS.measure == "migrant_stock") & ~COUNTRY & (OBS.sex == "_T") & (OBS.time_period == "2024")]
    assert_same(cells(run_crosstab(xt_con, spec)), as_dict(src.groupby("ref_area").value.sum()))


@pytest.mark.parametrize(
    "rows,cols,granularity,filters",
    [
        (["port"], ["time_period"], "quarter", {"country": ["CRI"]}),
        (
            ["nationality", "time_period"],
            ["port"],
            "month",
            {"country": ["PAN"], "time_period": ["2024-01", "2024-12"]},
        ),
        (["residence"], ["sex", "movement"], "year", {"country": ["HND"]}),
    ],
)
def test_record_level_crosstab_equals_pandas(xt_con, xt_store_path, rows, cols, granularity, filters):
    spec = build_spec(
        ["movements"], rows, cols, filters, source="synthetic_entry_exit", granularity=granularity, totals="none"
    )
    result = run_crosstab(xt_con, spec)
    records = pd.read_parquet(synthetic_file(xt_store_path)).astype(
        {c: str for c in ("movement", "country", "port", "nationality", "sex", "residence")}
    )
    date = pd.to_datetime(records["date"])
    records["time_period"] = {
        "year": date.dt.strftime("%Y"),
        "month": date.dt.strftime("%Y-%m"),
        "quarter": date.dt.year.astype(str) + "-Q" + date.dt.quarter.astype(str),
    }[granularity]
    for dim, codes in filters.items():
        records = records[records[dim].isin(codes)]
    expected = as_dict(records.groupby([*rows, *cols]).size().astype(float))
    assert_same(cells(result), expected)


def _check_totals(result) -> int:
    """Every total cell equals the sum of the inner cells it covers (checked directly on the tidy cells)."""
    tidy = result.tidy
    dims = list(result.spec.dims)
    keys = [tuple(r) for r in tidy[dims].itertuples(index=False)]
    values = dict(zip(keys, tidy["value"]))
    inner = [k for k in keys if TOTAL not in k]
    checked = 0
    for key in (k for k in keys if TOTAL in k):
        parts = [values[k] for k in inner if all(t == TOTAL or t == c for t, c in zip(key, k))]
        assert values[key] == pytest.approx(float(np.nansum(parts))), key
        checked += 1
    return checked


@pytest.mark.parametrize(
    "spec",
    [
        build_spec(
            ["migrant_stock"], ["ref_area", "counterpart_area"], ["sex"], {"time_period": ["2024"]}, totals="subtotals"
        ),
        build_spec(
            ["entries"], ["ref_area"], ["t_component", "time_period"], {"dataset": ["t_flow"]}, totals="subtotals"
        ),
        build_spec(
            ["entries", "exits"], ["measure", "ref_area"], ["time_period"], {"dataset": ["t_flow"]}, totals="totals"
        ),
        build_spec(
            ["movements"],
            ["port_type", "port"],
            ["movement"],
            {"country": ["GTM"]},
            source="synthetic_entry_exit",
            totals="subtotals",
        ),
        build_spec(
            ["movements"],
            ["nationality", "time_period"],
            ["port"],
            {"country": ["BLZ"]},
            source="synthetic_entry_exit",
            granularity="year",
            totals="totals",
        ),
    ],
)
def test_totals_equal_the_sum_of_their_parts(xt_con, spec):
    assert _check_totals(run_crosstab(xt_con, spec)) > 0


@pytest.mark.parametrize("shares", ["row", "col", "total"])
def test_shares_add_to_100(xt_con, shares):
    spec = build_spec(
        ["migrant_stock"], ["ref_area"], ["counterpart_area"], {"time_period": ["2024"]}, totals="none", shares=shares
    )
    tidy = run_crosstab(xt_con, spec).tidy
    inner = tidy[(tidy.ref_area != TOTAL) & (tidy.counterpart_area != TOTAL)]
    groups = {
        "row": inner.groupby("ref_area"),
        "col": inner.groupby("counterpart_area"),
        "total": inner.groupby(lambda _: 0),
    }[shares]
    for _, group in groups:
        assert group.share.sum() == pytest.approx(100.0)
    assert not tidy[~tidy.shown].empty  # the denominators were computed but are not shown


def test_rates_are_never_added(xt_con):
    spec = build_spec(["net_migration_rate"], ["ref_area"], ["time_period"], totals="totals")
    result = run_crosstab(xt_con, spec)
    assert (result.tidy[["ref_area", "time_period"]] != TOTAL).all().all()
    assert "note_totals_skipped" in result.notes
    src = OBS[OBS.measure == "net_migration_rate"].set_index(["ref_area", "time_period"]).value
    assert_same(cells(result), as_dict(src.astype(float)))


def test_two_datasets_with_one_measure_are_never_summed(xt_con):
    with pytest.raises(CrosstabError) as err:
        run_crosstab(xt_con, build_spec(["entries"], ["ref_area"], [], {"time_period": ["2023"]}))
    assert err.value.keys == ("several_datasets",)
    assert "t_flow, t_flow2" in err.value.message("en")
    result = run_crosstab(xt_con, build_spec(["entries"], ["dataset"], [], {"time_period": ["2023"]}, totals="totals"))
    assert set(result.tidy.dataset) == {"t_flow", "t_flow2"}  # no total across datasets


def test_per_capita_divides_by_the_population_of_the_cells_territories(xt_con):
    spec = build_spec(
        ["entries"], ["ref_area"], ["time_period"], {"dataset": ["t_flow"]}, totals="totals", per_capita=True
    )
    tidy = run_crosstab(xt_con, spec).tidy.set_index(["ref_area", "time_period"])
    pop = OBS[OBS.measure == "population"].set_index(["ref_area", "time_period"]).value
    for area in ("CRI", "PAN"):
        assert tidy.per_capita[(area, "2023")] == pytest.approx(tidy.value[(area, "2023")] / pop[(area, "2023")] * 1000)
    both = pop[("CRI", "2022")] + pop[("PAN", "2022")]
    assert tidy.per_capita[(TOTAL, "2022")] == pytest.approx(tidy.value[(TOTAL, "2022")] / both * 1000)
    assert math.isnan(tidy.per_capita[("CRI", TOTAL)])  # several years: no single population


def test_a_total_rate_divides_only_by_the_territories_it_adds_up(xt_con):
    spec = build_spec(
        ["migrant_stock"],
        ["ref_area"],
        ["time_period"],
        {"ref_area": ["CRI", "PAN", "MEX"]},
        totals="totals",
        per_capita=True,
    )
    tidy = run_crosstab(xt_con, spec).tidy.set_index(["ref_area", "time_period"])
    pop = OBS[OBS.measure == "population"].set_index(["ref_area", "time_period"]).value
    three = pop[("CRI", "2024")] + pop[("PAN", "2024")] + pop[("MEX", "2024")]
    assert tidy.per_capita[(TOTAL, "2024")] == pytest.approx(tidy.value[(TOTAL, "2024")] / three * 1000)


@pytest.mark.parametrize(
    "spec,key,fragment",
    [
        (
            build_spec(["migrant_stock"], ["ref_area"], [], {"sex": ["Q"], "time_period": ["2024"]}),
            "unknown_code",
            "F, M",
        ),
        (
            build_spec(["migrant_stock"], ["ref_area"], [], {"time_period": ["2020", "2024"]}),
            "one_period_needed",
            "f_time_period",
        ),
        (build_spec(["migrant_stock"], ["ref_area"], [], source="nowhere"), "unknown_source", "observations"),
        (build_spec(["nope"], ["ref_area"]), "unknown_measure", "migrant_stock"),
        (build_spec(["migrant_stock"], ["nope"]), "unknown_dimension", "counterpart_area"),
        (
            build_spec(
                ["migrant_stock"],
                ["ref_area"],
                [],
                {"ref_area": ["CRI'; DROP TABLE observations; --"], "time_period": ["2024"]},
            ),
            "unknown_code",
            "CRI",
        ),
        (build_spec(["migrant_stock"], ['ref_area" FROM observations; --']), "unknown_dimension", "ref_area"),
    ],
)
def test_bad_queries_get_a_message_naming_the_valid_choices(xt_con, spec, key, fragment):
    with pytest.raises(CrosstabError) as err:
        run_crosstab(xt_con, spec)
    assert key in err.value.keys
    assert fragment in err.value.message("es") and fragment in err.value.message("en")
    assert xt_con.execute("SELECT count(*) FROM observations").fetchone()[0] == len(OBS)


def test_a_table_larger_than_the_limit_is_refused(xt_con):
    spec = build_spec(
        ["movements"], ["nationality"], ["time_period"], source="synthetic_entry_exit", granularity="month"
    )
    with pytest.raises(CrosstabError) as err:
        run_crosstab(xt_con, spec, max_cells=100)
    assert err.value.keys == ("too_many_cells",)


def test_confidential_observations_are_protected(xt_con):
    result = run_crosstab(xt_con, build_spec(["returns"], ["ref_area"], ["counterpart_area", "sex"]))
    assert result.confidential and result.disclosure.exposed == 0
    small = result.tidy[(result.tidy.value > 0) & (result.tidy.value < 5)]
    assert (small.suppression == "primary").all() and len(small) == 3
    assert (result.tidy.suppression == "secondary").any()


def test_labels_come_from_the_codelists_in_both_languages(xt_con):
    result = run_crosstab(
        xt_con, build_spec(["entries"], ["t_component"], ["counterpart_area"], {"dataset": ["t_flow"]})
    )
    assert result.label("t_component", "AIR", "es") == "Aéreo"
    assert result.label("t_component", "AIR", "en") == "Air"
    assert result.label("counterpart_area", "USA", "es") == "Estados Unidos"
    assert result.label("counterpart_area", TOTAL, "en") == "Total"
