"""What every source reader shares: file checks, number and code parsing, tidy output.

Every reader checks its file the same way, before reading a single value:

- the file exists and is not empty;
- it decodes in the expected encoding (UTF-8 unless the source says otherwise);
- its header has exactly the expected columns (a renamed, missing or extra column is an error);
- every row has as many fields as the header.

A problem raises ``SourceFormatError``, whose message names the file, the problem and the fix.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

import geodata
from common.yamlfile import load_yaml
from etl.periods import PeriodError, compute_period_columns
from etl.schema import OBS_COLUMNS, OBS_DEFAULTS, OBS_KEY

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_METADATA = (
    "dataset_id",
    "title_es",
    "title_en",
    "publisher",
    "licence",
    "licence_url",
    "attribution",
    "origin",
    "vendored_path",
    "retrieved",
    "revision",
    "coverage",
    "caveats_es",
    "caveats_en",
)
MAX_LISTED = 5  # how many offending rows or values a message lists


class SourceFormatError(ValueError):
    """A vendored source file that does not look like what its reader expects."""

    def __init__(self, path: Path | str, problem: str, fix: str | None = None):
        self.path = Path(path)
        self.problem = problem
        self.fix = fix
        message = f"{self.path}: {problem}"
        if fix:
            message += f" Fix: {fix}"
        super().__init__(message)


# --- metadata -------------------------------------------------------------------------------


def load_metadata(module_file: str) -> dict:
    """The dataset metadata in the YAML file next to a reader module (same stem)."""
    path = Path(module_file).with_suffix(".yaml")
    meta = load_yaml(path)
    meta = {k: v if isinstance(v, dict) else str(v) for k, v in meta.items()}  # YAML may read dates
    missing = [k for k in REQUIRED_METADATA if not meta.get(k)]
    if missing:
        raise ValueError(f"{path}: metadata is missing {missing}")
    meta.setdefault("dimensions", {})
    return meta


def vendored(meta: Mapping) -> Path:
    """Absolute path of the dataset's vendored file."""
    return ROOT / meta["vendored_path"]


# --- reading the file -----------------------------------------------------------------------


def load_text(path: Path | str, encoding: str = "utf-8") -> str:
    """The whole file as text (gunzipped when it ends in ``.gz``), checked for emptiness and encoding."""
    path = Path(path)
    if not path.is_file():
        raise SourceFormatError(path, "file not found.", "restore it from git (vendor/ is versioned).")
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise SourceFormatError(
                path, f"is not a valid gzip file ({err}).", "re-compress the CSV with gzip."
            ) from err
    if not raw.strip():
        raise SourceFormatError(path, "is empty.", "restore the vendored file from git.")
    try:
        text = raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise SourceFormatError(
            path,
            f"is not valid {encoding}: byte 0x{raw[err.start]:02x} at offset {err.start} (line {line}); "
            f"it looks like {_guess_encoding(raw)}.",
            f"re-save the file as {encoding} (e.g. iconv -f <its encoding> -t {encoding}).",
        ) from err
    if "\x00" in text:
        raise SourceFormatError(
            path,
            f"contains NUL bytes: it is binary or UTF-16, not text in {encoding}.",
            f"re-save the file as {encoding}.",
        )
    return text


def _guess_encoding(raw: bytes) -> str:
    """The most likely encoding of some bytes, for the error message."""
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    return best.encoding if best is not None else "an unknown encoding"


def load_table(
    path: Path | str, columns: Iterable[str], sep: str = ",", encoding: str = "utf-8", skip_lines: int = 0
) -> pd.DataFrame:
    """A delimited file as a frame of strings (nothing converted), after the header and row checks.

    ``columns`` is the exact set of columns expected; order may differ. Empty cells stay ``""``.
    """
    path = Path(path)
    text = load_text(path, encoding)
    lines = text.splitlines()[skip_lines:]
    rows = [row for row in csv.reader(lines, delimiter=sep) if row]
    if not rows:
        raise SourceFormatError(path, "has no header line.", "restore the vendored file from git.")
    header = [h.strip() for h in rows[0]]
    check_header(path, header, list(columns))
    body = rows[1:]
    if not body:
        raise SourceFormatError(path, "has a header but no data rows.", "restore the vendored file from git.")
    bad = [(i + 2 + skip_lines, len(r)) for i, r in enumerate(body) if len(r) != len(header)]
    if bad:
        listed = ", ".join(f"line {n} has {k}" for n, k in bad[:MAX_LISTED])
        raise SourceFormatError(
            path,
            f"{len(bad)} row(s) do not have {len(header)} fields ({listed}).",
            f"check the delimiter ({sep!r}) and quoting on those lines.",
        )
    return pd.DataFrame(body, columns=header, dtype=str)


