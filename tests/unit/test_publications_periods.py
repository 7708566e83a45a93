"""Quarter and month bulletins: the headline sums the store's months of the period and compares with the previous
quarter (month); series with no monthly data say they are annual only; an incomplete quarter is announced; a bad
period gets a message that says what is valid; the PDF's text holds the figures in both languages."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from etl.formatting import format_number
from indicators.flows import compute_flows, compute_place_totals, load_flow_views
from publications.bulletin import BulletinRequestError, build_bulletin, bulletin_slug
from publications.cli import main
from publications.data import load_flow_observations
from publications.periods import BulletinPeriod, PeriodError, parse_period
from publications.render import render_pdf
from tests.store_fixture import built_store  # noqa: F401  (fixture)

WHEN = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
DARIEN = "pan_darien_transit_nationality"
RETURNS = "gtm_returned_nationals"


# --------------------------------------------------------------------------- periods (pure)


@pytest.mark.parametrize(
    ("given", "label", "months", "previous"),
    [
        (2023, "2023", 12, "2022"),
        ("2023", "2023", 12, "2022"),
        ("2024-Q3", "2024-Q3", 3, "2024-Q2"),
        ("2024-q1", "2024-Q1", 3, "2023-Q4"),
        ("2024-03", "2024-03", 1, "2024-02"),
        ("2024-01", "2024-01", 1, "2023-12"),
    ],
)
def test_parse_period_accepts_a_year_a_quarter_or_a_month(given, label, months, previous):
    period = parse_period(given)
    assert period.label == label and len(period.months) == months and period.previous().label == previous


def test_quarter_months_and_latest_complete_year():
    q3 = parse_period("2024-Q3")
    assert q3.months == ("2024-07", "2024-08", "2024-09")
    assert q3.annual_year == 2023 and parse_period("2024-Q4").annual_year == 2024
    assert parse_period("2024-12").annual_year == 2024 and parse_period("2024-11").annual_year == 2023
    assert q3.text("es") == "3.er trimestre de 2024" and q3.text("en") == "Q3 2024"
    assert parse_period("2024-03").text("es") == "marzo de 2024"
    assert parse_period("2024-03").text("en") == "March 2024"
    assert BulletinPeriod(2024, "quarter", 3).slug == "2024-q3"


@pytest.mark.parametrize("bad", ["2024-Q5", "2024-13", "2024-00", "24-Q1", "Q3 2024", "2024/03", 1999, True, 2024.0])
def test_invalid_period_says_what_is_valid(bad):
    with pytest.raises(PeriodError, match=r"a year \(2024\), a quarter \(2024-Q3\) or a month \(2024-03\)"):
        parse_period(bad)


# --------------------------------------------------------------------------- from the store


def store_months(view_id: str, place: str, side: str, months: tuple[str, ...]) -> list[float]:
    """The store's value of each month (the flow arithmetic of the atlas, month by month)."""
    view = load_flow_views()[view_id]
    obs = load_flow_observations(view_id)
    out = []
    for month in months:
        totals = compute_place_totals(compute_flows(obs, view, month, "_T", step="month")).set_index("place")
        out.append(float(totals.at[place, side]))
    return out


def pdf_text(pub) -> str:
    reader = PdfReader(io.BytesIO(render_pdf(pub)))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture(scope="module")
def built(built_store):  # noqa: F811
    out = {}
    for area, period, lang in (
        ("PAN", "2024-Q3", "es"),
        ("PAN", "2024-Q3", "en"),
        ("GTM", "2024-03", "es"),
        ("GTM", "2024-03", "en"),
    ):
        pub = build_bulletin(area, period, lang, generated=WHEN)
        out[area, lang] = {"pub": pub, "text": pdf_text(pub)}
    return out


def test_darien_months_add_up_to_the_published_year(built_store):  # noqa: F811
    """The monthly arithmetic the quarters use gives the published control total of 2023 over its 12 months."""
    months = tuple(f"2023-{m:02d}" for m in range(1, 13))
    assert sum(store_months("darien_transit", "PAN", "incoming", months)) == 520_085


