"""The indicator map's parameters, cached view model and renderers (used by ``pages/map.py``).

The page reads widgets and calls these; the heavy lifting is cached here, keyed on small
arguments (indicator id, level, country, period, classification, language, selection):
classes, the deck, and the frames behind the chart, table and downloads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st

from api.urls import indicator_url
from atlas.core.downloads import Download, render_downloads
from atlas.core.i18n import t
from atlas.core.loaders import (
    catalogue,
    citable_data_version,
    country_choices,
    dataset_lookup,
    network,
    place_names,
    unit_names,
)
from atlas.core.ui import build_chart_spec, render_altair, render_api_link, render_chart_spec, render_table
from atlas.map import loaders, params
from atlas.map.params import keeps_one_unit
from etl.formatting import NO_DATA, format_number
from etl.textsafe import escape_markdown
from indicators.catalogue import Indicator
from indicators.profile import compute_rank
from indicators.quality import period_year, sort_periods
from layers.base import VIEW_WIDTH_PX
from layers.choropleth import build_choropleth_deck, compute_fills, compute_tips
from layers.classify import SCHEMES, Classification, compute_classification, compute_focused_classification
from layers.exports import FORMATS, build_export, build_export_frame
from layers.html_export import HtmlText, SourceNote, build_html_map
from layers.legend import build_legend, build_legend_html, rgb_hex
from layers.palettes import get_palette, palettes_of_kind

STATUSES = ("E", "P", "F", "I", "B")


# ----------------------------------------------------------------------------- cached view model
@st.cache_data(show_spinner=False, max_entries=512)
def classify_view(
    indicator_id: str,
    level: str,
    country: str,
    period: str,
    sex: str | None,
    scheme: str,
    k: int,
    breaks: tuple[float, ...],
) -> Classification:
    """Classes of the values shown in a view. In the region's country view the breaks separate the
    network's countries (``focuses_network``); the other territories take the same classes."""
    view = loaders.indicator_view(indicator_id, level, period, loaders.view_codes(level, country), sex)
    centre = catalogue().get(indicator_id).centre
    if focuses_network(level, country, scheme):
        focus = view["geo_code"].isin(set(network()))
        return compute_focused_classification(view["value"], focus, scheme, k, centre=centre)
    return compute_classification(view["value"], scheme, k, breaks or None, centre=centre)


@st.cache_data(show_spinner=False, max_entries=1024)
def view_rank(
    indicator_id: str, level: str, country: str, period: str, sex: str | None, geo_code: str
) -> tuple[int, int] | None:
    """``(rank, total)`` of a territory among the view's territories with a value (``compute_rank``)."""
    view = loaders.indicator_view(indicator_id, level, period, loaders.view_codes(level, country), sex)
    return compute_rank(view, geo_code)


def focuses_network(level: str, country: str, scheme: str) -> bool:
    """Whether a view's classes are drawn to separate the network's countries (region, country level)."""
    return not country and level == "country" and scheme != "manual"


@st.cache_resource(show_spinner=False, max_entries=256)
def indicator_deck(
    indicator_id: str,
    level: str,
    country: str,
    period: str,
    sex: str | None,
    scheme: str,
    k: int,
    breaks: tuple[float, ...],
    palette_id: str,
    lang: str,
    selected: str,
    width: int = VIEW_WIDTH_PX,
) -> pdk.Deck:
    """The choropleth deck of a view fitted to a map ``width`` pixels wide (shared between sessions: never
    mutated)."""
    ind = catalogue().get(indicator_id)
    codes = loaders.view_codes(level, country)
    view = loaders.indicator_view(indicator_id, level, period, codes, sex)
    classes = classify_view(indicator_id, level, country, period, sex, scheme, k, breaks)
    values = dict(zip(view["geo_code"], view["value"]))
    fills = compute_fills(values, codes, classes, get_palette(palette_id))
    tips = compute_tips(
        view,
        lang,
        ind.decimals,
        ind.unit_label(lang),
        status_labels(lang),
        t("map.nearest_mark", lang),
        t("map.partial_mark", lang),
    )
    return build_choropleth_deck(
        loaders.unit_features(level, country),
        fills,
        tips,
        lang,
        t("map.no_data", lang),
        context=loaders.context_features(level, country),
        selected=selected or None,
        bounds=loaders.view_bounds(level, country),
        width=width,
    )


def status_labels(lang: str) -> dict[str, str]:
    return {s: t(f"map.status_{s}", lang) for s in STATUSES}


