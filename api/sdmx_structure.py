"""The SDMX information model of one kept data version, built with ``sdmx1`` (``sdmx.model.v21``).

One dataflow per public dataset (``UNDESA_IMS2024`` for ``undesa_ims2024``) and one data
structure per dataflow (``DSD_UNDESA_IMS2024``). Every structure has the store's dimensions
in this order::

    FREQ . MEASURE . UNIT_MEASURE . REF_AREA . COUNTERPART_AREA . SEX . AGE . <source-specific> . TIME_PERIOD

``UNIT_MEASURE`` is a dimension, not an attribute, because a few sources publish the same
number in two units (UNHCR counts some asylum applications in persons and others in cases),
and the store's key includes the unit. The source-specific dimensions are the dataset's
``dim_1…dim_5`` named by ``dataset_dimensions`` (``CBP_COMPONENT``, ``UNDESA_BASIS`` …).
The measure is ``OBS_VALUE``; ``OBS_STATUS`` is an observation attribute.

Codelists come from the store: ``CL_AREA`` from the gazetteer (``territories``: ISO 3166-1
alpha-3, ISO 3166-2, and the special codes ``_Z``, ``_X``, ``XXA``), ``CL_MEASURE``,
``CL_UNIT``, ``CL_AGE``, one ``CL_<DIMENSION>`` per source-specific dimension, and SDMX
cross-domain codes for ``CL_SEX`` (``_T``, ``F``, ``M``), ``CL_OBS_STATUS`` (A, B, E, F, I,
M, P) and ``CL_FREQ`` (A, Q, M; ``P5`` marks the five-year periods of CONAPO, which the
cross-domain list has no code for). Names are in Spanish and English (``xml:lang``).

SDMX identifiers may not contain ``+`` (it separates codes in a key), so the compound codes
of IOM's causes of death (``drowning+violence``) are written ``drowning__violence``;
``encode_code``/``decode_code`` convert.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import duckdb
import sdmx.urn
from sdmx.model import common
from sdmx.model import v21 as m

AGENCY_ID = "PVIGM"
AGENCY_NAME = {
    "en": "Atlas PVIGM (regional virtual information platform for migration governance)",
    "es": "Atlas PVIGM (plataforma virtual de información para la gobernanza migratoria)",
}
ARTEFACT_VERSION = "1.0"
COMPOUND = "+"
COMPOUND_SDMX = "__"
TIME = "TIME_PERIOD"
OBS_VALUE = "OBS_VALUE"
OBS_STATUS = "OBS_STATUS"
# (SDMX dimension id, store column, codelist id): the dimensions every structure has, in key order.
COMMON_DIMENSIONS = (
    ("FREQ", "freq", "CL_FREQ"),
    ("MEASURE", "measure", "CL_MEASURE"),
    ("UNIT_MEASURE", "unit", "CL_UNIT"),
    ("REF_AREA", "ref_area", "CL_AREA"),
    ("COUNTERPART_AREA", "counterpart_area", "CL_AREA"),
    ("SEX", "sex", "CL_SEX"),
    ("AGE", "age", "CL_AGE"),
)
FREQ_NAMES = {
    "A": ("Anual", "Annual"),
    "Q": ("Trimestral", "Quarterly"),
    "M": ("Mensual", "Monthly"),
    "P5": (
        "Quinquenal (código del atlas; no está en la lista transversal CL_FREQ de SDMX)",
        "Five-year period (atlas code; not in the SDMX cross-domain CL_FREQ)",
    ),
}
CONCEPT_NAMES = {
    "FREQ": ("Frecuencia", "Frequency"),
    "MEASURE": ("Medida", "Measure"),
    "UNIT_MEASURE": ("Unidad de medida", "Unit of measure"),
    "REF_AREA": ("Territorio de referencia", "Reference area"),
    "COUNTERPART_AREA": (
        "Territorio contraparte (origen, nacionalidad o destino, según la medida)",
        "Counterpart area (origin, nationality or destination, as the measure says)",
    ),
    "SEX": ("Sexo", "Sex"),
    "AGE": ("Edad", "Age"),
    TIME: ("Período", "Time period"),
    OBS_VALUE: ("Valor de la observación", "Observation value"),
    OBS_STATUS: ("Estado de la observación", "Observation status"),
}


TERRITORY_DIMENSIONS = {"nationality": "CL_AREA", "birth_country": "CL_AREA", "returned_from": "CL_AREA"}


def dataset_dimensions_sql(con: duckdb.DuckDBPyConnection) -> str:
    """``dataset_dimensions`` of the store plus, when the version has them, the published submissions' rows."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    sql = 'SELECT dataset_id, "column", dimension_id, name_es, name_en FROM dataset_dimensions'
    if "submission_dataset_dimensions" in tables:
        sql += (
            ' UNION ALL SELECT dataset_id, "column", dimension_id, name_es, name_en FROM submission_dataset_dimensions'
        )
    return sql


