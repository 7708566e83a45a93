"""Templates for every kind, format and language; the specification agrees with the store's codelists."""

from __future__ import annotations

import codecs
import io
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from etl.codelist import load_codelists
from etl.submissions.observations import build_observations
from etl.submissions.spec import load_spec
from etl.submissions.templates import build_template
from etl.submissions.validate import validate_file, validate_submission

ROOT = Path(__file__).resolve().parents[2]
KINDS = sorted(load_spec().kinds)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_empty_template_reads_back_as_its_kind_with_only_the_blanks_to_fill(kind, lang, fmt):
    data = build_template(kind, lang, fmt, country="GTM")
    v = validate_submission(data, f"template.{fmt}", "GTM")
    assert v.kind is not None and v.kind.id == kind
    assert {p.code for p in v.report.errors} == {"metadata_missing", "no_rows"}


def test_xlsx_template_sheets_headers_and_codes():
    book = load_workbook(io.BytesIO(build_template("returns", "es", "xlsx", country="GTM")))
    assert book.sheetnames == ["instrucciones", "metadatos", "datos", "códigos"]
    headers = [c.value for c in book["datos"][1]]
    assert headers[:3] == ["Período", "Territorio", "País que retorna"]
    codes = {row[1] for row in book["códigos"].iter_rows(min_row=2, values_only=True)}
    assert {"GTM", "GT-09", "MEX", "_X", "XXA", "Y_LT18", "accompanied", "M"} <= codes
    meta = {row[0]: row[1] for row in book["metadatos"].iter_rows(min_row=2, values_only=True)}
    assert meta["País"] == "GTM" and meta["Tipo de datos"] == "returns"


def test_csv_template_opens_in_excel_as_utf8_and_has_english_headers():
    data = build_template("entries_exits", "en", "csv")
    assert data.startswith(codecs.BOM_UTF8)
    text = data.decode("utf-8-sig")
    assert "# Kind of data: entries_exits" in text
    assert text.rstrip().splitlines()[-1] == "Period,Territory,Flow,Nationality,Sex,Value,Observation status"


@pytest.mark.integration
def test_the_template_command_writes_a_file(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl",
            "template",
            "foreign_born",
            "--lang",
            "es",
            "--format",
            "csv",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    written = Path(out.stdout.strip())
    assert written == tmp_path / "pvigm_foreign_born_es.csv" and "País de nacimiento" in written.read_text("utf-8-sig")


def test_every_code_a_submission_can_store_is_in_the_store_codelists():
    spec, lists = load_spec(), load_codelists()
    for kind in spec.kinds.values():
        assert set(kind.all_measures) <= lists.codes("measures"), kind.id
        assert kind.unit in lists.codes("units")
        for col in kind.columns:
            if col.type != "category":
                continue
            codes = set(spec.categories[col.categories])
            if col.target == "sex":
                assert codes <= lists.codes("sexes")
            elif col.target == "age":
                assert codes <= lists.codes("ages")
            elif col.dimension:
                assert codes <= lists.dimension_code_set(col.dimension), (kind.id, col.id)
    assert set(spec.statuses) <= lists.codes("obs_statuses")


def test_observations_have_the_store_columns_and_measures():
    v = validate_file(ROOT / "tests/fixtures/submissions/valid/gtm_returns_igm_es.csv", "GTM")
    obs = build_observations(v.rows, v.kind, "sub_GTM_returns_1")
    from etl.schema import OBS_COLUMNS

    assert tuple(obs.columns) == OBS_COLUMNS and len(obs) == 736
    assert set(obs.measure) == {"returns_received"} and set(obs.unit) == {"persons"}
    assert set(obs.dim_1) == {"GTM"} and set(obs.dim_3) == {"_Z", "accompanied", "unaccompanied"}
    assert obs.value.notna().all() and (obs.freq == "M").all()
    assert obs.equals(build_observations(v.rows, v.kind, "sub_GTM_returns_1"))  # deterministic


@pytest.mark.parametrize("lang,words", [("es", ["50 MB", "1.100.000 filas"]), ("en", ["50 MB", "1,100,000 data rows"])])
def test_every_template_states_the_limits(lang, words):
    text = build_template("returns", lang, "csv").decode("utf-8-sig")
    book = load_workbook(io.BytesIO(build_template("returns", lang, "xlsx")))
    sheet_text = " ".join(str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value)
    assert all(w in text and w in sheet_text for w in words)
