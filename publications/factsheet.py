"""A one-page country fact sheet image: five key figures, a small map and a trend (matplotlib).

    from publications.factsheet import build_factsheet
    image = build_factsheet("GTM", 2023, "es", fmt="png")   # layers.static_image.StaticImage (2x PNG, SVG or PDF)

The figures are the first five of ``templates/factsheet.yaml`` that have data for the
country and year, computed like the bulletin's headline figures (with their change on the
previous period); the trend is the first item of the template's list with data. Sources,
data version and the atlas URL are drawn at the foot; ``StaticImage.texts`` records them.
"""

from __future__ import annotations

import functools
import textwrap

from common.yamlfile import load_yaml
from layers.static_image import (
    INK,
    MUTED,
    ImageTexts,
    StaticImage,
    drawing,
    png_size,
    save_figure,
    validate_format,
)
from layers.static_map import CONTEXT_FILL, CONTEXT_LINE, SEA
from publications import data
from publications.bulletin import BulletinRequestError, validate_request
from publications.context import BuildContext, period_span
from publications.sections import applies, build_figure, compute_item_series, view_url
from publications.templates import TEMPLATES_DIR, TemplateError, text, validate_item

ACCENT = "#1d6fa5"
PALE = "#eef3f7"
N_FIGURES = 5


@functools.lru_cache(maxsize=1)
def load_factsheet_template() -> dict:
    """``templates/factsheet.yaml``, each item checked like a headline figure."""
    raw = load_yaml(TEMPLATES_DIR / "factsheet.yaml")
    problems: list[str] = []
    for key in ("figures", "trend"):
        for i, item in enumerate(raw.get(key) or []):
            validate_item(f"factsheet.{key}[{i}]", item, problems)
    if problems:
        raise TemplateError("factsheet", problems)
    return raw


def compute_factsheet(area: str, year: int, lang: str) -> dict:
    """The content of a fact sheet: ``figures`` (up to five), ``trend`` (label, unit, periods, values),
    ``sources`` and ``ctx`` (for the names and formats). Pure apart from the cached store loaders."""
    problems = validate_request(area, year, lang)
    if problems or area == "region":
        raise BulletinRequestError("; ".join(problems) or "a fact sheet is for one network country, not the region")
    spec = load_factsheet_template()
    ctx = BuildContext(lang=lang, year=year, area=area)
    figures = []
    for item in spec["figures"]:
        if len(figures) == N_FIGURES:
            break
        if not applies(ctx, item):
            continue
        fig = build_figure(ctx, compute_item_series(ctx, item), "factsheet")
        if fig.value is not None:
            figures.append(fig)
    trend = None
    first = year - int(spec.get("years", 8)) + 1
    for item in spec["trend"]:
        if not applies(ctx, item):
            continue
        series = compute_item_series(ctx, item)
        inside = series.frame[series.frame["period"].map(lambda p: first <= period_span(p)[0] <= year)]
        if len(inside) >= 2:
            notes = ctx.note(";".join(sorted({d for x in inside["dataset_id"] for d in str(x).split(";")})))
            trend = {
                "label": series.label,
                "unit": series.unit_label,
                "notes": notes,
                "periods": [ctx.period_label(p) for p in inside["period"]],
                "values": [float(v) for v in inside["value"]],
                "kind": series.kind,
            }
            break
    return {"ctx": ctx, "figures": figures, "trend": trend}