def check_header(path: Path, found: list[str], expected: list[str]) -> None:
    """Raise unless ``found`` holds exactly the ``expected`` column names (any order, no repeats)."""
    repeated = sorted({c for c in found if found.count(c) > 1})
    if repeated:
        raise SourceFormatError(path, f"repeats column(s) {repeated}.", "keep one column of each name.")
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    if missing and extra:
        raise SourceFormatError(
            path,
            f"is missing column(s) {missing} and has unexpected column(s) {extra}: "
            f"was {missing[0]!r} renamed to {extra[0]!r}?",
            f"the reader expects the columns {expected}; restore the vendored file or update its reader.",
        )
    if missing:
        raise SourceFormatError(
            path, f"is missing column(s) {missing} (found {found}).", f"the reader expects the columns {expected}."
        )
    if extra:
        raise SourceFormatError(
            path,
            f"has unexpected column(s) {extra}.",
            f"the reader expects exactly {expected}; a new column needs a reader change.",
        )


# --- values ---------------------------------------------------------------------------------


def _line_numbers(mask: pd.Series, skip_lines: int = 0) -> list[int]:
    """File line numbers (header = line 1) of the first rows where ``mask`` is true."""
    return [int(i) + 2 + skip_lines for i in np.flatnonzero(mask.to_numpy())[:MAX_LISTED]]


def parse_numbers(
    frame: pd.DataFrame,
    column: str,
    path: Path,
    thousands: str | None = None,
    allow_negative: bool = False,
    allow_empty: bool = True,
) -> pd.Series:
    """``column`` as floats; an empty cell is NaN (missing), never 0. Text or negatives are errors."""
    text = frame[column].str.strip()
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    empty = text.eq("")
    numbers = pd.to_numeric(text.mask(empty), errors="coerce").astype(float)
    bad = numbers.isna() & ~empty
    if bad.any():
        sample = frame.loc[bad, column].head(MAX_LISTED).tolist()
        raise SourceFormatError(
            path,
            f"column {column!r} has {int(bad.sum())} non-numeric value(s) {sample} at line(s) {_line_numbers(bad)}.",
            "numbers must be plain decimals; an unknown value is an empty cell.",
        )
    if empty.any() and not allow_empty:
        raise SourceFormatError(
            path,
            f"column {column!r} has {int(empty.sum())} empty cell(s) at line(s) {_line_numbers(empty)}.",
            "every row of this source has a value.",
        )
    if not allow_negative and (numbers < 0).any():
        neg = numbers < 0
        raise SourceFormatError(
            path,
            f"column {column!r} has {int(neg.sum())} negative value(s) at line(s) {_line_numbers(neg)}.",
            "counts cannot be negative.",
        )
    return numbers


def check_allowed(frame: pd.DataFrame, column: str, allowed: Iterable[str], path: Path) -> None:
    """Raise when ``column`` holds a category the reader does not know."""
    allowed = set(allowed)
    unknown = sorted(set(frame[column].unique()) - allowed)
    if unknown:
        bad = ~frame[column].isin(allowed)
        raise SourceFormatError(
            path,
            f"column {column!r} has unknown value(s) {unknown[:MAX_LISTED]} "
            f"(line(s) {_line_numbers(bad)}); known: {sorted(allowed)}.",
            "map the new category in the reader (and its codelist) or fix the file.",
        )


def check_pattern(frame: pd.DataFrame, column: str, pattern: str, path: Path, example: str) -> None:
    """Raise when a value of ``column`` does not match ``pattern`` (a regular expression)."""
    bad = ~frame[column].str.fullmatch(pattern)
    if bad.any():
        sample = frame.loc[bad, column].head(MAX_LISTED).tolist()
        raise SourceFormatError(
            path,
            f"column {column!r} has {int(bad.sum())} malformed value(s) {sample} at line(s) {_line_numbers(bad)}.",
            f"write them like {example!r}.",
        )


