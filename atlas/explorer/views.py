"""Widgets and renderers of the explorer page (the page itself only wires them together).

Every widget's key is its query parameter (``source``, ``measure``, ``rows``, ``cols``,
``granularity``, ``area_level``, ``totals``, ``shares``, ``per_capita``, ``stat`` and one
``f_<dimension>`` per filter), so a link reopens the same table. What a link gets wrong
is never dropped silently: ``atlas.core.urlstate`` reports bad values, ``validate_link`` the
rest (unknown filters, repeated dimensions, a dimension in both rows and columns), and
``render_filters`` the filter codes the data do not have; each falls back with a notice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from api.urls import crosstab_url
from atlas.core import urlstate
from atlas.core.downloads import Download, render_downloads
from atlas.core.i18n import t
from atlas.core.loaders import citable_data_version
from atlas.core.ui import render_altair, render_api_link
from atlas.explorer import loaders
from atlas.explorer.params import (
    CHART_CATEGORIES,
    FILTER_PREFIX,
    LINK_SEEN,
    LinkProblem,
    first_view,
    validate_link,
)
from etl.crosstab.catalogue import Catalogue, Source
from etl.crosstab.engine import CrosstabResult
from etl.crosstab.export import build_header_block, build_legend, build_notes, file_stem
from etl.crosstab.messages import Problem
from etl.crosstab.pivot import build_chart_frame, build_pivot, is_time_axis, result_statistics, statistic_title
from etl.crosstab.spec import (
    AREA_LEVELS,
    MICRODATA_GRANULARITIES,
    OBSERVATION_GRANULARITIES,
    SHARES,
    TOTALS,
    QuerySpec,
    build_spec,
    query_string,
)
from etl.formatting import format_count
from etl.textsafe import escape_markdown
from layers.crosstab_chart import build_crosstab_chart


def check_link(cat: Catalogue) -> list[LinkProblem]:
    """``validate_link`` on the current URL when it changed from outside (a shared link), with
    its fallbacks applied to the widgets; nothing on the page's own reruns."""
    query = {k: st.query_params[k] for k in st.query_params}
    if st.session_state.get(LINK_SEEN) == query:
        return []
    problems, fixes = validate_link(query, cat)
    for key, value in fixes.items():
        st.session_state[key] = value
    return problems


def remember_link() -> None:
    """Note the URL as this run leaves it, so that ``check_link`` knows the next change is not ours."""
    st.session_state[LINK_SEEN] = {k: st.query_params[k] for k in st.query_params}


def render_source(sources: Sequence[Source], lang: str) -> str:
    """The source picker: the aggregated statistics or a record-level dataset."""
    by_id = {s.source_id: s for s in sources}

    def label(source_id: str) -> str:
        s = by_id[source_id]
        if s.records is None:
            return s.title(lang)
        return t("explorer.source_records", lang, title=s.title(lang), records=format_count(s.records, lang))

    return st.selectbox(t("explorer.source", lang), list(by_id), format_func=label, key="source")


def apply_first_view(params: Sequence[urlstate.Param], cat: Catalogue) -> None:
    """Set every widget to its neutral default, then to the first view of ``cat``."""
    view = first_view(cat)
    for p in params:
        st.session_state[p.key] = view.get(p.key, p.default)
    st.session_state["filter_dims"] = [k[len(FILTER_PREFIX) :] for k in view if k.startswith(FILTER_PREFIX)]


def prepare_view(params: Sequence[urlstate.Param], cat: Catalogue, source: str) -> bool:
    """Set up the widgets before the URL is read; returns whether the URL should be read.

    A bare visit (no explorer parameter, nothing chosen yet) opens the first view. A link
    to another source is read as it is, with neutral defaults for what it leaves out. When
    the user picks another source in the page, its first view opens and the URL (still the
    old source's) is not read.
    """
    seen = st.session_state.get("_explorer_source")
    st.session_state["_explorer_source"] = source
    if seen is None:
        if not any(p.key in st.query_params for p in params):
            apply_first_view(params, cat)
        return True
    if seen == source:
        return True
    if st.query_params.get("source") == source:
        for p in params:
            st.session_state[p.key] = p.default
        return True
    apply_first_view(params, cat)
    return False


def _option_label(lang: str):
    """Names of the options of the period, level, totals and shares pickers."""
    return lambda value: t(f"explorer.opt_{value}", lang)


