"""Downloads: every format opens again (GeoPackage with geopandas, XLSX with openpyxl) and carries
the source and licence columns. Frames below are SYNTHETIC values on real boundaries, plus one real view."""

from __future__ import annotations

import io
import json

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

import indicators
from geodata import load_boundaries
from indicators.store import load_datasets
from layers.exports import (
    FORMATS,
    REQUIRED_COLUMNS,
    UnknownFormatError,
    build_export,
    build_export_frame,
    validate_export_frame,
)
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = pytest.mark.filterwarnings("ignore:File /vsimem:RuntimeWarning")


def synthetic_values() -> pd.DataFrame:
    """SYNTHETIC indicator rows (not real numbers) in the shape ``indicators.compute`` returns."""
    return pd.DataFrame(
        {
            "indicator_id": "synthetic",
            "geo_code": ["CRI", "PAN", "NIC"],
            "period": "2020",
            "value": [1.5, np.nan, 3.25],
            "unit": "percent",
            "obs_status": ["A", "A", "E"],
            "months": 12.0,
            "dataset_id": "synthetic_ds",
            "title_es": "Datos sintéticos",
            "title_en": "Synthetic data",
            "publisher": "Nobody (test)",
            "licence": "CC BY 4.0",
            "licence_url": "https://example.org/licence",
            "attribution": "IOM's Missing Migrants Project",
            "requested_period": "2020",
            "nearest": [False, False, True],
            "retrieved": "2026-11",
            "revision": "synthetic release 1",
        }
    )


@pytest.fixture(scope="module")
def export(built_geo):
    geometry = load_boundaries("country", "region")
    return build_export_frame(synthetic_values(), geometry, "es", "Indicador sintético", "%")


def test_export_frame_has_geometry_values_and_every_source_column(export):
    assert validate_export_frame(export) == []
    assert export.crs.to_epsg() == 4326 and export.geometry.notna().all()
    assert export.loc[export.geo_code == "PAN", "value"].isna().all()  # missing stays missing
    assert export.loc[export.geo_code == "CRI", "name"].item() == "Costa Rica"
    assert export["source"].eq("Datos sintéticos").all()


def test_geopackage_reads_back_with_geopandas(export):
    back = gpd.read_file(io.BytesIO(build_export(export, "gpkg")))
    assert len(back) == 3 and back.crs.to_epsg() == 4326
    assert set(REQUIRED_COLUMNS) <= set(back.columns)
    assert back.set_index("geo_code").loc["NIC", "value"] == 3.25
    assert back.loc[back.geo_code == "PAN", "value"].isna().all()
    assert back.geometry.is_valid.all()


def test_xlsx_opens_with_openpyxl_and_has_data_and_about_sheets(export):
    book = openpyxl.load_workbook(io.BytesIO(build_export(export, "xlsx", {"indicator": "x", "definition": "d"})))
    assert book.sheetnames == ["data", "about"]
    header = [c.value for c in book["data"][1]]
    assert {"licence", "attribution", "source", "dataset_id", "obs_status", "retrieved", "revision"} <= set(header)
    rows = list(book["data"].iter_rows(min_row=2, values_only=True))
    assert {r[header.index("retrieved")] for r in rows} == {"2026-11"}
    assert book["data"].max_row == 4 and "geometry" not in header


def test_geojson_and_csv_carry_the_sources(export):
    geo = json.loads(build_export(export, "geojson"))
    assert len(geo["features"]) == 3 and geo["features"][0]["properties"]["licence"] == "CC BY 4.0"
    assert {f["properties"]["revision"] for f in geo["features"]} == {"synthetic release 1"}
    table = pd.read_csv(io.BytesIO(build_export(export, "csv")), encoding="utf-8-sig")
    assert list(table.columns[:3]) == ["geo_code", "name", "indicator_id"] and table["attribution"].notna().all()
    assert table["retrieved"].eq("2026-11").all() and table["revision"].eq("synthetic release 1").all()


def test_bad_inputs_say_what_is_wrong(export):
    with pytest.raises(UnknownFormatError, match="csv, xlsx, geojson, gpkg"):
        build_export(export, "shp")
    with pytest.raises(ValueError, match="missing"):
        build_export(pd.DataFrame({"geo_code": ["A"]}), "csv")
    with pytest.raises(TypeError, match="GeoDataFrame"):
        build_export(pd.DataFrame(export.drop(columns="geometry")), "gpkg")
    assert set(FORMATS) == {"csv", "xlsx", "geojson", "gpkg"}


@pytest.mark.usefixtures("built_store")
def test_a_real_view_exports_with_its_licences():
    view = indicators.compute("remittances_gdp", "country", "2022")
    frame = build_export_frame(view, load_boundaries("country", "region"), "en", "Remittances", "% of GDP")
    back = gpd.read_file(io.BytesIO(build_export(frame, "gpkg")))
    hnd = back.set_index("geo_code").loc["HND"]
    assert hnd["licence"].startswith("CC BY 4.0") and hnd["dataset_id"] == "wb_wdi_indicators"
    wdi = load_datasets().set_index("dataset_id").loc["wb_wdi_indicators"]
    assert hnd["retrieved"] == str(wdi["retrieved"]) and hnd["revision"] == wdi["revision"] != ""
    assert hnd["value"] == pytest.approx(view.set_index("geo_code").loc["HND", "value"])
    assert shapely.get_num_geometries(back.geometry).min() >= 1