def render_coverage_note(view: pd.DataFrame | None, lang: str) -> None:
    """Say which totals add up only part of the partners (e.g. UN DESA pairs vendored for the Americas and
    Spain only): the caveat of each such total, on the page, not only in downloads."""
    if view is None or "coverage" not in view or not view["coverage"].eq("partial_pairs").any():
        return
    partial = view[view["coverage"].eq("partial_pairs")]
    names = place_names(lang)
    notes = sorted(set(partial[f"coverage_note_{lang}"].dropna()))
    st.warning(
        t(
            "map.coverage_partial",
            lang,
            territories=", ".join(sorted(names.get(c, c) for c in partial["geo_code"])),
            note=" ".join(notes),
        ),
        icon=":material/rule:",
    )


# ----------------------------------------------------------------------------- legend
def legend_html(classes: Classification, palette_id: str, indicator: Indicator, no_data: int, lang: str) -> str:
    """The legend block (the page and the HTML map show the same one)."""
    entries = build_legend(classes, get_palette(palette_id), no_data)

    def count(n: int) -> str:
        return t("map.legend_count_one", lang) if n == 1 else t("map.legend_count", lang, n=n)

    return build_legend_html(
        entries, lang, indicator.decimals, indicator_title(indicator, lang), t("map.no_data", lang), count
    )


def indicator_title(indicator: Indicator, lang: str) -> str:
    """The indicator's name with its unit, the unit written once (names of rates already carry it)."""
    name, unit = indicator.name(lang), indicator.unit_label(lang)
    return name if unit.lower() in name.lower() else f"{name} ({unit})"


def reading_line(indicator: Indicator, period: str | None, view_name: str, level: str, lang: str) -> str:
    """One sentence that says what the map shows: indicator, year, units mapped, how to read the colours."""
    return t(
        "map.reading",
        lang,
        indicator=indicator_title(indicator, lang),
        period=period or "—",
        view=view_name,
        level=t(f"map.level_{level}", lang).lower(),
    )


def render_classes_controls(indicator: Indicator, lang: str) -> None:
    """The classification popover's widgets: scheme, number of classes, palette, manual breaks."""
    kind = params.palette_kind(indicator)
    st.selectbox(
        t("map.scheme", lang),
        ["", *SCHEMES],
        key="scheme",
        format_func=lambda s: (
            t(f"map.scheme_{s}", lang)
            if s
            else t("map.scheme_auto", lang, scheme=t(f"map.scheme_{indicator.scheme}", lang))
        ),
    )
    st.selectbox(
        t("map.k", lang),
        list(params.K_CHOICES),
        key="k",
        format_func=lambda k: k or t("map.k_auto", lang, k=indicator.k),
    )
    st.selectbox(
        t("map.palette", lang),
        ["", *palettes_of_kind(kind)],
        key="palette",
        format_func=lambda p: (
            get_palette(p).name(lang)
            if p
            else t("map.palette_auto", lang, name=get_palette(indicator.palette).name(lang))
        ),
    )
    if st.session_state.get("scheme") == "manual":
        st.text_input(t("map.breaks", lang), key="breaks", help=t("map.breaks_help", lang))


def render_breaks_warning(asked_scheme: str, used_scheme: str, typed: str, lang: str) -> None:
    """Say why manual breaks were not used (none typed, or what is wrong with them), when they were asked for."""
    if asked_scheme != "manual" or used_scheme == "manual":
        return
    message = (
        t("map.breaks_invalid", lang, value=escape_markdown(typed, 120), reason=params.breaks_problem(typed, lang))
        if typed
        else t("map.breaks_missing", lang)
    )
    st.warning(message, icon=":material/warning:")


def render_legend(
    classes: Classification, palette_id: str, indicator: Indicator, no_data: int, lang: str, focused: bool = False
) -> None:
    """Classes with ranges and counts, and the outlined "No data" swatch."""
    st.markdown(legend_html(classes, palette_id, indicator, no_data, lang), unsafe_allow_html=True)
    if focused:
        st.caption(t("map.legend_focused", lang))
    if classes.k_reduced and classes.k:
        st.caption(t("map.k_reduced", lang, k=classes.k))


