"""Validate a focal-point submission: read it whole, check it whole, report every problem.

``validate_submission`` runs the stages in a fixed order, each adding typed problems to one
``Report`` (frictionless-style) instead of stopping at the first:

1. read the file (encoding, separator, sheets, metadata block) — ``reading.py``;
2. metadata: required fields, the submitter's country, the reference period, the kind;
3. headers: Spanish or English, any case or accents, aliases; unknown and missing columns;
4. cells: periods, territories (through ``geodata.resolve``, with the nearest valid ones),
   partner countries, categories, statuses, counts; invisible characters and mixed encodings;
5. rows (pandera): negative, fractional or missing counts, status M with a figure, duplicate keys;
6. across rows: periods outside the reference period, totals against their parts.

Only stage 1 and an unusable header row stop the run early, because nothing after them
could point at the right cells.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from rapidfuzz import fuzz, process

import geodata
from etl.submissions import parse
from etl.submissions.limits import Limits, check_upload, load_limits, number_text
from etl.submissions.parse import Failure, FuzzyBudget, Period
from etl.submissions.plausibility import check_plausibility
from etl.submissions.reading import UNDECODED, RawTable, read_table, show_undecoded
from etl.submissions.report import MAX_PER_CHECK, InputError, Problem, Report
from etl.submissions.sdmx_csv import adapt_sdmx_csv
from etl.submissions.spec import TOTAL, Kind, Spec, header_lookup, kind_lookup, load_spec, metadata_lookup
from etl.textsafe import character_name, find_unsafe_characters
from geodata import UnknownTerritoryError, normalise

# Counts are exact: parts must add up to their total with no difference at all.
TOTALS_TOLERANCE = 0.0
VALUE = "value"
STATUS = "obs_status"
# The stages ``validate_submission`` reports to its ``progress`` callback, in order.
STAGES = ("limits", "read", "metadata", "headers", "cells", "rows", "totals", "done")


@dataclass
class Validation:
    """The outcome of validating one file: the report, and the rows read (codes, not texts)."""

    report: Report
    kind: Kind | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    rows: pd.DataFrame | None = None  # one column per kind column id + value/obs_status/time_*; index = file row
    source_sha256: str | None = None  # checksum of the bytes validated (an ingest checks it is the file it stores)

    @property
    def valid(self) -> bool:
        return self.report.valid and self.kind is not None and self.rows is not None


def validate_file(
    path: str | Path, country: str, kind: str | None = None, tolerance: float = TOTALS_TOLERANCE
) -> Validation:
    """``validate_submission`` on a file on disk."""
    path = Path(path)
    return validate_submission(path.read_bytes(), path.name, country, kind, tolerance)


def _no_progress(stage: str) -> None:
    return None


def validate_submission(
    data: bytes,
    filename: str,
    country: str,
    kind: str | None = None,
    tolerance: float = TOTALS_TOLERANCE,
    limits: Limits | None = None,
    progress: Callable[[str], None] = _no_progress,
) -> Validation:
    """Every problem in one uploaded file, for a submitter of ``country`` (ISO3).

    ``kind`` forces the template (else it comes from the metadata, or the headers).
    ``tolerance`` is the largest difference allowed between a total and the sum of its parts.
    ``limits`` (default ``limits.yaml``) are checked on the bytes before anything is parsed; a file
    over one gets a report with that one problem. ``progress(stage)`` is called as each of ``STAGES`` starts.
    Raises ``ValueError`` only for a caller mistake (``country`` is not a country code).
    This runs in the calling process: a web server calls ``worker.validate_isolated`` instead.
    """
    country = check_country_code(country)
    limits = limits or load_limits()
    spec = load_spec()
    report = Report(file=filename, country=country)
    progress("limits")
    over = check_upload(data, filename, limits)
    if over:
        report.extend(over)
        return Validation(report)
    progress("read")
    try:
        raw = read_table(data, filename, report)
    except csv.Error as err:  # a quoted cell spanning lines past the csv module's field limit
        found = number_text(csv.field_size_limit())
        report.add(
            Problem(
                "limit_cell_characters",
                params={"found": {k: "> " + v for k, v in found.items()}, "limit": number_text(limits.cell_characters)},
                value=str(err)[:120],
            )
        )
        return Validation(report)
    if raw is None:
        return Validation(report)
    raw = adapt_sdmx_csv(raw, spec, kind_lookup(spec).get(normalise(kind)) if kind else None)  # SDMX-CSV: as a template
    report.sheet = raw.sheet
    if not check_table_size(raw, limits, report):
        return Validation(report)
    progress("metadata")
    meta = read_metadata(raw, spec, report, limits)
    chosen = determine_kind(meta, raw, kind, spec, report)
    if chosen is None:
        return Validation(report, metadata=_meta_values(meta))
    report.kind = chosen.id
    reference = check_metadata(meta, raw, spec, country, report)
    progress("headers")
    positions = map_headers(raw, chosen, report)
    if positions is None:
        return Validation(report, chosen, _meta_values(meta))
    report.rows = len(raw.cells)
    if raw.cells.empty:
        report.add(Problem("no_rows", sheet=raw.sheet, row=raw.header_row + 1))
        return Validation(report, chosen, _meta_values(meta))
    headers_sound = not any(p.code.startswith("header_") for p in report.errors)
    progress("cells")
    rows = parse_rows(raw, chosen, positions, country, spec, report, limits.fuzzy_unknown_values)
    headers = {cid: raw.headers[pos] for cid, pos in positions.items()}
    # With an unknown or repeated header, an optional key column may be missing only by mistake:
    # comparing rows (duplicates, totals) would then report false problems, so it waits for the fix.
    progress("rows")
    check_rows(rows, chosen, headers, raw.sheet, report, compare_keys=headers_sound)
    if VALUE in rows and "value" in positions:
        check_plausibility(
            rows[VALUE],
            chosen.id,
            country,
            headers.get(VALUE),
            raw.sheet,
            report,
            texts=raw.cells[positions["value"]].str.strip(),
        )
    if reference is not None:
        check_reference_period(rows, reference, headers.get("period"), raw.sheet, report)
    progress("totals")
    if headers_sound:
        check_totals(rows, chosen, country, tolerance, headers, raw.sheet, report)
    progress("done")
    return Validation(report, chosen, _meta_values(meta), rows, hashlib.sha256(data).hexdigest())


def check_table_size(raw: RawTable, limits: Limits, report: Report) -> bool:
    """Columns, header and cell lengths of the table as read; ``False`` (reported) when over a limit.

    A cell of 131,072 characters would otherwise reach the fuzzy matcher (quadratic in its length)
    or the csv module's own field limit; each over-long cell is reported with its row and column.
    """
    if len(raw.headers) > limits.columns:
        report.add(
            Problem(
                "limit_columns",
                sheet=raw.sheet,
                row=raw.header_row,
                params={"found": number_text(len(raw.headers)), "limit": number_text(limits.columns)},
            )
        )
        return False
    ok = True
    cap = limits.cell_characters
    for pos, header in enumerate(raw.headers):
        if len(header) > cap:
            report.add(
                Problem(
                    "limit_cell_characters",
                    sheet=raw.sheet,
                    row=raw.header_row,
                    column=f"#{pos + 1}",
                    value=header[:80] + "…",
                    params={"found": number_text(len(header)), "limit": number_text(cap)},
                )
            )
            ok = False
    for pos in raw.cells.columns:
        lengths = raw.cells[pos].str.len()
        over = lengths[lengths > cap]
        if over.empty:
            continue
        ok = False
        texts = raw.cells[pos][over.index]
        column = raw.headers[pos][:80] if pos < len(raw.headers) else f"#{pos + 1}"
        _add_cells(
            report,
            "limit_cell_characters",
            over.index,
            [t[:80] + "…" for t in texts],
            column,
            raw.sheet,
            lambda r, _v, n=lengths: {"found": number_text(int(n[r])), "limit": number_text(cap)},
        )
    return ok


def check_country_code(country: str) -> str:
    """The ISO3 code of the submitter's country; ``InputError`` (a ``ValueError``) naming the closest if unknown."""
    try:
        return geodata.resolve(country, level="country")
    except UnknownTerritoryError as err:
        closest = {
            "es": ", ".join(f"{c} ({es})" for c, es, _ in err.suggestions) or "—",
            "en": ", ".join(f"{c} ({en})" for c, _, en in err.suggestions) or "—",
        }
        raise InputError("country_code_invalid", country=country, closest=closest) from None


