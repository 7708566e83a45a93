"""Codelists with Spanish and English names, loaded from every ``etl/codelists/*.yaml``.

Each YAML file holds one or more tables by name, each a mapping ``code: {field: value}``::

    measures:
      migrant_stock: {name_es: ..., name_en: ..., unit: persons, kind: stock, counterpart_role: origin,
                      definition_es: ..., definition_en: ...}
    units:
      persons: {name_es: personas, name_en: persons}
    dimensions:
      cbp_component:
        name_es: ...
        name_en: ...
        codes:
          usbp: {name_es: ..., name_en: ...}

A feature adds its own file (e.g. ``submissions.yaml``) rather than editing another's; a code
defined twice, an unknown table or a missing field is an error that names the file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from common.yamlfile import load_yaml

CODELIST_DIR = Path(__file__).resolve().parent / "codelists"
NAMES = ("name_es", "name_en")
# table -> (code column, required fields besides the names)
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "measures": ("measure", ("unit", "kind", "counterpart_role", "definition_es", "definition_en")),
    "units": ("unit", ()),
    "sexes": ("sex", ()),
    "ages": ("age", ()),
    "obs_statuses": ("obs_status", ()),
}
KINDS = ("stock", "flow", "rate", "context")
COUNTERPART_ROLES = ("origin", "nationality", "citizenship", "destination", "asylum_country", "none")
COMPOUND_SEPARATOR = "+"


class CodelistError(ValueError):
    """A codelist file that is malformed or contradicts another one."""


@dataclass(frozen=True)
class Codelists:
    """Every codelist as a frame, sorted by code. Do not mutate the frames."""

    measures: pd.DataFrame
    units: pd.DataFrame
    sexes: pd.DataFrame
    ages: pd.DataFrame
    obs_statuses: pd.DataFrame
    dimensions: pd.DataFrame  # dimension_id, name_es, name_en, compound
    dimension_codes: pd.DataFrame  # dimension_id, code, name_es, name_en

    def codes(self, table: str) -> frozenset[str]:
        """The valid codes of ``table`` (e.g. ``"measures"``)."""
        column = TABLES[table][0]
        return frozenset(getattr(self, table)[column])

    def dimension_code_set(self, dimension_id: str) -> frozenset[str]:
        """The valid codes of one source-specific dimension."""
        dc = self.dimension_codes
        return frozenset(dc.loc[dc.dimension_id == dimension_id, "code"])

    def is_compound(self, dimension_id: str) -> bool:
        """Whether ``dimension_id`` accepts ``a+b`` codes made of its own codes."""
        row = self.dimensions.loc[self.dimensions.dimension_id == dimension_id, "compound"]
        return bool(row.iloc[0]) if len(row) else False


def load_codelist_files(directory: Path = CODELIST_DIR) -> list[tuple[Path, dict]]:
    """Every ``*.yaml`` in ``directory`` (sorted), parsed."""
    out = []
    for path in sorted(directory.glob("*.yaml")):
        content = load_yaml(path) or {}
        if not isinstance(content, dict):
            raise CodelistError(f"{path}: expected a mapping of table names, got {type(content).__name__}")
        out.append((path, content))
    return out


def _entry(path: Path, table: str, code: object, fields: object, required: tuple[str, ...]) -> dict:
    if not isinstance(code, str):
        raise CodelistError(
            f"{path}: {table} code {code!r} is not a string (quote it: YAML 1.1 reads yes/no/on/off as booleans)"
        )
    if not isinstance(fields, dict):
        raise CodelistError(f"{path}: {table}.{code} must be a mapping with {list(NAMES + required)}")
    split = [k for k, v in fields.items() if v is None]
    if split:
        raise CodelistError(
            f"{path}: {table}.{code} has keys without a value {split}: a comma in an unquoted "
            f"value split it; put the value in double quotes"
        )
    missing = [f for f in (*NAMES, *required) if not isinstance(fields.get(f), str) or not fields[f].strip()]
    if missing:
        raise CodelistError(f"{path}: {table}.{code} is missing {missing}")
    return {f: fields[f] for f in (*NAMES, *required)}


def build_codelists(files: list[tuple[Path, dict]]) -> Codelists:
    """Merge parsed codelist files into frames, checking every entry (pure)."""
    rows: dict[str, dict[str, tuple[Path, dict]]] = {t: {} for t in (*TABLES, "dimensions")}
    for path, content in files:
        for table, entries in content.items():
            if table not in rows:
                raise CodelistError(f"{path}: unknown codelist {table!r}; valid: {sorted(rows)}")
            for code, fields in (entries or {}).items():
                if code in rows[table]:
                    raise CodelistError(f"{path}: {table}.{code} is already defined in {rows[table][code][0]}")
                rows[table][code] = (path, fields)
    frames = {}
    for table, (column, required) in TABLES.items():
        records = [
            {column: code, **_entry(path, table, code, fields, required)}
            for code, (path, fields) in rows[table].items()
        ]
        frames[table] = pd.DataFrame(records, columns=[column, *NAMES, *required]).sort_values(
            column, ignore_index=True
        )
    dims, dim_codes = _build_dimensions(rows["dimensions"])
    lists = Codelists(**frames, dimensions=dims, dimension_codes=dim_codes)
    _check_measures(lists, {code: path for code, (path, _) in rows["measures"].items()})
    return lists


def _build_dimensions(entries: dict[str, tuple[Path, dict]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    dims, codes = [], []
    for dim_id, (path, fields) in entries.items():
        head = _entry(path, "dimensions", dim_id, fields, ())
        dims.append({"dimension_id": dim_id, **head, "compound": bool(fields.get("compound", False))})
        if not isinstance(fields.get("codes"), dict) or not fields["codes"]:
            raise CodelistError(f"{path}: dimensions.{dim_id} needs a non-empty `codes` mapping")
        for code, names in fields["codes"].items():
            codes.append(
                {"dimension_id": dim_id, "code": code, **_entry(path, f"dimensions.{dim_id}.codes", code, names, ())}
            )
    dims_df = pd.DataFrame(dims, columns=["dimension_id", *NAMES, "compound"]).sort_values(
        "dimension_id", ignore_index=True
    )
    codes_df = pd.DataFrame(codes, columns=["dimension_id", "code", *NAMES]).sort_values(
        ["dimension_id", "code"], ignore_index=True
    )
    return dims_df, codes_df


def _check_measures(lists: Codelists, where: dict[str, Path]) -> None:
    units = lists.codes("units")
    for m in lists.measures.itertuples(index=False):
        if m.kind not in KINDS:
            raise CodelistError(f"{where[m.measure]}: measures.{m.measure}.kind {m.kind!r} not in {KINDS}")
        if m.counterpart_role not in COUNTERPART_ROLES:
            raise CodelistError(
                f"{where[m.measure]}: measures.{m.measure}.counterpart_role "
                f"{m.counterpart_role!r} not in {COUNTERPART_ROLES}"
            )
        if m.unit not in units:
            raise CodelistError(f"{where[m.measure]}: measures.{m.measure}.unit {m.unit!r} is not in units")


@functools.lru_cache(maxsize=1)
def load_codelists() -> Codelists:
    """The codelists of ``etl/codelists/``, loaded once per process."""
    return build_codelists(load_codelist_files())


def compound_names(lists: Codelists, dimension_id: str, code: str) -> tuple[str, str]:
    """Spanish and English names of a compound code (``drowning+violence``), parts joined by " + "."""
    dc = lists.dimension_codes[lists.dimension_codes.dimension_id == dimension_id].set_index("code")
    parts = code.split(COMPOUND_SEPARATOR)
    return (" + ".join(dc.loc[p, "name_es"] for p in parts), " + ".join(dc.loc[p, "name_en"] for p in parts))
