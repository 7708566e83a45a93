"""The submission specification: kinds, their columns, categories and metadata fields.

Read once from ``kinds.yaml`` beside this module. Names are matched through
``geodata.normalise`` (case-, accent-, punctuation- and spacing-insensitive), so ``Período``,
``periodo`` and ``PERIODO`` are the same header.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from common.text import Bilingual
from common.yamlfile import load_yaml
from geodata import normalise

SPEC_FILE = Path(__file__).resolve().parent / "kinds.yaml"
LANGS = ("es", "en")
TOTAL = "_T"


@dataclass(frozen=True)
class Category:
    """One code of a categorical column, with its labels and accepted spellings."""

    code: str
    label: Bilingual  # ``category.label(lang)``
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a kind's template: how it is read and where it goes in ``observations``."""

    id: str
    type: str  # period | territory | counterpart | category | count | status
    header: Bilingual  # ``column.header(lang)``
    aliases: tuple[str, ...]
    help: Bilingual  # ``column.help(lang)``
    required: bool
    default: str | None
    target: str | None  # store column (ref_area, counterpart_area, sex, age, dim_1, value, obs_status)
    dimension: str | None  # dimension id when target is dim_1..dim_5
    categories: str | None  # key into Spec.categories for category columns

    @property
    def is_key(self) -> bool:
        """Whether the column identifies an observation (everything except the figure and its status)."""
        return self.type not in ("count", "status")


@dataclass(frozen=True)
class MetadataField:
    id: str
    label: Bilingual  # ``field.label(lang)``
    aliases: tuple[str, ...]
    required: bool
    help: Bilingual  # ``field.help(lang)``


@dataclass(frozen=True)
class Kind:
    """A kind of submission (e.g. ``returns``): its title, measure(s), unit and columns."""

    id: str
    title: Bilingual  # ``kind.title(lang)``
    description: Bilingual  # ``kind.description(lang)``
    unit: str
    measure: str | None  # a single measure, or
    measure_from: str | None  # the column whose category picks the measure
    measures: dict[str, str]  # category code -> measure, with measure_from
    columns: tuple[ColumnSpec, ...]

    def column(self, column_id: str) -> ColumnSpec:
        for col in self.columns:
            if col.id == column_id:
                return col
        raise KeyError(f"kind {self.id!r} has no column {column_id!r}; columns: {[c.id for c in self.columns]}")

    @property
    def key_columns(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.columns if c.is_key)

    @property
    def all_measures(self) -> tuple[str, ...]:
        return tuple(sorted(self.measures.values())) if self.measure_from else (self.measure,)


@dataclass(frozen=True)
class Spec:
    kinds: dict[str, Kind]
    categories: dict[str, dict[str, Category]]
    statuses: dict[str, Category]
    metadata: dict[str, MetadataField]

    def kind(self, kind_id: str) -> Kind:
        try:
            return self.kinds[kind_id]
        except KeyError:
            raise KeyError(f"unknown submission kind {kind_id!r}; valid kinds: {sorted(self.kinds)}") from None


def _category(code: str, raw: dict) -> Category:
    return Category(code, Bilingual.from_mapping(raw, f"{SPEC_FILE.name}: {code}"), tuple(raw.get("aliases", ())))


def _column(raw_col: dict, base: dict) -> ColumnSpec:
    cid = raw_col["column"]
    b = base[cid]
    return ColumnSpec(
        id=cid,
        type=b["type"],
        header=Bilingual.from_mapping(b["header"], f"{SPEC_FILE.name}: columns.{cid}.header"),
        aliases=tuple(b.get("aliases", ())),
        help=Bilingual.from_mapping(b["help"], f"{SPEC_FILE.name}: columns.{cid}.help"),
        required=bool(raw_col["required"]),
        default=raw_col.get("default"),
        target=raw_col.get("target", b.get("target")),
        dimension=raw_col.get("dimension"),
        categories=b.get("categories"),
    )


def _kind(kind_id: str, raw: dict, base: dict) -> Kind:
    return Kind(
        id=kind_id,
        title=Bilingual.from_mapping(raw["title"], f"{SPEC_FILE.name}: kinds.{kind_id}.title"),
        description=Bilingual.from_mapping(raw["description"], f"{SPEC_FILE.name}: kinds.{kind_id}.description"),
        unit=raw["unit"],
        measure=raw.get("measure"),
        measure_from=raw.get("measure_from"),
        measures=dict(raw.get("measures", {})),
        columns=tuple(_column(c, base) for c in raw["columns"]),
    )


def build_spec(raw: dict) -> Spec:
    """The specification from the parsed YAML (pure; checks that every reference resolves)."""
    categories = {
        name: {code: _category(code, c) for code, c in cats.items()} for name, cats in raw["categories"].items()
    }
    kinds = {kid: _kind(kid, k, raw["columns"]) for kid, k in raw["kinds"].items()}
    for kind in kinds.values():
        for col in kind.columns:
            if col.type == "category" and col.categories not in categories:
                raise ValueError(f"{kind.id}.{col.id}: unknown category list {col.categories!r}")
            if col.type != "period" and col.target is None and col.id != kind.measure_from:
                raise ValueError(f"{kind.id}.{col.id}: no target column in observations")
        if (kind.measure is None) == (kind.measure_from is None):
            raise ValueError(f"{kind.id}: give exactly one of measure / measure_from")
    metadata = {
        fid: MetadataField(
            fid,
            Bilingual.from_mapping(f["label"], f"{SPEC_FILE.name}: metadata.{fid}.label"),
            tuple(f.get("aliases", ())),
            bool(f["required"]),
            Bilingual.from_mapping(f["help"], f"{SPEC_FILE.name}: metadata.{fid}.help"),
        )
        for fid, f in raw["metadata"].items()
    }
    statuses = {code: _category(code, c) for code, c in raw["statuses"].items()}
    return Spec(kinds=kinds, categories=categories, statuses=statuses, metadata=metadata)


@functools.lru_cache(maxsize=1)
def load_spec() -> Spec:
    """The specification in ``kinds.yaml``, read once per process (do not mutate)."""
    return build_spec(load_yaml(SPEC_FILE))


def build_lookup(categories: dict[str, Category]) -> dict[str, str]:
    """Normalised code, label or alias -> code, for reading cells case- and accent-insensitively."""
    out: dict[str, str] = {}
    for cat in categories.values():
        for text in (cat.code, cat.label.es, cat.label.en, *cat.aliases):
            out.setdefault(normalise(text), cat.code)
    for cat in categories.values():  # codes always win over an alias of another code
        out[normalise(cat.code)] = cat.code
    return out


def header_lookup(kind: Kind) -> dict[str, str]:
    """Normalised header (es, en, aliases, the column id) -> column id, for one kind."""
    out: dict[str, str] = {}
    for col in kind.columns:
        for text in (col.id, col.header.es, col.header.en, *col.aliases):
            out.setdefault(normalise(text), col.id)
    return out


def metadata_lookup(spec: Spec) -> dict[str, str]:
    """Normalised metadata label or alias -> field id."""
    out: dict[str, str] = {}
    for f in spec.metadata.values():
        for text in (f.id, f.label.es, f.label.en, *f.aliases):
            out.setdefault(normalise(text), f.id)
    return out


def kind_lookup(spec: Spec) -> dict[str, str]:
    """Normalised kind id or title (es/en) -> kind id."""
    out: dict[str, str] = {}
    for k in spec.kinds.values():
        for text in (k.id, k.title.es, k.title.en):
            out[normalise(text)] = k.id
    return out