# --- metadata -------------------------------------------------------------------------------------


def read_metadata(
    raw: RawTable, spec: Spec, report: Report, limits: Limits | None = None
) -> dict[str, tuple[str, int]]:
    """Metadata field id -> (value, row); unknown labels are reported and ignored.

    The label as written in the file is kept under ``"<field>:label"`` for the report. A value
    over ``limits.metadata_characters`` or holding a control or bidirectional-override character
    (which hides or reorders what the public reads) is an error, and the value is not kept.
    """
    cap = (limits or load_limits()).metadata_characters
    lookup = metadata_lookup(spec)
    valid = {
        "es": ", ".join(f.label.es for f in spec.metadata.values()),
        "en": ", ".join(f.label.en for f in spec.metadata.values()),
    }
    out: dict[str, tuple[str, int]] = {}
    for label, value, row in raw.metadata:
        if len(label) > cap or len(value) > cap:
            longest = max(len(label), len(value))
            report.add(
                Problem(
                    "limit_metadata_characters",
                    "error",
                    raw.metadata_sheet,
                    row,
                    label[:80],
                    (value if len(value) > cap else label)[:80] + "…",
                    {"found": number_text(longest), "limit": number_text(cap)},
                )
            )
            continue
        unsafe = [ch for ch in find_unsafe_characters(label + value) if not UNDECODED.match(ch)]
        if unsafe:
            report.add(
                Problem(
                    "metadata_unsafe_character",
                    "error",
                    raw.metadata_sheet,
                    row,
                    label,
                    "".join(f"[{character_name(ch)}]" if ch in unsafe else ch for ch in value)[:200],
                    {"character": ", ".join(character_name(ch) for ch in unsafe)},
                )
            )
            continue
        fid = lookup.get(normalise(label))
        if fid is None:
            report.add(
                Problem("metadata_unknown_field", "warning", raw.metadata_sheet, row, label, label, {"valid": valid})
            )
            continue
        if UNDECODED.search(value):
            report.add(Problem("encoding_mixed", "error", raw.metadata_sheet, row, label, show_undecoded(value)))
        if value or fid not in out:
            out[fid] = (value, row)
            out[f"{fid}:label"] = (label, row)
    return out


