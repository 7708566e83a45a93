"""The map: the region at country level, or one country's admin-1 units."""

import streamlit as st

from atlas import data, ui, urlstate
from atlas.i18n import translator
from geodata.boundaries import BoundariesNotBuiltError

lang = ui.current_lang()
_ = translator(lang)
choices = data.country_choices(lang)
COUNTRY = urlstate.choice("country", ["", *choices], "", label=lambda c: choices.get(c, _("map.region")))

problems = urlstate.sync_from_url([COUNTRY], "map")
ui.render_header(_("map.title"), _("map.caption"))
ui.render_problems(problems, lang)


def _on_pick() -> None:
    picked = st.session_state["map_pick"].selection.objects.get("countries", [])
    if picked:
        st.session_state["country"] = picked[0]["properties"]["geo_code"]


country = st.selectbox(_("map.view"), ["", *choices], format_func=lambda c: choices.get(c, _("map.region")),
                       key="country")
urlstate.write_to_url([COUNTRY], "map")

try:
    deck = data.country_boundary_deck(country, lang) if country else data.region_boundary_deck(lang)
except BoundariesNotBuiltError as err:
    ui.render_missing_data(err, lang)
st.pydeck_chart(deck, on_select=_on_pick, selection_mode="single-object", key="map_pick", height=520)
st.caption(_("map.map_help"))

if country:
    units = data.admin1_table(country)
    st.subheader(_("map.units_heading", country=choices[country], count=int(units.has_geometry.sum())))
    table = units.assign(
        on_map=units.has_geometry.map({True: _("map.on_map_yes"), False: _("map.on_map_no")}),
    )[["geo_code", f"name_{lang}", f"unit_type_{lang}", "on_map", f"note_{lang}"]]
    table.columns = [_("map.col_code"), _("map.col_name"), _("map.col_type"), _("map.col_geometry"), _("map.col_note")]
    st.dataframe(table, hide_index=True, width="stretch")

ui.render_footer(lang)
