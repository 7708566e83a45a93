"""Bulletins: a template, an area (a network country or the region), a period and a language -> a Publication.

    from publications.bulletin import build_bulletin
    pub = build_bulletin("GTM", 2023, "es")       # Publication (sections, figures, tables, images, sources)
    pub = build_bulletin("PAN", "2024-Q3", "en")  # a quarter; "2024-03" is a month
    pdf = publications.render.render_pdf(pub)      # bytes

Everything is computed from the store at one data version (stated on the cover), section
by section in template order; the data-gaps box is built last, from what every other
section could not show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from publications import data
from publications.context import BuildContext
from publications.model import Publication
from publications.periods import YEARS as PERIOD_YEARS
from publications.periods import PeriodError, parse_period
from publications.sections import SECTION_BUILDERS
from publications.templates import LANGS, load_template, text

# Section kinds computed for the period itself in quarter and month bulletins; the others are annual only.
SUB_ANNUAL_KINDS = ("headline", "flows", "trend", "gaps")

REGION = "region"
YEARS = PERIOD_YEARS


class BulletinRequestError(ValueError):
    """A bulletin that cannot be built (unknown country, language or period); the message says what is valid."""


def validate_request(area: str, period: object, lang: str) -> list[str]:
    """Every problem with a bulletin request (empty when it can be built)."""
    problems = []
    network = data.load_network()
    if area != REGION and area not in network:
        problems.append(f"area must be one of {', '.join(network)} or {REGION!r}, got {area!r}")
    if lang not in LANGS:
        problems.append(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    try:
        parse_period(period)
    except PeriodError as exc:
        problems.append(str(exc))
    return problems


def bulletin_slug(area: str, period: object, lang: str) -> str:
    """``bulletin-gtm-2023-es``, ``bulletin-pan-2024-q3-es``, ``bulletin-gtm-2024-03-en``: file stem and page key."""
    return f"bulletin-{area.lower()}-{parse_period(period).slug}-{lang}"


def build_bulletin(
    area: str, period: object, lang: str, generated: dt.datetime | None = None, template: dict | None = None
) -> Publication:
    """The bulletin of ``area`` (ISO3 of a network country, or ``"region"``) for ``period`` in ``lang``.

    ``period`` is a year (``2023`` or ``"2023"``), a quarter (``"2024-Q3"``) or a month (``"2024-03"``).
    In a quarter or month bulletin the headline figures with a monthly series are summed over the
    period's months and compared with the previous quarter (month); the other sections are annual
    only and say so, showing the latest complete year. ``template`` overrides the shipped one
    (``country`` or ``region``); ``generated`` fixes the generation time (tests, reproducible builds).
    Raises ``BulletinRequestError``.
    """
    problems = validate_request(area, period, lang)
    if problems:
        raise BulletinRequestError("; ".join(problems))
    chosen = parse_period(period)
    spec = template or load_template("region" if area == REGION else "country")
    ctx = BuildContext(
        lang=lang,
        year=chosen.annual_year if chosen.sub_annual else chosen.year,
        area=None if area == REGION else area,
        period=chosen,
    )
    version = data.load_data_version()
    generated = generated or dt.datetime.now(dt.UTC)
    built = {}
    ordered = spec["sections"]
    for section in [s for s in ordered if s["kind"] != "gaps"] + [s for s in ordered if s["kind"] == "gaps"]:
        result = SECTION_BUILDERS[section["kind"]](ctx, section)
        if chosen.sub_annual and section["kind"] not in SUB_ANNUAL_KINDS:
            notice = ctx.t("annual_only_section", granularity=ctx.t(f"granularity_{chosen.kind}"), year=ctx.year)
            result = replace(result, paragraphs=(notice, *result.paragraphs))
        built[section["id"]] = result
    title = spec["title"][lang].format(year=ctx.period_text, area=ctx.area_name)
    url = data.atlas_url()
    citation = text("citation", lang, year_generated=generated.year, title=title, version=version, url=url)
    return Publication(
        kind="bulletin",
        slug=bulletin_slug(area, chosen, lang),
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
            "year": chosen.year,
            "period": chosen.label,
            "period_kind": chosen.kind,
            "annual_year": ctx.year,
            "area_name": ctx.area_name,
            "template": spec["kind"],
            "gaps": [f"{a}: {b}" for a, b in ctx.gaps],
        },
    )


def bulletin_areas() -> list[str]:
    """Every bulletin area: the twelve network countries, then the region."""
    return [*data.load_network(), REGION]