def _meta_values(meta: dict[str, tuple[str, int]]) -> dict[str, str]:
    return {k: v for k, (v, _row) in sorted(meta.items()) if ":" not in k}


def determine_kind(
    meta: dict[str, tuple[str, int]], raw: RawTable, requested: str | None, spec: Spec, report: Report
) -> Kind | None:
    """The kind to validate against: requested, else the metadata's, else guessed from the headers."""
    kinds = kind_lookup(spec)
    valid = {lang: ", ".join(f"{k.id} ({k.title(lang)})" for k in spec.kinds.values()) for lang in ("es", "en")}
    declared_text, declared_row = meta.get("kind", ("", None))
    declared = kinds.get(normalise(declared_text)) if declared_text else None
    if declared_text and declared is None:
        report.add(
            Problem(
                "kind_unknown",
                "error",
                raw.metadata_sheet,
                declared_row,
                _label(spec, "kind", meta),
                declared_text,
                {"valid": valid},
            )
        )
    if requested is not None:
        requested_id = kinds.get(normalise(requested))
        if requested_id is None:
            raise ValueError(f"unknown kind {requested!r}; valid kinds: {sorted(spec.kinds)}")
        if declared is not None and declared != requested_id:
            report.add(
                Problem(
                    "kind_mismatch",
                    "error",
                    raw.metadata_sheet,
                    declared_row,
                    _label(spec, "kind", meta),
                    declared_text,
                    {"expected": requested_id},
                )
            )
        return spec.kinds[requested_id]
    if declared is not None:
        return spec.kinds[declared]
    guessed = guess_kind(raw.headers, spec)
    if guessed is None:
        report.add(Problem("kind_undetermined", sheet=raw.sheet, row=raw.header_row))
        return None
    report.add(Problem("kind_inferred", "info", params={"kind": guessed.id}))
    return guessed


