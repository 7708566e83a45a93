"""The indicator map: the region (countries or first-level units) or one country's units, coloured
by a harmonised indicator for a year; click a territory for its profile; chart, table and downloads."""

import streamlit as st

from atlas.core import play, ui, urlstate, viewport
from atlas.core.i18n import translator
from atlas.core.loaders import catalogue, country_choices, place_names
from atlas.map import loaders, params, views

lang = ui.current_lang()
_ = translator(lang)
cat = catalogue()
choices = country_choices(lang)
themes = {i: cat.themes[cat.get(i).theme](lang) for i in cat.indicators}


def _indicator_label(i: str) -> str:
    return f"{themes[i]} › {cat.get(i).name(lang)}"


VIEW_PARAMS = params.build_view_params(
    list(cat.indicators), list(choices), lambda c: choices.get(c, _("map.region")), _indicator_label
)
problems = urlstate.sync_from_url(VIEW_PARAMS, "map")
ui.render_header(_("map.title"))
views.render_map_page_style()
# The map's first view fits the region (or the country) at the width it has here; the probe is mounted at the end
# of the page, so that it adds no gap above the legend on a phone's first screen.
map_width = viewport.assumed_width()
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


with st.container(key="map_controls_view"):  # two to a row on a phone (views.MAP_PAGE_STYLE)
    c1, c2, c3, c4 = st.columns([3.2, 1.6, 1.6, 1.1], vertical_alignment="bottom")
indicator_id = c1.selectbox(_("map.indicator"), list(cat.indicators), format_func=_indicator_label, key="indicator")
country = c2.selectbox(
    _("map.view"), ["", *choices], format_func=lambda c: choices.get(c, _("map.region")), key="country"
)
ind = cat.get(indicator_id)
if not country:
    level_asked = st.session_state.get("level")
    st.session_state["level"], fell_back = params.settle_level(level_asked, list(ind.levels))
    if fell_back:
        notices.append(
            _(
                "map.no_level_data",
                indicator=ind.name(lang),
                level=_(f"map.level_{level_asked}"),
                fallback=_(f"map.level_{st.session_state['level']}"),
            )
        )
if not country:
    c3.segmented_control(
        _("map.level"),
        [lv for lv in params.LEVELS if lv in ind.levels],
        key="level",
        required=True,
        format_func=lambda lv: _(f"map.level_{lv}"),
    )
level = "admin1" if country else st.session_state["level"]
if "sex" not in ind.disaggregations:
    st.session_state["sex"] = ""
sex = st.session_state.get("sex") or None

has_level = level in ind.levels
with ui.needs_data(lang):
    codes = loaders.view_codes(level, country)
    level_periods = loaders.indicator_periods(ind.id, level, sex) if has_level else []
    periods = loaders.view_periods(ind.id, level, country, sex) if has_level else []
    default_year = loaders.view_default_period(ind.id, level, country, sex) if has_level else None

admin1_here = has_level and (not country or ind.id in loaders.indicators_with_admin1(country))
DETAIL_PARAMS = params.build_detail_params(level_periods, default_year, [*codes, *([country] if country else [])])
problems += params.localise_problems(urlstate.sync_from_url(DETAIL_PARAMS, "map_detail"))
view_key = (ind.id, level, country, sex or "")
asked = st.session_state.get("year")
shown, moved = params.choose_year(asked, periods, default_year, st.session_state.get("_map_view", view_key) != view_key)
st.session_state["_map_view"] = view_key
if moved:
    notices.append(_("map.year_changed", indicator=ind.name(lang), asked=asked, shown=shown))
st.session_state["year"] = shown
st.session_state["sel"] = params.settle_selection(st.session_state.get("sel"), codes, country)
st.session_state["palette"] = params.settle_palette(st.session_state.get("palette"), params.palette_kind(ind))

ui.render_problems(problems, lang)
for notice in notices:
    st.info(notice, icon=":material/info:")
period_report = loaders.view_period_report(ind.id, level, country, sex) if has_level else None

with st.container(key="map_controls_year"):
    y1, y2, y3, y4 = st.columns([4.2, 1.3, 1.5, 2], vertical_alignment="bottom")
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
    views.render_classes_controls(ind, lang)
urlstate.write_to_url(VIEW_PARAMS, "map")
urlstate.write_to_url(DETAIL_PARAMS, "map_detail")

scheme, k, breaks = params.effective_classification(
    ind, st.session_state.get("scheme", ""), st.session_state.get("k", ""), st.session_state.get("breaks", "")
)
views.render_breaks_warning(st.session_state.get("scheme", ""), scheme, st.session_state.get("breaks", ""), lang)
palette_id = params.effective_palette(ind, st.session_state.get("palette"))
selected = st.session_state.get("sel", "")

view = loaders.indicator_view(ind.id, level, period, codes, sex) if period and admin1_here else None
view_name = choices.get(country, _("map.region"))
st.caption(views.reading_line(ind, period, view_name, level, lang))
if period_report is not None and period and period_report.notice(period, lang):  # partial, mid-year, projection
    st.info(period_report.notice(period, lang), icon=":material/schedule:")
views.render_coverage_note(view, lang)
names = place_names(lang)
y4.selectbox(
    _("map.territory"),
    ["", *sorted([*codes, *([country] if country else [])], key=names.get)],
    format_func=lambda c: names.get(c, c) if c else "—",
    key="sel",
    help=_("map.territory_help"),
)


def _legend() -> None:
    """The legend, drawn above the map in its tab (on the first screen at every size)."""
    if view is not None:
        classes = views.classify_view(ind.id, level, country, period, sex, scheme, k, breaks)
        views.render_legend(
            classes,
            palette_id,
            ind,
            len(codes) - int(view["value"].notna().sum()),
            lang,
            focused=views.focuses_network(level, country, scheme),
        )


# Map first: the view takes the full width; a selected territory's profile is a narrow right-hand panel
# (stacked below the map on a phone, and scrolled into view there).
stage = st.columns([3.3, 1], gap="small") if selected else [st.container()]
with stage[0]:
    views.render_view_column(
        ind,
        level,
        country,
        period,
        sex,
        codes,
        view,
        view_name,
        selected,
        (scheme, k, breaks, palette_id),
        lang,
        on_pick=_on_pick,
        legend=_legend,
        map_width=map_width,
    )
if selected:
    with stage[1], st.container(key="map_profile"):
        views.render_profile(
            selected,
            ind,
            level,
            country,
            period,
            sex,
            view,
            has_level,
            choices,
            lang,
            on_close=_close_panel,
            on_go_country=_go_country,
        )
    if st.session_state.get("_map_profile_shown") != selected:  # a new pick: bring its profile in view
        ui.scroll_into_view("map_profile")
st.session_state["_map_profile_shown"] = selected

if country:
    views.render_units_table(country, choices[country], lang)

ui.render_footer(lang)
viewport.map_width()
