"""SDMX 2.1 REST (SDMX-REST 1.5): structure queries and data queries over the published store.

    /sdmx/v2.1/{dataflow|datastructure|codelist|conceptscheme}/{agencyID}/{resourceID}/{version}?references=&detail=
    /sdmx/v2.1/data/{flowRef}/{key}/{providerRef}?startPeriod=&endPeriod=&firstNObservations=&lastNObservations=
                                                 &dimensionAtObservation=&detail=&format=

Formats by ``Accept`` or ``format``: SDMX-ML generic data (default), structure-specific data,
SDMX-JSON 1.0 and SDMX-CSV 1.0; structures in SDMX-ML 2.1.
"""

from __future__ import annotations

from pathlib import Path

import sdmx
from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from sdmx import message
from starlette.responses import Response

from api.errors import ApiError
from api.sdmx_data import (
    build_data_message,
    build_query,
    load_observations,
    message_header,
    write_data_xml,
    write_sdmx_csv,
    write_sdmx_json,
)
from api.sdmx_structure import StructureModel

router = APIRouter(prefix="/sdmx/v2.1", tags=["SDMX 2.1 REST"])
STRUCTURE_RESOURCES = ("dataflow", "datastructure", "codelist", "conceptscheme")
OTHER_SDMX_RESOURCES = (
    "categoryscheme",
    "categorisation",
    "contentconstraint",
    "agencyscheme",
    "dataproviderscheme",
    "hierarchicalcodelist",
    "metadataflow",
    "metadatastructure",
    "provisionagreement",
    "structureset",
    "organisationscheme",
    "process",
    "structure",
    "attachementconstraint",
    "actualconstraint",
    "allowedconstraint",
    "availableconstraint",
)
REFERENCES = ("none", "parents", "parentsandsiblings", "children", "descendants", "all", *STRUCTURE_RESOURCES)
STRUCTURE_DETAILS = (
    "full",
    "allstubs",
    "referencestubs",
    "referencepartial",
    "allcompletestubs",
    "referencecompletestubs",
)
MEDIA = {
    "generic": "application/vnd.sdmx.genericdata+xml; version=2.1; charset=utf-8",
    "structurespecific": "application/vnd.sdmx.structurespecificdata+xml; version=2.1; charset=utf-8",
    "json": "application/vnd.sdmx.data+json; version=1.0.0; charset=utf-8",
    "csv": "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8",
    "structure": "application/vnd.sdmx.structure+xml; version=2.1; charset=utf-8",
}
FORMAT_NAMES = {
    "genericdata": "generic",
    "generic": "generic",
    "xml": "generic",
    "sdmx-ml": "generic",
    "structurespecificdata": "structurespecific",
    "structurespecific": "structurespecific",
    "jsondata": "json",
    "sdmx-json": "json",
    "json": "json",
    "csvdata": "csv",
    "csvfile": "csv",
    "sdmx-csv": "csv",
    "csv": "csv",
    "structure": "structure",
}
ACCEPT_TYPES = {
    "application/vnd.sdmx.genericdata+xml": "generic",
    "application/vnd.sdmx.generictimeseriesdata+xml": "generic",
    "application/vnd.sdmx.structurespecificdata+xml": "structurespecific",
    "application/vnd.sdmx.structurespecifictimeseriesdata+xml": "structurespecific",
    "application/vnd.sdmx.data+json": "json",
    "application/json": "json",
    "text/json": "json",
    "application/vnd.sdmx.data+csv": "csv",
    "text/csv": "csv",
    "application/vnd.sdmx.structure+xml": "structure",
    "application/xml": "*",
    "text/xml": "*",
    "*/*": "*",
    "application/*": "*",
    "text/*": "*",
}
DATA_FORMATS = ("generic", "structurespecific", "json", "csv")


def negotiate(request: Request, allowed: tuple[str, ...], default: str) -> str:
    """The format asked for by ``?format=`` (first) or ``Accept`` (by q-value), among ``allowed``; 406 otherwise."""
    names = ", ".join(sorted(k for k, v in FORMAT_NAMES.items() if v in allowed))
    fmt = request.query_params.get("format")
    if fmt:
        chosen = FORMAT_NAMES.get(fmt.lower())
        if chosen not in allowed:
            raise ApiError(406, "not_acceptable", value=fmt, valid=names)
        return chosen
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return default
    ranked = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        ranked.append((-q, i, media.lower()))
    for negq, _, media in sorted(ranked):
        kind = ACCEPT_TYPES.get(media)
        if negq < 0 and kind == "*":
            return default
        if negq < 0 and kind in allowed:
            return kind
    raise ApiError(406, "not_acceptable", value=accept, valid=", ".join(MEDIA[a].split(";")[0] for a in allowed))


