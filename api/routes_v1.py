"""The simple JSON/CSV API: indicators, territories, datasets (licences, citations), cross-tabs, versions.

Every table comes in JSON (``format=json``, default) or CSV (``format=csv``, UTF-8 with BOM as
the atlas' downloads) with the provenance columns the downloads carry (dataset, source,
publisher, licence, attribution, retrieval date, revision) and the data version.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pandas as pd
from fastapi import APIRouter, Query, Request

import indicators
from api.citation import build_bibtex, build_citation_line, build_csl_json
from api.errors import ApiError
from etl.crosstab import CrosstabError, parse_query, run_crosstab
from etl.crosstab.export import build_csv as build_crosstab_csv
from etl.crosstab.export import build_header_block, build_long_csv
from etl.crosstab.pivot import build_long_table
from indicators import engine
from indicators.store import DATASETS_SQL, OBS_SQL
from layers.exports import build_export_frame

router = APIRouter(prefix="/api/v1", tags=["JSON/CSV API"])
TABLE_FORMATS = ("json", "csv")
MEDIA = {"json": "application/json; charset=utf-8", "csv": "text/csv; charset=utf-8"}
API_KEYS = ("format", "lang", "version", "layout")
FORMAT_DOC = "json (default) or csv"
LANG_DOC = "es (default) or en: labels and messages"
VERSION_DOC = "a kept data version id (see /api/v1/versions); default: the current version"


def _fmt(request: Request) -> str:
    fmt = (request.query_params.get("format") or "").lower()
    if not fmt:
        accept = request.headers.get("accept", "")
        return "csv" if "text/csv" in accept and "json" not in accept else "json"
    if fmt not in TABLE_FORMATS:
        raise ApiError(406, "not_acceptable", value=fmt, valid=", ".join(TABLE_FORMATS))
    return fmt


def _lang(request: Request) -> str:
    from api.app import request_lang

    return request_lang(request)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts: NaN and NaT as null, numpy scalars as Python numbers."""
    out = json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False, double_precision=15))
    return out


def _csv(frame: pd.DataFrame) -> bytes:
    """CSV as the atlas' downloads write it (UTF-8 with BOM); text cells that a spreadsheet would read as a formula
    get a leading apostrophe."""
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object:
            safe[col] = safe[col].map(
                lambda v: "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") and not _is_number(v) else v
            )
    return safe.to_csv(index=False).encode("utf-8-sig")


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _table(request: Request, info, frame, extra: dict | None = None, name: str = "atlas") -> object:
    """A table answer in the asked format, with the data version column and headers; 413 past ``max_rows``.

    ``frame`` may be a function returning ``(frame, extra)``: it then runs only when the
    response is not cached yet (a kept version never changes)."""
    from api.app import versioned

    state = request.app.state.service
    fmt = _fmt(request)

    def make() -> bytes:
        table, more = frame() if callable(frame) else (frame, extra)
        if len(table) > state.settings.max_rows:
            raise ApiError(413, "too_many_rows", limit=state.settings.max_rows)
        table = table.assign(data_version=info.version)
        if fmt == "csv":
            return _csv(table)
        doc = {"data_version": info.version, "data_version_id": info.id, **(more or {}), "rows": _records(table)}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")

    return versioned(request, info, fmt, MEDIA[fmt], make, filename=f"{name}.{fmt}")


def _state_info(request: Request):
    state = request.app.state.service
    return state, state.resolve(request.query_params.get("version"))


# --- versions -----------------------------------------------------------------------------------------


@router.get("/versions", summary="Kept data versions (current first)")
def versions(request: Request):
    state, info = _state_info(request)
    kept = [v.as_dict() for v in reversed(state.versions.kept())]
    body = {
        "current": info.as_dict(),
        "kept": kept,
        "note_en": "Pass ?version=<id> to any endpoint to read the data as published at that version.",
        "note_es": "Use ?version=<id> en cualquier dirección para leer los datos tal como se publicaron en esa "
        "versión.",
    }
    from api.app import versioned

    return versioned(request, info, "json", MEDIA["json"], lambda: json.dumps(body, ensure_ascii=False).encode())


# --- datasets -------------------------------------------------------------------------------------------

DATASET_COLUMNS = [
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
    "version",
    "row_count",
]


