"""The JSON/CSV API: indicators equal the project's compute, datasets carry licences and citations, cross-tabs
equal the explorer's (same disclosure control), bad requests get application/problem+json, limits hold, and the
OpenAPI documentation loads nothing from outside the service."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import unquote

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import indicators
from api.app import create_app
from api.settings import load_settings
from api.urls import crosstab_url, indicator_url
from etl.crosstab import parse_query, run_crosstab
from etl.crosstab.export import build_long_csv
from etl.crosstab.pivot import build_long_table
from etl.crosstab.version import load_data_version
from etl.store import connect
from layers.exports import REQUIRED_COLUMNS
from tests.crosstab_store import xt_store_path  # noqa: F401  (fixture)

CROSSTAB = "measure=migrant_stock&rows=ref_area&cols=sex&f_time_period=2024&f_dataset=undesa_ims2024&f_ref_area=GTM,MEX"


def test_indicator_values_equal_the_project_compute(client):
    r = client.get(
        "/api/v1/indicators/immigrant_share",
        params={"level": "country", "period": "2024", "country": "GTM", "lang": "en"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    rows = pd.DataFrame(body["rows"])
    assert set(REQUIRED_COLUMNS) <= set(rows.columns)
    assert set(rows["geo_code"]) == {"GTM"}
    expected = indicators.compute("immigrant_share", "country", "2024")
    expected = expected[expected["geo_code"] == "GTM"]
    assert rows["value"].tolist() == pytest.approx(expected["value"].tolist())
    assert rows["licence"].iloc[0] == expected["licence"].iloc[0]
    assert body["data_version"] == r.headers["X-Atlas-Data-Version-Id"].join(["", ""]) or body["data_version"].endswith(
        r.headers["X-Atlas-Data-Version-Id"]
    )
    assert body["indicator"]["name"] == indicators.load_catalogue().get("immigrant_share").name("en")


def test_indicator_admin1_for_a_country_in_csv(client):
    r = client.get("/api/v1/indicators/population", params={"level": "admin1", "country": "MEX", "format": "csv"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig")
    assert frame["geo_code"].str.startswith("MX-").all()
    assert {"licence", "attribution", "data_version", "source"} <= set(frame.columns)


@pytest.mark.parametrize(
    "url, status",
    [
        ("/api/v1/indicators/no_such_indicator", 404),
        ("/api/v1/indicators/immigrant_share?level=district", 400),
        ("/api/v1/indicators/immigrant_share?level=country&period=1066", 404),
        ("/api/v1/indicators/immigrant_share?level=country&country=XYZ", 404),
        ("/api/v1/indicators/immigrant_share?level=country&sex=Q", 400),
        ("/api/v1/indicators?format=xml", 406),
        ("/api/v1/territories?level=planet", 400),
        ("/api/v1/datasets/no_such_dataset", 404),
        ("/api/v1/datasets/undesa_ims2024/citation?style=apa", 400),
        ("/api/v1/crosstab?measure=no_such_measure", 400),
        ("/api/v1/crosstab?measure=migrant_stock&rows=planet", 400),
        ("/api/v1/crosstab?" + CROSSTAB + "&layout=sideways", 400),
        ("/api/v1/versions?version=not-a-version", 404),
        ("/api/v1/nothing/here", 404),
    ],
)
def test_bad_requests_get_a_problem_never_a_500(client, url, status):
    r = client.get(url)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == status and problem["detail_es"] and problem["detail_en"]
    assert problem["instance"] == url.split("?")[0]


def test_problem_language_follows_lang(client):
    assert "no existe" in client.get("/api/v1/datasets/x?lang=es").json()["detail"].lower()
    assert (
        "there is no" in client.get("/api/v1/datasets/x", headers={"Accept-Language": "en-GB"}).json()["detail"].lower()
    )


def test_datasets_with_licences_and_citations(client):
    rows = {r["dataset_id"]: r for r in client.get("/api/v1/datasets?lang=en").json()["rows"]}
    undesa = rows["undesa_ims2024"]
    assert undesa["licence"].startswith("CC BY 3.0 IGO")
    assert "data version" in undesa["citation"] and undesa["data_version"] in undesa["citation"]
    bib = client.get("/api/v1/datasets/undesa_ims2024/citation?style=bibtex").text
    assert bib.startswith("@misc{pvigm_undesa_ims2024_") and bib.count("{") == bib.count("}")
    assert "CC BY 3.0 IGO" in bib
    csl = client.get("/api/v1/datasets/undesa_ims2024/citation?style=csl-json").json()
    assert csl[0]["type"] == "dataset" and csl[0]["version"] == undesa["data_version"]
    text = client.get("/api/v1/datasets/iom_missing_migrants/citation?lang=en").text
    assert "Missing Migrants Project" in text


def test_territories(client):
    frame = pd.read_csv(
        io.BytesIO(client.get("/api/v1/territories?level=admin1&parent=GTM&format=csv").content), encoding="utf-8-sig"
    )
    assert len(frame) == 22 and set(frame["parent_code"]) == {"GTM"}


def test_crosstab_equals_the_explorer_download(client):
    r = client.get("/api/v1/crosstab?" + CROSSTAB + "&format=csv&lang=en")
    assert r.status_code == 200, r.text
    with connect() as con:
        result = run_crosstab(con, parse_query(CROSSTAB))
        expected = build_long_csv(result, "en", load_data_version(con))
    assert r.content == expected
    body = client.get("/api/v1/crosstab?" + CROSSTAB + "&lang=en").json()
    assert len(body["cells"]) == len(result.tidy[result.tidy["shown"]])
    assert body["datasets"] == ["undesa_ims2024"]


def test_crosstab_applies_the_explorers_disclosure_control(xt_store_path, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "registry"))
    query = "measure=returns&rows=ref_area&cols=counterpart_area,sex"  # a confidential dataset with small counts
    with connect(xt_store_path) as con:
        result = run_crosstab(con, parse_query(query))
        expected = build_long_csv(result, "en", load_data_version(con))
    assert result.confidential and (result.tidy["suppression"] == "primary").sum() == 3
    expected_cells = json.loads(build_long_table(result, "en").to_json(orient="records", force_ascii=False))
    app = create_app(load_settings(rate_limit_per_minute=0), versions_root=tmp_path / "versions", store=xt_store_path)
    with TestClient(app) as client:
        r = client.get(f"/api/v1/crosstab?{query}&format=csv&lang=en")
        assert r.status_code == 200, r.text
        assert r.content == expected
        cells = client.get(f"/api/v1/crosstab?{query}&lang=en").json()["cells"]
    assert cells == expected_cells
    assert sum(1 for c in cells if c[next(k for k in c if k.lower().startswith("suppress"))]) >= 3


def test_rate_limit_per_client(api_env):
    app = create_app(load_settings(rate_limit_per_minute=1, rate_limit_burst=3), versions_root=api_env / "versions")
    with TestClient(app) as client:
        codes = [client.get("/api/v1/indicators").status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        r = client.get("/api/v1/indicators")
        assert r.headers["content-type"] == "application/problem+json" and int(r.headers["Retry-After"]) >= 1
        assert client.get("/sdmx/v2.1/dataflow").status_code == 429
        assert client.get("/health").status_code == 200  # never limited: load balancers poll it


def test_row_limit(api_env):
    app = create_app(load_settings(rate_limit_per_minute=0, max_rows=5), versions_root=api_env / "versions")
    with TestClient(app) as client:
        r = client.get("/api/v1/territories")
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"


def test_query_length_limit(client):
    r = client.get("/api/v1/crosstab?measure=" + "x" * 5000)
    assert r.status_code == 414


def test_openapi_docs_are_served_offline(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/crosstab" in spec["paths"] and "/sdmx/v2.1/data/{flow}/{key}" in spec["paths"]
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        urls = re.findall(r"""(?:src|href)=["']([^"']+)""", html) + re.findall(r"url: ?['\"]([^'\"]+)", html)
        assert urls, page
        assert not [u for u in urls if u.startswith(("http:", "https:", "//"))], urls
        for u in urls:
            assert client.get(u).status_code == 200, u


def test_url_builders_give_working_links(client):
    url = indicator_url("immigrant_share", "country", "2024", "GTM", base="")
    assert url.startswith("/api/v1/indicators/immigrant_share?") and "country=GTM" in url
    assert client.get(url).status_code == 200
    url = crosstab_url("?" + CROSSTAB + "&lang=es", fmt="json", base="")
    assert url.count("lang=") == 1 and client.get(url).status_code == 200
    with pytest.raises(ValueError):
        indicator_url("immigrant_share", "country", fmt="xlsx")


def test_json_has_no_nan(client):
    text = client.get("/api/v1/datasets").text
    json.loads(text)
    assert "NaN" not in text


def test_errors_carry_the_data_version_too(client):
    current = client.get("/health").json()["data_version"]
    r = client.get("/api/v1/datasets/no_such_dataset")
    assert r.status_code == 404
    assert unquote(r.headers["X-Atlas-Data-Version"]) == current