# --- data ----------------------------------------------------------------------------------------


def _data(request: Request, flow: str, key: str | None, provider: str | None):
    state = request.app.state.service
    info = state.resolve(request.query_params.get("version"))
    model = state.model(info.id)
    if provider not in (None, "", "all", "ALL") and provider.split(",")[-1].upper() != model.agency.id:
        raise ApiError(404, "unknown_flow", value=f"{flow} (provider {provider})", valid=model.agency.id)
    query = build_query(model, flow, key, dict(request.query_params))
    fmt = negotiate(request, DATA_FORMATS, "generic")

    def make() -> bytes:
        xml = fmt in ("generic", "structurespecific")
        limit = state.settings.max_observations_xml if xml else state.settings.max_observations
        cur = state.versions.cursor(info.id)
        try:
            frame = load_observations(cur, query, limit)
        except ApiError as err:
            if xml and err.status == 413:
                raise ApiError(413, "too_many_observations_xml", limit=limit) from None
            raise
        finally:
            cur.close()
        if frame.empty:
            raise ApiError(404, "no_results")
        if fmt == "json":
            from api.app import request_lang

            return write_sdmx_json(model, query, frame, info.version, request_lang(request))
        if fmt == "csv":
            return write_sdmx_csv(query, frame)
        msg = build_data_message(model, query, frame, info.version, structure_specific=fmt == "structurespecific")
        return write_data_xml(msg, query, structure_specific=fmt == "structurespecific")

    from api.app import versioned

    return versioned(request, info, fmt, MEDIA[fmt], make)


FLOW_DOC = "Dataflow: ID (UNDESA_IMS2024), AGENCY,ID or AGENCY,ID,VERSION. List: /sdmx/v2.1/dataflow"
KEY_DOC = (
    "Dot-separated codes in the order of the data structure's dimensions (FREQ.MEASURE.UNIT_MEASURE.REF_AREA."
    "COUNTERPART_AREA.SEX.AGE.<source dimensions>); empty = any code, '+' joins codes, 'all' = everything"
)


@router.get("/data/{flow}", summary="Data of a dataflow (every series)")
def data_all(
    request: Request,
    flow: str = PathParam(description=FLOW_DOC),
    startPeriod: str | None = Query(None),
    endPeriod: str | None = Query(None),
    lastNObservations: int | None = Query(None, ge=1),
    firstNObservations: int | None = Query(None, ge=1),
    dimensionAtObservation: str | None = Query(None),
    detail: str | None = Query(None),
    format: str | None = Query(None, description="genericdata, structurespecificdata, jsondata, csvdata"),
    version: str | None = Query(None, description="a kept data version id (/api/v1/versions)"),
):
    return _data(request, flow, None, None)


@router.get("/data/{flow}/{key}", summary="Data of a dataflow for a key")
def data_key(
    request: Request,
    flow: str = PathParam(description=FLOW_DOC),
    key: str = PathParam(description=KEY_DOC),
    startPeriod: str | None = Query(None),
    endPeriod: str | None = Query(None),
    lastNObservations: int | None = Query(None, ge=1),
    firstNObservations: int | None = Query(None, ge=1),
    dimensionAtObservation: str | None = Query(None),
    detail: str | None = Query(None),
    format: str | None = Query(None),
    version: str | None = Query(None),
):
    return _data(request, flow, key, None)


@router.get("/data/{flow}/{key}/{provider}", summary="Data of a dataflow for a key and data provider")
def data_key_provider(
    request: Request,
    flow: str,
    key: str,
    provider: str,
    startPeriod: str | None = Query(None),
    endPeriod: str | None = Query(None),
    lastNObservations: int | None = Query(None, ge=1),
    firstNObservations: int | None = Query(None, ge=1),
    dimensionAtObservation: str | None = Query(None),
    detail: str | None = Query(None),
    format: str | None = Query(None),
    version: str | None = Query(None),
):
    return _data(request, flow, key, provider)


# --- schemas of structure-specific data ---------------------------------------------------------------

XSD_DIR = Path(__file__).resolve().parents[1] / "vendor" / "reference" / "sdmx_ml_2_1_schemas"


