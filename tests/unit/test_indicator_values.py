"""Computed indicators equal hand computations from the raw vendored files (real data, read twice:
once through the store and ``indicators.compute``, once straight from the CSV here)."""

from __future__ import annotations

import pandas as pd
import pytest

import indicators
from geodata import paths
from indicators.engine import load_unit_exclusions
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("built_store")
MIGRATION = paths.VENDOR / "migration"
ADMIN1 = paths.VENDOR / "admin1_stats"


def value_of(frame: pd.DataFrame, geo: str, period: str) -> float:
    row = frame[(frame.geo_code == geo) & (frame.period == period)]
    assert len(row) == 1, f"expected one row for {geo} {period}, got {len(row)}"
    return float(row.iloc[0]["value"])


def wdi() -> pd.DataFrame:
    return pd.read_csv(MIGRATION / "worldbank_wdi_indicators_americas_esp.csv")


def test_immigrant_share_costa_rica_2020():
    ims = pd.read_csv(MIGRATION / "undesa_ims2024_bilateral_by_sex_americas_esp.csv")
    stock = ims[(ims.dest_iso3 == "CRI") & (ims.year == 2020)].n.sum()
    w = wdi()
    pop = w[(w.iso3 == "CRI") & (w.indicator == "pop") & (w.year == 2020)].value.item()
    frame = indicators.compute("immigrant_share", "country", "2020")
    assert value_of(frame, "CRI", "2020") == pytest.approx(stock / pop * 100, rel=1e-12)
    assert value_of(frame, "CRI", "2020") == pytest.approx(10.34, abs=0.01)  # 520,729 of about 5.03 million
    row = frame[frame.geo_code == "CRI"].iloc[0]
    assert row.dataset_id == "undesa_ims2024;wb_wdi_indicators" and "CC BY 3.0 IGO" in row.licence


@pytest.mark.parametrize("year", ["2010", "2019", "2020", "2023"])
def test_remittances_share_of_gdp_honduras(year):
    w = wdi()
    hnd = w[(w.iso3 == "HND") & (w.year == int(year))].set_index("indicator").value
    frame = indicators.compute("remittances_gdp", "country")
    assert value_of(frame, "HND", year) == pytest.approx(hnd["remin"] / hnd["gdp"] * 100, rel=1e-12)


def test_cbp_encounters_per_1000_guatemala_fy2023():
    cbp = pd.read_csv(MIGRATION / "cbp_southwest_border_encounters_monthly_fy2018_2025.csv")
    month = pd.to_datetime(cbp.month)
    fy = month.dt.year + (month.dt.month >= 10).astype(int)
    encounters = cbp[(cbp.citizenship_iso3 == "GTM") & (fy == 2023)].n.sum()
    assert encounters == pytest.approx(220085)
    wb = pd.read_csv(MIGRATION / "worldbank_population_total_1960_2024_all_countries.csv")
    pop = wb[(wb["Country Code"] == "GTM") & (wb.Year == 2023)].Value.item()
    frame = indicators.compute("cbp_encounters_rate", "country", "FY2023")
    assert value_of(frame, "GTM", "FY2023") == pytest.approx(encounters / pop * 1000, rel=1e-12)
    counts = indicators.compute("cbp_encounters", "country", "FY2023")
    assert value_of(counts, "GTM", "FY2023") == encounters


def test_darien_transit_of_venezuelans_2023():
    darien = pd.read_csv(MIGRATION / "panama_darien_irregular_transit_by_nationality.csv")
    expected = darien[(darien.nationality_iso3 == "VEN") & darien.month.str.startswith("2023")].n.sum()
    frame = indicators.compute("darien_transit", "country", "2023")
    assert value_of(frame, "VEN", "2023") == expected == 328650
    assert frame.loc[frame.geo_code == "VEN", "months"].item() == 12
    # The annual total PROVENANCE.md checks (520,085) less the 1,673 persons of "other" nationality (OOO),
    # which no territory of the map can show.
    assert frame["value"].sum() == pytest.approx(520085 - 1673)


