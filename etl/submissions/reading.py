"""Read an uploaded file into a raw table of strings, whatever Excel or a national system wrote.

CSV: the encoding is found from the bytes (UTF-8, Windows-1252, Latin-1 and DOS 850 all arrive;
a UTF-16 "Unicode text" export is recognised by its byte-order mark), the column separator
among ``, ; TAB |``, leading lines that start with ``#`` are the metadata block (``##`` lines are instructions).
XLSX: the data sheet (``datos``/``data``) and the metadata sheet (``metadatos``/``metadata``).

Nothing here judges the content: problems found while reading are added to the report and the
cells are returned as text, with the row number the focal point sees (CSV line, Excel row).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

import pandas as pd
from charset_normalizer import from_bytes

from etl.submissions.report import Problem, Report
from geodata import normalise

CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "«,» (coma / comma)", ";": "«;» (punto y coma / semicolon)", "\t": "TAB", "|": "«|»"}
DATA_SHEETS = ("datos", "data")
METADATA_SHEETS = ("metadatos", "metadata")
OTHER_SHEETS = ("instrucciones", "instructions", "codigos", "codes")
ENCODING_NAMES = {
    "utf_8": "UTF-8",
    "cp1252": "Windows-1252",
    "latin_1": "ISO-8859-1 (Latin-1)",
    "cp850": "DOS 850 (CSV MS-DOS)",
    "utf_16": "UTF-16",
    "utf_16_le": "UTF-16 LE",
    "utf_16_be": "UTF-16 BE",
}
SINGLE_BYTE = ("cp1252", "latin_1", "cp850")  # what charset-normalizer may choose among
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
SNIFF_LINES = 50
# Bytes that were not UTF-8 are kept as private-use characters U+F780-U+F7FF (byte 0x80-0xFF),
# so that the report can show them; Python's own surrogateescape would not survive Arrow strings.
_UNDECODED_BASE = 0xF700
UNDECODED = re.compile("[\uf780-\uf7ff]")
_SURROGATES_TO_PRIVATE = {0xDC00 + b: _UNDECODED_BASE + b for b in range(0x80, 0x100)}


def _decode_utf8_keeping_strays(data: bytes) -> str:
    return data.decode("utf_8", errors="surrogateescape").translate(_SURROGATES_TO_PRIVATE)


def show_undecoded(text: str) -> str:
    """``M\\uf7e9xico`` -> ``M[0xE9]xico``: stray bytes made visible for the report."""
    return UNDECODED.sub(lambda m: f"[0x{ord(m.group()) - _UNDECODED_BASE:02X}]", text)


# --- what kind of file it is (before reading it as text or as a workbook) ------------------------
SNIFF_BYTES = 65_536
# Bytes no text file holds: C0 controls except TAB, LF, VT, FF, CR and SUB (DOS end of file), and DEL.
CONTROL_BYTES = bytes(b for b in (*range(0x20), 0x7F) if b not in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1A))
MAX_CONTROL_SHARE = 0.01  # above 1 % of the first 64 KiB, the file is binary
SIGNATURES = (  # (leading bytes, content kind); ZIP files are told apart by what they hold
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"\x1f\x8b", "gzip"),
    (b"SQLite format 3\x00", "sqlite"),
    (b"PAR1", "parquet"),
)
CONTENT_NAMES = {  # what a file that is not CSV text nor an XLSX workbook looks like, for the report
    "binary": {"es": "datos binarios, no texto", "en": "binary data, not text"},
    "zip": {"es": "un archivo comprimido ZIP", "en": "a ZIP archive"},
    "xls": {
        "es": "un libro de Excel 97-2003 (.xls) u otro documento antiguo de Office",
        "en": "an Excel 97-2003 workbook (.xls) or another old Office document",
    },
    "pdf": {"es": "un documento PDF", "en": "a PDF document"},
    "image": {"es": "una imagen", "en": "an image"},
    "gzip": {"es": "un archivo comprimido GZIP", "en": "a GZIP archive"},
    "sqlite": {"es": "una base de datos SQLite", "en": "an SQLite database"},
    "parquet": {"es": "un archivo Parquet", "en": "a Parquet file"},
}


def detect_utf16_without_bom(head: bytes) -> str | None:
    """``utf_16_le``/``utf_16_be`` for UTF-16 text written without a byte-order mark, else ``None``.

    Mostly-ASCII UTF-16 has a NUL in every other byte, always on the same side.
    """
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    share_even, share_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if share_odd > 0.3 and share_even < 0.02:
        return "utf_16_le"
    if share_even > 0.3 and share_odd < 0.02:
        return "utf_16_be"
    return None


def _zip_content(data: bytes) -> str:
    """``xlsx`` for an Excel workbook, ``zip`` for any other (or a damaged) ZIP archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, EOFError):
        return "zip"
    return "xlsx" if "xl/workbook.xml" in names else "zip"


