"""Indicator computation on small SYNTHETIC observation frames (not real data), and the catalogue."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from indicators.catalogue import (
    CatalogueError,
    Term,
    UnknownIndicatorError,
    build_catalogue,
    load_catalogue,
    validate_catalogue,
)
from indicators.engine import (
    ImpossibleCombinationError,
    attach_sources,
    compute_default_period,
    compute_frame,
    compute_period_labels,
    compute_periods,
    compute_ratio,
    compute_term,
    compute_unit_exclusions,
    denominator_periods,
    select_period,
)
from indicators.quality import combine_status, fill_nearest, period_year


def obs(
    ref,
    value,
    period="2020",
    measure="m",
    cp="_Z",
    freq="A",
    sex="_T",
    unit="persons",
    status="A",
    dataset="ds",
    **dims,
):
    """One SYNTHETIC observation in the store's shape."""
    if freq == "M":
        start = pd.Timestamp(f"{period}-01")
    elif freq == "P5":
        start = pd.Timestamp(f"{period[:4]}-01-01")
    else:
        start = pd.Timestamp(f"{period}-01-01")
    row = {
        "dataset_id": dataset,
        "measure": measure,
        "ref_area": ref,
        "counterpart_area": cp,
        "time_period": period,
        "freq": freq,
        "time_start": start,
        "sex": sex,
        "age": "_T",
        "dim_1": None,
        "dim_2": None,
        "dim_3": None,
        "dim_4": None,
        "dim_5": None,
        "value": value,
        "unit": unit,
        "obs_status": status,
    }
    row.update(dims)
    return row


def frame(*rows):
    return pd.DataFrame(list(rows))


SYNTH = {
    "themes": {"t": {"es": "T", "en": "T"}},
    "indicators": {
        "share": {
            "theme": "t",
            "name": {"es": "a", "en": "a"},
            "definition": {"es": "d", "en": "d"},
            "comparability": {"es": "c", "en": "c"},
            "unit": {"code": "percent", "es": "%", "en": "%"},
            "window": 5,
            "disaggregations": ["sex"],
            "levels": {
                "country": {
                    "method": "ratio",
                    "scale": 100,
                    "numerator": {"measure": "stock", "datasets": "ims", "where": {"sex": ["F", "M"]}},
                    "denominator": {"measure": "pop", "datasets": "wpp"},
                }
            },
        },
        "fy_rate": {
            "theme": "t",
            "name": {"es": "b", "en": "b"},
            "definition": {"es": "d", "en": "d"},
            "comparability": {"es": "c", "en": "c"},
            "unit": {"code": "per_1000", "es": "‰", "en": "‰"},
            "levels": {
                "country": {
                    "method": "ratio",
                    "scale": 1000,
                    "denominator_period": "fiscal_end_year",
                    "numerator": {
                        "measure": "enc",
                        "datasets": "cbp",
                        "area": "counterpart_area",
                        "period": "us_fiscal_year",
                    },
                    "denominator": {"measure": "pop", "datasets": "wb"},
                }
            },
        },
    },
}


@pytest.fixture
def cat():
    return build_catalogue(SYNTH)


def test_share_sums_sexes_and_divides_by_population(cat):
    rows = frame(
        obs("CRI", 300, measure="stock", sex="F", dataset="ims", cp="NIC"),
        obs("CRI", 200, measure="stock", sex="M", dataset="ims", cp="NIC"),
        obs("CRI", 100, measure="stock", sex="F", dataset="ims", cp="VEN", status="I"),
        obs("CRI", 5000, measure="pop", dataset="wpp"),
        obs("PAN", 10, measure="stock", sex="F", dataset="ims", cp="COL"),
        obs("PAN", 0, measure="pop", dataset="wpp"),
    )
    out = compute_frame(cat.get("share"), "country", rows, None).set_index("geo_code")
    assert out.at["CRI", "value"] == pytest.approx(600 / 5000 * 100)
    assert out.at["CRI", "obs_status"] == "I"  # an imputed part makes the share imputed
    assert out.at["CRI", "dataset_id"] == "ims;wpp"
    assert math.isnan(out.at["PAN", "value"])  # a zero denominator gives no value, never 0 or inf
    women = compute_frame(cat.get("share"), "country", rows, None, sex="F").set_index("geo_code")
    assert women.at["CRI", "value"] == pytest.approx(400 / 5000 * 100)


