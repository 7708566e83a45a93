"""Control totals: published figures, and totals recomputed straight from the vendored files.

``python -m etl check`` runs them against the built store and prints expected vs found.

- **Published** controls compare the store with a figure the publisher (or
  ``vendor/PROVENANCE.md``) states, with where it is published.
- **Raw** controls recompute a total from the vendored file with DuckDB's own CSV reader
  (not with the source readers), so that a reader that drops, duplicates or invents rows fails.
- **Structural** controls: every code resolves through the gazetteer and codelists, no value is
  missing without status M, and US fiscal years are never stored as calendar years.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl.periods import US_FISCAL_YEAR_SQL

VENDOR = Path(__file__).resolve().parents[1] / "vendor"


@dataclass(frozen=True)
class Control:
    """One total: ``sql`` over the store must equal ``expected`` (published) or ``raw_sql`` (vendored file)."""

    name: str
    dataset_id: str
    sql: str
    where: str  # where the expected figure is published, or which file is recomputed
    expected: float | None = None  # a published figure
    raw_sql: str | None = None  # SQL over the vendored file; ``{file}`` is replaced by its path
    tolerance: float = 0.0  # absolute


@dataclass(frozen=True)
class ControlResult:
    """Expected against found for one control."""

    control: Control
    expected: float | None
    found: float | None

    @property
    def passed(self) -> bool:
        if self.expected is None or self.found is None or math.isnan(self.found):
            return False
        return abs(self.found - self.expected) <= self.control.tolerance


def _obs(dataset_id: str, where: str = "TRUE", measure: str | None = None) -> str:
    """SQL: the sum of a dataset's values (optionally of one measure) under a filter."""
    m = f" AND measure = '{measure}'" if measure else ""
    return f"SELECT sum(value) FROM observations WHERE dataset_id = '{dataset_id}'{m} AND {where}"


def _fy(dataset_id: str, fiscal_year: int, where: str = "TRUE") -> str:
    """SQL: the sum of a dataset's monthly values over one US fiscal year (derived from the months)."""
    return _obs(dataset_id, f"freq = 'M' AND {US_FISCAL_YEAR_SQL} = {fiscal_year} AND {where}")


def _csv(name: str, sql: str, sep: str = ",") -> str:
    """SQL over a vendored file read by DuckDB as text (``{csv}`` in ``sql`` stands for the file)."""
    return sql.replace("{csv}", f"read_csv('{{file}}', all_varchar = true, header = true, delim = '{sep}')").replace(
        "{file}", str(VENDOR / name)
    )


MIG = "migration/"
ADM = "admin1_stats/"
DARIEN = "SNM Panamá, annual sums in vendor/PROVENANCE.md"
CONAPO_QQ = "mex_conapo_migration_quinquennial"
GTM_CENSUS = "INE Guatemala, Censo 2018 (vendor/PROVENANCE.md section 7)"
UNFPA_IOM = "UNFPA/IOM 2021 analysis of the 2018 census (vendor/PROVENANCE.md section 7)"
SLV_CENSUS = "BCR/ONEC, Censo 2024 results (vendor/PROVENANCE.md section 7)"
GTM_FILE = "gtm_census2018/gtm_ine_census2018_by_department.csv"
SLV_DEPT = "slv_census2024/slv_bcr_census2024_by_department.csv"
SLV_MUNI = "slv_census2024/slv_bcr_census2024_by_municipio.csv"
SLV_EMIG = "slv_census2024/slv_bcr_census2024_emigrants_by_municipio_sex_cause_year_age.csv.gz"
INEC_EML = "INEC Panamá, Encuesta de Mercado Laboral, August 2023 (vendor/PROVENANCE.md section 7)"
PAN_COLON = "ref_area = 'PA-3' AND time_period = '2023-08' AND sex = '_T' AND dim_1 = '_T'"
PAN_FILE = "pan_inec_labour_survey/pan_inec_eml_by_province_tidy.csv"
GDL_FILE = "gdl_subnational/gdl_shdi_v5_central_america_caribbean.csv"
HND_EMR = "hnd_emr2023/hnd_ine_emr2023_emigrants_by_department_long.csv"

