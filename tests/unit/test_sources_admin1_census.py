"""Admin-1 census and survey sources (issue 12): Guatemala census 2018, El Salvador census 2024 (departments
and the emigrants cross-tab file), Honduras EMR 2023. Control totals are recomputed here from the raw files
with the csv module (not the readers) and compared with the published figures of PROVENANCE section 7."""

from __future__ import annotations

import csv
import gzip
from collections import Counter, defaultdict
from pathlib import Path

import pytest

import indicators
from etl import store
from etl.sources import gtm_ine_census2018, hnd_ine_emr2023, slv_bcr_census2024, slv_bcr_census2024_emigrants
from tests.unit.store_support import built_store  # noqa: F401  (session fixture)

ADM = Path(__file__).resolve().parents[2] / "vendor" / "admin1_stats"
GTM = ADM / "gtm_census2018" / "gtm_ine_census2018_by_department.csv"
SLV = ADM / "slv_census2024" / "slv_bcr_census2024_by_department.csv"
SLV_MUNI = ADM / "slv_census2024" / "slv_bcr_census2024_by_municipio.csv"
SLV_EMIG = ADM / "slv_census2024" / "slv_bcr_census2024_emigrants_by_municipio_sex_cause_year_age.csv.gz"
HND = ADM / "hnd_emr2023" / "hnd_ine_emr2023_emigrants_by_department_long.csv"


def rows(path: Path) -> list[dict[str, str]]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return list(csv.DictReader(data.decode("utf-8").splitlines()))


def col_sum(path: Path, column: str, keep=lambda r: True) -> float:
    return sum(float(r[column]) for r in rows(path) if keep(r))


def test_guatemala_population_is_the_official_census_total():
    assert col_sum(GTM, "poblacion_total") == 14_901_286
    out = gtm_ine_census2018.read()
    pop = out[(out.measure == "population") & (out.sex == "_T")].set_index("ref_area")["value"]
    assert pop.sum() == 14_901_286 and len(pop) == 22
    assert pop["GT-01"] == 3_015_081 and pop["GT-02"] == 176_632 and pop["GT-03"] == 330_469
    assert pop["GT-16"] == 1_215_038  # Alta Verapaz: INE figure


def test_guatemala_emigration_counts_match_the_raw_file():
    out = gtm_ine_census2018.read().groupby("measure")["value"].sum()
    assert out["emigrants_reported"] == col_sum(GTM, "total_emigrants_household") == 301_069
    assert out["households_with_emigrants"] == col_sum(GTM, "households_with_emigrants") == 194_979
    assert out["households_receiving_remittances"] == col_sum(GTM, "households_receiving_remittances")
    top = gtm_ine_census2018.read().query("measure == 'emigrants_reported'").nlargest(3, "value")
    assert top["ref_area"].iloc[0] == "GT-13"  # Huehuetenango has the most
    assert {"GT-12", "GT-14"} & set(top["ref_area"])  # then San Marcos, Quiché (and Guatemala)
    assert top["value"].iloc[0] == 55_851


def test_el_salvador_total_keeps_the_persons_without_department_apart():
    assert col_sum(SLV_MUNI, "poblacion_total") == 6_029_976
    assert col_sum(SLV_MUNI, "poblacion_total", lambda r: r["depto"] == "15") == 107_055
    out = slv_bcr_census2024.read()
    pop = out[(out.measure == "population") & (out.sex == "_T")].set_index("ref_area")["value"]
    assert pop["SLV"] == 6_029_976
    assert pop.drop("SLV").sum() == 5_922_921 == col_sum(SLV, "poblacion_total")
    assert pop["SV-LI"] == 765_879 and pop["SV-CA"] == 143_049
    assert out.attrs["notes"]["persons_without_department"] == 107_055
    assert out[out.measure == "households"]["value"].sum() == 1_920_668


def test_el_salvador_cross_tab_file_equals_the_department_file_by_code():
    by_code = defaultdict(float)
    causes = Counter()
    for r in rows(SLV_EMIG):
        by_code[r["depto"]] += float(r["emigrants"])
        causes[r["cause"]] += float(r["emigrants"])
    dept = {r["depto"]: float(r["total_emigrants_household"]) for r in rows(SLV)}
    assert by_code == dept and sum(by_code.values()) == 226_808
    assert (causes["work"], causes["family_reunification"], causes["insecurity_violence"], causes["study"]) == (
        129_172,
        33_731,
        32_647,
        10_813,
    )
    out = slv_bcr_census2024_emigrants.read()
    assert out["value"].sum() == 226_808
    assert out.groupby("dim_1")["value"].sum()["insecurity_violence"] == 32_647
    codes = {r["depto"]: r["dept_geo_code"] for r in rows(SLV)}  # the reader's code table = the department file
    assert {k: v.replace("-", "") for k, v in slv_bcr_census2024_emigrants.DEPARTMENTS.items()} == codes
    assert set(out["dim_2"]) <= {f"Y{a}T{a + 4}" for a in range(0, 95, 5)} | {"Y_GE95"}
    assert set(out["time_period"]) == {str(y) for y in range(2014, 2025)}