def test_missing_denominator_means_missing_value_not_zero(cat):
    rows = frame(obs("CRI", 300, measure="stock", sex="F", dataset="ims"))
    out = compute_frame(cat.get("share"), "country", rows, None)
    assert out["value"].isna().all() and len(out) == 1


def test_all_missing_numerator_stays_missing():
    rows = frame(obs("CRI", np.nan, status="M"), obs("CRI", np.nan, status="M"))
    out = compute_term(rows, Term(("m",), ("ds",)))
    assert math.isnan(out.at[0, "value"])


def test_fiscal_years_come_from_months_and_divide_by_the_end_years_population(cat):
    rows = frame(
        obs("USA", 10, measure="enc", dataset="cbp", cp="GTM", freq="M", period="2022-09"),
        obs("USA", 20, measure="enc", dataset="cbp", cp="GTM", freq="M", period="2022-10"),
        obs("USA", 30, measure="enc", dataset="cbp", cp="GTM", freq="M", period="2023-09"),
        obs("GTM", 6000, measure="pop", dataset="wb", period="2023"),
        obs("GTM", 5000, measure="pop", dataset="wb", period="2022"),
    )
    out = compute_frame(cat.get("fy_rate"), "country", rows, None).set_index("period")
    assert out.at["FY2023", "value"] == pytest.approx(50 / 6000 * 1000)
    assert out.at["FY2022", "value"] == pytest.approx(10 / 5000 * 1000)
    # the source reports every month from 2022-09 to 2023-09: months in between without a row had nothing
    # to count, so FY2023 is complete (issue 12: the old rule counted rows and called it 2 of 12)
    assert out.at["FY2023", "months"] == 12.0
    short = frame(
        obs("USA", 10, measure="enc", dataset="cbp", cp="GTM", freq="M", period="2022-09"),
        obs("USA", 20, measure="enc", dataset="cbp", cp="GTM", freq="M", period="2022-11"),
        obs("GTM", 6000, measure="pop", dataset="wb", period="2023"),
    )
    out = compute_frame(cat.get("fy_rate"), "country", short, None).set_index("period")
    assert out.at["FY2023", "months"] == 2.0  # the source stops in November: 2 of 12 months, partial


def test_months_without_rows_inside_the_span_are_not_missing_darien_2020():
    months = [f"2020-{m:02d}" for m in (1, 2, 3, 7, 8, 9, 10, 11, 12)] + ["2025-01", "2025-04"]
    rows = frame(*[obs("PAN", 5, measure="enc", dataset="cbp", cp="VEN", freq="M", period=m) for m in months])
    out = compute_term(rows, Term(("enc",), ("cbp",), period="calendar_year")).set_index("period")
    assert out.at["2020", "months"] == 12.0  # April-June 2020: no crossings, not missing
    assert out.at["2025", "months"] == 4.0  # the source stops in April 2025


def test_person_years_need_every_year_of_the_period():
    num = pd.DataFrame(
        {
            "geo_code": ["MX-JAL", "MX-SON"],
            "period": ["2015-2019"] * 2,
            "value": [100.0, 50.0],
            "obs_status": ["E", "E"],
            "dataset_id": ["q", "q"],
        }
    )
    years = [str(y) for y in range(2015, 2020)]
    den = pd.DataFrame(
        {
            "geo_code": ["MX-JAL"] * 5 + ["MX-SON"] * 4,
            "period": years + years[:4],
            "value": [10.0] * 9,
            "obs_status": ["A"] * 9,
            "dataset_id": ["p"] * 9,
        }
    )
    out = compute_ratio(num, den, 1000, "person_years").set_index("geo_code")
    assert out.at["MX-JAL", "value"] == pytest.approx(100 / 50 * 1000)
    assert math.isnan(out.at["MX-SON", "value"])
    assert denominator_periods("2015-2019", "person_years") == years


