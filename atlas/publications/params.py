"""The "Articles and bulletins" page's URL and view-state rules. Pure: no Streamlit calls, so they are unit-tested.

The page has two states, both in the URL: the list (filters ``country``, ``tag``, ``type`` and the bulletins'
``year``) and one open publication (``kind`` with ``area`` and ``year`` for a bulletin or fact sheet, ``slug``
for an article). ``article=<slug>`` (the address printed in an article's citation) opens that article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import parse_qsl, urlsplit

import pandas as pd

from atlas.core.urlstate import Param, choice
from etl.formatting import NO_DATA

KINDS = ("bulletin", "factsheet", "article")
OPENABLE = ("bulletin", "factsheet", "article")
FIRST_YEAR = 2015
VIEW_PAGES = {"map": "atlas/pages/map.py", "flows": "atlas/pages/flows.py"}
SUPERSCRIPT = str.maketrans("0123456789,", "⁰¹²³⁴⁵⁶⁷⁸⁹˒")
_NOTE = re.compile(r"\[\^([0-9][0-9,]*)\]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
MISSING_CELLS = ("", "–", "-", NO_DATA, "nan", "None")


def build_specs(
    areas: Sequence[str], latest_year: int, slugs: Sequence[str], countries: Sequence[str], tags: Sequence[str]
) -> list[Param]:
    """Every parameter of the page: the open publication, then the list's filters."""
    return [
        choice("kind", ["", *OPENABLE], ""),
        choice("area", ["", *areas], ""),
        choice("year", year_options(latest_year), str(latest_year)),
        choice("slug", ["", *slugs], ""),
        choice("country", ["", *countries], ""),
        choice("tag", ["", *tags], ""),
        choice("type", ["", *KINDS], ""),
    ]


def year_options(latest_year: int) -> list[str]:
    """The bulletin years offered, newest first, as text (the map page keeps ``year`` as text too: the two
    pages share the session's ``year`` and ``country``)."""
    return [str(y) for y in range(latest_year, FIRST_YEAR - 1, -1)]


def settle(value: object, options: Sequence[object], fallback: object) -> object:
    """``value`` if it is one of ``options`` (a value left by another page or language), else ``fallback``."""
    return value if value in options else fallback


def compute_opened(state: Mapping[str, object]) -> tuple[str, str, int | None, str] | None:
    """``(kind, area, year, slug)`` of the publication the state opens, or ``None`` for the list.

    A bulletin or fact sheet needs an area, an article its slug; otherwise the list is shown.
    """
    kind = state.get("kind") or ""
    if kind in ("bulletin", "factsheet") and state.get("area"):
        if kind == "factsheet" and state.get("area") == "region":
            return None
        return kind, str(state["area"]), int(state["year"]), ""
    if kind == "article" and state.get("slug"):
        return kind, "", None, str(state["slug"])
    return None


def filter_entries(entries: Iterable, country: str = "", tag: str = "", kind: str = "") -> list:
    """The entries a reader asked for: by country (a bulletin of the region counts for every country), tag, kind."""
    out = []
    for e in entries:
        if kind and e.kind != kind:
            continue
        if country and country not in e.countries:
            continue
        if tag and tag not in e.tags:
            continue
        out.append(e)
    return out


def sort_entries(entries: Iterable) -> list:
    """Articles first (newest first), then bulletins and fact sheets by title; the region's bulletin first."""
    order = {"article": 0, "bulletin": 1, "factsheet": 2}
    return sorted(
        entries,
        key=lambda e: (
            order.get(e.kind, 9),
            e.area != "region",
            "" if e.kind != "article" else str(9999 - int((e.date or "0")[:4])),
            e.title,
        ),
    )


def collect_tags(entries: Iterable) -> list[str]:
    return sorted({tag for e in entries for tag in e.tags})


def note_marks(notes: Iterable[int]) -> str:
    """``(5, 6)`` -> ``"⁵˒⁶"``: footnote markers as superscript digits (plain text, any widget shows them)."""
    return ",".join(str(n) for n in notes).translate(SUPERSCRIPT)


def escape_markdown(value: object) -> str:
    """A value from data shown as plain text inside Markdown (every Markdown character escaped)."""
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def build_markdown(value: str, trusted: bool) -> str:
    """A text with ``[^n]`` note markers as Markdown: superscript markers; the rest kept as Markdown when
    ``trusted`` (the project's own articles) or escaped to plain text otherwise."""
    out, last = [], 0
    for m in _NOTE.finditer(value):
        chunk = value[last : m.start()]
        out.append(chunk if trusted else escape_markdown(chunk))
        out.append(note_marks(int(n) for n in m.group(1).split(",") if n))
        last = m.end()
    tail = value[last:]
    out.append(tail if trusted else escape_markdown(tail))
    return "".join(out)


def strip_notes(value: str) -> str:
    """A text without its ``[^n]`` markers."""
    return _NOTE.sub("", value)


def build_table_frame(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    notes: Sequence[Sequence[int]] = (),
    note_column: int | None = None,
) -> pd.DataFrame:
    """A publication table as a frame of text: human column names, cells as formatted, missing as ``NO_DATA``,
    the source markers after the cells of ``note_column`` (default: the last column)."""
    col = len(columns) - 1 if note_column is None else note_column
    body = []
    for i, row in enumerate(rows):
        cells = [NO_DATA if str(c).strip() in MISSING_CELLS else str(c) for c in row]
        row_notes = notes[i] if i < len(notes) else ()
        if row_notes and 0 <= col < len(cells):
            cells[col] = f"{cells[col]} {note_marks(row_notes)}"
        body.append(cells)
    names = _unique(columns)
    return pd.DataFrame(body, columns=names)


def _unique(columns: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for c in columns:
        name = str(c) or " "
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def parse_view_link(url: str) -> tuple[str, dict[str, str]] | None:
    """``http://host/flows?view=x&period=2023`` -> ``("atlas/pages/flows.py", {...})`` for ``st.page_link``,
    or ``None`` when the address is not an interactive map or flow view of the atlas."""
    parts = urlsplit(url)
    page = parts.path.strip("/").rsplit("/", 1)[-1]
    if page not in VIEW_PAGES:
        return None
    return VIEW_PAGES[page], dict(parse_qsl(parts.query))


def file_stem(kind: str, area: str, year: int | None, slug: str, lang: str) -> str:
    """The downloaded file's name without extension."""
    if kind == "article":
        return f"{slug}-{lang}"
    return f"{kind}-{area.lower()}-{year}-{lang}"
