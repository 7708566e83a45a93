"""Text from users and URLs is data, never markup: cells, Markdown and characters made safe.

Low enough in the import graph (no Streamlit, no pandas at import) for every writer to use:

- ``safe_cell`` / ``safe_row`` / ``safe_frame``: CSV cells that a spreadsheet would read as a formula
  (beginning with ``=``, ``+``, ``-``, ``@``, TAB or CR; OWASP "CSV injection") get a leading single
  quote; numbers stay numbers, and a plain number written as text (``-12``, ``+3.5``) is left alone.
- ``write_xlsx_row`` / ``write_xlsx_frame`` / ``build_xlsx``: XLSX cells written with openpyxl, every
  string as a *text* cell (``data_type == "s"``), so ``=HYPERLINK(...)`` is shown, never evaluated.
- ``build_csv_bytes``: a frame as UTF-8 CSV with BOM through ``safe_frame``.
- ``escape_markdown``: untrusted text for a Markdown-rendering widget (Streamlit's ``st.markdown``,
  ``st.info``, ``st.warning``, ``st.caption``...): every Markdown, HTML, autolink and Streamlit directive
  character is backslash-escaped, so links and images never render and no outside host is called.
- ``find_unsafe_characters`` / ``plain_text``: control and bidirectional-override characters
  (U+202A-U+202E, U+2066-U+2069...) that hide or reorder text.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?%?")

# Characters that reorder or hide text (Trojan Source, CVE-2021-42574) and zero-width ones.
BIDI_CHARACTERS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
INVISIBLE_CHARACTERS = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
# Everything Markdown (CommonMark + GFM), HTML, LaTeX ($) and Streamlit's ``:colour[...]``/``:emoji:``
# directives read as syntax. Backslash-escaping ASCII punctuation is always literal in CommonMark.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=&\"'^%])")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (it starts with = + - @ TAB or CR).

    A plain number (``-12``, ``+3,5``, ``1e5``) is no formula and stays as it is.
    """
    return bool(text) and text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text)


def safe_cell(value: object) -> object:
    """A CSV cell that no spreadsheet evaluates: formula-like text gets a leading ``'``; the rest unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return QUOTE + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    return [safe_cell(v) for v in values]


def safe_frame(frame):
    """A copy of a pandas frame whose text cells (and column names) are safe; numeric columns untouched."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or str(column.dtype) in ("string", "str") or column.dtype.name == "category":
            out[name] = column.astype(object).map(safe_cell)
    out.columns = [safe_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def build_csv_bytes(frame, index: bool = False) -> bytes:
    """``frame`` as UTF-8 CSV with a BOM (so spreadsheets read accents), every text cell made safe."""
    return safe_frame(frame).to_csv(index=index).encode("utf-8-sig")


def write_csv_rows(rows: Iterable[Sequence[object]]) -> str:
    """Rows through ``csv.writer`` (``\\n`` line ends), every cell made safe."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for row in rows:
        writer.writerow(safe_row(row))
    return buf.getvalue()


def xlsx_value(value: object) -> object:
    """A value openpyxl can store: NaN/None as empty, numpy scalars as Python ones, other objects as text."""
    if value is None or value.__class__.__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            value = str(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (bool, int, float, str)):
        return value
    if value.__class__.__name__ in ("Timestamp", "datetime", "date", "time"):
        return value
    return str(value)


def write_xlsx_row(ws, values: Iterable[object]) -> None:
    """Append one row to an openpyxl worksheet; every string is a text cell, never a formula."""
    ws.append([xlsx_value(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def write_xlsx_frame(ws, frame, header: bool = True) -> None:
    """A pandas frame into ``ws`` (header row, then one row per record), every string as text."""
    if header:
        write_xlsx_row(ws, [str(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        write_xlsx_row(ws, row)


def build_xlsx(sheets: Mapping[str, object]) -> bytes:
    """A workbook with one sheet per ``{name: frame}`` (header + rows), strings as text cells."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        write_xlsx_frame(wb.create_sheet(str(name)[:31]), frame)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- characters and Markdown --------------------------------------------------------------------


def character_name(ch: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE`` (or the code point alone for unnamed controls)."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def find_unsafe_characters(text: str, allow_newlines: bool = False) -> list[str]:
    """The distinct control, bidirectional-override and invisible characters of ``text``, in order.

    Controls are Unicode category Cc (C0, DEL, C1); TAB, LF and CR are allowed with ``allow_newlines``.
    """
    found: dict[str, None] = {}
    for ch in text:
        if allow_newlines and ch in "\t\n\r":
            continue
        if unicodedata.category(ch) == "Cc" or ch in BIDI_CHARACTERS or ch in INVISIBLE_CHARACTERS:
            found[ch] = None
    return list(found)


def plain_text(text: object, max_length: int | None = None) -> str:
    """``text`` without control, bidi and invisible characters (newlines kept), cut to ``max_length``.

    For showing untrusted text in a widget that does NOT render Markdown (``st.text``, ``st.code``,
    table cells). Widgets that render Markdown need ``escape_markdown`` as well.
    """
    text = "" if text is None else str(text)
    bad = set(find_unsafe_characters(text, allow_newlines=True))
    if bad:
        text = "".join(ch for ch in text if ch not in bad)
    if max_length is not None and len(text) > max_length:
        text = text[: max(max_length - 1, 0)] + "…"
    return text


# GFM turns "https://…", "www.…" and "name@host" into links even when their punctuation is escaped: a word
# joiner (invisible) inside each such pattern keeps them plain text.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?:[a-z][a-z0-9+.-]*:/|\bwww\.|@(?=[a-z0-9]))")


def escape_markdown(text: object, max_length: int | None = None) -> str:
    """Untrusted text as literal Markdown: shown exactly as typed, never a link, an image, HTML or a directive.

    ``plain_text`` first (controls and bidi overrides removed), then every ASCII punctuation that
    Markdown, GFM autolinks (``www.``, ``https:``), HTML, LaTeX or Streamlit directives read as syntax
    gets a backslash; newlines become hard breaks inside the same paragraph (no headings or lists).
    """
    text = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + WORD_JOINER + m.group(0)[-1], plain_text(text, max_length))
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return "  \n".join(line.strip() for line in escaped.splitlines()) if "\n" in escaped or "\r" in escaped else escaped