def test_el_salvador_names_are_never_used_as_keys():
    # the source's depto_name is wrong for codes 06-14: a reader joining on it would put 06 in Santa Ana
    wrong = {r["depto"]: r["depto_name"] for r in rows(SLV_EMIG)}
    right = {r["depto"]: r["depto_name"] for r in rows(SLV)}
    assert any(wrong[k] != right[k] for k in right)
    out = slv_bcr_census2024_emigrants.read().groupby("ref_area")["value"].sum()
    assert out["SV-SS"] == col_sum(SLV, "total_emigrants_household", lambda r: r["depto"] == "06")


def test_honduras_emr_is_an_estimate_by_department_only():
    out = hnd_ine_emr2023.read()
    assert set(out["obs_status"]) == {"E"} and len(out) == 36
    assert out["ref_area"].str.startswith("HN-").all()
    placed = col_sum(HND, "emigrants", lambda r: r["depto"] not in ("50", "99"))
    assert out["value"].sum() == pytest.approx(placed)
    assert col_sum(HND, "emigrants") == pytest.approx(580_736, abs=1)
    assert out.attrs["notes"]["estimate_without_department"] == 5_366
    by = out.groupby("ref_area")["value"].sum()
    assert by.nlargest(2).index.tolist() == ["HN-CR", "HN-FM"]  # Cortés ~96k, Francisco Morazán ~95k


@pytest.mark.parametrize(
    "indicator,country,count",
    [
        ("gtm_census_emigrants", "GTM", 22),
        ("gtm_census_emigrants_rate", "GTM", 22),
        ("gtm_households_with_emigrants", "GTM", 22),
        ("gtm_households_remittances", "GTM", 22),
        ("slv_census_emigrants", "SLV", 14),
        ("slv_census_emigrants_rate", "SLV", 14),
        ("slv_households_with_emigrants", "SLV", 14),
        ("slv_households_remittances", "SLV", 14),
        ("hnd_survey_emigrants", "HND", 18),
        ("hnd_survey_emigrants_women", "HND", 18),
    ],
)
def test_admin1_indicators_cover_every_department(built_store, indicator, country, count):
    frame = indicators.compute(indicator, "admin1")
    have = frame[frame["value"].notna()]
    assert len(have) == count
    assert have["attribution"].str.len().gt(0).all() and have["licence"].str.len().gt(0).all()
    assert indicators.load_catalogue().get(indicator).text("comparability", "es")


def test_admin1_indicator_values_by_hand(built_store):
    raw = {r["dept_geo_code"]: r for r in rows(GTM)}["GT13"]
    rate = indicators.compute("gtm_census_emigrants_rate", "admin1", "2018").set_index("geo_code")
    assert rate.loc["GT-13", "value"] == pytest.approx(
        float(raw["total_emigrants_household"]) / float(raw["poblacion_total"]) * 1000
    )
    share = indicators.compute("gtm_households_with_emigrants", "admin1", "2018").set_index("geo_code")
    assert share.loc["GT-13", "value"] == pytest.approx(float(raw["pct_households_with_emigrants"]))
    slv = {r["dept_geo_code"]: r for r in rows(SLV)}["SVUN"]
    rem = indicators.compute("slv_households_remittances", "admin1", "2024").set_index("geo_code")
    assert rem.loc["SV-UN", "value"] == pytest.approx(float(slv["pct_households_receiving_remittances"]))
    women = indicators.compute("hnd_survey_emigrants_women", "admin1", "2023").set_index("geo_code")
    assert women.loc["HN-CR", "obs_status"] == "E" and 0 < women.loc["HN-CR", "value"] < 100


def test_caveats_from_provenance_are_kept(built_store):
    with store.connect(built_store) as con:
        meta = (
            con.execute(
                "SELECT dataset_id, caveats_en, caveats_es FROM datasets WHERE dataset_id IN "
                "('gtm_ine_census2018', 'slv_bcr_census2024', 'slv_bcr_census2024_emigrants', "
                "'hnd_ine_emr2023')"
            )
            .df()
            .set_index("dataset_id")
        )
    assert (
        "neet" in meta.loc["gtm_ine_census2018", "caveats_en"]
        and "2002" in meta.loc["gtm_ine_census2018", "caveats_en"]
    )
    assert (
        "107,055" in meta.loc["slv_bcr_census2024", "caveats_en"]
        and "107 055" in meta.loc["slv_bcr_census2024", "caveats_es"]
    )
    assert "depto_name" in meta.loc["slv_bcr_census2024_emigrants", "caveats_en"]
    assert (
        "municipality" in meta.loc["hnd_ine_emr2023", "caveats_en"]
        and "status E" in meta.loc["hnd_ine_emr2023", "caveats_en"]
    )


