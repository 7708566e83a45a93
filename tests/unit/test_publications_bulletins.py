"""Bulletins built from the real store: the PDF's extracted text holds the store's own figures with their
footnoted sources, in both languages; a country with little data says what has no data instead of drawing
empty charts; templates are data that an editor can extend."""

from __future__ import annotations

import copy
import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

import indicators
from etl.formatting import NO_DATA, format_number
from indicators.flows import compute_flows, compute_place_totals, load_flow_views
from publications import data
from publications.bulletin import BulletinRequestError, build_bulletin
from publications.render import render_pdf
from publications.templates import TemplateError, build_template, load_template, validate_template
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("built_store")
WHEN = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def bulletins() -> dict:
    """Bulletins (structure and PDF text) built once for this module."""
    out = {}
    for area, lang in (
        ("GTM", "es"),
        ("GTM", "en"),
        ("PAN", "es"),
        ("PAN", "en"),
        ("LCA", "es"),
        ("SUR", "en"),
        ("region", "en"),
    ):
        pub = build_bulletin(area, 2023, lang, generated=WHEN)
        pdf = render_pdf(pub)
        reader = PdfReader(io.BytesIO(pdf))
        pages = [page.extract_text() for page in reader.pages]
        out[area, lang] = {
            "pub": pub,
            "pdf": pdf,
            "reader": reader,
            "pages": pages,
            "text": re.sub(r"\s+", " ", " ".join(pages)),
        }
    return out


def store_value(indicator_id: str, geo: str, period: str) -> float:
    frame = indicators.compute(indicator_id, "country", period)
    row = frame[frame["geo_code"] == geo]
    assert len(row) == 1 and row["value"].notna().all(), f"{indicator_id} {geo} {period}: {row}"
    return float(row["value"].iloc[0])


@pytest.mark.parametrize("lang", ["es", "en"])
def test_guatemala_bulletin_prints_the_returned_nationals_of_the_store_with_its_source(bulletins, lang):
    b = bulletins["GTM", lang]
    expected = format_number(store_value("returned_nationals", "GTM", "2023"), lang, 0)
    assert expected in b["text"]
    figure = next(f for f in b["pub"].section("headline").figures if f.text.startswith(expected))
    sources = {s.number: s for s in b["pub"].sources}
    cited = [sources[n] for n in figure.notes]
    assert [s.dataset_id for s in cited] == ["gtm_returned_nationals"]
    meta = data.load_datasets().loc["gtm_returned_nationals"]
    for part in (meta["publisher"], meta["retrieved"], "Instituto Guatemalteco de Migración"):
        assert str(part) in b["text"], part
    assert re.sub(r"\s+", " ", str(meta["licence"]))[:60] in b["text"]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_panama_bulletin_prints_the_darien_crossings_of_the_store_with_its_source(bulletins, lang):
    view = load_flow_views()["darien_transit"]
    from publications.data import load_flow_observations

    totals = compute_place_totals(compute_flows(load_flow_observations(view.view_id), view, "2023", "_T"))
    expected = float(totals.set_index("place").at["PAN", "incoming"])
    assert expected == 520_085  # the published control total (etl/controls.py)
    b = bulletins["PAN", lang]
    assert format_number(expected, lang, 0) in b["text"]
    figure = next(f for f in b["pub"].section("headline").figures if f.value == expected)
    assert [s.dataset_id for s in b["pub"].sources if s.number in figure.notes] == ["pan_darien_transit_nationality"]
    assert "Servicio Nacional de Migración de Panamá" in b["text"]
    previous = format_number((520_085 - 248_284) / 248_284 * 100, lang, 1)
    assert previous in figure.change


@pytest.mark.parametrize("key", [("GTM", "es"), ("PAN", "en"), ("region", "en")])
def test_cover_states_data_version_generation_date_and_citation(bulletins, key):
    b = bulletins[key]
    first = re.sub(r"\s+", " ", b["pages"][0])
    assert b["pub"].data_version in first
    assert "2026-12-01 09:30 UTC" in first
    assert ("Cítese como" if key[1] == "es" else "Cite as") in first
    assert b["pub"].title in first


def test_every_number_has_a_source_with_licence_and_retrieval_date(bulletins):
    for key, b in bulletins.items():
        pub = b["pub"]
        numbers = {s.number for s in pub.sources}
        assert numbers == set(range(1, len(pub.sources) + 1)), key
        for s in pub.sources:
            assert s.licence and s.retrieved and s.publisher, (key, s)
        for section in pub.sections:
            for f in section.figures:
                assert f.value is not None and f.notes and set(f.notes) <= numbers, (key, f)
            for t in section.tables:
                assert len(t.notes) == len(t.rows) and all(n for n in t.notes) or section.kind == "country_table"
            for p in section.pictures:
                assert p.notes and set(p.notes) <= numbers, (key, p.title)


