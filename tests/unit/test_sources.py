"""Every source reader, through the built store: row counts, codes that resolve, control totals.

Control totals are computed here independently from the raw vendored files (Python's csv
module, not the readers) and compared with published figures where the publisher states one.
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path

import pytest

import geodata
from etl import store
from etl.sources import discover_sources
from tests.unit.store_support import built_store  # noqa: F401  (session fixture)

VENDOR = Path(__file__).resolve().parents[2] / "vendor"
MIG, ADM = VENDOR / "migration", VENDOR / "admin1_stats"

# Observations per dataset, and how that number follows from the raw file.
EXPECTED_ROWS = {
    "undesa_ims2024": 54_704,  # one per row (F/M only, no totals added)
    "undesa_ims2020": 60_312,  # one per row
    "unhcr_population": 280_852,  # non-empty value cells (zeros kept, empties not stored)
    "unhcr_asylum_applications": 27_704,  # one per row
    "unhcr_asylum_decisions": 128_480,  # 25,696 rows x 5 decision columns
    "unhcr_solutions": 9_211,  # non-empty value cells
    "unhcr_flows": 25_336,  # non-empty value cells
    "wpp2024_demography": 87_320,  # (21,978 - 4,514 aggregate rows) x 5 columns
    "wb_population": 14_075,  # 17,195 rows - 3,120 aggregate rows
    "wb_wdi_indicators": 19_971,  # one per row
    "cbp_southwest_encounters": 36_676,  # one per row
    "cbp_nationwide_states": 42_532,  # one per row
    "usbp_sectors": 5_292,  # 252 months x 21 sectors
    "iom_missing_migrants": 3_230,  # place x month x route x cause x placement
    "pan_darien_transit_nationality": 2_387,  # one per row
    "pan_darien_transit_demography": 160,  # one per row
    "hnd_irregular_arrivals_total": 136,  # one per row
    "hnd_irregular_arrivals_nationality": 4_167,  # 4,198 rows - 31 rows merged (two labels, one code);
    # was 4,163 while PR China was coded TWN (issue 12)
    "hnd_irregular_arrivals_demography": 352,  # one per row
    "mex_persons_presented_nationality": 5_708,  # 5,759 rows - 51 rows merged
    "mex_persons_presented_sex_age": 704,  # one per row
    "mex_returns_nationality": 5_251,  # one per row
    "gtm_returned_nationals": 736,  # one per row
    "mex_inegi_census2020": 96,  # 32 states x (total, men, women)
    "mex_conapo_indicators": 32_058,  # non-empty value cells
    "mex_conapo_migration_quinquennial": 47_808,  # 23,904 rows x 2 columns
    "hnd_ine_population2019": 18,  # 18 departments
    "gtm_ine_census2018": 154,  # 22 departments x 7 counts
    "slv_bcr_census2024": 99,  # 14 departments x 7 counts + the national census total
    "slv_bcr_census2024_emigrants": 25_988,  # 50,714 municipality cells summed to departments
    "hnd_ine_emr2023": 36,  # 18 departments x 2 sexes
    "pan_inec_labour_survey": 6_420,  # 1,605 rows x 4 counts, empty cells not stored
    "gdl_shdi": 4_230,  # 47 regions of HND, CRI, GUY, PAN x 30 years x 3 measures
}


def raw_rows(path: Path, sep: str = ",", skip: int = 0, encoding: str = "utf-8") -> list[dict[str, str]]:
    """The vendored file as dicts, read with the csv module (independent of the readers)."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    lines = data.decode(encoding).splitlines()[skip:]
    return list(csv.DictReader(lines, delimiter=sep))


def total(rows: list[dict[str, str]], column: str, keep=lambda r: True) -> float:
    """Sum of a numeric column over the rows ``keep`` accepts; empty cells are skipped."""
    return sum(float(r[column]) for r in rows if keep(r) and r[column] != "")


def query(path: Path, sql: str, *params) -> float | None:
    with store.connect(path) as con:
        return con.execute(sql, list(params)).fetchone()[0]