def _datasets(request: Request, info) -> pd.DataFrame:
    state = request.app.state.service
    cur = state.versions.cursor(info.id)
    try:
        frame = cur.execute("SELECT * FROM public_datasets ORDER BY dataset_id").df()
    finally:
        cur.close()
    frame = frame[[c for c in DATASET_COLUMNS if c in frame.columns]].copy()
    base = str(request.base_url).rstrip("/")
    lang = _lang(request)
    frame["citation"] = [
        build_citation_line(r, info.version, f"{base}/api/v1/datasets/{r['dataset_id']}", lang)
        for r in frame.to_dict("records")
    ]
    frame["sdmx_dataflow"] = [f"{base}/sdmx/v2.1/dataflow/PVIGM/{d.upper()}/1.0" for d in frame["dataset_id"]]
    frame["bibtex_url"] = [
        f"{base}/api/v1/datasets/{d}/citation?style=bibtex&version={info.id}" for d in frame["dataset_id"]
    ]
    frame["csl_json_url"] = [
        f"{base}/api/v1/datasets/{d}/citation?style=csl-json&version={info.id}" for d in frame["dataset_id"]
    ]
    return frame


@router.get("/datasets", summary="Public datasets with licences and citations")
def datasets(
    request: Request,
    format: str | None = Query(None, description=FORMAT_DOC),
    lang: str | None = Query(None, description=LANG_DOC),
    version: str | None = Query(None, description=VERSION_DOC),
):
    _, info = _state_info(request)
    return _table(request, info, _datasets(request, info), name="atlas_datasets")


def _one_dataset(request: Request, info, dataset_id: str) -> dict:
    frame = _datasets(request, info)
    row = frame[frame["dataset_id"] == dataset_id]
    if row.empty:
        raise ApiError(404, "unknown_dataset", value=dataset_id)
    return row.iloc[0].to_dict()


@router.get("/datasets/{dataset_id}", summary="One public dataset")
def dataset(
    request: Request,
    dataset_id: str,
    format: str | None = Query(None, description=FORMAT_DOC),
    lang: str | None = Query(None),
    version: str | None = Query(None, description=VERSION_DOC),
):
    _, info = _state_info(request)
    row = _one_dataset(request, info, dataset_id)
    return _table(request, info, pd.DataFrame([row]), name=f"atlas_dataset_{dataset_id}")


CITATION_STYLES = ("text", "bibtex", "csl-json")


@router.get("/datasets/{dataset_id}/citation", summary="Citation of a dataset at a data version")
def citation(
    request: Request,
    dataset_id: str,
    style: str = Query("text", description="text, bibtex or csl-json"),
    lang: str | None = Query(None),
    version: str | None = Query(None, description=VERSION_DOC),
):
    from api.app import versioned

    _, info = _state_info(request)
    if style not in CITATION_STYLES:
        raise ApiError(400, "bad_parameter", where="style", value=style, valid=", ".join(CITATION_STYLES))
    row = _one_dataset(request, info, dataset_id)
    url = f"{str(request.base_url).rstrip('/')}/api/v1/datasets/{dataset_id}?version={info.id}"
    if style == "bibtex":
        return versioned(
            request,
            info,
            style,
            "application/x-bibtex; charset=utf-8",
            lambda: build_bibtex(row, info.version, url).encode(),
            filename=f"{dataset_id}.bib",
        )
    if style == "csl-json":
        return versioned(
            request,
            info,
            style,
            "application/vnd.citationstyles.csl+json; charset=utf-8",
            lambda: build_csl_json(row, info.version, url).encode(),
            filename=f"{dataset_id}.json",
        )
    return versioned(
        request,
        info,
        style,
        "text/plain; charset=utf-8",
        lambda: build_citation_line(row, info.version, url, _lang(request)).encode(),
    )


# --- territories ----------------------------------------------------------------------------------------

LEVELS = ("country", "admin1", "special")


