"""The home and map pages through AppTest, in both languages."""

from __future__ import annotations

import json

import pytest

from tests.app.conftest import open_page
from tests.store_fixture import built_store  # noqa: F401  (fixture: the map page reads the store)

pytestmark = pytest.mark.usefixtures("built_geo", "built_store")


@pytest.mark.parametrize("lang,title", [("es", "Atlas PVIGM de la migración"), ("en", "PVIGM Atlas of migration")])
def test_home_in_both_languages(lang, title):
    at = open_page(lang=lang)
    assert not at.exception
    assert at.title[0].value.startswith(title)
    assert at.query_params["lang"] == [lang] or at.query_params["lang"] == lang


def test_language_defaults_to_spanish_and_switch_changes_every_label():
    at = open_page("map.py")
    assert at.title[0].value == "Mapa de la región"
    at.sidebar.segmented_control(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Map of the region"
    assert at.selectbox(key="country").label == "View"


@pytest.mark.parametrize("lang", ["es", "en"])
def test_region_view_draws_the_network_countries(lang):
    # The indicator map (issue 5) colours every country of the Americas; the twelve are among them.
    at = open_page("map.py", lang=lang)
    assert not at.exception
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert {"sea", "units"} <= set(layers)
    codes = {f["properties"]["geo_code"] for f in layers["units"]["data"]["features"]}
    assert {"MEX", "LCA", "BLZ", "CRI", "SLV", "GTM", "GUY", "HND", "JAM", "NIC", "PAN", "SUR"} <= codes
    names = {f["properties"]["name"] for f in layers["units"]["data"]["features"]}
    assert ("Santa Lucía" if lang == "es" else "Saint Lucia") in names


@pytest.mark.parametrize(
    "country,count,name_en", [("MEX", 32, "Mexico City"), ("PAN", 12, "Panama"), ("LCA", 11, "Dauphin")]
)
def test_country_view_from_the_url_shows_its_units_and_gaps(country, count, name_en):
    at = open_page("map.py", lang="en", country=country)
    assert not at.exception
    assert at.selectbox(key="country").value == country
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    units = next(layer for layer in spec["layers"] if layer["id"] == "units")["data"]["features"]
    assert len(units) == count
    assert name_en in {f["properties"]["name"] for f in units}
    assert at.subheader[0].value.endswith(f": {count}")


def test_panama_table_records_panama_oeste_and_naso():
    at = open_page("map.py", lang="es", country="PAN")
    table = at.dataframe[0].value
    notes = " ".join(table.iloc[:, -1])
    assert "Panamá Oeste" in notes and "Bocas del Toro" in notes
    assert set(table.iloc[:, 0]) >= {"PA-10", "PA-NT"}


def test_choosing_a_country_puts_it_in_the_url():
    at = open_page("map.py", lang="es")
    at.selectbox(key="country").set_value("GTM").run()
    assert not at.exception
    assert at.query_params["country"] in ("GTM", ["GTM"])


@pytest.mark.parametrize("query,param", [({"country": "ZZZ"}, "country=ZZZ"), ({"lang": "fr"}, "lang=fr")])
def test_broken_url_parameters_show_a_notice_and_fall_back(query, param):
    at = open_page("map.py", **query)
    assert not at.exception
    assert any(param in w.value for w in at.warning)
    assert at.title[0].value in ("Mapa de la región", "Map of the region")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_home_is_a_way_in_with_a_map_headline_figures_from_the_store_and_a_card_per_user(lang):
    import geodata
    from etl.formatting import format_count
    from indicators.engine import compute

    at = open_page(lang=lang)
    assert not at.exception
    assert len(at.get("deck_gl_json_chart")) == 1  # the live overview map
    metrics = [m.value for m in at.metric]
    assert len(metrics) >= 4
    # the immigrant stock figure is the store's own total over the twelve countries, for a complete year
    frame = compute("immigrant_stock", "country")
    network = set(geodata.network_countries())
    year = max(p for p in frame.loc[frame.geo_code.isin(network) & frame.value.notna(), "period"])
    total = frame[(frame.period == year) & frame.geo_code.isin(network)]["value"].sum()
    assert format_count(total, lang) in metrics
    texts = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "UN DESA" in texts or "United Nations" in texts  # each figure names its source
    links = [p.proto.page for p in at.get("page_link")]
    assert len(links) >= 5 + 4  # one per user, one per figure
    # what the map says, from the store: the network country with the highest immigrant share is named first
    from atlas.home.loaders import latest_complete_period

    shares = compute("immigrant_share", "country")
    year = latest_complete_period("immigrant_share", shares, network)
    latest = shares[(shares.period == year) & shares.geo_code.isin(network) & shares.value.notna()]
    top, bottom = latest.sort_values("value").geo_code.iloc[[-1, 0]]
    message = " ".join(h.proto.body for h in at.get("html")).split('class="home-map-message">', 1)[1].split("</p>")[0]
    assert message.index(geodata.name(top, lang)) < message.index(geodata.name(bottom, lang))


def test_no_headline_figure_opens_on_a_partial_or_mid_year_period():
    """UNHCR 2025 is mid-year, CBP FY2025 has 8 months, IGM 2025 4 months: the home page shows none of them."""
    from atlas.home.loaders import headlines

    periods = {h.indicator_id: h.period for h in headlines()}
    assert periods["protection_hosted"] == "2024"
    assert periods["cbp_encounters"] == "FY2024"
    assert periods["returned_nationals"] == "2024"


@pytest.mark.parametrize(
    "page,query",
    [
        (None, {}),
        ("map.py", {}),
        ("map.py", {"country": "HND", "indicator": "population", "year": "2019"}),
        ("map.py", {"country": "HND"}),  # the default indicator has no admin-1 values: the country's boundaries
    ],
    ids=["home", "map-region", "map-country", "map-country-boundaries"],
)
def test_the_choropleth_is_fitted_to_the_width_the_browser_reports(page, query):
    """Issue 16: until the browser reports its width a choropleth is fitted to a desktop's 900-pixel map, exactly
    the view it always had; a phone's narrow map is zoomed out, so the whole region (or country) fits."""
    from atlas.core import viewport
    from layers.base import fit_view
    from layers.choropleth import REGION_BOUNDS

    at = open_page(page, lang="en", **query)
    desktop = json.loads(at.get("deck_gl_json_chart")[0].proto.json)["initialViewState"]
    if "country" not in query:
        old = fit_view(REGION_BOUNDS)
        assert (desktop["longitude"], desktop["latitude"], desktop["zoom"]) == (old.longitude, old.latitude, old.zoom)
    at.session_state[viewport.STATE_KEY] = 340  # what the probe reports on a 390-pixel phone
    at.run()
    assert not at.exception
    phone = json.loads(at.get("deck_gl_json_chart")[0].proto.json)["initialViewState"]
    assert phone["zoom"] < desktop["zoom"] - 0.5