@pytest.mark.parametrize(
    "rule,expected",
    [("as_stored", ["2023-10", "2023"]), ("calendar_year", ["2023", "2023"]), ("us_fiscal_year", ["FY2024", "FY2023"])],
)
def test_period_rules(rule, expected):
    rows = frame(obs("A", 1, period="2023-10", freq="M"), obs("A", 1, period="2023"))
    assert compute_period_labels(rows, rule).tolist() == expected


def test_thousands_are_converted_to_units():
    rows = frame(obs("GTM", 17.5, unit="thousand_persons"))
    out = compute_term(rows, Term(("m",), ("ds",)))
    assert out.at[0, "value"] == 17500 and out.at[0, "unit"] == "persons"


def test_nearest_year_within_the_window_is_marked():
    f = pd.DataFrame(
        {
            "geo_code": ["A", "A", "B", "C", "D"],
            "period": ["2020", "2015", "2010", "2024", "2016"],
            "value": [1.0, 2.0, 3.0, 4.0, np.nan],
        }
    )
    out = fill_nearest(f, "2020", 5).set_index("geo_code")
    assert out.at["A", "period"] == "2020" and not out.at["A", "nearest"]
    assert out.at["C", "period"] == "2024" and out.at["C", "nearest"]
    assert "B" not in out.index and "D" not in out.index  # too far, or missing


def test_nearest_prefers_the_earlier_period_on_a_tie():
    f = pd.DataFrame({"geo_code": ["A", "A"], "period": ["2018", "2022"], "value": [1.0, 2.0]})
    assert fill_nearest(f, "2020", 2).iloc[0]["period"] == "2018"


def test_window_zero_never_fills():
    f = pd.DataFrame({"geo_code": ["A"], "period": ["2019"], "value": [1.0]})
    assert fill_nearest(f, "2020", 0).empty


@pytest.mark.parametrize(
    "statuses,expected", [(["A", "E"], "E"), (["P", "A"], "P"), (["I", "E", "B"], "B"), ([], "A"), (["A", None], "A")]
)
def test_combined_status_is_the_most_severe(statuses, expected):
    assert combine_status(statuses) == expected


@pytest.mark.parametrize("period,year", [("2023", 2023), ("FY2023", 2023), ("2015-2019", 2015), ("2024-03", 2024)])
def test_period_year(period, year):
    assert period_year(period) == year


def test_unknown_indicator_lists_the_valid_ones(cat):
    with pytest.raises(UnknownIndicatorError, match="share, fy_rate"):
        cat.get("nope")


def test_impossible_combinations_say_what_exists(cat):
    rows = frame(obs("CRI", 1, measure="stock", sex="F", dataset="ims"))
    with pytest.raises(ImpossibleCombinationError, match="its levels: country"):
        compute_frame(cat.get("share"), "admin1", rows, None)
    with pytest.raises(ImpossibleCombinationError, match="disaggregations: none"):
        compute_frame(cat.get("fy_rate"), "country", rows, None, partner="VEN")
    f = compute_frame(cat.get("share"), "country", rows, None)
    with pytest.raises(ImpossibleCombinationError, match="no period '1990'"):
        select_period(f, cat.get("share"), "1990")


def test_catalogue_problems_are_gathered():
    bad = {
        "themes": {"t": {"es": "T", "en": "T"}},
        "indicators": {"x": {"theme": "zz", "name": {"es": "a"}, "levels": {"planet": {}}}},
    }
    problems = validate_catalogue(bad)
    assert any("theme 'zz'" in p for p in problems)
    assert any("'name' needs a non-empty 'en'" in p for p in problems)
    assert any("level must be one of" in p for p in problems)
    with pytest.raises(CatalogueError):
        build_catalogue(bad)
    # an unquoted comma in a YAML flow mapping cuts the text: "per 1,000" becomes "per 1" and a key "000"
    cut = {**SYNTH["indicators"]["share"], "name": {"es": "por 1000", "en": "per 1", "000 people": None}}
    problems = validate_catalogue({**SYNTH, "indicators": {"cut": cut}})
    assert problems == [
        "cut: 'name' has unexpected keys ['000 people'] (allowed: es, en); quote a text that "
        'contains a comma, e.g. en: "per 1,000 people"'
    ]


