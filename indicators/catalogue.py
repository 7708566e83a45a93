"""The harmonised indicator catalogue: ``catalogue.yaml`` read into small frozen objects.

Each indicator says what it is (names, definition, unit, theme, comparability note),
how it is computed at each geographic level from the store's measures (``LevelSpec``:
a numerator ``Term``, optionally a denominator ``Term`` and a scale), which sources and
population it draws on, its disaggregations, and how it is best drawn (palette, scheme,
classes, centre). ``validate_catalogue`` gathers every problem before anything is built.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from common.text import Bilingual
from common.yamlfile import load_yaml

CATALOGUE_FILE = Path(__file__).resolve().parent / "catalogue.yaml"
LEVELS = ("country", "admin1")
AREAS = ("ref_area", "counterpart_area")
PERIOD_RULES = ("as_stored", "calendar_year", "us_fiscal_year")
DENOMINATOR_PERIODS = ("same", "fiscal_end_year", "person_years")
METHODS = ("sum", "ratio")
DISAGGREGATIONS = ("sex", "partner")
WHERE_COLUMNS = ("sex", "age", "counterpart_area", "ref_area", "unit", "dim_1", "dim_2", "dim_3", "dim_4", "dim_5")
SCHEMES = ("quantiles", "fisher_jenks", "equal_interval", "manual")
TEXT_FIELDS = ("name", "definition", "comparability")


class CatalogueError(ValueError):
    """The catalogue file has problems; ``problems`` lists every one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{CATALOGUE_FILE}: {len(problems)} problem(s):\n- " + "\n- ".join(problems))


class UnknownIndicatorError(KeyError):
    """An indicator id that the catalogue does not define; the message lists the valid ids."""

    def __init__(self, indicator_id: str, valid: list[str]):
        self.indicator_id = indicator_id
        self.valid = valid
        super().__init__(f"unknown indicator {indicator_id!r}; valid indicators: {', '.join(valid)}")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


@dataclass(frozen=True)
class Term:
    """A selection of observations summed by territory and period.

    ``measures`` are summed (e.g. deportations + assisted returns only when a definition
    says so); ``area`` is the column that holds the mapped territory; ``where`` fixes
    columns to one value or a list of values; ``exclude`` drops values (e.g. totals rows).
    """

    measures: tuple[str, ...]
    datasets: tuple[str, ...]
    area: str = "ref_area"
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    period: str = "as_stored"
    rollup: bool = False


@dataclass(frozen=True)
class LevelSpec:
    """How an indicator is computed at one geographic level."""

    method: str
    numerator: Term
    denominator: Term | None = None
    subtract: Term | None = None
    scale: float = 1.0
    denominator_period: str = "same"
    population: Bilingual = Bilingual("", "")

    @property
    def datasets(self) -> tuple[str, ...]:
        terms = [t for t in (self.numerator, self.subtract, self.denominator) if t is not None]
        return tuple(dict.fromkeys(d for t in terms for d in t.datasets))


@dataclass(frozen=True)
class Indicator:
    """One harmonised indicator of the catalogue."""

    id: str
    theme: str
    texts: Mapping[str, Bilingual]
    unit: str
    unit_text: Bilingual
    decimals: int
    kind: str
    levels: Mapping[str, LevelSpec]
    palette: str
    scheme: str = "quantiles"
    k: int = 5
    centre: float | None = None
    window: int = 0
    headline: bool = False
    disaggregations: tuple[str, ...] = ()

    def text(self, name: str, lang: str) -> str:
        return self.texts[name].get(lang)

    def name(self, lang: str) -> str:
        return self.texts["name"].get(lang)

    def unit_label(self, lang: str) -> str:
        return self.unit_text.get(lang)

    @property
    def datasets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d for spec in self.levels.values() for d in spec.datasets))