def store_total(path: Path, dataset_id: str, where: str = "TRUE", *params) -> float:
    return query(path, f"SELECT sum(value) FROM observations WHERE dataset_id = ? AND {where}", dataset_id, *params)


def test_every_vendored_migration_and_admin1_file_has_a_reader():
    read = {s.path.resolve() for s in discover_sources()}
    vendored = (
        {p.resolve() for p in MIG.iterdir()}
        | {p.resolve() for p in ADM.glob("*.csv") if "quinquennium_totals" not in p.name}
        | {  # derived convenience file
            p.resolve()
            for d in ("gtm_census2018", "slv_census2024", "hnd_emr2023", "pan_inec_labour_survey", "gdl_subnational")
            for p in (ADM / d).iterdir()
            if p.name != "slv_bcr_census2024_by_municipio.csv"
        }
    )  # read by slv_bcr_census2024 for the national total
    assert vendored == read


@pytest.mark.parametrize("dataset_id,rows", sorted(EXPECTED_ROWS.items()))
def test_row_count_per_reader(built_store, dataset_id, rows):
    assert query(built_store, "SELECT count(*) FROM observations WHERE dataset_id = ?", dataset_id) == rows
    assert query(built_store, "SELECT row_count FROM datasets WHERE dataset_id = ?", dataset_id) == rows


@pytest.mark.parametrize("dataset_id", sorted(EXPECTED_ROWS))
def test_every_code_of_every_reader_resolves_in_the_gazetteer(built_store, dataset_id):
    with store.connect(built_store) as con:
        codes = {
            r[0]
            for r in con.execute(
                "SELECT ref_area FROM observations WHERE dataset_id = ? UNION "
                "SELECT counterpart_area FROM observations WHERE dataset_id = ?",
                [dataset_id, dataset_id],
            ).fetchall()
        }
    assert codes and all(geodata.resolve(c) == c for c in codes)


# --- published figures ----------------------------------------------------------------------


def test_undesa_2024_usa_total_is_the_published_52_4_million(built_store):
    rows = raw_rows(MIG / "undesa_ims2024_bilateral_by_sex_americas_esp.csv")
    raw = total(rows, "n", lambda r: r["dest_iso3"] == "USA" and r["year"] == "2024")
    found = store_total(built_store, "undesa_ims2024", "ref_area = 'USA' AND time_period = '2024'")
    assert found == raw
    assert round(found / 1e6, 1) == 52.4  # UN DESA, International Migrant Stock 2024


def test_undesa_2020_revision_is_kept_apart_with_its_own_usa_total(built_store):
    found = store_total(built_store, "undesa_ims2020", "ref_area = 'USA' AND time_period = '2020'")
    assert found == 50_632_836  # UN DESA, International Migrant Stock 2020
    assert (
        query(
            built_store,
            "SELECT count(*) FROM observations WHERE dataset_id = 'undesa_ims2020' AND time_period = '2024'",
        )
        == 0
    )


@pytest.mark.parametrize("year,expected", [(2021, 133_726), (2022, 248_284), (2023, 520_085), (2024, 302_203)])
@pytest.mark.parametrize(
    "dataset_id,name",
    [
        ("pan_darien_transit_nationality", "panama_darien_irregular_transit_by_nationality.csv"),
        ("pan_darien_transit_demography", "panama_darien_irregular_transit_by_demography.csv"),
    ],
)
def test_darien_annual_transit_equals_published_totals(built_store, year, expected, dataset_id, name):
    raw = total(raw_rows(MIG / name), "n", lambda r: r["month"].startswith(f"{year}-"))
    assert raw == expected  # Servicio Nacional de Migración de Panamá
    assert store_total(built_store, dataset_id, "year(time_start) = ?", year) == expected