PUBLISHED: tuple[Control, ...] = (
    Control(
        "USA migrant stock 2024 (about 52.4 million)",
        "undesa_ims2024",
        _obs("undesa_ims2024", "ref_area = 'USA' AND time_period = '2024'"),
        "UN DESA, International Migrant Stock 2024",
        expected=52_400_000,
        tolerance=50_000,
    ),
    Control(
        "USA migrant stock 2020 (IMS 2020 revision)",
        "undesa_ims2020",
        _obs("undesa_ims2020", "ref_area = 'USA' AND time_period = '2020'"),
        "UN DESA, International Migrant Stock 2020: 50,632,836",
        expected=50_632_836,
    ),
    *(
        Control(f"Darién irregular transit {year}", ds, _obs(ds, f"year(time_start) = {year}"), DARIEN, expected=v)
        for year, v in ((2021, 133_726), (2022, 248_284), (2023, 520_085), (2024, 302_203))
        for ds in ("pan_darien_transit_nationality", "pan_darien_transit_demography")
    ),
    Control(
        "CBP south-west border encounters FY2023",
        "cbp_southwest_encounters",
        _fy("cbp_southwest_encounters", 2023),
        "CBP, Southwest Land Border Encounters FY2023",
        expected=2_475_669,
    ),
    Control(
        "CBP south-west border encounters FY2024",
        "cbp_southwest_encounters",
        _fy("cbp_southwest_encounters", 2024),
        "CBP, Southwest Land Border Encounters FY2024",
        expected=2_135_005,
    ),
    Control(
        "CBP nationwide encounters FY2022",
        "cbp_nationwide_states",
        _fy("cbp_nationwide_states", 2022),
        "CBP, Nationwide Encounters FY2022",
        expected=2_766_582,
    ),
    Control(
        "CBP nationwide encounters FY2023",
        "cbp_nationwide_states",
        _fy("cbp_nationwide_states", 2023),
        "CBP, Nationwide Encounters FY2023",
        expected=3_201_144,
    ),
    Control(
        "CBP south-west land border FY2023, state file",
        "cbp_nationwide_states",
        _fy("cbp_nationwide_states", 2023, "dim_1 = 'southwest'"),
        "CBP, Southwest Land Border Encounters FY2023",
        expected=2_475_669,
    ),
    Control(
        "USBP south-west border apprehensions FY2019",
        "usbp_sectors",
        _fy("usbp_sectors", 2019, "dim_1 = 'southwest'"),
        "CBP, USBP Southwest Border Apprehensions FY2019",
        expected=851_508,
    ),
    Control(
        "USBP nationwide apprehensions FY2000",
        "usbp_sectors",
        _fy("usbp_sectors", 2000),
        "CBP, USBP Nationwide Apprehensions FY2000",
        expected=1_676_438,
    ),
    Control(
        "Mexico census population 2020",
        "mex_inegi_census2020",
        _obs("mex_inegi_census2020", "sex = '_T'"),
        "INEGI, Censo de Población y Vivienda 2020",
        expected=126_014_024,
    ),
    Control(
        "Mexico census men 2020",
        "mex_inegi_census2020",
        _obs("mex_inegi_census2020", "sex = 'M'"),
        "INEGI, Censo de Población y Vivienda 2020",
        expected=61_473_390,
    ),
    Control(
        "Mexico census women 2020",
        "mex_inegi_census2020",
        _obs("mex_inegi_census2020", "sex = 'F'"),
        "INEGI, Censo de Población y Vivienda 2020",
        expected=64_540_634,
    ),
    Control(
        "Mexico international emigrants 2015-2019",
        CONAPO_QQ,
        _obs(CONAPO_QQ, "ref_area = 'MEX' AND time_period = '2015-2019'", "emigrants_international"),
        "CONAPO 2023 (vendor/PROVENANCE.md)",
        expected=1_802_904,
    ),
    Control(
        "Mexico international immigrants 2015-2019",
        CONAPO_QQ,
        _obs(CONAPO_QQ, "ref_area = 'MEX' AND time_period = '2015-2019'", "immigrants_international"),
        "CONAPO 2023 (vendor/PROVENANCE.md)",
        expected=631_363,
    ),
    *(
        Control(
            f"{name} international emigrants 2015-2019",
            CONAPO_QQ,
            _obs(CONAPO_QQ, f"ref_area = '{code}' AND time_period = '2015-2019'", "emigrants_international"),
            "CONAPO 2023 (vendor/PROVENANCE.md)",
            expected=v,
        )
        for name, code, v in (
            ("Jalisco", "MX-JAL", 149_824),
            ("Guanajuato", "MX-GUA", 136_111),
            ("Michoacán", "MX-MIC", 119_736),
        )
    ),
    Control(
        "Mexico mid-2020 population (about 128.21 million)",
        "mex_conapo_indicators",
        _obs("mex_conapo_indicators", "ref_area = 'MEX' AND time_period = '2020' AND sex = '_T'", "population"),
        "CONAPO 2023 (vendor/PROVENANCE.md)",
        expected=128_210_000,
        tolerance=5_000,
    ),
    Control(
        "Honduras departments 2019",
        "hnd_ine_population2019",
        _obs("hnd_ine_population2019"),
        "INE Honduras via openhn (vendor/PROVENANCE.md)",
        expected=9_158_345,
    ),
    # issue 12: admin-1 census and survey sources (figures in vendor/PROVENANCE.md section 7)
    Control(
        "Guatemala census 2018 population (departments)",
        "gtm_ine_census2018",
        _obs("gtm_ine_census2018", "sex = '_T'", "population"),
        GTM_CENSUS,
        expected=14_901_286,
    ),
    Control(
        "Guatemala census 2018, Guatemala department",
        "gtm_ine_census2018",
        _obs("gtm_ine_census2018", "sex = '_T' AND ref_area = 'GT-01'", "population"),
        GTM_CENSUS,
        expected=3_015_081,
    ),
    Control(
        "Guatemala census 2018, Alta Verapaz",
        "gtm_ine_census2018",
        _obs("gtm_ine_census2018", "sex = '_T' AND ref_area = 'GT-16'", "population"),
        GTM_CENSUS,
        expected=1_215_038,
    ),
    Control(
        "Guatemala census 2018, Huehuetenango emigrants (the most)",
        "gtm_ine_census2018",
        _obs("gtm_ine_census2018", "ref_area = 'GT-13'", "emigrants_reported"),
        UNFPA_IOM,
        expected=55_851,
    ),
    Control(
        "El Salvador census 2024 population (official total)",
        "slv_bcr_census2024",
        _obs("slv_bcr_census2024", "ref_area = 'SLV'", "population"),
        SLV_CENSUS,
        expected=6_029_976,
    ),
    Control(
        "El Salvador census 2024, departments (total minus 107,055 without department)",
        "slv_bcr_census2024",
        _obs("slv_bcr_census2024", "ref_area <> 'SLV' AND sex = '_T'", "population"),
        SLV_CENSUS,
        expected=6_029_976 - 107_055,
    ),
    Control(
        "El Salvador census 2024 households",
        "slv_bcr_census2024",
        _obs("slv_bcr_census2024", "TRUE", "households"),
        SLV_CENSUS,
        expected=1_920_668,
    ),
    Control(
        "El Salvador census 2024, La Libertad",
        "slv_bcr_census2024",
        _obs("slv_bcr_census2024", "ref_area = 'SV-LI' AND sex = '_T'", "population"),
        SLV_CENSUS,
        expected=765_879,
    ),
    Control(
        "El Salvador census 2024 emigrants (department file)",
        "slv_bcr_census2024",
        _obs("slv_bcr_census2024", "TRUE", "emigrants_reported"),
        SLV_CENSUS,
        expected=226_808,
    ),
    Control(
        "El Salvador census 2024 emigrants (cross-tab file)",
        "slv_bcr_census2024_emigrants",
        _obs("slv_bcr_census2024_emigrants"),
        SLV_CENSUS,
        expected=226_808,
    ),
    *(
        Control(
            f"El Salvador census 2024 emigrants, cause {cause}",
            "slv_bcr_census2024_emigrants",
            _obs("slv_bcr_census2024_emigrants", f"dim_1 = '{cause}'"),
            SLV_CENSUS,
            expected=v,
        )
        for cause, v in (
            ("work", 129_172),
            ("family_reunification", 33_731),
            ("insecurity_violence", 32_647),
            ("study", 10_813),
        )
    ),
    Control(
        "Panama labour force, Colón, August 2023",
        "pan_inec_labour_survey",
        _obs("pan_inec_labour_survey", PAN_COLON, "labour_force"),
        INEC_EML,
        expected=123_948,
    ),
    Control(
        "Panama unemployed, Colón, August 2023",
        "pan_inec_labour_survey",
        _obs("pan_inec_labour_survey", PAN_COLON, "unemployed"),
        INEC_EML,
        expected=12_896,
    ),
    Control(
        "Panama unemployment rate, August 2023 (INEC: 7.4 %)",
        "pan_inec_labour_survey",
        "SELECT 100 * sum(value) FILTER (WHERE measure = 'unemployed') / sum(value) FILTER (WHERE measure = "
        "'labour_force') FROM observations WHERE dataset_id = 'pan_inec_labour_survey' AND time_period = '2023-08' "
        "AND sex = '_T' AND dim_1 = '_T'",
        INEC_EML,
        expected=7.43,
        tolerance=0.01,
    ),
    Control(
        "Honduras EMR 2023 emigrants with a department (580,736 minus codes 50 and 99)",
        "hnd_ine_emr2023",
        _obs("hnd_ine_emr2023"),
        "vendor/PROVENANCE.md section 7 (total 580,736)",
        expected=580_736 - 5_366,
        tolerance=1,
    ),
)

