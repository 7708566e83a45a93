"""The validation report: typed problems gathered from every check, rendered in es or en.

Like frictionless' reports, checks *yield* problems instead of raising, so a focal point gets
the whole list of what to fix at once. Each problem says where (file, sheet, row, column),
what was read (value), what is wrong and how to fix it (``messages.yaml``, Spanish and English).
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from common.yamlfile import load_yaml

MESSAGES_FILE = Path(__file__).resolve().parent / "messages.yaml"
SEVERITIES = ("error", "warning", "info")
# Above this many problems of one check, the report keeps the first ones and counts the rest:
# a file with a million negative counts needs one fix, not a million lines.
MAX_PER_CHECK = 1000


@functools.lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, dict[str, str]]]:
    """``{code: {"message": {es, en}, "fix": {es, en}}}`` from ``messages.yaml``."""
    return load_yaml(MESSAGES_FILE)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "—"


def render_text(code: str, part: str, lang: str, params: dict) -> str:
    """The ``message`` or ``fix`` text of ``code`` in ``lang`` with ``params`` filled in."""
    try:
        template = messages()[code][part][lang]
    except KeyError as err:
        raise KeyError(f"no {part!r} text in {lang!r} for check {code!r} in {MESSAGES_FILE}") from err
    return template.format_map(_Blank({k: _show(v, lang) for k, v in params.items()}))


def _show(value: object, lang: str) -> str:
    """A parameter as text; ``{"es": ..., "en": ...}`` picks the language."""
    if isinstance(value, dict) and lang in value:
        value = value[lang]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "—" if value is None else str(value)


class MessageError(Exception):
    """An error whose ``message(lang)`` and ``fix(lang)`` come from ``messages.yaml``."""

    def __init__(self, code: str, **params: object):
        self.code = code
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        return render_text(self.code, "message", lang, self.params)

    def fix(self, lang: str) -> str:
        return render_text(self.code, "fix", lang, self.params)


class InputError(MessageError, ValueError):
    """A bad argument (a path, a country code, an account, a password): what is wrong and how to fix it.

    A ``ValueError`` whose ``str()`` is the English message, so callers that catch ``ValueError``
    keep working; the command line prints it on one line in Spanish and English.
    """


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth knowing) about a submission, and where it is."""

    code: str
    severity: str = "error"
    sheet: str | None = None
    row: int | None = None  # 1-based row as the focal point sees it (line in a CSV, row in Excel)
    column: str | None = None  # the header as written in the file (or the metadata field)
    value: str | None = None  # the cell as read
    params: dict = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return render_text(self.code, "message", lang, {"value": self.value, "column": self.column, **self.params})

    def fix(self, lang: str) -> str:
        return render_text(self.code, "fix", lang, {"value": self.value, "column": self.column, **self.params})


@dataclass
class Report:
    """Every problem found in one file, plus what was learnt while reading it."""

    file: str
    country: str
    kind: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    omitted: Counter = field(default_factory=Counter)  # check code -> problems not listed (over MAX_PER_CHECK)
    listed: Counter = field(default_factory=Counter)  # check code -> problems listed

    def add(self, problem: Problem) -> None:
        """Add a problem, keeping at most ``MAX_PER_CHECK`` of one code (the rest are counted)."""
        if self.listed[problem.code] >= MAX_PER_CHECK:
            self.omitted[problem.code] += 1
        else:
            self.problems.append(problem)
            self.listed[problem.code] += 1

    def extend(self, problems) -> None:
        for p in problems:
            self.add(p)

    def count(self, code: str) -> int:
        """How many problems of ``code`` were found (listed or not)."""
        return self.listed[code] + self.omitted[code]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def error_count(self) -> int:
        listed = len(self.errors)
        return listed + sum(n for code, n in self.omitted.items() if self._severity_of(code) == "error")

    def _severity_of(self, code: str) -> str:
        return next((p.severity for p in self.problems if p.code == code), "error")

    @property
    def valid(self) -> bool:
        return self.error_count == 0

    def sorted_problems(self) -> list[Problem]:
        """Problems in reading order: file-level first, then by sheet, row and column."""
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        return sorted(
            self.problems,
            key=lambda p: (p.row is not None, p.sheet or "", p.row or 0, p.column or "", rank[p.severity], p.code),
        )

    def to_frame(self, lang: str) -> pd.DataFrame:
        """One row per problem, with the message and the fix in ``lang``."""
        rows = [
            {
                "severity": p.severity,
                "code": p.code,
                "file": self.file,
                "sheet": p.sheet or "",
                "row": p.row,
                "column": p.column or "",
                "value": p.value if p.value is not None else "",
                "message": p.message(lang),
                "fix": p.fix(lang),
            }
            for p in self.sorted_problems()
        ]
        frame = pd.DataFrame(
            rows, columns=["severity", "code", "file", "sheet", "row", "column", "value", "message", "fix"]
        )
        return frame.astype({"row": "Int64"})

    def to_csv(self, lang: str) -> bytes:
        """The report as the downloadable CSV (UTF-8 with BOM): no cell a spreadsheet could run as a formula.

        Values echo what the uploaded file held (``=HYPERLINK(...)``, ``+cmd``, ``@SUM``): they are
        written as text with a leading ``'`` (``etl.textsafe``, OWASP CSV injection).
        """
        from etl.textsafe import build_csv_bytes

        return build_csv_bytes(self.to_frame(lang))

    def to_xlsx(self, lang: str) -> bytes:
        """The report as an XLSX workbook (sheet ``report``), every text a text cell, never a formula."""
        from etl.textsafe import build_xlsx

        return build_xlsx({"report": self.to_frame(lang)})

    def to_json(self) -> str:
        """The report as JSON (stored beside each version, so warnings stay on record)."""
        body = {
            "file": self.file,
            "country": self.country,
            "kind": self.kind,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "rows": self.rows,
            "problems": [asdict(p) for p in self.sorted_problems()],
            "omitted": dict(sorted(self.omitted.items())),
        }
        return json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)