def _column_sql() -> str:
    """The dim_N column a dataset_dimensions row names, read from the observation (DuckDB: by the column name)."""
    return (
        "(CASE d.\"column\" WHEN 'dim_1' THEN o.dim_1 WHEN 'dim_2' THEN o.dim_2 WHEN 'dim_3' THEN o.dim_3 "
        "WHEN 'dim_4' THEN o.dim_4 ELSE o.dim_5 END)"
    )


def encode_code(code: str) -> str:
    """A store code as an SDMX identifier (``a+b`` → ``a__b``)."""
    return code.replace(COMPOUND, COMPOUND_SDMX)


def decode_code(code: str) -> str:
    """An SDMX identifier back to the store code (``a__b`` → ``a+b``)."""
    return code.replace(COMPOUND_SDMX, COMPOUND)


def flow_id(dataset_id: str) -> str:
    return dataset_id.upper()


def present(value: object) -> bool:
    """A value worth writing: not None, not empty, not NaN (pandas' missing text)."""
    return value is not None and value != "" and not (isinstance(value, float) and math.isnan(value))


def names(es: object, en: object) -> dict[str, str]:
    """An SDMX international string (``{"en": …, "es": …}``) without empty texts."""
    return {lang: str(text) for lang, text in (("en", en), ("es", es)) if present(text)}


@dataclass(frozen=True)
class FlowInfo:
    """What the data queries need about one dataflow: its dataset, key dimensions and their store columns."""

    flow_id: str
    dataset_id: str
    dimensions: tuple[tuple[str, str, str], ...]  # (SDMX id, store column, codelist id), TIME_PERIOD excluded
    dsd: m.DataStructureDefinition
    dataflow: m.DataflowDefinition
    dataset: dict = field(default_factory=dict)

    @property
    def dimension_ids(self) -> tuple[str, ...]:
        return tuple(d[0] for d in self.dimensions)


@dataclass
class StructureModel:
    """Every SDMX artefact of one data version."""

    agency: common.Agency
    codelists: dict[str, common.Codelist]
    concept_scheme: common.ConceptScheme
    flows: dict[str, FlowInfo]


def _codelist(
    cl_id: str,
    name: dict,
    rows: list[tuple[str, object, object]],
    agency: common.Agency,
    description: dict | None = None,
) -> common.Codelist:
    cl = common.Codelist(
        id=cl_id,
        name=name,
        description=description or {},
        maintainer=agency,
        version=ARTEFACT_VERSION,
        is_final=True,
        is_external_reference=False,
    )
    for code, es, en in rows:
        cl.append(common.Code(id=encode_code(str(code)), name=names(es, en) or {"en": str(code)}))
    return cl


