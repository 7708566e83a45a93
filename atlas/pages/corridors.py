"""Corridors: the chain on the map, each segment's series, attrition and lag, mirrors, dead and missing."""

import pandas as pd
import streamlit as st

from api.urls import sdmx_data_url
from atlas.core import projector as workshop
from atlas.core import ui, urlstate
from atlas.core.i18n import translator
from atlas.core.loaders import dataset_info, label_points, place_names
from atlas.corridors import loaders, views
from atlas.corridors.params import YEAR_HIGH, YEAR_LOW, build_corridor_specs, settle_nationality
from etl.formatting import format_count
from geodata import DataNotBuiltError
from indicators.corridors import CorridorError

lang = ui.current_lang()
_ = translator(lang)
problems = workshop.setup_workshop(lang)
ui.render_header(_("corridors.title"), None if workshop.projecting() else _("corridors.caption"))
corridors = loaders.corridors()
CORRIDOR = urlstate.choice("corridor", list(corridors), next(iter(corridors)))
problems += urlstate.sync_from_url([CORRIDOR], "corridor_id")
corridor = corridors[st.session_state["corridor"]]
SPECS = build_corridor_specs(list(corridors), corridor.corridor_id, corridor.nationalities, corridor.nationalities[0])
problems += urlstate.sync_from_url(SPECS, "corridor")
st.session_state["nationality"] = settle_nationality(st.session_state.get("nationality"), corridor.nationalities)
ui.render_problems(problems, lang)
workshop.render_story_bar(lang, "corridors")
try:
    names = place_names(lang)
    label_points()
except DataNotBuiltError as err:
    ui.render_missing_data(err, lang)

side = st.sidebar
side.selectbox(_("corridors.corridor"), list(corridors), format_func=lambda c: corridors[c].name(lang), key="corridor")
side.selectbox(
    _("corridors.nationality"),
    list(corridor.nationalities),
    key="nationality",
    format_func=lambda c: f"{names.get(c, c)} ({c})",
)
side.slider(_("corridors.years"), YEAR_LOW, YEAR_HIGH, key="years")
workshop.render_workshop_toggle(lang)
urlstate.write_to_url([CORRIDOR], "corridor_id")
urlstate.write_to_url(SPECS, "corridor")
workshop.write_workshop_url()

nationality, years = st.session_state["nationality"], tuple(st.session_state["years"])
st.write(corridor.description(lang))
chain_names = [(n.name(lang) or names.get(n.geo_code, n.geo_code)) for n in corridor.resolved_chain(nationality)]
st.caption(_("corridors.chain", chain=" → ".join(chain_names)))
try:
    segments, attrition, ratios, mirrors = views.corridor_series(
        corridor.corridor_id, nationality, years[0], years[1], lang
    )
    deck, incidents = views.corridor_map(corridor.corridor_id, nationality, years[0], years[1], lang)
except DataNotBuiltError as err:
    ui.render_missing_data(err, lang)
except CorridorError as err:
    st.error(_("corridors.series_error", detail=str(err)))
    st.stop()

map_col, chart_col = st.columns([1, 1])
with map_col:
    st.pydeck_chart(deck, key="corridor_map", height=520)
    st.caption(_("corridors.map_help"))
    st.markdown(f"**{_('corridors.incidents_heading')}**")
    routes = (
        _("corridors.incidents_routes", routes=", ".join(corridor.incident_routes)) if corridor.incident_routes else ""
    )
    st.caption(
        _(
            "corridors.incidents_count",
            incidents=format_count(len(incidents), lang),
            dead=format_count(float(incidents["dead_and_missing"].sum()), lang),
            years=f"{years[0]}–{years[1]}",
            buffer=format_count(corridor.buffer_km, lang),
            routes=routes,
        )
    )
    st.caption(_("corridors.incidents_caveat"))
with chart_col:
    st.subheader(_("corridors.segments_heading"))
    st.caption(_("corridors.segments_note"))
    for segment in corridor.segments:
        if not segments["series_id"].eq(segment.segment_id).any():
            st.caption(
                _(
                    "corridors.no_series",
                    series=segment.series.label(lang),
                    nationality=names.get(nationality, nationality),
                )
            )
    if len(segments):
        views.render_series_chart(segments, lang, key="corridor_segments_chart")
    views.render_caveats(corridor, lang)

st.subheader(_("corridors.attrition_heading"))
st.caption(_("corridors.attrition_note"))
if attrition.empty:
    st.info(_("corridors.no_attrition"))
else:
    ui.render_table(
        attrition, lang, "corridor_attrition", {_("corridors.col_correlation"): 3, _("corridors.col_ratio"): 3}
    )
    if len(ratios) and ratios["ratio"].notna().any():
        views.render_ratio_chart(ratios, lang)

shown = [segments]
if mirrors:
    st.subheader(_("corridors.mirrors_heading"))
    st.caption(_("corridors.mirrors_note"))
for mirror, table, long in mirrors:
    st.markdown(f"**{mirror.what(lang)}**")
    if len(long):
        views.render_series_chart(long, lang, key=f"mirror_{mirror.mirror_id}", height=260)
    st.caption(f"**A — {mirror.left.label(lang)}**: {mirror.left.caveat(lang)}")
    st.caption(f"**B — {mirror.right.label(lang)}**: {mirror.right.caveat(lang)}")
    table = table.set_axis(
        [
            _("corridors.col_time"),
            _("corridors.col_left"),
            _("corridors.col_right"),
            _("corridors.col_difference"),
            _("corridors.col_mirror_ratio"),
        ],
        axis=1,
    )
    ui.render_table(
        table,
        lang,
        f"mirror_table_{mirror.mirror_id}",
        {
            _("corridors.col_left"): 0,
            _("corridors.col_right"): 0,
            _("corridors.col_difference"): 0,
            _("corridors.col_mirror_ratio"): 3,
        },
    )
    shown.append(long)

everything = pd.concat([f for f in shown if len(f)], ignore_index=True) if any(len(f) for f in shown) else segments
about = [dataset_info(d) for d in sorted(set(everything["dataset_id"]))]
views.render_downloads(
    everything, [a for a in about if a], f"corridor_{corridor.corridor_id}_{nationality}_{years[0]}_{years[1]}", lang
)
ui.render_api_links(
    [
        (
            s.series.label(lang),
            sdmx_data_url(
                s.series.dataset_id, "all", format="csvdata", startPeriod=str(years[0]), endPeriod=str(years[1])
            ),
        )
        for s in corridor.segments
    ],
    lang,
)  # each segment's own series (never added up)
workshop.render_add_view(lang, "corridors", {s.key: s.dump(st.session_state.get(s.key, s.default)) for s in SPECS})
ui.render_footer(lang)
