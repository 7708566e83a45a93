"""Flows: origin -> destination arcs of one measure of one source, year by year or month by month."""

import streamlit as st

from atlas import data_flows as data
from atlas import flows_ui, ui, urlstate, workshop
from atlas.data_flows import StoreMissingError
from atlas.i18n import translator
from atlas.urlparams_flows import SPEEDS, TOP_CHOICES, build_flow_specs
from geodata.boundaries import BoundariesNotBuiltError

lang = ui.current_lang()
_ = translator(lang)
problems = workshop.setup_workshop(lang)
ui.render_header(_("flows.title"), _("flows.caption"))
try:
    views = data.flow_views_available()
    names = data.place_names(lang)
except (StoreMissingError, BoundariesNotBuiltError) as err:
    ui.render_missing_data(err, lang)
if not views:
    st.warning(_("flows.no_views"))
    st.stop()

VIEW = urlstate.choice("view", list(views), next(iter(views)))
problems += urlstate.sync_from_url([VIEW], "flows_view")
view = views[st.session_state["view"]]
units = list(view.steps)
UNIT = urlstate.choice("unit", units, units[0])
problems += urlstate.sync_from_url([UNIT], "flows_unit")
if st.session_state.get("unit") not in units:   # a step left over from another view
    st.session_state["unit"] = units[0]
periods = data.flow_periods(view.view_id, st.session_state["unit"])
sexes = data.flow_sexes(view.view_id)
places = sorted(data.flow_places(view.view_id))
SPECS = build_flow_specs(list(views), next(iter(views)), periods, periods[-1] if periods else None, units, sexes,
                         places)
problems += flows_ui.sync_flow_state_from_url([s for s in SPECS if s.key not in ("view", "unit")], "flows")
for key, options, fallback in (("period", periods, periods[-1] if periods else None),
                               ("sex", sexes, "_T"), ("focus", ["", *places], "")):
    if st.session_state.get(key) not in options:   # a choice left over from another view
        st.session_state[key] = fallback
ui.render_problems(problems, lang)
workshop.render_story_bar(lang, "flows")

side = st.sidebar
side.selectbox(_("flows.view"), list(views), format_func=lambda v: views[v].name(lang), key="view")
if len(units) > 1:
    side.segmented_control(_("flows.unit"), units, format_func=lambda u: _(f"flows.unit_{u}"), key="unit",
                           required=True)
if len(sexes) > 1:
    side.segmented_control(_("flows.sex"), sexes, format_func=lambda s: _(f"flows.sex_{s}"), key="sex",
                           required=True)
side.segmented_control(_("flows.mode"), ["both", "in", "out"], format_func=lambda m: _(f"flows.mode_{m}"),
                       key="mode", required=True)
side.selectbox(_("flows.top"), list(TOP_CHOICES), key="top",
               format_func=lambda n: _("flows.top_all") if n == "all" else _("flows.top_n", n=n))
side.number_input(_("flows.min"), min_value=0, step=1000, key="min", help=_("flows.min_help"))
side.toggle(_("flows.play"), key="play", help=_("flows.play_help"), on_change=flows_ui.on_play_toggled)
side.select_slider(_("flows.speed"), list(SPEEDS), key="speed")
workshop.render_workshop_toggle(lang)


def _on_pick() -> None:
    """A click on a place focuses it (the focus box and the URL follow)."""
    code = flows_ui.compute_picked_place(st.session_state["flow_pick"].selection)
    if code in places:
        st.session_state["focus"] = code


@st.fragment(run_every=float(st.session_state["speed"]) if st.session_state.get("play") else None)
def render_panel() -> None:
    """Period, focus, map, counts and tables: the part that reruns on its own while playing."""
    flows_ui.advance_if_playing(periods)
    if not periods:
        st.info(_("flows.no_flows", period="—"))
        return
    st.select_slider(_("flows.period"), periods, key="period", on_change=flows_ui.on_period_picked)
    st.selectbox(_("flows.focus"), ["", *places], key="focus",
                 format_func=lambda c: f"{names.get(c, c)} ({c})" if c else _("flows.focus_none"))
    urlstate.write_to_url([VIEW], "flows_view")
    urlstate.write_to_url([UNIT], "flows_unit")
    flows_ui.write_flow_state_to_url([s for s in SPECS if s.key not in ("view", "unit")], "flows")
    workshop.write_workshop_url()
    state = st.session_state
    period, sex, focus = state["period"], state["sex"], state["focus"]
    coverage = data.flow_coverage(view.view_id, state["unit"]).set_index("period")
    if period in coverage.index and not coverage.loc[period, "complete"]:
        st.caption(_("flows.partial", period=period, months=int(coverage.loc[period, "months"])))
    flow_map = data.flow_map(view.view_id, state["unit"], period, sex, focus, state["mode"], state["top"],
                             int(state["min"]), lang)
    st.pydeck_chart(flow_map.deck, on_select=_on_pick, selection_mode="single-object", key="flow_pick",
                    height=680 if state.get("workshop") else 540)
    st.caption(_("flows.map_help"))
    legend, counts = st.columns([1, 2])
    legend.html(flows_ui.build_legend_svg(flow_map, lang))
    legend.caption(_("flows.legend_places"))
    with counts:
        flows_ui.render_counts(flow_map, lang)
    if flow_map.summary["drawn_count"] == 0 and flow_map.summary["hidden_count"] == 0:
        st.info(_("flows.no_flows", period=period))
    st.subheader(_("flows.places_heading"))
    st.caption(_("flows.places_note"))
    st.dataframe(flow_map.totals_table, hide_index=True, width="stretch", key="flows_totals")
    st.subheader(_("flows.flows_heading"))
    st.dataframe(flow_map.table, hide_index=True, width="stretch", key="flows_table")
    info = data.dataset_info(view.dataset_id)
    flows_ui.render_downloads(flow_map.table, info, f"flows_{view.view_id}_{period}_{sex}", lang)
    flows_ui.render_source(view, info, lang)


render_panel()
workshop.render_add_view(lang, "flows", {s.key: s.dump(st.session_state.get(s.key, s.default)) for s in SPECS})
ui.render_footer(lang)
