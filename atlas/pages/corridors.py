"""Corridors: the chain on the map, each segment's series, attrition and lag, mirrors, dead and missing."""

import streamlit as st

from atlas.core import projector as workshop
from atlas.core import ui, urlstate, viewport
from atlas.core.i18n import translator
from atlas.core.loaders import label_points, place_names
from atlas.corridors import loaders, views
from atlas.corridors.params import YEAR_HIGH, YEAR_LOW, build_corridor_specs, settle_nationality

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
with ui.needs_data(lang):
    names = place_names(lang)
    label_points()

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
projecting = workshop.projecting()
map_width = viewport.map_width()  # the map's first view fits the chain at the width it has here
map_height = views.MAP_HEIGHT_PROJECTED if projecting else views.MAP_HEIGHT
chain_names = [(n.name(lang) or names.get(n.geo_code, n.geo_code)) for n in corridor.resolved_chain(nationality)]


def _describe() -> None:
    st.write(corridor.description(lang))
    st.caption(_("corridors.chain", chain=" → ".join(chain_names)))


if not projecting:  # projected, the story step, legend and map come first on the one screen
    _describe()
with ui.needs_data(lang):
    segments, attrition, ratios, mirrors, deck, incidents = views.corridor_data(
        corridor.corridor_id, nationality, years, lang, map_width, map_height
    )

# Map first: the legend above the map, the map the full width, the segments' series below it.
with st.container(key="corridor_legend"):
    views.render_legend(incidents, lang, projecting)
st.pydeck_chart(deck, key="corridor_map", height=map_height)
st.caption(_("corridors.map_help"))
if projecting:
    _describe()
views.render_incidents_summary(corridor, incidents, years, lang)
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

shown = [segments, *views.render_mirrors(mirrors, lang)]
views.render_downloads_and_api(corridor, nationality, years, shown, lang)
workshop.render_add_view(lang, "corridors", {s.key: s.dump(st.session_state.get(s.key, s.default)) for s in SPECS})
ui.render_footer(lang)
