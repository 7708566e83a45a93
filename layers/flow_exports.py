"""Downloads of the flows and corridor series shown on screen: CSV and XLSX bytes (pure; no Streamlit).

Every row carries its dataset id, and the XLSX has an "about" sheet with the source,
licence, attribution and caveats of each dataset, so a downloaded number stays traceable.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import pandas as pd

FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class UnknownDownloadFormatError(ValueError):
    """A download format other than those in ``FORMATS``."""


def build_table_download(frame: pd.DataFrame, fmt: str, about: Sequence[Mapping[str, str]] = ()) -> bytes:
    """``frame`` as CSV (UTF-8 with BOM, so spreadsheets read accents) or XLSX (data + about sheets).

    ``frame`` must have a ``dataset_id`` column; ``about`` is one mapping per dataset
    (dataset_id, title, publisher, licence, attribution, caveats …).
    """
    if fmt not in FORMATS:
        raise UnknownDownloadFormatError(f"unknown download format {fmt!r}; valid: {sorted(FORMATS)}")
    if "dataset_id" not in frame.columns:
        raise ValueError(f"a download needs a dataset_id column to stay traceable; got {list(frame.columns)}")
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8-sig")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="data", index=False)
        pd.DataFrame(list(about)).to_excel(writer, sheet_name="about", index=False)
    return buffer.getvalue()