# Map first (issue 16): the legend above the map as one or two wrapped lines; on a desktop a narrower sidebar and
# margins leave the map at least 60 % of a 1440 px screen even beside an open profile panel.
MAP_PAGE_STYLE = """
<style>
[data-testid="stMain"], [data-testid="stMain"] * { overflow-anchor: none; }
.st-key-map_legend [role="list"] { display: flex; flex-wrap: wrap; column-gap: 1.1rem; row-gap: .05rem; }
.st-key-map_legend .atlas-legend-row { margin: 0 !important; gap: .35em !important; }
.st-key-map_legend .atlas-legend-row > span:nth-child(2) { flex: 0 1 auto !important; }
.st-key-map_legend .atlas-legend > div:first-child { margin-bottom: .05em !important; }
.st-key-map_legend [data-testid="stCaptionContainer"] p { font-size: .8rem; line-height: 1.3; margin: 0; }
.st-key-map_legend { gap: .2rem !important; }
.st-key-map_legend .atlas-legend { margin-bottom: 1rem; }
@media (max-width: 640px) {
  /* on a phone the controls sit two to a row (the first of each row alone), so the legend and the map come
     on the first screen */
  [class*="st-key-map_controls"] [data-testid="stHorizontalBlock"] { flex-flow: row wrap !important;
    gap: .4rem .6rem !important; }
  [class*="st-key-map_controls"] [data-testid="stColumn"] { flex: 1 1 calc(50% - .6rem) !important;
    min-width: calc(50% - .6rem) !important; width: calc(50% - .6rem) !important; }
  [class*="st-key-map_controls"] [data-testid="stColumn"]:first-child { flex-basis: 100% !important;
    min-width: 100% !important; }
  [class*="st-key-map_controls"] [data-testid="stColumn"]:empty { display: none; }
}
@media (min-width: 1100px) {
  [data-testid="stSidebar"][data-collapsed="false"] { width: 232px !important; min-width: 232px !important;
    max-width: 232px !important; }
  .block-container { padding-left: 1.25rem !important; padding-right: 1.25rem !important; }
}
</style>
"""


def render_map_page_style() -> None:
    st.html(MAP_PAGE_STYLE)


# ----------------------------------------------------------------------------- table and chart
def build_table(view: pd.DataFrame, indicator: Indicator, lang: str) -> pd.DataFrame:
    """The view as a table in the user's language, highest value first."""
    names = place_names(lang)
    have = view[view["value"].notna()].sort_values(["value", "geo_code"], ascending=[False, True])
    labels = status_labels(lang) | {"A": t("map.status_A", lang)}
    return pd.DataFrame(
        {
            t("map.col_name", lang): have["geo_code"].map(names).fillna(have["geo_code"]),
            t("map.col_code", lang): have["geo_code"],
            t("map.col_value", lang): have["value"].round(indicator.decimals),
            t("map.col_unit", lang): indicator.unit_label(lang),
            t("map.col_period", lang): have["period"],
            t("map.col_status", lang): have["obs_status"].map(labels).fillna(have["obs_status"]),
            t("map.col_nearest", lang): have.get("nearest", False),
            t("map.col_source", lang): have[f"title_{lang}"],
            t("map.col_licence", lang): have["licence"],
            t("map.col_retrieved", lang): have["retrieved"],
            t("map.col_revision", lang): have["revision"],
        }
    )


def build_ranking_chart(view: pd.DataFrame, indicator: Indicator, lang: str, period: str) -> alt.Chart | None:
    """Horizontal bars of the view's values (top 30), highest first."""
    names = place_names(lang)
    have = view[view["value"].notna()].sort_values("value", ascending=False).head(30)
    if have.empty:
        return None
    frame = pd.DataFrame(
        {"name": have["geo_code"].map(names).fillna(have["geo_code"]), "value": have["value"], "period": have["period"]}
    )
    return (
        alt.Chart(frame, title=t("map.chart_ranking", lang, indicator=indicator.name(lang), period=period))
        .mark_bar(color="#1d91c0")
        .encode(
            x=alt.X("value:Q", title=indicator.unit_label(lang)),
            y=alt.Y("name:N", sort="-x", title=None),
            tooltip=["name:N", alt.Tooltip("value:Q", format=",.2f"), "period:N"],
        )
        .properties(height=max(120, 18 * len(frame)))
    )


def build_trend_chart(series: pd.DataFrame, codes: Sequence[str], indicator: Indicator, lang: str) -> alt.Chart | None:
    """Lines over time for ``codes``."""
    names = place_names(lang)
    rows = series[series["geo_code"].isin(codes) & series["value"].notna()]
    if rows.empty:
        return None
    frame = pd.DataFrame(
        {"name": rows["geo_code"].map(names).fillna(rows["geo_code"]), "period": rows["period"], "value": rows["value"]}
    )
    order = sort_periods(frame["period"].unique())
    title = t("map.chart_trend", lang, indicator=indicator.name(lang))
    return (
        alt.Chart(frame, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:O", sort=order, title=None),
            y=alt.Y("value:Q", title=indicator.unit_label(lang)),
            color=alt.Color("name:N", title=None),
            tooltip=["name:N", "period:N", alt.Tooltip("value:Q", format=",.2f")],
        )
        .properties(height=260)
    )