def test_darien_2010_2019_are_annual_not_january(built_store):
    with store.connect(built_store) as con:
        freq = dict(
            con.execute(
                "SELECT freq, count(*) FROM observations WHERE dataset_id = "
                "'pan_darien_transit_nationality' AND time_start < DATE '2020-01-01' "
                "GROUP BY ALL"
            ).fetchall()
        )
        periods = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT time_period FROM observations WHERE dataset_id = "
                "'pan_darien_transit_nationality' AND freq = 'A'"
            ).fetchall()
        }
    assert set(freq) == {"A"}
    assert periods == {str(y) for y in range(2010, 2020)}
    raw = total(
        raw_rows(MIG / "panama_darien_irregular_transit_by_nationality.csv"), "n", lambda r: r["month"] == "2015-01"
    )
    assert store_total(built_store, "pan_darien_transit_nationality", "time_period = '2015'") == raw == 29_289


@pytest.mark.parametrize("fiscal_year,expected", [(2023, 2_475_669), (2024, 2_135_005)])
def test_cbp_southwest_fiscal_years_equal_published_totals(built_store, fiscal_year, expected):
    rows = raw_rows(MIG / "cbp_southwest_border_encounters_monthly_fy2018_2025.csv")
    raw = total(rows, "n", lambda r: r["fy_month"].startswith(f"{fiscal_year}-"))
    assert raw == expected  # CBP, Southwest Land Border Encounters
    found = store_total(built_store, "cbp_southwest_encounters", "us_fiscal_year(time_start) = ?", fiscal_year)
    assert found == expected


def test_cbp_fiscal_years_are_never_stored_as_calendar_years(built_store):
    with store.connect(built_store) as con:
        freqs = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT freq FROM observations WHERE dataset_id LIKE 'cbp%' OR dataset_id = 'usbp_sectors'"
            ).fetchall()
        }
        first = con.execute(
            "SELECT min(time_period) FROM observations WHERE dataset_id = 'cbp_southwest_encounters'"
        ).fetchone()[0]
    assert freqs == {"M"}
    assert first == "2017-10"  # FY2018 starts in October 2017


@pytest.mark.parametrize("fiscal_year,expected", [(2022, 2_766_582), (2023, 3_201_144)])
def test_cbp_nationwide_state_file_equals_published_nationwide_totals(built_store, fiscal_year, expected):
    rows = raw_rows(MIG / "cbp_nationwide_encounters_fy20_fy23_state.csv.gz")
    assert total(rows, "Encounter Count", lambda r: r["Fiscal Year"] == str(fiscal_year)) == expected
    assert store_total(built_store, "cbp_nationwide_states", "us_fiscal_year(time_start) = ?", fiscal_year) == expected


def test_cbp_state_file_uses_iso_3166_2_states_and_country_codes_for_outlying_areas(built_store):
    with store.connect(built_store) as con:
        areas = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT ref_area FROM observations WHERE dataset_id = 'cbp_nationwide_states'"
            ).fetchall()
        }
    assert {"US-TX", "US-CA", "US-DC", "PRI", "GUM", "VIR", "MNP"} <= areas
    assert all(a.startswith("US-") or a in {"PRI", "GUM", "VIR", "MNP"} for a in areas)


@pytest.mark.parametrize(
    "fiscal_year,where,expected",
    [
        (2019, "dim_1 = 'southwest'", 851_508),  # CBP: USBP south-west border apprehensions FY2019
        (2000, "TRUE", 1_676_438),  # CBP: USBP nationwide apprehensions FY2000
    ],
)
def test_usbp_sectors_equal_published_fiscal_year_totals(built_store, fiscal_year, where, expected):
    rows = raw_rows(MIG / "usbp_monthly_encounters_by_sector_fy2000_2020.psv", sep="|")
    column = "southwest_border" if "southwest" in where else "monthly_total"
    assert total(rows, column, lambda r: r["fy"] == str(fiscal_year)) == expected
    assert (
        store_total(built_store, "usbp_sectors", f"us_fiscal_year(time_start) = ? AND {where}", fiscal_year) == expected
    )