def build_structure_model(con: duckdb.DuckDBPyConnection) -> StructureModel:
    """The agency, codelists, concept scheme, data structures and dataflows of the version behind ``con``."""
    agency = common.Agency(id=AGENCY_ID, name=AGENCY_NAME)

    def q(sql: str) -> list[tuple]:
        return con.execute(sql).fetchall()

    dd_sql = dataset_dimensions_sql(con)
    freqs = [r[0] for r in q("SELECT DISTINCT freq FROM public_observations ORDER BY 1")]
    cls = {
        "CL_FREQ": _codelist(
            "CL_FREQ",
            names("Frecuencia", "Frequency"),
            [(f, *FREQ_NAMES.get(f, (f, f))) for f in sorted(set(freqs) | {"A", "Q", "M"})],
            agency,
        ),
        "CL_MEASURE": _codelist(
            "CL_MEASURE",
            names("Medidas", "Measures"),
            q("SELECT measure, name_es, name_en FROM measures ORDER BY 1"),
            agency,
        ),
        "CL_UNIT": _codelist(
            "CL_UNIT", names("Unidades", "Units"), q("SELECT unit, name_es, name_en FROM units ORDER BY 1"), agency
        ),
        "CL_AREA": _codelist(
            "CL_AREA",
            names("Territorios (nomenclátor del atlas)", "Territories (atlas gazetteer)"),
            q("SELECT geo_code, name_es, name_en FROM territories ORDER BY 1"),
            agency,
            names(
                "ISO 3166-1 alfa-3 para países, ISO 3166-2 para el nivel 1; _Z no aplica, "
                "_X desconocido u otro, XXA apátrida",
                "ISO 3166-1 alpha-3 for countries, ISO 3166-2 for admin-1; _Z not applicable, "
                "_X unknown or other, XXA stateless",
            ),
        ),
        "CL_SEX": _codelist(
            "CL_SEX", names("Sexo", "Sex"), q("SELECT sex, name_es, name_en FROM sexes ORDER BY 1"), agency
        ),
        "CL_AGE": _codelist(
            "CL_AGE",
            names("Grupos de edad", "Age groups"),
            q("SELECT age, name_es, name_en FROM ages ORDER BY 1"),
            agency,
        ),
        "CL_OBS_STATUS": _codelist(
            "CL_OBS_STATUS",
            names("Estado de la observación", "Observation status"),
            q("SELECT obs_status, name_es, name_en FROM obs_statuses ORDER BY 1"),
            agency,
        ),
    }
    dims = q("SELECT dimension_id, name_es, name_en FROM dimensions ORDER BY 1")
    codes = q("SELECT dimension_id, code, name_es, name_en FROM dimension_codes ORDER BY 1, 2")
    for dim_id, es, en in dims:
        cl_id = f"CL_{dim_id.upper()}"
        cls[cl_id] = _codelist(cl_id, names(es, en), [(c, ce, cn) for d, c, ce, cn in codes if d == dim_id], agency)
    # Dimensions that only published submissions name (their dim_N columns): territories use CL_AREA; any
    # other gets a codelist of the codes its data use, so that no dimension is ever left out of a key.
    known = {d for d, _, _ in dims}
    extra = q(f"SELECT dimension_id, first(name_es), first(name_en) FROM ({dd_sql}) GROUP BY 1 ORDER BY 1")
    for dim_id, es, en in extra:
        if dim_id in known or dim_id in TERRITORY_DIMENSIONS:
            continue
        used = q(
            f"SELECT DISTINCT coalesce({_column_sql()}, '_Z') FROM public_observations o "
            f"JOIN ({dd_sql}) d USING (dataset_id) "
            "WHERE d.dimension_id = '" + dim_id.replace("'", "''") + "' ORDER BY 1"
        )
        cls[f"CL_{dim_id.upper()}"] = _codelist(
            f"CL_{dim_id.upper()}", names(es, en), [(c, c, c) for (c,) in used], agency
        )
        dims.append((dim_id, es, en))
    concepts = common.ConceptScheme(
        id="CS_PVIGM",
        name=names("Conceptos del Atlas PVIGM", "Atlas PVIGM concepts"),
        maintainer=agency,
        version=ARTEFACT_VERSION,
        is_final=True,
        is_external_reference=False,
    )
    for cid, (es, en) in CONCEPT_NAMES.items():
        concepts.append(common.Concept(id=cid, name=names(es, en)))
    for dim_id, es, en in dims:
        concepts.append(common.Concept(id=dim_id.upper(), name=names(es, en)))
    for dim_id, es, en in extra:
        if dim_id in TERRITORY_DIMENSIONS and dim_id.upper() not in concepts:
            concepts.append(common.Concept(id=dim_id.upper(), name=names(es, en)))
    flows = build_flows(con, agency, cls, concepts, dd_sql)
    return StructureModel(agency, cls, concepts, flows)


