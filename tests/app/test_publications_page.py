"""The "Articles and bulletins" page through AppTest, in both languages: the list of every bulletin, fact sheet
and article with its data version and downloads; a bulletin and an article drawn natively with the store's own
numbers and their source notes; "no data" in words; the URL state; the map page's image downloads."""

from __future__ import annotations

import re

import pytest

import indicators
from atlas.core.i18n import t
from atlas.publications import params
from etl.formatting import NO_DATA, format_number
from publications import bulletin_areas, list_publications, load_article
from tests.app.conftest import open_page
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("built_store")
LANGS = ("es", "en")


def plain(value: str) -> str:
    """Markdown text as read (escapes removed)."""
    return re.sub(r"\\(.)", r"\1", value)


def page_text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    return plain(" ".join(parts))


def store_value(indicator_id: str, geo: str, period: str, level: str = "country") -> float:
    frame = indicators.compute(indicator_id, level, period)
    row = frame[frame["geo_code"] == geo]
    assert len(row) == 1 and row["value"].notna().all(), f"{indicator_id} {geo} {period}: {row}"
    return float(row["value"].iloc[0])


def download_labels(at) -> list[str]:
    return [b.label for b in at.get("download_button")]


def sources_of(at) -> dict[int, str]:
    """The numbered source notes at the end of the page: ``{n: text}``."""
    notes = {}
    for m in at.markdown:
        for line in plain(m.value).splitlines():
            found = re.match(r"^(\d+)\. (.+)$", line)
            if found:
                notes[int(found.group(1))] = found.group(2)
    return notes


@pytest.mark.parametrize("lang", LANGS)
def test_the_list_has_a_bulletin_for_every_country_and_the_region_with_its_data_version(lang):
    at = open_page("publications.py", timeout=120, lang=lang)
    assert not at.exception
    assert at.title[0].value == t("publications.title", lang)
    entries = list_publications(lang)
    bulletins = [e for e in entries if e.kind == "bulletin"]
    assert len(bulletins) == 13 and {e.area for e in bulletins} == set(bulletin_areas())
    assert len(bulletin_areas()) == 13 and "region" in bulletin_areas()
    text = page_text(at)
    for entry in entries:
        assert entry.title in text, entry.title
    assert text.count(t("publications.data_version", lang, version=entries[0].data_version)) == len(entries)
    labels = download_labels(at)
    assert labels.count(t("publications.download_bulletin_pdf", lang)) == 13
    for fmt in ("png", "svg", "pdf"):
        assert labels.count(t(f"publications.download_factsheet_{fmt}", lang)) == 12
    assert labels.count(t("publications.download_article_pdf", lang)) == len(
        [e for e in entries if e.kind == "article"]
    )
    assert all(len(label.split()) >= 3 for label in labels)  # full labels, never a bare "PDF"


@pytest.mark.parametrize("lang", LANGS)
def test_filters_by_country_tag_and_kind_round_trip_through_the_url(lang):
    at = open_page("publications.py", timeout=120, lang=lang, country="PAN", type="article")
    assert not at.exception
    text = page_text(at)
    assert t("publications.count", lang, count=1) in text
    assert load_article("darien-2021-2024", lang).title in text
    assert at.query_params["country"] == "PAN" and at.query_params["type"] == "article"
    at.selectbox(key="country").set_value("GTM").run()
    assert at.query_params["country"] == "GTM"
    assert load_article("emigration-guatemala-el-salvador", lang).title in page_text(at)
    tag = load_article("emigration-guatemala-el-salvador", lang).meta["tags"][0]
    at.segmented_control(key="type").set_value("").run()
    at.selectbox(key="tag").set_value(tag).run()
    assert at.query_params["tag"] == tag
    assert t("publications.count", lang, count=1) in page_text(at)


@pytest.mark.parametrize("lang", LANGS)
def test_a_bad_value_falls_back_with_the_standard_notice(lang):
    at = open_page("publications.py", timeout=120, lang=lang, kind="bulletin", area="XYZ", year="2023")
    assert not at.exception
    assert any("area" in w.value and "XYZ" in w.value for w in at.warning)
    assert t("publications.count", lang, count=len(list_publications(lang, 2023))) in page_text(at)