def guess_kind(headers: list[str], spec: Spec) -> Kind | None:
    """The one kind whose required columns are all among ``headers`` and that matches most of them."""
    scores = []
    for kind in spec.kinds.values():
        lookup = header_lookup(kind)
        found = {lookup.get(normalise(h)) for h in headers} - {None}
        required = {c.id for c in kind.columns if c.required}
        if required <= found:
            scores.append((len(found) - sum(1 for h in headers if h.strip() and normalise(h) not in lookup), kind.id))
    scores.sort(reverse=True)
    if not scores or (len(scores) > 1 and scores[0][0] == scores[1][0]):
        return None
    return spec.kinds[scores[0][1]]


def _label(spec: Spec, fid: str, meta: dict[str, tuple[str, int]] | None = None) -> str:
    """The metadata field as the file writes it, else its names in both languages."""
    if meta and f"{fid}:label" in meta:
        return meta[f"{fid}:label"][0]
    f = spec.metadata[fid]
    return f"{f.label.es} / {f.label.en}"


def check_metadata(
    meta: dict[str, tuple[str, int]], raw: RawTable, spec: Spec, country: str, report: Report
) -> tuple[Period, Period] | None:
    """Required fields, the declared country, and the reference period (returned when valid)."""
    sheet = raw.metadata_sheet
    for f in spec.metadata.values():
        value, row = meta.get(f.id, ("", None))
        if f.required and not value:
            report.add(
                Problem(
                    "metadata_missing",
                    "error",
                    sheet,
                    row,
                    _label(spec, f.id, meta),
                    value or None,
                    {"field": {"es": f.label.es, "en": f.label.en}, "help": {"es": f.help.es, "en": f.help.en}},
                )
            )
    if not meta.get("licence", ("", None))[0]:
        report.add(
            Problem(
                "licence_not_stated",
                "warning",
                sheet,
                meta.get("licence", ("", None))[1],
                _label(spec, "licence", meta),
            )
        )
    check_declared_country(meta, sheet, spec, country, report)
    return check_reference_period_metadata(meta, sheet, spec, report)


def check_declared_country(
    meta: dict[str, tuple[str, int]], sheet: str | None, spec: Spec, country: str, report: Report
) -> None:
    """The metadata's country must be the submitter's own."""
    text, row = meta.get("country", ("", None))
    if not text:
        return
    label = _label(spec, "country", meta)
    try:
        declared = geodata.resolve(text, level="country")
    except UnknownTerritoryError as err:
        report.add(
            Problem(
                "territory_unknown",
                "error",
                sheet,
                row,
                label,
                text,
                {"suggestions": parse._suggestion_text(err.suggestions), "country": country},
            )
        )
        return
    if declared != country:
        report.add(
            Problem(
                "country_mismatch",
                "error",
                sheet,
                row,
                label,
                text,
                {"found": parse._both_names(declared), "expected": parse._both_names(country)},
            )
        )


def check_reference_period_metadata(
    meta: dict[str, tuple[str, int]], sheet: str | None, spec: Spec, report: Report
) -> tuple[Period, Period] | None:
    """The declared reference period as two periods, or ``None`` (reported) when unusable."""
    start_text, start_row = meta.get("period_start", ("", None))
    end_text, end_row = meta.get("period_end", ("", None))
    if not start_text or not end_text:
        return None  # already reported as missing metadata
    start, end = parse.parse_period(start_text), parse.parse_period(end_text)
    for text, row, period, fid in (
        (start_text, start_row, start, "period_start"),
        (end_text, end_row, end, "period_end"),
    ):
        if period is None:
            report.add(
                Problem(
                    "reference_period_invalid",
                    "error",
                    sheet,
                    row,
                    _label(spec, fid, meta),
                    text,
                    {"detail": {"es": f"«{text}» no es un período", "en": f"'{text}' is not a period"}},
                )
            )
    if start is None or end is None:
        return None
    if start.start > end.end:
        report.add(
            Problem(
                "reference_period_invalid",
                "error",
                sheet,
                end_row,
                _label(spec, "period_end", meta),
                end_text,
                {
                    "detail": {
                        "es": f"empieza ({start_text}) después de terminar ({end_text})",
                        "en": f"it starts ({start_text}) after it ends ({end_text})",
                    }
                },
            )
        )
        return None
    return start, end


