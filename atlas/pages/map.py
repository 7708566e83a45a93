"""The indicator map: the region (countries or first-level units) or one country's units, coloured
by a harmonised indicator for a year; click a territory for its profile; chart, table and downloads."""

import streamlit as st

from atlas.core import play, ui, urlstate
from atlas.core.i18n import translator
from atlas.core.loaders import catalogue, country_choices, place_names
from atlas.map import loaders, params, views
from etl.formatting import format_number
from geodata import DataNotBuiltError
from indicators.profile import compute_rank
from layers.classify import SCHEMES
from layers.palettes import DEFAULT_PALETTE, get_palette, palettes_of_kind

lang = ui.current_lang()
_ = translator(lang)
cat = catalogue()
choices = country_choices(lang)
themes = {i: cat.themes[cat.get(i).theme][lang] for i in cat.indicators}


def _indicator_label(i: str) -> str:
    return f"{themes[i]} › {cat.get(i).name(lang)}"


VIEW_PARAMS = params.build_view_params(list(cat.indicators), list(choices),
                                   lambda c: choices.get(c, _("map.region")), _indicator_label)
problems = urlstate.sync_from_url(VIEW_PARAMS, "map")
ui.render_header(_("map.title"))
notices: list[str] = []


def _on_pick() -> None:
    picked = st.session_state["map_pick"].selection.objects.get("units", [])
    if picked:
        st.session_state["sel"] = picked[0]["properties"]["geo_code"]


def _close_panel() -> None:
    st.session_state["sel"] = ""


def _go_country(code: str) -> None:
    st.session_state["country"] = code
    st.session_state["sel"] = ""


c1, c2, c3, c4 = st.columns([3.2, 1.6, 1.6, 1.1], vertical_alignment="bottom")
indicator_id = c1.selectbox(_("map.indicator"), list(cat.indicators), format_func=_indicator_label, key="indicator")
country = c2.selectbox(_("map.view"), ["", *choices], format_func=lambda c: choices.get(c, _("map.region")),
                       key="country")
ind = cat.get(indicator_id)
if not country:
    level_asked = st.session_state.get("level")
    st.session_state["level"], fell_back = params.settle_level(level_asked, list(ind.levels))
    if fell_back:
        notices.append(_("map.no_level_data", indicator=ind.name(lang), level=_(f"map.level_{level_asked}"),
                         fallback=_(f"map.level_{st.session_state['level']}")))
if not country:
    c3.segmented_control(_("map.level"), [lv for lv in params.LEVELS if lv in ind.levels], key="level", required=True,
                         format_func=lambda lv: _(f"map.level_{lv}"))
level = "admin1" if country else st.session_state["level"]
if "sex" not in ind.disaggregations:
    st.session_state["sex"] = ""
sex = st.session_state.get("sex") or None

has_level = level in ind.levels
try:
    codes = loaders.view_codes(level, country)
    level_periods = loaders.indicator_periods(ind.id, level, sex) if has_level else []
    periods = loaders.view_periods(ind.id, level, country, sex) if has_level else []
    default_year = loaders.view_default_period(ind.id, level, country, sex) if has_level else None
except DataNotBuiltError as err:
    ui.render_missing_data(err, lang)

admin1_here = has_level and (not country or ind.id in loaders.indicators_with_admin1(country))
DETAIL_PARAMS = params.build_detail_params(level_periods, default_year, [*codes, *([country] if country else [])])
problems += params.localise_problems(urlstate.sync_from_url(DETAIL_PARAMS, "map_detail"))
view_key = (ind.id, level, country, sex or "")
asked = st.session_state.get("year")
shown, moved = params.choose_year(asked, periods, default_year,
                              st.session_state.get("_map_view", view_key) != view_key)
st.session_state["_map_view"] = view_key
if moved:
    notices.append(_("map.year_changed", indicator=ind.name(lang), asked=asked, shown=shown))
st.session_state["year"] = shown
st.session_state["sel"] = params.settle_selection(st.session_state.get("sel"), codes, country)
palette_kind = get_palette(ind.palette).kind
st.session_state["palette"] = params.settle_palette(st.session_state.get("palette"), palette_kind)

ui.render_problems(problems, lang)
for notice in notices:
    st.info(notice, icon=":material/info:")

y1, y2, y3 = st.columns([5.4, 1.4, 1.6], vertical_alignment="bottom")
year_options = params.slider_periods(periods, shown)
if len(year_options) > 1:
    y1.select_slider(_("map.year"), year_options, key="year")
elif year_options:
    y1.markdown(f"**{_('map.year')}:** {year_options[0]}")
y2.toggle(_("map.play"), key="play", help=_("map.play_help"), disabled=len(periods) < 2)
if "sex" in ind.disaggregations:
    c4.selectbox(_("map.sex"), ["", "F", "M"], format_func=lambda s: _(f"map.sex_{s or '_T'}"), key="sex")