def identify_content(data: bytes) -> str:
    """What the bytes are, whatever the file is called: ``text``, ``xlsx`` or a key of ``CONTENT_NAMES``.

    Known signatures first (ZIP, old Office, PDF, images, GZIP, SQLite, Parquet); then text
    with a byte-order mark or UTF-16 without one; then the share of control bytes, which text
    in any of the encodings that arrive (UTF-8, Windows-1252, Latin-1, DOS 850) never has.
    """
    head = data[:SNIFF_BYTES]
    if head.startswith(b"PK\x03\x04"):
        return _zip_content(data)
    kind = next((k for magic, k in SIGNATURES if head.startswith(magic)), None)
    if kind:
        return kind
    if head.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or detect_utf16_without_bom(head):
        return "text"
    controls = len(head) - len(head.translate(None, CONTROL_BYTES))
    return "binary" if controls > MAX_CONTROL_SHARE * len(head) else "text"


def check_content(data: bytes, ext: str, report: Report) -> str | None:
    """How to read the bytes (``"csv"`` or ``"xlsx"``), or ``None`` with ONE problem saying what they are.

    A binary file read as CSV would give a ragged row for every line; one plain problem is
    what helps. An Excel workbook saved as ``.csv`` is read as the workbook it is (with a
    warning); a text file or a damaged ZIP named ``.xlsx`` goes on to the workbook reader,
    whose own problem (``xlsx_unreadable``) says it is no valid workbook.
    """
    content = identify_content(data)
    if content == "xlsx" or (content in ("text", "zip") and ext in XLSX_EXTENSIONS):
        if ext not in XLSX_EXTENSIONS:
            report.add(Problem("file_extension_mismatch", "warning", params={"extension": ext}))
        return "xlsx"
    if content == "text":
        return "csv"
    report.add(Problem("file_not_text", params={"what": CONTENT_NAMES[content], "extension": ext}))
    return None


@dataclass
class RawTable:
    """The cells of a submission as text, with where each came from."""

    headers: list[str]
    header_row: int
    cells: pd.DataFrame  # columns 0..n-1 (positions), str; index = row number in the file
    metadata: list[tuple[str, str, int]] = field(default_factory=list)  # (label, value, row)
    sheet: str | None = None  # data sheet (XLSX)
    metadata_sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # a codec name (utf_8, cp1252, ...)
    mixed: bool  # mostly UTF-8 with undecodable bytes (kept as U+F780-U+F7FF, see UNDECODED)


def decode_bytes(data: bytes) -> Decoded:
    """The text of a CSV file and the encoding it was read with.

    Order: a byte-order mark (UTF-8, UTF-16) wins; then UTF-16 without one; then strict UTF-8; a file that is mostly
    UTF-8 but has stray bytes is *mixed* (each stray byte is kept as a private-use character,
    so the cell check can report it with its row, column and value); otherwise charset-normalizer chooses among the
    single-byte encodings that arrive (Windows-1252, Latin-1, DOS 850), and the strict order
    Windows-1252 then Latin-1 is the fallback (Latin-1 decodes any byte).
    """
    if data.startswith(codecs.BOM_UTF8):
        text = _decode_utf8_keeping_strays(data[len(codecs.BOM_UTF8) :])
        return Decoded(text, "utf_8", bool(UNDECODED.search(text)))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(data.decode("utf_16", errors="replace"), "utf_16", False)
    utf16 = detect_utf16_without_bom(data[:SNIFF_BYTES])
    if utf16:
        return Decoded(data.decode(utf16, errors="replace"), utf16, False)
    try:
        return Decoded(data.decode("utf_8"), "utf_8", False)
    except UnicodeDecodeError:
        pass
    valid = len(_UTF8_MULTIBYTE.findall(data))
    invalid = _count_invalid_utf8(data)
    if valid and valid >= invalid:
        return Decoded(_decode_utf8_keeping_strays(data), "utf_8", True)
    return Decoded(*_decode_single_byte(data), False)