def test_mexico_census_totals_equal_inegi_and_the_raw_cp1252_tabulado(built_store):
    text = (ADM / "original" / "inegi_censo2020_poblacion_total_entidad_municipio_cp1252.csv").read_bytes()
    rows = list(csv.reader(text.decode("cp1252").splitlines()[4:]))
    national = next(r for r in rows if r[:2] == [" ", "Total"])  # the national row of INEGI's export
    assert int(national[2].replace(",", "")) == 126_014_024  # INEGI, Censo 2020
    for sex, expected in (("_T", 126_014_024), ("M", 61_473_390), ("F", 64_540_634)):
        assert store_total(built_store, "mex_inegi_census2020", "sex = ?", sex) == expected


@pytest.mark.parametrize(
    "where,measure,expected",
    [
        ("ref_area = 'MEX'", "emigrants_international", 1_802_904),
        ("ref_area = 'MEX'", "immigrants_international", 631_363),
        ("ref_area = 'MX-JAL'", "emigrants_international", 149_824),
        ("ref_area <> 'MEX'", "emigrants_international", 1_802_904),  # the states add up to the nation
    ],
)
def test_conapo_quinquennial_2015_2019_equals_published_figures(built_store, where, measure, expected):
    rows = raw_rows(ADM / "mex_conapo2023_international_migration_by_state_quinquennium_totals.csv")
    code = "MX-JAL" if "JAL" in where else ""
    if "<>" not in where:
        assert total(rows, measure, lambda r: r["period"] == "2015-2019" and r["iso_3166_2"] == code) == expected
    found = store_total(
        built_store,
        "mex_conapo_migration_quinquennial",
        f"{where} AND time_period = '2015-2019' AND measure = ?",
        measure,
    )
    assert found == expected  # CONAPO 2023 (vendor/PROVENANCE.md)


def test_conapo_indicators_projection_status_and_no_invented_state_migration(built_store):
    with store.connect(built_store) as con:
        statuses = dict(
            con.execute(
                "SELECT obs_status, min(time_period) FROM observations WHERE dataset_id = "
                "'mex_conapo_indicators' GROUP BY ALL"
            ).fetchall()
        )
        early = con.execute(
            "SELECT count(*) FROM observations WHERE dataset_id = 'mex_conapo_indicators' "
            "AND ref_area <> 'MEX' AND measure = 'emigrants_international' "
            "AND time_period < '2020'"
        ).fetchone()[0]
    assert statuses["F"] == "2020"
    assert early == 0  # empty ("ND") in CONAPO's file: not stored, never 0
    found = store_total(
        built_store,
        "mex_conapo_indicators",
        "ref_area = 'MEX' AND time_period = '2020' AND measure = 'population' AND sex = '_T'",
    )
    assert round(found / 1e6, 2) == 128.21  # CONAPO mid-2020 (vendor/PROVENANCE.md)


def test_honduras_departments_2019_sum(built_store):
    rows = raw_rows(ADM / "hnd_ine_population_projection_2019_by_department.csv")
    assert total(rows, "pop_total") == 9_158_345  # vendor/PROVENANCE.md
    assert store_total(built_store, "hnd_ine_population2019") == 9_158_345
    assert (
        query(built_store, "SELECT DISTINCT obs_status FROM observations WHERE dataset_id = 'hnd_ine_population2019'")
        == "F"
    )


# --- totals recomputed from the raw files (no published figure at hand) --------------------------

