"""Images of atlas views from their URL state: the map, flow and chart downloads, and article figures.

    from publications.views import render_view_image
    image = render_view_image("map?indicator=dead_missing&level=admin1&country=PAN&year=2023", "es", "png")
    image.data, image.mime, image.texts      # bytes, MIME type, the title/legend/source/version/URL drawn in

Pages: ``map`` (indicator, level, country, year; optional scheme, k, palette as on the map
page), ``flows`` (view, period, focus, mode, top) and ``chart`` (indicator or flow + side,
area, from, to). Every image carries its title, subtitle, legend, source line, data version
and the URL of the interactive view. A view without data raises ``ValueError`` (no empty image).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

import pandas as pd

from layers.static_image import ImageTexts, StaticImage, validate_format
from publications import data
from publications.context import BuildContext, period_span

VIEW_PAGES = ("map", "flows", "chart")


@dataclass(frozen=True)
class ViewImages:
    """A view drawn in one or more formats, with its text alternative, source notes and link."""

    kind: str
    images: Mapping[str, StaticImage]
    alt: str
    notes: tuple[int, ...]
    url: str


def parse_view_query(query: str) -> tuple[str, dict[str, str]]:
    """``"map?indicator=x&year=2023"`` (or with a leading ``/``) -> ``("map", {...})``."""
    page, _, rest = query.strip().lstrip("/").partition("?")
    if page not in VIEW_PAGES:
        raise ValueError(f"view page must be one of {', '.join(VIEW_PAGES)}, got {page!r}")
    return page, dict(parse_qsl(rest))


def build_view_images(
    page: str, params: Mapping[str, str], ctx: BuildContext, caption: str = "", fmts: tuple[str, ...] = ("png",)
) -> ViewImages:
    """The view ``page?params`` drawn in ``fmts``; its numbers' sources are registered in ``ctx``."""
    fmts = tuple(validate_format(f) for f in fmts)
    if page == "map":
        return _map(params, ctx, caption, fmts)
    if page == "flows":
        return _flows(params, ctx, caption, fmts)
    if page == "chart":
        return _chart(params, ctx, caption, fmts)
    raise ValueError(f"view page must be one of {', '.join(VIEW_PAGES)}, got {page!r}")


def render_view_image(query: str, lang: str, fmt: str = "png", caption: str = "") -> StaticImage:
    """One image of the view named by ``query`` (page and query string) in ``lang`` and ``fmt``."""
    page, params = parse_view_query(query)
    ctx = BuildContext(lang=lang, year=0, area=None)
    return build_view_images(page, params, ctx, caption, (fmt,)).images[validate_format(fmt)]


def _map(params: Mapping[str, str], ctx: BuildContext, caption: str, fmts: tuple[str, ...]) -> ViewImages:
    import indicators
    from layers.classify import compute_classification
    from layers.palettes import get_palette
    from layers.static_map import build_static_map_images
    from publications.sections import view_url

    ind = indicators.load_catalogue().get(params["indicator"])
    level, country, year = params.get("level", "country"), params.get("country", ""), params["year"]
    frame = data.load_indicator(ind.id, level)
    if level == "admin1":
        units = data.load_geometry("admin1", "country")
        units = units[units["parent_code"] == country] if country else units[units["in_network"]]
    else:
        units = data.load_geometry("country", "region")
        units = units[units["geo_code"].isin(data.load_network())]
    inside = frame["geo_code"].isin(set(units["geo_code"]))
    rows = frame[(frame["period"] == year) & inside & frame["value"].notna()]
    if rows.empty:
        raise ValueError(f"view map?{dict(params)}: no data to draw")
    values = dict(zip(rows["geo_code"], rows["value"].astype(float)))
    notes = ctx.note(";".join(sorted(set(rows["dataset_id"]))))
    url = view_url("map", lang=ctx.lang, **params)
    area = ctx.name(country) if country else ctx.t("region_name")
    texts = ImageTexts(
        caption or ind.name(ctx.lang),
        f"{area} · {ctx.period_label(year)}",
        ctx.source_line(notes),
        data.load_data_version(),
        url,
    )
    cls = compute_classification(
        list(values.values()), params.get("scheme") or ind.scheme, int(params.get("k") or ind.k), centre=ind.centre
    )
    images = build_static_map_images(
        units,
        values,
        cls,
        get_palette(params.get("palette") or ind.palette),
        texts,
        ctx.lang,
        fmts,
        decimals=ind.decimals,
        legend_title=ind.unit_label(ctx.lang),
        context=data.load_geometry("country", "region"),
    )
    alt = "; ".join(f"{ctx.name(c)}: {ctx.number(v, ind.decimals)}" for c, v in sorted(values.items()))
    return ViewImages("map", images, alt, notes, url)