# ----------------------------------------------------------------------------- downloads
def render_view_downloads(
    make_frame: Callable[[], pd.DataFrame],
    about: dict[str, str],
    stem: str,
    key: str,
    lang: str,
    make_html: Callable[[], bytes] | None = None,
) -> None:
    """One button per format, each with its full label; a file is built only when its button is clicked.

    With ``make_html``, one more button gives the standalone HTML map, with a note that it
    loads its map library from the internet and is meant to be opened online.
    """
    files = [
        Download(
            t(f"map.download_{fmt}", lang), lambda fmt=fmt: build_export(make_frame(), fmt, about), f"{stem}.{ext}"
        )
        for fmt, (_mime, ext) in FORMATS.items()
    ]
    if make_html:
        files.append(
            Download(t("map.download_html", lang), make_html, f"{stem}.html", help=t("map.download_html_help", lang))
        )
    render_downloads(files, key)
    if make_html:
        st.caption(t("map.download_html_note", lang))


IMAGE_FORMATS = ("png", "svg", "pdf")


def build_image_query(
    indicator_id: str, level: str, country: str, period: str, scheme: str, k: int, palette_id: str
) -> str:
    """The view's URL state as ``publications.render_view_image`` reads it (manual breaks are drawn as the
    indicator's default classes: the image reader takes a scheme, not breaks)."""
    query = {
        "indicator": indicator_id,
        "level": "admin1" if country else level,
        "country": country,
        "year": period,
        "scheme": "" if scheme == "manual" else scheme,
        "k": str(k),
        "palette": palette_id,
    }
    return "map?" + "&".join(f"{key}={value}" for key, value in query.items() if value)


def render_image_downloads(query: str, stem: str, key: str, lang: str) -> None:
    """PNG (2x, for slides), SVG and PDF (for print) of the map view, with its title, legend, source line,
    data version and address drawn in; each file is drawn only when its button is clicked."""
    from publications import render_view_image

    render_downloads(
        [
            Download(
                t(f"publications.download_view_{fmt}", lang),
                lambda fmt=fmt: render_view_image(query, lang, fmt).data,
                f"{stem}.{fmt}",
            )
            for fmt in IMAGE_FORMATS
        ],
        key,
    )


