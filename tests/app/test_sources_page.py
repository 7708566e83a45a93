"""The "Data and sources" page through AppTest, in both languages."""

from __future__ import annotations

import pytest

from indicators import load_catalogue
from tests.app.conftest import open_page
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("built_store")


@pytest.mark.parametrize("lang,title", [("es", "Datos y fuentes"), ("en", "Data and sources")])
def test_every_dataset_and_indicator_is_listed(lang, title):
    at = open_page("sources.py", lang=lang)
    assert not at.exception
    assert at.title[0].value == title
    table = at.dataframe[0].value
    assert {"undesa_ims2024", "iom_missing_migrants", "cbp_southwest_encounters"} <= set(table.iloc[:, 1])
    assert table.iloc[:, 3].notna().all() and table.iloc[:, 5].notna().all()   # licence, attribution
    mmp = table[table.iloc[:, 1] == "iom_missing_migrants"].iloc[0]
    assert mmp.iloc[5] == "IOM's Missing Migrants Project"
    labels = {e.label for e in at.expander}
    cat = load_catalogue()
    assert {ind.name(lang) for ind in cat.indicators.values()} <= labels
    text = " ".join(m.value for m in at.markdown)
    assert cat.get("cbp_encounters_rate").text("definition", lang) in text
    assert "map?indicator=darien_transit" in text
