"""SDMX-CSV submissions: a file that follows a data structure the atlas publishes, read as its template.

A national system may export SDMX-CSV 1.0 (``DATAFLOW, FREQ, MEASURE, UNIT_MEASURE, REF_AREA,
COUNTERPART_AREA, SEX, AGE, <source-specific>, TIME_PERIOD, OBS_VALUE, OBS_STATUS``), following the
data structure that the API publishes for a submission of the same kind
(``/sdmx/v2.1/datastructure/PVIGM/DSD_SUB_…``). ``adapt_sdmx_csv`` renames its columns to the
kind's template columns, so that the file goes through exactly the same validation and the same
report as a CSV or XLSX template (codes, counts, totals, duplicates, periods…):

* the kind comes from the ``MEASURE`` codes (``returns_received`` → returns), unless it is asked for;
* ``TIME_PERIOD`` → period, ``REF_AREA`` → territory, ``COUNTERPART_AREA`` → the kind's partner
  column, ``SEX``, ``AGE``, ``OBS_VALUE``, ``OBS_STATUS``, and each source-specific dimension by its
  id (``NATIONALITY``, ``SUBMISSION_RETURN_TYPE``, ``ACCOMPANIMENT``…); for entries and exits the
  measure gives the flow (``entries`` → ENTRY);
* ``DATAFLOW``, ``FREQ`` and ``UNIT_MEASURE`` are left out (the period and the kind say them), and
  so is ``MEASURE`` when every code belongs to the kind; any other column is kept under its own
  name, so the report names it as an unknown header.

The metadata block (``#`` lines: source, reference period, contact…) is still required above
the header row, as in the CSV template.
"""

from __future__ import annotations

from dataclasses import replace

from etl.schema import DIM_COLUMNS
from etl.submissions.reading import RawTable
from etl.submissions.spec import Kind, Spec

FIRST_HEADERS = ("DATAFLOW", "STRUCTURE")
SDMX_TARGETS = {
    "ref_area": "REF_AREA",
    "counterpart_area": "COUNTERPART_AREA",
    "sex": "SEX",
    "age": "AGE",
    "value": "OBS_VALUE",
    "obs_status": "OBS_STATUS",
}
LEFT_OUT = {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "ACTION", "FREQ", "UNIT_MEASURE"}


def is_sdmx_csv(headers: list[str]) -> bool:
    """Whether a table's header row is SDMX-CSV: it opens with DATAFLOW (or STRUCTURE), has TIME_PERIOD and
    OBS_VALUE."""
    names = {h.strip().upper() for h in headers}
    return bool(headers) and headers[0].strip().upper() in FIRST_HEADERS and {"TIME_PERIOD", "OBS_VALUE"} <= names


def kind_measures(kind: Kind) -> set[str]:
    return {kind.measure} if kind.measure else set(kind.measures.values())


def find_kind(measures: set[str], spec: Spec) -> Kind | None:
    """The one kind whose measures include every measure code of the file."""
    found = [k for k in spec.kinds.values() if measures and measures <= kind_measures(k)]
    return found[0] if len(found) == 1 else None


def sdmx_column(kind: Kind, column_id: str) -> str | None:
    """The SDMX-CSV column that holds a template column of ``kind`` (None when SDMX-CSV has none)."""
    col = kind.column(column_id)
    if col.type == "period":
        return "TIME_PERIOD"
    if kind.measure_from == col.id:
        return "MEASURE"
    if col.target in DIM_COLUMNS and col.dimension:
        return col.dimension.upper()
    return SDMX_TARGETS.get(col.target or "")


def adapt_sdmx_csv(raw: RawTable, spec: Spec, kind_id: str | None = None) -> RawTable:
    """``raw`` with SDMX-CSV columns renamed to the template headers of its kind; unchanged when it is not SDMX-CSV
    or when its kind cannot be told (the validation then reports the headers as usual)."""
    if not is_sdmx_csv(raw.headers):
        return raw
    upper = [h.strip().upper() for h in raw.headers]
    measures = set(raw.cells[upper.index("MEASURE")].str.strip()) - {""} if "MEASURE" in upper else set()
    kind = spec.kinds.get(kind_id) if kind_id else find_kind(measures, spec)
    if kind is None:
        return raw
    headers = {sdmx_column(kind, c.id): c.header.es for c in kind.columns if sdmx_column(kind, c.id)}
    drop_measure = "MEASURE" not in headers and measures <= kind_measures(kind)
    keep, names = [], []
    for pos, name in enumerate(upper):
        if name in LEFT_OUT or (name == "MEASURE" and drop_measure):
            continue
        keep.append(pos)
        names.append(headers.get(name, raw.headers[pos]))
    cells = raw.cells[keep].copy()
    cells.columns = range(len(keep))
    if kind.measure_from and "MEASURE" in upper:  # the flow of entries and exits, from the measure
        codes = {m: code for code, m in kind.measures.items()}
        pos = keep.index(upper.index("MEASURE"))
        cells[pos] = cells[pos].map(lambda v: codes.get(v.strip(), v))
    return replace(raw, headers=names, cells=cells)