# --- headers ----------------------------------------------------------------------------------------


def map_headers(raw: RawTable, kind: Kind, report: Report) -> dict[str, int] | None:
    """Column id -> position in the file; ``None`` when a required column is missing."""
    lookup = header_lookup(kind)
    expected = {lang: ", ".join(c.header(lang) for c in kind.columns) for lang in ("es", "en")}
    choices = sorted(lookup)
    positions: dict[str, int] = {}
    for pos, header in enumerate(raw.headers):
        if not header.strip():
            if raw.cells[pos].str.strip().ne("").any():
                report.add(Problem("header_empty", "error", raw.sheet, raw.header_row, f"#{pos + 1}"))
            continue
        cid = lookup.get(normalise(header))
        if cid is None:
            near = process.extract(normalise(header), choices, scorer=fuzz.WRatio, limit=8)
            names = list(
                dict.fromkeys(
                    kind.column(lookup[k]).header.es + " / " + kind.column(lookup[k]).header.en for k, _s, _i in near
                )
            )[:3]
            report.add(
                Problem(
                    "header_unknown",
                    "error",
                    raw.sheet,
                    raw.header_row,
                    header,
                    header,
                    {"suggestions": ", ".join(names), "kind": kind.id, "expected": expected},
                )
            )
            continue
        if cid in positions:
            report.add(
                Problem(
                    "header_duplicate",
                    "error",
                    raw.sheet,
                    raw.header_row,
                    header,
                    header,
                    {"other": raw.headers[positions[cid]]},
                )
            )
            continue
        positions[cid] = pos
    missing = [c for c in kind.columns if c.required and c.id not in positions]
    for col in missing:
        report.add(
            Problem(
                "header_missing",
                "error",
                raw.sheet,
                raw.header_row,
                None,
                None,
                {
                    "expected": {"es": col.header.es, "en": col.header.en},
                    "help": {"es": col.help.es, "en": col.help.en},
                },
            )
        )
    return None if missing else positions


# --- cells --------------------------------------------------------------------------------------


def _add_cells(
    report: Report,
    code: str,
    rows: Iterable[int],
    values: Iterable[str],
    column: str | None,
    sheet: str | None,
    params: Callable[[int, str], dict] | dict | None = None,
    severity: str = "error",
) -> None:
    """Problems for many cells at once; only the first ``MAX_PER_CHECK`` are built, the rest counted.

    ``params`` is a dict shared by every problem, or a function of (row, value) giving each one's.
    """
    rows, values = list(rows), list(values)
    room = max(MAX_PER_CHECK - report.listed[code], 0)
    for row, value in zip(rows[:room], values[:room]):
        p = params(row, value) if callable(params) else (params or {})
        report.add(Problem(code, severity, sheet, int(row), column, value, p))
    if len(rows) > room:
        report.omitted[code] += len(rows) - room


def _apply(
    texts: pd.Series,
    results: dict[str, object],
    header: str,
    sheet: str | None,
    report: Report,
    flagged: frozenset[str] = frozenset(),
) -> pd.Series:
    """Map distinct-value results onto the rows: codes where read, problems where not, NaN there.

    Values in ``flagged`` (already reported for a bad character) are not reported twice.
    """
    failures = {v: r for v, r in results.items() if isinstance(r, Failure) and v not in flagged}
    if failures:
        bad = texts[texts.isin(list(failures))]
        for code in sorted({f.code for f in failures.values()}):
            of_code = bad[bad.isin([v for v, f in failures.items() if f.code == code])]
            _add_cells(report, code, of_code.index, of_code.values, header, sheet, lambda _r, v: failures[v].params)
    return texts.map({v: r for v, r in results.items() if not isinstance(r, Failure)})