def test_mexican_state_emigration_rate_uses_person_years_of_conapo_population():
    quin = pd.read_csv(ADMIN1 / "mex_conapo2023_international_migration_by_state_quinquennium_totals.csv")
    emigrants = quin[(quin.iso_3166_2 == "MX-JAL") & (quin.period == "2015-2019")].emigrants_international.item()
    assert emigrants == 149824
    ind = pd.read_csv(ADMIN1 / "mex_conapo2023_state_demographic_indicators_1950_2070.csv")
    person_years = ind[(ind.iso_3166_2 == "MX-JAL") & ind.year.between(2015, 2019)].pop_mid_year.sum()
    frame = indicators.compute("emigration_rate", "admin1", "2015-2019")
    assert value_of(frame, "MX-JAL", "2015-2019") == pytest.approx(emigrants / person_years * 1000, rel=1e-12)
    later = indicators.compute("emigration_rate", "admin1", "2025-2029")
    assert set(later.obs_status) == {"F"}  # projections are marked


def test_nearest_years_are_marked():
    frame = indicators.compute("immigrant_share", "country", "2024")  # no 2024 population in the WPP file
    assert frame["nearest"].all() and set(frame["period"]) == {"2020"}
    assert (frame["requested_period"] == "2024").all()


def raw_wdi_value(iso3: str, indicator: str, year: int) -> float | None:
    """The raw WDI cell, or None when the file has no row for it (the World Bank reports nothing)."""
    w = wdi()
    rows = w[(w.iso3 == iso3) & (w.indicator == indicator) & (w.year == year)]
    return None if rows.empty else float(rows.value.item())


def test_a_missing_observation_in_the_raw_file_stays_missing_never_zero():
    # The Cayman Islands, 2005: remittances are a real 0 in the raw file, GDP has no row at all.
    assert raw_wdi_value("CYM", "remin", 2005) == 0.0 and raw_wdi_value("CYM", "gdp", 2005) is None
    share = indicators.compute("remittances_gdp", "country")
    cym = share[(share.geo_code == "CYM") & (share.period == "2005")]
    assert len(cym) == 1 and cym["value"].isna().all()  # 0 / missing is missing, not 0
    # Chile has no remittances rows for 1991-1999: no value (and no 0) for 1993, even with the window.
    assert all(raw_wdi_value("CHL", "remin", y) is None for y in range(1991, 2000))
    usd = indicators.compute("remittances_usd", "country")
    assert not ((usd.geo_code == "CHL") & usd.period.isin([str(y) for y in range(1991, 2000)])).any()
    assert "CHL" not in set(indicators.compute("remittances_usd", "country", "1993").geo_code)


def test_a_real_zero_in_the_source_stays_zero():
    # The Bahamas, 2005: the World Bank reports 0 USD of remittances (a number, not a gap) and a GDP.
    assert raw_wdi_value("BHS", "remin", 2005) == 0.0 and raw_wdi_value("BHS", "gdp", 2005) > 0
    assert value_of(indicators.compute("remittances_usd", "country"), "BHS", "2005") == 0.0
    assert value_of(indicators.compute("remittances_gdp", "country"), "BHS", "2005") == 0.0
    zeros = wdi().query("indicator == 'remin' and value == 0")
    usd = indicators.compute("remittances_usd", "country").set_index(["geo_code", "period"])["value"]
    on_map = [(r.iso3, str(r.year)) for r in zeros.itertuples() if (r.iso3, str(r.year)) in usd.index]
    assert on_map and all(usd.loc[key] == 0.0 for key in on_map)


def test_asylum_applications_counted_only_in_cases_are_reported_not_dropped_silently():
    raw = pd.read_csv(MIGRATION / "unhcr_asylum_applications_americas_esp.csv")
    pan_raw = raw[(raw.coa_iso == "PAN") & (raw.year == 2023)]
    assert set(pan_raw.app_pc) == {"C"} and pan_raw.applied.sum() == 357  # cases only, no persons
    left_out = load_unit_exclusions("asylum_applications", "country")
    pan = left_out[(left_out.geo_code == "PAN") & (left_out.period == "2023")]
    assert len(pan) == 1 and pan.iloc[0]["unit"] == "cases" and pan.iloc[0]["value"] == 357 and pan.iloc[0]["only"]
    persons = indicators.compute("asylum_applications", "country")
    assert not ((persons.geo_code == "PAN") & (persons.period == "2023")).any()
    # The United States counts part of its applications in cases: listed, but not as "only".
    usa_raw = raw[(raw.coa_iso == "USA") & (raw.year == 2019)]
    usa = left_out[(left_out.geo_code == "USA") & (left_out.period == "2019")]
    assert len(usa) == 1 and not usa.iloc[0]["only"]
    assert usa.iloc[0]["value"] == usa_raw[usa_raw.app_pc == "C"].applied.sum()
    assert value_of(persons, "USA", "2019") == usa_raw[usa_raw.app_pc == "P"].applied.sum()
