"""Downloads of a map view: CSV, XLSX, GeoJSON and GeoPackage bytes (pure; no Streamlit).

Every format carries the values with their unit, period, observation status and the
dataset, source, licence, attribution, retrieval date and revision of each number; the
geographic formats add the geometry. ``build_export`` dispatches on the format name, and an unknown name raises an
error that lists the valid ones.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from etl import textsafe
from etl.textsafe import safe_frame

FORMATS = {
    "csv": ("text/csv", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
}
SOURCE_COLUMNS = ("dataset_id", "source", "publisher", "licence", "licence_url", "attribution", "retrieved", "revision")
REQUIRED_COLUMNS = ("geo_code", "name", "indicator_id", "period", "value", "unit", "obs_status", *SOURCE_COLUMNS)


class UnknownFormatError(ValueError):
    """A download format that ``FORMATS`` does not list."""


def validate_export_frame(frame: pd.DataFrame) -> list[str]:
    """The required columns that ``frame`` lacks (an empty list when it is complete)."""
    return [c for c in REQUIRED_COLUMNS if c not in frame.columns]


def _check(frame: pd.DataFrame) -> None:
    missing = validate_export_frame(frame)
    if missing:
        raise ValueError(
            f"an export needs the columns {list(REQUIRED_COLUMNS)}; missing {missing}, got {list(frame.columns)}"
        )


def build_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so spreadsheet programs read accents) without geometry; no cell is a formula."""
    _check(frame)
    return textsafe.build_csv_bytes(pd.DataFrame(frame.drop(columns="geometry", errors="ignore")))


def build_xlsx(frame: pd.DataFrame, about: Mapping[str, str] | None = None) -> bytes:
    """An XLSX workbook: sheet ``data`` (values and sources) and sheet ``about`` (definition, citation).

    Every string is a text cell (``etl.textsafe``): a name or a caveat beginning with ``=`` is never a formula.
    """
    _check(frame)
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    meta = pd.DataFrame(list((about or {}).items()), columns=["field", "value"])
    return textsafe.build_xlsx({"data": table, "about": meta})


def build_geojson(frame: gpd.GeoDataFrame) -> bytes:
    """GeoJSON (EPSG:4326) with every column as a property."""
    _check(frame)
    _check_geo(frame)
    return _safe_geo(frame).to_crs(4326).to_json(drop_id=True, ensure_ascii=False).encode("utf-8")


def build_gpkg(frame: gpd.GeoDataFrame, layer: str = "atlas") -> bytes:
    """A GeoPackage with one layer, written in memory."""
    _check(frame)
    _check_geo(frame)
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL notes the in-memory file has no .gpkg name
        _safe_geo(frame).to_crs(4326).to_file(out, driver="GPKG", layer=layer, engine="pyogrio")
    return out.getvalue()


def _safe_geo(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The attributes made formula-safe (GIS programs export them to spreadsheets), the geometry kept."""
    attributes = safe_frame(pd.DataFrame(frame.drop(columns=frame.geometry.name)))
    return gpd.GeoDataFrame(attributes, geometry=frame.geometry.values, crs=frame.crs)


def _check_geo(frame: pd.DataFrame) -> None:
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        raise TypeError(f"a geographic export needs a GeoDataFrame with a CRS, got {type(frame).__name__}")


def build_export(frame: gpd.GeoDataFrame, fmt: str, about: Mapping[str, str] | None = None) -> bytes:
    """The bytes of ``frame`` in ``fmt`` (one of ``FORMATS``)."""
    if fmt == "csv":
        return build_csv(frame)
    if fmt == "xlsx":
        return build_xlsx(frame, about)
    if fmt == "geojson":
        return build_geojson(frame)
    if fmt == "gpkg":
        return build_gpkg(frame)
    raise UnknownFormatError(f"unknown download format {fmt!r}; valid: {', '.join(FORMATS)}")


def build_export_frame(
    values: pd.DataFrame, geometry: gpd.GeoDataFrame, lang: str, indicator_name: str, unit_label: str
) -> gpd.GeoDataFrame:
    """The rows of ``values`` joined on ``geo_code`` to their geometry, with the columns every export carries.

    ``values`` is an indicator frame with sources (``indicators.compute`` output). The
    ``source`` column is the dataset title in ``lang``; ``retrieved`` and ``revision`` say
    when the vendored source was taken and which release it is. Rows without geometry keep
    an empty one.
    """
    geo = geometry[["geo_code", f"name_{lang}", "geometry"]].rename(columns={f"name_{lang}": "name"})
    merged = values.merge(geo, on="geo_code", how="left")
    out = pd.DataFrame(
        {
            "geo_code": merged["geo_code"],
            "name": merged["name"].fillna(merged["geo_code"]),
            "indicator_id": merged["indicator_id"],
            "indicator": indicator_name,
            "period": merged["period"],
            "requested_period": merged.get("requested_period", merged["period"]),
            "value": merged["value"],
            "unit": merged["unit"],
            "unit_label": unit_label,
            "obs_status": merged["obs_status"],
            "nearest_year": merged.get("nearest", False),
            "months_covered": merged.get("months"),
            # issue 12: partial / mid-year / projected periods and totals over incomplete pairs travel with the number
            "period_status": merged.get("period_status", pd.Series("", index=merged.index)),
            "coverage": merged.get("coverage", pd.Series("complete", index=merged.index)),
            "coverage_note": merged.get(f"coverage_note_{lang}", pd.Series("", index=merged.index)),
            "dataset_id": merged["dataset_id"],
            "source": merged[f"title_{lang}"],
            "publisher": merged["publisher"],
            "licence": merged["licence"],
            "licence_url": merged["licence_url"],
            "attribution": merged["attribution"],
            "retrieved": merged["retrieved"],
            "revision": merged["revision"],
        }
    )
    return gpd.GeoDataFrame(out, geometry=merged["geometry"].tolist(), crs=geometry.crs or 4326)