def export_frame(
    indicator: Indicator,
    level: str,
    country: str,
    frame: pd.DataFrame,
    lang: str,
    all_codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Values with geometry and every source column; with ``all_codes`` territories without data are kept."""
    if all_codes is not None:
        frame = pd.DataFrame({"geo_code": list(all_codes)}).merge(frame, on="geo_code", how="left")
        frame = frame.assign(indicator_id=indicator.id, unit=indicator.unit)
    exported = build_export_frame(
        frame, loaders.view_units(level, country), lang, indicator.name(lang), indicator.unit_label(lang)
    )
    return exported.assign(data_version=citable_data_version())  # the version the API and bulletins cite too


def build_html_download(
    indicator: Indicator,
    level: str,
    country: str,
    period: str,
    sex: str | None,
    scheme: str,
    k: int,
    breaks: tuple[float, ...],
    palette_id: str,
    lang: str,
    view_name: str,
) -> bytes:
    """The standalone HTML map of the view: the classes, colours and legend drawn on screen, a
    tooltip per unit, and the sources with licences, attributions and dates."""
    codes = loaders.view_codes(level, country)
    view = loaders.indicator_view(indicator.id, level, period, codes, sex)
    classes = classify_view(indicator.id, level, country, period, sex, scheme, k, breaks)
    fills = compute_fills(dict(zip(view["geo_code"], view["value"])), codes, classes, get_palette(palette_id))
    have = set(view.loc[view["value"].notna(), "geo_code"])
    hex_fills = {code: rgb_hex(tuple(rgba[:3])) for code, rgba in fills.items() if code in have}
    frame = export_frame(indicator, level, country, view, lang, codes)
    legend = legend_html(classes, palette_id, indicator, len(codes) - len(have), lang)
    used = [d for ids in view["dataset_id"].dropna().unique() for d in str(ids).split(";")]
    return build_html_map(
        frame,
        hex_fills,
        html_text(indicator, period, view_name, lang),
        legend,
        source_notes(used or indicator.levels[level].datasets, lang),
        indicator.decimals,
        bounds=loaders.view_bounds(level, country),
    )


def html_text(indicator: Indicator, period: str, view_name: str, lang: str) -> HtmlText:
    """The words of the HTML map in ``lang``."""
    return HtmlText(
        lang=lang,
        title=t("map.html_title", lang, indicator=indicator.name(lang), period=period, view=view_name),
        name=t("map.col_name", lang),
        value=t("map.col_value", lang),
        unit=t("map.col_unit", lang),
        period=t("map.col_period", lang),
        status=t("map.col_status", lang),
        no_data=t("map.no_data", lang),
        sources_heading=t("map.panel_sources", lang),
        online_note=t("map.download_html_note", lang),
        licence=t("map.col_licence", lang),
        attribution=t("map.col_attribution", lang),
        retrieved=t("map.col_retrieved", lang),
        revision=t("map.col_revision", lang),
        nearest=t("map.nearest_mark", lang),
        partial=t("map.partial_mark", lang),
        statuses=status_labels(lang) | {"A": t("map.status_A", lang)},
    )


def source_notes(dataset_ids: Sequence[str], lang: str) -> list[SourceNote]:
    """The public datasets among ``dataset_ids`` (in order of first appearance) as source notes."""
    meta = dataset_lookup()

    def text(value: object) -> str:
        return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)

    return [
        SourceNote(
            *(
                text(meta[d].get(c))
                for c in (
                    f"title_{lang}",
                    "publisher",
                    "licence",
                    "licence_url",
                    "attribution",
                    "retrieved",
                    "revision",
                )
            )
        )
        for d in dict.fromkeys(dataset_ids)
        if d in meta
    ]


def about_indicator(indicator: Indicator, level: str, period: str, lang: str) -> dict[str, str]:
    """The XLSX "about" sheet: what the numbers are and where they come from."""
    spec = indicator.levels[level]
    return {
        "indicator": indicator.name(lang),
        "indicator_id": indicator.id,
        "unit": indicator.unit_label(lang),
        "definition": indicator.text("definition", lang),
        "comparability": indicator.text("comparability", lang),
        "population": spec.population(lang),
        "level": level,
        "period": period,
        "datasets": ", ".join(spec.datasets),
        "data_version": citable_data_version(),
        "generated_by": "Atlas PVIGM",
    }


# ----------------------------------------------------------------------------- panel
def render_sources(dataset_ids: Sequence[str], lang: str) -> None:
    """Title, publisher, licence, attribution, retrieval date and revision of every dataset behind the numbers
    shown, and the dataset's caveats (e.g. survey estimates, a projection 8 % below UN WPP). Store text may come
    from a submission: shown as plain text, never Markdown."""
    meta = dataset_lookup()
    for dataset_id in dict.fromkeys(dataset_ids):
        note = next(iter(source_notes([dataset_id], lang)), None)
        if note is None:
            continue
        st.markdown(
            t(
                "map.source_line",
                lang,
                title=escape_markdown(note.title),
                publisher=escape_markdown(note.publisher),
                licence=escape_markdown(note.licence),
                attribution=escape_markdown(note.attribution),
                retrieved=escape_markdown(note.retrieved) or NO_DATA,
                revision=escape_markdown(note.revision) or NO_DATA,
            )
        )
        caveats = meta.get(dataset_id, {}).get(f"caveats_{lang}")
        if isinstance(caveats, str) and caveats.strip():
            st.caption(escape_markdown(caveats))


def render_unit_note(indicator: Indicator, level: str, period: str, codes: Sequence[str], lang: str) -> None:
    """Say which territories count this indicator in another unit for ``period`` (e.g. asylum
    applications in cases, not persons), rather than leaving a bare "no data"."""
    if not keeps_one_unit(indicator, level):
        return
    left_out = loaders.unit_exclusions(indicator.id, level)
    rows = left_out[(left_out["period"] == period) & left_out["geo_code"].isin(set(codes))]
    if rows.empty:
        return
    names, units = place_names(lang), unit_names(lang)

    def listed(part: pd.DataFrame) -> str:
        return ", ".join(
            f"{names.get(r.geo_code, r.geo_code)} ({format_number(r.value, lang, 0)} {units.get(r.unit, r.unit)})"
            for r in part.sort_values(["value", "geo_code"], ascending=[False, True]).itertuples()
        )

    unit = indicator.unit_label(lang)
    only, partly = rows[rows["only"]], rows[~rows["only"]]
    if not only.empty:
        st.info(
            t(
                "map.unit_only",
                lang,
                indicator=indicator.name(lang),
                period=period,
                unit=unit,
                territories=listed(only),
            ),
            icon=":material/info:",
        )
    if not partly.empty:
        st.caption(t("map.unit_partly", lang, period=period, unit=unit, territories=listed(partly)))


def unit_note_for(geo_code: str, indicator: Indicator, level: str, period: str, lang: str) -> str | None:
    """The side panel's line for a territory that counts ``period`` only in another unit, else None."""
    if not keeps_one_unit(indicator, level):
        return None
    left_out = loaders.unit_exclusions(indicator.id, level)
    rows = left_out[(left_out["period"] == period) & (left_out["geo_code"] == geo_code) & left_out["only"]]
    if rows.empty:
        return None
    r = rows.iloc[0]
    return t(
        "map.panel_unit_only",
        lang,
        period=period,
        value=format_number(r["value"], lang, 0),
        other=unit_names(lang).get(r["unit"], r["unit"]),
        unit=indicator.unit_label(lang),
    )


def build_sparklines(frame: pd.DataFrame) -> alt.FacetChart:
    """Small multiples: one sparkline per headline indicator (label above it), each with its own scale."""
    base = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=10), color="#225ea8")
        .encode(
            x=alt.X("year:Q", axis=alt.Axis(format="d", title=None, labelFontSize=9, tickCount=4, grid=False)),
            y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
            tooltip=["label:N", "period:N", alt.Tooltip("value:Q", format=",.2f")],
        )
        .properties(height=34, width=230)
    )
    header = alt.Header(
        labelOrient="top", labelAnchor="start", labelAngle=0, labelFontSize=11, labelLimit=300, labelPadding=2
    )
    return base.facet(row=alt.Row("label:N", title=None, sort=None, header=header), spacing=6).resolve_scale(
        y="independent", x="independent"
    )


