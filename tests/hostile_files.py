"""SYNTHETIC hostile uploads for the hardening tests and ``bench/bench_hardening.py`` (issue 15).

Nothing here is real data: a workbook that is a zip bomb (a few MB that expand to gigabytes),
oversized CSV files, files with very long cells and with tens of thousands of unknown values.
"""

from __future__ import annotations

import io
import struct
import zlib

CHUNK = 1 << 24  # 16 MiB of the repeated text per compressed block group

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="datos" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
)
SHEET_TAIL = b"</t></is></c></row></sheetData></worksheet>"


def _deflate_repeated(head: bytes, repeats: int, tail: bytes, honest_crc: bool) -> tuple[bytes, int, int]:
    """Raw deflate of ``head + b"A" * CHUNK * repeats + tail`` built in O(1) compression work.

    Deflating a long run of one byte settles into a periodic output: the compressed bytes of every
    CHUNK after the second are identical, so they are computed once and repeated.
    """
    body = b"A" * CHUNK
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(head) + comp.compress(body)
    steady = comp.compress(body)
    end = comp.compress(tail) + comp.flush()
    data = first + steady * (repeats - 1) + end
    size = len(head) + CHUNK * repeats + len(tail)
    crc = 0
    if honest_crc:
        crc = zlib.crc32(head)
        for _ in range(repeats):
            crc = zlib.crc32(body, crc)
        crc = zlib.crc32(tail, crc)
    return data, size, crc


def _zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A ZIP archive of pre-deflated entries ``(name, raw deflate data, uncompressed size, crc32)``."""
    out = io.BytesIO()
    central = []
    for name, data, size, crc in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0))
        out.write(encoded)
        out.write(data)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def _plain(name: str, data: bytes) -> tuple[str, bytes, int, int]:
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return name, comp.compress(data) + comp.flush(), len(data), zlib.crc32(data)


def build_zip_bomb(compressed_bytes: int = 5_000_000, honest_crc: bool = False) -> bytes:
    """A SYNTHETIC .xlsx of about ``compressed_bytes`` whose one cell expands to about 1,000 times that.

    The sheet is valid XML (one inline-string cell of "A"s) split over sheets under 4 GiB each so
    no ZIP64 is needed. ``honest_crc`` computes the real CRC-32 (seconds of work) so that a reader
    that checks it decompresses everything first; the tests only need the central directory.
    """
    steady = 16_433  # compressed bytes per CHUNK (measured; _deflate_repeated returns the exact figure)
    repeats = max(compressed_bytes // steady, 2)
    per_sheet = 255  # 255 x 16 MiB < 4 GiB
    entries = [
        _plain("[Content_Types].xml", CONTENT_TYPES),
        _plain("_rels/.rels", ROOT_RELS),
        _plain("xl/workbook.xml", WORKBOOK),
        _plain("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ]
    sheet = 1
    while repeats > 0:
        n = min(repeats, per_sheet)
        name = "xl/worksheets/sheet1.xml" if sheet == 1 else f"xl/worksheets/extra{sheet}.xml"
        entries.append((name, *_deflate_repeated(SHEET_HEAD, max(n, 2), SHEET_TAIL, honest_crc)))
        repeats -= n
        sheet += 1
    return _zip(entries)


META = {
    "es": (
        "# País: {country}\n# Tipo de datos: entries_exits\n# Título: {title}\n"
        "# Fuente (institución): SYNTHETIC hardening test\n# Período de referencia (desde): 2000-01\n"
        "# Período de referencia (hasta): 2099-12\n# Definiciones utilizadas: SYNTHETIC\n"
        "# Cobertura: SYNTHETIC\n# Contacto (nombre y correo): nadie@example.org\n"
        "# Licencia o condiciones de uso: CC-BY-4.0\n"
    )
}
HEADER = ["Período", "Territorio", "Flujo", "Nacionalidad", "Valor"]
UNITS = [f"GT-{i:02d}" for i in range(1, 23)]


def nationalities() -> list[str]:
    """Every ISO3 country code of the gazetteer (partners for synthetic rows)."""
    import geodata

    gaz = geodata.gazetteer()
    return sorted(gaz.loc[gaz.level == "country", "geo_code"])


def synthetic_rows(rows: int, distinct_unknown: int = 0, cell: str | None = None) -> list[list[object]]:
    """``rows`` distinct SYNTHETIC entry/exit rows for Guatemala's departments (keys never repeat).

    ``distinct_unknown``: that many rows carry a different made-up nationality no gazetteer knows.
    ``cell``: the territory of the first row is replaced by this text (long cells).
    """
    partners = nationalities()
    out = []
    for i in range(rows):
        nat_i, rest = i % len(partners), i // len(partners)
        unit_i, rest = rest % len(UNITS), rest // len(UNITS)
        flow, month = ("ENTRY", "EXIT")[rest % 2], rest // 2
        period = f"{2000 + month // 12}-{month % 12 + 1:02d}"
        nat = f"Zq{i:07d}xv" if i < distinct_unknown else partners[nat_i]
        territory = cell if (cell is not None and i == 0) else UNITS[unit_i]
        out.append([period, territory, flow, nat, i % 97])
    return out


def build_csv_rows(
    rows: int,
    country: str = "GTM",
    distinct_unknown: int = 0,
    cell: str | None = None,
    title: str = "SYNTHETIC hardening test",
) -> bytes:
    """A SYNTHETIC entries/exits CSV (Spanish headers, UTF-8) of ``rows`` distinct data rows."""
    lines = [META["es"].format(country=country, title=title), ",".join(HEADER) + "\n"]
    lines += [",".join(map(str, r)) + "\n" for r in synthetic_rows(rows, distinct_unknown, cell)]
    return "".join(lines).encode("utf-8")
