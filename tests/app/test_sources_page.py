"""The "Data and sources" page through AppTest, in both languages: the coverage matrix (issue 12) at country
level and admin-1, the datasets with licence and attribution, the API (issue 14), the indicators.
The pure rules of the page (atlas.sources.params and the build_* of atlas.sources.views) are tested here too."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from api import urls as api_urls
from atlas.core.i18n import t
from atlas.sources import params, views
from etl.formatting import NO_DATA
from indicators import load_catalogue
from tests.app.conftest import open_page
from tests.store_fixture import built_store  # noqa: F401  (fixture)

RAW_COLUMNS = {
    "dataset_id",
    "title_es",
    "title_en",
    "publisher",
    "licence",
    "licence_url",
    "attribution",
    "origin",
    "retrieved",
    "revision",
    "coverage",
    "caveats_es",
    "caveats_en",
    "kind",
    "status",
    "version",
    "row_count",
}
WORDS = {
    "es": {"exists": "existe", "partial": "parcial", "missing": "falta"},
    "en": {"exists": "exists", "partial": "partial", "missing": "missing"},
}


class MatrixParser(HTMLParser):
    """The coverage tables of an HTML string: ``{level: {"years": [...], "cells": {(country, theme, year): cell}}}``
    where a cell is ``{"class", "href", "label", "title", "text"}``."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, dict] = {}
        self.level = self.row = self.cell = None
        self.in_head = False
        self.col = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "data-level" in a:
            self.level = a["data-level"]
            self.tables[self.level] = {"years": [], "cells": {}}
        elif self.level is None:
            return
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr":
            self.row = (a["data-country"], a["data-theme"]) if "data-country" in a else None
            self.col = 0
        elif tag == "td" and self.row:
            self.cell = {"class": a.get("class", ""), "href": None, "label": None, "title": a.get("title"), "text": ""}
            self.span = int(a.get("colspan", 1))
        elif tag == "a" and self.cell is not None:
            self.cell.update(href=a.get("href"), label=a.get("aria-label"), title=a.get("title"))

    def handle_endtag(self, tag):
        if tag == "thead":
            self.in_head = False
        elif tag == "table":
            self.level = None
        elif tag == "td" and self.cell is not None:
            table = self.tables[self.level]
            for _ in range(self.span):  # a run of gaps is one cell spanning its years
                table["cells"][(*self.row, table["years"][self.col])] = self.cell
                self.col += 1
            self.cell = None

    def handle_data(self, data):
        if self.level is None:
            return
        if self.in_head and data.strip().isdigit():
            self.tables[self.level]["years"].append(int(data.strip()))
        elif self.cell is not None:
            self.cell["text"] += data.strip()


def coverage_tables(at) -> dict[str, dict]:
    """The tables of the page's last run, or of both levels when ``open_both_levels`` opened them."""
    if getattr(at, "coverage", None):
        return at.coverage
    parser = MatrixParser()
    for element in at.html:
        parser.feed(element.value)
    return parser.tables


def open_both_levels(at, lang: str, **query: str):
    """The page ``at`` with both levels' tables: only the open tab's matrix is sent, so the other level is opened
    through its link (the open tab is in the URL)."""
    tables = coverage_tables(at)
    label = t(f"sources.coverage_level_{params.LEVELS[1]}", lang)
    other = open_page("sources.py", timeout=300, lang=lang, **query, **{views.LEVEL_KEY: label})
    assert not other.exception
    at.coverage = {**tables, **coverage_tables(other)}
    return at