@st.cache_data(show_spinner=False, max_entries=512)
def headline_model(geo_code: str, level: str, lang: str) -> tuple[pd.DataFrame | None, list[str]]:
    """The rows of a territory's headline sparklines (label with the latest value, period, value, year) and the
    datasets behind them; ``None`` when no headline indicator has a value. Cached per territory and language."""
    cat = catalogue()
    parts, used = [], []
    for ind_id in cat.headline(level):
        own = loaders.territory_series(ind_id, level, geo_code)
        own = own[own["value"].notna()]
        if own.empty:
            continue
        ind = cat.get(ind_id)
        last = own.iloc[-1]
        label = (
            f"{ind.name(lang)}: {format_number(last['value'], lang, ind.decimals)} "
            f"{ind.unit_label(lang)} ({last['period']})"
        )
        parts.append(
            pd.DataFrame(
                {"label": label, "period": own["period"], "value": own["value"], "year": own["period"].map(period_year)}
            )
        )
        used += str(last["dataset_id"]).split(";")
    return (pd.concat(parts, ignore_index=True) if parts else None), used


@st.cache_data(show_spinner=False, max_entries=512)
def headline_spec(geo_code: str, level: str, lang: str) -> dict | None:
    """The Vega-Lite spec of a territory's headline sparklines (``build_sparklines`` of ``headline_model``),
    converted once per territory and language; ``None`` when no headline indicator has a value."""
    frame, _used = headline_model(geo_code, level, lang)
    return None if frame is None else build_chart_spec(build_sparklines(frame), frame, lang)


def render_headline(geo_code: str, level: str, lang: str) -> list[str]:
    """Latest value and a sparkline of each headline indicator; returns the datasets used."""
    _frame, used = headline_model(geo_code, level, lang)
    spec = headline_spec(geo_code, level, lang)
    st.markdown(f"**{t('map.panel_headline', lang)}**")
    if spec is None:
        st.caption(t("map.panel_headline_none", lang))
        return used
    render_chart_spec(spec, t("map.panel_headline", lang), key="panel_headline")
    return used


@st.cache_data(show_spinner=False, max_entries=512)
def partner_tables(geo_code: str, lang: str) -> list[tuple[str, str, pd.DataFrame]]:
    """``(direction, year, table)`` of a country's top origins and destinations (UN DESA 2024), the table's
    columns and partner names in ``lang``; cached per country and language."""
    names = place_names(lang)
    tables = []
    for direction in ("origins", "destinations"):
        year, top = loaders.top_partners(geo_code, direction)
        if year is None:
            continue
        table = pd.DataFrame(
            {
                t("map.col_partner", lang): top["partner"].map(names).fillna(top["partner"]),
                t("map.col_persons", lang): top["value"],
            }
        )
        tables.append((direction, year, table))
    return tables