@router.get("/xsd/{name}", summary="The official SDMX-ML 2.1 schemas (vendored), for the generated schemas' imports")
def xsd(name: str):
    files = {p.name: p for p in XSD_DIR.glob("*.xsd")}
    if name not in files:
        raise ApiError(
            404,
            "unknown_artefact",
            resource="schema",
            value=name,
            agency="SDMX",
            version="2.1",
            valid=", ".join(sorted(files)[:15]) + " …",
        )
    return Response(
        files[name].read_bytes(),
        media_type="application/xml; charset=utf-8",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


@router.get("/schema/{context}/{agency}/{rid}/{version}", summary="Schema of a structure's structure-specific data")
@router.get("/schema/{context}/{agency}/{rid}", include_in_schema=False)
def schema(
    request: Request,
    context: str,
    agency: str,
    rid: str,
    version: str = "latest",
    dimensionAtObservation: str | None = Query(None),
):
    from api.sdmx_data import ALL_DIMENSIONS
    from api.sdmx_schema import build_structure_schema

    state = request.app.state.service
    info = state.resolve(_data_version_param(request))
    model = state.model(info.id)
    if context not in ("datastructure", "dataflow"):
        raise ApiError(
            501, "unknown_resource", value=f"schema/{context}", valid="schema/datastructure, schema/dataflow"
        )
    key = rid.upper()
    flows = {f.dsd.id: f for f in model.flows.values()} if context == "datastructure" else model.flows
    if (
        agency.lower() not in ("all", model.agency.id.lower())
        or key not in flows
        or version.lower() not in ("latest", "all", "1.0")
    ):
        raise ApiError(
            404,
            "unknown_artefact",
            resource=context,
            value=rid,
            agency=agency,
            version=version,
            valid=", ".join(sorted(flows)[:15]) + " …",
        )
    flow = flows[key]
    obs_dim = dimensionAtObservation or "TIME_PERIOD"
    valid = (*flow.dimension_ids, "TIME_PERIOD", ALL_DIMENSIONS)
    if obs_dim not in valid:
        raise ApiError(400, "bad_dimension_at_observation", value=obs_dim, valid=", ".join(valid))
    base = f"{str(request.base_url).rstrip('/')}/sdmx/v2.1/xsd/"
    from api.app import versioned

    return versioned(
        request,
        info,
        "xsd",
        "application/xml; charset=utf-8",
        lambda: build_structure_schema(
            model, flow, obs_dim, base + "SDMXDataStructureSpecific.xsd", base + "SDMXCommon.xsd"
        ),
    )


# --- structures ------------------------------------------------------------------------------------


def select_structures(
    model: StructureModel, resource: str, agency: str, rid: str, version: str, references: str
) -> message.StructureMessage:
    """The artefacts a structure query asks for, with their references; ``ApiError`` when none match."""
    if agency.lower() not in ("all", model.agency.id.lower()) or version.lower() not in ("all", "latest", "1.0"):
        raise ApiError(
            404,
            "unknown_artefact",
            resource=resource,
            value=rid,
            agency=agency,
            version=version,
            valid=f"agency {model.agency.id}, version 1.0",
        )
    flows = {f.flow_id: f for f in model.flows.values()}
    dsds = {f.dsd.id: f for f in model.flows.values()}
    pool = {
        "dataflow": {k: f.dataflow for k, f in flows.items()},
        "datastructure": {k: f.dsd for k, f in dsds.items()},
        "codelist": dict(model.codelists),
        "conceptscheme": {model.concept_scheme.id: model.concept_scheme},
    }[resource]
    wanted = list(pool) if rid.lower() == "all" else [i for i in rid.split("+") if i in pool or i.upper() in pool]
    wanted = [i if i in pool else i.upper() for i in wanted]
    if not wanted:
        raise ApiError(
            404,
            "unknown_artefact",
            resource=resource,
            value=rid,
            agency=agency,
            version=version,
            valid=", ".join(list(pool)[:15]) + (" …" if len(pool) > 15 else ""),
        )
    picked: dict[str, dict] = {r: {} for r in STRUCTURE_RESOURCES}
    picked[resource] = {i: pool[i] for i in wanted}
    down = references in ("children", "descendants", "all")
    up = references in ("parents", "parentsandsiblings", "all")
    if resource == "dataflow" and (
        down or references == "datastructure" or references in ("codelist", "conceptscheme")
    ):
        for i in wanted:
            picked["datastructure"][flows[i].dsd.id] = flows[i].dsd
    if resource in ("dataflow", "datastructure") and (
        references in ("descendants", "all", "codelist", "conceptscheme")
        or (resource == "datastructure" and references == "children")
    ):
        for dsd in list(picked["datastructure"].values()):
            for dim in dsd.dimensions.components:
                cl = dim.local_representation.enumerated if dim.local_representation else None
                if cl is not None and references != "conceptscheme":
                    picked["codelist"][cl.id] = cl
            if references != "codelist":
                picked["conceptscheme"][model.concept_scheme.id] = model.concept_scheme
        if references != "conceptscheme":
            picked["codelist"]["CL_OBS_STATUS"] = model.codelists["CL_OBS_STATUS"]
        if resource == "dataflow" and references in ("codelist", "conceptscheme"):
            picked["datastructure"] = {}
    if resource == "datastructure" and (up or references == "dataflow"):
        for i in wanted:
            picked["dataflow"][dsds[i].flow_id] = dsds[i].dataflow
    if resource in ("codelist", "conceptscheme") and (up or references in ("datastructure", "dataflow")):
        for f in model.flows.values():
            used = {
                d.local_representation.enumerated.id
                for d in f.dsd.dimensions.components
                if d.local_representation and d.local_representation.enumerated is not None
            } | {"CL_OBS_STATUS"}
            if resource == "conceptscheme" or used & set(wanted):
                if references != "dataflow":
                    picked["datastructure"][f.dsd.id] = f.dsd
                if references in ("all", "dataflow"):
                    picked["dataflow"][f.flow_id] = f.dataflow
    msg = message.StructureMessage()
    for r, attr in (
        ("dataflow", "dataflow"),
        ("datastructure", "structure"),
        ("codelist", "codelist"),
        ("conceptscheme", "concept_scheme"),
    ):
        for k, v in picked[r].items():
            getattr(msg, attr)[k] = v
    return msg


def _structure(request: Request, resource: str, agency: str = "all", rid: str = "all", version: str = "latest"):
    state = request.app.state.service
    resource = resource.lower()
    if resource not in STRUCTURE_RESOURCES:
        if resource in OTHER_SDMX_RESOURCES:
            raise ApiError(501, "unknown_resource", value=resource, valid=", ".join(STRUCTURE_RESOURCES) + ", data")
        raise ApiError(404, "unknown_resource", value=resource, valid=", ".join(STRUCTURE_RESOURCES) + ", data")
    references = (request.query_params.get("references") or "none").lower()
    if references not in REFERENCES:
        raise ApiError(400, "bad_references", value=references, valid=", ".join(REFERENCES))
    detail = (request.query_params.get("detail") or "full").lower()
    if detail not in STRUCTURE_DETAILS:
        raise ApiError(400, "bad_structure_detail", value=detail, valid=", ".join(STRUCTURE_DETAILS))
    if detail != "full":
        raise ApiError(501, "bad_structure_detail", value=detail, valid="full")
    negotiate(request, ("structure",), "structure")
    info = state.resolve(_data_version_param(request))
    model = state.model(info.id)
    msg = select_structures(model, resource, agency, rid, version, references)

    def make() -> bytes:
        def write() -> bytes:
            msg.header = message_header(model, info.version)
            return sdmx.to_xml(msg)

        return state.cached((info.id, resource, agency.lower(), rid, version.lower(), references), write)

    from api.app import versioned

    return versioned(request, info, "structure", MEDIA["structure"], make)


def _data_version_param(request: Request) -> str | None:
    """``?version=`` on a structure query is the *data* version when it looks like one (12 hex); the artefact
    version is the path's last part."""
    value = request.query_params.get("version")
    return value if value and len(value.split("·")[-1].strip()) == 12 else None


REF_DOC = "none (default), parents, parentsandsiblings, children, descendants, all, or a resource name"


@router.get("/{resource}", summary="Structure query (dataflow, datastructure, codelist, conceptscheme)")
def structure_all(
    request: Request,
    resource: str,
    references: str | None = Query(None, description=REF_DOC),
    detail: str | None = Query(None),
):
    return _structure(request, resource)


@router.get("/{resource}/{agency}", summary="Structure query by agency")
def structure_agency(
    request: Request, resource: str, agency: str, references: str | None = Query(None), detail: str | None = Query(None)
):
    return _structure(request, resource, agency)


@router.get("/{resource}/{agency}/{rid}", summary="Structure query by agency and id")
def structure_id(
    request: Request,
    resource: str,
    agency: str,
    rid: str,
    references: str | None = Query(None, description=REF_DOC),
    detail: str | None = Query(None),
):
    return _structure(request, resource, agency, rid)


@router.get("/{resource}/{agency}/{rid}/{version}", summary="Structure query by agency, id and version")
def structure_version(
    request: Request,
    resource: str,
    agency: str,
    rid: str,
    version: str,
    references: str | None = Query(None, description=REF_DOC),
    detail: str | None = Query(None),
):
    return _structure(request, resource, agency, rid, version)