@pytest.mark.parametrize("lang", ["es", "en"])
def test_panama_quarter_headline_is_the_sum_of_its_three_months(built, lang):
    pub, text = built["PAN", lang]["pub"], built["PAN", lang]["text"]
    q3 = store_months("darien_transit", "PAN", "incoming", ("2024-07", "2024-08", "2024-09"))
    q2 = store_months("darien_transit", "PAN", "incoming", ("2024-04", "2024-05", "2024-06"))
    expected = sum(q3)
    figure = next(f for f in pub.section("headline").figures if f.value == expected)
    assert figure.period == ("3.er trimestre de 2024" if lang == "es" else "Q3 2024")
    assert [s.dataset_id for s in pub.sources if s.number in figure.notes] == [DARIEN]
    assert format_number(expected, lang, 0) in text
    # the comparison is with the previous quarter, and says so
    pct = format_number((expected - sum(q2)) / sum(q2) * 100, lang, 1)
    assert pct in figure.change and pct in text
    said = {
        "es": "respecto del trimestre anterior (2.º trimestre de 2024)",
        "en": "on the previous quarter (Q2 2024)",
    }[lang]
    assert said in figure.change and said in text
    assert "Servicio Nacional de Migración de Panamá" in text
    assert pub.slug == f"bulletin-pan-2024-q3-{lang}" and pub.meta["period"] == "2024-Q3"
    assert ("3.er trimestre de 2024" if lang == "es" else "Q3 2024") in pub.title


@pytest.mark.parametrize("lang", ["es", "en"])
def test_guatemala_month_prints_the_returned_nationals_of_the_month(built, lang):
    pub, text = built["GTM", lang]["pub"], built["GTM", lang]["text"]
    (march,) = store_months("guatemala_returns", "GTM", "incoming", ("2024-03",))
    (february,) = store_months("guatemala_returns", "GTM", "incoming", ("2024-02",))
    figure = next(f for f in pub.section("headline").figures if f.value == march)
    assert [s.dataset_id for s in pub.sources if s.number in figure.notes] == [RETURNS]
    assert format_number(march, lang, 0) in text
    assert figure.period == ("marzo de 2024" if lang == "es" else "March 2024")
    pct = format_number((march - february) / february * 100, lang, 1)
    said = "respecto del mes anterior (febrero de 2024)" if lang == "es" else "on the previous month (February 2024)"
    assert pct in figure.change and said in figure.change and said in text


@pytest.mark.parametrize("lang", ["es", "en"])
def test_annual_series_say_they_are_annual_only_never_zero(built, lang):
    pub, text = built["GTM", lang]["pub"], built["GTM", lang]["text"]
    stock = next(f for f in pub.section("headline").figures if f.label.startswith(("Población inm", "Immigrant pop")))
    assert stock.value and stock.value > 0
    assert ("serie solo anual" if lang == "es" else "annual series only") in stock.remark
    notice = "Datos solo anuales" if lang == "es" else "Annual data only"
    for section in pub.sections:
        if section.kind in ("map", "corridors", "country_table"):  # annual only as a whole
            assert section.paragraphs[0].startswith(notice), section.id
            assert "2023" in section.paragraphs[0]
    returns = pub.section("returns")  # monthly returned nationals; Mexico's series are annual only, and say so
    assert returns.paragraphs[0].startswith(notice) and "2023" in returns.paragraphs[0]
    assert notice in text
    for section in pub.sections:
        for f in section.figures:
            assert f.value is None or f.text != format_number(0, lang, 0)


def test_incomplete_quarter_is_announced_and_not_compared(built_store):  # noqa: F811
    """Darién 2020-Q2: April and May have no rows in the store (the border was closed)."""
    pub = build_bulletin("PAN", "2020-Q2", "en", generated=WHEN)
    (june,) = store_months("darien_transit", "PAN", "incoming", ("2020-06",))
    figure = next(f for f in pub.section("headline").figures if f.value == june)
    assert "incomplete period: 1 of 3 months with data in the store (Jun); no data for Apr, May" in figure.remark
    assert figure.change == "no comparable previous quarter (Q1 2020)"
    assert "incomplete period" in pdf_text(pub)


def test_series_with_no_data_in_the_period_go_to_the_gaps_box(built_store):  # noqa: F811
    pub = build_bulletin("PAN", "2024-Q3", "en", generated=WHEN)
    gaps = " ".join(pub.section("gaps").missing)
    assert "US south-west border encounters: No data for Q3 2024" in gaps
    assert "Q3 2024" in pub.section("gaps").paragraphs[0]


