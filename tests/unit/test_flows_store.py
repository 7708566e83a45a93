"""Flows and corridor series from the real store equal sums computed straight from the vendored raw files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from indicators.corridors import compute_series, load_corridors, load_series_observations
from indicators.flows import (
    compute_flows,
    compute_focus,
    compute_periods,
    compute_selection,
    load_flow_observations,
    load_flow_views,
)
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("built_store")
RAW = Path(__file__).resolve().parents[2] / "vendor" / "migration"


def _connect():
    from etl import store

    return store.connect()


def _flows(view_id: str, period: str, sex: str = "_T", unit: str = "year") -> pd.DataFrame:
    view = load_flow_views()[view_id]
    with _connect() as con:
        obs = load_flow_observations(view, con)
    return compute_flows(obs, view, period, sex, unit)


def _value(flows: pd.DataFrame, origin: str, destination: str) -> float:
    row = flows[flows.origin.eq(origin) & flows.destination.eq(destination)]
    assert len(row) == 1, f"expected one flow {origin}->{destination}, got {len(row)}"
    return float(row["value"].iloc[0])


@pytest.mark.parametrize(
    "view_id,file,year",
    [
        ("undesa_ims2024", "undesa_ims2024_bilateral_by_sex_americas_esp.csv", "2020"),
        ("undesa_ims2024", "undesa_ims2024_bilateral_by_sex_americas_esp.csv", "2024"),
        ("undesa_ims2020", "undesa_ims2020_bilateral_by_sex_americas_esp.csv", "2020"),
    ],
)
@pytest.mark.parametrize("sex,raw_sexes", [("_T", ["female", "male"]), ("F", ["female"]), ("M", ["male"])])
def test_venezuelan_born_stock_in_colombia_equals_the_raw_file(view_id, file, year, sex, raw_sexes):
    raw = pd.read_csv(RAW / file)
    rows = raw[(raw.year == int(year)) & (raw.dest_iso3 == "COL") & (raw.orig_iso3 == "VEN") & raw.sex.isin(raw_sexes)]
    assert len(rows) == len(raw_sexes)
    assert _value(_flows(view_id, year, sex), "VEN", "COL") == pytest.approx(rows.n.sum())


def test_emigrant_totals_of_venezuela_equal_the_raw_file():
    raw = pd.read_csv(RAW / "undesa_ims2024_bilateral_by_sex_americas_esp.csv")
    raw = raw[(raw.year == 2024) & (raw.orig_iso3 == "VEN")]
    both = raw.groupby("dest_iso3").sex.nunique().eq(2)  # a total needs both sexes
    expected = raw[raw.dest_iso3.isin(both[both].index)].n.sum()
    flows = compute_focus(_flows("undesa_ims2024", "2024"), "VEN", "out")
    assert flows["value"].sum() == pytest.approx(expected)


def _cbp_raw() -> pd.DataFrame:
    raw = pd.read_csv(RAW / "cbp_southwest_border_encounters_monthly_fy2018_2025.csv", keep_default_na=False)
    raw["month"] = pd.to_datetime(raw["month"])
    return raw


@pytest.mark.parametrize("citizenship,fy", [("GTM", 2023), ("VEN", 2023), ("MEX", 2021)])
def test_south_west_border_encounters_by_us_fiscal_year_equal_the_raw_file(citizenship, fy):
    raw = _cbp_raw()
    window = (raw.month >= f"{fy - 1}-10-01") & (raw.month <= f"{fy}-09-01")
    expected = raw.loc[window & raw.citizenship_iso3.eq(citizenship), "n"].sum()
    assert expected > 0
    assert _value(_flows("cbp_encounters", f"FY{fy}"), citizenship, "USA") == pytest.approx(expected)


def test_fiscal_year_totals_match_cbp_published_figures():
    flows = _flows("cbp_encounters", "FY2023")
    raw = _cbp_raw()
    fy = raw[(raw.month >= "2022-10-01") & (raw.month <= "2023-09-01")]
    assert flows["value"].sum() == pytest.approx(fy["n"].sum())
    assert fy["n"].sum() == pytest.approx(2_475_669)  # PROVENANCE.md: FY2023 matches CBP


def test_darien_annual_and_monthly_totals_equal_the_raw_file():
    raw = pd.read_csv(RAW / "panama_darien_irregular_transit_by_nationality.csv")
    flows = _flows("darien_transit", "2023")
    assert flows["value"].sum() == pytest.approx(520_085)  # PROVENANCE.md annual sum
    assert _value(flows, "VEN", "PAN") == pytest.approx(
        raw[raw.month.str.startswith("2023") & raw.nationality_iso3.eq("VEN")].n.sum()
    )
    month = _flows("darien_transit", "2023-09", unit="month")
    assert _value(month, "HTI", "PAN") == pytest.approx(
        raw[raw.month.eq("2023-09") & raw.nationality_iso3.eq("HTI")].n.sum()
    )
    assert "2015" in compute_periods_for("darien_transit", "year")  # annual totals before 2020


def compute_periods_for(view_id: str, unit: str) -> list[str]:
    view = load_flow_views()[view_id]
    with _connect() as con:
        return compute_periods(load_flow_observations(view, con), unit, view.year_basis)


def test_top_n_on_real_flows_keeps_the_largest_drawable_ones():
    import geodata

    places = set(geodata.label_points().geo_code)
    flows = _flows("undesa_ims2024", "2024")
    sel = compute_selection(flows, places, top_n=25)
    drawable = flows[
        flows.origin.isin(places)
        & flows.destination.isin(places)
        & flows.value.notna()
        & flows.origin.ne(flows.destination)
    ]
    assert len(sel.drawn) == 25
    assert sel.drawn["value"].min() >= drawable["value"].nlargest(25).min()
    assert sel.drawn["value"].sum() + sel.hidden["value"].sum() == pytest.approx(drawable["value"].sum())


def test_every_flow_view_matches_its_store_dataset_and_measure():
    with _connect() as con:
        present = set(
            map(tuple, con.execute("SELECT DISTINCT dataset_id, measure FROM public_observations").fetchall())
        )
    missing = [vid for vid, v in load_flow_views().items() if (v.dataset_id, v.measure) not in present]
    assert missing == []


def _series(corridor_id: str, kind: str, item: str, nationality: str, side: str = "left") -> pd.Series:
    corridor = load_corridors()[corridor_id]
    if kind == "segment":
        spec = next(s.series for s in corridor.segments if s.segment_id == item)
    else:
        mirror = next(m for m in corridor.mirrors if m.mirror_id == item)
        spec = getattr(mirror, side)
    with _connect() as con:
        frame = compute_series(load_series_observations(spec, nationality, con))
    return frame.set_index("period")["value"]


def test_darien_corridor_segments_equal_their_raw_sources():
    darien = pd.read_csv(RAW / "panama_darien_irregular_transit_by_nationality.csv")
    honduras = pd.read_csv(RAW / "honduras_irregular_arrivals_by_nationality.csv")
    mexico = pd.read_csv(RAW / "mexico_irregular_situation_pam_by_nationality.csv")
    cbp = _cbp_raw()
    for name, series, raw in [
        (
            "darien",
            _series("darien_north", "segment", "darien", "VEN"),
            darien[darien.nationality_iso3.eq("VEN") & darien.month.ge("2020-01")].groupby("month").n.sum(),
        ),
        (
            "honduras",
            _series("darien_north", "segment", "honduras", "VEN"),
            honduras[honduras.nationality_iso3.eq("VEN")].groupby("month").n.sum(),
        ),
        (
            "mexico",
            _series("darien_north", "segment", "mexico", "VEN"),
            mexico[mexico.nationality_iso3.eq("VEN")].groupby("month").n.sum(),
        ),
        (
            "us_border",
            _series("darien_north", "segment", "us_border", "VEN"),
            cbp[cbp.citizenship_iso3.eq("VEN")].groupby(cbp.month.dt.strftime("%Y-%m")).n.sum(),
        ),
    ]:
        monthly = series[series.index.str.len() == 7]
        pd.testing.assert_series_equal(
            monthly.sort_index(), raw.astype(float).sort_index(), check_names=False, obj=name
        )


def test_mirror_sides_equal_their_raw_sources():
    guatemala = pd.read_csv(RAW / "guatemala_returned_nationals_from_mex_usa.csv")
    returns = pd.read_csv(RAW / "mexico_expulsions_deportations_returns_by_nationality.csv")
    received = _series("northern_central_america", "mirror", "mexico_guatemala_returns", "GTM", "right")
    deported = _series("northern_central_america", "mirror", "mexico_guatemala_returns", "GTM", "left")
    expected_received = guatemala[guatemala.origin.eq("MEX")].groupby("month").n.sum().astype(float)
    expected_deported = (
        returns[returns.nationality_iso3.eq("GTM") & returns.type.eq("deportation")]
        .groupby("month")
        .n.sum()
        .astype(float)
    )
    pd.testing.assert_series_equal(received.sort_index(), expected_received.sort_index(), check_names=False)
    pd.testing.assert_series_equal(deported.sort_index(), expected_deported.sort_index(), check_names=False)


def _store_about(dataset_ids) -> list[dict[str, str]]:
    """The ``public_datasets`` rows of the datasets, as the pages read them (atlas.core.loaders.dataset_info)."""
    with _connect() as con:
        frame = con.execute(
            "SELECT * FROM public_datasets WHERE dataset_id IN (SELECT unnest(?))", [sorted(dataset_ids)]
        ).df()
    return [{k: ("" if pd.isna(v) else str(v)) for k, v in row.items()} for row in frame.to_dict("records")]


def _read_csv(data: bytes) -> pd.DataFrame:
    import io

    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False, dtype=str)


def test_a_flow_csv_from_the_store_says_the_source_licence_attribution_and_date_of_every_row():
    from layers.flow_exports import build_table_download

    flows = _flows("darien_transit", "2023")
    about = _store_about(set(flows["dataset_id"]))
    csv = _read_csv(build_table_download(flows, "csv", about, "es"))
    assert len(csv) == len(flows) and set(csv["dataset_id"]) == {"pan_darien_transit_nationality"}
    row = about[0]
    for column, expected in (
        ("source", row["title_es"]),
        ("publisher", row["publisher"]),
        ("licence", row["licence"]),
        ("attribution", row["attribution"]),
        ("retrieved", row["retrieved"]),
    ):
        assert expected and csv[column].eq(expected).all(), column


def test_a_corridor_csv_from_the_store_says_the_source_of_each_series():
    from indicators.corridors import compute_segment_frame as build_segment_frame
    from layers.flow_exports import build_table_download

    corridor = load_corridors()["darien_north"]

    def load(corridor_id, kind, item, side, nationality):
        spec = next(s.series for s in corridor.segments if s.segment_id == item)
        with _connect() as con:
            return compute_series(load_series_observations(spec, nationality, con))

    segments = build_segment_frame(corridor, "VEN", (2021, 2024), load, "en")
    about = _store_about(set(segments["dataset_id"]))
    table = segments.assign(time_start=segments["time_start"].astype(str))
    csv = _read_csv(build_table_download(table, "csv", about, "en"))
    assert len(set(csv["dataset_id"])) >= 2  # several authorities, each with its own source
    by_id = {a["dataset_id"]: a for a in about}
    for dataset_id, part in csv.groupby("dataset_id"):
        assert part["licence"].eq(by_id[dataset_id]["licence"]).all() and part["licence"].ne("").all()
        assert part["retrieved"].eq(by_id[dataset_id]["retrieved"]).all() and part["attribution"].ne("").all()