def _draw_locator(ax, area: str) -> None:
    countries = data.load_geometry("country", "region")
    mine = countries[countries["geo_code"] == area]
    minx, miny, maxx, maxy = mine.total_bounds
    side = max(maxx - minx, maxy - miny, 4.0) * 1.6
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    import math

    ax.set_facecolor(SEA)
    countries.plot(ax=ax, color=CONTEXT_FILL, edgecolor=CONTEXT_LINE, linewidth=0.4)
    admin1 = data.load_geometry("admin1", "country")
    units = admin1[admin1["parent_code"] == area]
    (units if not units.empty else mine).plot(ax=ax, color=ACCENT, edgecolor="white", linewidth=0.4)
    ax.set_xlim(cx - side / 2, cx + side / 2)
    ax.set_ylim(cy - side / 2.6, cy + side / 2.6)
    ax.set_aspect(1 / math.cos(math.radians(cy)), adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")


def build_factsheet(area: str, year: int, lang: str, fmt: str = "png") -> StaticImage:
    """The fact sheet of ``area`` (a network country) for ``year`` in ``lang`` as one image."""
    import matplotlib.patches
    import matplotlib.ticker

    fmt = validate_format(fmt)
    content = compute_factsheet(area, year, lang)
    ctx: BuildContext = content["ctx"]
    title = text("factsheet_title", lang, area=ctx.area_name, year=year)
    subtitle = text("bulletin_subtitle", lang)
    sources = sorted(ctx.sources.values(), key=lambda s: s.number)
    source = "; ".join(
        f"[{s.number}] {s.publisher}, {s.title} ({s.licence}; "
        f"{'obtenido' if lang == 'es' else 'retrieved'} {s.retrieved})"
        for s in sources
    )
    url = view_url("map", lang=lang, country=area, level="admin1")
    texts = ImageTexts(
        title,
        subtitle,
        text("source_line", lang, sources=source),
        data.load_data_version(),
        url,
        legend=tuple(f.label for f in content["figures"]),
    )
    with drawing((8.27, 11.69)) as fig:
        band = fig.add_axes([0, 0.9, 1, 0.1])
        band.set_axis_off()
        band.add_patch(matplotlib.patches.Rectangle((0, 0), 1, 1, color=ACCENT, transform=band.transAxes))
        band.text(0.04, 0.62, textwrap.fill(title, 48), color="white", fontsize=20, fontweight="bold", va="center")
        band.text(0.04, 0.22, subtitle, color="white", fontsize=9.5, va="center")
        # five key figures, each in a box with its note numbers
        top = 0.875
        box_h = 0.083
        for i, f in enumerate(content["figures"]):
            y = top - (i + 1) * (box_h + 0.01)
            ax = fig.add_axes([0.04, y, 0.5, box_h])
            ax.set_axis_off()
            ax.add_patch(
                matplotlib.patches.FancyBboxPatch(
                    (0, 0), 1, 1, boxstyle="round,pad=0,rounding_size=0.04", color=PALE, transform=ax.transAxes
                )
            )
            ax.text(0.04, 0.8, textwrap.fill(f.label, 52), fontsize=8, color=MUTED, va="center")
            notes = "[" + ",".join(str(n) for n in f.notes) + "]"
            ax.text(0.04, 0.45, f"{f.text} {notes}", fontsize=14, fontweight="bold", color=INK, va="center")
            ax.text(0.04, 0.14, f"{f.period} · {f.change}", fontsize=7.5, color=INK, va="center")
        if len(content["figures"]) < N_FIGURES:
            y = top - (len(content["figures"]) + 1) * (box_h + 0.01)
            fig.text(
                0.05,
                y + box_h / 2,
                text("factsheet_fewer", lang, n=len(content["figures"]), year=year),
                fontsize=8,
                color=MUTED,
                wrap=True,
            )
        # small map
        _draw_locator(fig.add_axes([0.58, 0.47, 0.39, 0.40]), area)
        # trend
        ax = fig.add_axes([0.1, 0.14, 0.85, 0.22])
        trend = content["trend"]
        if trend:
            xs = list(range(len(trend["periods"])))
            ax.bar(xs, trend["values"], color=ACCENT) if trend["kind"] == "flow" else ax.plot(
                xs, trend["values"], color=ACCENT, marker="o"
            )
            ax.set_xticks(xs, trend["periods"], fontsize=7.5)
            ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: ctx.number(v)))
            ax.tick_params(axis="y", labelsize=7.5)
            ax.spines[["top", "right"]].set_visible(False)
            notes = "[" + ",".join(str(n) for n in trend["notes"]) + "]"
            ax.set_title(
                f"{text('factsheet_trend', lang)}: {trend['label']} ({trend['unit']}) {notes}",
                fontsize=9.5,
                loc="left",
                color=INK,
            )
        else:
            ax.set_axis_off()
            ax.text(0, 0.5, text("no_data_country", lang, area=ctx.area_name, period=year), fontsize=9, color=MUTED)
        footer = [textwrap.fill(texts.source, 150), f"{text('data_version', lang)}: {texts.data_version}", url]
        fig.text(0.04, 0.012, "\n".join(footer), fontsize=5.8, color=MUTED, va="bottom", linespacing=1.35)
        out = save_figure(fig, fmt)
    width, height = png_size(out) if fmt == "png" else (None, None)
    return StaticImage(out, fmt, texts, width, height)
