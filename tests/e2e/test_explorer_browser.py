"""The data explorer in a real browser: a shared link reopens the table, the CSV download carries
the header block and the numbers, the chart draws, and a widget writes the link."""

from __future__ import annotations

import csv
import io

import pytest

from tests.e2e.helpers import WAIT, wait_idle
from tests.store_fixture import built_store  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser"), pytest.mark.usefixtures("built_store")]

DARIEN = (
    "/explorer?lang=en&source=observations&measure=irregular_transit&rows=counterpart_area"
    "&cols=time_period&f_dataset=pan_darien_transit_nationality&f_time_period=2022,2023,2024"
    "&granularity=year&totals=totals&shares=col"
)


def test_a_link_reopens_the_table_and_the_csv_has_its_sources(page):
    page.goto(page.base_url + DARIEN)
    wait_idle(page)
    page.get_by_role("heading", name="Data explorer").wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for(state="visible")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Atlas PVIGM"
    assert any("pan_darien_transit_nationality" in " ".join(r) for r in rows)
    total = next(r for r in rows if r and r[0] == "Total")
    assert total[1:4] == ["248284", "520085", "302203"]  # SNM annual totals (vendor/PROVENANCE.md)


def test_the_chart_draws_and_a_widget_writes_the_link(page):
    page.goto(page.base_url + DARIEN)
    wait_idle(page)
    page.get_by_role("tab", name="Chart").click()
    page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for(
        state="visible", timeout=WAIT
    )
    page.get_by_test_id("stRadioGroup").get_by_text("Shares", exact=True).click()
    page.wait_for_function("() => /[?&]stat=share/.test(location.search)", timeout=WAIT)
    wait_idle(page)
    assert "f_dataset=pan_darien_transit_nationality" in page.url