def render_query_form(cat: Catalogue, stamp: str, lang: str) -> QuerySpec:
    """Every widget of the query; returns the spec they describe."""
    _ = lambda key, **v: t(f"explorer.{key}", lang, **v)  # noqa: E731
    measures = st.multiselect(
        _("measures"),
        sorted(cat.measures),
        key="measure",
        help=_("measures_help"),
        placeholder=t("common.choose_options", lang),
        format_func=lambda m: f"{cat.measures[m].name(lang)} ({cat.unit_name(cat.measures[m].unit, lang)})",
    )
    dims = cat.dimensions_for(measures) if measures else {d: v for d, v in cat.dimensions.items() if not v.by_dataset}
    for key in ("rows", "cols"):
        keep_available(key, cat, dims, lang)
    c_rows, c_cols = st.columns(2)
    name = lambda d: cat.dimension_name(d, measures, lang)  # noqa: E731
    rows = c_rows.multiselect(
        _("rows"), list(dims), key="rows", format_func=name, placeholder=t("common.choose_options", lang)
    )
    cols = c_cols.multiselect(
        _("cols"), list(dims), key="cols", format_func=name, placeholder=t("common.choose_options", lang)
    )
    o1, o2, o3, o4, o5 = st.columns([1, 1.3, 1.2, 1, 1])
    microdata = cat.kind == "microdata"
    granularities = MICRODATA_GRANULARITIES if microdata else OBSERVATION_GRANULARITIES
    granularity = o1.selectbox(_("granularity"), granularities, key="granularity", format_func=_option_label(lang))
    area_level = o2.selectbox(
        _("area_level"), AREA_LEVELS, key="area_level", disabled=microdata, format_func=_option_label(lang)
    )
    totals = o3.selectbox(_("totals"), TOTALS, key="totals", format_func=_option_label(lang))
    shares = o4.selectbox(_("shares"), SHARES, key="shares", format_func=_option_label(lang))
    per_capita = o5.toggle(_("per_capita"), key="per_capita", disabled=microdata)
    filters = render_filters(cat, tuple(measures), dims, granularity, area_level, stamp, lang)
    return build_spec(
        measures,
        rows,
        cols,
        filters,
        source=cat.source,
        granularity=granularity,
        area_level=area_level,
        totals=totals,
        shares=shares,
        per_capita=bool(per_capita and not microdata),
    )


def keep_available(key: str, cat: Catalogue, dims: Mapping[str, object], lang: str) -> None:
    """Take out of ``rows``/``cols`` the dimensions the chosen measures do not have, saying so
    (a source-specific dimension of another dataset, from a link or an earlier choice)."""
    current = tuple(st.session_state.get(key) or ())
    gone = [d for d in current if d not in dims]
    if gone:
        names = ", ".join(cat.dimensions[d].name(lang) if d in cat.dimensions else d for d in gone)
        st.warning(
            t("explorer.dimension_not_applicable", lang, dims=names, where=t(f"explorer.{key}", lang)),
            icon=":material/filter_alt_off:",
        )
        st.session_state[key] = tuple(d for d in current if d in dims)


def render_filters(
    cat: Catalogue, measures: tuple[str, ...], dims: dict, granularity: str, area_level: str, stamp: str, lang: str
) -> dict[str, tuple[str, ...]]:
    """ "Filter on" a few dimensions, then pick their codes (loaded only for the dimensions chosen)."""
    active = [d for d in dims if st.session_state.get(f"{FILTER_PREFIX}{d}")]
    chosen = [d for d in st.session_state.get("filter_dims", []) if d in dims]
    st.session_state["filter_dims"] = list(dict.fromkeys([*chosen, *active]))
    for d in cat.dimensions:
        current = tuple(st.session_state.get(f"{FILTER_PREFIX}{d}") or ())
        if current and d not in dims:
            st.warning(
                t("explorer.filter_not_applicable", lang, dim=cat.dimensions[d].name(lang), codes=", ".join(current)),
                icon=":material/filter_alt_off:",
            )
    with st.expander(t("explorer.filters", lang), expanded=bool(active)):
        name = lambda d: cat.dimension_name(d, measures, lang)  # noqa: E731
        picked = st.multiselect(
            t("explorer.filter_on", lang),
            list(dims),
            key="filter_dims",
            format_func=name,
            placeholder=t("common.choose_options", lang),
        )
        out = {}
        for d in picked:
            key = f"{FILTER_PREFIX}{d}"
            codes = loaders.dimension_codes(cat.source, measures, d, granularity, area_level, stamp)
            current = tuple(st.session_state.get(key, ()))
            dropped = [c for c in current if c not in codes]
            if dropped:
                st.warning(
                    t("explorer.filter_dropped", lang, dim=name(d), codes=", ".join(dropped)),
                    icon=":material/filter_alt_off:",
                )
                st.session_state[key] = tuple(c for c in current if c in codes)
            names = {c: es if lang == "es" else en for c, (es, en, _) in codes.items()}
            out[d] = tuple(
                st.multiselect(
                    name(d),
                    list(codes),
                    key=key,
                    help=t("explorer.filter_help", lang),
                    placeholder=t("common.choose_options", lang),
                    format_func=lambda c, names=names: c if names[c] == c else f"{names[c]} ({c})",
                )
            )
    for d in cat.dimensions:
        if d not in out:
            st.session_state[f"{FILTER_PREFIX}{d}"] = ()
    return out