RAW_TOTALS = [  # dataset_id, file, column, row filter, store filter
    (
        "unhcr_population",
        "unhcr_population_americas_esp.csv",
        "refugees",
        lambda r: r["year"] == "2024",
        "measure = 'refugees' AND time_period = '2024'",
    ),
    ("unhcr_population", "unhcr_population_americas_esp.csv", "oip", lambda r: True, "measure = 'oip'"),
    (
        "unhcr_asylum_applications",
        "unhcr_asylum_applications_americas_esp.csv",
        "applied",
        lambda r: r["app_pc"] == "C",
        "unit = 'cases'",
    ),
    (
        "unhcr_asylum_decisions",
        "unhcr_asylum_decisions_americas_esp.csv",
        "dec_recognized",
        lambda r: True,
        "measure = 'asylum_decisions_recognized'",
    ),
    (
        "unhcr_solutions",
        "unhcr_solutions_americas_esp.csv",
        "naturalisation",
        lambda r: True,
        "measure = 'naturalisation'",
    ),
    ("unhcr_flows", "unhcr_flows_americas_esp.csv", "refugees", lambda r: True, "measure = 'refugee_arrivals'"),
    (
        "wpp2024_demography",
        "wpp2024_net_migration_annual_1950_2023.csv",
        "net_migration_thousands",
        lambda r: r["iso3"] == "MEX",
        "measure = 'net_migration' AND ref_area = 'MEX'",
    ),
    (
        "wb_population",
        "worldbank_population_total_1960_2024_all_countries.csv",
        "Value",
        lambda r: r["Country Code"] == "GTM",
        "ref_area = 'GTM'",
    ),
    (
        "wb_wdi_indicators",
        "worldbank_wdi_indicators_americas_esp.csv",
        "value",
        lambda r: r["indicator"] == "remin" and r["iso3"] == "HND",
        "measure = 'remittances_received' AND ref_area = 'HND'",
    ),
    ("iom_missing_migrants", "iom_missing_migrants_americas_2014_2025.csv", "dead_and_missing", lambda r: True, "TRUE"),
    ("hnd_irregular_arrivals_total", "honduras_irregular_arrivals_total.csv", "n", lambda r: True, "TRUE"),
    (
        "hnd_irregular_arrivals_nationality",
        "honduras_irregular_arrivals_by_nationality.csv",
        "n",
        lambda r: True,
        "TRUE",
    ),
    (
        "hnd_irregular_arrivals_demography",
        "honduras_irregular_arrivals_by_demography.csv",
        "n",
        lambda r: r["demog"] in ("boys", "girls"),
        "age = 'Y_LT18'",
    ),
    (
        "mex_persons_presented_nationality",
        "mexico_irregular_situation_pam_by_nationality.csv",
        "n",
        lambda r: True,
        "TRUE",
    ),
    (
        "mex_persons_presented_sex_age",
        "mexico_irregular_situation_pam_by_sex_age.csv",
        "n",
        lambda r: r["age"].startswith("under 12"),
        "age = 'Y_LT12'",
    ),
    (
        "mex_returns_nationality",
        "mexico_expulsions_deportations_returns_by_nationality.csv",
        "n",
        lambda r: r["type"] != "deportation",
        "measure = 'assisted_returns'",
    ),
    (
        "gtm_returned_nationals",
        "guatemala_returned_nationals_from_mex_usa.csv",
        "n",
        lambda r: r["origin"] == "",
        "counterpart_area = '_X'",
    ),
]


@pytest.mark.parametrize("dataset_id,name,column,keep,where", RAW_TOTALS, ids=[f"{r[0]}-{r[2]}" for r in RAW_TOTALS])
def test_store_total_equals_the_raw_file(built_store, dataset_id, name, column, keep, where):
    expected = total(raw_rows(MIG / name), column, keep)
    assert expected != 0
    assert store_total(built_store, dataset_id, where) == pytest.approx(expected, rel=1e-12)


def test_mmp_incidents_table_keeps_every_incident_and_the_outside_count(built_store):
    rows = raw_rows(MIG / "iom_missing_migrants_americas_2014_2025.csv")
    with store.connect(built_store) as con:
        n, dead = con.execute("SELECT count(*), sum(dead_and_missing) FROM mmp_incidents").fetchone()
        notes = dict(
            con.execute("SELECT note, value FROM build_notes WHERE dataset_id = 'iom_missing_migrants'").fetchall()
        )
        placements = dict(
            con.execute(
                "SELECT dim_3, sum(value) FROM observations WHERE dataset_id = 'iom_missing_migrants' GROUP BY ALL"
            ).fetchall()
        )
        multi = con.execute("SELECT count(*) FROM mmp_incidents WHERE len(origins) > 1").fetchone()[0]
    assert n == len(rows) == notes["incidents"]
    assert dead == total(rows, "dead_and_missing")
    assert 0 < notes["outside_every_polygon"] < n
    assert sum(notes[f"placed_{b}"] for b in ("point_in_unit", "nearest_unit", "country_only", "country")) == n
    assert sum(placements.values()) == dead
    assert multi == sum(len(set(r["origin_iso3"].split(","))) > 1 for r in rows)  # "UNK,UNK" is one origin