RAW: tuple[Control, ...] = (
    *(
        Control(
            f"every migrant stock row ({rev})",
            f"undesa_ims{rev}",
            _obs(f"undesa_ims{rev}"),
            f"vendor/{MIG}undesa_ims{rev}_bilateral_by_sex_americas_esp.csv",
            raw_sql=_csv(
                f"{MIG}undesa_ims{rev}_bilateral_by_sex_americas_esp.csv", "SELECT sum(CAST(n AS DOUBLE)) FROM {csv}"
            ),
        )
        for rev in ("2024", "2020")
    ),
    *(
        Control(
            f"UNHCR {column} (all years)",
            "unhcr_population",
            _obs("unhcr_population", measure=measure),
            f"vendor/{MIG}unhcr_population_americas_esp.csv",
            raw_sql=_csv(
                f"{MIG}unhcr_population_americas_esp.csv", f"SELECT sum(TRY_CAST({column} AS DOUBLE)) FROM {{csv}}"
            ),
        )
        for column, measure in (("refugees", "refugees"), ("asylum_seekers", "asylum_seekers"), ("oip", "oip"))
    ),
    Control(
        "UNHCR asylum applications (persons and cases)",
        "unhcr_asylum_applications",
        _obs("unhcr_asylum_applications"),
        f"vendor/{MIG}unhcr_asylum_applications_americas_esp.csv",
        raw_sql=_csv(
            f"{MIG}unhcr_asylum_applications_americas_esp.csv", "SELECT sum(CAST(applied AS DOUBLE)) FROM {csv}"
        ),
    ),
    Control(
        "UNHCR decisions total",
        "unhcr_asylum_decisions",
        _obs("unhcr_asylum_decisions", measure="asylum_decisions_total"),
        f"vendor/{MIG}unhcr_asylum_decisions_americas_esp.csv",
        raw_sql=_csv(
            f"{MIG}unhcr_asylum_decisions_americas_esp.csv", "SELECT sum(CAST(dec_total AS DOUBLE)) FROM {csv}"
        ),
    ),
    Control(
        "UNHCR resettlement",
        "unhcr_solutions",
        _obs("unhcr_solutions", measure="resettlement"),
        f"vendor/{MIG}unhcr_solutions_americas_esp.csv",
        raw_sql=_csv(
            f"{MIG}unhcr_solutions_americas_esp.csv", "SELECT sum(TRY_CAST(resettlement AS DOUBLE)) FROM {csv}"
        ),
    ),
    Control(
        "UNHCR new asylum applications (flows)",
        "unhcr_flows",
        _obs("unhcr_flows", measure="new_asylum_applications"),
        f"vendor/{MIG}unhcr_flows_americas_esp.csv",
        raw_sql=_csv(f"{MIG}unhcr_flows_americas_esp.csv", "SELECT sum(TRY_CAST(asylum_seekers AS DOUBLE)) FROM {csv}"),
    ),
    Control(
        "WPP gross net migration of countries, sum of |values| (thousands)",
        "wpp2024_demography",
        "SELECT sum(abs(value)) FROM observations WHERE dataset_id = 'wpp2024_demography' "
        "AND measure = 'net_migration'",
        f"vendor/{MIG}wpp2024_net_migration_annual_1950_2023.csv",
        raw_sql=_csv(
            f"{MIG}wpp2024_net_migration_annual_1950_2023.csv",
            "SELECT sum(abs(CAST(net_migration_thousands AS DOUBLE))) FROM {csv} WHERE iso3 <> '' OR m49 = '412'",
        ),
        tolerance=1e-6,
    ),
    Control(
        "World Bank population, Mexico 2020",
        "wb_population",
        _obs("wb_population", "ref_area = 'MEX' AND time_period = '2020'"),
        f"vendor/{MIG}worldbank_population_total_1960_2024_all_countries.csv",
        raw_sql=_csv(
            f"{MIG}worldbank_population_total_1960_2024_all_countries.csv",
            "SELECT sum(CAST(Value AS DOUBLE)) FROM {csv} WHERE \"Country Code\" = 'MEX' AND Year = '2020'",
        ),
    ),
    Control(
        "World Bank remittances received, Guatemala 2023",
        "wb_wdi_indicators",
        _obs("wb_wdi_indicators", "ref_area = 'GTM' AND time_period = '2023'", "remittances_received"),
        f"vendor/{MIG}worldbank_wdi_indicators_americas_esp.csv",
        raw_sql=_csv(
            f"{MIG}worldbank_wdi_indicators_americas_esp.csv",
            "SELECT sum(CAST(value AS DOUBLE)) FROM {csv} WHERE iso3 = 'GTM' AND indicator = 'remin' AND year = '2023'",
        ),
    ),
    Control(
        "every CBP state-file encounter",
        "cbp_nationwide_states",
        _obs("cbp_nationwide_states"),
        f"vendor/{MIG}cbp_nationwide_encounters_fy20_fy23_state.csv.gz",
        raw_sql=_csv(
            f"{MIG}cbp_nationwide_encounters_fy20_fy23_state.csv.gz",
            'SELECT sum(CAST("Encounter Count" AS DOUBLE)) FROM {csv}',
        ),
    ),
    Control(
        "USBP monthly totals FY2000-FY2020",
        "usbp_sectors",
        _obs("usbp_sectors"),
        f"vendor/{MIG}usbp_monthly_encounters_by_sector_fy2000_2020.psv",
        raw_sql=_csv(
            f"{MIG}usbp_monthly_encounters_by_sector_fy2000_2020.psv",
            "SELECT sum(CAST(monthly_total AS DOUBLE)) FROM {csv}",
            sep="|",
        ),
    ),
    Control(
        "dead and missing migrants, all incidents",
        "iom_missing_migrants",
        _obs("iom_missing_migrants"),
        f"vendor/{MIG}iom_missing_migrants_americas_2014_2025.csv",
        raw_sql=_csv(
            f"{MIG}iom_missing_migrants_americas_2014_2025.csv",
            "SELECT sum(CAST(dead_and_missing AS DOUBLE)) FROM {csv}",
        ),
    ),
    Control(
        "Honduras irregular arrivals 2023",
        "hnd_irregular_arrivals_total",
        _obs("hnd_irregular_arrivals_total", "year(time_start) = 2023"),
        f"vendor/{MIG}honduras_irregular_arrivals_total.csv",
        raw_sql=_csv(
            f"{MIG}honduras_irregular_arrivals_total.csv",
            "SELECT sum(CAST(n AS DOUBLE)) FROM {csv} WHERE month LIKE '2023-%'",
        ),
    ),
    *(
        Control(
            f"Honduras irregular arrivals 2018-2025 ({kind})",
            f"hnd_irregular_arrivals_{kind}",
            _obs(f"hnd_irregular_arrivals_{kind}"),
            f"vendor/{MIG}honduras_irregular_arrivals_total.csv (2018 on)",
            raw_sql=_csv(
                f"{MIG}honduras_irregular_arrivals_total.csv",
                "SELECT sum(CAST(n AS DOUBLE)) FROM {csv} WHERE month >= '2018-01'",
            ),
        )
        for kind in ("nationality", "demography")
    ),
    Control(
        "Mexico persons presented 2023 (by nationality)",
        "mex_persons_presented_nationality",
        _obs("mex_persons_presented_nationality", "year(time_start) = 2023"),
        f"vendor/{MIG}mexico_irregular_situation_pam_by_nationality.csv",
        raw_sql=_csv(
            f"{MIG}mexico_irregular_situation_pam_by_nationality.csv",
            "SELECT sum(CAST(n AS DOUBLE)) FROM {csv} WHERE month LIKE '2023-%'",
        ),
    ),
    Control(
        "Mexico persons presented 2023 (by sex and age)",
        "mex_persons_presented_sex_age",
        _obs("mex_persons_presented_sex_age", "year(time_start) = 2023"),
        f"vendor/{MIG}mexico_irregular_situation_pam_by_sex_age.csv",
        raw_sql=_csv(
            f"{MIG}mexico_irregular_situation_pam_by_sex_age.csv",
            "SELECT sum(CAST(n AS DOUBLE)) FROM {csv} WHERE month LIKE '2023-%'",
        ),
    ),
    Control(
        "Mexico deportations, all months",
        "mex_returns_nationality",
        _obs("mex_returns_nationality", measure="deportations"),
        f"vendor/{MIG}mexico_expulsions_deportations_returns_by_nationality.csv",
        raw_sql=_csv(
            f"{MIG}mexico_expulsions_deportations_returns_by_nationality.csv",
            "SELECT sum(CAST(n AS DOUBLE)) FROM {csv} WHERE type = 'deportation'",
        ),
    ),
    Control(
        "Guatemalans returned 2023",
        "gtm_returned_nationals",
        _obs("gtm_returned_nationals", "year(time_start) = 2023"),
        f"vendor/{MIG}guatemala_returned_nationals_from_mex_usa.csv",
        raw_sql=_csv(
            f"{MIG}guatemala_returned_nationals_from_mex_usa.csv",
            "SELECT sum(CAST(n AS DOUBLE)) FROM {csv} WHERE month LIKE '2023-%'",
        ),
    ),
    Control(
        "Mexico state emigrants 2015-2019, sum of states = national",
        CONAPO_QQ,
        _obs(CONAPO_QQ, "ref_area <> 'MEX' AND time_period = '2015-2019'", "emigrants_international"),
        f"vendor/{ADM}mex_conapo2023_international_migration_by_state_quinquennium_totals.csv",
        raw_sql=_csv(
            f"{ADM}mex_conapo2023_international_migration_by_state_quinquennium_totals.csv",
            "SELECT sum(CAST(emigrants_international AS DOUBLE)) FROM {csv} WHERE cve_ent = '0' "
            "AND period = '2015-2019'",
        ),
    ),
    *(
        Control(
            f"Guatemala census 2018 {column}",
            "gtm_ine_census2018",
            _obs("gtm_ine_census2018", where, measure),
            f"vendor/{ADM}{GTM_FILE}",
            raw_sql=_csv(f"{ADM}{GTM_FILE}", f"SELECT sum(CAST({column} AS DOUBLE)) FROM {{csv}}"),
        )
        for column, measure, where in (
            ("poblacion_total", "population", "sex = '_T'"),
            ("poblacion_mujeres", "population", "sex = 'F'"),
            ("total_households", "households", "TRUE"),
            ("households_with_emigrants", "households_with_emigrants", "TRUE"),
            ("total_emigrants_household", "emigrants_reported", "TRUE"),
            ("households_receiving_remittances", "households_receiving_remittances", "TRUE"),
        )
    ),
    *(
        Control(
            f"El Salvador census 2024 {column}",
            "slv_bcr_census2024",
            _obs("slv_bcr_census2024", f"ref_area <> 'SLV' AND {where}", measure),
            f"vendor/{ADM}{SLV_DEPT}",
            raw_sql=_csv(f"{ADM}{SLV_DEPT}", f"SELECT sum(CAST({column} AS DOUBLE)) FROM {{csv}}"),
        )
        for column, measure, where in (
            ("poblacion_total", "population", "sex = '_T'"),
            ("total_households", "households", "TRUE"),
            ("households_with_emigrants", "households_with_emigrants", "TRUE"),
            ("total_emigrants_household", "emigrants_reported", "TRUE"),
            ("households_receiving_remittances", "households_receiving_remittances", "TRUE"),
        )
    ),
    Control(
        "El Salvador census 2024 national total = every municipality incl. code 15",
        "slv_bcr_census2024",
        _obs("slv_bcr_census2024", "ref_area = 'SLV'", "population"),
        f"vendor/{ADM}{SLV_MUNI}",
        raw_sql=_csv(f"{ADM}{SLV_MUNI}", "SELECT sum(CAST(poblacion_total AS DOUBLE)) FROM {csv}"),
    ),
    Control(
        "El Salvador persons without department (municipality code 15)",
        "slv_bcr_census2024",
        "SELECT value FROM build_notes WHERE dataset_id = 'slv_bcr_census2024' AND note = 'persons_without_department'",
        f"vendor/{ADM}{SLV_MUNI}",
        raw_sql=_csv(f"{ADM}{SLV_MUNI}", "SELECT sum(CAST(poblacion_total AS DOUBLE)) FROM {csv} WHERE depto = '15'"),
    ),
    Control(
        "El Salvador emigrants, cross-tab file = department file",
        "slv_bcr_census2024_emigrants",
        _obs("slv_bcr_census2024_emigrants"),
        f"vendor/{ADM}{SLV_DEPT}",
        raw_sql=_csv(f"{ADM}{SLV_DEPT}", "SELECT sum(CAST(total_emigrants_household AS DOUBLE)) FROM {csv}"),
    ),
    *(
        Control(
            f"El Salvador emigrants by cause, {cause}",
            "slv_bcr_census2024_emigrants",
            _obs("slv_bcr_census2024_emigrants", f"dim_1 = '{cause}'"),
            f"vendor/{ADM}{SLV_EMIG}",
            raw_sql=_csv(
                f"{ADM}{SLV_EMIG}", f"SELECT sum(CAST(emigrants AS DOUBLE)) FROM {{csv}} WHERE cause = '{cause}'"
            ),
        )
        for cause in ("work", "family_reunification", "insecurity_violence", "study", "other")
    ),
    Control(
        "El Salvador emigrants women, department 06 (San Salvador)",
        "slv_bcr_census2024_emigrants",
        _obs("slv_bcr_census2024_emigrants", "ref_area = 'SV-SS' AND sex = 'F'"),
        f"vendor/{ADM}{SLV_EMIG}",
        raw_sql=_csv(
            f"{ADM}{SLV_EMIG}", "SELECT sum(CAST(emigrants AS DOUBLE)) FROM {csv} WHERE depto = '06' AND sex = 'female'"
        ),
    ),
    Control(
        "Honduras EMR 2023 emigrants by department (weighted)",
        "hnd_ine_emr2023",
        _obs("hnd_ine_emr2023"),
        f"vendor/{ADM}{HND_EMR}",
        raw_sql=_csv(
            f"{ADM}{HND_EMR}", "SELECT sum(CAST(emigrants AS DOUBLE)) FROM {csv} WHERE depto NOT IN ('50', '99')"
        ),
        tolerance=1e-6,
    ),
    *(
        Control(
            f"Panama labour survey {column}, every row",
            "pan_inec_labour_survey",
            _obs("pan_inec_labour_survey", "TRUE", measure),
            f"vendor/{ADM}{PAN_FILE}",
            raw_sql=_csv(f"{ADM}{PAN_FILE}", f"SELECT sum(TRY_CAST({column} AS DOUBLE)) FROM {{csv}}"),
        )
        for column, measure in (("pea", "labour_force"), ("desocupados", "unemployed"))
    ),
    Control(
        "GDL subnational HDI, sum over HND, CRI, GUY, PAN regions",
        "gdl_shdi",
        _obs("gdl_shdi", "TRUE", "subnational_hdi"),
        f"vendor/{ADM}{GDL_FILE}",
        raw_sql=_csv(
            f"{ADM}{GDL_FILE}",
            "SELECT sum(TRY_CAST(shdi AS DOUBLE)) FROM {csv} WHERE iso3 IN ('HND', 'CRI', 'GUY', 'PAN')",
        ),
        tolerance=1e-6,
    ),
    Control(
        "CONAPO births 2030, all states",
        "mex_conapo_indicators",
        _obs("mex_conapo_indicators", "ref_area <> 'MEX' AND time_period = '2030'", "births"),
        f"vendor/{ADM}mex_conapo2023_state_demographic_indicators_1950_2070.csv",
        raw_sql=_csv(
            f"{ADM}mex_conapo2023_state_demographic_indicators_1950_2070.csv",
            "SELECT sum(CAST(births AS DOUBLE)) FROM {csv} WHERE cve_ent <> '0' AND year = '2030'",
        ),
    ),
)