@dataclass(frozen=True)
class Catalogue:
    """Themes (in menu order) and indicators (in menu order within each theme)."""

    themes: Mapping[str, Bilingual]
    indicators: Mapping[str, Indicator]

    def get(self, indicator_id: str) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise UnknownIndicatorError(indicator_id, list(self.indicators)) from None

    def by_theme(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {theme: [] for theme in self.themes}
        for ind in self.indicators.values():
            out[ind.theme].append(ind.id)
        return {theme: ids for theme, ids in out.items() if ids}

    def headline(self, level: str) -> list[str]:
        return [i.id for i in self.indicators.values() if i.headline and level in i.levels]


def _tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


def validate_term(where: str, raw: object) -> list[str]:
    """Problems of one numerator or denominator block."""
    if not isinstance(raw, Mapping):
        return [f"{where}: expected a mapping with measure and datasets, got {raw!r}"]
    problems = []
    for key in ("measure", "datasets"):
        if not _tuple(raw.get(key)):
            problems.append(f"{where}: '{key}' is required")
    if raw.get("area", "ref_area") not in AREAS:
        problems.append(f"{where}: area must be one of {AREAS}, got {raw.get('area')!r}")
    if raw.get("period", "as_stored") not in PERIOD_RULES:
        problems.append(f"{where}: period must be one of {PERIOD_RULES}, got {raw.get('period')!r}")
    for block in ("where", "exclude"):
        for column in raw.get(block) or {}:
            if column not in WHERE_COLUMNS:
                problems.append(f"{where}.{block}: unknown column {column!r}; valid: {', '.join(WHERE_COLUMNS)}")
    return problems


def validate_keys(where: str, block: object, allowed: tuple[str, ...]) -> list[str]:
    """Keys of a ``{es: ..., en: ...}`` block beyond ``allowed``: in a YAML flow mapping an unquoted
    comma ends the value (``en: per 1,000 people`` gives ``en: per 1`` and a key ``000 people``)."""
    if not isinstance(block, Mapping):
        return []
    extra = [str(k) for k in block if k not in allowed]
    if not extra:
        return []
    return [
        f"{where} has unexpected keys {extra} (allowed: {', '.join(allowed)}); "
        f'quote a text that contains a comma, e.g. en: "per 1,000 people"'
    ]


def validate_indicator(indicator_id: str, raw: object, themes: Mapping) -> list[str]:
    """Every problem of one indicator entry (an empty list when it is well formed)."""
    if not isinstance(raw, Mapping):
        return [f"{indicator_id}: expected a mapping, got {type(raw).__name__}"]
    problems = []
    if raw.get("theme") not in themes:
        problems.append(f"{indicator_id}: theme {raw.get('theme')!r} is not one of {list(themes)}")
    for name in TEXT_FIELDS:
        texts = raw.get(name) or {}
        for lang in ("es", "en"):
            if not isinstance(texts, Mapping) or not str(texts.get(lang) or "").strip():
                problems.append(f"{indicator_id}: '{name}' needs a non-empty '{lang}' text")
        problems += validate_keys(f"{indicator_id}: '{name}'", texts, ("es", "en"))
    unit = raw.get("unit") or {}
    if not all(unit.get(k) for k in ("code", "es", "en")):
        problems.append(f"{indicator_id}: 'unit' needs code, es and en")
    problems += validate_keys(f"{indicator_id}: 'unit'", unit, ("code", "es", "en"))
    if raw.get("scheme", "quantiles") not in SCHEMES:
        problems.append(f"{indicator_id}: scheme must be one of {SCHEMES}")
    for d in _tuple(raw.get("disaggregations")):
        if d not in DISAGGREGATIONS:
            problems.append(f"{indicator_id}: disaggregation {d!r} is not one of {DISAGGREGATIONS}")
    levels = raw.get("levels") or {}
    if not levels:
        problems.append(f"{indicator_id}: at least one level is required")
    for level, spec in levels.items():
        where = f"{indicator_id}.levels.{level}"
        if level not in LEVELS:
            problems.append(f"{where}: level must be one of {LEVELS}")
            continue
        method = spec.get("method", "sum")
        if method not in METHODS:
            problems.append(f"{where}: method must be one of {METHODS}, got {method!r}")
        problems += validate_term(f"{where}.numerator", spec.get("numerator"))
        if method == "ratio":
            problems += validate_term(f"{where}.denominator", spec.get("denominator"))
        if spec.get("subtract") is not None:
            problems += validate_term(f"{where}.subtract", spec.get("subtract"))
        if spec.get("denominator_period", "same") not in DENOMINATOR_PERIODS:
            problems.append(f"{where}: denominator_period must be one of {DENOMINATOR_PERIODS}")
    return problems


def validate_catalogue(raw: Mapping) -> list[str]:
    """Every problem in the catalogue (themes, indicators, levels, terms), gathered, not raised."""
    themes = raw.get("themes") or {}
    problems = [
        f"themes.{t}: needs es and en"
        for t, names in themes.items()
        if not (names or {}).get("es") or not (names or {}).get("en")
    ]
    indicators = raw.get("indicators") or {}
    if not indicators:
        problems.append("no indicators defined")
    for indicator_id, entry in indicators.items():
        problems += validate_indicator(indicator_id, entry, themes)
    return problems


def build_term(raw: Mapping) -> Term:
    return Term(
        measures=_tuple(raw["measure"]),
        datasets=_tuple(raw["datasets"]),
        area=raw.get("area", "ref_area"),
        where={k: _tuple(v) for k, v in (raw.get("where") or {}).items()},
        exclude={k: _tuple(v) for k, v in (raw.get("exclude") or {}).items()},
        period=raw.get("period", "as_stored"),
        rollup=bool(raw.get("rollup", False)),
    )


def build_level(raw: Mapping, where: str = "level") -> LevelSpec:
    return LevelSpec(
        method=raw.get("method", "sum"),
        numerator=build_term(raw["numerator"]),
        denominator=build_term(raw["denominator"]) if raw.get("denominator") else None,
        subtract=build_term(raw["subtract"]) if raw.get("subtract") else None,
        scale=float(raw.get("scale", 1.0)),
        denominator_period=raw.get("denominator_period", "same"),
        population=Bilingual.from_mapping(raw.get("population") or None, f"{where}.population", required=False),
    )


def build_catalogue(raw: Mapping) -> Catalogue:
    """The catalogue from its parsed YAML; raises ``CatalogueError`` listing every problem."""
    problems = validate_catalogue(raw)
    if problems:
        raise CatalogueError(problems)
    indicators = {}
    for indicator_id, e in raw["indicators"].items():
        indicators[indicator_id] = Indicator(
            id=indicator_id,
            theme=e["theme"],
            texts={k: Bilingual.from_mapping(e[k], f"{indicator_id}.{k}") for k in TEXT_FIELDS},
            unit=e["unit"]["code"],
            unit_text=Bilingual.from_mapping(e["unit"], f"{indicator_id}.unit"),
            decimals=int(e.get("decimals", 0)),
            kind=e.get("kind", "stock"),
            levels={lvl: build_level(spec, f"{indicator_id}.levels.{lvl}") for lvl, spec in e["levels"].items()},
            palette=e.get("palette", "YlGnBu"),
            scheme=e.get("scheme", "quantiles"),
            k=int(e.get("k", 5)),
            centre=e.get("centre"),
            window=int(e.get("window", 0)),
            headline=bool(e.get("headline", False)),
            disaggregations=_tuple(e.get("disaggregations")),
        )
    themes = {t: Bilingual.from_mapping(v, f"themes.{t}") for t, v in raw["themes"].items()}
    return Catalogue(themes=themes, indicators=indicators)


@functools.lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """``catalogue.yaml``, read and checked once per process."""
    return build_catalogue(load_yaml(CATALOGUE_FILE))