def _count_invalid_utf8(data: bytes) -> int:
    return data.decode("utf_8", errors="replace").count("\ufffd")


def _decode_single_byte(data: bytes) -> tuple[str, str]:
    """Windows-1252 first (what Excel in the region saves), then charset-normalizer's guess and DOS 850.

    The most plausible wins: plausible = more accented Spanish lowercase letters (á é í ó ú ü ñ ...)
    right after a lowercase letter ("Período", "Morazán"), which tells Windows-1252 from DOS 850
    on short files where the generic detector hesitates (in DOS 850, Windows-1252's "á" reads "ß";
    in Windows-1252, DOS 850's "í" reads "¡"). Ties keep the earlier candidate, so Windows-1252 wins
    them; Latin-1 is the last resort (it decodes any byte).
    """
    best = from_bytes(data[:1_000_000], cp_isolation=list(SINGLE_BYTE)).best()
    guess = [best.encoding] if best is not None and best.encoding in SINGLE_BYTE else []
    candidates = list(dict.fromkeys(["cp1252", *guess, "cp850"]))
    decoded = []
    for encoding in candidates:
        try:
            decoded.append((data.decode(encoding), encoding))
        except UnicodeDecodeError:
            continue
    if not decoded:
        return data.decode("latin_1"), "latin_1"  # Latin-1 maps every byte: the last resort never fails
    return max(decoded, key=lambda d: _plausibility(d[0]))  # max keeps the first of equals


_ACCENTED = "áéíóúüñàèìòùâêîôûäëïöçãõ"
_AFTER_LOWER = re.compile(f"(?<=[a-z])[{_ACCENTED}]")


def _plausibility(text: str) -> int:
    return len(_AFTER_LOWER.findall(text[:200_000]))


def _is_comment_line(line: str) -> bool:
    """``## ...`` lines are the template's instructions: neither metadata nor data."""
    return line.lstrip().lstrip('"').startswith("##")