def _tick(tick: bool) -> None:
    """While playing, every tick moves the year on and redraws the page."""
    if tick and len(periods) > 1:
        st.session_state["year"] = play.next_period(periods, st.session_state.get("year"))
        st.rerun()


play.render_playing("map", bool(st.session_state.get("play")), params.PLAY_SECONDS, _tick)
period = st.session_state.get("year")

with y3.popover(_("map.classes_heading"), icon=":material/palette:", width="stretch"):
    st.selectbox(_("map.scheme"), ["", *SCHEMES], key="scheme",
                 format_func=lambda s: _(f"map.scheme_{s}") if s else
                 _("map.scheme_auto", scheme=_(f"map.scheme_{ind.scheme}")))
    st.selectbox(_("map.k"), list(params.K_CHOICES), key="k",
                 format_func=lambda k: k or _("map.k_auto", k=ind.k))
    st.selectbox(_("map.palette"), ["", *palettes_of_kind(palette_kind)], key="palette",
                 format_func=lambda p: get_palette(p).name(lang) if p else
                 _("map.palette_auto", name=get_palette(ind.palette).name(lang)))
    if st.session_state.get("scheme") == "manual":
        st.text_input(_("map.breaks"), key="breaks", help=_("map.breaks_help"))
urlstate.write_to_url(VIEW_PARAMS, "map")
urlstate.write_to_url(DETAIL_PARAMS, "map_detail")

scheme, k, breaks = params.effective_classification(ind, st.session_state.get("scheme", ""), st.session_state.get("k", ""),
                                                st.session_state.get("breaks", ""))
if st.session_state.get("scheme") == "manual" and scheme != "manual":
    typed = st.session_state.get("breaks", "")
    st.warning(_("map.breaks_invalid", value=typed, reason=_("map.reason_breaks")) if typed else
               _("map.breaks_missing"), icon=":material/warning:")
palette_id = st.session_state.get("palette") or ind.palette or DEFAULT_PALETTE[palette_kind]
selected = st.session_state.get("sel", "")

view = loaders.indicator_view(ind.id, level, period, codes, sex) if period and admin1_here else None
view_name = choices.get(country, _("map.region"))
st.caption(views.reading_line(ind, period, view_name, level, lang))
left, right = st.columns([3, 1.25], gap="medium")
with left:
    tab_map, tab_chart, tab_table = st.tabs([_("map.tab_map"), _("map.tab_chart"), _("map.tab_table")], key="tab",
                                            on_change="rerun")
    with tab_map:
        if tab_map.open is not False:
            if view is None:
                others = [cat.get(i).name(lang) for i in loaders.indicators_with_admin1(country)] if country else []
                st.info(_("map.no_admin1_for_country", indicator=ind.name(lang), country=choices.get(country, country),
                          others=", ".join(others) or _("map.none_available")), icon=":material/map:")
                deck = loaders.country_boundary_deck(country, lang) if country else loaders.region_boundary_deck(lang)
            else:
                deck = views.indicator_deck(ind.id, level, country, period, sex, scheme, k, breaks, palette_id, lang,
                                            selected)
            st.pydeck_chart(deck, on_select=_on_pick, selection_mode="single-object", key="map_pick", height=540,
                            alt=views.reading_line(ind, period, view_name, level, lang) + " " + _("map.alt_table"))
            if view is not None:
                if view["value"].notna().sum() == 0:
                    st.warning(_("map.no_values", indicator=ind.name(lang), period=period))
                views.render_unit_note(ind, level, period, codes, lang)
                marked = int(view["nearest"].sum() + view["obs_status"].isin(views.STATUSES).sum())
                if marked:
                    st.caption(_("map.marks_note", count=marked, window=ind.window))
            st.caption(_("map.map_help"))
    with tab_chart:
        if tab_chart.open and view is not None:
            ranking = views.build_ranking_chart(view, ind, lang, period)
            if ranking is None:
                st.caption(_("map.chart_none"))
            else:
                st.altair_chart(ranking, key="chart_ranking")
            series = loaders.indicator_series(ind.id, level, sex)
            trend_codes = [selected] if selected in codes else list(view.nlargest(5, "value")["geo_code"])
            trend = views.build_trend_chart(series, trend_codes, ind, lang)
            if trend is not None:
                st.altair_chart(trend, key="chart_trend")
    with tab_table:
        if tab_table.open and view is not None:
            st.dataframe(views.build_table(view, ind, lang), hide_index=True, width="stretch", key="view_table")
    with st.expander(_("map.about_indicator")):
        spec = ind.levels.get(level)
        st.markdown(f"**{_('map.definition')}.** {ind.text('definition', lang)}")
        st.markdown(f"**{_('map.comparability')}.** {ind.text('comparability', lang)}")
        if spec is not None and (spec.population_es or spec.population_en):
            st.markdown(f"**{_('map.population_used')}.** {spec.population_es if lang == 'es' else spec.population_en}")
        if spec is not None:
            views.render_sources(spec.datasets, lang)
    if view is not None:
        st.markdown(f"**{_('map.downloads_view', period=period)}**")
        views.render_view_downloads(lambda: views.export_frame(ind, level, country, view, lang, codes),
                                    views.about_indicator(ind, level, period, lang),
                                    f"atlas_{ind.id}_{level}_{country or 'region'}_{period}", "dl_view", lang,
                                    make_html=lambda: views.build_html_download(
                                        ind, level, country, period, sex, scheme, k, breaks, palette_id, lang,
                                        view_name))
        if view["value"].notna().any() and not sex:   # the image reader draws totals (no sex filter)
            st.markdown(f"**{_('publications.download_view_heading')}**")
            views.render_image_downloads(views.build_image_query(ind.id, level, country, period, scheme, k, palette_id),
                                         f"atlas_{ind.id}_{level}_{country or 'region'}_{period}", "dl_image", lang)

