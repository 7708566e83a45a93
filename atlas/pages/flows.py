"""Flows: origin -> destination arcs of one measure of one source, year by year or month by month."""

import streamlit as st

from atlas.core import play, ui, urlstate, viewport
from atlas.core import projector as workshop
from atlas.core.i18n import translator
from atlas.core.loaders import dataset_info, place_names
from atlas.flows import loaders, views
from atlas.flows.params import OWN_SPECS, SPEEDS, TOP_CHOICES, build_flow_specs, compute_picked_place, settle_choice

lang = ui.current_lang()
_ = translator(lang)
problems = workshop.setup_workshop(lang)
ui.render_header(_("flows.title"), None if workshop.projecting() else _("flows.caption"))
with ui.needs_data(lang):
    flow_views = loaders.flow_views_available()
    names = place_names(lang)
if not flow_views:
    st.warning(_("flows.no_views"))
    st.stop()

VIEW = urlstate.choice("view", list(flow_views), next(iter(flow_views)))
problems += urlstate.sync_from_url([VIEW], "flows_view")
view = flow_views[st.session_state["view"]]
units = list(view.steps)
UNIT = urlstate.choice("unit", units, units[0])
problems += urlstate.sync_from_url([UNIT], "flows_unit")
st.session_state["unit"] = settle_choice(st.session_state.get("unit"), units, units[0])
periods = loaders.flow_periods(view.view_id, st.session_state["unit"])
period_report = loaders.flow_period_report(view.view_id, st.session_state["unit"])
default_period = period_report.default or (periods[-1] if periods else None)  # latest complete period
sexes = loaders.flow_sexes(view.view_id)
places = sorted(loaders.flow_places(view.view_id))
SPECS = build_flow_specs(list(flow_views), next(iter(flow_views)), periods, default_period, units, sexes, places)
OTHER_SPECS = [s for s in SPECS if s.key not in OWN_SPECS]
problems += play.sync_from_url(OTHER_SPECS, "flows")
for key, options, fallback in (("period", periods, default_period), ("sex", sexes, "_T"), ("focus", ["", *places], "")):
    st.session_state[key] = settle_choice(st.session_state.get(key), options, fallback)
ui.render_problems(problems, lang)
workshop.render_story_bar(lang, "flows")
views.render_page_style(workshop.projecting())
map_width = viewport.map_width()  # the map's first view fits its drawn flows at the width it has here

side = st.sidebar
side.selectbox(_("flows.view"), list(flow_views), format_func=lambda v: flow_views[v].name(lang), key="view")
if len(units) > 1:
    side.segmented_control(
        _("flows.unit"), units, format_func=lambda u: _(f"flows.unit_{u}"), key="unit", required=True
    )
if len(sexes) > 1:
    side.segmented_control(_("flows.sex"), sexes, format_func=lambda s: _(f"flows.sex_{s}"), key="sex", required=True)
side.segmented_control(
    _("flows.mode"), ["both", "in", "out"], format_func=lambda m: _(f"flows.mode_{m}"), key="mode", required=True
)
side.selectbox(
    _("flows.top"),
    list(TOP_CHOICES),
    key="top",
    format_func=lambda n: _("flows.top_all") if n == "all" else _("flows.top_n", n=n),
)
side.number_input(_("flows.min"), min_value=0, step=1000, key="min", help=_("flows.min_help"))
side.toggle(_("flows.play"), key="play", help=_("flows.play_help"), on_change=play.on_play_toggled("flows"))
side.select_slider(_("flows.speed"), list(SPEEDS), key="speed")
workshop.render_workshop_toggle(lang)


def _on_pick() -> None:
    """A click on a place focuses it (the focus box and the URL follow)."""
    play.touched("flows")()  # a click is the person's, not a timer tick
    code = compute_picked_place(st.session_state["flow_pick"].selection)
    if code in places:
        st.session_state["focus"] = code


def render_panel(tick: bool) -> None:
    """Period, focus, map, counts and tables: the part that reruns on its own while playing."""
    state = st.session_state
    if tick:
        state["period"] = play.next_period(periods, state.get("period"))
    if not periods:
        st.info(_("flows.no_flows", period="—"))
        return
    projecting = workshop.projecting()
    labels = "collapsed" if projecting else "visible"  # projected: story step, legend and map on one screen
    with st.container(key="flows_controls"):
        period_col, focus_col = st.columns([3, 2], vertical_alignment="bottom")
    period_col.select_slider(
        _("flows.period"), periods, key="period", on_change=play.touched("flows"), label_visibility=labels
    )
    focus_col.selectbox(
        _("flows.focus"),
        ["", *places],
        key="focus",
        on_change=play.touched("flows"),
        format_func=lambda c: f"{names.get(c, c)} ({c})" if c else _("flows.focus_none"),
        label_visibility=labels,
    )
    urlstate.write_to_url([VIEW], "flows_view")
    urlstate.write_to_url([UNIT], "flows_unit")
    urlstate.write_to_url(OTHER_SPECS, "flows")
    workshop.write_workshop_url()
    period, sex, focus = state["period"], state["sex"], state["focus"]
    if period_report.notice(period, lang):  # partial or mid-year: said on the page, not only in tooltips
        st.info(period_report.notice(period, lang), icon=":material/schedule:")
    map_height = views.MAP_HEIGHT_PROJECTED if projecting else views.MAP_HEIGHT
    flow_map = views.cached_flow_map(
        view.view_id,
        state["unit"],
        period,
        sex,
        focus,
        state["mode"],
        state["top"],
        int(state["min"]),
        lang,
        map_width,
        map_height,
    )
    # Map first: the legend of every channel above the map, the map the full width, what is drawn below it.
    with st.container(key="flows_legend"):
        views.render_legend(flow_map, lang)
    st.pydeck_chart(
        flow_map.deck,
        on_select=_on_pick,
        selection_mode="single-object",
        key="flow_pick",
        height=map_height,
        alt=_("flows.map_alt", view=view.name(lang), period=period),
    )
    st.caption(f"{_('flows.map_help')} {_('flows.map_click')}")
    views.render_counts(flow_map, lang)
    if flow_map.summary["drawn_count"] == 0 and flow_map.summary["hidden_count"] == 0:
        st.info(_("flows.no_flows", period=period))
    st.subheader(_("flows.places_heading"))
    st.caption(_("flows.places_note"))
    ui.render_table(
        flow_map.totals_table, lang, "flows_totals", {_(f"flows.col_{c}"): 0 for c in ("incoming", "outgoing", "net")}
    )
    st.subheader(_("flows.flows_heading"))
    ui.render_table(views.build_flow_display(flow_map.table, lang), lang, "flows_table", {_("flows.col_value"): 0})
    info = dataset_info(view.dataset_id)
    views.render_downloads(flow_map.table, info, f"flows_{view.view_id}_{period}_{sex}", lang)
    views.render_api_link(view, period, lang)
    views.render_source(view, info, lang)


play.render_playing("flows", bool(st.session_state.get("play")), float(st.session_state["speed"]), render_panel)
workshop.render_add_view(lang, "flows", {s.key: s.dump(st.session_state.get(s.key, s.default)) for s in SPECS})
ui.render_footer(lang)
