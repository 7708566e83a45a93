"""Bulletin templates (``publications/templates/*.yaml``): loading and validation.

A template names its sections in order; each section has a ``kind`` (``SECTION_KINDS``) and
the parameters of that kind (indicators, flow views, corridors, filters). ``validate_template``
gathers every problem (unknown kind, indicator, flow view, corridor, missing translation...)
and ``load_template`` raises ``TemplateError`` listing them all, so an editor who adds a
section learns everything to fix at once.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

from common.yamlfile import load_yaml

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STRINGS_FILE = Path(__file__).resolve().parent / "strings.yaml"
LANGS = ("es", "en")
SECTION_KINDS = ("headline", "map", "flows", "corridors", "trend", "country_table", "gaps")
SIDES = ("incoming", "outgoing")
AREAS = ("country", "network")
SUMMABLE_KINDS = ("stock", "flow")


class TemplateError(ValueError):
    """A bulletin template that cannot be used; the message lists every problem."""

    def __init__(self, name: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"template {name!r} has {len(problems)} problem(s): " + "; ".join(problems))


class UnknownTemplateError(KeyError):
    def __init__(self, name: str, valid: list[str]):
        super().__init__(f"unknown bulletin template {name!r}; valid: {', '.join(valid)}")


@functools.lru_cache(maxsize=1)
def load_strings() -> dict[str, dict[str, str]]:
    """Every non-data text of publications, ``{key: {es, en}}``."""
    return load_yaml(STRINGS_FILE)


def text(key: str, lang: str, **values: object) -> str:
    """The string ``key`` in ``lang`` with its placeholders filled."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return load_strings()[key][lang].format(**values)


def template_names() -> list[str]:
    """The templates shipped in ``publications/templates`` (file names without ``.yaml``)."""
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.yaml"))


def _bilingual(where: str, value: object, problems: list[str]) -> None:
    if not isinstance(value, Mapping) or any(
        not isinstance(value.get(lang), str) or not value.get(lang) for lang in LANGS
    ):
        problems.append(f"{where}: needs a text in both 'es' and 'en', got {value!r}")


def validate_item(where: str, item: object, problems: list[str]) -> None:
    """One headline figure or trend item: an indicator or a flow view side, its label, filters and area."""
    from indicators import load_catalogue
    from indicators.flows import load_flow_views

    if not isinstance(item, Mapping):
        problems.append(f"{where}: must be a mapping with 'indicator' or 'flow', got {item!r}")
        return
    catalogue = load_catalogue()
    if ("indicator" in item) == ("flow" in item):
        problems.append(f"{where}: give exactly one of 'indicator' or 'flow', got keys {sorted(item)}")
    if "indicator" in item:
        if item["indicator"] not in catalogue.indicators:
            problems.append(
                f"{where}: unknown indicator {item['indicator']!r}; valid: {', '.join(catalogue.indicators)}"
            )
        elif item.get("area") == "network" and catalogue.get(item["indicator"]).kind not in SUMMABLE_KINDS:
            problems.append(
                f"{where}: indicator {item['indicator']!r} is a {catalogue.get(item['indicator']).kind}, "
                "it cannot be summed over the network (area: network takes stocks and flows only)"
            )
    if "flow" in item:
        views = load_flow_views()
        if item["flow"] not in views:
            problems.append(f"{where}: unknown flow view {item['flow']!r}; valid: {', '.join(views)}")
        if item.get("side") not in SIDES:
            problems.append(f"{where}: 'side' must be one of {SIDES}, got {item.get('side')!r}")
    kinds = item.get("periods", [])
    if not isinstance(kinds, list) or any(k not in ("year", "quarter", "month") for k in kinds):
        problems.append(f"{where}: 'periods' must list some of year, quarter, month, got {kinds!r}")
    if "monthly" in item and isinstance(item["monthly"], Mapping) and "dataset" in item["monthly"]:
        monthly = item["monthly"]
        if not isinstance(monthly.get("measure"), str):
            problems.append(f"{where}.monthly: a 'dataset' needs its 'measure', got {monthly!r}")
    elif "monthly" in item:
        monthly = item["monthly"]
        views = load_flow_views()
        if not isinstance(monthly, Mapping) or monthly.get("flow") not in views:
            problems.append(
                f"{where}.monthly: must name a flow view ('flow', 'side') or a 'dataset' and 'measure', got {monthly!r}"
            )
        elif "month" not in views[monthly["flow"]].steps:
            problems.append(f"{where}.monthly: flow view {monthly['flow']!r} has no month step")
        elif monthly.get("side") not in SIDES:
            problems.append(f"{where}.monthly: 'side' must be one of {SIDES}, got {monthly.get('side')!r}")
    area = item.get("area", "country")
    if area not in AREAS and not (isinstance(area, str) and len(area) == 3 and area.isupper()):
        problems.append(f"{where}: 'area' must be one of {AREAS} or an ISO3 code, got {area!r}")
    if "label" in item:
        _bilingual(f"{where}.label", item["label"], problems)
    countries = item.get("countries", [])
    if not isinstance(countries, list) or any(not isinstance(c, str) or len(c) != 3 for c in countries):
        problems.append(f"{where}: 'countries' must be a list of ISO3 codes, got {countries!r}")


