"""URL builders for "get this through the API" links (pure: no request, no store).

The atlas pages call these with their own view state and show the result as a link:

    api.urls.indicator_url("immigrant_stock_share", "country", period="2024", country="GTM")
    api.urls.crosstab_url("measure=entries&rows=ref_area&cols=time_period")
    api.urls.sdmx_data_url("undesa_ims2024", "A.migrant_stock..USA.MEX....", startPeriod="2020")

The base address is ``$ATLAS_API_URL`` (default ``http://localhost:8502``, where ``make run``
starts the service); pass ``base=`` to override it. ``version=`` pins the data version a
page was computed from, so the link returns exactly the numbers on screen while that version
is kept.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, quote, urlencode

DEFAULT_BASE = "http://localhost:8502"
FORMATS = ("csv", "json")


def api_base_url(base: str | None = None) -> str:
    """``base``, else ``$ATLAS_API_URL``, else ``http://localhost:8502`` (no trailing slash)."""
    return (base if base is not None else os.environ.get("ATLAS_API_URL") or DEFAULT_BASE).rstrip("/")


def _query(params: dict[str, object]) -> str:
    kept = {k: str(v) for k, v in params.items() if v not in (None, "")}
    return urlencode(kept, safe=",:+") if kept else ""


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    return fmt


def indicator_url(
    indicator_id: str,
    level: str,
    period: str | None = None,
    country: str | None = None,
    *,
    fmt: str = "csv",
    lang: str | None = None,
    sex: str | None = None,
    partner: str | None = None,
    version: str | None = None,
    base: str | None = None,
) -> str:
    """The indicator as the map shows it: ``/api/v1/indicators/{id}?level=&period=&country=&format=``."""
    if not indicator_id or not level:
        raise ValueError(f"indicator_url needs an indicator id and a level, got {indicator_id!r}, {level!r}")
    query = _query(
        {
            "level": level,
            "period": period,
            "country": country,
            "sex": sex,
            "partner": partner,
            "lang": lang,
            "version": version,
            "format": _check_format(fmt),
        }
    )
    return f"{api_base_url(base)}/api/v1/indicators/{quote(indicator_id, safe='')}?{query}"


def crosstab_url(
    query_string: str, *, fmt: str = "csv", lang: str | None = None, version: str | None = None, base: str | None = None
) -> str:
    """The explorer's table from its own query string (``?`` optional): ``/api/v1/crosstab?<query>&format=``.

    ``format`` is always the one given here; ``lang`` and ``version`` replace the page's own
    only when given. Every other key is passed on unchanged, in order.
    """
    replaced = {"format"} | {k for k, v in (("lang", lang), ("version", version)) if v}
    pairs = [(k, v) for k, v in parse_qsl(query_string.lstrip("?"), keep_blank_values=True) if k not in replaced]
    pairs += [(k, v) for k, v in (("lang", lang), ("version", version), ("format", _check_format(fmt))) if v]
    return f"{api_base_url(base)}/api/v1/crosstab?{urlencode(pairs, safe=',:+')}"


def sdmx_data_url(dataset_id: str, key: str = "all", *, base: str | None = None, **params: object) -> str:
    """SDMX 2.1 REST data: ``/sdmx/v2.1/data/{FLOW}/{key}?startPeriod=…&format=…``."""
    query = _query(params)
    url = f"{api_base_url(base)}/sdmx/v2.1/data/{quote(dataset_id.upper(), safe='')}/{quote(key or 'all', safe='.+')}"
    return f"{url}?{query}" if query else url


def dataset_url(dataset_id: str | None = None, *, fmt: str = "json", base: str | None = None) -> str:
    """The datasets list (or one dataset) with licences and citations."""
    path = "/api/v1/datasets" + (f"/{quote(dataset_id, safe='')}" if dataset_id else "")
    return f"{api_base_url(base)}{path}?format={_check_format(fmt)}"


CITATION_STYLES = ("text", "bibtex", "csl-json")


def citation_url(dataset_id: str, style: str = "bibtex", *, version: str | None = None, base: str | None = None) -> str:
    """A dataset's citation at a data version: ``text``, ``bibtex`` or ``csl-json``."""
    if style not in CITATION_STYLES:
        raise ValueError(f"style must be one of {CITATION_STYLES}, got {style!r}")
    query = _query({"style": style, "version": version})
    return f"{api_base_url(base)}/api/v1/datasets/{quote(dataset_id, safe='')}/citation?{query}"


def docs_url(base: str | None = None) -> str:
    """The OpenAPI documentation page served by the service (offline)."""
    return f"{api_base_url(base)}/docs"
