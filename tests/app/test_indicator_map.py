"""The indicator map through AppTest: every indicator in both views and both languages, URLs that
round-trip, broken URLs, the side panel, the no-admin-1 notice and the downloads."""

from __future__ import annotations

import json

import pytest

import indicators
from atlas.map import loaders as data
from indicators import load_catalogue
from indicators.store import load_datasets
from tests.app.conftest import open_page
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("built_store")
CATALOGUE = load_catalogue()


def deck_spec(at) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def units_of(at) -> list[dict]:
    layers = {layer["id"]: layer for layer in deck_spec(at)["layers"]}
    return layers["units"]["data"]["features"]


def legend_text(at) -> str:
    return " ".join(m.value for m in at.markdown if "atlas-legend" in m.value)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("country", ["", "MEX"])
def test_every_indicator_renders_in_both_views_and_languages(lang, country):
    at = open_page("map.py", timeout=120, lang=lang, **({"country": country} if country else {}))
    assert not at.exception
    seen = 0
    for ind in CATALOGUE.indicators.values():
        at.selectbox(key="indicator").set_value(ind.id).run()
        assert not at.exception, ind.id
        assert at.selectbox(key="indicator").value == ind.id
        if (
            country
            and "admin1" not in ind.levels
            or country
            and not any(
                f["properties"].get("tip", "Sin datos" if lang == "es" else "No data")  # uncoloured units have no tip
                != ("Sin datos" if lang == "es" else "No data")
                for f in units_of(at)
            )
        ):
            assert any(("Mexico" if lang == "en" else "México") in i.value for i in at.info), ind.id
            continue
        seen += 1
        assert units_of(at), ind.id
        assert ("Sin datos" if lang == "es" else "No data") in legend_text(at), ind.id
    assert seen >= (6 if country else len(CATALOGUE.indicators) - 3)


def test_region_view_colours_countries_with_values_and_marks_missing_ones_as_no_data():
    at = open_page("map.py", lang="en", indicator="remittances_gdp", year="2020")
    assert not at.exception
    units = {f["properties"]["geo_code"]: f["properties"] for f in units_of(at)}
    assert "HND" in units and "% of GDP" in units["HND"]["tip"] and "2020" in units["HND"]["tip"]
    no_data = [p for p in units.values() if p["tip"] == "No data"]
    assert no_data and all(p["fill"][:3] == [205, 205, 205] for p in no_data)
    assert units["HND"]["fill"][:3] != [205, 205, 205]
    assert "No data" in legend_text(at) and "territories" in legend_text(at)


def test_region_admin1_view_stays_within_the_budget_and_colours_mexican_states():
    at = open_page("map.py", lang="es", indicator="emigration_rate", level="admin1")
    assert not at.exception
    assert len(at.get("deck_gl_json_chart")[0].proto.json.encode()) <= 400_000
    units = {f["properties"]["geo_code"]: f["properties"] for f in units_of(at)}
    assert units["MX-JAL"]["tip"] != "Sin datos" and units["GT-01"]["tip"] == "Sin datos"


def test_url_round_trips_every_part_of_the_view():
    query = {
        "lang": "en",
        "indicator": "net_migration_rate",
        "country": "MEX",
        "year": "2015-2019",
        "sel": "MX-JAL",
        "scheme": "equal_interval",
        "k": "4",
        "palette": "BrBG",
    }
    at = open_page("map.py", **query)
    assert not at.exception
    assert not at.warning
    for key, value in query.items():
        if key != "lang":
            assert at.session_state[key] == value, key
        got = at.query_params[key]
        assert (got[0] if isinstance(got, list) else got) == value, key
    assert at.select_slider(key="year").value == "2015-2019"
    assert at.selectbox(key="scheme").value == "equal_interval"
    assert "Jalisco" in [s.value for s in at.subheader]


def test_manual_breaks_from_the_url_make_the_legend():
    at = open_page("map.py", lang="en", indicator="remittances_gdp", year="2020", scheme="manual", breaks="1,5,10")
    assert not at.exception and not at.warning
    assert at.text_input(key="breaks").value == "1,5,10"
    text = legend_text(at)
    assert "1.0 – 5.0" in text and "5.0 – 10.0" in text


@pytest.mark.parametrize(
    "query,param",
    [
        ({"indicator": "happiness"}, "indicator=happiness"),
        ({"year": "1066"}, "year=1066"),
        ({"country": "ZZZ"}, "country=ZZZ"),
        ({"scheme": "jenks"}, "scheme=jenks"),
        ({"k": "40"}, "k=40"),
        ({"breaks": "5,1"}, "breaks=5,1"),
        ({"sel": "XX-99"}, "sel=XX-99"),
        ({"level": "planet"}, "level=planet"),
        ({"lang": "fr"}, "lang=fr"),
    ],
)
def test_broken_url_shows_a_notice_and_falls_back(query, param):
    at = open_page("map.py", **query)
    assert not at.exception
    assert any(param in w.value.replace("\\", "") for w in at.warning), [w.value for w in at.warning]
    assert units_of(at)


