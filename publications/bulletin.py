"""Bulletins: a template, an area (a network country or the region), a year and a language -> a Publication.

    from publications.bulletin import build_bulletin
    pub = build_bulletin("GTM", 2023, "es")       # Publication (sections, figures, tables, images, sources)
    pdf = publications.render.render_pdf(pub)      # bytes

Everything is computed from the store at one data version (stated on the cover), section
by section in template order; the data-gaps box is built last, from what every other
section could not show.
"""

from __future__ import annotations

import datetime as dt

from publications import data
from publications.context import BuildContext
from publications.model import Publication
from publications.sections import SECTION_BUILDERS
from publications.templates import LANGS, load_template, text

REGION = "region"
YEARS = (2010, 2030)


class BulletinRequestError(ValueError):
    """A bulletin that cannot be built (unknown country, language or year); the message says what is valid."""


def validate_request(area: str, year: int, lang: str) -> list[str]:
    """Every problem with a bulletin request (empty when it can be built)."""
    problems = []
    network = data.load_network()
    if area != REGION and area not in network:
        problems.append(f"area must be one of {', '.join(network)} or {REGION!r}, got {area!r}")
    if lang not in LANGS:
        problems.append(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    if not isinstance(year, int) or not YEARS[0] <= year <= YEARS[1]:
        problems.append(f"year must be a whole number from {YEARS[0]} to {YEARS[1]}, got {year!r}")
    return problems


def bulletin_slug(area: str, year: int, lang: str) -> str:
    """``bulletin-gtm-2023-es``: the file name stem and the page key of a bulletin."""
    return f"bulletin-{area.lower()}-{year}-{lang}"


def build_bulletin(
    area: str, year: int, lang: str, generated: dt.datetime | None = None, template: dict | None = None
) -> Publication:
    """The bulletin of ``area`` (ISO3 of a network country, or ``"region"``) for ``year`` in ``lang``.

    ``template`` overrides the shipped one (``country`` or ``region``); ``generated`` fixes the
    generation time (tests, reproducible builds). Raises ``BulletinRequestError``.
    """
    problems = validate_request(area, year, lang)
    if problems:
        raise BulletinRequestError("; ".join(problems))
    spec = template or load_template("region" if area == REGION else "country")
    ctx = BuildContext(lang=lang, year=year, area=None if area == REGION else area)
    version = data.load_data_version()
    generated = generated or dt.datetime.now(dt.UTC)
    built = {}
    ordered = spec["sections"]
    for section in [s for s in ordered if s["kind"] != "gaps"] + [s for s in ordered if s["kind"] == "gaps"]:
        built[section["id"]] = SECTION_BUILDERS[section["kind"]](ctx, section)
    title = spec["title"][lang].format(year=year, area=ctx.area_name)
    url = data.atlas_url()
    citation = text("citation", lang, year_generated=generated.year, title=title, version=version, url=url)
    return Publication(
        kind="bulletin",
        slug=bulletin_slug(area, year, lang),
        lang=lang,
        title=title,
        subtitle=text("bulletin_subtitle", lang),
        data_version=version,
        generated=generated.strftime("%Y-%m-%d %H:%M UTC"),
        citation=citation,
        sections=tuple(built[s["id"]] for s in ordered),
        sources=tuple(sorted(ctx.sources.values(), key=lambda s: s.number)),
        meta={
            "area": area,
            "year": year,
            "area_name": ctx.area_name,
            "template": spec["kind"],
            "gaps": [f"{a}: {b}" for a, b in ctx.gaps],
        },
    )


def bulletin_areas() -> list[str]:
    """Every bulletin area: the twelve network countries, then the region."""
    return [*data.load_network(), REGION]
