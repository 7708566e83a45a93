"""Downloads of a cross-tabulation: CSV and XLSX, each opening with a header block.

The header block states the query (in words and as URL parameters), the sources with
their licences and attribution, the data version, the notes, the symbols, and, first
of all when it applies, that the data are SYNTHETIC. Suppressed cells appear as ``C``,
``R`` or ``D`` with their reason and never with their number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from etl.crosstab.catalogue import TOTAL
from etl.crosstab.engine import CrosstabResult
from etl.crosstab.messages import message
from etl.crosstab.pivot import OWN_FLAGS, build_long_table, build_pivot, result_statistics, statistic_title
from etl.crosstab.spec import query_string
from etl.textsafe import safe_row, write_xlsx_row


def describe_query(result: CrosstabResult, lang: str) -> list[tuple[str, str]]:
    """The query in words: measures and unit, rows, columns, filters, options."""
    spec, cat = result.spec, result.catalogue
    none = message("none", lang)
    filters = []
    for d, codes in spec.filters:
        names = ", ".join(_code_label(result, d, c, lang) for c in codes)
        filters.append(f"{cat.dimension_name(d, spec.measures, lang)} = {names}")
    opt = lambda value: message(f"opt_{value}", lang)  # noqa: E731
    options = message(
        "options_text",
        lang,
        granularity=opt(spec.granularity),
        area_level=opt(spec.area_level),
        totals=opt(spec.totals),
        shares=opt(spec.shares),
        per_capita=opt("yes" if spec.per_capita else "no"),
    )
    source = (
        cat.datasets[spec.source].title(lang) if spec.source in cat.datasets else message("source_observations", lang)
    )
    return [
        (message("header_source", lang), source),
        (message("header_measures", lang), "; ".join(cat.measures[m].name(lang) for m in spec.measures)),
        (message("header_unit", lang), cat.unit_name(result.unit, lang) if result.unit else none),
        (
            message("header_rows", lang),
            ", ".join(cat.dimension_name(d, spec.measures, lang) for d in spec.rows) or none,
        ),
        (
            message("header_cols", lang),
            ", ".join(cat.dimension_name(d, spec.measures, lang) for d in spec.cols) or none,
        ),
        (message("header_filters", lang), "; ".join(filters) or none),
        (message("header_options", lang), options),
    ]


def _code_label(result: CrosstabResult, dim: str, code: str, lang: str) -> str:
    if dim in result.labels and code in result.labels[dim]:
        return f"{result.label(dim, code, lang)} ({code})"
    return code


def build_legend(result: CrosstabResult, lang: str) -> list[str]:
    """The symbols and flags that occur in this table, each explained."""
    lines = [message("symbol_missing", lang)]
    if result.disclosure:
        lines += [
            message("symbol_primary", lang, threshold=result.disclosure.threshold),
            message("symbol_complement", lang, threshold=result.disclosure.threshold),
            message("symbol_secondary", lang),
        ]
    present = {f for text in result.tidy.get("flags", pd.Series(dtype=str)).fillna("") for f in str(text).split(",")}
    for flag in sorted(present - {""}):
        if flag in OWN_FLAGS:
            lines.append(message(f"flag_{flag}", lang))
        else:
            es, en = result.statuses.get(flag, (flag, flag))
            lines.append(f"{flag} {es if lang == 'es' else en}")
    return lines


def build_notes(result: CrosstabResult, lang: str) -> list[str]:
    """Notes on how to read the table: synthetic data, protection, skipped totals, population source."""
    notes = [message("synthetic_warning", lang)] if result.synthetic else []
    if result.disclosure:
        d = result.disclosure
        notes.append(
            message(
                "protection",
                lang,
                threshold=d.threshold,
                width=f"{d.min_interval_width:g}",
                primary=d.primary,
                complement=d.complement,
                secondary=d.secondary,
            )
        )
    notes += [message(n, lang) for n in result.notes]
    if result.population_datasets:
        notes.append(message("population_source", lang, datasets=", ".join(result.population_datasets)))
    return notes


def build_header_block(result: CrosstabResult, lang: str, data_version: str) -> list[tuple[str, str]]:
    """``(label, text)`` lines that open every download (and the page's "about this table")."""
    cat = result.catalogue
    datasets = [cat.datasets[d] for d in result.datasets if d in cat.datasets]
    sources = [
        f"{d.title(lang)} — {d.publisher} [{d.dataset_id}; v{d.version}; {d.retrieved}]".replace(" — []", "")
        for d in datasets
    ]
    licences = [
        f"{d.dataset_id}: {d.licence}"
        + (f" <{d.licence_url}>" if d.licence_url else "")
        + (f". {d.attribution}" if d.attribution else "")
        for d in datasets
    ]
    lines: list[tuple[str, str]] = [("Atlas PVIGM", message("header_title", lang))]
    if result.synthetic:
        lines.append(("SYNTHETIC", message("synthetic_warning", lang)))
    lines.append((message("header_query", lang), ""))
    lines += describe_query(result, lang)
    lines.append((message("header_link", lang), "?" + query_string(result.spec)))
    lines += [(message("header_sources", lang), s) for s in sources]
    lines += [(message("header_licences", lang), s) for s in licences]
    lines.append((message("header_version", lang), data_version))
    lines += [(message("header_notes", lang), n) for n in build_notes(result, lang)]
    lines += [(message("header_legend", lang), s) for s in build_legend(result, lang)]
    return lines


def build_csv(result: CrosstabResult, lang: str, data_version: str, header: bool = True) -> bytes:
    """The header block, then one pivoted table per statistic; UTF-8 with BOM (opens in Excel)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if header:
        for label, text in build_header_block(result, lang, data_version):
            writer.writerow(safe_row([label, text]))
    for i, stat in enumerate(result_statistics(result)):
        if header or i:
            writer.writerow([])
        writer.writerow(safe_row([message("header_statistic", lang), statistic_title(result, stat, lang)]))
        table = build_pivot(result, stat, lang, numeric=True)
        writer.writerow(safe_row(table.columns))
        for row in table.itertuples(index=False):
            writer.writerow(safe_row(_csv_cell(v, stat) for v in row))
    return buf.getvalue().encode("utf-8-sig")


FILE_DECIMALS = {"value": 6, "share": 2, "per_capita": 3}


def build_long_csv(result: CrosstabResult, lang: str, data_version: str, header: bool = True) -> bytes:
    """One row per cell (codes, labels, statistics, flags, suppression and reason), after the header block."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if header:
        for label, text in build_header_block(result, lang, data_version):
            writer.writerow(safe_row([label, text]))
        writer.writerow([])
    table = build_long_table(result, lang)
    writer.writerow(safe_row(table.columns))
    for row in table.itertuples(index=False):
        writer.writerow(
            safe_row("" if v is None or (isinstance(v, float) and v != v) else _csv_cell(v, "value") for v in row)
        )
    return buf.getvalue().encode("utf-8-sig")


def _csv_cell(value: object, stat: str) -> object:
    """Numbers as plain text: whole numbers without ``.0``, shares and rates rounded for reading."""
    if isinstance(value, float):
        value = round(value, FILE_DECIMALS[stat])
        return int(value) if value.is_integer() else value
    return value


def build_xlsx(result: CrosstabResult, lang: str, data_version: str) -> bytes:
    """A workbook: one sheet per statistic (header block + table), the long data, the sources."""
    wb = Workbook()
    wb.remove(wb.active)
    header = build_header_block(result, lang, data_version)
    for stat in result_statistics(result):
        title = message("sheet_table", lang) if stat == "value" else stat
        ws = wb.create_sheet(title[:31])
        _write_header(ws, header)
        ws.append([])
        write_xlsx_row(ws, [message("header_statistic", lang), statistic_title(result, stat, lang)])
        _write_frame(ws, build_pivot(result, stat, lang, numeric=True))
    ws = wb.create_sheet(message("sheet_data", lang))
    _write_header(ws, header)
    ws.append([])
    _write_frame(ws, build_long_table(result, lang))
    ws = wb.create_sheet(message("sheet_sources", lang))
    write_xlsx_row(ws, message("source_columns", lang).split("|"))
    for d in (result.catalogue.datasets[d] for d in result.datasets if d in result.catalogue.datasets):
        write_xlsx_row(
            ws,
            [
                d.dataset_id,
                d.title(lang),
                d.publisher,
                d.licence,
                d.licence_url,
                d.attribution,
                d.retrieved,
                d.version,
                d.confidential,
                d.synthetic,
            ],
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _write_header(ws, header: Sequence[tuple[str, str]]) -> None:
    for label, text in header:
        write_xlsx_row(ws, [label, text])
        ws.cell(ws.max_row, 1).font = Font(bold=True)


def _write_frame(ws, frame: pd.DataFrame) -> None:
    write_xlsx_row(ws, [str(c) for c in frame.columns])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        write_xlsx_row(ws, [None if v is None or (isinstance(v, float) and v != v) else v for v in row])


def file_stem(result: CrosstabResult) -> str:
    """A download's file name (without extension); SYNTHETIC data say so in the name."""
    base = "atlas_crosstab_" + "_".join(result.spec.measures[:2])
    return ("SYNTHETIC_" + base if result.synthetic else base).replace(TOTAL, "total")