@pytest.mark.parametrize("key", [("LCA", "es"), ("SUR", "en")])
def test_a_country_with_little_data_names_what_has_no_data_and_draws_no_empty_chart(bulletins, key):
    b = bulletins[key]
    pub = b["pub"]
    name = pub.meta["area_name"]
    assert pub.section("map").pictures == ()
    assert pub.section("map").missing
    assert pub.section("deaths").pictures == ()
    gaps = pub.section("gaps")
    assert len(gaps.missing) >= 4
    heading = "Vacíos de datos" if key[1] == "es" else "Data gaps"
    assert heading in b["text"]
    for line in gaps.missing:
        assert re.sub(r"\s+", " ", line)[:50] in b["text"]
    sentence = (
        "Ningún indicador del mapa tiene datos de las unidades de "
        if key[1] == "es"
        else "No map indicator has data for the units of "
    ) + name
    assert sentence in b["text"]
    # no figure, row or chart shows a zero that stands for missing data
    for section in pub.sections:
        for picture in section.pictures:
            assert picture.kind in ("chart", "flows", "map") and picture.png
        for f in section.figures:
            assert f.value is not None


def test_sections_of_a_rich_country_have_their_pictures(bulletins):
    pub = bulletins["GTM", "es"]["pub"]
    assert len(pub.section("map").pictures) == 1
    assert pub.section("flows").tables and pub.section("flows").pictures
    assert pub.section("returns").pictures and pub.section("deaths").pictures
    assert pub.section("corridors").tables


def test_region_bulletin_lists_the_twelve_countries_with_dashes_for_missing(bulletins):
    pub = bulletins["region", "en"]["pub"]
    table = pub.section("countries").tables[0]
    assert len(table.rows) == 12
    assert any(NO_DATA in row for row in table.rows)  # the one "no data" symbol, never 0
    assert not any(cell == "0" for row in table.rows for cell in row[1:])


def test_fonts_are_embedded_and_text_is_extractable(bulletins):
    reader = bulletins["GTM", "es"]["reader"]
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor").get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor or "/FontFile" in descriptor
            fonts.add(str(font["/BaseFont"]))
    assert any("DejaVu" in f for f in fonts), fonts
    assert "migración" in bulletins["GTM", "es"]["text"].lower()


def test_unknown_area_language_or_year_is_refused_with_what_is_valid():
    with pytest.raises(BulletinRequestError) as err:
        build_bulletin("XYZ", 1900, "fr")
    message = str(err.value)
    assert "XYZ" in message and "GTM" in message and "fr" in message and "1900" in message


def test_template_problems_are_all_reported():
    raw = copy.deepcopy(load_template("country"))
    raw["sections"][0]["figures"].append({"indicator": "no_such_indicator"})
    raw["sections"].append({"id": "extra", "kind": "pie", "title": {"es": "x"}})
    raw["sections"].append(
        {
            "id": "extra2",
            "kind": "map",
            "title": {"es": "m", "en": "m"},
            "indicators": ["immigrant_stock"],
            "level": "admin1",
        }
    )
    problems = validate_template(raw, "country")
    text = " | ".join(problems)
    assert "no_such_indicator" in text and "'pie'" in text and "'en'" in text and "immigrant_stock" in text
    with pytest.raises(TemplateError):
        build_template(raw, "country")


def test_an_editor_adds_a_section_in_the_template_without_python():
    raw = copy.deepcopy(load_template("country"))
    raw["sections"].insert(
        1,
        {
            "id": "protection",
            "kind": "headline",
            "title": {"es": "Protección", "en": "Protection"},
            "figures": [{"indicator": "refugees_hosted"}, {"indicator": "oip_hosted"}],
        },
    )
    pub = build_bulletin("CRI", 2023, "en", template=build_template(raw, "edited"), generated=WHEN)
    section = pub.section("protection")
    expected = format_number(store_value("refugees_hosted", "CRI", "2023"), "en", 0)
    assert any(f.text.startswith(expected) for f in section.figures)
    assert "Protection" in re.sub(
        r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(pub))).pages)
    )


def test_text_is_data_never_markup_in_the_pdf_and_the_page():
    from publications.html import render_html

    raw = copy.deepcopy(load_template("country"))
    hostile = '#panic("boom") ] *x* <script>alert(1)</script> $a$ @ref'
    raw["sections"][0]["title"] = {"es": hostile, "en": hostile}
    pub = build_bulletin("BLZ", 2023, "en", template=build_template(raw, "hostile"), generated=WHEN)
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(pub))).pages))
    assert '#panic("boom") ]' in text and "<script>alert(1)</script>" in text
    page = render_html(pub)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
