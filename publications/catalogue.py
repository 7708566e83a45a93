"""What can be published: every bulletin (12 countries + region), fact sheet and article, for a page or a CLI.

``list_publications(lang, year=None)`` returns ``PublicationEntry`` rows with the slug, title,
countries and tags the "Articles and bulletins" page filters on, and the data version they
are computed from. Nothing is built here: building happens on demand (``build_entry``).
"""

from __future__ import annotations

from dataclasses import dataclass

from publications import data
from publications.templates import text


@dataclass(frozen=True)
class PublicationEntry:
    """One publication that can be built."""

    kind: str  # "bulletin" | "factsheet" | "article"
    slug: str
    lang: str
    title: str
    area: str  # ISO3, "region", or "" for an article
    year: int | None
    countries: tuple[str, ...]
    tags: tuple[str, ...]
    date: str
    summary: str
    data_version: str


def default_year() -> int:
    """The latest calendar year with a complete year of Darién and IGM data (the series that close
    every month); bulletins of later years would be mostly partial."""
    from publications.context import period_span

    years = []
    for view in ("darien_transit", "guatemala_returns"):
        coverage = data.load_flow_coverage(view)
        complete = coverage[coverage["complete"]]
        if not complete.empty:
            years.append(max(period_span(p)[0] for p in complete["period"]))
    return min(years) if years else 2023


def list_publications(lang: str, year: int | None = None) -> list[PublicationEntry]:
    """Every bulletin and fact sheet for ``year`` (default: ``default_year()``) and every article in ``lang``."""
    from publications.articles import list_articles
    from publications.bulletin import bulletin_areas, bulletin_slug

    year = year or default_year()
    version = data.load_data_version()
    out = []
    for area in bulletin_areas():
        name = text("region_name", lang) if area == "region" else data.territory_name(area, lang)
        countries = data.load_network() if area == "region" else (area,)
        title = text("bulletin_title", lang, year=year, area=name)
        out.append(
            PublicationEntry(
                "bulletin",
                bulletin_slug(area, year, lang),
                lang,
                title,
                area,
                year,
                tuple(countries),
                (),
                "",
                "",
                version,
            )
        )
        if area != "region":
            out.append(
                PublicationEntry(
                    "factsheet",
                    f"factsheet-{area.lower()}-{year}-{lang}",
                    lang,
                    text("factsheet_title", lang, area=name, year=year),
                    area,
                    year,
                    (area,),
                    (),
                    "",
                    "",
                    version,
                )
            )
    for a in list_articles(lang):
        out.append(
            PublicationEntry(
                "article", a.slug, lang, a.title, "", None, a.countries, a.tags, a.date, a.summary, version
            )
        )
    return out
