"""The data explorer through AppTest: both languages, links that reopen a table, messages."""

from __future__ import annotations

import pytest

from tests.app.conftest import open_page
from tests.crosstab_store import xt_store_path  # noqa: F401  (fixture: a small SYNTHETIC test store)
from tests.store_fixture import built_store  # noqa: F401  (fixture: the real store)

FLOWS = {
    "measure": "entries",
    "rows": "ref_area",
    "cols": "time_period",
    "f_dataset": "t_flow",
    "granularity": "month",
    "totals": "totals",
    "shares": "row",
    "f_time_period": "2023-01,2023-02",
}


@pytest.fixture
def explorer_store(xt_store_path, tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_STORE", str(xt_store_path))
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "registry"))
    return xt_store_path


def _texts(at) -> str:
    """What the page says, as a person reads it (Markdown escapes of untrusted text removed)."""
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption]).replace("\\", "")


@pytest.mark.parametrize(
    "lang,title,column", [("es", "Explorador de datos", "Territorio"), ("en", "Data explorer", "Territory")]
)
def test_a_link_opens_its_table_in_both_languages(explorer_store, lang, title, column):
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


def test_the_link_round_trips(explorer_store):
    at = open_page("explorer.py", lang="en", **FLOWS)
    written = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert {k: written[k] for k in FLOWS} == FLOWS
    again = open_page("explorer.py", **written)
    assert again.dataframe[0].value.equals(at.dataframe[0].value)


def test_changing_a_widget_changes_the_link_and_the_table(explorer_store):
    at = open_page("explorer.py", lang="en", **FLOWS)
    at.multiselect(key="cols").set_value(["t_component"]).run()
    assert not at.exception
    assert at.query_params["cols"] in ("t_component", ["t_component"])
    assert list(at.dataframe[0].value.columns) == ["Territory", "Air", "Land", "Total"]
    at.radio(key="stat").set_value("share").run()
    shares = at.dataframe[0].value
    assert shares.iloc[0, -1] == "100.0"


@pytest.mark.parametrize("lang,fragment", [("es", "varios conjuntos de datos"), ("en", "several datasets")])
def test_a_query_that_cannot_run_says_why(explorer_store, lang, fragment):
    at = open_page("explorer.py", lang=lang, measure="entries", rows="ref_area", cols="-")
    assert not at.exception
    assert fragment in at.error[0].value and "t_flow, t_flow2" in at.error[0].value
    assert not at.dataframe


def test_a_bad_link_parameter_gets_a_notice(explorer_store):
    at = open_page("explorer.py", lang="en", measure="migrant_stock", rows="colour")
    assert not at.exception
    assert any("rows=colour" in w.value for w in at.warning)


def test_record_level_data_are_labelled_synthetic_and_protected(explorer_store):
    at = open_page(
        "explorer.py",
        lang="es",
        source="synthetic_entry_exit",
        measure="movements",
        rows="port",
        cols="movement",
        f_country="BLZ",
        f_time_period="2019",
    )
    assert not at.exception
    assert any("DATOS SINTÉTICOS" in w.value for w in at.warning)
    table = at.dataframe[0].value
    assert "Santa Elena (frontera con México)" in set(table.iloc[:, 0])
    assert "Control de divulgación" in _texts(at)


def test_switching_source_starts_from_its_first_view(explorer_store):
    at = open_page("explorer.py", lang="en", **FLOWS)
    at.selectbox(key="source").set_value("synthetic_entry_exit").run()
    assert not at.exception and not at.warning[1:]
    assert at.multiselect(key="measure").value == ("movements",)
    assert "f_dataset" not in at.query_params
    assert at.query_params["measure"] in ("movements", ["movements"])
    assert at.dataframe


def test_a_bare_visit_opens_the_first_view_and_a_link_means_what_it_says(explorer_store):
    bare = open_page("explorer.py", lang="en")
    assert bare.multiselect(key="measure").value == ("migrant_stock",)
    assert bare.query_params["rows"] in ("counterpart_area", ["counterpart_area"])
    link = open_page("explorer.py", lang="en", measure="migrant_stock", rows="ref_area", cols="-", f_time_period="2024")
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


def test_an_unknown_filter_code_in_a_link_is_named_and_dropped(explorer_store):
    at = open_page(
        "explorer.py",
        lang="en",
        measure="migrant_stock",
        rows="ref_area",
        cols="sex",
        f_time_period="2024",
        f_counterpart_area="NIC,ZZZ",
    )
    assert not at.exception
    assert any("ZZZ" in w.value for w in at.warning)
    assert at.multiselect(key="f_counterpart_area").value == ("NIC",)
    assert at.query_params["f_counterpart_area"] in ("NIC", ["NIC"])
    assert len(at.dataframe[0].value) == 4  # CRI, MEX, PAN and the total