def build_flows(
    con: duckdb.DuckDBPyConnection,
    agency: common.Agency,
    cls: dict[str, common.Codelist],
    concepts: common.ConceptScheme,
    dd_sql: str = "SELECT * FROM dataset_dimensions",
) -> dict[str, FlowInfo]:
    """One dataflow and data structure per public dataset."""
    datasets = con.execute("SELECT * FROM public_datasets ORDER BY dataset_id").df()
    dim_rows = con.execute(f'SELECT dataset_id, "column", dimension_id FROM ({dd_sql}) ORDER BY 1, 2').fetchall()
    flows = {}
    for row in datasets.to_dict("records"):
        did = row["dataset_id"]
        extra = tuple(
            (d.upper(), col, TERRITORY_DIMENSIONS.get(d, f"CL_{d.upper()}"))
            for ds, col, d in dim_rows
            if ds == did and TERRITORY_DIMENSIONS.get(d, f"CL_{d.upper()}") in cls
        )
        dimensions = COMMON_DIMENSIONS + extra
        dsd = build_dsd(flow_id(did), row, dimensions, agency, cls, concepts)
        flow = m.DataflowDefinition(
            id=flow_id(did),
            name=names(row.get("title_es"), row.get("title_en")),
            description=names(_describe(row, "es"), _describe(row, "en")),
            maintainer=agency,
            version=ARTEFACT_VERSION,
            is_final=True,
            is_external_reference=False,
            structure=dsd,
            annotations=[
                m.Annotation(id=key, type=key.upper(), text=str(row[key]))
                for key in ("licence", "licence_url", "attribution", "publisher", "retrieved", "revision")
                if present(row.get(key))
            ],
        )
        flow.urn = sdmx.urn.make(flow)
        flows[flow.id] = FlowInfo(flow.id, did, dimensions, dsd, flow, row)
    return flows


def _describe(row: dict, lang: str) -> str:
    parts = [row.get("publisher"), row.get("licence"), row.get("attribution"), row.get(f"caveats_{lang}")]
    return " — ".join(str(p) for p in parts if present(p))


def build_dsd(
    fid: str,
    row: dict,
    dimensions,
    agency: common.Agency,
    cls: dict[str, common.Codelist],
    concepts: common.ConceptScheme,
) -> m.DataStructureDefinition:
    """A data structure: the key dimensions, TIME_PERIOD, OBS_VALUE and the OBS_STATUS attribute."""
    dsd = m.DataStructureDefinition(
        id=f"DSD_{fid}",
        name=names(f"Estructura de {row.get('title_es')}", f"Structure of {row.get('title_en')}"),
        maintainer=agency,
        version=ARTEFACT_VERSION,
        is_final=True,
        is_external_reference=False,
    )
    dsd.dimensions.id, dsd.attributes.id, dsd.measures.id = (
        "DimensionDescriptor",
        "AttributeDescriptor",
        "MeasureDescriptor",
    )
    for order, (dim_id, _, cl_id) in enumerate(dimensions, start=1):
        dsd.dimensions.append(
            m.Dimension(
                id=dim_id,
                order=order,
                concept_identity=concepts[dim_id],
                local_representation=common.Representation(enumerated=cls[cl_id]),
            )
        )
    time_rep = common.Representation(
        non_enumerated=[common.Facet(value_type=common.FacetValueType.observationalTimePeriod)]
    )
    dsd.dimensions.append(
        m.TimeDimension(
            id=TIME, order=len(dimensions) + 1, concept_identity=concepts[TIME], local_representation=time_rep
        )
    )
    dsd.measures.append(m.PrimaryMeasure(id=OBS_VALUE, concept_identity=concepts[OBS_VALUE]))
    dsd.attributes.append(
        m.DataAttribute(
            id=OBS_STATUS,
            concept_identity=concepts[OBS_STATUS],
            usage_status=common.UsageStatus.mandatory,
            related_to=m.PrimaryMeasureRelationship(),
            local_representation=common.Representation(enumerated=cls["CL_OBS_STATUS"]),
        )
    )
    dsd.urn = sdmx.urn.make(dsd)
    return dsd