def test_a_link_value_is_shown_as_plain_text_never_as_markdown():
    """``?indicator=[Sign in here](https://…)`` must not put a link on the page."""
    at = open_page("map.py", lang="en", indicator="[Sign in here](https://example.org/x)")
    assert not at.exception
    notice = next(w.value for w in at.warning if "indicator=" in w.value)
    assert "](" not in notice and "\\[Sign in here\\]" in notice


def test_changing_indicator_to_one_without_the_chosen_year_says_so():
    at = open_page("map.py", lang="en", indicator="immigrant_stock", year="1990")
    at.selectbox(key="indicator").set_value("cbp_encounters").run()
    assert not at.exception
    assert any("has no data for 1990" in i.value for i in at.info)
    assert at.session_state["year"].startswith("FY")


def test_selected_territory_opens_its_profile_with_rank_sources_and_partners():
    at = open_page("map.py", lang="en", indicator="immigrant_share", year="2020", sel="CRI")
    assert not at.exception
    assert "Costa Rica" in [s.value for s in at.subheader]
    assert any("Rank" in c.value for c in at.caption)
    markdown = " ".join(m.value for m in at.markdown).replace("\\", "")  # as read: escapes removed
    assert "International Migrant Stock 2024" in markdown and "CC BY 3.0 IGO" in markdown
    assert "Top origins" in markdown and "Top destinations" in markdown
    assert at.button(key="panel_go_country").label.startswith("View Costa Rica")
    assert {b.proto.label for b in at.get("download_button")} >= {
        "Download CSV",
        "Download XLSX (Excel)",
        "Download GeoJSON",
        "Download GeoPackage",
    }  # whole labels, never "C", "X"
    outline = [layer for layer in deck_spec(at)["layers"] if layer["id"] == "selected"]
    assert outline and len(outline[0]["data"]["features"]) == 1


@pytest.mark.parametrize("lang", ["es", "en"])
def test_profile_sparklines_are_sent_as_altair_would_send_them(lang):
    """The headline sparklines are converted once (``headline_spec``), not by Altair on every rerun: the spec
    keeps the language's number marks, carries no Altair default theme, and sends its rows as Arrow, one facet row
    per headline indicator with a value; a rerun of the same view sends the same spec."""
    import pyarrow as pa

    from atlas.core.ui import build_chart_spec
    from atlas.map.views import build_sparklines, headline_model

    at = open_page("map.py", lang=lang, indicator="immigrant_share", year="2020", sel="CRI")
    assert not at.exception
    (chart,) = sparklines(at)
    spec = json.loads(chart.proto.spec)
    assert spec["config"]["locale"]["number"]["decimal"] == ("," if lang == "es" else ".")
    assert "view" not in spec["config"] and spec["facet"]["row"]["field"] == "label"
    (dataset,) = chart.proto.datasets
    rows = pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
    frame, _used = headline_model("CRI", "country", lang)
    assert list(rows.columns) == ["label", "period", "value", "year"] and len(rows) == len(frame)
    assert rows["label"].nunique() == frame["label"].nunique() >= 3
    expected = build_chart_spec(build_sparklines(frame), frame, lang)
    expected.pop("datasets")
    shared = [k for k in expected if k != "data"]  # Streamlit adds its own keys (autosize)
    assert {k: spec.get(k) for k in shared} == {k: expected[k] for k in shared}
    at.run()
    assert [json.loads(c.proto.spec) for c in sparklines(at)] == [spec]


def sparklines(at) -> list:
    """The profile's faceted sparkline charts on the page."""
    return [c for c in at.get("vega_lite_chart") if "facet" in json.loads(c.proto.spec)]


def test_panel_button_goes_to_the_country_view():
    at = open_page("map.py", lang="es", indicator="emigration_rate", level="admin1", sel="MX-JAL")
    assert "Jalisco" in [s.value for s in at.subheader]
    at = open_page("map.py", lang="es", indicator="immigrant_share", sel="MEX")
    at.button(key="panel_go_country").click().run()
    assert not at.exception
    assert at.session_state["country"] == "MEX"
    assert len(units_of(at)) == 32


def test_missing_migrants_attribution_is_shown_with_its_numbers():
    at = open_page("map.py", lang="es", indicator="dead_missing", year="2023", sel="MEX")
    assert not at.exception
    assert "IOM's Missing Migrants Project" in " ".join(m.value for m in at.markdown)


