"""The flow, corridor and workshop pages through AppTest, in both languages, on the real store."""

from __future__ import annotations

import json
import re

import pytest

from tests.app.conftest import open_page
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("built_store")


def _layers(at) -> dict[str, dict]:
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    return {layer["id"]: layer for layer in spec["layers"]}


def _query(at) -> dict[str, str]:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


@pytest.mark.parametrize(
    "lang,title,drawn",
    [("es", "Flujos entre países", "Se dibujan 25 flujos"), ("en", "Flows between countries", "25 flows are drawn")],
)
def test_flow_page_draws_the_top_flows_with_a_legend_in_both_languages(lang, title, drawn):
    at = open_page("flows.py", lang=lang)
    assert not at.exception
    assert at.title[0].value == title
    layers = _layers(at)
    assert {"sea", "land", "flows", "places", "labels"} <= set(layers)
    assert len(layers["flows"]["data"]) == 25
    arc = layers["flows"]["data"][-1]
    assert arc["tip_1"].endswith("2024") and "tip_3" not in arc
    tooltip = json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)
    assert ("Fuente" if lang == "es" else "Source") in tooltip["html"]
    assert any(c.value.startswith(drawn) for c in at.caption)
    legend = " ".join(m.value for m in at.markdown if "flow-legend" in m.value)
    assert legend, "the legend of every channel is drawn above the map"
    words = ("origen", "destino", "personas", "más entradas") if lang == "es" else ("origin", "destination", "persons")
    assert all(w in legend for w in words), legend
    assert _query(at)["view"] == "undesa_ims2024" and _query(at)["period"] == "2024"


def test_flow_page_url_round_trips_and_the_focus_keeps_only_its_flows():
    query = {
        "lang": "en",
        "view": "cbp_encounters",
        "unit": "year",
        "period": "FY2023",
        "sex": "_T",
        "focus": "GTM",
        "mode": "out",
        "top": "all",
        "min": "0",
        "play": "0",
        "speed": "2",
    }
    at = open_page("flows.py", **query)
    assert not at.exception
    assert at.selectbox(key="view").value == "cbp_encounters"
    assert at.select_slider(key="period").value == "FY2023"
    assert at.selectbox(key="focus").value == "GTM"
    out = _query(at)
    assert {k: out.get(k) for k in query} == query
    arcs = _layers(at)["flows"]["data"]
    assert [(a["o"], a["d"]) for a in arcs] == [("GTM", "USA")]
    assert "Guatemala → United States" == arcs[0]["tip_title"]


def test_changing_top_n_and_minimum_changes_what_is_drawn():
    at = open_page("flows.py", lang="es", view="undesa_ims2024", period="2024", top="10")
    assert len(_layers(at)["flows"]["data"]) == 10
    at.selectbox(key="top").set_value("all").run()
    assert len(_layers(at)["flows"]["data"]) > 100
    at.number_input(key="min").set_value(500_000).run()
    arcs = _layers(at)["flows"]["data"]
    assert 0 < len(arcs) < 100 and all(a["v"] >= 500_000 for a in arcs) and _query(at)["min"] == "500000"


def test_places_without_geometry_and_hidden_flows_are_counted_not_dropped():
    at = open_page("flows.py", lang="en", view="darien_transit", unit="year", period="2023")
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "have an end with no place on the map" in captions  # e.g. India, China, Afghanistan
    table = at.dataframe[1].value
    assert list(table.columns)[:2] == ["Origin", "Destination"]  # human column names, never origin_name
    assert table["Value"].str.replace(",", "").astype(float).sum() == pytest.approx(520_085)


def test_a_bad_period_in_the_link_falls_back_with_a_notice():
    at = open_page("flows.py", lang="en", view="undesa_ims2024", period="1700")
    assert not at.exception
    assert any("period=1700" in w.value for w in at.warning)
    assert at.select_slider(key="period").value == "2024"