def resolve_codes(
    values: pd.Series, path: Path, column: str, aliases: Mapping[str, str] | None = None, level: str | None = None
) -> pd.Series:
    """Territory codes or names -> ``geo_code`` through the gazetteer; unknown values are an error.

    ``aliases`` maps source-specific codes first (e.g. UNHCR ``UKN`` -> ``_X``).
    """
    aliases = aliases or {}
    mapping: dict[str, str] = {}
    problems: list[str] = []
    for raw in sorted(values.unique()):
        if raw in aliases:
            mapping[raw] = aliases[raw]
            continue
        try:
            mapping[raw] = geodata.resolve(raw, level=level)
        except geodata.UnknownTerritoryError as err:
            first = _line_numbers(values.eq(raw))[:1]
            what = repr(raw) if raw.strip() else "an empty value"
            problems.append(f"{what} (line {first[0] if first else '?'}; {err})")
    if problems:
        raise SourceFormatError(
            path,
            f"column {column!r} has {len(problems)} territory value(s) the gazetteer "
            f"does not know: {'; '.join(problems[:MAX_LISTED])}.",
            "use ISO 3166 codes, or add a source alias in the reader.",
        )
    return values.map(mapping)


def check_unique(frame: pd.DataFrame, key: list[str], path: Path) -> None:
    """Raise when two rows share ``key`` (the source should have one row per key)."""
    dup = frame.duplicated(key, keep=False)
    if dup.any():
        sample = frame.loc[dup, key].head(MAX_LISTED).to_dict("records")
        raise SourceFormatError(
            path,
            f"{int(dup.sum())} rows repeat the key {key}, e.g. {sample} (line(s) {_line_numbers(dup)}).",
            "remove the duplicated rows.",
        )


def melt_measures(frame: pd.DataFrame, id_columns: list[str], measures: Mapping[str, str], path: Path) -> pd.DataFrame:
    """Wide value columns -> long rows ``measure``, ``value``; empty cells (missing) are not stored."""
    parts = []
    for column, measure in measures.items():
        part = frame[id_columns].copy()
        part["measure"] = measure
        part["value"] = parse_numbers(frame, column, path)
        parts.append(part[part["value"].notna()])
    return pd.concat(parts, ignore_index=True)


def sum_duplicate_keys(frame: pd.DataFrame, key: list[str]) -> tuple[pd.DataFrame, int]:
    """Add up rows whose key repeats once codes are harmonised; returns the frame and how many rows merged."""
    if not frame.duplicated(key).any():
        return frame, 0
    merged = frame.groupby(key, as_index=False, sort=False, dropna=False).agg(value=("value", "sum"))
    return merged, len(frame) - len(merged)


def month_of(values: pd.Series) -> pd.Series:
    """``YYYY-MM`` from ``YYYY-MM`` or ``YYYY-MM-DD`` strings."""
    return values.str.slice(0, 7)


# --- tidy output ----------------------------------------------------------------------------


def finish_observations(
    frame: pd.DataFrame, dataset_id: str, path: Path, notes: Mapping[str, object] | None = None
) -> pd.DataFrame:
    """The contract's observation columns, defaults filled, periods bounded, rows sorted.

    ``notes`` (counts of dropped or merged rows...) travel in ``.attrs["notes"]`` to the build report.
    """
    out = frame.copy()
    out["dataset_id"] = dataset_id
    for column, default in OBS_DEFAULTS.items():
        if column not in out.columns:
            out[column] = default
    required = ["measure", "ref_area", "time_period", "freq", "value", "unit"]
    absent = [c for c in required if c not in out.columns]
    if absent:
        raise TypeError(f"reader for {dataset_id} did not set {absent}")
    try:
        out["time_start"], out["time_end"] = compute_period_columns(out["time_period"], out["freq"])
    except PeriodError as err:
        raise SourceFormatError(
            path, f"bad reference period: {err}.", "periods are YYYY, YYYY-MM or YYYY-YYYY."
        ) from err
    out["value"] = out["value"].astype(float)
    out = out[list(OBS_COLUMNS)].sort_values(list(OBS_KEY), ignore_index=True, na_position="first")
    out.attrs["notes"] = dict(notes or {})
    return out