def check_characters(texts: pd.Series, header: str, sheet: str | None, report: Report) -> frozenset[str]:
    """Invisible control characters, and bytes a mixed encoding left undecoded, with row and column.

    Returns the distinct values that were reported.
    """
    uniques = pd.Series(texts.unique(), dtype="str")
    found = parse.find_control_characters(uniques)
    found = dict(zip(uniques[found.notna()], found[found.notna()]))
    if not found:
        return frozenset()
    hit = texts[texts.isin(list(found))]
    mixed = hit[hit.map(lambda v: bool(UNDECODED.match(found[v])))]
    other = hit.drop(mixed.index)
    _add_cells(report, "encoding_mixed", mixed.index, [show_undecoded(v) for v in mixed.values], header, sheet)
    _add_cells(
        report,
        "bad_character",
        other.index,
        other.values,
        header,
        sheet,
        lambda _r, v: {"character": f"U+{ord(found[v]):04X}"},
    )
    return frozenset(found)


def parse_rows(
    raw: RawTable,
    kind: Kind,
    positions: dict[str, int],
    country: str,
    spec: Spec,
    report: Report,
    fuzzy_limit: int | None = None,
) -> pd.DataFrame:
    """The rows as codes: one column per kind column, plus value, obs_status and the period's dates.

    An optional column the file lacks takes its default on every row, and the report says so
    (``column_default_applied``, a warning naming the column and the default). Past ``fuzzy_limit``
    distinct unknown values in one column, the nearest valid ones are no longer searched
    (``fuzzy_limit_reached``).
    """
    out = pd.DataFrame(index=raw.cells.index)
    for col in kind.columns:
        if col.id not in positions:
            out[STATUS if col.type == "status" else col.id] = col.default
            if not col.required:
                report.add(
                    Problem(
                        "column_default_applied",
                        "warning",
                        raw.sheet,
                        raw.header_row,
                        params={
                            "expected": {"es": col.header.es, "en": col.header.en},
                            "default": col.default,
                            "help": {"es": col.help.es, "en": col.help.en},
                        },
                    )
                )
            continue
        header = raw.headers[positions[col.id]]
        texts = raw.cells[positions[col.id]].str.strip()
        flagged = check_characters(texts, header, raw.sheet, report)
        if col.type == "count":
            out[VALUE], out["_value_empty"] = parse_value_column(texts, header, raw, report)
            continue
        if col.type == "status":
            out[STATUS] = _apply(
                texts, parse.parse_statuses(pd.Index(texts.unique()), spec.statuses), header, raw.sheet, report, flagged
            )
            continue
        empty = texts.eq("")
        _add_cells(
            report,
            "cell_empty",
            texts.index[empty],
            [""] * int(empty.sum()),
            header,
            raw.sheet,
            {"help": {"es": col.help.es, "en": col.help.en}},
        )
        texts = texts[~empty]
        uniques = pd.Index(texts.unique())
        budget = FuzzyBudget(fuzzy_limit)
        out[col.id] = parse_column(
            col.type, col.categories, uniques, texts, country, spec, header, raw, report, flagged, budget
        )
        if budget.exhausted:
            report.add(
                Problem(
                    "fuzzy_limit_reached",
                    "warning",
                    raw.sheet,
                    raw.header_row,
                    header,
                    None,
                    {"found": number_text(budget.unknown), "limit": number_text(budget.limit)},
                )
            )
        if col.type == "period":
            out = _add_period_dates(out, texts, uniques)
    return out


def parse_column(
    ctype: str,
    categories: str | None,
    uniques: pd.Index,
    texts: pd.Series,
    country: str,
    spec: Spec,
    header: str,
    raw: RawTable,
    report: Report,
    flagged: frozenset[str] = frozenset(),
    budget: FuzzyBudget | None = None,
) -> pd.Series:
    """Codes for one non-empty key column, by its type."""
    if ctype == "period":
        results = {v: (p.time_period if isinstance(p, Period) else p) for v, p in parse.parse_periods(uniques).items()}
    elif ctype == "territory":
        results = parse.parse_territories(uniques, country, budget)
        read_as_unit = [
            v for v, r in results.items() if isinstance(r, str) and parse.is_country_name_read_as_unit(v, r, country)
        ]
        warn = texts[texts.isin(read_as_unit)]
        _add_cells(
            report,
            "territory_read_as_unit",
            warn.index,
            warn.values,
            header,
            raw.sheet,
            lambda _r, v: {"code": results[v], "name": geodata.name(results[v], "es"), "country": country},
            severity="warning",
        )
    elif ctype == "counterpart":
        results = parse.parse_counterparts(uniques, budget)
    else:
        results = parse.parse_categories(uniques, spec.categories[categories], budget=budget)
    return _apply(texts, results, header, raw.sheet, report, flagged)