# Counted phrases: {"one": ..., "other": ...} per language (Spanish and English both use the
# singular for exactly 1 and the plural otherwise, 0 included: "0 avisos", "0 warnings").
COUNTED = {
    "errors": {
        "es": {"one": "1 error por corregir", "other": "{n} errores por corregir"},
        "en": {"one": "1 error to fix", "other": "{n} errors to fix"},
    },
    "warnings": {"es": {"one": "1 aviso", "other": "{n} avisos"}, "en": {"one": "1 warning", "other": "{n} warnings"}},
    "rows": {"es": {"one": "1 fila", "other": "{n} filas"}, "en": {"one": "1 row", "other": "{n} rows"}},
    "rows_read": {
        "es": {"one": "1 fila leída", "other": "{n} filas leídas"},
        "en": {"one": "1 row read", "other": "{n} rows read"},
    },
    "omitted": {
        "es": {
            "one": "… y 1 problema más de este tipo ({code}), no listado.",
            "other": "… y {n} problemas más de este tipo ({code}), no listados.",
        },
        "en": {
            "one": "… and 1 more problem of this kind ({code}), not listed.",
            "other": "… and {n} more problems of this kind ({code}), not listed.",
        },
    },
}
SUMMARY = {
    "valid": {"es": "{file}: válido — {rows}, {warnings}.", "en": "{file}: valid — {rows}, {warnings}."},
    "invalid": {
        "es": "{file}: {errors}, {warnings} ({rows_read}).",
        "en": "{file}: {errors}, {warnings} ({rows_read}).",
    },
    "fix": {"es": "Cómo corregir", "en": "How to fix"},
}
SEVERITY_NAMES = {
    "error": {"es": "ERROR", "en": "ERROR"},
    "warning": {"es": "AVISO", "en": "WARNING"},
    "info": {"es": "INFO", "en": "INFO"},
}


def plural_form(n: int) -> str:
    """``"one"`` for exactly 1, else ``"other"``: the plural rule of both Spanish and English."""
    return "one" if n == 1 else "other"


def format_count(what: str, n: int, lang: str, **values: object) -> str:
    """A counted phrase of ``COUNTED`` in ``lang`` ("1 error to fix", "3 errors to fix", "1 fila")."""
    return COUNTED[what][lang][plural_form(n)].format(n=n, **values)


def summary_line(report: Report, lang: str) -> str:
    """One line: valid or not, how many errors and warnings (singular or plural as the count asks)."""
    warnings = sum(1 for p in report.problems if p.severity == "warning")
    key = "valid" if report.valid else "invalid"
    return SUMMARY[key][lang].format(
        file=report.file,
        rows=format_count("rows", report.rows, lang),
        rows_read=format_count("rows_read", report.rows, lang),
        errors=format_count("errors", report.error_count, lang),
        warnings=format_count("warnings", warnings, lang),
    )


def format_report(report: Report, lang: str) -> str:
    """The report as plain text for the command line, in ``lang``."""
    lines = [summary_line(report, lang)]
    for p in report.sorted_problems():
        where = ", ".join(
            part
            for part in (
                f"{'hoja' if lang == 'es' else 'sheet'} {p.sheet}" if p.sheet else "",
                f"{'fila' if lang == 'es' else 'row'} {p.row}" if p.row is not None else "",
                f"{'columna' if lang == 'es' else 'column'} «{p.column}»" if p.column else "",
            )
            if part
        )
        lines.append(f"{SEVERITY_NAMES[p.severity][lang]} [{p.code}] {where + ': ' if where else ''}{p.message(lang)}")
        lines.append(f"    {SUMMARY['fix'][lang]}: {p.fix(lang)}")
    for code, n in sorted(report.omitted.items()):
        lines.append(format_count("omitted", n, lang, code=code))
    return "\n".join(lines)