def query(href: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(href)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


@pytest.fixture(scope="module", params=["es", "en"])
def page(request, built_store):  # noqa: F811
    """The page in one language (the first run computes the coverage matrix: allow it time)."""
    return request.param, open_both_levels(open_page("sources.py", timeout=300, lang=request.param), request.param)


# --- the page ---------------------------------------------------------------------------------------


def test_coverage_matrix_is_shown_at_both_levels_with_legend_and_tabs(page):
    lang, at = page
    assert not at.exception
    tables = coverage_tables(at)
    assert set(tables) == {"country", "admin1"}
    for table in tables.values():
        assert table["years"] == list(range(2000, table["years"][-1] + 1)) and table["years"][-1] >= 2025
        assert {c for c, _, _ in table["cells"]} >= {"GTM", "SLV", "HND", "PAN", "MEX", "BLZ"}
    skip = t("sources.coverage_skip", lang)
    assert sum(f'<a class="cv-skip" href="#datasets">{skip}</a>' in h.value for h in at.html) == 1  # the open tab
    assert [tab.label for tab in at.tabs] == [t(f"sources.coverage_level_{lv}", lang) for lv in params.LEVELS]
    legend = " ".join(h.value for h in at.html)
    for status, word in WORDS[lang].items():
        assert f'cv-key {views.CLASSES[status]}" aria-hidden="true">{views.SYMBOLS[status]}' in legend
        assert word in legend


def test_a_known_filled_cell_is_marked_existing_and_opens_its_map_view(page):
    lang, at = page
    tables = coverage_tables(at)
    cat = load_catalogue()
    # Guatemala, census 2018 at admin-1 (households with emigrants, remittances)
    cell = tables["admin1"]["cells"][("GTM", "household_emigration", 2018)]
    assert cell["class"] == "cv-e" and cell["text"] == "●"
    assert cell["label"].startswith(f"2018: {WORDS[lang]['exists']}")
    # the label is shown on hover and keyboard focus from the aria-label itself (no second copy in the page)
    assert cell["title"] is None and any("content: attr(aria-label)" in h.value for h in at.html)
    path, q = query(cell["href"])
    assert path == "map" and q["level"] == "admin1" and q["country"] == "GTM" and q["year"] == "2018"
    assert q["lang"] == lang and cat.get(q["indicator"]).theme == "household_emigration"
    # Panama at country level: it reports the Darién crossings
    cell = tables["country"]["cells"][("PAN", "irregular", 2024)]
    assert cell["class"] == "cv-e"
    path, q = query(cell["href"])
    assert path == "map" and q["sel"] == "PAN" and q["year"].startswith(("2024", "FY2024")) and q["lang"] == lang
    assert cat.get(q["indicator"]).theme == "irregular"


def test_partial_cells_say_why(page):
    lang, at = page
    cell = coverage_tables(at)["country"]["cells"][("MEX", "protection", 2025)]  # UNHCR 2025 is mid-year
    assert cell["class"] == "cv-p" and cell["text"] == "◐"
    assert WORDS[lang]["partial"] in cell["label"]
    assert ("mitad de año" if lang == "es" else "mid-year") in cell["label"]


def test_a_known_gap_links_to_the_submission_page(page):
    lang, at = page
    tables = coverage_tables(at)
    for level, key in (("admin1", ("BLZ", "household_emigration", 2024)), ("country", ("SUR", "irregular", 2024))):
        cell = tables[level]["cells"][key]
        assert cell["class"] == "cv-m" and cell["text"] == "○" and cell["title"] is None
        years, _, rest = cell["label"].partition(": ")  # "2024: falta …" or a run of gaps "2019–2025: falta …"
        first, _, last = years.partition("–")
        assert int(first) <= 2024 <= int(last or first) and rest.startswith(WORDS[lang]["missing"])
        path, q = query(cell["href"])
        assert path == "submit" and q == {"country": key[0], "lang": lang}


def test_the_matrix_downloads_exist(page):
    lang, at = page
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [t("sources.download_csv", lang), t("sources.download_xlsx", lang)]
    assert any(t("sources.download_note", lang, version="").split(":")[0] in c.value for c in at.caption)


def test_the_download_holds_the_matrix_with_names_words_links_and_version():
    from indicators.coverage import build_coverage_matrix

    cat = load_catalogue()
    matrix = build_coverage_matrix({}, cat, ["GTM", "BLZ"], {}, {}, [2018, 2019], "en")
    frame = views.build_coverage_download(matrix, cat, {"GTM": "Guatemala", "BLZ": "Belice"}, "es", "v · abc")
    csv = pd.read_csv(io.BytesIO(views.build_matrix_bytes(frame, "csv")), encoding="utf-8-sig", keep_default_na=False)
    assert len(csv) == len(matrix) == 2 * 2 * len(cat.themes) * 2
    assert set(csv["level"]) == {"country", "admin1"} and set(csv["status_text"]) == {"falta"}
    assert set(csv["country_name"]) == {"Guatemala", "Belice"} and csv["link"].str.startswith("submit?").all()
    assert set(csv["data_version"]) == {"v · abc"} and "theme_name" in csv and "reason" in csv
    xlsx = pd.read_excel(io.BytesIO(views.build_matrix_bytes(frame, "xlsx")), engine="openpyxl")
    assert len(xlsx) == len(matrix)


def test_datasets_table_has_human_columns_no_none_and_licence_and_attribution(page):
    lang, at = page
    table = at.table[0].value
    assert not set(table.columns) & RAW_COLUMNS
    assert all("_" not in c for c in table.columns) and len(table.columns) == 3
    text = table.astype(str)
    assert not text.isin(["None", "nan", "NaN", "<NA>", ""]).any().any()
    assert not text.apply(lambda col: col.str.contains(r"\bNone\b")).any().any()
    first, licence, attribution = table.columns
    assert licence == ("Licencia" if lang == "es" else "Licence")
    assert attribution == ("Atribución" if lang == "es" else "Attribution")
    assert len(table) == 33 or len(table) >= 30
    mmp = table[table[first].str.contains("Missing Migrants|Migrantes Desaparecidos")].iloc[0]
    assert "Missing Migrants Project" in mmp[attribution] and "CC BY 4" in mmp[licence]
    us = table[table[first].str.contains("CBP")].iloc[0]
    assert ("Dominio público" if lang == "es" else "Public domain") in us[licence]
    assert "](https://www.copyright.gov/" in us[licence]


def test_api_section_links_the_docs_states_the_version_and_gives_per_dataset_links(page):
    lang, at = page
    buttons = {b.proto.label: b.proto.url for b in at.get("link_button")}
    assert buttons[t("sources.api_docs", lang)] == api_urls.docs_url()
    text = "\n".join(m.value for m in at.markdown)
    version = re.search(r"\*\*(?:Versión de los datos|Data version):\*\* (.+ · ([0-9a-f]{12}))", text)
    assert version, "the data version is stated"
    vid = version.group(2)
    assert api_urls.citation_url("undesa_ims2024", "bibtex", version=vid) in text
    assert api_urls.citation_url("undesa_ims2024", "csl-json", version=vid) in text
    assert api_urls.citation_url("undesa_ims2024", "text", version=vid) in text
    assert api_urls.dataset_url("undesa_ims2024") in text
    assert api_urls.sdmx_data_url("undesa_ims2024") in text
    assert "None" not in text


def test_every_indicator_is_listed_with_its_map_link(page):
    lang, at = page
    cat = load_catalogue()
    labels = {e.label for e in at.expander}
    assert {ind.name(lang) for ind in cat.indicators.values()} <= labels
    text = " ".join(m.value for m in at.markdown)
    assert cat.get("cbp_encounters_rate").text("definition", lang) in text
    for ind_id in cat.indicators:
        assert f"map?indicator={ind_id}&lang={lang}" in text


def test_a_years_link_narrows_the_matrix_and_a_bad_one_is_announced(built_store):  # noqa: F811
    at = open_page("sources.py", timeout=300, lang="en", years="2016-2020")
    assert not at.exception
    assert all(
        t["years"] == [2016, 2017, 2018, 2019, 2020]
        for t in coverage_tables(open_both_levels(at, "en", years="2016-2020")).values()
    )
    at = open_page("sources.py", timeout=300, lang="en", years="2020-1900")
    assert at.warning and "years" in at.warning[0].value
    assert coverage_tables(at)["country"]["years"][0] == 2000


# --- pure rules ----------------------------------------------------------------------------------------


def test_links_change_language_and_become_relative():
    assert params.with_lang("/submit?lang=es&country=BLZ", "en") == "/submit?country=BLZ&lang=en"
    assert (
        params.with_lang("/map?indicator=x&level=country&year=2024&lang=es&sel=GTM", "en")
        == "/map?indicator=x&level=country&year=2024&sel=GTM&lang=en"
    )
    assert params.page_link("/map?a=1") == "map?a=1"


def test_year_window():
    assert params.compute_year_bounds([2024, 1990, 2070]) == (1990, 2070)
    assert params.compute_year_bounds([]) == (params.MATRIX_YEARS[0], params.MATRIX_YEARS[-1])
    assert params.compute_default_window([1950, 2024, 2025], (1950, 2070)) == (2000, 2025)
    assert params.compute_default_window([2019, 2020], (2015, 2070)) == (2015, 2020)
    assert params.compute_default_window([], (2000, 2010)) == (2000, 2010)


def test_matrix_html_escapes_names_and_marks_status_by_symbol_and_text():
    matrix = pd.DataFrame(
        [
            {
                "country": "GTM",
                "level": "country",
                "theme": "stocks",
                "year": 2024,
                "status": "exists",
                "n_indicators": 2,
                "units_with_data": 1,
                "units": 1,
                "link": "/map?indicator=a&lang=en",
                "reason_es": "x",
                "reason_en": "x",
            },
            {
                "country": "GTM",
                "level": "country",
                "theme": "stocks",
                "year": 2025,
                "status": "partial",
                "n_indicators": 1,
                "units_with_data": 1,
                "units": 1,
                "link": "/map?indicator=a&year=2025&lang=en",
                "reason_es": "Solo periodos parciales.",
                "reason_en": "Only partial periods.",
            },
        ]
    )
    out = views.build_coverage_html(
        matrix, "country", (2024, 2026), {"GTM": "<b>Guate</b>"}, {"stocks": 'Stocks "&" <i>'}, "en"
    )
    assert "<b>Guate</b>" not in out and "&lt;b&gt;Guate&lt;/b&gt;" in out
    assert "&quot;&amp;&quot; &lt;i&gt;" in out
    tables = MatrixParser()
    tables.feed(out)
    cells = tables.tables["country"]["cells"]
    assert (
        cells[("GTM", "stocks", 2024)]["text"] == "●"
        and cells[("GTM", "stocks", 2024)]["href"] == "map?indicator=a&lang=en"
    )
    assert "Only partial periods" in cells[("GTM", "stocks", 2025)]["label"]
    assert cells[("GTM", "stocks", 2026)]["class"] == "cv-m" and cells[("GTM", "stocks", 2026)]["href"] is None


def test_licence_notes_are_translated_and_store_text_is_escaped():
    from indicators.store import load_datasets

    datasets = load_datasets()
    bare = re.compile(r"CC BY [\d.]+( IGO)?")
    for licence in set(datasets.loc[datasets["kind"] == "source", "licence"]):
        assert bare.fullmatch(licence) or views.translate_licence(licence, "es") != licence, licence
    assert views.translate_licence("Some publisher's own words", "es") == "Some publisher's own words"
    assert views.translate_licence(None, "en") == ""
    assert views.safe_link_target("javascript:alert(1)") is None
    assert views.safe_link_target("https://x.org/a (b)") == "https://x.org/a%20%28b%29"
    cell = views.build_licence_cell("[evil](https://bad)", "javascript:x", "en")
    assert "](" not in cell.replace("\\]\\(", "")
    assert views.md_text(None) == NO_DATA and views.md_text(float("nan")) == NO_DATA
    frame = views.build_datasets_table(datasets.head(3).assign(attribution=None), "en")
    assert (frame["Attribution"] == NO_DATA).all()


def test_version_id():
    assert views.split_version("2026-12-06T03:15:05+00:00 · 5d7b6d6ab73f") == "5d7b6d6ab73f"
    assert views.split_version("in-memory") is None


def test_a_rerun_keeps_the_year_range_and_a_tab_switch_sends_that_level_only(built_store):  # noqa: F811
    """A rerun (a tab switch, a language switch) read the range slider back as one year and failed."""
    at = open_page("sources.py", timeout=300, lang="en", years="2010-2020")
    at.run()
    assert not at.exception and at.session_state["years"] == (2010, 2020)
    at.session_state[views.LEVEL_KEY] = t("sources.coverage_level_admin1", "en")
    at.run()
    assert not at.exception and set(coverage_tables(at)) == {"admin1"}
    assert coverage_tables(at)["admin1"]["years"] == list(range(2010, 2021))