def _add_period_dates(out: pd.DataFrame, texts: pd.Series, uniques: pd.Index) -> pd.DataFrame:
    periods = {v: p for v, p in parse.parse_periods(uniques).items() if isinstance(p, Period)}
    out["freq"] = texts.map({v: p.freq for v, p in periods.items()})
    out["time_start"] = texts.map({v: pd.Timestamp(p.start) for v, p in periods.items()})
    out["time_end"] = texts.map({v: pd.Timestamp(p.end) for v, p in periods.items()})
    return out


def parse_value_column(texts: pd.Series, header: str, raw: RawTable, report: Report) -> tuple[pd.Series, pd.Series]:
    """Counts as floats and which cells were empty; text that is not a number is reported here."""
    value, empty, not_numeric = parse.parse_counts(texts, decimal_comma=raw.delimiter not in (",", None))
    bad = texts[not_numeric]
    _add_cells(report, "value_not_numeric", bad.index, bad.values, header, raw.sheet)
    return value, empty


# --- rows (pandera) -------------------------------------------------------------------------------


def build_row_schema(key_columns: tuple[str, ...], compare_keys: bool = True) -> pa.DataFrameSchema:
    """Row checks on the parsed frame, each named after its report code."""
    duplicates = [pa.Check(lambda df: ~duplicated_keys(df, key_columns), name="duplicate_key")] if compare_keys else []
    return pa.DataFrameSchema(
        columns={
            VALUE: pa.Column(
                float,
                nullable=True,
                checks=[
                    pa.Check(lambda s: s >= 0, name="value_negative", ignore_na=True),
                    pa.Check(lambda s: s % 1 == 0, name="value_fractional", ignore_na=True),
                ],
            )
        },
        checks=[
            pa.Check(lambda df: ~(df[VALUE].isna() & df["_value_empty"] & df[STATUS].ne("M")), name="value_missing"),
            pa.Check(lambda df: ~(df[VALUE].notna() & df[STATUS].eq("M")), name="value_with_missing_status"),
            *duplicates,
        ],
    )


def duplicated_keys(df: pd.DataFrame, key_columns: tuple[str, ...]) -> pd.Series:
    """Rows whose key columns (all read) repeat an earlier row's."""
    complete = df[list(key_columns)].notna().all(axis=1)
    dup = pd.Series(False, index=df.index)
    dup[complete] = df.loc[complete, list(key_columns)].duplicated(keep="first")
    return dup


def _first_of_key(df: pd.DataFrame, key_columns: tuple[str, ...]) -> pd.Series:
    """For each row, the row number where its key first appears."""
    complete = df[list(key_columns)].notna().all(axis=1)
    keys = df.loc[complete, list(key_columns)]
    hashes = pd.util.hash_pandas_object(keys, index=False)
    first = pd.Series(keys.index, index=hashes.values).groupby(level=0).first()
    return pd.Series(hashes.map(first).values, index=keys.index)


def check_rows(
    rows: pd.DataFrame,
    kind: Kind,
    headers: dict[str, str],
    sheet: str | None,
    report: Report,
    compare_keys: bool = True,
) -> None:
    """Negative, fractional and missing counts, M with a figure, duplicate keys (via pandera)."""
    try:
        build_row_schema(kind.key_columns, compare_keys).validate(rows, lazy=True)
        return
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    cases = cases[cases["index"].notna()].drop_duplicates(["check", "index"])
    value_header = headers.get(VALUE)
    for check in ("value_negative", "value_fractional", "value_missing", "value_with_missing_status"):
        idx = pd.Index(cases.loc[cases.check == check, "index"].astype(int)).sort_values()
        _add_cells(report, check, idx, [_fmt(v) for v in rows.loc[idx, VALUE]], value_header, sheet)
    dup_idx = pd.Index(cases.loc[cases.check == "duplicate_key", "index"].astype(int)).sort_values()
    if len(dup_idx):
        first = _first_of_key(rows, kind.key_columns)
        keys = rows.loc[dup_idx, list(kind.key_columns)].astype(str).agg(" · ".join, axis=1)
        _add_cells(
            report, "duplicate_key", dup_idx, keys.values, None, sheet, lambda r, v: {"other": int(first[r]), "key": v}
        )


