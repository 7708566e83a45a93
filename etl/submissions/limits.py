"""Limits on one uploaded file, checked before it is parsed (figures in ``limits.yaml``).

``check_upload`` looks only at the bytes and, for a workbook, at its ZIP central directory (the
list of files inside with their declared sizes) and the first bytes of each sheet: it never
decompresses a sheet whole nor builds a table, so a 5 MB zip bomb or a 200 MB CSV costs
milliseconds and no memory. A file over a limit gets ONE problem that names the limit, the figure
found and how to split the file. What can only be seen once the table is read (a column count
without a declared dimension, the length of each cell and metadata value) is checked by the reader
with the same figures (``cell_problems``); the cap on fuzzy matching is applied by the parsers.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from common.yamlfile import load_yaml
from etl.formatting import LANGS, format_number
from etl.submissions.report import Problem

LIMITS_FILE = Path(__file__).resolve().parent / "limits.yaml"
ZIP_MAGIC = b"PK\x03\x04"
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?\"")
SHEET_HEAD_BYTES = 4096
METADATA_LINES = 200  # a CSV's lines may exceed its rows by its header, metadata and instruction lines


@dataclass(frozen=True)
class Limits:
    upload_bytes: int
    xlsx_uncompressed_bytes: int
    xlsx_compression_ratio: float
    xlsx_entries: int
    rows: int
    columns: int
    line_characters: int
    cell_characters: int
    metadata_characters: int
    fuzzy_unknown_values: int
    in_process_bytes: int
    worker_memory_bytes: int
    worker_timeout_seconds: float


def load_limits(path: str | Path = LIMITS_FILE, **overrides: object) -> Limits:
    """The limits of ``limits.yaml`` (``overrides`` replace some, e.g. in tests); unknown keys are an error."""
    return _load(str(path)) if not overrides else _with(_load(str(path)), overrides)


@functools.lru_cache(maxsize=4)
def _load(path: str) -> Limits:
    raw = load_yaml(path)
    names = {f.name for f in fields(Limits)}
    if set(raw) != names:
        raise ValueError(
            f"{path}: limits must be exactly {sorted(names)}; missing {sorted(names - set(raw))}, "
            f"unknown {sorted(set(raw) - names)}"
        )
    return Limits(**raw)


def _with(limits: Limits, overrides: dict) -> Limits:
    unknown = set(overrides) - {f.name for f in fields(Limits)}
    if unknown:
        raise ValueError(f"unknown limits {sorted(unknown)}; valid: {[f.name for f in fields(Limits)]}")
    return Limits(**{**limits.__dict__, **overrides})


def format_bytes(n: float, lang: str = "en") -> str:
    """``52.4 MB``, ``812 KB`` (``52,4 MB`` in Spanish): sizes for the report (decimal units, as file managers
    show them), written by the project's one number formatter."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            return f"{format_number(n / size, lang, 1, trim=True)} {unit}"
    return f"{int(n)} B"


def number_text(n: float) -> dict[str, str]:
    """A whole number as each language writes it: ``{"es": "1.100.000", "en": "1,100,000"}``."""
    return {lang: format_number(n, lang) for lang in LANGS}


def bytes_text(n: float) -> dict[str, str]:
    """A size in each language: ``{"es": "5,1 GB", "en": "5.1 GB"}``."""
    return {lang: format_bytes(n, lang) for lang in LANGS}


def _over(code: str, found: object, limit: object, **where: object) -> Problem:
    return Problem(code, params={"found": found, "limit": limit}, **where)


def check_upload(data: bytes, filename: str, limits: Limits | None = None) -> list[Problem]:
    """The limits ``data`` breaks, found without parsing it (empty when it may be read)."""
    limits = limits or load_limits()
    if len(data) > limits.upload_bytes:
        return [_over("limit_upload_bytes", bytes_text(len(data)), bytes_text(limits.upload_bytes))]
    if data.startswith(ZIP_MAGIC):
        return check_zip(data, limits)
    return check_text(data, limits)


def check_zip(data: bytes, limits: Limits) -> list[Problem]:
    """Declared sizes, ratio and entry count from the central directory; rows and columns from each sheet's head.

    A damaged archive passes here: the workbook reader reports it as unreadable. The declared sizes
    can lie; the worker's memory limit (``worker.py``) is what holds then.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError):
        return []
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.xlsx_entries:
            return [_over("limit_xlsx_entries", number_text(len(entries)), number_text(limits.xlsx_entries))]
        uncompressed = sum(e.file_size for e in entries)
        compressed = max(sum(e.compress_size for e in entries), 1)
        if uncompressed > limits.xlsx_uncompressed_bytes:
            return [
                _over(
                    "limit_xlsx_uncompressed_bytes",
                    bytes_text(uncompressed),
                    bytes_text(limits.xlsx_uncompressed_bytes),
                )
            ]
        ratio = uncompressed / compressed
        if ratio > limits.xlsx_compression_ratio:
            return [
                _over("limit_xlsx_compression_ratio", number_text(ratio), number_text(limits.xlsx_compression_ratio))
            ]
        return _check_sheet_dimensions(archive, entries, limits)


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _check_sheet_dimensions(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], limits: Limits) -> list[Problem]:
    """Rows and columns each worksheet declares (``<dimension ref="A1:G1000001"/>``), read from its first 4 KB."""
    for entry in entries:
        if not (entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml")):
            continue
        try:
            with archive.open(entry) as fh:
                head = fh.read(SHEET_HEAD_BYTES)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError):
            return []
        m = _DIMENSION.search(head)
        if not m:
            continue
        rows = int(m.group(4) or m.group(2) or 0)
        columns = _column_number((m.group(3) or m.group(1) or b"A").decode("ascii"))
        if rows > limits.rows + 1:
            return [_over("limit_rows", number_text(rows - 1), number_text(limits.rows))]
        if columns > limits.columns:
            return [_over("limit_columns", number_text(columns), number_text(limits.columns))]
    return []


def check_text(data: bytes, limits: Limits) -> list[Problem]:
    """Lines and the longest line of a text file, counted on the bytes (no decoding, no splitting)."""
    codes = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(codes == 10)
    lines = len(newlines) + (1 if len(data) and data[-1:] != b"\n" else 0)
    if lines > limits.rows + 1 + METADATA_LINES:  # lines, not rows: room for the header, # and ## lines
        return [_over("limit_rows", number_text(lines - 1), number_text(limits.rows))]
    ends = np.concatenate((newlines, [len(data)]))
    starts = np.concatenate(([0], newlines + 1))
    lengths = ends - starts
    longest = int(np.argmax(lengths)) if len(lengths) else 0
    if len(lengths) and lengths[longest] > limits.line_characters:
        line = data[starts[longest] : ends[longest]]
        utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")  # two bytes per character
        chars = len(line) // 2 if utf16 else len(line.decode("utf-8", errors="replace"))
        if chars > limits.line_characters:
            return [
                _over("limit_line_characters", number_text(chars), number_text(limits.line_characters), row=longest + 1)
            ]
    return []
