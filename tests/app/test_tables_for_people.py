"""Every table a visitor sees is written for people: column names in the language (never raw codes such as
``geo_code`` or ``obs_status``), no "None"/"nan" cells, and numbers with the language's separators."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.app.conftest import open_page
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("built_store")
RAW_NAME = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")  # origin_name, obs_status, dataset_id, …
VIEWS = [
    ("map.py", {"indicator": "darien_transit", "year": "2023"}, {"es": "Tabla", "en": "Table"}),
    ("map.py", {"country": "HND", "indicator": "population", "year": "2019", "sel": "HN-OL"}, None),
    ("flows.py", {"view": "darien_transit", "unit": "year", "period": "2023"}, None),
    ("corridors.py", {"corridor": "northern_central_america", "nationality": "GTM", "years": "2020-2024"}, None),
    ("explorer.py", {}, None),
    ("publications.py", {"kind": "bulletin", "area": "GTM", "year": "2023"}, None),
]


def _tables(page: str, lang: str, query: dict, tab: dict | None) -> list[pd.DataFrame]:
    at = open_page(page, lang=lang, timeout=120, **query)
    if tab:
        at.session_state["tab"] = tab[lang]
        at.run()
    assert not at.exception
    return [d.value for d in at.dataframe]


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("page,query,tab", VIEWS)
def test_tables_have_human_column_names_no_none_and_language_numbers(page, query, tab, lang):
    tables = _tables(page, lang, query, tab)
    assert tables, "the view shows at least one table"
    wrong_mark = re.compile(r"\d,\d{3}(\D|$)" if lang == "es" else r"\d\.\d{3}(\D|$)")  # "1,234" in Spanish
    for table in tables:
        raw = [c for c in map(str, table.columns) if RAW_NAME.match(c)]
        assert raw == [], f"raw column names on {page}: {raw}"
        cells = table.astype(object)
        assert not cells.isin(["None", "nan", "NaN", "NaT"]).any().any()
        assert not cells.isna().any().any(), "a blank cell: missing values are written with the no-data symbol"
        for column in table.columns:
            values = table[column]
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                assert values.abs().max() < 10_000, f"{column}: numbers over 9,999 must be written for people"
            elif values.dtype == object:
                text = " ".join(str(v) for v in values if isinstance(v, str) and re.search(r"\d", v))
                assert not wrong_mark.search(text), f"{column}: numbers in the other language's marks"