def test_other_and_unknown_are_kept_as_their_own_code(built_store):
    with store.connect(built_store) as con:
        counts = dict(
            con.execute(
                "SELECT dataset_id, count(*) FROM observations WHERE counterpart_area = '_X' GROUP BY ALL"
            ).fetchall()
        )
    rows = raw_rows(MIG / "cbp_southwest_border_encounters_monthly_fy2018_2025.csv")
    assert counts["cbp_southwest_encounters"] == Counter(r["citizenship_iso3"] for r in rows)["OOO"]
    assert {"undesa_ims2024", "cbp_nationwide_states", "gtm_returned_nationals", "unhcr_population"} <= set(counts)


def test_cbp_rows_without_citizenship_breakdown_are_not_applicable_not_other(built_store):
    rows = raw_rows(MIG / "cbp_southwest_border_encounters_monthly_fy2018_2025.csv")
    raw = total(rows, "n", lambda r: r["citizenship_iso3"] == "")
    assert store_total(built_store, "cbp_southwest_encounters", "counterpart_area = '_Z'") == raw
    assert (
        query(
            built_store,
            "SELECT max(us_fiscal_year(time_start)) FROM observations WHERE dataset_id = "
            "'cbp_southwest_encounters' AND counterpart_area = '_Z'",
        )
        == 2019
    )


def test_undesa_flags_are_kept_as_dimensions_and_status(built_store):
    rows = raw_rows(MIG / "undesa_ims2020_bilateral_by_sex_americas_esp.csv")
    with store.connect(built_store) as con:
        imputed = con.execute(
            "SELECT count(*) FROM observations WHERE dataset_id = 'undesa_ims2020' "
            "AND obs_status = 'I' AND dim_1 = 'imputed'"
        ).fetchone()[0]
        citizenship = con.execute(
            "SELECT count(*) FROM observations WHERE dataset_id = 'undesa_ims2020' AND dim_1 = 'citizenship'"
        ).fetchone()[0]
        added = con.execute(
            "SELECT count(*) FROM observations WHERE dataset_id = 'undesa_ims2020' AND dim_2 = 'added'"
        ).fetchone()[0]
        sexes = {
            r[0]
            for r in con.execute("SELECT DISTINCT sex FROM observations WHERE dataset_id LIKE 'undesa%'").fetchall()
        }
    assert imputed == sum(r["type_i"] == "1" for r in rows) > 0
    assert citizenship == sum(r["type_c"] == "1" and r["type_b"] == "0" for r in rows)
    assert added == sum(r["type_r"] == "1" for r in rows)
    assert sexes == {"F", "M"}  # no `_T` rows: the total is F + M


def test_dimension_codes_have_names_in_both_languages(built_store):
    with store.connect(built_store) as con:
        frame = con.execute("SELECT * FROM dimension_codes").df()
        compound = con.execute("SELECT name_en FROM dimension_codes WHERE code = 'drowning+violence'").fetchone()
    assert frame["name_es"].str.len().gt(0).all() and frame["name_en"].str.len().gt(0).all()
    assert compound == ("Drowning + Violence",)


def test_raw_file_reader_helper_reads_gzip_and_pipes():
    assert len(raw_rows(MIG / "cbp_nationwide_encounters_fy20_fy23_state.csv.gz")) == 42_532
    assert len(raw_rows(MIG / "usbp_monthly_encounters_by_sector_fy2000_2020.psv", sep="|")) == 252
