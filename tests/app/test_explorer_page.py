"""The data explorer through AppTest: both languages, links that reopen a table, messages."""

from __future__ import annotations

import pytest

from tests.app.conftest import open_page
from tests.crosstab_store import xt_store_path  # noqa: F401  (fixture: a small SYNTHETIC test store)
from tests.store_fixture import built_store  # noqa: F401  (fixture: the real store)

FLOWS = {"measure": "entries", "rows": "ref_area", "cols": "time_period", "f_dataset": "t_flow",
         "granularity": "month", "totals": "totals", "shares": "row", "f_time_period": "2023-01,2023-02"}


@pytest.fixture
def test_store(xt_store_path, tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_STORE", str(xt_store_path))
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "registry"))
    return xt_store_path


def _texts(at) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


@pytest.mark.parametrize("lang,title,column", [("es", "Explorador de datos", "Territorio"),
                                               ("en", "Data explorer", "Territory")])
def test_a_link_opens_its_table_in_both_languages(test_store, lang, title, column):
    at = open_page("explorer.py", lang=lang, **FLOWS)
    assert not at.exception
    assert at.title[0].value == title
    assert at.multiselect(key="measure").value == ("entries",)
    table = at.dataframe[0].value
    assert list(table.columns) == [column, "2023-01", "2023-02", "Total"]
    assert table.iloc[-1, 0] == "Total" and len(table) == 3
    assert at.radio(key="stat").options == (["Valores", "Porcentajes"] if lang == "es" else ["Values", "Shares"])
    assert {b.key for b in at.download_button} == {"download_csv", "download_xlsx"}
    assert not at.error


def test_the_link_round_trips(test_store):
    at = open_page("explorer.py", lang="en", **FLOWS)
    written = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert {k: written[k] for k in FLOWS} == FLOWS
    again = open_page("explorer.py", **written)
    assert again.dataframe[0].value.equals(at.dataframe[0].value)


def test_changing_a_widget_changes_the_link_and_the_table(test_store):
    at = open_page("explorer.py", lang="en", **FLOWS)
    at.multiselect(key="cols").set_value(["t_component"]).run()
    assert not at.exception
    assert at.query_params["cols"] in ("t_component", ["t_component"])
    assert list(at.dataframe[0].value.columns) == ["Territory", "Air", "Land", "Total"]
    at.radio(key="stat").set_value("share").run()
    shares = at.dataframe[0].value
    assert shares.iloc[0, -1] == "100.0"


@pytest.mark.parametrize("lang,fragment", [("es", "varios conjuntos de datos"), ("en", "several datasets")])
def test_a_query_that_cannot_run_says_why(test_store, lang, fragment):
    at = open_page("explorer.py", lang=lang, measure="entries", rows="ref_area", cols="-")
    assert not at.exception
    assert fragment in at.error[0].value and "t_flow, t_flow2" in at.error[0].value
    assert not at.dataframe


def test_a_bad_link_parameter_gets_a_notice(test_store):
    at = open_page("explorer.py", lang="en", measure="migrant_stock", rows="colour")
    assert not at.exception
    assert any("rows=colour" in w.value for w in at.warning)


def test_record_level_data_are_labelled_synthetic_and_protected(test_store):
    at = open_page("explorer.py", lang="es", source="synthetic_entry_exit", measure="movements", rows="port",
                   cols="movement", f_country="BLZ", f_time_period="2019")
    assert not at.exception
    assert any("DATOS SINTÉTICOS" in w.value for w in at.warning)
    table = at.dataframe[0].value
    assert "Santa Elena (frontera con México)" in set(table.iloc[:, 0])
    assert "Control de divulgación" in _texts(at)


def test_switching_source_starts_from_its_first_view(test_store):
    at = open_page("explorer.py", lang="en", **FLOWS)
    at.selectbox(key="source").set_value("synthetic_entry_exit").run()
    assert not at.exception and not at.warning[1:]
    assert at.multiselect(key="measure").value == ("movements",)
    assert "f_dataset" not in at.query_params
    assert at.query_params["measure"] in ("movements", ["movements"])
    assert at.dataframe


def test_a_bare_visit_opens_the_first_view_and_a_link_means_what_it_says(test_store):
    bare = open_page("explorer.py", lang="en")
    assert bare.multiselect(key="measure").value == ("migrant_stock",)
    assert bare.query_params["rows"] in ("counterpart_area", ["counterpart_area"])
    link = open_page("explorer.py", lang="en", measure="migrant_stock", rows="ref_area", cols="-",
                     f_time_period="2024")
    assert link.multiselect(key="cols").value == ()
    assert link.multiselect(key="filter_dims").value == ["time_period"]
    assert list(link.dataframe[0].value.iloc[:, 0]) == ["Costa Rica", "Mexico", "Panama", "Total"]


def test_a_missing_store_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_STORE", str(tmp_path / "nothing.duckdb"))
    at = open_page("explorer.py", lang="en")
    assert not at.exception
    assert "make data" in at.error[0].value


@pytest.mark.usefixtures("built_store")
@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_first_view_on_the_real_store(lang):
    at = open_page("explorer.py", lang=lang)
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert len(table) > 5 and table.iloc[-1, 0] == "Total"
    assert "undesa_ims2024" in _texts(at)


def test_an_unknown_filter_code_in_a_link_is_named_and_dropped(test_store):
    at = open_page("explorer.py", lang="en", measure="migrant_stock", rows="ref_area", cols="sex",
                   f_time_period="2024", f_counterpart_area="NIC,ZZZ")
    assert not at.exception
    assert any("ZZZ" in w.value for w in at.warning)
    assert at.multiselect(key="f_counterpart_area").value == ("NIC",)
    assert at.query_params["f_counterpart_area"] in ("NIC", ["NIC"])
    assert len(at.dataframe[0].value) == 4  # CRI, MEX, PAN and the total