STRUCTURAL: tuple[tuple[str, str], ...] = (  # (name, SQL that returns the number of offending rows: expected 0)
    (
        "every ref_area is in territories",
        "SELECT count(*) FROM observations o ANTI JOIN territories t ON o.ref_area = t.geo_code",
    ),
    (
        "every counterpart_area is in territories",
        "SELECT count(*) FROM observations o ANTI JOIN territories t ON o.counterpart_area = t.geo_code",
    ),
    (
        "every measure, unit, sex, age and status is in its codelist",
        "SELECT count(*) FROM observations o WHERE measure NOT IN (SELECT measure FROM measures) "
        "OR unit NOT IN (SELECT unit FROM units) OR sex NOT IN (SELECT sex FROM sexes) "
        "OR age NOT IN (SELECT age FROM ages) OR obs_status NOT IN (SELECT obs_status FROM obs_statuses)",
    ),
    (
        "no value is missing unless obs_status = 'M'",
        "SELECT count(*) FROM observations WHERE (value IS NULL) <> (obs_status = 'M')",
    ),
    (
        "no fiscal-year period is stored (periods are calendar periods)",
        "SELECT count(*) FROM observations WHERE time_period LIKE 'FY%' OR freq NOT IN ('A', 'M', 'Q', 'P5')",
    ),
    (
        "every dataset has observations and its row count",
        "SELECT count(*) FROM datasets d WHERE row_count <> (SELECT count(*) FROM observations o "
        "WHERE o.dataset_id = d.dataset_id) OR row_count = 0",
    ),
)


def run_control(con: duckdb.DuckDBPyConnection, control: Control) -> ControlResult:
    """Expected and found for one control (the raw side is recomputed from the vendored file)."""
    found = con.execute(control.sql).fetchone()[0]
    expected = control.expected
    if control.raw_sql is not None:
        expected = con.execute(control.raw_sql).fetchone()[0]
    return ControlResult(
        control, None if expected is None else float(expected), None if found is None else float(found)
    )


def run_controls(con: duckdb.DuckDBPyConnection) -> list[ControlResult]:
    """Every published and raw control, in order."""
    return [run_control(con, c) for c in (*PUBLISHED, *RAW)]


def run_structural(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """``(name, offending rows)`` for every structural rule (0 means it holds)."""
    return [(name, int(con.execute(sql).fetchone()[0])) for name, sql in STRUCTURAL]
