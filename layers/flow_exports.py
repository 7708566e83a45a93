"""Downloads of the flows and corridor series shown on screen: CSV and XLSX bytes (pure; no Streamlit).

Every row carries its dataset id and, beside it, the source (dataset title), publisher,
licence, licence URL, attribution, retrieval date and revision of that dataset, in the CSV as
in the XLSX, so that a downloaded number stays traceable on its own. The XLSX adds an
"about" sheet with the full row of each dataset (caveats included).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from etl.textsafe import build_csv_bytes, build_xlsx
from layers.exports import SOURCE_COLUMNS

FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Beside every row: the map downloads' source columns (layers/exports.py), after the dataset id.
PROVENANCE_COLUMNS = tuple(c for c in SOURCE_COLUMNS if c != "dataset_id")


class UnknownDownloadFormatError(ValueError):
    """A download format other than those in ``FORMATS``."""


class MissingProvenanceError(ValueError):
    """A row whose dataset has no ``about`` entry: its number could not be traced to a source."""


def build_provenance_table(about: Sequence[Mapping[str, str]], lang: str) -> pd.DataFrame:
    """One row per dataset: ``dataset_id`` and the ``PROVENANCE_COLUMNS`` (``source`` = title in ``lang``)."""
    rows = [
        {
            "dataset_id": a["dataset_id"],
            "source": a.get(f"title_{lang}") or a.get("title", ""),
            **{c: a.get(c, "") for c in PROVENANCE_COLUMNS if c != "source"},
        }
        for a in about
    ]
    return pd.DataFrame(rows, columns=["dataset_id", *PROVENANCE_COLUMNS]).drop_duplicates("dataset_id")


def find_missing_provenance(frame: pd.DataFrame, about: Sequence[Mapping[str, str]]) -> list[str]:
    """The dataset ids of ``frame`` that ``about`` does not describe (sorted; empty when all are)."""
    return sorted(set(frame["dataset_id"]) - {a["dataset_id"] for a in about})


def build_traceable_frame(frame: pd.DataFrame, about: Sequence[Mapping[str, str]], lang: str) -> pd.DataFrame:
    """``frame`` with the provenance columns of each row's dataset after its own columns, rows in order.

    Raises ``MissingProvenanceError`` naming the datasets that ``about`` does not describe.
    """
    provenance = build_provenance_table(about, lang)
    missing = find_missing_provenance(frame, about)
    if missing:
        raise MissingProvenanceError(
            f"no source, licence or date for dataset(s) {missing}: pass one `about` "
            f"mapping per dataset_id (got {sorted(provenance['dataset_id'])})"
        )
    clash = sorted(set(PROVENANCE_COLUMNS) & set(frame.columns))
    if clash:
        raise ValueError(f"the table already has columns named {clash}; rename them before adding provenance")
    return frame.merge(provenance, on="dataset_id", how="left", validate="many_to_one")


def build_table_download(
    frame: pd.DataFrame, fmt: str, about: Sequence[Mapping[str, str]] = (), lang: str = "en"
) -> bytes:
    """``frame`` as CSV (UTF-8 with BOM, so spreadsheets read accents) or XLSX (data + about sheets).

    ``frame`` must have a ``dataset_id`` column; ``about`` is one mapping per dataset
    (``dataset_id``, ``title_es``/``title_en``, publisher, licence, licence_url, attribution,
    retrieved, revision, caveats …), as ``public_datasets`` gives it. Both formats carry the
    provenance columns on every row.
    """
    if fmt not in FORMATS:
        raise UnknownDownloadFormatError(f"unknown download format {fmt!r}; valid: {sorted(FORMATS)}")
    if "dataset_id" not in frame.columns:
        raise ValueError(f"a download needs a dataset_id column to stay traceable; got {list(frame.columns)}")
    table = build_traceable_frame(frame, about, lang)
    if fmt == "csv":
        return build_csv_bytes(table)  # every text cell formula-safe (etl.textsafe)
    return build_xlsx({"data": table, "about": pd.DataFrame(list(about))})
