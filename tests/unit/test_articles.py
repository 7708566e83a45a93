"""Articles: number tags compute the same numbers as the map (indicators.compute), no number is typed in
the shipped articles, views become images with their link, and every problem is reported with its line."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

import indicators
from layers.legend import format_number
from publications.articles import (
    CONTENT_DIR,
    TAG,
    ArticleError,
    build_article,
    compute_tag,
    list_articles,
    parse_tag,
    parse_view,
    substitute_tags,
)
from publications.context import BuildContext
from publications.html import render_html
from publications.render import render_pdf
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("built_store")
SLUGS = ("darien-2021-2024", "emigration-guatemala-el-salvador")


def map_value(indicator_id: str, level: str, geo: str, period: str) -> float:
    """What the map page shows for one territory: ``indicators.compute`` for the period."""
    frame = indicators.compute(indicator_id, level, period)
    row = frame[frame["geo_code"] == geo]
    assert len(row) == 1
    return float(row["value"].iloc[0])


@pytest.mark.parametrize(
    "tag,indicator_id,level,geo,period",
    [
        ("value indicator=dead_missing level=admin1 area=PA-5 period=2023", "dead_missing", "admin1", "PA-5", "2023"),
        ("value indicator=dead_missing area=PAN period=2024", "dead_missing", "country", "PAN", "2024"),
        ("value indicator=cbp_encounters area=GTM period=FY2023", "cbp_encounters", "country", "GTM", "FY2023"),
        ("value indicator=returned_nationals area=GTM period=2023", "returned_nationals", "country", "GTM", "2023"),
        ("value indicator=emigrant_share area=SLV period=2020 decimals=1", "emigrant_share", "country", "SLV", "2020"),
        ("value indicator=darien_transit area=VEN period=2023", "darien_transit", "country", "VEN", "2023"),
    ],
)
@pytest.mark.parametrize("lang", ["es", "en"])
def test_number_tags_compute_the_same_numbers_as_the_map(tag, indicator_id, level, geo, period, lang):
    ctx = BuildContext(lang=lang, year=2023, area=None)
    kind, args = parse_tag(tag)
    result = compute_tag(kind, args, ctx)
    expected = map_value(indicator_id, level, geo, period)
    assert result.value == pytest.approx(expected)
    assert result.text == format_number(expected, lang, int(args.get("decimals", 0)))
    assert result.dataset_ids


def test_flow_tags_match_the_flow_totals_and_the_published_control():
    ctx = BuildContext(lang="en", year=2023, area=None)
    total = compute_tag(*parse_tag("value flow=darien_transit side=incoming area=PAN period=2023"), ctx)
    assert total.value == 520_085
    years = compute_tag(*parse_tag("value flow=darien_transit side=incoming area=PAN periods=2021,2022,2023,2024"), ctx)
    assert years.value == 133_726 + 248_284 + 520_085 + 302_203
    pair = compute_tag(*parse_tag("value flow=darien_transit origin=VEN destination=PAN period=2023"), ctx)
    assert pair.value == map_value("darien_transit", "country", "VEN", "2023")
    share = compute_tag(*parse_tag("share flow=darien_transit origin=VEN destination=PAN period=2023"), ctx)
    assert share.value == pytest.approx(pair.value / 520_085 * 100)
    change = compute_tag(*parse_tag("change flow=darien_transit side=incoming area=PAN period=2023 from=2022"), ctx)
    assert change.text == "+" + format_number((520_085 - 248_284) / 248_284 * 100, "en", 1) + "%"
    top = compute_tag(*parse_tag("top flow=darien_transit destination=PAN period=2023 rank=1"), ctx)
    assert top.text == "Venezuela"


def test_a_tag_without_data_says_no_data_never_zero():
    ctx = BuildContext(lang="es", year=2023, area=None)
    result = compute_tag(*parse_tag("value indicator=cbp_encounters area=LCA period=FY2023"), ctx)
    assert result.value is None and result.text == "sin datos para AF 2023"
    assert (
        substitute_tags("Hubo {{ value indicator=cbp_encounters area=LCA period=FY2023 }}.", ctx, "x", [])
        == "Hubo sin datos para AF 2023."
    )


def test_substituted_numbers_carry_their_source_note():
    ctx = BuildContext(lang="en", year=2023, area=None)
    out = substitute_tags("A {{ value flow=darien_transit side=incoming area=PAN period=2023 }} B", ctx, "x", [])
    assert out == "A 520,085[^1] B"
    assert ctx.sources["pan_darien_transit_nationality"].number == 1


def test_bad_tags_and_views_are_all_reported_with_file_and_line(tmp_path: Path):
    (tmp_path / "bad.en.md").write_text(
        "---\ntitle: T\ndate: 2026-01-01\nauthors: [A]\ntags: [t]\ncountries: [PAN]\n---\n\n"
        "First {{ value indicator=nope area=PAN period=2023 }}.\n\n"
        "Second {{ sum flow=x }}.\n\n```atlas\ntable?x=1\n```\n",
        encoding="utf-8",
    )
    with pytest.raises(ArticleError) as err:
        build_article("bad", "en", content_dir=tmp_path)
    problems = err.value.problems
    assert len(problems) == 3
    assert problems[0].startswith("bad.en.md:1") and "nope" in problems[0]
    assert "bad.en.md:3" in problems[1] and "sum" in problems[1]
    assert "bad.en.md:5" in problems[2] and "map, flows, chart" in problems[2]


def test_missing_front_matter_is_reported(tmp_path: Path):
    (tmp_path / "x.es.md").write_text("---\ntitle: T\n---\ntext\n", encoding="utf-8")
    with pytest.raises(ArticleError, match="date, authors, tags, countries"):
        build_article("x", "es", content_dir=tmp_path)


def test_view_blocks_parse_page_query_and_caption():
    assert parse_view("/flows?view=darien_transit&period=2023&focus=PAN\ncaption: Darién, 2023") == (
        "flows",
        {"view": "darien_transit", "period": "2023", "focus": "PAN"},
        "Darién, 2023",
    )
    with pytest.raises(ValueError):
        parse_view("explorer?q=1")


@pytest.mark.parametrize("slug", SLUGS)
def test_shipped_articles_type_no_number_outside_their_tags(slug):
    for lang in ("es", "en"):
        source = (CONTENT_DIR / f"{slug}.{lang}.md").read_text(encoding="utf-8").split("---", 2)[2]
        prose = re.sub(r"```.*?```", "", TAG.sub("", source), flags=re.DOTALL)
        prose = re.sub(r"\b(19|20)\d\d\b", "", prose)  # years name periods, they are not figures
        prose = re.sub(r"T[ií]t(ulo|le) 42", "", prose)  # the name of a legal provision
        assert not re.search(r"\d", prose), re.findall(r".{20}\d.{20}", prose)


@pytest.mark.parametrize("slug", SLUGS)
def test_shipped_articles_build_in_both_languages_with_images_links_and_sources(slug):
    metas = {lang: {a.slug: a for a in list_articles(lang)}[slug] for lang in ("es", "en")}
    assert metas["es"].countries == metas["en"].countries
    for lang in ("es", "en"):
        pub = build_article(slug, lang)
        pictures = [p for s in pub.sections for p in s.pictures]
        assert len(pictures) >= 3
        assert all(p.png[:4] == b"\x89PNG" and p.svg and p.url.startswith("http") and p.notes for p in pictures)
        assert pub.sources and all(s.licence and s.retrieved for s in pub.sources)
        page = render_html(pub)
        assert all(p.url.replace("&", "&amp;") in page for p in pictures)
        assert "{{" not in page
        text = re.sub(r"\s+", " ", " ".join(pg.extract_text() for pg in PdfReader(io.BytesIO(render_pdf(pub))).pages))
        assert pub.title in text and pub.data_version in text


def test_darien_article_prints_the_control_totals():
    pub = build_article("darien-2021-2024", "es")
    body = " ".join([pub.meta["lead"]] + [b.text for s in pub.sections for b in s.body if b.type == "paragraph"])
    for value in (133_726, 248_284, 520_085, 302_203):
        assert format_number(value, "es", 0) + "[^1]" in body