with right:
    if view is not None and (tab_map.open is not False):
        classes = views.classify_view(ind.id, level, country, period, sex, scheme, k, breaks)
        views.render_legend(classes, palette_id, ind, len(codes) - int(view["value"].notna().sum()), lang,
                            focused=views.focuses_network(level, country, scheme))
    names = place_names(lang)
    st.selectbox(_("map.territory"), ["", *sorted([*codes, *([country] if country else [])], key=names.get)],
                 format_func=lambda c: names.get(c, c) if c else "—", key="sel", help=_("map.territory_help"))
    if not selected:
        st.caption(_("map.panel_hint"))
    else:
        st.subheader(names.get(selected, selected))
        st.button(_("map.panel_close"), on_click=_close_panel, key="panel_close", icon=":material/close:")
        sel_level = "country" if len(selected) == 3 else "admin1"
        if not country and selected in choices:
            st.button(_("map.panel_go_country", country=choices[selected]), on_click=_go_country, args=(selected,),
                      key="panel_go_country", icon=":material/zoom_in:")
        row = view[view["geo_code"] == selected] if view is not None else view
        if row is not None and not row.empty:
            r = row.iloc[0]
            own_series = loaders.indicator_series(ind.id, level, sex)
            own_series = own_series[(own_series["geo_code"] == selected) & own_series["value"].notna()]
            label = _("map.panel_value", indicator=views.indicator_title(ind, lang), period=r["period"])
            if r["obs_status"] == "F":
                label += f" · {_('map.status_F')}"
            st.metric(label, format_number(r["value"], lang, ind.decimals),
                      chart_data=list(own_series["value"]) if len(own_series) > 1 else None, chart_type="line",
                      help=_("map.panel_value_help", first=own_series["period"].iloc[0], last=own_series["period"].iloc[-1])
                      if len(own_series) > 1 else None)
            rank = compute_rank(view, selected)
            if rank:
                st.caption(_("map.panel_rank", rank=rank[0], total=rank[1]))
        elif period:
            st.caption(_("map.panel_no_value", indicator=ind.name(lang), period=period))
            unit_note = views.unit_note_for(selected, ind, level, period, lang) if sel_level == level else None
            if unit_note:
                st.caption(unit_note)
        used = views.render_headline(selected, sel_level, lang)
        if sel_level == "country":
            used += views.render_partners(selected, lang)
        else:
            st.caption(_("map.panel_bilateral_none"))
        if has_level and sel_level == level:
            series = loaders.indicator_series(ind.id, level, sex)
            own = series[series["geo_code"] == selected]
            if not own.empty:
                st.markdown(f"**{_('map.downloads_selection', name=names.get(selected, selected))}**")
                views.render_view_downloads(lambda: views.export_frame(ind, level, country, own, lang),
                                    views.about_indicator(ind, level, period or "", lang),
                                    f"atlas_{ind.id}_{selected}", "dl_sel", lang)
                used += [d for ids in own["dataset_id"].dropna().unique() for d in str(ids).split(";")]
        with st.expander(_("map.panel_sources"), expanded=True):
            views.render_sources(used, lang)

if country:
    units = loaders.admin1_table(country)
    st.subheader(_("map.units_heading", country=choices[country], count=int(units.has_geometry.sum())))
    table = units.assign(
        on_map=units.has_geometry.map({True: _("map.on_map_yes"), False: _("map.on_map_no")}),
    )[["geo_code", f"name_{lang}", f"unit_type_{lang}", "on_map", f"note_{lang}"]]
    table.columns = [_("map.col_code"), _("map.col_name"), _("map.col_type"), _("map.col_geometry"), _("map.col_note")]
    st.dataframe(table, hide_index=True, width="stretch", key="units_table")

ui.render_footer(lang)