@pytest.mark.parametrize("lang", LANGS)
def test_guatemala_2023_shows_the_returned_nationals_of_the_store_with_its_source(lang):
    at = open_page("publications.py", timeout=180, lang=lang, kind="bulletin", area="GTM", year="2023")
    assert not at.exception
    expected = format_number(store_value("returned_nationals", "GTM", "2023"), lang)
    metric = next(m for m in at.metric if m.value.startswith(expected + " "))
    marks = metric.label.split()[-1]
    number = int(marks.translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")))
    assert "gtm_returned_nationals" in sources_of(at)[number]
    assert "Instituto Guatemalteco de Migración" in sources_of(at)[number]
    text = page_text(at)
    for line in (
        t("publications.data_version", lang, version=""),
        t("publications.generated", lang, date=""),
        t("publications.cite_as", lang),
    ):
        assert line.strip(" :") in text
    assert at.query_params["kind"] == "bulletin" and at.query_params["area"] == "GTM"
    assert at.query_params["year"] == "2023"
    assert len(at.get("image")) >= 1
    labels = download_labels(at)
    assert t("publications.download_bulletin_pdf", lang) in labels
    assert t("publications.download_factsheet_png", lang) in labels
    tables = [d.value for d in at.dataframe]
    assert tables and all(not any(c.startswith("Unnamed") for c in frame.columns) for frame in tables)
    assert all(frame.map(lambda v: v not in ("", "–", "nan")).all().all() for frame in tables)


@pytest.mark.parametrize("lang", LANGS)
def test_a_country_with_little_data_says_so_and_draws_no_empty_chart(lang):
    at = open_page("publications.py", timeout=180, lang=lang, kind="bulletin", area="LCA", year="2023")
    assert not at.exception
    infos = plain(" ".join(i.value for i in at.info))
    assert t("publications.no_data_title", lang) in infos
    from atlas.publications.loaders import load_bulletin

    pub = load_bulletin("LCA", 2023, lang)
    for section in pub.sections:
        for missing in section.missing:
            assert missing in infos
    pictures = sum(len(s.pictures) for s in pub.sections)
    assert pub.section("map").missing and not pub.section("map").pictures
    assert len(at.get("image")) == pictures  # one image per drawn picture: none for a section without data
    assert not at.get("arrow_vega_lite_chart") and not at.get("plotly_chart")


@pytest.mark.parametrize("lang", LANGS)
def test_an_article_renders_its_numbers_as_the_map_computes_them(lang):
    at = open_page("publications.py", timeout=180, lang=lang, kind="article", slug="darien-2021-2024")
    assert not at.exception
    text = page_text(at)
    pub = load_article("darien-2021-2024", lang)
    assert pub.title in text
    for geo, level, period in (("PA-5", "admin1", "2023"), ("PAN", "country", "2023"), ("PAN", "country", "2024")):
        value = format_number(store_value("dead_missing", geo, period, level), lang)
        assert re.search(rf"(?<![\d.,]){re.escape(value)}[⁰¹²³⁴⁵⁶⁷⁸⁹]", text), (geo, period, value)
    links = [p for p in at.get("page_link")]
    assert any("flows" in str(p.proto.page) for p in links) and any("map" in str(p.proto.page) for p in links)
    assert t("publications.download_article_pdf", lang) in download_labels(at)
    assert sources_of(at)


def test_the_address_in_an_articles_citation_opens_it():
    at = open_page("publications.py", timeout=180, lang="en", article="emigration-guatemala-el-salvador")
    assert not at.exception
    assert load_article("emigration-guatemala-el-salvador", "en").title in page_text(at)
    assert at.query_params["slug"] == "emigration-guatemala-el-salvador"
    value = format_number(store_value("returned_nationals", "GTM", "2023"), "en")
    assert value in page_text(at)


def test_table_cells_show_the_one_no_data_symbol():
    frame = params.build_table_frame(("Origin", "Value"), (("Guatemala", "–"), ("Mexico", "12")), ((1,), (1, 2)))
    assert list(frame.columns) == ["Origin", "Value"]
    assert frame.iloc[0, 1] == f"{NO_DATA} ¹" and frame.iloc[1, 1] == "12 ¹˒²"
    assert params.build_markdown("a *b*[^3]", trusted=False) == r"a \*b\*³"
    assert params.build_markdown("a *b*[^3]", trusted=True) == "a *b*³"


@pytest.mark.parametrize("lang", LANGS)
def test_the_map_page_offers_png_svg_and_pdf_of_the_view(lang):
    at = open_page(
        "map.py", timeout=120, lang=lang, indicator="dead_missing", level="admin1", country="PAN", year="2023"
    )
    assert not at.exception
    labels = download_labels(at)
    for fmt in ("png", "svg", "pdf"):
        assert t(f"publications.download_view_{fmt}", lang) in labels


def test_a_fact_sheet_opens_as_its_image_with_its_downloads():
    at = open_page("publications.py", timeout=180, lang="es", kind="factsheet", area="GTM", year="2023")
    assert not at.exception
    assert len(at.get("image")) == 1
    labels = download_labels(at)
    for fmt in ("png", "svg", "pdf"):
        assert t(f"publications.download_factsheet_{fmt}", "es") in labels
