"""SDMX data queries: parse ``data/{flow}/{key}``, read the observations, write the messages.

SDMX-ML (generic and structure-specific) is written by ``sdmx1`` (``sdmx.to_xml`` on a
``DataMessage`` built here). ``sdmx1`` writes no SDMX-JSON, and its CSV writer writes
SDMX-CSV 2.0 (an SDMX 3.0 format), so SDMX-JSON 1.0 and SDMX-CSV 1.0, the formats of SDMX
2.1 services, are written by ``write_sdmx_json`` and ``write_sdmx_csv`` below; the tests
read both back with ``sdmx1``'s own readers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass

import duckdb
import pandas as pd
from lxml import etree
from sdmx import message
from sdmx.model import common
from sdmx.model import v21 as m
from sdmx.writer.xml import writer as sdmx_xml_writer

from api.errors import ApiError
from api.sdmx_structure import OBS_STATUS, OBS_VALUE, TIME, FlowInfo, StructureModel, decode_code

ALL_DIMENSIONS = "AllDimensions"
NS_MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_SS = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
DETAILS = ("full", "dataonly", "serieskeysonly", "nodata")
PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|S[12]|\d{2})(?:-(\d{2}))?)?$")
# The SDMX time period of a stored period: as stored, except five-year periods, which become an
# ISO 8601 interval (``1950-1954`` → ``1950-01-01/P5Y``), the SDMX way to write a period with no code.
SDMX_TIME_SQL = (
    "CASE WHEN freq = 'P5' THEN strftime(time_start, '%Y-%m-%d') || '/P' || "
    "CAST(year(time_end) - year(time_start) + 1 AS VARCHAR) || 'Y' ELSE time_period END"
)


@dataclass(frozen=True)
class DataQuery:
    """One parsed data query."""

    flow: FlowInfo
    filters: dict[str, tuple[str, ...]]  # store column -> store codes
    start: dt.date | None = None
    end: dt.date | None = None
    first_n: int | None = None
    last_n: int | None = None
    dimension_at_observation: str = TIME
    detail: str = "full"


def resolve_flow(model: StructureModel, flow_ref: str) -> FlowInfo:
    """``ID``, ``AGENCY,ID`` or ``AGENCY,ID,VERSION`` (case-insensitive id) to the flow; ``ApiError`` otherwise."""
    parts = [p.strip() for p in flow_ref.split(",")]
    if len(parts) > 3 or not all(parts):
        raise ApiError(400, "bad_flow_ref", value=flow_ref)
    if len(parts) == 1:
        parts = ["all", parts[0]]
    agency, fid, version = parts[0], parts[1].upper(), (parts[2] if len(parts) == 3 else "latest")
    if (
        agency.lower() not in ("all", model.agency.id.lower())
        or fid not in model.flows
        or version.lower() not in ("latest", "all", "1.0")
    ):
        raise ApiError(404, "unknown_flow", value=flow_ref, valid=", ".join(sorted(model.flows)))
    return model.flows[fid]


def parse_key(model: StructureModel, flow: FlowInfo, key: str | None) -> dict[str, tuple[str, ...]]:
    """A dot-separated key (``A.migrant_stock..USA.MEX``; ``+`` joins codes; empty = any) to store filters."""
    if key is None or key.strip() in ("", "all", "ALL"):
        return {}
    parts = key.split(".")
    if len(parts) != len(flow.dimensions):
        raise ApiError(
            400,
            "bad_key_length",
            value=key,
            count=len(parts),
            expected=len(flow.dimensions),
            dims=".".join(flow.dimension_ids),
        )
    filters = {}
    for (dim_id, column, cl_id), part in zip(flow.dimensions, parts):
        if not part:
            continue
        codes = tuple(dict.fromkeys(c for c in part.split("+") if c))
        codelist = model.codelists[cl_id]
        unknown = [c for c in codes if c not in codelist]
        if unknown:
            shown = ", ".join(list(codelist.items)[:15]) + (" …" if len(codelist) > 15 else "")
            raise ApiError(404, "unknown_code", value=", ".join(unknown), dim=dim_id, codelist=cl_id, valid=shown)
        filters[column] = tuple(decode_code(c) for c in codes)
    return filters


def parse_period(text: str | None, where: str, end: bool) -> dt.date | None:
    """``2020``, ``2020-Q2``, ``2020-S1``, ``2020-03`` or ``2020-03-15`` to the first (or, for ``end``, last) day."""
    if text is None or text == "":
        return None
    match = PERIOD.match(text.strip())
    if not match:
        raise ApiError(400, "bad_period", where=where, value=text)
    year, part, day = int(match[1]), match[2], match[3]
    try:
        if part is None:
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        elif part.startswith("Q"):
            q = int(part[1])
            first = dt.date(year, 3 * q - 2, 1)
            last = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
        elif part.startswith("S"):
            s = int(part[1])
            first, last = dt.date(year, 6 * s - 5, 1), dt.date(year, 6 * s, 30 if s == 1 else 31)
        elif day is None:
            month = int(part)
            first = dt.date(year, month, 1)
            last = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
        else:
            first = last = dt.date(year, int(part), int(day))
    except ValueError:
        raise ApiError(400, "bad_period", where=where, value=text) from None
    return last if end else first


def parse_positive(text: str | None, where: str) -> int | None:
    if text is None or text == "":
        return None
    if not text.isdigit() or int(text) < 1:
        raise ApiError(400, "bad_positive", where=where, value=text)
    return int(text)


def build_query(model: StructureModel, flow_ref: str, key: str | None, params: dict[str, str]) -> DataQuery:
    """Every part of a data request checked: flow, key, periods, limits, dimension at observation, detail."""
    flow = resolve_flow(model, flow_ref)
    filters = parse_key(model, flow, key)
    start = parse_period(params.get("startPeriod"), "startPeriod", end=False)
    end = parse_period(params.get("endPeriod"), "endPeriod", end=True)
    if start and end and start > end:
        raise ApiError(400, "period_order", start=params.get("startPeriod"), end=params.get("endPeriod"))
    obs_dim = params.get("dimensionAtObservation") or TIME
    valid_dims = (*flow.dimension_ids, TIME, ALL_DIMENSIONS)
    if obs_dim not in valid_dims:
        raise ApiError(400, "bad_dimension_at_observation", value=obs_dim, valid=", ".join(valid_dims))
    detail = params.get("detail") or "full"
    if detail not in DETAILS:
        raise ApiError(400, "bad_detail", value=detail, valid=", ".join(DETAILS))
    return DataQuery(
        flow,
        filters,
        start,
        end,
        parse_positive(params.get("firstNObservations"), "firstNObservations"),
        parse_positive(params.get("lastNObservations"), "lastNObservations"),
        obs_dim,
        detail,
    )


def load_observations(con: duckdb.DuckDBPyConnection, query: DataQuery, limit: int) -> pd.DataFrame:
    """The observations of ``query``: one column per dimension (SDMX ids, SDMX codes), TIME_PERIOD,
    OBS_VALUE and OBS_STATUS, sorted by series then time. ``ApiError`` 413 past ``limit`` rows."""
    flow = query.flow
    where, args = ["dataset_id = ?"], [flow.dataset_id]
    for column, codes in query.filters.items():
        where.append(f'"{column}" IN ({", ".join("?" for _ in codes)})')
        args += list(codes)
    if query.start:
        where.append("time_end >= ?")
        args.append(query.start)
    if query.end:
        where.append("time_start <= ?")
        args.append(query.end)
    dims = [(d, c) for d, c, _ in flow.dimensions]
    # source-specific codes as SDMX identifiers (``a+b`` → ``a__b``, see api.sdmx_structure.encode_code)
    select = ", ".join(
        f"replace(coalesce(\"{c}\", '_Z'), '+', '__') AS \"{d}\"" if c.startswith("dim_") else f'"{c}" AS "{d}"'
        for d, c in dims
    )
    series = ", ".join(f'"{c}"' for _, c in dims)
    qualify = []
    if query.last_n:
        qualify.append(f"row_number() OVER (PARTITION BY {series} ORDER BY time_start DESC) <= {query.last_n}")
    if query.first_n:
        qualify.append(f"row_number() OVER (PARTITION BY {series} ORDER BY time_start) <= {query.first_n}")
    sql = (
        f"SELECT {select}, {SDMX_TIME_SQL} AS {TIME}, value AS {OBS_VALUE}, obs_status AS {OBS_STATUS} "
        f"FROM public_observations WHERE {' AND '.join(where)}"
        + (f" QUALIFY {' AND '.join(qualify)}" if qualify else "")
        + f" ORDER BY {series}, time_start, time_period LIMIT {limit + 1}"
    )
    frame = con.execute(sql, args).df()
    if len(frame) > limit:
        raise ApiError(413, "too_many_observations", limit=limit)
    return frame


def series_columns(query: DataQuery) -> list[str]:
    """The dimensions that key a series (all but the dimension at observation); none for AllDimensions."""
    if query.dimension_at_observation == ALL_DIMENSIONS:
        return []
    return [d for d in (*query.flow.dimension_ids, TIME) if d != query.dimension_at_observation]


def message_header(model: StructureModel, version: str, with_source: bool = True) -> message.Header:
    """The header of every message: who sends it, when, and (structure messages) the data version in ``Source``.

    A data message states its version id in the header's ``ID`` only: ``sdmx1`` writes
    ``Source`` before ``Structure`` in the header, an order the 2.1 schema refuses.
    """
    source = {"en": f"Atlas PVIGM, data version {version}", "es": f"Atlas PVIGM, versión de los datos {version}"}
    return message.Header(
        id=f"PVIGM-{version.rsplit('·', 1)[-1].strip()}",
        test=False,
        prepared=dt.datetime.now(dt.UTC).replace(microsecond=0),
        sender=model.agency,
        source=source if with_source else None,
    )


def write_data_xml(msg: message.DataMessage, query: DataQuery, structure_specific: bool) -> bytes:
    """SDMX-ML 2.1 of a data message: ``sdmx1``'s writer, then three fixes it needs for 2.1 schema validity.

    ``sdmx1`` 2.28 (i) names the root after the data set class only for structure-specific
    sets (a generic message came out as ``StructureSpecificData``), (ii) states
    ``dimensionAtObservation`` only for a single dimension, not ``AllDimensions``, and (iii)
    writes no ``namespace`` / ``xsi:type`` / qualified ``structureRef`` and ``dataScope`` for
    structure-specific data sets. Those are set here; everything else is ``sdmx1``'s.
    """
    root = sdmx_xml_writer.recurse(msg)
    root.tag = etree.QName(NS_MES, "StructureSpecificData" if structure_specific else "GenericData").text
    header_structure = root.find(f"{{{NS_MES}}}Header/{{{NS_MES}}}Structure")
    dsd = query.flow.dsd
    namespace = f"{dsd.urn or ''}:ObsLevelDim:{query.dimension_at_observation}"
    if header_structure is not None:
        header_structure.set("dimensionAtObservation", query.dimension_at_observation)
        if structure_specific:
            header_structure.set("namespace", namespace)
    for ds in root.iter(f"{{{NS_MES}}}DataSet"):
        if structure_specific:  # the set attributes of structure-specific data are in its namespace
            ds.set(etree.QName(NS_XSI, "type").text, "ns1:DataSetType")
            ref = ds.attrib.pop("structureRef", dsd.id)
            ds.set(etree.QName(NS_SS, "structureRef").text, ref)
            ds.set(etree.QName(NS_SS, "dataScope").text, "DataStructure")
    text = etree.tostring(root, encoding="utf-8", xml_declaration=True)
    if structure_specific:  # declare the DSD-specific namespace the data set type lives in
        text = text.replace(
            b"<mes:StructureSpecificData ", b'<mes:StructureSpecificData xmlns:ns1="' + namespace.encode() + b'" ', 1
        )
    return text


def build_data_message(
    model: StructureModel, query: DataQuery, frame: pd.DataFrame, version: str, structure_specific: bool
) -> message.DataMessage:
    """An ``sdmx1`` DataMessage of ``frame`` (series by the dimension at observation), for ``sdmx.to_xml``."""
    dsd = query.flow.dsd
    msg = message.DataMessage(header=message_header(model, version, with_source=False), dataflow=query.flow.dataflow)
    obs_dim = query.dimension_at_observation
    msg.observation_dimension = m.AllDimensions if obs_dim == ALL_DIMENSIONS else dsd.dimensions.get(obs_dim)
    cls = m.StructureSpecificDataSet if structure_specific else m.DataSet
    # The data version is the header's ID (``PVIGM-<version id>``) and the HTTP headers: an annotation on the
    # data set would be schema-valid, but sdmx1's reader stops on it ("uncollected items").
    ds = cls(structured_by=dsd, described_by=query.flow.dataflow)
    msg.data.append(ds)
    measure = dsd.measures.get(OBS_VALUE)
    status_attr = dsd.attributes.get(OBS_STATUS)
    dims = {d.id: d for d in dsd.dimensions.components}
    with_attrs = query.detail in ("full", "nodata")
    with_obs = query.detail in ("full", "dataonly")
    keys = series_columns(query)
    obs_keys = [obs_dim] if keys else [*query.flow.dimension_ids, TIME]
    columns = list(frame.columns)
    kpos = [columns.index(k) for k in keys]
    opos = [columns.index(k) for k in obs_keys]
    vpos, spos = columns.index(OBS_VALUE), columns.index(OBS_STATUS)

    def make_obs(row) -> m.Observation:
        key = common.Key([common.KeyValue(id=k, value=row[p], value_for=dims[k]) for k, p in zip(obs_keys, opos)])
        value = row[vpos]
        attrs = {}
        if with_attrs:
            attrs[OBS_STATUS] = common.AttributeValue(value=row[spos], value_for=status_attr)
        return m.Observation(
            dimension=key, value=None if pd.isna(value) else _number(value), attached_attribute=attrs, value_for=measure
        )

    rows = frame.itertuples(index=False, name=None)
    if not keys:
        if with_obs:
            ds.add_obs([make_obs(r) for r in rows])
        return msg
    current, batch, series_key = None, [], None
    for row in rows:
        sk = tuple(row[p] for p in kpos)
        if sk != current:
            if series_key is not None:
                ds.add_obs(batch, series_key)
            current, batch = sk, []
            series_key = common.SeriesKey(  # a dataclass: ``values`` maps ids to KeyValues
                values={k: common.KeyValue(id=k, value=v, value_for=dims[k]) for k, v in zip(keys, sk)},
                described_by=dsd.dimensions,
            )
        if with_obs:
            batch.append(make_obs(row))
    if series_key is not None:
        ds.add_obs(batch, series_key)
    return msg


def _number(value: float) -> float | int:
    """Whole numbers without ``.0`` (counts are written as counts)."""
    return int(value) if float(value).is_integer() else float(value)


def _json_value(value) -> float | int | None:
    return None if pd.isna(value) else _number(value)


def write_sdmx_json(
    model: StructureModel, query: DataQuery, frame: pd.DataFrame, version: str, lang: str = "en"
) -> bytes:
    """SDMX-JSON 1.0 data message (``application/vnd.sdmx.data+json;version=1.0.0``).

    Dimension values are listed in ``structure.dimensions`` and referred to by index: a series
    key is ``"0:3:1"``, an observation ``{"<time index>": [value, <status index>]}``.
    """
    flow = query.flow
    dsd = flow.dsd
    keys = series_columns(query)
    obs_dims = [query.dimension_at_observation] if keys else [*flow.dimension_ids, TIME]
    with_attrs = query.detail in ("full", "nodata")
    with_obs = query.detail in ("full", "dataonly")

    def values_of(dim: str) -> list[str]:
        if dim == TIME:
            return sorted(frame[dim].unique(), key=str) if len(frame) else []
        return sorted(frame[dim].unique()) if len(frame) else []

    index = {d: {v: i for i, v in enumerate(values_of(d))} for d in (*keys, *obs_dims)}
    statuses = sorted(frame[OBS_STATUS].unique()) if len(frame) else []
    status_index = {s: i for i, s in enumerate(statuses)}

    def describe(dim: str, pos: int) -> dict:
        component = dsd.dimensions.get(dim)
        out = {
            "id": dim,
            "name": _text(component.concept_identity.name, lang),
            "keyPosition": pos,
            "values": [_value_entry(model, dsd, dim, v, lang) for v in index[dim]],
        }
        if dim == TIME:
            out["role"] = "time"
        return out

    order = [*flow.dimension_ids, TIME]
    series_dims = [describe(d, order.index(d)) for d in keys]
    observation_dims = [describe(d, order.index(d)) for d in obs_dims]
    data_set: dict = {"action": "Information"}
    columns = list(frame.columns)
    kpos = [columns.index(k) for k in keys]
    opos = [columns.index(k) for k in obs_dims]
    vpos, spos = columns.index(OBS_VALUE), columns.index(OBS_STATUS)

    def obs_entry(row) -> list:
        entry = [_json_value(row[vpos])]
        if with_attrs:
            entry.append(status_index[row[spos]])
        return entry

    if keys:
        series: dict = {}
        for row in frame.itertuples(index=False, name=None):
            sk = ":".join(str(index[k][row[p]]) for k, p in zip(keys, kpos))
            entry = series.setdefault(sk, {"attributes": [], "observations": {}})
            if with_obs:
                ok = ":".join(str(index[d][row[p]]) for d, p in zip(obs_dims, opos))
                entry["observations"][ok] = obs_entry(row)
        data_set["series"] = series
    else:
        data_set["observations"] = (
            {
                ":".join(str(index[d][row[p]]) for d, p in zip(obs_dims, opos)): obs_entry(row)
                for row in frame.itertuples(index=False, name=None)
            }
            if with_obs
            else {}
        )
    status_cl = model.codelists["CL_OBS_STATUS"]
    attributes = {
        "dataSet": [],
        "series": [],
        "observation": [
            {
                "id": OBS_STATUS,
                "name": _text(dsd.attributes.get(OBS_STATUS).concept_identity.name, lang),
                "values": [
                    {"id": s, "name": _text(status_cl[s].name, lang) if s in status_cl else s} for s in statuses
                ],
            }
        ]
        if with_attrs and statuses
        else [],
    }
    header = message_header(model, version)
    doc = {
        "header": {
            "id": header.id,
            "test": False,
            "prepared": header.prepared.isoformat(),
            "sender": {"id": model.agency.id, "name": _text(model.agency.name, lang)},
        },
        "dataSets": [data_set],
        "structure": {
            "name": _text(flow.dataflow.name, lang),
            "links": [
                {
                    "rel": "dataflow",
                    "urn": flow.dataflow.urn or "",
                    "href": f"dataflow/{model.agency.id}/{flow.flow_id}/1.0",
                }
            ],
            "dimensions": {"dataSet": [], "series": series_dims, "observation": observation_dims},
            "attributes": attributes,
            "annotations": [{"title": "data_version", "text": version}],
        },
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _value_entry(model: StructureModel, dsd, dim: str, value: str, lang: str) -> dict:
    if dim == TIME:
        return {"id": value, "name": value}
    component = dsd.dimensions.get(dim)
    cl = component.local_representation.enumerated
    return {"id": value, "name": _text(cl[value].name, lang) if value in cl else value}


def _text(istring, lang: str) -> str:
    loc = getattr(istring, "localizations", {}) or {}
    return loc.get(lang) or loc.get("en") or next(iter(loc.values()), "")


def write_sdmx_csv(query: DataQuery, frame: pd.DataFrame) -> bytes:
    """SDMX-CSV 1.0 (``application/vnd.sdmx.data+csv;version=1.0.0``): ``DATAFLOW`` (``AGENCY:ID(VERSION)``),
    one column per dimension, ``TIME_PERIOD``, ``OBS_VALUE``, then ``OBS_STATUS`` (unless ``detail=dataonly``).
    Values are written as text, never as formulas (a code never starts with ``=``, ``+``, ``-`` or ``@``)."""
    flow = query.flow
    ref = f"{flow.dataflow.maintainer.id}:{flow.flow_id}({flow.dataflow.version})"
    with_attrs = query.detail != "dataonly"
    header = ["DATAFLOW", *flow.dimension_ids, TIME, OBS_VALUE] + ([OBS_STATUS] if with_attrs else [])
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    cols = [*flow.dimension_ids, TIME]
    if query.detail in ("serieskeysonly", "nodata"):
        frame = frame.iloc[0:0]
    values = frame[OBS_VALUE].map(_json_value).astype(object).where(frame[OBS_VALUE].notna(), "")
    body = frame[cols].assign(**{OBS_VALUE: values})
    if with_attrs:
        body[OBS_STATUS] = frame[OBS_STATUS]
    body.insert(0, "DATAFLOW", ref)
    writer.writerows(body.itertuples(index=False, name=None))
    return buf.getvalue().encode("utf-8")
