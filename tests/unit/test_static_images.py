"""Static images (layers.static_map, layers.static_chart, publications.factsheet): size at 2x, and the title,
legend, source, data version and view URL drawn into them (checked by the code that draws them and in the
SVG text)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from layers.classify import compute_classification
from layers.palettes import get_palette
from layers.static_chart import build_static_chart
from layers.static_image import ImageTexts, UnknownImageFormatError, png_size, validate_format
from layers.static_map import build_static_flow_map, build_static_map, compute_unit_colors
from tests.store_fixture import built_store  # noqa: F401  (fixture)

TEXTS = ImageTexts(
    "Título de prueba",
    "Subtítulo · 2023",
    "Fuente: Instituto de prueba (CC BY 4.0)",
    "2026-12-01 · abc123",
    "http://localhost:8501/map?indicator=x",
)


def units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"geo_code": ["AA-1", "AA-2", "AA-3", "AA-4"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)],
        crs="EPSG:4326",
    )


def test_static_map_png_is_twice_the_nominal_size_and_carries_every_text():
    values = {"AA-1": 1.0, "AA-2": 5.0, "AA-3": 10.0}
    cls = compute_classification(list(values.values()), "quantiles", 3)
    image = build_static_map(
        units(), values, cls, get_palette("YlOrBr"), TEXTS, "es", legend_title="personas", size=(8, 6)
    )
    assert (image.width_px, image.height_px) == (1600, 1200) == png_size(image.data)
    assert image.texts.title == TEXTS.title and image.texts.source == TEXTS.source
    assert image.texts.legend[0] == "personas"
    assert image.texts.legend[-1] == "Sin datos (1)"  # AA-4 has no value: counted, never a class
    assert len(image.texts.legend) == 1 + cls.k + 1


def test_static_map_svg_holds_title_legend_source_version_and_url_as_text():
    values = {"AA-1": 1.0, "AA-2": 5.0, "AA-3": 10.0, "AA-4": 7.0}
    cls = compute_classification(list(values.values()), "quantiles", 2)
    svg = build_static_map(
        units(), values, cls, get_palette("YlGnBu"), TEXTS, "en", fmt="svg", legend_title="persons"
    ).data.decode("utf-8")
    for part in (
        "Título de prueba",
        "Subtítulo",
        "Fuente: Instituto de prueba",
        "abc123",
        "localhost:8501/map",
        "persons",
        "No data (0)",
    ):
        assert part in svg, part


def test_units_without_a_value_get_the_no_data_colour_never_a_class_colour():
    cls = compute_classification([1.0, 2.0], "quantiles", 2)
    colours = compute_unit_colors({"AA-1": 1.0, "AA-2": 2.0}, ["AA-1", "AA-2", "AA-3"], cls, get_palette("YlOrBr"))
    assert colours["AA-3"] == "#cdcdcd"
    assert colours["AA-1"] != colours["AA-3"] and colours["AA-2"] != colours["AA-3"]


def test_chart_png_is_drawn_at_twice_its_size_and_its_svg_holds_every_text():
    frame = pd.DataFrame({"period": ["2021", "2022", "2023"], "value": [10.0, None, 30.0]})
    png = build_static_chart(frame, TEXTS, "es", "personas", width=400, height=200)
    assert png.width_px >= 800 and png.height_px >= 400
    svg = build_static_chart(frame, TEXTS, "es", "personas", fmt="svg", width=400, height=200).data.decode()
    for part in ("Título de prueba", "Fuente: Instituto de prueba", "abc123", "localhost:8501", "Sin datos: 2022"):
        assert part in svg, part


def test_a_chart_with_no_value_is_refused_rather_than_drawn_empty():
    with pytest.raises(ValueError, match="no data"):
        build_static_chart(pd.DataFrame({"period": ["2021"], "value": [None]}), TEXTS, "en", "persons")


def test_flow_map_draws_the_largest_and_smallest_values_in_its_legend():
    countries = units().assign(geo_code=["AAA", "BBB", "CCC", "DDD"])
    points = {"AAA": (0.5, 0.5), "BBB": (1.5, 0.5), "CCC": (0.5, 1.5)}
    flows = pd.DataFrame(
        {"origin": ["AAA", "CCC", "DDD"], "destination": ["BBB", "BBB", "BBB"], "value": [1000.0, 250.0, 5.0]}
    )
    image = build_static_flow_map(countries, flows, points, TEXTS, "en", unit_label="persons")
    assert image.width_px == 1600
    assert image.texts.legend == ("persons", "1,000", "250")  # DDD has no point: not drawn
    with pytest.raises(ValueError, match="no drawable flow"):
        build_static_flow_map(countries, flows.iloc[2:], points, TEXTS, "en")


def test_pdf_export_is_a_pdf_and_unknown_formats_are_refused():
    cls = compute_classification([1.0, 2.0], "quantiles", 2)
    pdf = build_static_map(units(), {"AA-1": 1.0, "AA-2": 2.0}, cls, get_palette("YlOrBr"), TEXTS, "en", fmt="PDF")
    assert pdf.data[:5] == b"%PDF-" and pdf.mime == "application/pdf"
    with pytest.raises(UnknownImageFormatError, match="png, svg, pdf"):
        validate_format("gif")


@pytest.mark.usefixtures("built_store")
@pytest.mark.parametrize("area,lang", [("GTM", "es"), ("LCA", "en")])
def test_factsheet_has_five_key_figures_a_map_a_trend_and_its_sources(area, lang):
    from publications.factsheet import build_factsheet, compute_factsheet

    image = build_factsheet(area, 2023, lang)
    assert (image.width_px, image.height_px) == (1654, 2338)  # A4 portrait at 200 dpi (2x)
    content = compute_factsheet(area, 2023, lang)
    assert len(content["figures"]) == 5 and all(f.value is not None and f.notes for f in content["figures"])
    assert content["trend"] is not None and len(content["trend"]["values"]) >= 2
    assert image.texts.legend == tuple(f.label for f in content["figures"])
    assert ("Fuente: [1]" if lang == "es" else "Source: [1]") in image.texts.source
    svg = build_factsheet(area, 2023, lang, fmt="svg").data.decode("utf-8")
    assert content["figures"][0].text.split(" ")[0] in svg and image.texts.data_version.split(" ")[0] in svg


@pytest.mark.usefixtures("built_store")
@pytest.mark.parametrize(
    "query,fmt",
    [
        ("map?indicator=dead_missing&level=admin1&country=MEX&year=2023&scheme=equal_interval&k=4", "png"),
        ("flows?view=darien_transit&period=2023&focus=PAN&mode=in&top=5", "svg"),
        ("chart?indicator=returned_nationals&area=GTM&from=2020&to=2024", "pdf"),
    ],
)
def test_any_view_url_renders_to_an_image_with_its_texts(query, fmt):
    from publications.views import render_view_image

    image = render_view_image(query, "en", fmt)
    assert image.fmt == fmt
    page = {"chart": "map"}.get(query.split("?", 1)[0], query.split("?", 1)[0])  # a chart links to the map page
    assert image.texts.url.startswith(f"http://localhost:8501/{page}?lang=en")
    assert image.texts.source.startswith("Source: ") and image.texts.data_version
    if fmt == "png":
        assert image.width_px == 1600 and image.texts.legend[-1].startswith("No data")
        assert len(image.texts.legend) == 1 + 4 + 1
    elif fmt == "svg":
        assert b"Source: " in image.data and image.texts.legend[0] == "persons"
    else:
        assert image.data[:5] == b"%PDF-"


@pytest.mark.usefixtures("built_store")
def test_a_view_without_data_is_refused_rather_than_drawn_empty():
    from publications.views import render_view_image

    with pytest.raises(ValueError, match="no data"):
        render_view_image("map?indicator=dead_missing&level=admin1&country=LCA&year=2023", "es")
