"""Reading uploaded files (encodings, separators, metadata block) and parsing cells into codes."""

from __future__ import annotations

import codecs
import datetime as dt

import pandas as pd
import pytest

from etl.submissions import parse
from etl.submissions.parse import Failure
from etl.submissions.reading import (
    cell_text,
    decode_bytes,
    identify_content,
    parse_metadata_line,
    show_undecoded,
    sniff_delimiter,
)
from etl.submissions.spec import load_spec

SPANISH = "Período;Territorio;Valor\n2024-01;Sololá;12\n2024-02;Quetzaltenango;5\n# niñez, año, región\n"


@pytest.mark.parametrize(
    "data,encoding",
    [
        (SPANISH.encode("utf-8"), "utf_8"),
        (codecs.BOM_UTF8 + SPANISH.encode("utf-8"), "utf_8"),
        (SPANISH.encode("utf-16"), "utf_16"),
        (SPANISH.encode("cp1252"), "cp1252"),
        ((SPANISH + "“comillas” – €\n").encode("cp1252"), "cp1252"),
        (SPANISH.encode("cp850"), "cp850"),
    ],
)
def test_decode_bytes_finds_the_encoding(data, encoding):
    decoded = decode_bytes(data)
    assert decoded.encoding == encoding and not decoded.mixed
    assert "Período" in decoded.text and "Sololá" in decoded.text


@pytest.mark.parametrize("encoding", ["utf_16_le", "utf_16_be"])
def test_utf16_without_a_byte_order_mark_is_read_as_text(encoding):
    data = SPANISH.encode(encoding)
    assert identify_content(data) == "text"
    decoded = decode_bytes(data)
    assert decoded.encoding == encoding and "Período" in decoded.text and "Sololá" in decoded.text


@pytest.mark.parametrize(
    "data,content",
    [
        (SPANISH.encode("utf-8"), "text"),
        (SPANISH.encode("cp850"), "text"),
        (SPANISH.encode("cp1252") + b"\x1a", "text"),  # DOS end-of-file mark
        (SPANISH.encode("utf-16"), "text"),
        (b"a;b\n1;2\n" + b"\x00" * 4, "binary"),  # NULs in a tiny file
        (bytes(range(256)) * 8, "binary"),
        (b"%PDF-1.4\n", "pdf"),
        (b"SQLite format 3\x00" + bytes(100), "sqlite"),
        (b"PAR1" + bytes(100), "parquet"),
        (b"\x1f\x8b\x08\x00", "gzip"),
        (b"PK\x03\x04 damaged", "zip"),
    ],
)
def test_identify_content(data, content):
    assert identify_content(data) == content


def test_latin1_is_the_last_resort_and_keeps_undefined_bytes_visible():
    decoded = decode_bytes("Sololá;\x81\n".encode("latin-1"))
    assert decoded.encoding in ("latin_1", "cp1252", "cp850")
    assert "Solol" in decoded.text


def test_a_mostly_utf8_file_with_a_stray_byte_is_mixed_and_shows_the_byte():
    data = "Período;Sololá\n".encode() + "México\n".encode("cp1252")
    decoded = decode_bytes(data)
    assert decoded.mixed and decoded.encoding == "utf_8"
    assert show_undecoded(decoded.text.splitlines()[1]) == "M[0xE9]xico"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_sniff_delimiter(delimiter):
    middle = "x, y" if delimiter != "," else "x"
    lines = [delimiter.join(["a", "b", "c"]) + "\n", delimiter.join(["1", middle, "3"]) + "\n"]
    assert sniff_delimiter(lines) == delimiter


def test_sniff_delimiter_refuses_a_single_column():
    assert sniff_delimiter(["just one column\n", "another line\n"]) is None


@pytest.mark.parametrize(
    "line,delimiter,expected",
    [
        ("# Fuente (institución): IGM\n", ",", ("Fuente (institución)", "IGM")),
        ("# Definiciones: personas, eventos\n", ",", ("Definiciones", "personas, eventos")),
        ('"# Definiciones: personas, eventos";;;\n', ";", ("Definiciones", "personas, eventos")),
        ("#Fuente;IGM;;\n", ";", ("Fuente", "IGM")),
        ("# Cobertura:\n", ",", ("Cobertura", "")),
    ],
)
def test_parse_metadata_line(line, delimiter, expected):
    assert parse_metadata_line(line, delimiter) == expected