def render_partners(geo_code: str, lang: str) -> list[str]:
    """Top origins of its immigrants and top destinations of its emigrants (UN DESA 2024)."""
    used = []
    for direction, year, table in partner_tables(geo_code, lang):
        st.markdown(f"**{t(f'map.panel_top_{direction}', lang, year=year)}**")
        render_table(table, lang, f"panel_{direction}", {t("map.col_persons", lang): 0})
        used.append("undesa_ims2024")
    return used


# ----------------------------------------------------------------------------- profile panel
def render_profile(
    selected: str,
    ind: Indicator,
    level: str,
    country: str,
    period: str | None,
    sex: str | None,
    view: pd.DataFrame | None,
    has_level: bool,
    choices: dict[str, str],
    lang: str,
    on_close: Callable[[], None],
    on_go_country: Callable[[str], None],
) -> None:
    """The territory profile beside the map: its value with year, unit and series, rank, headline indicators,
    partners, downloads and every source; projections and partial periods labelled as such."""

    def t_(key: str, **values: object) -> str:
        return t(key, lang, **values)

    names = place_names(lang)
    if not selected:
        st.caption(t_("map.panel_hint"))
        return
    st.subheader(names.get(selected, selected))
    st.button(t_("map.panel_close"), on_click=on_close, key="panel_close", icon=":material/close:")
    sel_level = "country" if len(selected) == 3 else "admin1"
    if not country and selected in choices:
        st.button(
            t_("map.panel_go_country", country=choices[selected]),
            on_click=on_go_country,
            args=(selected,),
            key="panel_go_country",
            icon=":material/zoom_in:",
        )
    row = view[view["geo_code"] == selected] if view is not None else view
    if row is not None and not row.empty:
        r = row.iloc[0]
        own_series = loaders.territory_series(ind.id, level, selected, sex)
        own_series = own_series[own_series["value"].notna()]
        label = t_("map.panel_value", indicator=indicator_title(ind, lang), period=r["period"])
        if r["obs_status"] == "F":
            label += f" · {t_('map.status_F')}"
        st.metric(
            label,
            format_number(r["value"], lang, ind.decimals),
            chart_data=list(own_series["value"]) if len(own_series) > 1 else None,
            chart_type="line",
            help=t_("map.panel_value_help", first=own_series["period"].iloc[0], last=own_series["period"].iloc[-1])
            if len(own_series) > 1
            else None,
        )
        rank = view_rank(ind.id, level, country, period, sex, selected)
        if rank:
            st.caption(t_("map.panel_rank", rank=rank[0], total=rank[1]))
    elif period:
        st.caption(t_("map.panel_no_value", indicator=ind.name(lang), period=period))
        unit_note = unit_note_for(selected, ind, level, period, lang) if sel_level == level else None
        if unit_note:
            st.caption(unit_note)
    used = render_headline(selected, sel_level, lang)
    if sel_level == "country":
        used += render_partners(selected, lang)
    else:
        st.caption(t_("map.panel_bilateral_none"))
    if has_level and sel_level == level:
        own = loaders.territory_series(ind.id, level, selected, sex)
        if not own.empty:
            st.markdown(f"**{t_('map.downloads_selection', name=names.get(selected, selected))}**")
            render_view_downloads(
                lambda: export_frame(ind, level, country, own, lang),
                about_indicator(ind, level, period or "", lang),
                f"atlas_{ind.id}_{selected}",
                "dl_sel",
                lang,
            )
            used += [d for ids in own["dataset_id"].dropna().unique() for d in str(ids).split(";")]
    with st.expander(t_("map.panel_sources"), expanded=True):
        render_sources(used, lang)


def render_units_table(country: str, country_name: str, lang: str) -> None:
    """The country's first-level units: code, name, type, whether they are on the map, and the gazetteer's note."""
    units = loaders.admin1_table(country)
    st.subheader(t("map.units_heading", lang, country=country_name, count=int(units.has_geometry.sum())))
    table = units.assign(
        on_map=units.has_geometry.map({True: t("map.on_map_yes", lang), False: t("map.on_map_no", lang)}),
    )[["geo_code", f"name_{lang}", f"unit_type_{lang}", "on_map", f"note_{lang}"]]
    table.columns = [t(f"map.col_{c}", lang) for c in ("code", "name", "type", "geometry", "note")]
    render_table(table, lang, "units_table")