def test_country_without_admin1_data_says_so_plainly():
    at = open_page("map.py", lang="en", indicator="immigrant_share", country="GTM")
    assert not at.exception
    assert any("no first-level unit data for Guatemala" in i.value for i in at.info)
    assert at.subheader[0].value.endswith(": 22")


def test_chart_and_table_tabs_show_the_same_indicator():
    at = open_page("map.py", lang="en", indicator="darien_transit", year="2023")
    at.session_state["tab"] = "Table"
    at.run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Code" in d.value.columns)
    assert table.iloc[0]["Code"] == "VEN" and table.iloc[0]["Value"] == "328,650"  # written for people, in English
    assert table["Source"].str.contains("Darién").all() and table["Licence"].notna().all()
    at.session_state["tab"] = "Chart"
    at.run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 2 and not at.get("help_info")


@pytest.mark.parametrize("lang,text", [("es", "328.650"), ("en", "328,650")])
def test_tables_and_charts_write_numbers_in_the_language_and_no_data_as_the_symbol(lang, text):
    at = open_page("map.py", lang=lang, indicator="darien_transit", year="2023")
    at.session_state["tab"] = "Tabla" if lang == "es" else "Table"
    at.run()
    table = next(d.value for d in at.dataframe if len(d.value))
    assert text in set(table.iloc[:, 2])
    assert not table.isin(["None", "nan", "NaN"]).any().any() and not table.isna().any().any()
    assert not any(c in table.columns for c in ("geo_code", "obs_status", "dataset_id", "value"))
    at.session_state["tab"] = "Gráfico" if lang == "es" else "Chart"
    at.run()
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["config"]["locale"]["number"]["thousands"] == ("." if lang == "es" else ",")


