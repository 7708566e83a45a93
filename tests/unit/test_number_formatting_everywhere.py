"""One number, one way of writing it: the map legend, the map tooltip, the flow map, the explorer table and the
downloads all write the same value the same way in each language (``etl.formatting``), and a missing value is
the one "no data" symbol.

The value is real: UN DESA's 2024 stock of women born in Nicaragua living in Costa Rica, read from the store.
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from etl import store
from etl.crosstab import build_spec, run_crosstab
from etl.crosstab.pivot import build_pivot
from etl.formatting import NO_DATA, format_count
from layers.choropleth import compute_tips
from layers.legend import LegendEntry, build_legend_html
from tests.store_fixture import built_store  # noqa: F401

LANGS = ("es", "en")


@pytest.fixture(scope="module")
def stock(built_store) -> float:  # noqa: F811
    with store.connect() as con:
        value = con.execute(
            "SELECT value FROM public_observations WHERE dataset_id = 'undesa_ims2024' AND measure = 'migrant_stock' "
            "AND ref_area = 'CRI' AND counterpart_area = 'NIC' AND sex = 'F' AND time_period = '2024'"
        ).fetchone()[0]
    assert value > 100_000
    return float(value)


@pytest.fixture(scope="module")
def explorer_cell(stock):
    """The explorer's table for that cell, as the page shows it (text) in each language."""
    spec = build_spec(
        ["migrant_stock"],
        ["counterpart_area"],
        ["ref_area"],
        {
            "dataset": ["undesa_ims2024"],
            "ref_area": ["CRI"],
            "counterpart_area": ["NIC"],
            "time_period": ["2024"],
            "sex": ["F"],
        },
        totals="none",
    )
    with store.connect() as con:
        result = run_crosstab(con, spec)
    return {lang: build_pivot(result, "value", lang).iloc[0, -1] for lang in LANGS}


@pytest.fixture(scope="module")
def flow_map_json(stock):
    """The flow map's deck JSON for UN DESA 2024 stocks (its hover texts carry the numbers)."""
    import geodata
    from atlas.flows.views import build_flow_map
    from indicators import flows as flow_model
    from layers.flows import build_land

    view = flow_model.load_flow_views()["undesa_ims2024"]
    with store.connect() as con:
        obs = flow_model.load_flow_observations(view, con)
    flows = flow_model.compute_flows(obs, view, "2024", "F", "year")
    points = geodata.label_points().drop_duplicates("geo_code").set_index("geo_code")
    land = build_land(geodata.load_boundaries("country", "region"))
    focused = flow_model.compute_focus(flows, "CRI", "in")
    return {
        lang: build_flow_map(
            view,
            flows,
            focused,
            points,
            land,
            "CRI",
            10,
            None,
            lang,
            dict(zip(geodata.gazetteer().geo_code, geodata.gazetteer()[f"name_{lang}"])),
            "personas" if lang == "es" else "persons",
            "UN DESA",
        ).deck.to_json()
        for lang in LANGS
    }


@pytest.mark.parametrize("lang", LANGS)
def test_the_same_number_reads_the_same_on_every_surface(lang, stock, explorer_cell, flow_map_json):
    text = format_count(stock, lang)
    assert ("." if lang == "es" else ",") in text  # thousands are separated, by the language's mark
    legend = build_legend_html([LegendEntry("#000000", 1, stock, stock)], lang, 0, "Stock", "No data", str)
    tips = compute_tips(
        pd.DataFrame({"geo_code": ["CRI"], "value": [stock], "period": ["2024"], "obs_status": ["A"]}),
        lang,
        0,
        "persons",
        {},
        "",
        "",
    )
    assert text in legend  # map legend
    assert tips["CRI"].startswith(f"{text} persons")  # map tooltip
    assert text in flow_map_json[lang]  # flow map (hover text of the NIC -> CRI arc)
    assert explorer_cell[lang] == text  # explorer table


def test_downloads_keep_the_number_itself(stock):
    """CSV and XLSX carry the number as a number (a spreadsheet can compute with it), never a formatted text."""
    import geopandas as gpd

    from layers.exports import build_export

    columns = {
        "geo_code": ["CRI", "PAN"],
        "name": ["Costa Rica", "Panamá"],
        "indicator_id": "x",
        "period": "2024",
        "value": [stock, None],
        "unit": "persons",
        "obs_status": "A",
        "dataset_id": "undesa_ims2024",
        "source": "UN DESA",
        "publisher": "UN DESA",
        "licence": "CC BY 3.0 IGO",
        "licence_url": "",
        "attribution": "UN DESA",
        "retrieved": "2026-01-01",
        "revision": "2024",
    }
    frame = gpd.GeoDataFrame(columns, geometry=[None, None], crs=4326)
    csv = build_export(frame, "csv").decode("utf-8-sig")
    assert f"{stock:.0f}" in csv.replace(".0,", ",").replace(".0\n", "\n")
    sheet = openpyxl.load_workbook(io.BytesIO(build_export(frame, "xlsx"))).worksheets[0]
    values = [c.value for c in next(col for col in sheet.iter_cols() if col[0].value == "value")[1:]]
    assert values[0] == stock and values[1] in (None, "")


@pytest.mark.parametrize("lang", LANGS)
def test_a_missing_value_is_the_no_data_symbol_in_the_explorer_and_the_formatter(lang):
    assert format_count(None, lang) == NO_DATA
    from etl.crosstab.pivot import MISSING

    assert MISSING == NO_DATA