# ----------------------------------------------------------------------------- the view: map, chart, table
def render_view_column(
    ind: Indicator,
    level: str,
    country: str,
    period: str | None,
    sex: str | None,
    codes: tuple[str, ...],
    view: pd.DataFrame | None,
    view_name: str,
    selected: str,
    drawing: tuple[str, int, tuple, str],
    lang: str,
    on_pick: Callable[[], None],
    legend: Callable[[], None] | None = None,
    map_width: int = VIEW_WIDTH_PX,
) -> bool:
    """The map, chart and table tabs of a view, what the indicator is, its downloads and its API link; the map
    tab draws ``legend`` above the map (on the first screen at every size). Returns whether the map tab is open."""

    def t_(key: str, **values: object) -> str:
        return t(key, lang, **values)

    scheme, k, breaks, palette_id = drawing
    cat, choices = catalogue(), country_choices(lang)
    tab_map, tab_chart, tab_table = st.tabs(
        [t_("map.tab_map"), t_("map.tab_chart"), t_("map.tab_table")], key="tab", on_change="rerun"
    )
    with tab_map:
        if tab_map.open is not False:
            if view is None:
                others = [cat.get(i).name(lang) for i in loaders.indicators_with_admin1(country)] if country else []
                st.info(
                    t_(
                        "map.no_admin1_for_country",
                        indicator=ind.name(lang),
                        country=choices.get(country, country),
                        others=", ".join(others) or t_("map.none_available"),
                    ),
                    icon=":material/map:",
                )
                deck = (
                    loaders.country_boundary_deck(country, lang, map_width)
                    if country
                    else loaders.region_boundary_deck(lang, map_width)
                )
            else:
                deck = indicator_deck(
                    ind.id, level, country, period, sex, scheme, k, breaks, palette_id, lang, selected, map_width
                )
                if legend is not None:
                    with st.container(key="map_legend"):
                        legend()
            st.pydeck_chart(
                deck,
                on_select=on_pick,
                selection_mode="single-object",
                key="map_pick",
                height=540,
                alt=reading_line(ind, period, view_name, level, lang) + " " + t_("map.alt_table"),
            )
            if view is not None:
                if view["value"].notna().sum() == 0:
                    st.warning(t_("map.no_values", indicator=ind.name(lang), period=period))
                render_unit_note(ind, level, period, codes, lang)
                marked = int(view["nearest"].sum() + view["obs_status"].isin(STATUSES).sum())
                if marked:
                    st.caption(t_("map.marks_note", count=marked, window=ind.window))
            st.caption(t_("map.map_help"))
    with tab_chart:
        if tab_chart.open and view is not None:
            ranking = build_ranking_chart(view, ind, lang, period)
            if ranking is None:
                st.caption(t_("map.chart_none"))
            else:
                render_altair(
                    ranking, lang, t_("map.chart_ranking", indicator=ind.name(lang), period=period), key="chart_ranking"
                )
            series = loaders.indicator_series(ind.id, level, sex)
            trend_codes = [selected] if selected in codes else list(view.nlargest(5, "value")["geo_code"])
            trend = build_trend_chart(series, trend_codes, ind, lang)
            if trend is not None:
                render_altair(trend, lang, t_("map.chart_trend", indicator=ind.name(lang)), key="chart_trend")
    with tab_table:
        if tab_table.open and view is not None:
            render_table(build_table(view, ind, lang), lang, "view_table", {t_("map.col_value"): ind.decimals})
    with st.expander(t_("map.about_indicator")):
        spec = ind.levels.get(level)
        st.markdown(f"**{t_('map.definition')}.** {ind.text('definition', lang)}")
        st.markdown(f"**{t_('map.comparability')}.** {ind.text('comparability', lang)}")
        if spec is not None and (spec.population.es or spec.population.en):
            st.markdown(f"**{t_('map.population_used')}.** {spec.population(lang)}")
        if spec is not None:
            render_sources(spec.datasets, lang)
    if view is not None:
        st.markdown(f"**{t_('map.downloads_view', period=period)}**")
        render_view_downloads(
            lambda: export_frame(ind, level, country, view, lang, codes),
            about_indicator(ind, level, period, lang),
            f"atlas_{ind.id}_{level}_{country or 'region'}_{period}",
            "dl_view",
            lang,
            make_html=lambda: build_html_download(
                ind, level, country, period, sex, scheme, k, breaks, palette_id, lang, view_name
            ),
        )
        if view["value"].notna().any() and not sex:  # the image reader draws totals (no sex filter)
            st.markdown(f"**{t_('publications.download_view_heading')}**")
            render_image_downloads(
                build_image_query(ind.id, level, country, period, scheme, k, palette_id),
                f"atlas_{ind.id}_{level}_{country or 'region'}_{period}",
                "dl_image",
                lang,
            )
        render_api_link(indicator_url(ind.id, level, period, country or None, sex=sex, lang=lang), lang)

    return tab_map.open is not False