def test_a_story_step_shows_its_caption_and_next_opens_the_next_view():
    at = open_page(
        "flows.py",
        lang="en",
        story="darien_2021_2024",
        story_step="1",
        view="darien_transit",
        unit="year",
        period="2021",
        focus="PAN",
        mode="in",
        top="10",
    )
    assert not at.exception
    assert any("step 1 of 5" in m.value for m in at.markdown)
    at.button(key="story_next").click().run()
    assert not at.exception
    query = _query(at)
    assert query["story_step"] == "2" and query["period"] == "2022"
    assert any("step 2 of 5" in m.value for m in at.markdown)
    at.button(key="story_prev").click().run()
    assert _query(at)["story_step"] == "1" and _query(at)["period"] == "2021"


def test_workshop_mode_injects_the_projector_theme():
    at = open_page("flows.py", lang="es", workshop="1")
    assert not at.exception
    assert any("font-size: 20px" in h.proto.body for h in at.get("html"))
    assert at.toggle(key="workshop").value is True


def test_play_is_kept_in_the_link():
    at = open_page("flows.py", lang="en", view="darien_transit", unit="month", period="2023-01", play="1", speed="0.5")
    assert not at.exception
    assert at.toggle(key="play").value is True and _query(at)["play"] == "1" and _query(at)["speed"] == "0.5"


def test_stop_wins_over_an_address_bar_that_lags_behind_the_animation():
    """While playing, each step writes a new period; a Stop sent with an earlier address keeps the latest step.

    (The browser's address bar may lag behind the server under load: before the fix, that stale
    address was read back as a new link, switching play on again and moving the period back.)
    """
    at = open_page("flows.py", lang="en", view="darien_transit", unit="year", period="2018", play="1", speed="2")
    assert at.toggle(key="play").value is True and _query(at)["period"] == "2018"
    at.select_slider(key="period").set_value("2019").run()  # a later step (as the timer would write it)
    assert _query(at)["period"] == "2019" and at.toggle(key="play").value is True
    at.query_params["period"] = "2018"  # the address bar still shows the earlier step
    at.toggle(key="play").set_value(False).run()  # Stop
    assert not at.exception
    assert at.toggle(key="play").value is False and _query(at)["play"] == "0"
    assert at.select_slider(key="period").value == "2019" and _query(at)["period"] == "2019"
    at.run()  # any later rerun: still stopped, same period
    assert at.toggle(key="play").value is False and _query(at)["period"] == "2019"


def test_a_new_link_still_sets_the_period_while_playing():
    at = open_page("flows.py", lang="en", view="darien_transit", unit="year", period="2018", play="1", speed="2")
    at.query_params["period"] = "2016"  # never written by this session: a link
    at.run()
    assert at.select_slider(key="period").value == "2016" and at.toggle(key="play").value is True


def test_a_full_rerun_never_advances_the_period():
    at = open_page("flows.py", lang="en", view="darien_transit", unit="year", period="2018", play="1", speed="2")
    for _ in range(3):
        at.run()
    assert at.select_slider(key="period").value == "2018"


@pytest.mark.parametrize(
    "page,query,keys",
    [
        (
            "flows.py",
            {"view": "darien_transit", "unit": "year", "period": "2023"},
            {"flows_download_csv", "flows_download_xlsx"},
        ),
        (
            "corridors.py",
            {"corridor": "darien_north", "nationality": "VEN", "years": "2021-2024"},
            {"corridor_download_csv", "corridor_download_xlsx"},
        ),
    ],
)
def test_downloads_are_offered_because_every_dataset_shown_has_its_source(page, query, keys):
    at = open_page(page, lang="es", **query)
    assert not at.exception
    ids = [b.proto.id for b in at.get("download_button")]
    assert all(any(i.endswith(key) for i in ids) for key in keys), ids
    assert not any("No se ofrece la descarga" in w.value for w in at.warning)


