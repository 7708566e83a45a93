"""The gazetteer: one row per territory, and ``resolve`` from any code or name to its code.

Built from the vendored UN M49 / ISO3 reference table, the vendored admin-1 index,
pycountry (ISO 3166-1 and 3166-2) and Babel (CLDR names), plus the short curated
``names.yaml``. Names are for people; joins are on ``geo_code`` only.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd
import pycountry
from babel import Locale
from rapidfuzz import fuzz, process

from common.yamlfile import load_yaml
from geodata import paths

COLUMNS = [
    "geo_code",
    "level",
    "parent_code",
    "name_es",
    "name_en",
    "unit_type_es",
    "unit_type_en",
    "iso2",
    "iso_numeric",
    "subregion",
    "in_network",
    "has_geometry",
    "status",
    "aliases",
    "note_es",
    "note_en",
]
LEVELS = ("country", "admin1", "special")


class UnknownTerritoryError(LookupError):
    """A code or name that matches no territory; ``suggestions`` holds the closest codes."""

    def __init__(
        self, text: str, suggestions: list[tuple[str, str, str]], country: str | None = None, reason: str = "unknown"
    ):
        self.text = text
        self.country = country
        self.suggestions = suggestions  # [(geo_code, name_es, name_en), ...]
        self.reason = reason
        closest = ", ".join(f"{c} ({en})" for c, _, en in suggestions) or "none"
        where = f" in {country}" if country else ""
        if reason == "ambiguous":
            msg = f"'{text}' matches several territories{where}: {closest}. Pass country= or a code."
        elif reason == "other_country":
            msg = f"'{text}' is a territory of another country, not of {country}: {closest}."
        else:
            msg = f"Unknown territory '{text}'{where}. Closest valid: {closest}."
        super().__init__(msg)


def normalise(text: object) -> str:
    """Case-, accent-, punctuation- and spacing-insensitive key for matching names and codes."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = re.sub(r"[\s\-_.,'’()/]+", " ", s).strip()
    s = re.sub(r"^st (?=\w)", "saint ", s)
    s = re.sub(r"^ste (?=\w)", "sainte ", s)
    s = re.sub(r"^sta (?=\w)", "santa ", s)
    s = re.sub(r"^sto (?=\w)", "santo ", s)
    s = re.sub(r"^the (?=\w)", "", s)  # "The Bahamas", "The Gambia"
    return s


@functools.lru_cache(maxsize=1)
def _curated() -> dict:
    return load_yaml(paths.GAZETTEER_NAMES)


def network_countries() -> tuple[str, ...]:
    """ISO3 codes of the twelve countries of the regional network."""
    return tuple(_curated()["network"])


def _cldr_name(iso2: str, lang: str) -> str | None:
    name = Locale(lang).territories.get(iso2)
    if name and lang == "en":
        name = re.sub(r"^St\. ", "Saint ", name).replace(" & ", " and ")
    return name


def _country_rows(cur: dict) -> list[dict]:
    ref = pd.read_csv(paths.COUNTRY_NAMES, keep_default_na=False, dtype=str)
    network = set(cur["network"])
    special = {a for s in cur["special"].values() for a in s["aliases"]}
    rows = []
    for r in ref.itertuples(index=False):
        iso3, iso2 = r.iso3, r.iso2
        if iso3 in special:  # e.g. STL (stateless), OOO (unknown): special codes, not territories
            continue
        iso = pycountry.countries.get(alpha_3=iso3)
        override = cur["country_names"].get(iso3, {})
        name_en = override.get("en") or (_cldr_name(iso2, "en") if iso2 else None) or r.name_text or r.name
        name_es = override.get("es") or (_cldr_name(iso2, "es") if iso2 else None) or name_en
        numeric = f"{int(float(r.m49)):03d}" if r.m49 else ""
        aliases = {iso3, r.name, r.name_sort, r.name_text, name_en, name_es}
        if iso2:
            aliases |= {iso2, _cldr_name(iso2, "en") or "", Locale("en").territories.get(iso2, "")}
        if numeric:
            aliases.add(numeric)
        if iso is not None:
            aliases |= {getattr(iso, a, "") for a in ("name", "official_name", "common_name")}
        aliases |= set(cur["country_aliases"].get(iso3, []))
        note = cur["notes"].get(iso3, {})
        rows.append(
            {
                "geo_code": iso3,
                "level": "country",
                "parent_code": "",
                "name_es": name_es,
                "name_en": name_en,
                "unit_type_es": "País",
                "unit_type_en": "Country",
                "iso2": iso2,
                "iso_numeric": numeric,
                "subregion": r.intregion or r.subregion,
                "in_network": iso3 in network,
                "has_geometry": False,
                "status": "current" if iso is not None else ("historic" if iso3 == "ANT" else "non_iso"),
                "aliases": tuple(sorted(a for a in aliases if a)),
                "note_es": note.get("es", ""),
                "note_en": note.get("en", ""),
            }
        )
    return rows


def _admin1_rows(cur: dict) -> list[dict]:
    index = pd.read_csv(paths.ADMIN1.parent / "admin1_index.csv", keep_default_na=False, dtype=str)
    us = pd.read_csv(paths.US_STATES_LOOKUP, keep_default_na=False, dtype=str)
    us = us[us.is_state_or_dc == "True"]
    historic = cur["historic_admin1"]
    extra_names = defaultdict(set)  # code -> names and old codes seen in the boundary sources
    for r in index.itertuples(index=False):
        code = r.iso_3166_2 or r.iso_3166_2_ne
        extra_names[code] |= {r.name, r.name_iso, r.iso_3166_2_ne}
    with_geometry = set(extra_names)
    for r in us.itertuples(index=False):
        extra_names[r.iso_3166_2] |= {r.name, f"US-{r.usps}"}
        with_geometry.add(r.iso_3166_2)
    country_of = {
        pycountry.countries.get(alpha_2=a2).alpha_2: pycountry.countries.get(alpha_2=a2).alpha_3
        for a2 in {"US"} | {pycountry.countries.get(alpha_3=c).alpha_2 for c in cur["network"]}
    }
    rows = []
    for iso2, iso3 in sorted(country_of.items()):
        subs = [s for s in pycountry.subdivisions.get(country_code=iso2) if s.parent_code is None]
        if iso2 == "US":
            subs = [s for s in subs if s.code in with_geometry]
        units = [(s.code, s.name, s.type) for s in subs]
        units += [(code, h["name"], "Quarter") for code, h in historic.items() if h["parent"] == iso3]
        for code, name, unit_type in sorted(units):
            name_en = cur["admin1_names_en"].get(code, name)
            name_es = cur["admin1_names_es"].get(code, name)
            note = cur["notes"].get(code, {})
            aliases = {code, name, name_en, name_es} | extra_names.get(code, set())
            aliases |= set(cur["admin1_aliases"].get(code, []))
            rows.append(
                {
                    "geo_code": code,
                    "level": "admin1",
                    "parent_code": iso3,
                    "name_es": name_es,
                    "name_en": name_en,
                    "unit_type_es": cur["unit_types_es"].get(unit_type, unit_type),
                    "unit_type_en": unit_type,
                    "iso2": "",
                    "iso_numeric": "",
                    "subregion": "",
                    "in_network": iso3 in cur["network"],
                    "has_geometry": code in with_geometry,
                    "status": "historic" if code in historic else "current",
                    "aliases": tuple(sorted(a for a in aliases if a)),
                    "note_es": note.get("es", ""),
                    "note_en": note.get("en", ""),
                }
            )
    return rows


def _special_rows(cur: dict) -> list[dict]:
    return [
        {
            "geo_code": code,
            "level": "special",
            "parent_code": "",
            "name_es": s["name_es"],
            "name_en": s["name_en"],
            "unit_type_es": "",
            "unit_type_en": "",
            "iso2": "",
            "iso_numeric": "",
            "subregion": "",
            "in_network": False,
            "has_geometry": False,
            "status": "special",
            "aliases": tuple(sorted({code, s["name_es"], s["name_en"], *s["aliases"]})),
            "note_es": "",
            "note_en": "",
        }
        for code, s in cur["special"].items()
    ]


def build_gazetteer() -> pd.DataFrame:
    """Every territory the atlas knows, one row each, sorted by level and code (pure)."""
    cur = _curated()
    rows = [*_country_rows(cur), *_admin1_rows(cur), *_special_rows(cur)]
    gaz = pd.DataFrame(rows, columns=COLUMNS)
    with_geometry = set(_geometry_countries())
    gaz.loc[gaz.level.eq("country") & gaz.geo_code.isin(with_geometry), "has_geometry"] = True
    dupes = gaz.geo_code[gaz.geo_code.duplicated()]
    if len(dupes):
        raise ValueError(f"gazetteer has duplicate geo_code values: {sorted(set(dupes))}")
    order = {lvl: i for i, lvl in enumerate(LEVELS)}
    return gaz.sort_values(
        ["level", "geo_code"], key=lambda s: s.map(order) if s.name == "level" else s, ignore_index=True
    )


def _geometry_countries() -> list[str]:
    """ISO3 codes of the countries drawn on the maps: the Americas (UN M49) plus Spain."""
    ref = pd.read_csv(paths.COUNTRY_NAMES, keep_default_na=False, dtype=str)
    return sorted(ref.loc[(ref.region == "Americas") | (ref.iso3 == "ESP"), "iso3"])


@functools.lru_cache(maxsize=1)
def gazetteer() -> pd.DataFrame:
    """The gazetteer, built once per process. Do not mutate it; take a copy."""
    return build_gazetteer()


@dataclass(frozen=True)
class _Index:
    by_key: dict[str, frozenset[str]]
    level: dict[str, str]
    parent: dict[str, str]
    names: dict[str, tuple[str, str]]
    choices: dict[str | None, list[tuple[str, str]]]  # scope -> [(normalised name, code)], for suggestions


@functools.lru_cache(maxsize=1)
def _index() -> _Index:
    gaz = gazetteer()
    by_key: dict[str, set[str]] = defaultdict(set)
    choices: dict[str | None, list[tuple[str, str]]] = defaultdict(list)
    for r in gaz.itertuples(index=False):
        for alias in r.aliases:
            by_key[normalise(alias)].add(r.geo_code)
        for label in sorted({normalise(r.name_en), normalise(r.name_es)}):
            choices[None].append((label, r.geo_code))
            if r.parent_code:
                choices[r.parent_code].append((label, r.geo_code))
            elif r.level == "country":
                choices[r.geo_code].append((label, r.geo_code))
    return _Index(
        by_key={k: frozenset(v) for k, v in by_key.items()},
        level=dict(zip(gaz.geo_code, gaz.level)),
        parent=dict(zip(gaz.geo_code, gaz.parent_code)),
        names={c: (es, en) for c, es, en in zip(gaz.geo_code, gaz.name_es, gaz.name_en)},
        choices=dict(choices),
    )


def _suggest(text: str, country: str | None, limit: int = 3) -> list[tuple[str, str, str]]:
    idx = _index()
    pool = idx.choices.get(country, []) if country else idx.choices[None]
    found = process.extract(normalise(text), [k for k, _ in pool], scorer=fuzz.WRatio, limit=limit * 4)
    out: list[str] = []
    for _key, _score, i in found:
        if pool[i][1] not in out:
            out.append(pool[i][1])
    return [(c, *idx.names[c]) for c in out[:limit]]


def resolve(text: str, country: str | None = None, level: str | None = None, suggest: bool = True) -> str:
    """The ``geo_code`` for a code, old code or name in Spanish or English.

    Case, accents, punctuation and spacing are ignored. ``country`` (ISO3) narrows the
    search to that country and its admin-1 units, and lets bare unit codes such as
    ``"SON"`` or ``"TX"`` match. ``level`` is ``"country"``, ``"admin1"`` or ``"special"``.
    A country name beats an admin-1 unit of the same name ("Guatemala" is GTM unless
    ``country="GTM"``). Raises ``UnknownTerritoryError`` naming the closest valid territories
    (fuzzy matching; ``suggest=False`` skips it and names none, for callers past a budget of unknowns).
    """
    if not isinstance(text, str) or not text.strip():
        raise UnknownTerritoryError(str(text), [], country)
    if level is not None and level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    idx = _index()
    if country is not None:
        country = resolve(country, level="country")
    key = normalise(text)
    found = set(idx.by_key.get(key, ()))
    if country is not None:
        iso = pycountry.countries.get(alpha_3=country)
        if iso is not None:  # bare unit codes: "SON" in MEX, "TX" in USA, "01" in GTM
            found |= idx.by_key.get(normalise(f"{iso.alpha_2}-{text}"), frozenset())
        in_scope = {c for c in found if c == country or idx.parent[c] == country or idx.level[c] == "special"}
        if not in_scope and found:
            others = sorted(found)
            raise UnknownTerritoryError(text, [(c, *idx.names[c]) for c in others], country, "other_country")
        found = in_scope
    if level is not None:
        found = {c for c in found if idx.level[c] == level}
    if country is not None and country in found and len(found) > 1 and key != normalise(country):
        found.discard(country)  # inside GTM, "Guatemala" is the department unless the code GTM was given
    if len(found) > 1:
        countries = {c for c in found if idx.level[c] == "country"}
        if len(countries) == 1:
            found = countries
    if len(found) == 1:
        return next(iter(found))
    if len(found) > 1:
        raise UnknownTerritoryError(text, [(c, *idx.names[c]) for c in sorted(found)], country, "ambiguous")
    raise UnknownTerritoryError(text, _suggest(text, country) if suggest else [], country)


def name(geo_code: str, lang: str) -> str:
    """The display name of a territory in ``lang`` (``"es"`` or ``"en"``)."""
    es, en = _index().names[geo_code]
    return es if lang == "es" else en
