"""Static charts with Altair rendered offline by vl-convert (PNG at 2x, SVG, PDF).

``build_static_chart`` draws one series over periods as bars (a flow) or a line (a stock
or rate), with the title and subtitle on top and the source line, data version and view
URL underneath, all inside the image. Periods without a value are not drawn as zero:
they are named in the subtitle ("no data: 2019, 2020").
"""

from __future__ import annotations

import functools
import textwrap

import altair as alt
import pandas as pd

from layers.static_image import (
    FONT_FAMILY,
    INK,
    MUTED,
    PNG_SCALE,
    ImageTexts,
    StaticImage,
    font_dir,
    png_size,
    validate_format,
)

BAR_COLOR = "#1d6fa5"
NO_DATA_PREFIX = {"es": "Sin datos", "en": "No data"}


@functools.lru_cache(maxsize=1)
def _vl():
    """vl-convert with the bundled DejaVu fonts registered (once per process)."""
    import vl_convert as vlc

    vlc.register_font_directory(str(font_dir()))
    return vlc


def build_chart_spec(
    frame: pd.DataFrame,
    texts: ImageTexts,
    lang: str,
    value_title: str,
    mark: str = "bar",
    width: int = 520,
    height: int = 220,
) -> dict:
    """The Vega-Lite spec (a dict) of the chart: ``frame`` has ``period`` (str, in order) and ``value``."""
    if mark not in ("bar", "line"):
        raise ValueError(f"mark must be 'bar' or 'line', got {mark!r}")
    if frame.empty or frame["value"].notna().sum() == 0:
        raise ValueError("a chart needs at least one period with a value; say 'no data' instead of drawing it")
    have = frame[frame["value"].notna()]
    missing = [str(p) for p in frame.loc[frame["value"].isna(), "period"]]
    subtitle = [texts.subtitle] if texts.subtitle else []
    if missing:
        subtitle.append(f"{NO_DATA_PREFIX[lang]}: {', '.join(missing)}")
    order = [str(p) for p in frame["period"]]
    x = alt.X("period:N", sort=order, title=None, axis=alt.Axis(labelAngle=0 if len(order) <= 10 else -45))
    number_format = ",.0f" if have["value"].abs().max() >= 100 else ",.2~f"
    y = alt.Y("value:Q", title=value_title, axis=alt.Axis(format=number_format))
    base = alt.Chart(have.assign(period=have["period"].astype(str)))
    if mark == "bar":
        chart = base.mark_bar(color=BAR_COLOR)
    else:
        chart = base.mark_line(color=BAR_COLOR, point=True)
    chart = chart.encode(x=x, y=y).properties(width=width, height=height)
    chars = max(40, int(width / 5.6))  # about 5.6 px per character at 9 px DejaVu Sans
    lines = [
        wrapped for line in texts.footer_lines(lang) for wrapped in textwrap.wrap(line, chars, break_long_words=True)
    ]
    footer = (
        alt.Chart(pd.DataFrame({"line": lines, "i": range(len(lines))}))
        .mark_text(align="left", baseline="top", fontSize=9, color=MUTED, dx=0, limit=width)
        .encode(y=alt.Y("i:O", axis=None), text="line:N", x=alt.value(0))
        .properties(width=width, height=12 * len(lines))
    )
    subtitle = [w for line in subtitle for w in textwrap.wrap(line, int(width / 5.8))]
    combined = alt.vconcat(chart, footer, spacing=8).properties(
        title=alt.TitleParams(
            texts.title,
            subtitle=subtitle,
            anchor="start",
            fontSize=15,
            color=INK,
            subtitleColor=MUTED,
            subtitleFontSize=10,
            font=FONT_FAMILY,
            subtitleFont=FONT_FAMILY,
        )
    )
    combined = (
        combined.configure(font=FONT_FAMILY, background="white")
        .configure_view(stroke=None)
        .configure_axis(labelFont=FONT_FAMILY, titleFont=FONT_FAMILY, labelColor=INK, titleColor=MUTED)
    )
    return combined.to_dict()


def build_static_chart(
    frame: pd.DataFrame,
    texts: ImageTexts,
    lang: str,
    value_title: str,
    fmt: str = "png",
    mark: str = "bar",
    width: int = 520,
    height: int = 220,
) -> StaticImage:
    """The chart as an image (``png`` at 2x, ``svg`` or ``pdf``), with every text of ``texts`` drawn into it."""
    return build_static_chart_images(frame, texts, lang, value_title, (fmt,), mark, width, height)[validate_format(fmt)]


def build_static_chart_images(
    frame: pd.DataFrame,
    texts: ImageTexts,
    lang: str,
    value_title: str,
    fmts: tuple[str, ...] = ("png", "svg"),
    mark: str = "bar",
    width: int = 520,
    height: int = 220,
) -> dict[str, StaticImage]:
    """The chart in several formats from one Vega-Lite compilation (the SVG is converted to PNG and PDF)."""
    fmts = tuple(validate_format(f) for f in fmts)
    spec = build_chart_spec(frame, texts, lang, value_title, mark, width, height)
    vlc = _vl()
    svg = vlc.vegalite_to_svg(spec, format_locale="es-ES" if lang == "es" else "en-US")
    out = {}
    for fmt in fmts:
        if fmt == "png":
            data = vlc.svg_to_png(svg, scale=PNG_SCALE)
            w, h = png_size(data)
            out[fmt] = StaticImage(data, fmt, texts, w, h)
        elif fmt == "svg":
            out[fmt] = StaticImage(svg.encode("utf-8"), fmt, texts)
        else:
            out[fmt] = StaticImage(vlc.svg_to_pdf(svg), fmt, texts)
    return out
