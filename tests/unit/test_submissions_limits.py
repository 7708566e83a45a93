"""Limits before parsing, the validation worker, encodings and missing columns (issue 15).

Every hostile file here is SYNTHETIC (tests/hostile_files.py). No timing is asserted: a test shows
*what* stops the work (the limit named in the report, fuzzy matching stopping at its cap).
"""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from etl.submissions.limits import check_upload, load_limits
from etl.submissions.report import format_report
from etl.submissions.validate import validate_submission
from etl.submissions.worker import PROGRESS_STAGES, validate_isolated
from tests.hostile_files import HEADER, META, build_csv_rows, build_zip_bomb, synthetic_rows


def codes(v, severity: str | None = None) -> list[str]:
    return [p.code for p in v.report.problems if severity is None or p.severity == severity]


def only(v, code: str):
    found = [p for p in v.report.problems if p.code == code]
    assert len(found) == 1, format_report(v.report, "en")
    return found[0]


def _xlsx(rows: list[list[object]], metadata: dict[str, str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "datos"
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    meta = wb.create_sheet("metadatos")
    for line in META["es"].format(country="GTM", title="SYNTHETIC").splitlines():
        label, _, value = line.lstrip("# ").partition(": ")
        meta.append([label, (metadata or {}).get(label, value)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- zip bombs ------------------------------------------------------------------------------------


def test_a_5_mb_zip_bomb_is_refused_from_its_directory_without_opening_it():
    bomb = build_zip_bomb(5_000_000)
    assert 4_000_000 < len(bomb) < 6_000_000
    v = validate_submission(bomb, "datos.xlsx", "GTM")
    p = only(v, "limit_xlsx_uncompressed_bytes")
    assert p.params["found"]["en"].endswith("GB") and p.params["limit"] == {"es": "400 MB", "en": "400 MB"}
    assert "5,1 GB" in p.message("es") and "5.1 GB" in p.message("en")
    assert codes(v) == ["limit_xlsx_uncompressed_bytes"] and v.report.rows == 0
    assert "divida los datos" in p.fix("es").lower() and "split the data" in p.fix("en").lower()


def test_a_small_bomb_under_the_size_limit_is_refused_for_its_ratio():
    bomb = build_zip_bomb(100_000)  # about 100 MB once uncompressed
    v = validate_submission(bomb, "datos.xlsx", "GTM")
    assert codes(v) == ["limit_xlsx_compression_ratio"]


def test_the_worker_memory_limit_holds_when_a_bomb_gets_past_the_directory_check():
    limits = load_limits(xlsx_uncompressed_bytes=10**12, xlsx_compression_ratio=10**6, worker_memory_bytes=900_000_000)
    v = validate_isolated(build_zip_bomb(2_000_000), "datos.xlsx", "GTM", limits=limits)
    assert codes(v) == ["validation_memory"], format_report(v.report, "en")
    assert "900 MB" in v.report.problems[0].message("en")


# --- oversized and long -----------------------------------------------------------------------------


def test_an_oversized_csv_is_refused_before_it_is_decoded():
    line = b"2024-01,GT-01,ENTRY,HND,1\n"
    data = build_csv_rows(1) + line * (51_000_000 // len(line))
    v = validate_submission(data, "grande.csv", "GTM")
    p = only(v, "limit_upload_bytes")
    assert "51 MB" in p.message("es") and "50 MB" in p.message("en") and v.report.rows == 0


def test_too_many_rows_names_the_limit_and_how_to_split():
    data = build_csv_rows(1_300)
    v = validate_submission(data, "filas.csv", "GTM", limits=load_limits(rows=1_000))
    p = only(v, "limit_rows")
    assert "1.000" in p.fix("es") and "1,000" in p.fix("en") and "1,310" in p.message("en")


def test_too_many_rows_declared_by_a_workbook():
    v = validate_submission(_xlsx(synthetic_rows(30)), "filas.xlsx", "GTM", limits=load_limits(rows=20))
    assert codes(v) == ["limit_rows"]


@pytest.mark.parametrize("length", [131_073, 200_000])
def test_a_very_long_csv_cell_is_a_report_not_a_traceback(length):
    v = validate_submission(build_csv_rows(3, cell="x" * length), "largo.csv", "GTM")
    p = only(v, "limit_line_characters")
    assert p.row == 12 and "20.000" in p.message("es") and "20,000" in p.message("en")


def test_a_long_quoted_cell_spanning_lines_is_a_report_not_a_traceback():
    cell = '"' + ("y" * 10_000 + "\n") * 14 + '"'
    v = validate_submission(build_csv_rows(3, cell=cell), "largo.csv", "GTM")
    assert codes(v, "error") == ["limit_cell_characters"], format_report(v.report, "en")


def test_a_long_cell_in_a_workbook_is_reported_with_row_and_column():
    rows = synthetic_rows(5)
    rows[2][1] = "z" * 131_073  # openpyxl keeps Excel's maximum, 32,767 characters
    v = validate_submission(_xlsx(rows), "largo.xlsx", "GTM")
    p = only(v, "limit_cell_characters")
    assert (p.sheet, p.row, p.column) == ("datos", 4, "Territorio") and p.params["found"]["en"] == "32,767"
    assert len(p.value) < 100


def test_a_long_metadata_value_is_reported_not_kept():
    v = validate_submission(_xlsx(synthetic_rows(5), {"Título": "t" * 131_073}), "largo.xlsx", "GTM")
    p = only(v, "limit_metadata_characters")
    assert p.params["found"]["es"] == "32.767" and "title" not in v.metadata


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\x1b", "\u200f"])
def test_control_and_bidi_characters_in_metadata_are_refused(char):
    v = validate_submission(build_csv_rows(3, title=f"Entradas {char}lanoican"), "bidi.csv", "GTM")
    p = only(v, "metadata_unsafe_character")
    assert f"U+{ord(char):04X}" in p.message("es") and f"U+{ord(char):04X}" in p.message("en")
    assert char not in (p.value or "") and not v.valid


def test_a_bidi_override_in_a_data_cell_is_refused():
    rows = synthetic_rows(3)
    rows[0][3] = "HN\u202eD"
    v = validate_submission(_xlsx(rows), "bidi.xlsx", "GTM")
    assert only(v, "bad_character").params["character"] == "U+202E"


# --- fuzzy matching cap -------------------------------------------------------------------------


def test_fuzzy_matching_stops_after_the_cap_of_distinct_unknown_values():
    v = validate_submission(build_csv_rows(50_000, distinct_unknown=50_000), "nac.csv", "GTM")
    cap = load_limits().fuzzy_unknown_values
    warning = only(v, "fuzzy_limit_reached")
    assert warning.column == "Nacionalidad" and "50.000" in warning.message("es")
    assert f"{cap:,}" in warning.message("en")
    listed = [p for p in v.report.problems if p.code == "counterpart_unknown"]
    assert v.report.count("counterpart_unknown") == 50_000
    with_suggestions = [p for p in listed if p.params["suggestions"] != "—"]
    assert len(with_suggestions) == cap  # the first `cap` distinct values only (listed in row order)
    assert all(p.params["suggestions"] == "—" for p in listed[cap:])


def test_under_the_cap_every_unknown_value_gets_suggestions():
    v = validate_submission(build_csv_rows(50, distinct_unknown=50), "nac.csv", "GTM")
    assert "fuzzy_limit_reached" not in codes(v)
    assert all(p.params["suggestions"] != "—" for p in v.report.problems if p.code == "counterpart_unknown")


# --- the worker -----------------------------------------------------------------------------------


def test_the_worker_returns_the_same_report_and_reports_progress():
    data = build_csv_rows(500)
    stages = []
    isolated = validate_isolated(data, "w.csv", "GTM", isolate=True, progress=lambda s, f: stages.append((s, f)))
    local = validate_submission(data, "w.csv", "GTM")
    assert isolated.valid and isolated.report.to_json() == local.report.to_json()
    assert len(isolated.rows) == 500 and isolated.source_sha256 == local.source_sha256
    names = [s for s, _ in stages]
    assert names[0] == "start" and names[-1] == "done" and "cells" in names
    assert names == sorted(names, key=PROGRESS_STAGES.index)
    assert [f for _, f in stages] == sorted(f for _, f in stages) and stages[-1][1] == 1.0


def test_check_only_brings_back_the_report_without_the_rows():
    v = validate_isolated(build_csv_rows(50), "w.csv", "GTM", isolate=True, keep_rows=False)
    assert v.valid and len(v.rows) == 0 and v.report.rows == 50


def test_the_worker_is_stopped_at_its_timeout():
    v = validate_isolated(
        build_csv_rows(50), "w.csv", "GTM", isolate=True, limits=load_limits(worker_timeout_seconds=0.01)
    )
    assert codes(v) == ["validation_timeout"]


def test_a_file_over_a_limit_never_reaches_the_worker():
    stages = []
    v = validate_isolated(build_zip_bomb(5_000_000), "b.xlsx", "GTM", progress=lambda s, f: stages.append(s))
    assert codes(v) == ["limit_xlsx_uncompressed_bytes"] and stages == ["start", "done"]


def test_check_upload_passes_ordinary_files():
    assert check_upload(build_csv_rows(100), "ok.csv") == []
    assert check_upload(_xlsx(synthetic_rows(10)), "ok.xlsx") == []


# --- encodings and missing columns ---------------------------------------------------------------

# English labels: the only accented letter is in "Morazán" (the short files where detection hesitated).
HND = (
    "# Country: HND\n# Kind of data: entries_exits\n# Title: Entries\n# Source (institution): INM\n"
    "# Reference period (from): 2024-01\n# Reference period (to): 2024-12\n"
    "# Definitions used: Persons\n# Coverage: National\n# Contact (name and e-mail): x@example.org\n"
    "# Licence or terms of use: CC-BY-4.0\n"
    "Period,Territory,Flow,Nationality,Value\n2024-01,Francisco Morazán,ENTRY,GTM,12\n"
)


@pytest.mark.parametrize("encoding,name", [("cp1252", "Windows-1252"), ("utf-8", "UTF-8")])
def test_a_short_windows_1252_file_is_read_as_windows_1252_and_says_so(encoding, name):
    v = validate_submission(HND.encode(encoding), "hnd.csv", "HND")
    assert v.valid, format_report(v.report, "en")
    assert v.report.encoding == name and set(v.rows["territory"]) == {"HN-FM"}
    assert name in only(v, "encoding_used").message("es")


def test_a_missing_optional_column_is_a_warning_naming_it_and_its_default():
    v = validate_submission(HND.encode("utf-8"), "hnd.csv", "HND")
    warnings = [p for p in v.report.problems if p.code == "column_default_applied"]
    assert {p.params["expected"]["en"] for p in warnings} == {"Sex", "Observation status"}
    sex = next(p for p in warnings if p.params["expected"]["en"] == "Sex")
    assert "Sexo" in sex.message("es") and "«_T»" in sex.message("es") and "'_T'" in sex.message("en")
    assert sex.severity == "warning" and v.valid and set(v.rows["sex"]) == {"_T"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_line_length_is_counted_in_characters_whatever_the_encoding(encoding):
    ok = build_csv_rows(3, cell="x" * 15_000).decode().encode(encoding)
    long = build_csv_rows(3, cell="x" * 25_000).decode().encode(encoding)
    assert check_upload(ok, "a.csv") == [] and [p.code for p in check_upload(long, "a.csv")] == [
        "limit_line_characters"
    ]