LINK = {"measure": "migrant_stock", "rows": "ref_area", "cols": "sex", "f_time_period": "2024"}


def _notices(at, fragment: str) -> list[str]:
    """Notices as a person reads them (the link's value is escaped so that it never renders as Markdown)."""
    return [w.value.replace("\\", "") for w in at.warning if fragment in w.value.replace("\\", "")]


@pytest.mark.parametrize(
    "lang,reason",
    [("es", "esta fuente no tiene la dimensión «colour»"), ("en", "this source has no dimension 'colour'")],
)
def test_an_unknown_filter_in_a_link_gets_a_notice_and_is_ignored(explorer_store, lang, reason):
    at = open_page("explorer.py", lang=lang, **LINK, f_colour="red")
    assert not at.exception and not at.error
    notice = _notices(at, "f_colour=red")
    assert len(notice) == 1 and reason in notice[0] and "f_sex" in notice[0]
    assert "f_colour" not in at.query_params
    assert len(at.dataframe[0].value) == 4  # the table of the rest of the link
    at.run()  # a rerun on the page's own link: nothing left to report
    assert not _notices(at, "colour")


@pytest.mark.parametrize(
    "lang,reason", [("es", "ref_area aparece más de una vez"), ("en", "ref_area appears more than once")]
)
def test_a_repeated_dimension_in_a_link_gets_a_notice_and_is_kept_once(explorer_store, lang, reason):
    at = open_page(
        "explorer.py",
        lang=lang,
        measure="migrant_stock",
        rows="ref_area,ref_area",
        cols="sex,sex",
        f_time_period="2024",
    )
    assert not at.exception and not at.error
    assert reason in _notices(at, "rows=ref_area,ref_area")[0]
    assert _notices(at, "cols=sex,sex")
    assert at.multiselect(key="rows").value == ("ref_area",) and at.multiselect(key="cols").value == ("sex",)
    assert at.query_params["rows"] in ("ref_area", ["ref_area"])
    assert len(at.dataframe[0].value) == 4


@pytest.mark.parametrize(
    "lang,reason", [("es", "ref_area ya está en las filas"), ("en", "ref_area is already in the rows")]
)
def test_a_dimension_in_rows_and_columns_of_a_link_stays_in_rows(explorer_store, lang, reason):
    at = open_page(
        "explorer.py", lang=lang, measure="migrant_stock", rows="ref_area", cols="ref_area,sex", f_time_period="2024"
    )
    assert not at.exception and not at.error  # no "each dimension once" error: the link was corrected
    notice = _notices(at, "cols=ref_area,sex")
    assert len(notice) == 1 and reason in notice[0]
    assert ("«sex»" if lang == "es" else "'sex'") in notice[0]  # what it shows instead
    assert at.multiselect(key="cols").value == ("sex",)
    assert set(at.dataframe[0].value.columns[1:]) == (
        {"Mujeres", "Hombres", "Total"} if lang == "es" else {"Female", "Male", "Total"}
    )


@pytest.mark.parametrize(
    "lang,fragment",
    [("es", "Se quitaron del filtro «País de origen»"), ("en", "were removed from the 'Country of origin' filter")],
)
def test_an_unknown_filter_code_gets_a_notice_in_both_languages(explorer_store, lang, fragment):
    at = open_page("explorer.py", lang=lang, **LINK, f_counterpart_area="NIC,ZZZ")
    assert not at.exception
    notice = _notices(at, "ZZZ")
    assert len(notice) == 1 and fragment in notice[0], [w.value for w in at.warning]


@pytest.mark.parametrize(
    "lang,fragment",
    [("es", "no es una dimensión de las medidas elegidas"), ("en", "not a dimension of the chosen measures")],
)
def test_a_dimension_of_another_dataset_gets_a_notice(explorer_store, lang, fragment):
    at = open_page("explorer.py", lang=lang, **{**LINK, "rows": "t_component"}, f_t_component="AIR")
    assert not at.exception
    texts = [w.value for w in at.warning]
    assert sum(fragment in w for w in texts) == 2, texts  # the rows and the filter
    assert at.multiselect(key="rows").value == ()
    assert "f_t_component" not in at.query_params


def test_a_partial_filter_on_confidential_data_says_why_and_how(explorer_store):
    at = open_page(
        "explorer.py",
        lang="en",
        source="synthetic_entry_exit",
        measure="movements",
        rows="movement",
        cols="-",
        f_country="BLZ",
        f_time_period="2019",
        f_port="BLZ-SEL,BLZ-BZE",
    )
    assert not at.exception
    assert "subtract two tables" in at.error[0].value and "put 'port' in rows or columns" in at.error[0].value
    assert not at.dataframe