@pytest.mark.parametrize(
    "value,text",
    [
        (None, ""),
        (12.0, "12"),
        (12.5, "12.5"),
        (2024, "2024"),
        (True, "TRUE"),
        (dt.datetime(2024, 3, 1), "2024-03-01"),
        (dt.datetime(2024, 3, 1, 10, 30), "2024-03-01 10:30:00"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2024", ("2024", "A", dt.date(2024, 1, 1), dt.date(2024, 12, 31))),
        ("2024-03", ("2024-03", "M", dt.date(2024, 3, 1), dt.date(2024, 3, 31))),
        ("2024/3", ("2024-03", "M", dt.date(2024, 3, 1), dt.date(2024, 3, 31))),
        ("03/2024", ("2024-03", "M", dt.date(2024, 3, 1), dt.date(2024, 3, 31))),
        ("2024-02", ("2024-02", "M", dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
        ("2024-Q2", ("2024-Q2", "Q", dt.date(2024, 4, 1), dt.date(2024, 6, 30))),
        ("2024-T4", ("2024-Q4", "Q", dt.date(2024, 10, 1), dt.date(2024, 12, 31))),
        ("2024-03-01", ("2024-03", "M", dt.date(2024, 3, 1), dt.date(2024, 3, 31))),
    ],
)
def test_parse_period(text, expected):
    p = parse.parse_period(text)
    assert (p.time_period, p.freq, p.start, p.end) == expected


@pytest.mark.parametrize("text", ["2024-13", "2024-00", "24", "2024-03-15", "marzo 2024", "1850", "", "2024-Q5"])
def test_parse_period_rejects(text):
    assert parse.parse_period(text) is None


@pytest.mark.parametrize(
    "text,expected",
    [
        ("GTM", "GTM"),
        ("GT-09", "GT-09"),
        ("09", "GT-09"),
        ("Quetzaltenango", "GT-09"),
        ("quezaltenango", "GT-09"),
        ("Sololá", "GT-07"),
        ("SOLOLA", "GT-07"),
    ],
)
def test_parse_territory(text, expected):
    assert parse.parse_territory(text, "GTM") == expected


@pytest.mark.parametrize(
    "text,code",
    [
        ("HND", "territory_other_country"),
        ("MX-CMX", "territory_other_country"),
        ("Tegucigalpa", "territory_unknown"),
        ("Guatemla", "territory_unknown"),
        ("_X", "territory_not_allowed"),
    ],
)
def test_parse_territory_failures(text, code):
    result = parse.parse_territory(text, "GTM")
    assert isinstance(result, Failure) and result.code == code


@pytest.mark.parametrize(
    "text,expected",
    [
        ("México", "MEX"),
        ("Estados Unidos", "USA"),
        ("united states", "USA"),
        ("_T", "_T"),
        ("Total", "_T"),
        ("Otros", "_X"),
        ("Apátrida", "XXA"),
        ("GTM", "GTM"),
    ],
)
def test_parse_counterpart(text, expected):
    assert parse.parse_counterpart(text) == expected


@pytest.mark.parametrize(
    "text,code",
    [("Mejico", "counterpart_unknown"), ("MX-CMX", "counterpart_not_country"), ("N/A", "counterpart_unknown")],
)
def test_parse_counterpart_failures(text, code):
    result = parse.parse_counterpart(text)
    assert isinstance(result, Failure) and result.code == code


def test_parse_categories_reads_codes_and_labels_in_both_languages():
    sexes = load_spec().categories["sex"]
    result = parse.parse_categories(
        pd.Index(["F", "mujeres", "Women", "H", "Hombres", "male", "Total", "_T", "Mixto"]), sexes
    )
    assert [result[v] for v in ["F", "mujeres", "Women", "H", "Hombres", "male", "Total", "_T"]] == [
        "F",
        "F",
        "F",
        "M",
        "M",
        "M",
        "_T",
        "_T",
    ]
    assert isinstance(result["Mixto"], Failure) and "F" in result["Mixto"].params["valid"]


def test_parse_counts():
    texts = pd.Series(["12", " 3 ", "", "n/d", "-5", "2,5", "1e3", "inf"], dtype="str")
    value, empty, not_numeric = parse.parse_counts(texts, decimal_comma=True)
    assert value.tolist()[:2] == [12.0, 3.0] and value[4] == -5 and value[5] == 2.5 and value[6] == 1000
    assert empty.tolist() == [False, False, True, False, False, False, False, False]
    assert not_numeric.tolist() == [False, False, False, True, False, False, False, True]
    value, _, not_numeric = parse.parse_counts(pd.Series(["2,5"], dtype="str"), decimal_comma=False)
    assert not_numeric.tolist() == [True]