def test_sources_are_attached_to_every_row():
    f = pd.DataFrame({"dataset_id": ["a;b", "a"]})
    meta = pd.DataFrame(
        {
            "dataset_id": ["a", "b"],
            "title_es": ["A", "B"],
            "title_en": ["A", "B"],
            "publisher": ["PA", "PB"],
            "licence": ["CC BY 4.0", "CC BY 3.0 IGO"],
            "licence_url": ["u", "v"],
            "attribution": ["x", "IOM's Missing Migrants Project"],
            "retrieved": ["2026-11", "2025-06"],
            "revision": ["r1", "r2"],
        }
    )
    out = attach_sources(f, meta)
    assert out.at[0, "licence"] == "CC BY 4.0; CC BY 3.0 IGO"
    assert out.at[1, "attribution"] == "x"
    assert out.at[0, "retrieved"] == "2026-11; 2025-06" and out.at[0, "revision"] == "r1; r2"
    assert out.at[1, "retrieved"] == "2026-11" and out.at[1, "revision"] == "r1"


def view_frame(*rows) -> pd.DataFrame:
    """SYNTHETIC indicator rows: (geo_code, period, value, status)."""
    return pd.DataFrame(rows, columns=["geo_code", "period", "value", "obs_status"])


@pytest.mark.parametrize(
    "rows,codes,periods,default",
    [
        # the view's own territories decide the years: HN has 2019 only, MX runs on to projections
        (
            [("MX-JAL", "2019", 1.0, "A"), ("MX-JAL", "2070", 2.0, "F"), ("HN-01", "2019", 3.0, "F")],
            ["HN-01"],
            ["2019"],
            "2019",
        ),
        (
            [("MX-JAL", "2019", 1.0, "A"), ("MX-JAL", "2070", 2.0, "F"), ("HN-01", "2019", 3.0, "F")],
            None,
            ["2019", "2070"],
            "2019",
        ),
        # every value a projection: the latest year with a value
        ([("A", "2030", 1.0, "F"), ("A", "2040", 2.0, "F")], ["A"], ["2030", "2040"], "2040"),
        # missing values do not make a year
        ([("A", "2021", 1.0, "A"), ("A", "2025", np.nan, "A"), ("B", "2025", 4.0, "A")], ["A"], ["2021"], "2021"),
        # a year counts as observed when any value in the view is not a projection
        (
            [("A", "2020", 1.0, "F"), ("B", "2020", 2.0, "A"), ("A", "2021", 1.0, "F")],
            ["A", "B"],
            ["2020", "2021"],
            "2020",
        ),
        # nothing in the view
        ([("A", "2020", 1.0, "A")], ["Z"], [], None),
        ([], None, [], None),
    ],
)
def test_view_periods_and_default_year(rows, codes, periods, default):
    f = view_frame(*rows)
    assert compute_periods(f, codes) == periods
    assert compute_default_period(f, codes) == default


UNIT_CAT = {
    **SYNTH,
    "indicators": {
        "apps": {
            "theme": "t",
            "name": {"es": "a", "en": "a"},
            "definition": {"es": "d", "en": "d"},
            "comparability": {"es": "c", "en": "c"},
            "unit": {"code": "persons", "es": "p", "en": "p"},
            "levels": {
                "country": {"numerator": {"measure": "apps", "datasets": "unhcr", "where": {"unit": "persons"}}}
            },
        }
    },
}


def test_numbers_left_out_because_of_their_unit_are_listed():
    ind = build_catalogue(UNIT_CAT).get("apps")
    rows = frame(
        obs("PAN", 357, "2023", measure="apps", unit="cases", dataset="unhcr"),
        obs("USA", 10, "2023", measure="apps", unit="cases", dataset="unhcr"),
        obs("USA", 40, "2023", measure="apps", unit="persons", dataset="unhcr"),
        obs("CRI", 5, "2023", measure="apps", unit="persons", dataset="unhcr"),
        obs("MEX", None, "2023", measure="apps", unit="cases", dataset="unhcr"),
    )
    out = compute_unit_exclusions(ind, "country", rows, ["PAN", "USA", "CRI", "MEX"]).set_index("geo_code")
    assert out["value"].to_dict() == {"PAN": 357.0, "USA": 10.0}  # a missing count in cases is not listed
    assert out["only"].to_dict() == {"PAN": True, "USA": False}
    assert set(out["unit"]) == {"cases"}
    assert compute_frame(ind, "country", rows, ["PAN", "USA", "CRI"]).set_index("geo_code")["value"].to_dict() == {
        "CRI": 5.0,
        "USA": 40.0,
    }
    assert compute_unit_exclusions(ind, "country", rows, ["CRI"]).empty
    share = build_catalogue(SYNTH).get("share")  # keeps every unit: nothing is ever left out
    assert compute_unit_exclusions(share, "country", rows).empty