def test_cross_tab_by_cause_and_department(built_store):
    from etl.crosstab import build_spec, run_crosstab

    spec = build_spec(
        ["emigrants_by_departure"],
        ["ref_area"],
        ["emigration_cause"],
        {"dataset": ["slv_bcr_census2024_emigrants"]},
        area_level="admin1",
    )
    with store.connect(built_store) as con:
        tidy = run_crosstab(con, spec).tidy
    cell = tidy[(tidy["ref_area"] == "_T") & (tidy["emigration_cause"] == "work")]["value"]
    assert cell.iloc[0] == 129_172


PAN = ADM / "pan_inec_labour_survey" / "pan_inec_eml_by_province_tidy.csv"
GDL = ADM / "gdl_subnational" / "gdl_shdi_v5_central_america_caribbean.csv"


def test_panama_labour_survey_colon_august_2023():
    from etl.sources import pan_inec_labour_survey

    out = pan_inec_labour_survey.read()
    assert set(out["obs_status"]) == {"E"}
    colon = out[(out.ref_area == "PA-3") & (out.time_period == "2023-08") & (out.sex == "_T") & (out.dim_1 == "_T")]
    got = colon.set_index("measure")["value"]
    assert got["labour_force"] == 123_948 and got["unemployed"] == 12_896
    raw = [
        r
        for r in rows(PAN)
        if r["provincia"] == "Colón" and r["periodo"] == "2023-08" and r["area"] == "total" and r["sexo"] == "total"
    ][0]
    assert float(raw["pea"]) == 123_948 and round(float(raw["tasa_desempleo"]), 2) == 10.40
    assert "PA-10" in set(out["ref_area"])  # Panamá Oeste published apart from 2014


def test_gdl_is_stored_only_where_regions_are_admin1_units():
    from etl.sources import gdl_shdi

    out = gdl_shdi.read()
    countries = {code.split("-")[0] for code in out["ref_area"]}
    assert countries == {"HN", "CR", "GY", "PA"}
    assert out.attrs["notes"]["rows_not_admin1_skipped"] == sum(
        r["iso3"] not in ("HND", "CRI", "GUY", "PAN") for r in rows(GDL)
    )
    assert out[out.measure == "subnational_hdi"]["ref_area"].nunique() == 18 + 7 + 10 + 12
    hn = out[(out.measure == "subnational_hdi") & (out.time_period == "2019")].set_index("ref_area")["value"]
    raw = {r["region_name"]: float(r["shdi"]) for r in rows(GDL) if r["year"] == "2019" and r["iso3"] == "HND"}
    assert hn["HN-CR"] == raw["Honduras - Cortes"]
    assert set(out["obs_status"]) == {"E"}


@pytest.mark.parametrize(
    "indicator,period,geo,expected",
    [
        ("pan_unemployment_rate", "2023-08", "PA-3", 12_896 / 123_948 * 100),
        ("subnational_hdi", "2019", "CR-SJ", None),
    ],
)
def test_context_indicators(built_store, indicator, period, geo, expected):
    frame = indicators.compute(indicator, "admin1", period).set_index("geo_code")
    assert frame.loc[geo, "obs_status"] == "E"
    if expected is not None:
        assert frame.loc[geo, "value"] == pytest.approx(expected)
    assert not frame.index.str.startswith(("GT-", "SV-", "NI-", "JM-")).any()  # never drawn where not admin-1


def test_every_catalogue_palette_exists():
    from layers.palettes import load_palettes

    palettes = set(load_palettes())
    cat = indicators.load_catalogue()
    assert {i: ind.palette for i, ind in cat.indicators.items() if ind.palette not in palettes} == {}


def test_etl_check_runs_the_new_control_totals(built_store):
    import duckdb

    from etl.controls import run_controls

    with duckdb.connect(str(built_store), read_only=True) as con:
        results = {r.control.name: r for r in run_controls(con)}
    for name in (
        "Guatemala census 2018 population (departments)",
        "El Salvador census 2024 population (official total)",
        "El Salvador census 2024, departments (total minus 107,055 without department)",
        "El Salvador census 2024 emigrants (department file)",
        "El Salvador census 2024 emigrants (cross-tab file)",
        "El Salvador census 2024 emigrants, cause insecurity_violence",
        "El Salvador persons without department (municipality code 15)",
        "Honduras EMR 2023 emigrants by department (weighted)",
        "Panama unemployment rate, August 2023 (INEC: 7.4 %)",
    ):
        assert results[name].passed, (name, results[name].expected, results[name].found)
    assert results["Guatemala census 2018 population (departments)"].expected == 14_901_286
