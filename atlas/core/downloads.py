"""The one download helper: a row of buttons whose files are built only when clicked.

Every page offers its files through ``render_downloads``: each ``Download`` names its full
label, its file name and MIME type, and a function that builds the bytes. Streamlit calls
that function only when the button is pressed (``on_click="ignore"`` keeps the page from
rerunning), so no file is prepared on an ordinary rerun. Buttons flow in a horizontal
container and keep their whole label on any screen.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from atlas.core.i18n import t
from layers.flow_exports import build_table_download, find_missing_provenance

MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "html": "text/html",
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "json": "application/json",
    "txt": "text/plain",
    "yaml": "application/yaml",
}
ICONS = {
    "html": ":material/public:",
    "png": ":material/image:",
    "svg": ":material/image:",
    "pdf": ":material/picture_as_pdf:",
}


@dataclass(frozen=True)
class Download:
    """One file offered for download."""

    label: str  # the whole label, in the user's language
    build: Callable[[], bytes] | bytes  # the bytes, or a function called only on click
    file_name: str
    help: str | None = None

    @property
    def extension(self) -> str:
        return self.file_name.rsplit(".", 1)[-1].lower()

    @property
    def mime(self) -> str:
        return MIME.get(self.extension, "application/octet-stream")


def render_downloads(downloads: Sequence[Download], key: str, *, primary: bool = False) -> None:
    """The buttons of ``downloads`` side by side (wrapping on a narrow screen); ``key`` prefixes their keys."""
    with st.container(horizontal=True, key=f"{key}_downloads", gap="small"):
        for d in downloads:
            st.download_button(
                d.label,
                data=d.build,
                file_name=d.file_name,
                mime=d.mime,
                key=f"{key}_{d.extension}",
                on_click="ignore",
                help=d.help,
                icon=ICONS.get(d.extension, ":material/download:"),
                type="primary" if primary else "secondary",
            )


def render_traced_downloads(
    table: pd.DataFrame, about: Sequence[Mapping[str, str]], stem: str, key: str, lang: str, labels: tuple[str, str]
) -> None:
    """CSV and XLSX of ``table``, each row with its source, licence, attribution and retrieval date
    (``layers.flow_exports``); a warning instead of buttons when a row's dataset has no source."""
    missing = find_missing_provenance(table, about)
    if missing:  # never offer numbers that cannot be traced to their source
        st.warning(t("common.download_no_source", lang, datasets=", ".join(missing)))
        return
    render_downloads(
        [
            Download(labels[0], functools.partial(build_table_download, table, "csv", about, lang), f"{stem}.csv"),
            Download(labels[1], functools.partial(build_table_download, table, "xlsx", about, lang), f"{stem}.xlsx"),
        ],
        key,
    )