def _flows(params: Mapping[str, str], ctx: BuildContext, caption: str, fmts: tuple[str, ...]) -> ViewImages:
    from indicators.flows import compute_focus, load_flow_views
    from layers.static_map import build_static_flow_map_images
    from publications.sections import view_url

    view = load_flow_views()[params["view"]]
    flows = data.load_flows(view.view_id, params["period"])
    flows = compute_focus(flows, params.get("focus") or None, params.get("mode", "both"))
    flows = flows[flows["value"].notna() & ~flows["origin"].isin(["_X"]) & ~flows["destination"].isin(["_X"])]
    flows = flows.head(int(params.get("top", 10)))
    if flows.empty:
        raise ValueError(f"view flows?{dict(params)}: no flows to draw")
    notes = ctx.note(view.dataset_id)
    unit = data.load_unit_names().get(str(flows["unit"].iloc[0]), {}).get(ctx.lang, "")
    url = view_url("flows", lang=ctx.lang, **params)
    subtitle = f"{view.name(ctx.lang)} · {ctx.period_label(params['period'])}"
    texts = ImageTexts(caption or view.name(ctx.lang), subtitle, ctx.source_line(notes), data.load_data_version(), url)
    focus = (params["focus"],) if params.get("focus") else ()
    images = build_static_flow_map_images(
        data.load_geometry("country", "region"),
        flows,
        data.load_label_points(),
        texts,
        ctx.lang,
        fmts,
        unit_label=unit,
        highlight=focus,
    )
    alt = "; ".join(
        f"{ctx.name(r.origin)} → {ctx.name(r.destination)}: {ctx.number(r.value)}" for r in flows.itertuples()
    )
    return ViewImages("flows", images, alt, notes, url)


def _chart(params: Mapping[str, str], ctx: BuildContext, caption: str, fmts: tuple[str, ...]) -> ViewImages:
    from layers.static_chart import build_static_chart_images
    from publications.articles import compute_flow_value
    from publications.sections import view_url

    first, last = int(params["from"]), int(params["to"])
    if "indicator" in params:
        import indicators

        ind = indicators.load_catalogue().get(params["indicator"])
        frame = data.load_indicator(ind.id, params.get("level", "country"))
        rows = frame[(frame["geo_code"] == params["area"]) & frame["value"].notna()]
        label, unit, kind = ind.name(ctx.lang), ind.unit_label(ctx.lang), ind.kind
        url = view_url("map", lang=ctx.lang, indicator=ind.id, level=params.get("level", "country"), sel=params["area"])
        ids = ";".join(sorted(set(rows["dataset_id"])))
        series = rows[["period", "value"]]
    else:
        from indicators.flows import load_flow_views

        view = load_flow_views()[params["flow"]]
        periods = [p for p in data.load_flow_periods(view.view_id) if first <= period_span(p)[0] <= last]
        values = [compute_flow_value({**params, "flow": view.view_id}, p)[0] for p in periods]
        series = pd.DataFrame({"period": periods, "value": values})
        label, kind, ids = view.name(ctx.lang), view.kind, view.dataset_id
        flows = data.load_flows(view.view_id, periods[-1]) if periods else pd.DataFrame({"unit": []})
        unit = data.load_unit_names().get(str(flows["unit"].iloc[0]), {}).get(ctx.lang, "") if len(flows) else ""
        url = view_url("flows", lang=ctx.lang, view=view.view_id, focus=params.get("area"))
    series = series[series["period"].map(lambda p: first <= period_span(p)[0] <= last)]
    if series["value"].notna().sum() == 0:
        raise ValueError(f"view chart?{dict(params)}: no data to draw")
    notes = ctx.note(ids)
    texts = ImageTexts(
        caption or label,
        f"{ctx.name(params['area'])} · {first}–{last} ({unit})",
        ctx.source_line(notes),
        data.load_data_version(),
        url,
    )
    shown = pd.DataFrame(
        {"period": [ctx.period_label(p) for p in series["period"]], "value": series["value"].astype(float)}
    )
    images = build_static_chart_images(shown, texts, ctx.lang, unit, fmts, mark="bar" if kind == "flow" else "line")
    alt = "; ".join(f"{p}: {ctx.number(v)}" for p, v in zip(shown["period"], shown["value"]))
    return ViewImages("chart", images, alt, notes, url)
