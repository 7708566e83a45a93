"""Pure parts of the API service: periods, rate limiting, settings, citations, URL builders, format negotiation."""

from __future__ import annotations

import datetime as dt

import pytest

from api.citation import build_bibtex, build_citation_line, build_csl_json
from api.errors import ApiError
from api.ratelimit import RateLimiter
from api.sdmx_data import parse_period
from api.settings import load_settings
from api.urls import citation_url, crosstab_url, indicator_url, sdmx_data_url

ROW = {
    "dataset_id": "undesa_ims2024",
    "title_en": "Migrant stock {2024} & 50% more_",
    "title_es": "Stock",
    "publisher": "UN DESA",
    "licence": "CC BY 3.0 IGO",
    "attribution": "United Nations",
    "retrieved": "2026-11",
    "version": 1,
}
VERSION = "2026-12-06T02:33:25+00:00 · 8a95936e7aca"


@pytest.mark.parametrize(
    "text, end, expected",
    [
        ("2020", False, dt.date(2020, 1, 1)),
        ("2020", True, dt.date(2020, 12, 31)),
        ("2020-Q4", True, dt.date(2020, 12, 31)),
        ("2020-Q1", False, dt.date(2020, 1, 1)),
        ("2020-Q2", True, dt.date(2020, 6, 30)),
        ("2020-S2", False, dt.date(2020, 7, 1)),
        ("2024-02", True, dt.date(2024, 2, 29)),
        ("2023-12", True, dt.date(2023, 12, 31)),
        ("2023-05-17", False, dt.date(2023, 5, 17)),
        ("", False, None),
        (None, True, None),
    ],
)
def test_parse_period(text, end, expected):
    assert parse_period(text, "startPeriod", end) == expected


@pytest.mark.parametrize("text", ["20", "2020-13", "2020-Q5", "2020-02-30", "last year", "2020-W01"])
def test_parse_period_refuses(text):
    with pytest.raises(ApiError) as err:
        parse_period(text, "endPeriod", True)
    assert err.value.status == 400 and "endPeriod" in err.value.text("en") and "endPeriod" in err.value.text("es")


def test_rate_limiter_bucket_refills():
    limiter = RateLimiter(per_minute=60, burst=2)
    assert [limiter.allow("a", now=0.0)[0] for _ in range(3)] == [True, True, False]
    assert limiter.allow("a", now=0.0) == (False, 1)
    assert limiter.allow("b", now=0.0)[0]  # another client has its own bucket
    assert limiter.allow("a", now=1.01)[0]  # one request a second comes back
    assert RateLimiter(per_minute=0, burst=1).allow("a") == (True, 0)


def test_settings_overrides_and_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_API_RATE_LIMIT", "7")
    assert load_settings().rate_limit_per_minute == 7
    assert load_settings(max_rows=3).max_rows == 3
    bad = tmp_path / "s.yaml"
    bad.write_text("max_rowz: 3\n")
    with pytest.raises(ValueError, match="unknown settings"):
        load_settings(bad)
    monkeypatch.setenv("ATLAS_API_RATE_LIMIT", "lots")
    with pytest.raises(ValueError, match="whole number"):
        load_settings()


def test_citations_name_the_version_and_escape_bibtex():
    line = build_citation_line(ROW, VERSION, "http://x/api/v1/datasets/undesa_ims2024", "en")
    assert VERSION in line and "CC BY 3.0 IGO" in line and "United Nations" in line
    assert "versión de los datos" in build_citation_line(ROW, VERSION, "http://x", "es")
    bib = build_bibtex(ROW, VERSION, "http://x")
    assert r"\{2024\} \& 50\% more\_" in bib and bib.count("{") - bib.count(r"\{") == bib.count("}") - bib.count(r"\}")
    assert "year = {2026}" in bib
    csl = build_csl_json(ROW, VERSION, "http://x")
    assert '"issued": {' in csl and '"version": "2026-12-06T02:33:25+00:00 · 8a95936e7aca"' in csl


def test_url_builders():
    assert (
        indicator_url("immigrant_share", "admin1", country="MEX", base="http://h:1/")
        == "http://h:1/api/v1/indicators/immigrant_share?level=admin1&country=MEX&format=csv"
    )
    url = crosstab_url("?measure=entries&rows=ref_area&format=xlsx&lang=en", fmt="json", version="abc", base="")
    assert url == "/api/v1/crosstab?measure=entries&rows=ref_area&lang=en&version=abc&format=json"
    assert (
        sdmx_data_url("undesa_ims2024", "A..persons", base="", startPeriod=2020)
        == "/sdmx/v2.1/data/UNDESA_IMS2024/A..persons?startPeriod=2020"
    )
    with pytest.raises(ValueError):
        indicator_url("", "country")
    assert (
        citation_url("undesa_ims2024", "csl-json", version="8a95936e7aca", base="")
        == "/api/v1/datasets/undesa_ims2024/citation?style=csl-json&version=8a95936e7aca"
    )
    with pytest.raises(ValueError):
        citation_url("undesa_ims2024", "apa")
