"""Submission validation: every check fires on its broken fixture, at the right row and column.

Fixtures: tests/fixtures/submissions (made by build_fixtures.py from the vendored IGM table).
In the Spanish CSVs the header is line 30 and data row k (0-based) is line 31 + k.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from etl.submissions import report as report_module
from etl.submissions.report import MAX_PER_CHECK, Problem, Report, format_report, messages, summary_line
from etl.submissions.templates import build_template
from etl.submissions.validate import validate_file, validate_submission

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "submissions"
VALID = FIXTURES / "valid"
BROKEN = FIXTURES / "broken"
DATA = 31  # line of the first data row in the Spanish CSV fixtures


def codes(validation, severity="error"):
    return [p.code for p in validation.report.problems if p.severity == severity]


@pytest.mark.parametrize(
    "name,encoding,delimiter,rows",
    [
        ("gtm_returns_igm_es.csv", "UTF-8", ",", 736),
        ("gtm_returns_igm_2020_2023_es.csv", "UTF-8", ",", 560),
        ("gtm_returns_igm_es_excel_windows.csv", "Windows-1252", ";", 736),
        ("gtm_returns_igm_en.xlsx", None, None, 1101),
    ],
)
def test_real_example_submissions_are_valid(name, encoding, delimiter, rows):
    v = validate_file(VALID / name, "GTM")
    assert v.valid, format_report(v.report, "en")
    assert v.report.encoding == encoding and v.report.delimiter == delimiter
    assert v.report.rows == rows == len(v.rows)
    assert v.kind.id == "returns"
    assert set(v.rows["territory"]) == {"GTM"} and set(v.rows["returned_from"]) <= {"MEX", "USA", "_X"}


def test_real_example_keeps_the_source_numbers():
    vendor = Path(__file__).resolve().parents[2] / "vendor" / "migration"
    source = pd.read_csv(vendor / "guatemala_returned_nationals_from_mex_usa.csv")
    v = validate_file(VALID / "gtm_returns_igm_es.csv", "GTM")
    assert v.rows["value"].sum() == source["n"].sum()
    first = v.rows.loc[DATA]
    assert (
        first["period"],
        first["returned_from"],
        first["sex"],
        first["age_group"],
        first["accompaniment"],
        first["value"],
    ) == ("2020-01", "MEX", "F", "Y_GE18", "_Z", 502.0)


def test_totals_in_the_xlsx_are_checked_with_a_stated_tolerance():
    v = validate_file(VALID / "gtm_returns_igm_en.xlsx", "GTM")
    info = [p for p in v.report.problems if p.code == "totals_checked"]
    assert len(info) == 1 and info[0].params["groups"] > 300 and info[0].params["tolerance"] == "0"
    assert "tolerance 0" in info[0].message("en") and "tolerancia 0" in info[0].message("es")


# (file, check, sheet, row, column, value): one defect per file, see build_fixtures.py
BROKEN_CASES = [
    ("delimiter_not_found.csv", "delimiter_not_found", None, 30, None, None),
    ("ragged_row.csv", "ragged_row", None, DATA + 7, None, None),
    ("header_unknown.csv", "header_unknown", None, 30, "Sexso", "Sexso"),
    ("header_missing.csv", "header_missing", None, 30, None, None),
    ("header_duplicate.csv", "header_duplicate", None, 30, "Grupo de edad", "Grupo de edad"),
    ("territory_unknown.csv", "territory_unknown", None, DATA + 10, "Territorio", "Guatemla"),
    ("territory_other_country.csv", "territory_other_country", None, DATA + 11, "Territorio", "HND"),
    ("counterpart_unknown.csv", "counterpart_unknown", None, DATA + 12, "País que retorna", "Mejico"),
    ("category_unknown.csv", "category_unknown", None, DATA + 13, "Sexo", "Mixto"),
    ("status_unknown.csv", "status_unknown", None, DATA + 14, "Estado del dato", "Revisado"),
    ("value_not_numeric.csv", "value_not_numeric", None, DATA + 15, "Valor", "n/d"),
    ("value_negative.csv", "value_negative", None, DATA + 16, "Valor", "-5"),
    ("value_fractional.csv", "value_fractional", None, DATA + 17, "Valor", "2243.5"),
    ("value_missing.csv", "value_missing", None, DATA + 18, "Valor", ""),
    ("value_with_missing_status.csv", "value_with_missing_status", None, DATA + 19, "Valor", None),
    ("duplicate_key.csv", "duplicate_key", None, DATA + 21, None, None),
    ("period_invalid.csv", "period_invalid", None, DATA + 21, "Período", "2020-13"),
    ("period_outside_reference.csv", "period_outside_reference", None, DATA + 22, "Período", "2019-12"),
    ("cell_empty.csv", "cell_empty", None, DATA + 23, "Territorio", ""),
    ("total_mismatch.csv", "total_mismatch", None, DATA + 736, "Valor", "2746"),
    ("admin1_exceeds_national.csv", "admin1_exceeds_national", None, DATA, "Valor", "502"),
    ("country_mismatch.csv", "country_mismatch", None, 20, "País", "Honduras"),
    ("metadata_missing.csv", "metadata_missing", None, 23, "Fuente (institución)", None),
    ("reference_period_invalid.csv", "reference_period_invalid", None, 25, "Período de referencia (hasta)", "2025-04"),
    ("kind_unknown.csv", "kind_unknown", None, 21, "Tipo de datos", "retornos de ultramar"),
    ("no_rows.csv", "no_rows", None, DATA, None, None),
    ("encoding_mixed.csv", "encoding_mixed", None, DATA + 4, "País que retorna", "M[0xE9]xico"),
    ("bad_character.csv", "bad_character", None, DATA + 6, "Territorio", "GTM\x81"),
    ("value_negative_en.xlsx", "value_negative", "data", 7, "Value", "-5"),
]


@pytest.mark.parametrize("name,code,sheet,row,column,value", BROKEN_CASES, ids=[c[0] for c in BROKEN_CASES])
def test_each_check_fires_on_its_broken_file(name, code, sheet, row, column, value):
    v = validate_file(BROKEN / name, "GTM")
    assert not v.valid
    found = [p for p in v.report.problems if p.code == code]
    assert found, f"{code} not reported for {name}:\n{format_report(v.report, 'en')}"
    p = found[0]
    assert (p.sheet, p.row, p.column) == (sheet, row, column)
    if value is not None:
        assert p.value == value
    for lang in ("es", "en"):
        assert p.message(lang) and p.fix(lang) and "{" not in p.message(lang) + p.fix(lang)


@pytest.mark.parametrize(
    "name",
    [c[0] for c in BROKEN_CASES if c[0] not in ("header_unknown.csv", "encoding_mixed.csv", "header_duplicate.csv")],
)
def test_broken_files_report_only_their_own_defect(name):
    """One defect, one error: no cascade of follow-on errors that would hide the real one."""
    v = validate_file(BROKEN / name, "GTM")
    assert len({p.code for p in v.report.errors}) == 1, format_report(v.report, "en")


def test_a_duplicate_names_the_row_it_repeats():
    p = next(p for p in validate_file(BROKEN / "duplicate_key.csv", "GTM").report.problems if p.code == "duplicate_key")
    assert p.params["other"] == DATA + 20 and "2020-02" in p.params["key"]


def test_unknown_names_come_with_the_nearest_valid_ones():
    v = validate_file(BROKEN / "territory_unknown.csv", "GTM")
    assert "GTM" in next(p for p in v.report.problems if p.code == "territory_unknown").params["suggestions"]
    v = validate_file(BROKEN / "counterpart_unknown.csv", "GTM")
    assert "MEX" in next(p for p in v.report.problems if p.code == "counterpart_unknown").params["suggestions"]
    v = validate_file(BROKEN / "header_unknown.csv", "GTM")
    assert "Sexo" in next(p for p in v.report.problems if p.code == "header_unknown").params["suggestions"]


def test_a_total_within_the_tolerance_passes():
    assert validate_file(BROKEN / "total_mismatch.csv", "GTM", tolerance=1).valid


def test_submitting_another_countrys_file_is_reported_on_metadata_and_rows():
    v = validate_file(VALID / "gtm_returns_igm_es.csv", "HND")
    assert "country_mismatch" in codes(v)
    assert v.report.count("territory_other_country") == 736


@pytest.mark.parametrize(
    "transform",
    [
        lambda h: h.upper(),
        lambda h: h.replace("í", "i").replace("é", "e").replace("ñ", "n"),
        lambda h: h.lower().replace(" ", "_"),
    ],
)
def test_header_variants_and_accents_are_accepted(transform):
    text = (VALID / "gtm_returns_igm_es.csv").read_text(encoding="utf-8").split("\n")
    text[29] = transform(text[29])
    v = validate_submission("\n".join(text).encode("utf-8"), "variant.csv", "GTM")
    assert v.valid, format_report(v.report, "en")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "latin-1", "cp850"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_encodings_and_delimiters_that_arrive_are_read(encoding, delimiter):
    text = [
        line
        for line in (VALID / "gtm_returns_igm_es.csv").read_text(encoding="utf-8").split("\n")
        if not line.startswith("##")
    ]  # the instructions have characters Latin-1 lacks (—)
    header = text.index(next(line for line in text if line.startswith("Período")))
    text[header:] = [line.replace(",", delimiter) for line in text[header:]]
    v = validate_submission("\n".join(text).encode(encoding), "variant.csv", "GTM")
    assert v.valid, format_report(v.report, "en")
    assert v.report.delimiter == delimiter
    assert "Menores de 18 años" not in set(v.rows["age_group"])  # read, and mapped to codes
    assert set(v.rows["age_group"]) == {"Y_GE18", "Y_LT18"}


def test_kind_is_inferred_from_the_headers_when_the_metadata_lack_it():
    text = (VALID / "gtm_returns_igm_es.csv").read_text(encoding="utf-8")
    v = validate_submission(text.replace("# Tipo de datos: returns\n", "").encode(), "x.csv", "GTM")
    assert v.kind.id == "returns" and "kind_inferred" in codes(v, "info") and codes(v) == ["metadata_missing"]


def test_a_missing_figure_with_status_m_is_valid_and_stays_missing():
    text = (VALID / "gtm_returns_igm_es.csv").read_text(encoding="utf-8").split("\n")
    text[DATA - 1] = text[DATA - 1].replace(",502,", ",,M")
    v = validate_submission("\n".join(text).encode(), "x.csv", "GTM")
    assert v.valid, format_report(v.report, "en")
    assert pd.isna(v.rows.loc[DATA, "value"]) and v.rows.loc[DATA, "obs_status"] == "M"


def test_a_country_name_read_as_its_admin1_namesake_is_a_warning():
    text = (VALID / "gtm_returns_igm_es.csv").read_text(encoding="utf-8").split("\n")
    text[DATA - 1] = text[DATA - 1].replace(",GTM,México", ",Guatemala,México", 1)
    v = validate_submission("\n".join(text).encode(), "x.csv", "GTM")
    warning = next(p for p in v.report.problems if p.code == "territory_read_as_unit")
    assert (warning.row, warning.params["code"]) == (DATA, "GT-01")


def test_an_excel_date_in_the_period_column_is_read_as_its_month():
    rows = pd.DataFrame(
        {
            "period": [pd.Timestamp("2024-03-01").to_pydatetime()],
            "territory": ["GTM"],
            "returned_from": ["MEX"],
            "nationality": ["GTM"],
            "value": [3],
        }
    )
    meta = {
        "source": "s",
        "period_start": "2024-01",
        "period_end": "2024-12",
        "definitions": "d",
        "coverage": "c",
        "contact": "c",
    }
    data = build_template("returns", "en", "xlsx", country="GTM", metadata=meta, rows=rows)
    v = validate_submission(data, "x.xlsx", "GTM")
    assert v.valid, format_report(v.report, "en")
    assert v.rows["period"].tolist() == ["2024-03"]


@pytest.mark.parametrize(
    "data,filename,code",
    [
        (b"", "empty.csv", "file_empty"),
        (b"PK\x03\x04 not really a workbook", "broken.xlsx", "xlsx_unreadable"),
        (b"anything", "data.ods", "file_type_unsupported"),
    ],
)
def test_unreadable_files_get_a_clear_problem(data, filename, code):
    v = validate_submission(data, filename, "GTM")
    assert codes(v) == [code]


def _binary_with_separators(seed: int = 4) -> bytes:
    """Random bytes cut into lines with commas: what a CSV reader splits into hundreds of ragged rows."""
    rng = random.Random(seed)
    return b"\n".join(
        b",".join(rng.randbytes(rng.randint(3, 30)).replace(b"\n", b"") for _ in range(rng.randint(1, 6)))
        for _ in range(300)
    )


def _zip(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data,filename,what",
    [
        (_binary_with_separators(), "upload.csv", "binary data"),
        (random.Random(0).randbytes(20_000), "upload.csv", "binary data"),
        (random.Random(1).randbytes(20_000), "upload.xlsx", "binary data"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 40, "program.txt", "binary data"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "report.csv", "a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "old.xlsx", "Excel 97-2003"),
        (_zip("word/document.xml"), "letter.csv", "a ZIP archive"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "photo.csv", "an image"),
    ],
)
def test_a_binary_upload_is_one_problem_saying_it_is_no_csv_or_xlsx(data, filename, what):
    v = validate_submission(data, filename, "GTM")
    assert [p.code for p in v.report.problems] == ["file_not_text"]  # one problem, no ragged rows
    assert what in v.report.problems[0].message("en") and "not a CSV or XLSX" in v.report.problems[0].message("en")
    assert "no es un CSV ni un XLSX" in v.report.problems[0].message("es")
    assert v.report.error_count == 1 and v.report.rows == 0


def test_an_excel_workbook_saved_as_csv_is_read_as_the_workbook_it_is():
    data = (VALID / "gtm_returns_igm_en.xlsx").read_bytes()
    v = validate_submission(data, "gtm_returns.csv", "GTM")
    assert v.valid and v.report.rows == 1101 and codes(v, "warning") == ["file_extension_mismatch"]


@pytest.mark.parametrize(
    "errors,warnings,rows,lang,expected",
    [
        (1, 0, 736, "es", "x.csv: 1 error por corregir, 0 avisos (736 filas leídas)."),
        (1, 1, 1, "en", "x.csv: 1 error to fix, 1 warning (1 row read)."),
        (3, 2, 0, "es", "x.csv: 3 errores por corregir, 2 avisos (0 filas leídas)."),
        (3, 2, 0, "en", "x.csv: 3 errors to fix, 2 warnings (0 rows read)."),
        (0, 1, 1, "es", "x.csv: válido — 1 fila, 1 aviso."),
        (0, 0, 5, "en", "x.csv: valid — 5 rows, 0 warnings."),
    ],
)
def test_the_summary_line_is_singular_for_one_and_plural_otherwise(errors, warnings, rows, lang, expected):
    report = Report(file="x.csv", country="GTM", rows=rows)
    report.extend([Problem("value_negative", row=i) for i in range(errors)])
    report.extend([Problem("licence_not_stated", "warning") for _ in range(warnings)])
    assert summary_line(report, lang) == expected


@pytest.mark.parametrize(
    "n,lang,expected",
    [
        (1, "en", "… and 1 more problem of this kind (value_negative), not"),
        (2, "es", "… y 2 problemas más de este tipo (value_negative), no"),
    ],
)
def test_the_count_of_problems_not_listed_is_plural_correct(n, lang, expected):
    report = Report(file="x.csv", country="GTM")
    report.extend([Problem("value_negative", row=i) for i in range(MAX_PER_CHECK + n)])
    assert format_report(report, lang).splitlines()[-1].startswith(expected)


def test_the_report_lists_the_first_problems_and_counts_the_rest():
    rows = pd.DataFrame(
        {
            "period": "2024",
            "territory": "GTM",
            "returned_from": "MEX",
            "nationality": "GTM",
            "sex": "_T",
            "age_group": ["Y_GE18" for _ in range(MAX_PER_CHECK + 500)],
            "accompaniment": "_Z",
            "value": -1,
        }
    )
    rows["return_type"] = ["_T" for _ in range(len(rows))]
    rows = rows.iloc[:1].merge(pd.DataFrame({"value2": range(len(rows))}), how="cross")
    rows["period"] = [f"{1901 + i // 12}-{i % 12 + 1:02d}" for i in range(len(rows))]
    rows = rows.drop(columns="value2")
    meta = {
        "source": "s",
        "period_start": "1901",
        "period_end": "2100",
        "definitions": "d",
        "coverage": "c",
        "contact": "c",
    }
    v = validate_submission(
        build_template("returns", "en", "csv", metadata={**meta, "country": "GTM"}, rows=rows), "many.csv", "GTM"
    )
    assert v.report.count("value_negative") == MAX_PER_CHECK + 500
    assert v.report.listed["value_negative"] == MAX_PER_CHECK and v.report.omitted["value_negative"] == 500
    assert v.report.error_count == MAX_PER_CHECK + 500
    assert "500" in format_report(v.report, "es").splitlines()[-1]


def test_every_check_has_a_message_and_a_fix_in_both_languages():
    package = Path(report_module.__file__).parent
    used = {code for f in package.glob("*.py") for code in re.findall(r'"([a-z0-9_]+)"', f.read_text())}
    catalogue = messages()
    for code, texts in catalogue.items():
        for part in ("message", "fix"):
            assert set(texts[part]) == {"es", "en"}, (code, part)
    for code in (
        "period_invalid",
        "territory_unknown",
        "total_mismatch",
        "duplicate_key",
        "cell_empty",
        "value_not_numeric",
        "metadata_missing",
        "header_missing",
        "encoding_mixed",
    ):
        assert code in catalogue and code in used
