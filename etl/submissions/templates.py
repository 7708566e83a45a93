"""Submission templates: one per kind, CSV or XLSX, Spanish or English headers.

An XLSX template has four sheets: instructions, metadata (field / value / description), data
(headers only, cells formatted as text so Excel does not turn 2024-03 into a date; drop-down
lists of codes) and codes (every valid code, with names in both languages). A CSV template
carries the same metadata as ``# field: value`` lines and the instructions as ``##`` lines.
The same writers fill a template with rows, which is how the test fixtures are made.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

import geodata
from common.yamlfile import load_yaml
from etl.submissions.spec import Kind, Spec, load_spec
from etl.textsafe import safe_row, write_xlsx_row

TEXTS_FILE = Path(__file__).resolve().parent / "template_texts.yaml"
FORMATS = ("xlsx", "csv")
# Fixed document dates, so that a template's content does not depend on the day it was made.
DOC_DATE = dt.datetime(2026, 1, 1)


@functools.lru_cache(maxsize=1)
def texts() -> dict:
    return load_yaml(TEXTS_FILE)


def _t(key: str, lang: str, **values: object) -> str | list[str]:
    text = texts()[key][lang]
    return text.format(**values) if values and isinstance(text, str) else text


def limits_text(lang: str) -> str:
    """The limits of ``limits.yaml`` in words, as every template states them."""
    from etl.formatting import format_number
    from etl.submissions.limits import format_bytes, load_limits

    lim = load_limits()

    def number(n: int) -> str:
        return format_number(n, lang)

    return _t(
        "limits",
        lang,
        upload=format_bytes(lim.upload_bytes, lang),
        rows=number(lim.rows),
        columns=number(lim.columns),
        cell=number(lim.cell_characters),
        metadata=number(lim.metadata_characters),
    )


def template_filename(kind_id: str, lang: str, fmt: str, country: str | None = None) -> str:
    """``pvigm_<kind>_<lang>[_<country>].<fmt>``."""
    return f"pvigm_{kind_id}_{lang}{'_' + country if country else ''}.{fmt}"


def _check_args(kind_id: str, lang: str, fmt: str) -> Kind:
    spec = load_spec()
    if lang not in ("es", "en"):
        raise ValueError(f"lang must be 'es' or 'en', got {lang!r}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    return spec.kind(kind_id)


def metadata_values(kind: Kind, country: str | None, metadata: Mapping[str, str] | None) -> dict[str, str]:
    """Metadata field id -> value, with kind and country prefilled."""
    spec = load_spec()
    values = {fid: "" for fid in spec.metadata}
    values.update({"kind": kind.id, "country": country or ""})
    values.update({k: v for k, v in (metadata or {}).items() if k in values})
    return values


def build_template(
    kind_id: str,
    lang: str,
    fmt: str,
    country: str | None = None,
    metadata: Mapping[str, str] | None = None,
    rows: pd.DataFrame | None = None,
    bom: bool = True,
    delimiter: str = ",",
    newline: str = "\n",
) -> bytes:
    """The bytes of a template (``rows``: one column per kind column id, written as given).

    ``bom``, ``delimiter`` and ``newline`` shape a CSV (the defaults open cleanly in Excel).
    """
    kind = _check_args(kind_id, lang, fmt)
    meta = metadata_values(kind, country, metadata)
    if rows is not None:
        unknown = set(rows.columns) - {c.id for c in kind.columns}
        if unknown:
            raise ValueError(f"rows have columns that kind {kind.id!r} does not: {sorted(unknown)}")
    if fmt == "csv":
        return build_csv(kind, lang, meta, rows, bom, delimiter, newline)
    return build_xlsx(kind, lang, meta, rows, country)


def write_template(kind_id: str, lang: str, fmt: str, out: str | Path, country: str | None = None) -> Path:
    """Write an empty template to ``out`` (a file, or a directory for the default file name)."""
    out = Path(out)
    if out.is_dir():
        out = out / template_filename(kind_id, lang, fmt, country)
    out.write_bytes(build_template(kind_id, lang, fmt, country))
    return out


# --- CSV ------------------------------------------------------------------------------------------


def build_csv(
    kind: Kind,
    lang: str,
    meta: Mapping[str, str],
    rows: pd.DataFrame | None,
    bom: bool,
    delimiter: str = ",",
    newline: str = "\n",
) -> bytes:
    """A CSV template: ``##`` instructions, ``# field: value`` metadata, headers, rows."""
    spec = load_spec()
    buf = io.StringIO()
    lines = [
        f"## {_t('heading', lang, title=kind.title(lang))}",
        f"## {_t('csv_note', lang)}",
        *(f"## {step}" for step in _t("steps", lang)),
        f"## {limits_text(lang)}",
        *(f"## {col.header(lang)}: {col.help(lang)}" for col in kind.columns),
        *(f"# {field.label(lang)}: {' '.join(str(meta.get(fid, '')).split())}" for fid, field in spec.metadata.items()),
    ]
    buf.write(newline.join(lines) + newline)
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    columns = list(rows.columns) if rows is not None else [c.id for c in kind.columns]
    writer.writerow(safe_row(kind.column(cid).header(lang) for cid in columns))
    if rows is not None:
        writer.writerows(safe_row(r) for r in rows.itertuples(index=False, name=None))
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")