@pytest.mark.parametrize(
    "lang,attribution", [("es", "Proyecto Migrantes Desaparecidos de la OIM"), ("en", "IOM's Missing Migrants Project")]
)
def test_corridor_page_draws_the_chain_segments_and_incidents(lang, attribution):
    at = open_page("corridors.py", lang=lang, corridor="darien_north", nationality="VEN", years="2021-2024")
    assert not at.exception
    layers = _layers(at)
    assert [n["node"] for n in layers["nodes"]["data"]][:3] == ["VEN", "COL", "PA-5"]
    assert len(layers["incidents"]["data"]) > 100
    assert any(attribution in c.value for c in at.caption)
    legend = " ".join(m.value for m in at.markdown if "corridor-legend" in m.value)
    words = ("la cadena del corredor", "un tramo se cuenta aquí", "otro lugar", "Muertos y desaparecidos")
    if lang == "en":
        words = ("the corridor&#x27;s chain", "a segment is counted here", "another place", "Dead and missing")
    assert all(w in legend for w in words), legend  # every channel of the map: line, both markers, circle sizes
    circles = [float(r) for r in re.findall(r'r="([0-9.]+)" fill="rgb\(200,30,45\)"', legend)]
    assert len(circles) == 3 and circles == sorted(circles, reverse=True), circles  # reference sizes, largest first
    assert circles[0] <= max(i["r"] for i in layers["incidents"]["data"]), "drawn on the map's own scale"
    assert len(at.get("vega_lite_chart")) >= 1
    attrition = at.dataframe[0].value
    assert len(attrition) == 3  # Darién→Honduras→Mexico→US border
    assert _query(at)["years"] == "2021-2024"


def test_corridor_mirror_statistics_are_side_by_side_with_both_caveats():
    at = open_page("corridors.py", lang="en", corridor="northern_central_america", nationality="GTM", years="2020-2025")
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "Deportation events" in captions and "Guatemalan Migration Institute" in captions
    mirror = at.dataframe[-1].value
    assert list(mirror.columns) == ["Period", "Side A", "Side B", "Difference (A − B)", "Ratio A / B"]
    numbers = mirror[mirror["Side A"].ne("—") & mirror["Side B"].ne("—")]
    row = numbers.iloc[0].str.replace(",", "")  # written for people: "1,234"
    assert float(row["Difference (A − B)"]) == pytest.approx(float(row["Side A"]) - float(row["Side B"]))


def test_a_nationality_from_another_corridor_falls_back():
    at = open_page("corridors.py", lang="es", corridor="nicaragua_costa_rica", nationality="VEN")
    assert not at.exception
    assert at.selectbox(key="nationality").value == "NIC"


@pytest.mark.parametrize("lang,title", [("es", "Modo taller"), ("en", "Workshop mode")])
def test_workshop_page_lists_the_stories_and_starts_one(lang, title):
    at = open_page("workshop.py", lang=lang)
    assert not at.exception
    assert at.title[0].value == title
    at.button(key="start_darien_2021_2024").click().run()
    assert not at.exception
    query = _query(at)
    assert query["story"] == "darien_2021_2024" and query["story_step"] == "1" and query["workshop"] == "1"
    assert query["view"] == "darien_transit" and query["period"] == "2021"


@pytest.mark.parametrize("page", ["flows.py", "corridors.py"])
def test_a_map_is_fitted_to_the_width_the_browser_reports(page):
    """Until the browser reports its width the map is fitted to a desktop's; a phone's narrow map is zoomed out."""
    from atlas.core import viewport

    at = open_page(page, lang="en")
    desktop = json.loads(at.get("deck_gl_json_chart")[0].proto.json)["initialViewState"]
    at.session_state[viewport.STATE_KEY] = 360  # what the probe reports on a phone
    at.run()
    assert not at.exception
    phone = json.loads(at.get("deck_gl_json_chart")[0].proto.json)["initialViewState"]
    assert phone["zoom"] < desktop["zoom"] - 0.5