def test_switching_language_changes_labels_and_keeps_the_view():
    at = open_page("map.py", indicator="cbp_encounters_rate", year="FY2023")
    assert at.title[0].value == "Mapa de la región"
    at.sidebar.segmented_control(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Map of the region"
    assert at.session_state["indicator"] == "cbp_encounters_rate" and at.session_state["year"] == "FY2023"
    assert "per 1,000" in units_of(at)[0]["properties"]["tip"] or any(
        "per 1,000" in f["properties"]["tip"] for f in units_of(at)
    )


def tips_with_values(at, lang: str = "en") -> dict[str, str]:
    no_data = "Sin datos" if lang == "es" else "No data"
    return {
        f["properties"]["geo_code"]: f["properties"]["tip"] for f in units_of(at) if f["properties"]["tip"] != no_data
    }


def test_honduras_population_view_opens_on_its_own_year_with_values():
    at = open_page("map.py", lang="en", indicator="population", country="HND")
    assert not at.exception
    got = at.query_params["year"]
    assert at.session_state["year"] == "2019" and (got[0] if isinstance(got, list) else got) == "2019"
    assert not any("There is no value" in w.value for w in at.warning)
    tips = tips_with_values(at)
    assert len(tips) == 18 and all(code.startswith("HN-") for code in tips)
    assert all("projection" in tip for tip in tips.values())  # INE's 2019 figures are a projection, and say so


@pytest.mark.parametrize("country", ["GTM", "GUY", "NIC"])
def test_dead_and_missing_country_views_open_on_a_year_with_values(country):
    series = indicators.compute("dead_missing", "admin1")
    own = series[series.geo_code.str.startswith(data.geodata_prefix(country)) & series.value.notna()]
    at = open_page("map.py", lang="es", indicator="dead_missing", country=country)
    assert not at.exception
    year = at.session_state["year"]
    assert year == max(own.period) and year in set(own.period)
    assert not any("No hay ningún valor" in w.value for w in at.warning)
    assert set(tips_with_values(at, "es")) == set(own.loc[own.period == year, "geo_code"])
    if own.period.nunique() > 1:
        assert at.select_slider(key="year").options == sorted(set(own.period))


def test_region_admin1_population_does_not_open_on_a_projection():
    at = open_page("map.py", lang="en", indicator="population", level="admin1")
    assert not at.exception
    series = indicators.compute("population", "admin1")
    observed = series[(series.period == at.session_state["year"]) & series.value.notna()]
    assert (observed.obs_status != "F").any()
    assert at.session_state["year"] == max(series.loc[series.obs_status != "F", "period"])
    assert any("projection" not in tip for tip in tips_with_values(at).values())


def test_a_linked_year_without_data_in_the_view_keeps_working():
    at = open_page("map.py", lang="en", indicator="population", country="HND", year="2070")
    assert not at.exception
    assert at.session_state["year"] == "2070"
    assert any("There is no value of 'Population' for 2070" in w.value for w in at.warning)
    assert at.select_slider(key="year").options == ["2019", "2070"]


def test_switching_to_a_country_moves_a_year_it_lacks_to_its_own_and_says_so():
    at = open_page("map.py", lang="en", indicator="population", level="admin1", year="2030")
    assert at.session_state["year"] == "2030"
    at.selectbox(key="country").set_value("HND").run()
    assert not at.exception
    assert at.session_state["year"] == "2019"
    assert any("has no data for 2030; showing 2019" in i.value for i in at.info)
    assert len(tips_with_values(at)) == 18


@pytest.mark.parametrize("lang,expected", [("en", "Panama (357 cases)"), ("es", "Panamá (357 casos)")])
def test_asylum_applications_counted_in_cases_are_named_not_left_as_no_data(lang, expected):
    at = open_page("map.py", lang=lang, indicator="asylum_applications", year="2023")
    assert not at.exception
    notes = [i.value for i in at.info if expected in i.value]
    assert notes and ("cases" in notes[0] if lang == "en" else "casos" in notes[0])


def test_panel_source_lines_show_the_retrieval_date_and_revision():
    at = open_page("map.py", lang="en", indicator="remittances_gdp", year="2020", sel="HND")
    assert not at.exception
    wdi = load_datasets().set_index("dataset_id").loc["wb_wdi_indicators"]
    lines = [
        m.value.replace("\\", "")
        for m in at.markdown
        if "World Development Indicators" in m.value and "Licence" in m.value
    ]
    assert lines and all(f"Retrieved: {wdi['retrieved']}; revision: {wdi['revision']}" in line for line in lines)


def test_the_view_offers_an_html_map_and_says_it_is_meant_to_be_opened_online():
    at = open_page("map.py", lang="es", indicator="dead_missing", year="2023")
    assert not at.exception
    assert "Descargar mapa HTML" in {b.proto.label for b in at.get("download_button")}
    assert any("ábralo con conexión" in c.value for c in at.caption)


def test_the_html_map_has_the_deck_colours_tooltips_and_the_missing_migrants_attribution():
    from atlas.map import views as im
    from layers.html_export import parse_html_features
    from layers.legend import rgb_hex

    at = open_page("map.py", lang="en", indicator="dead_missing", year="2023")
    deck = {f["properties"]["geo_code"]: f["properties"] for f in units_of(at)}
    ind = CATALOGUE.get("dead_missing")
    page = im.build_html_download(
        ind, "country", "", "2023", None, ind.scheme, ind.k, (), ind.palette, "en", "Whole region"
    )
    html_units = {f["properties"]["geo_code"]: f["properties"] for f in parse_html_features(page)["features"]}
    assert set(html_units) <= set(deck)
    coloured = {c for c, p in html_units.items() if p["value"] != "No data"}
    assert coloured == set(tips_with_values(at))
    assert all(html_units[c]["style"]["fillColor"] == rgb_hex(tuple(deck[c]["fill"][:3])) for c in coloured)
    assert html_units["MEX"]["unit"] == "persons" and html_units["MEX"]["period"] == "2023"
    text = page.decode()
    assert "Attribution: IOM's Missing Migrants Project" in text and "CC BY 4.0" in text and "atlas-legend" in text
    assert "Dead and missing migrants, 2023 — Whole region" in text


def test_the_panel_says_when_a_territory_counts_the_year_only_in_cases():
    at = open_page("map.py", lang="en", indicator="asylum_applications", year="2002", sel="CRI")
    assert not at.exception
    assert any("No data for 'Asylum applications lodged' in 2002" in c.value for c in at.caption)
    assert any("For 2002 it reports 3,785 cases only, not persons" in c.value for c in at.caption)
    assert any("Costa Rica (3,785 cases)" in i.value for i in at.info)


def test_an_indicator_picked_right_after_a_country_stays_picked_when_the_address_bar_lags():
    """The browser may send a rerun with the address from before the previous rerun; that address was
    written by this session, so it is not a shared link and must not undo the person's choice."""
    at = open_page("map.py", timeout=120, lang="en")
    before = dict(at.query_params)
    at.selectbox(key="country").select("GTM").run()
    assert at.query_params["country"] == ["GTM"] or at.query_params["country"] == "GTM"
    at.query_params.clear()
    at.query_params.update(before)  # the lagging address bar: the URL before the country change
    at.selectbox(key="indicator").select("population").run()
    assert not at.exception
    assert at.selectbox(key="indicator").value == "population"
    assert at.selectbox(key="country").value == "GTM"