@router.get("/territories", summary="Territories of the gazetteer (codes, names, parents)")
def territories(
    request: Request,
    level: str | None = Query(None, description="country, admin1 or special"),
    parent: str | None = Query(None, description="ISO3 of a country: its admin-1 units"),
    format: str | None = Query(None, description=FORMAT_DOC),
    version: str | None = Query(None),
):
    state, info = _state_info(request)
    if level and level not in LEVELS:
        raise ApiError(400, "bad_parameter", where="level", value=level, valid=", ".join(LEVELS))
    frame = _territories(state, info)
    if level:
        frame = frame[frame["level"] == level]
    if parent:
        if parent not in set(frame["parent_code"].dropna()) | set(_territories(state, info)["geo_code"]):
            raise ApiError(404, "bad_parameter", where="parent", value=parent, valid="ISO 3166-1 alpha-3 codes")
        frame = frame[frame["parent_code"] == parent]
    return _table(request, info, frame.reset_index(drop=True), name="atlas_territories")


def _territories(state, info) -> pd.DataFrame:
    cur = state.versions.cursor(info.id)
    try:
        return cur.execute("SELECT * FROM territories ORDER BY level, geo_code").df()
    finally:
        cur.close()


# --- indicators -----------------------------------------------------------------------------------------


@router.get("/indicators", summary="The harmonised indicator catalogue")
def indicator_list(
    request: Request, format: str | None = Query(None, description=FORMAT_DOC), version: str | None = Query(None)
):
    _, info = _state_info(request)
    cat = indicators.load_catalogue()
    base = str(request.base_url).rstrip("/")
    rows = []
    for ind in cat.indicators.values():
        rows.append(
            {
                "indicator_id": ind.id,
                "theme": ind.theme,
                "name_es": ind.name("es"),
                "name_en": ind.name("en"),
                "definition_es": ind.text("definition", "es"),
                "definition_en": ind.text("definition", "en"),
                "unit": ind.unit,
                "unit_es": ind.unit_label("es"),
                "unit_en": ind.unit_label("en"),
                "kind": ind.kind,
                "levels": ",".join(ind.levels),
                "disaggregations": ",".join(ind.disaggregations),
                "datasets": ",".join(ind.datasets),
                "url": f"{base}/api/v1/indicators/{ind.id}?level={next(iter(ind.levels))}",
            }
        )
    return _table(request, info, pd.DataFrame(rows), name="atlas_indicators")


@router.get("/indicators/{indicator_id}", summary="An indicator's values, as the map shows and downloads them")
def indicator_values(
    request: Request,
    indicator_id: str,
    level: str = Query("country", description="country or admin1"),
    period: str | None = Query(None, description="e.g. 2024 or FY2023; default: every period"),
    country: str | None = Query(None, description="ISO3: that country (admin1: its units)"),
    sex: str | None = Query(None, description="_T, F or M, when the indicator has it"),
    partner: str | None = Query(None, description="ISO3 of the other side of a bilateral measure"),
    lang: str | None = Query(None, description=LANG_DOC),
    format: str | None = Query(None, description=FORMAT_DOC),
    version: str | None = Query(None),
):
    state, info = _state_info(request)
    lang_ = _lang(request)
    try:
        ind = indicators.load_catalogue().get(indicator_id)
    except indicators.UnknownIndicatorError as err:
        raise ApiError(404, "unknown_indicator", detail=str(err)) from None
    filters = {k: v for k, v in (("sex", sex), ("partner", partner)) if v}
    try:
        engine.validate_request(ind, level, filters)
    except engine.ImpossibleCombinationError as err:
        raise ApiError(400, "impossible_combination", detail=str(err)) from None
    terr = _territories(state, info)
    if country and country not in set(terr.loc[terr["level"] == "country", "geo_code"]):
        raise ApiError(
            404,
            "bad_parameter",
            where="country",
            value=country,
            valid="ISO 3166-1 alpha-3 codes (/api/v1/territories?level=country)",
        )

    def build() -> tuple[pd.DataFrame, dict]:
        frame, sources = state.cached_object(
            ("indicator", info.id, ind.id, level, sex, partner),
            lambda: _compute_indicator(state, info, ind, level, filters),
        )
        if period:
            try:
                frame = engine.select_period(frame, ind, period)
            except engine.ImpossibleCombinationError as err:
                raise ApiError(404, "impossible_combination", detail=str(err)) from None
        frame = engine.attach_sources(frame, sources)
        if country:
            keep = terr.loc[(terr["geo_code"] == country) | (terr["parent_code"] == country), "geo_code"]
            frame = frame[frame["geo_code"].isin(set(keep))]
        geo = gpd.GeoDataFrame(terr[["geo_code", "name_es", "name_en"]], geometry=[None] * len(terr), crs=4326)
        table = pd.DataFrame(
            build_export_frame(frame, geo, lang_, ind.name(lang_), ind.unit_label(lang_)).drop(columns="geometry")
        )
        about = {
            "indicator": {
                "id": ind.id,
                "name": ind.name(lang_),
                "unit": ind.unit_label(lang_),
                "level": level,
                "period": period,
                "country": country,
                "definition": ind.text("definition", lang_),
            }
        }
        return table, about

    return _table(request, info, build, name=f"atlas_{ind.id}_{level}")