def validate_section(where: str, section: object, problems: list[str]) -> None:
    """One section entry: id, kind, bilingual title and the parameters its kind needs."""
    from indicators import load_catalogue
    from indicators.corridors import load_corridors
    from indicators.flows import load_flow_views

    if not isinstance(section, Mapping):
        problems.append(f"{where}: must be a mapping, got {section!r}")
        return
    kind = section.get("kind")
    if kind not in SECTION_KINDS:
        problems.append(f"{where}: 'kind' must be one of {', '.join(SECTION_KINDS)}, got {kind!r}")
    if not isinstance(section.get("id"), str) or not section.get("id"):
        problems.append(f"{where}: needs an 'id'")
    _bilingual(f"{where}.title", section.get("title"), problems)
    catalogue = load_catalogue()
    if kind in ("headline", "trend"):
        key = "figures" if kind == "headline" else "items"
        items = section.get(key)
        if not isinstance(items, list) or not items:
            problems.append(f"{where}: a {kind} section needs a non-empty '{key}' list")
        else:
            for i, item in enumerate(items):
                validate_item(f"{where}.{key}[{i}]", item, problems)
    if kind in ("map", "country_table"):
        ids = section.get("indicators")
        if not isinstance(ids, list) or not ids:
            problems.append(f"{where}: a {kind} section needs a non-empty 'indicators' list")
        else:
            level = section.get("level", "country")
            for iid in ids:
                if iid not in catalogue.indicators:
                    problems.append(f"{where}: unknown indicator {iid!r}; valid: {', '.join(catalogue.indicators)}")
                elif level not in catalogue.get(iid).levels:
                    problems.append(
                        f"{where}: indicator {iid!r} has no level {level!r} "
                        f"(it has {', '.join(catalogue.get(iid).levels)})"
                    )
    if kind == "flows":
        views = load_flow_views()
        for entry in section.get("views") or []:
            vid = entry.get("view") if isinstance(entry, Mapping) else entry
            if vid not in views:
                problems.append(f"{where}: unknown flow view {vid!r}; valid: {', '.join(views)}")
        if not section.get("views"):
            problems.append(f"{where}: a flows section needs a non-empty 'views' list")
    if kind == "corridors":
        known = load_corridors()
        for cid in section.get("corridors") or []:
            if cid not in known:
                problems.append(f"{where}: unknown corridor {cid!r}; valid: {', '.join(known)}")
    for key in ("top", "years", "months", "window"):
        if key in section and (not isinstance(section[key], int) or section[key] < 0):
            problems.append(f"{where}: {key!r} must be a whole number of at least 0, got {section[key]!r}")


def validate_template(raw: object, name: str = "template") -> list[str]:
    """Every problem of a parsed template (empty list when it is usable)."""
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        return [f"{name}: must be a mapping with 'kind', 'title' and 'sections', got {type(raw).__name__}"]
    if raw.get("kind") not in ("country", "region"):
        problems.append(f"{name}: 'kind' must be 'country' or 'region', got {raw.get('kind')!r}")
    _bilingual(f"{name}.title", raw.get("title"), problems)
    sections = raw.get("sections")
    if not isinstance(sections, list) or not sections:
        problems.append(f"{name}: needs a non-empty 'sections' list")
        return problems
    seen: set[str] = set()
    for i, section in enumerate(sections):
        validate_section(f"{name}.sections[{i}]", section, problems)
        sid = section.get("id") if isinstance(section, Mapping) else None
        if sid in seen:
            problems.append(f"{name}.sections[{i}]: duplicate section id {sid!r}")
        seen.add(sid)
    return problems


def build_template(raw: object, name: str = "template") -> dict:
    """The template, checked; raises ``TemplateError`` with every problem found."""
    problems = validate_template(raw, name)
    if problems:
        raise TemplateError(name, problems)
    return dict(raw)


@functools.lru_cache(maxsize=8)
def load_template(name: str) -> dict:
    """A shipped template by name (``country`` or ``region``), checked."""
    names = template_names()
    if name not in names:
        raise UnknownTemplateError(name, names)
    return build_template(load_yaml(TEMPLATES_DIR / f"{name}.yaml"), name)