# --- XLSX -----------------------------------------------------------------------------------------


def build_xlsx(kind: Kind, lang: str, meta: Mapping[str, str], rows: pd.DataFrame | None, country: str | None) -> bytes:
    from openpyxl import Workbook

    spec = load_spec()
    wb = Workbook()
    wb.properties.creator = "Atlas PVIGM"
    wb.properties.created = wb.properties.modified = DOC_DATE
    _instructions_sheet(wb.active, kind, lang)
    _metadata_sheet(wb.create_sheet(_t("sheet_metadata", lang)), spec, lang, meta)
    _data_sheet(wb.create_sheet(_t("sheet_data", lang)), kind, spec, lang, rows)
    _codes_sheet(wb.create_sheet(_t("sheet_codes", lang)), kind, spec, lang, country)
    wb.active = 2
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _bold_row(ws, row: int) -> None:
    from openpyxl.styles import Font

    for cell in ws[row]:
        cell.font = Font(bold=True)


def _instructions_sheet(ws, kind: Kind, lang: str) -> None:
    ws.title = _t("sheet_instructions", lang)
    ws.append([_t("heading", lang, title=kind.title(lang))])
    _bold_row(ws, 1)
    ws.append([kind.description(lang)])
    ws.append([])
    for step in _t("steps", lang):
        ws.append([step])
    ws.append([limits_text(lang)])
    ws.append([])
    ws.append([_t("columns_heading", lang)])
    ws.append([_t("col_header", lang), _t("col_required", lang), _t("col_help", lang)])
    _bold_row(ws, ws.max_row)
    for col in kind.columns:
        required = _t("required_yes", lang) if col.required else _t("no_default", lang, default=col.default)
        ws.append([col.header(lang), required, col.help(lang)])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 110


def _metadata_sheet(ws, spec: Spec, lang: str, meta: Mapping[str, str]) -> None:
    ws.append([_t("meta_field", lang), _t("meta_value", lang), _t("meta_help", lang)])
    _bold_row(ws, 1)
    for fid, field in spec.metadata.items():
        write_xlsx_row(ws, [field.label(lang), meta.get(fid, ""), field.help(lang)])
        ws.cell(ws.max_row, 2).number_format = "@"
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 80


def _data_sheet(ws, kind: Kind, spec: Spec, lang: str, rows: pd.DataFrame | None) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = list(rows.columns) if rows is not None else [c.id for c in kind.columns]
    write_xlsx_row(ws, [kind.column(cid).header(lang) for cid in columns])
    _bold_row(ws, 1)
    ws.freeze_panes = "A2"
    if rows is not None:
        for record in rows.itertuples(index=False, name=None):
            write_xlsx_row(
                ws, [None if v is None or (isinstance(v, float) and pd.isna(v)) or v == "" else v for v in record]
            )
    last = max(ws.max_row, 1000)
    for i, cid in enumerate(columns, start=1):
        col = kind.column(cid)
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(14, len(col.header(lang)) + 4)
        if col.type != "count":  # text, so that Excel keeps 2024-03 as typed (cells written here are text already)
            ws.column_dimensions[letter].number_format = "@"
        codes = _dropdown_codes(col, spec)
        if codes:
            dv = DataValidation(type="list", formula1=f'"{",".join(codes)}"', allow_blank=True, showErrorMessage=False)
            dv.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(dv)


def _dropdown_codes(col, spec: Spec) -> list[str]:
    if col.type == "category":
        return list(spec.categories[col.categories])
    if col.type == "status":
        return list(spec.statuses)
    return []


def _codes_sheet(ws, kind: Kind, spec: Spec, lang: str, country: str | None) -> None:
    ws.append([_t("codes_list", lang), _t("codes_code", lang), _t("codes_label_es", lang), _t("codes_label_en", lang)])
    _bold_row(ws, 1)
    for col in kind.columns:
        if col.type == "category":
            for cat in spec.categories[col.categories].values():
                ws.append([col.header(lang), cat.code, cat.label.es, cat.label.en])
    for cat in spec.statuses.values():
        ws.append([_t("codes_status", lang), cat.code, cat.label.es, cat.label.en])
    for code, es, en in territory_codes(country):
        ws.append([_t("codes_territories", lang), code, es, en])
    for code, es, en in country_codes():
        ws.append([_t("codes_countries", lang), code, es, en])
    for letter, width in zip("ABCD", (44, 12, 40, 40)):
        ws.column_dimensions[letter].width = width


def territory_codes(country: str | None) -> list[tuple[str, str, str]]:
    """The country and its admin-1 units (current ones), or those of every network country."""
    gaz = geodata.gazetteer()
    countries = [country] if country else list(geodata.network_countries())
    out = []
    for c in countries:
        units = gaz[(gaz.parent_code == c) & (gaz.status == "current")]
        out.append((c, geodata.name(c, "es"), geodata.name(c, "en")))
        out.extend(zip(units.geo_code, units.name_es, units.name_en))
    return out


def country_codes() -> list[tuple[str, str, str]]:
    """Every country (ISO3) and the special partner codes, sorted by code."""
    gaz = geodata.gazetteer()
    rows = gaz[gaz.level.isin(["country", "special"])].sort_values("geo_code")
    return [("_T", "Total", "Total"), *zip(rows.geo_code, rows.name_es, rows.name_en)]