def _compute_indicator(state, info, ind, level: str, filters: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The indicator at ``level`` for every period, from the kept version's public observations (as
    ``indicators.compute`` does from the store), and the version's dataset rows for its sources."""
    spec = ind.levels[level]
    terms = [t for t in (spec.numerator, spec.subtract, spec.denominator) if t is not None]
    cur = state.versions.cursor(info.id)
    try:
        obs = cur.execute(
            OBS_SQL, [sorted({d for t in terms for d in t.datasets}), sorted({m for t in terms for m in t.measures})]
        ).df()
        sources = cur.execute(DATASETS_SQL).df()
    finally:
        cur.close()
    parents = engine.admin1_parents() if level == "country" else None
    return engine.compute_frame(ind, level, obs, engine.level_codes(level), parents=parents, **filters), sources


# --- cross-tabs -------------------------------------------------------------------------------------------


@router.get("/crosstab", summary="The explorer's cross-tabulation from its own query string")
def crosstab(
    request: Request,
    format: str | None = Query(None, description=FORMAT_DOC),
    layout: str | None = Query(None, description="long (default: one row per cell) or pivot (CSV only)"),
    lang: str | None = Query(None, description=LANG_DOC),
    version: str | None = Query(None),
):
    """Pass the explorer page's query string as it is (``measure=entries&rows=ref_area&cols=time_period&…``);
    the table goes through the same validation and disclosure control as the explorer and its downloads."""
    from api.app import versioned

    state, info = _state_info(request)
    lang_ = _lang(request)
    fmt = _fmt(request)
    layout = layout or "long"
    if layout not in ("long", "pivot"):
        raise ApiError(400, "bad_parameter", where="layout", value=layout, valid="long, pivot")
    query = {k: v for k, v in request.query_params.items() if k not in API_KEYS}
    try:
        spec = parse_query(query)
        result = state.cached_object(("crosstab", info.id, spec), lambda: _run_crosstab(state, info, spec))
    except CrosstabError as err:
        raise ApiError(400, "crosstab_problem", detail=err.message(lang_)) from None
    if len(result.tidy) > state.settings.max_rows:
        raise ApiError(413, "too_many_rows", limit=state.settings.max_rows)
    if fmt == "csv":
        writer = build_crosstab_csv if layout == "pivot" else build_long_csv
        return versioned(
            request,
            info,
            f"csv-{layout}",
            MEDIA["csv"],
            lambda: writer(result, lang_, info.version),
            filename="atlas_crosstab.csv",
        )
    header = [{"label": label, "text": text} for label, text in build_header_block(result, lang_, info.version)]
    cells = build_long_table(result, lang_)
    body = {
        "data_version": info.version,
        "data_version_id": info.id,
        "header": header,
        "query": {k: v for k, v in query.items()},
        "datasets": list(result.datasets),
        "confidential": result.confidential,
        "synthetic": result.synthetic,
        "cells": _records(cells),
    }
    return versioned(
        request,
        info,
        "json",
        MEDIA["json"],
        lambda: json.dumps(body, ensure_ascii=False, default=_json_default).encode("utf-8"),
    )


def _run_crosstab(state, info, spec):
    """``etl.crosstab.run_crosstab`` on the kept version (validation, disclosure control); the result is cached
    per version and query, and never mutated."""
    cur = state.versions.cursor(info.id)
    try:
        return run_crosstab(cur, spec)
    finally:
        cur.close()


def _json_default(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return str(value)