def _is_metadata_line(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith("#") or stripped.startswith('"#')


def sniff_delimiter(lines: list[str]) -> str | None:
    """The separator among ``, ; TAB |`` that splits the header into most columns, consistently.

    Each candidate is scored by how many of the first lines have as many fields as the
    header; a candidate that leaves the header as a single column is never chosen.
    """
    best: tuple[float, int, str] | None = None
    for delim in DELIMITERS:
        rows = list(csv.reader(lines, delimiter=delim))
        rows = [r for r in rows if any(c.strip() for c in r)]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistency = sum(len(r) == width for r in rows) / len(rows)
        score = (consistency, width, delim)
        if best is None or score[:2] > best[:2]:
            best = score
    return best[2] if best else None


def parse_metadata_line(line: str, delimiter: str) -> tuple[str, str]:
    """``# Fuente (institución): IGM`` (or ``#Fuente;IGM``, or Excel's quoted cell) -> (label, value)."""
    cells = next(csv.reader([line], delimiter=delimiter), [""])
    while len(cells) > 1 and not cells[-1].strip():
        cells.pop()
    first = cells[0].strip().lstrip("#").strip()
    rest = cells[1:]
    if ":" in first:
        label, _, value = first.partition(":")
        value = delimiter.join([value, *rest]) if rest else value
    else:
        label, value = first, delimiter.join(rest)
    return label.strip(), value.strip()


def read_csv_table(data: bytes, report: Report) -> RawTable | None:
    """The raw table of a delimited text file; ``None`` (with problems reported) if unreadable."""
    decoded = decode_bytes(data)
    report.encoding = ENCODING_NAMES[decoded.encoding]
    report.add(Problem("encoding_used", "info", params={"encoding": report.encoding}))  # always said, UTF-8 too
    lines = decoded.text.splitlines(keepends=True)
    meta_lines: list[tuple[str, int]] = []
    first_data = 0
    for i, line in enumerate(lines):
        if _is_comment_line(line):
            continue
        if _is_metadata_line(line):
            meta_lines.append((line, i + 1))
        elif line.strip():
            first_data = i
            break
    else:
        first_data = len(lines)
    body = lines[first_data:]
    if not body:
        report.add(Problem("no_rows"))
        return None
    delimiter = sniff_delimiter(body[:SNIFF_LINES])
    if delimiter is None:
        report.add(Problem("delimiter_not_found", row=first_data + 1, value=body[0].strip()[:80]))
        return None
    report.delimiter = delimiter
    report.add(Problem("delimiter_used", "info", params={"delimiter": DELIMITER_NAMES[delimiter]}))
    metadata = [(*parse_metadata_line(line, delimiter), row) for line, row in meta_lines]
    headers, header_row, cells = _read_records(body, first_data, delimiter, report)
    return RawTable(headers, header_row, cells, metadata, encoding=report.encoding, delimiter=delimiter)


def _read_records(body: list[str], offset: int, delimiter: str, report: Report) -> tuple[list[str], int, pd.DataFrame]:
    """Header and data records, each with the line it starts on.

    Without any quote character, a line is a record: pandas' C parser reads it (fast, a million
    rows in a few seconds) and ragged lines are found by counting separators. With quotes, a
    quoted cell may span lines, so the exact (slower) ``csv`` module path keeps the line numbers.
    """
    if any('"' in line for line in body):
        return _read_records_exact(body, offset, delimiter, report)
    return _read_records_fast(body, offset, delimiter, report)


def _read_records_fast(
    body: list[str], offset: int, delimiter: str, report: Report
) -> tuple[list[str], int, pd.DataFrame]:
    lines = [line.rstrip("\r\n") for line in body]
    header = lines[0].split(delimiter)
    width = len(header)
    data = pd.Series(lines[1:], dtype="str")
    rows = pd.Index(range(offset + 2, offset + 2 + len(data)), name="row", dtype="int64")
    stripped = data.str.replace(delimiter, "", regex=False)
    blank = stripped.str.strip().eq("").to_numpy()
    fields = ((data.str.len() - stripped.str.len()) // len(delimiter) + 1).to_numpy()
    ragged = []
    for i in [i for i in (fields != width).nonzero()[0] if not blank[i]]:
        cells = lines[1 + i].split(delimiter)
        if len(cells) > width and not "".join(cells[width:]).strip():
            continue  # trailing empty cells (Excel's extra separators) are not a ragged row
        ragged.append(
            Problem(
                "ragged_row",
                row=int(rows[i]),
                value=lines[1 + i][:120],
                params={"found": len(cells), "expected": width},
            )
        )
    names = range(max(int(fields.max()) if len(fields) else width, width))
    cells = (
        pd.read_csv(
            io.StringIO("\n".join(lines[1:]) + "\n"),
            sep=delimiter,
            header=None,
            names=names,
            dtype="str",
            keep_default_na=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_NONE,
            engine="c",
        )
        if len(data)
        else pd.DataFrame(columns=names, dtype="str")
    )
    if len(cells) != len(data):  # a line pandas split differently: take the exact path
        return _read_records_exact(body, offset, delimiter, report)
    report.extend(ragged)
    cells = cells.iloc[:, :width].fillna("")
    cells.columns = range(width)
    cells.index = rows
    return header, offset + 1, cells[~blank]


def _read_records_exact(
    body: list[str], offset: int, delimiter: str, report: Report
) -> tuple[list[str], int, pd.DataFrame]:
    reader = csv.reader(body, delimiter=delimiter)
    header = next(reader)
    header_row = offset + 1
    width = len(header)
    records: list[list[str]] = []
    rows: list[int] = []
    start = reader.line_num + 1
    for record in reader:
        row = offset + start
        start = reader.line_num + 1
        if not any(c.strip() for c in record):
            continue
        if len(record) != width:
            extra = record[width:]
            if len(record) < width or any(c.strip() for c in extra):
                report.add(
                    Problem(
                        "ragged_row",
                        row=row,
                        value=delimiter.join(record)[:120],
                        params={"found": len(record), "expected": width},
                    )
                )
            record = (record + [""] * width)[:width]
        records.append(record)
        rows.append(row)
    return header, header_row, _frame(records, rows, width)


def _frame(records: list[list], rows: list[int], width: int) -> pd.DataFrame:
    columns = list(zip(*records)) if records else [()] * width
    index = pd.Index(rows, name="row", dtype="int64")
    return pd.DataFrame(
        {i: pd.Series(col, index=index, dtype="str") for i, col in enumerate(columns)},
        index=index,
        columns=range(width),
    )


def cell_text(value: object) -> str:
    """An Excel cell as the text a focal point would have typed (dates as ISO, 12.0 as 12)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _sheet_role(name: str) -> str:
    key = normalise(name)
    if key in DATA_SHEETS:
        return "data"
    if key in METADATA_SHEETS:
        return "metadata"
    return "other" if key in OTHER_SHEETS else "unknown"


def read_xlsx_table(data: bytes, report: Report) -> RawTable | None:
    """The raw table of an Excel workbook: its data sheet and its metadata sheet.

    Read with calamine (python-calamine, a Rust reader): a million rows in seconds, where
    openpyxl takes minutes. Rows keep their Excel numbers (the sheet is read from A1).
    """
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        roles = {name: _sheet_role(name) for name in book.sheet_names}
        data_name = next((n for n, r in roles.items() if r == "data"), None) or next(
            (n for n, r in roles.items() if r == "unknown"), None
        )
        if data_name is None:
            report.add(Problem("no_data_sheet", params={"sheets": ", ".join(book.sheet_names)}))
            return None
        meta_name = next((n for n, r in roles.items() if r == "metadata"), None)
        meta_rows = book.get_sheet_by_name(meta_name).to_python(skip_empty_area=False) if meta_name else []
        data_rows = book.get_sheet_by_name(data_name).to_python(skip_empty_area=False)
    except CalamineError as err:
        report.add(Problem("xlsx_unreadable", params={"detail": f"{type(err).__name__}: {err}"[:120]}))
        return None
    table = _read_data_sheet(data_rows, data_name, report)
    if table is None:
        return None
    report.sheet = data_name
    table.metadata, table.metadata_sheet = _read_metadata_sheet(meta_rows), meta_name
    return table


def _read_metadata_sheet(sheet_rows: list[list]) -> list[tuple[str, str, int]]:
    out = []
    for row_number, row in enumerate(sheet_rows, start=1):
        cells = [cell_text(v).strip() for v in (row or ())][:2] + ["", ""]
        label, value = cells[0], cells[1]
        if not label or normalise(label) in ("campo", "field", "metadato", "metadata"):
            continue
        out.append((label, value, row_number))
    return out


def _read_data_sheet(sheet_rows: list[list], name: str, report: Report) -> RawTable | None:
    header: list[str] | None = None
    header_row = 0
    records: list[list[str]] = []
    rows: list[int] = []
    for row_number, row in enumerate(sheet_rows, start=1):
        texts = [cell_text(v) for v in row]
        if header is None:
            if any(t.strip() for t in texts):
                while texts and not texts[-1].strip():
                    texts.pop()
                header, header_row = texts, row_number
            continue
        if not any(t.strip() for t in texts):
            continue
        width = len(header)
        if any(t.strip() for t in texts[width:]):
            used = len(texts) - next(i for i, t in enumerate(reversed(texts)) if t.strip())
            report.add(Problem("ragged_row", sheet=name, row=row_number, params={"found": used, "expected": width}))
        records.append((texts + [""] * width)[:width])
        rows.append(row_number)
    if header is None:
        report.add(Problem("no_rows", sheet=name))
        return None
    return RawTable(header, header_row, _frame(records, rows, len(header)), sheet=name)


def read_table(data: bytes, filename: str, report: Report) -> RawTable | None:
    """The raw table of an uploaded file, by its extension; problems go into ``report``."""
    if not data:
        report.add(Problem("file_empty"))
        return None
    ext = PurePath(filename).suffix.lower()
    if ext not in XLSX_EXTENSIONS + CSV_EXTENSIONS:
        report.add(Problem("file_type_unsupported", params={"extension": ext or filename}))
        return None
    how = check_content(data, ext, report)
    if how is None:
        return None
    return read_xlsx_table(data, report) if how == "xlsx" else read_csv_table(data, report)