def _fmt(value: float) -> str:
    return "" if pd.isna(value) else (str(int(value)) if float(value).is_integer() else repr(float(value)))


# --- across rows ------------------------------------------------------------------------------------


def check_reference_period(
    rows: pd.DataFrame, reference: tuple[Period, Period], header: str | None, sheet: str | None, report: Report
) -> None:
    """Every row's period must lie inside the declared reference period."""
    start, end = pd.Timestamp(reference[0].start), pd.Timestamp(reference[1].end)
    outside = rows["time_start"].notna() & ((rows["time_start"] < start) | (rows["time_end"] > end))
    bad = rows.loc[outside, "period"]
    _add_cells(
        report,
        "period_outside_reference",
        bad.index,
        bad.values,
        header,
        sheet,
        {"start": reference[0].time_period, "end": reference[1].time_period},
    )


def total_columns(kind: Kind, spec: Spec | None = None) -> list[str]:
    """Key columns that can hold a ``_T`` total (partner countries and categories with ``_T``)."""
    spec = spec or load_spec()
    return [
        c.id
        for c in kind.columns
        if c.type == "counterpart" or (c.type == "category" and TOTAL in spec.categories[c.categories])
    ]


def check_totals(
    rows: pd.DataFrame,
    kind: Kind,
    country: str,
    tolerance: float,
    headers: dict[str, str],
    sheet: str | None,
    report: Report,
) -> None:
    """Parts must add up to their ``_T`` total (within ``tolerance``); admin-1 units must not exceed the nation.

    A group is compared only when its total and all its parts have figures (a part with status
    M cannot be checked). The number of groups compared and the tolerance go into the report.
    """
    keys = list(kind.key_columns)
    usable = rows[keys + [VALUE]].dropna(subset=keys)
    groups = 0
    for dim in total_columns(kind):
        is_total = usable[dim].eq(TOTAL)
        if not is_total.any() or is_total.all():
            continue
        compared = _compare(usable.loc[is_total], usable.loc[~is_total], [k for k in keys if k != dim])
        groups += len(compared)
        bad = compared[(compared[VALUE] - compared["parts_sum"]).abs() > tolerance]
        _add_totals(
            report,
            "total_mismatch",
            bad,
            headers.get(VALUE),
            sheet,
            tolerance,
            {"es": headers.get(dim, dim), "en": headers.get(dim, dim)},
        )
    national = usable["territory"].eq(country)
    if national.any() and not national.all():
        compared = _compare(usable.loc[national], usable.loc[~national], [k for k in keys if k != "territory"])
        groups += len(compared)
        bad = compared[compared["parts_sum"] > compared[VALUE] + tolerance]
        _add_totals(report, "admin1_exceeds_national", bad, headers.get(VALUE), sheet, tolerance, None)
    if groups:
        report.add(Problem("totals_checked", "info", params={"groups": groups, "tolerance": _fmt(tolerance)}))


def _compare(totals: pd.DataFrame, parts: pd.DataFrame, others: list[str]) -> pd.DataFrame:
    """Totals joined with the sum of their parts; groups with a missing figure are left out."""
    agg = parts.groupby(others, sort=False, observed=True)[VALUE].agg(parts_sum="sum", parts="size", known="count")
    joined = totals.reset_index().merge(agg.reset_index(), on=others, how="inner")
    return joined[(joined["known"] == joined["parts"]) & joined[VALUE].notna()].set_index("row")


def _add_totals(
    report: Report,
    code: str,
    bad: pd.DataFrame,
    header: str | None,
    sheet: str | None,
    tolerance: float,
    dimension: dict | None,
) -> None:
    bad = bad.sort_index()
    params = {
        r: {
            "parts": int(b.parts),
            "parts_sum": _fmt(b.parts_sum),
            "difference": _fmt(b[VALUE] - b.parts_sum),
            "tolerance": _fmt(tolerance),
            **({"dimension": dimension} if dimension else {}),
        }
        for r, b in bad.iterrows()
    }
    _add_cells(report, code, bad.index, [_fmt(v) for v in bad[VALUE]], header, sheet, lambda r, _v: params[r])