def drop_stale_filters(params: Sequence[urlstate.Param]) -> None:
    """Remove ``f_*`` parameters of another source from the URL."""
    keys = {p.key for p in params}
    for key in list(st.query_params):
        if key.startswith(FILTER_PREFIX) and key not in keys:
            del st.query_params[key]


def render_banners(cat: Catalogue, lang: str) -> None:
    """Say when a record-level source is SYNTHETIC, and that confidential data are protected."""
    if any(d.synthetic for d in cat.datasets.values()) and cat.kind == "microdata":
        st.warning(t("explorer.synthetic_banner", lang), icon=":material/science:")
    if cat.kind == "microdata" and any(d.confidential for d in cat.datasets.values()):
        st.info(t("explorer.confidential_banner", lang), icon=":material/lock:")


def render_problems(problems: Sequence[Problem], lang: str) -> None:
    """Why the query cannot run, every problem with its fix, in ``lang``."""
    lines = "\n".join(f"- {p.message(lang)}" for p in problems)
    st.error(f"{t('explorer.query_problems', lang)}\n\n{lines}", icon=":material/rule:")


def render_result(result: CrosstabResult, stamp: str, lang: str) -> None:
    """The table (with legend, notes and downloads), the chart, and the query with its sources."""
    stats = result_statistics(result)
    if st.session_state.get("stat") not in stats:
        st.session_state["stat"] = "value"
    stat = (
        st.radio(
            t("explorer.statistic", lang),
            stats,
            key="stat",
            horizontal=True,
            format_func=lambda s: t(f"explorer.stat_{s}", lang),
        )
        if len(stats) > 1
        else "value"
    )
    tab_table, tab_chart, tab_about = st.tabs(
        [t("explorer.tab_table", lang), t("explorer.tab_chart", lang), t("explorer.tab_about", lang)]
    )
    with tab_table:
        render_table(result, stat, stamp, lang)
    with tab_chart:
        render_chart(result, stat, lang)
    with tab_about:
        block = build_header_block(result, lang, citable_data_version(stamp))
        # dataset titles, publishers and caveats may come from submissions: plain text, never Markdown
        st.markdown("\n".join(f"- **{label}** {escape_markdown(text)}" for label, text in block if text))


def render_table(result: CrosstabResult, stat: str, stamp: str, lang: str) -> None:
    shown = int(result.tidy["shown"].sum()) if "shown" in result.tidy else len(result.tidy)
    st.caption(f"{statistic_title(result, stat, lang)} · {t('explorer.cells', lang, cells=format_count(shown, lang))}")
    table = build_pivot(result, stat, lang)
    label_columns = len(result.spec.rows) or 1
    numbers = {c: st.column_config.TextColumn(alignment="right") for c in table.columns[label_columns:]}
    st.dataframe(table, hide_index=True, width="stretch", column_config=numbers)
    st.caption("  \n".join(build_legend(result, lang)))
    for note in build_notes(result, lang):
        st.caption(note)
    query = query_string(result.spec)
    stem = file_stem(result)
    render_downloads(
        [
            Download(t("explorer.download_csv", lang), lambda: loaders.downloads(query, lang, stamp)[0], f"{stem}.csv"),
            Download(
                t("explorer.download_xlsx", lang), lambda: loaders.downloads(query, lang, stamp)[1], f"{stem}.xlsx"
            ),
        ],
        "download",
    )
    render_api_link(crosstab_url(query, lang=lang), lang)


def render_chart(result: CrosstabResult, stat: str, lang: str) -> None:
    frame = build_chart_frame(result, stat, lang, CHART_CATEGORIES)
    if frame.empty:
        st.info(t("explorer.chart_empty", lang))
        return
    name = lambda d: result.catalogue.dimension_name(d, result.spec.measures, lang)  # noqa: E731
    x_dims = result.spec.rows or result.spec.cols[:1]
    series_dims = result.spec.cols if result.spec.rows else result.spec.cols[1:]
    chart = build_crosstab_chart(
        frame,
        statistic_title(result, stat, lang),
        " · ".join(map(name, x_dims)) or " ",
        " · ".join(map(name, series_dims)) or " ",
        is_time_axis(result),
    )
    render_altair(chart, lang, statistic_title(result, stat, lang), width="stretch")
    st.caption(t("explorer.chart_note", lang, count=CHART_CATEGORIES))