def test_the_real_catalogue_is_valid_and_bilingual():
    cat = load_catalogue()
    assert len(cat.indicators) >= 20
    for ind in cat.indicators.values():
        assert ind.name("es") != "" and ind.name("en") != ""
        for level, spec in ind.levels.items():
            if spec.method == "ratio" and "population" in spec.denominator.measures:
                assert spec.population.es and spec.population.en, f"{ind.id} {level} must name its population"
        assert not any("ims2020" in d for d in ind.datasets) or not any("ims2024" in d for d in ind.datasets)


def test_rollup_adds_admin1_places_into_their_country():
    cat = build_catalogue(
        {
            **SYNTH,
            "indicators": {
                "dead": {
                    "theme": "t",
                    "name": {"es": "a", "en": "a"},
                    "definition": {"es": "d", "en": "d"},
                    "comparability": {"es": "c", "en": "c"},
                    "unit": {"code": "persons", "es": "p", "en": "p"},
                    "levels": {
                        "country": {"numerator": {"measure": "d", "datasets": "mmp", "rollup": True}},
                        "admin1": {"numerator": {"measure": "d", "datasets": "mmp"}},
                    },
                }
            },
        }
    )
    rows = frame(
        obs("MX-SON", 3, measure="d", dataset="mmp"),
        obs("MX-CHH", 2, measure="d", dataset="mmp"),
        obs("MEX", 1, measure="d", dataset="mmp"),
        obs("PER", 4, measure="d", dataset="mmp"),
    )
    parents = {"MX-SON": "MEX", "MX-CHH": "MEX"}
    country = compute_frame(cat.get("dead"), "country", rows, ["MEX", "PER"], parents=parents).set_index("geo_code")
    assert country["value"].to_dict() == {"MEX": 6.0, "PER": 4.0}
    admin1 = compute_frame(cat.get("dead"), "admin1", rows, ["MX-SON", "MX-CHH"]).set_index("geo_code")
    assert admin1["value"].to_dict() == {"MX-CHH": 2.0, "MX-SON": 3.0}


def test_top_partners_sum_sexes_take_the_latest_year_and_skip_unknown():
    from indicators.profile import compute_rank, compute_top_partners

    rows = pd.DataFrame(
        [
            {"ref_area": "CRI", "counterpart_area": "NIC", "time_period": "2020", "sex": "F", "value": 10.0},
            {"ref_area": "CRI", "counterpart_area": "NIC", "time_period": "2024", "sex": "F", "value": 30.0},
            {"ref_area": "CRI", "counterpart_area": "NIC", "time_period": "2024", "sex": "M", "value": 20.0},
            {"ref_area": "CRI", "counterpart_area": "VEN", "time_period": "2024", "sex": "F", "value": 60.0},
            {"ref_area": "CRI", "counterpart_area": "OOO", "time_period": "2024", "sex": "F", "value": 99.0},
            {"ref_area": "USA", "counterpart_area": "CRI", "time_period": "2024", "sex": "M", "value": 5.0},
        ]
    )
    year, top = compute_top_partners(rows, "CRI", "origins", {"NIC", "VEN", "USA", "CRI"}, n=5)
    assert year == "2024" and top.to_dict("list") == {"partner": ["VEN", "NIC"], "value": [60.0, 50.0]}
    year, top = compute_top_partners(rows, "CRI", "destinations", {"USA"})
    assert top.to_dict("list") == {"partner": ["USA"], "value": [5.0]}
    view = pd.DataFrame({"geo_code": ["A", "B", "C"], "value": [3.0, np.nan, 9.0]})
    assert compute_rank(view, "A") == (2, 2) and compute_rank(view, "B") is None