@pytest.mark.parametrize("bad", ["2024-Q5", "2024-13", "last quarter"])
def test_bulletin_with_an_invalid_period_says_what_is_valid(bad):
    with pytest.raises(BulletinRequestError, match=r"a quarter \(2024-Q3\) or a month \(2024-03\)"):
        build_bulletin("PAN", bad, "en")


def test_year_int_call_and_slug_still_work():
    assert bulletin_slug("GTM", 2023, "es") == "bulletin-gtm-2023-es"
    assert bulletin_slug("PAN", "2024-Q3", "en") == "bulletin-pan-2024-q3-en"
    assert bulletin_slug("GTM", "2024-03", "es") == "bulletin-gtm-2024-03-es"


def test_cli_period_writes_a_quarter_bulletin_and_rejects_a_bad_one(tmp_path, capsys, built_store):  # noqa: F811
    pdf, js = tmp_path / "q.pdf", tmp_path / "q.json"
    argv = ["bulletin", "--country", "PAN", "--period", "2024-Q3", "--lang", "en", "--out", str(pdf), "--json", str(js)]
    assert main(argv) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-" and '"slug": "bulletin-pan-2024-q3-en"' in js.read_text()
    assert main(["bulletin", "--country", "PAN", "--period", "2024-Q7", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "a quarter (2024-Q3)" in capsys.readouterr().err
    assert main(["bulletin", "--country", "PAN", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "--period" in capsys.readouterr().err


def test_missing_migrants_quarter_is_the_store_sum_of_its_months(built):
    """IOM Missing Migrants (monthly observations, admin-1 rows counted in their country), summed in SQL here."""
    from etl.store import connect

    with connect() as con:
        (expected,) = con.execute(
            "SELECT sum(value) FROM public_observations WHERE dataset_id = 'iom_missing_migrants' "
            "AND freq = 'M' AND time_period IN ('2024-07', '2024-08', '2024-09') "
            "AND (ref_area = 'PAN' OR ref_area LIKE 'PA-%')"
        ).fetchone()
    pub = built["PAN", "en"]["pub"]
    figure = next(f for f in pub.section("headline").figures if f.label == "Dead and missing migrants")
    assert expected and figure.value == float(expected) and figure.period == "Q3 2024"
    assert [s.dataset_id for s in pub.sources if s.number in figure.notes] == ["iom_missing_migrants"]
    yearly = build_bulletin("PAN", 2023, "en", generated=WHEN).section("headline")
    assert "Dead and missing migrants" not in {f.label for f in yearly.figures}  # periods: [quarter, month]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_quarter_flows_table_sums_the_months_by_nationality(built, lang):
    """The Darién table of the quarter: Venezuelans registered in July–September, from the store's months."""
    view = load_flow_views()["darien_transit"]
    obs = load_flow_observations("darien_transit")
    expected = 0.0
    for month in ("2024-07", "2024-08", "2024-09"):
        flows = compute_flows(obs, view, month, "_T", step="month")
        expected += float(flows.loc[flows["origin"].eq("VEN") & flows["destination"].eq("PAN"), "value"].sum())
    pub = built["PAN", lang]["pub"]
    table = next(t for t in pub.section("flows").tables if "Darién" in t.caption)
    assert ("3.er trimestre de 2024" if lang == "es" else "Q3 2024") in table.caption
    assert table.rows[0] == ("Venezuela", "Panamá" if lang == "es" else "Panama", format_number(expected, lang, 0))
    stock = next(t for t in pub.section("flows").tables if "UN DESA" in t.caption)
    assert ("solo anual" if lang == "es" else "annual only") in stock.caption
    assert ("Datos solo anuales" if lang == "es" else "Annual data only") in pub.section("flows").paragraphs[0]


def test_month_bulletin_trend_shows_the_last_twelve_months_of_the_store(built):
    pub = built["GTM", "en"]["pub"]
    months = tuple(f"2023-{m:02d}" for m in range(4, 13)) + ("2024-01", "2024-02", "2024-03")
    values = store_months("guatemala_returns", "GTM", "incoming", months)
    chart = next(p for p in pub.section("returns").pictures if p.title.startswith("Returned nationals"))
    assert chart.alt == "; ".join(f"{m}: {format_number(v, 'en', 0)}" for m, v in zip(months, values))
    assert pub.section("returns").figures[0].value == values[-1]
    deaths = pub.section("deaths")  # no IOM record for Guatemala in March 2024: said in words, no chart
    assert not deaths.pictures and deaths.missing == ("Dead and missing migrants: No data for March 2024",)
