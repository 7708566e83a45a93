"""SDMX 2.1 data queries: the numbers equal the store's, in every format; SDMX-ML is schema-valid; SDMX-JSON and
SDMX-CSV read back with sdmx1's own readers; bad requests get SDMX errors, never a 500."""

from __future__ import annotations

import io
import re

import duckdb
import pandas as pd
import pytest
import sdmx

from etl.store import store_path
from tests.api.conftest import assert_valid

PAIR = "A.migrant_stock..USA.MEX...."  # UN DESA 2024: people born in Mexico living in the United States
NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "gen": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic",
}


def _store(sql: str, *args) -> pd.DataFrame:
    with duckdb.connect(str(store_path()), read_only=True) as con:
        return con.execute(sql, list(args)).df()


def _store_pair() -> pd.Series:
    frame = _store(
        "SELECT time_period, sex, value FROM observations WHERE dataset_id = 'undesa_ims2024' "
        "AND measure = 'migrant_stock' AND ref_area = 'USA' AND counterpart_area = 'MEX'"
    )
    return frame.set_index(["time_period", "sex"])["value"].sort_index()


def test_generic_data_is_valid_and_equals_the_store(client, sdmx_schema):
    r = client.get(f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}")
    assert r.status_code == 200 and "genericdata" in r.headers["content-type"]
    assert_valid(sdmx_schema, r.content)
    msg = sdmx.read_sdmx(io.BytesIO(r.content))
    got = sdmx.to_pandas(msg.data[0])
    got = got.groupby(level=["TIME_PERIOD", "SEX"]).sum().sort_index()
    expected = _store_pair()
    assert len(expected) > 0
    assert got.to_dict() == pytest.approx(expected.to_dict())


def test_structure_specific_data_reads_back_with_its_structure(client):
    dsd_msg = sdmx.read_sdmx(
        io.BytesIO(client.get("/sdmx/v2.1/datastructure/PVIGM/DSD_UNDESA_IMS2024?references=children").content)
    )
    r = client.get(
        f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}",
        headers={"Accept": "application/vnd.sdmx.structurespecificdata+xml;version=2.1"},
    )
    assert r.status_code == 200 and "structurespecificdata" in r.headers["content-type"]
    msg = sdmx.read_sdmx(io.BytesIO(r.content), structure=dsd_msg.structure["DSD_UNDESA_IMS2024"])
    got = sdmx.to_pandas(msg.data[0]).groupby(level=["TIME_PERIOD", "SEX"]).sum().sort_index()
    assert got.to_dict() == pytest.approx(_store_pair().to_dict())


def test_sdmx_json_reads_back_with_sdmx1(client):
    r = client.get(f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}?format=jsondata")
    assert r.headers["content-type"].startswith("application/vnd.sdmx.data+json")
    msg = sdmx.read_sdmx(io.BytesIO(r.content), format="JSON")
    got = sdmx.to_pandas(msg.data[0]).groupby(level=["TIME_PERIOD", "SEX"]).sum().sort_index()
    assert got.to_dict() == pytest.approx(_store_pair().to_dict())
    statuses = {str(o.attached_attribute["OBS_STATUS"].value.id) for o in msg.data[0].obs}
    assert statuses <= {"A", "E", "I", "P", "B", "F", "M"}


def test_sdmx_csv_has_the_1_0_columns_and_the_store_numbers(client):
    r = client.get(f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}", headers={"Accept": "text/csv"})
    assert r.headers["content-type"].startswith("application/vnd.sdmx.data+csv")
    frame = pd.read_csv(io.BytesIO(r.content), dtype=str)
    assert list(frame.columns[:3]) == ["DATAFLOW", "FREQ", "MEASURE"]
    assert list(frame.columns[-3:]) == ["TIME_PERIOD", "OBS_VALUE", "OBS_STATUS"]
    assert set(frame["DATAFLOW"]) == {"PVIGM:UNDESA_IMS2024(1.0)"}
    got = frame.astype({"OBS_VALUE": float}).groupby(["TIME_PERIOD", "SEX"])["OBS_VALUE"].sum().sort_index()
    assert got.to_dict() == pytest.approx(_store_pair().to_dict())


def test_periods_and_last_n_observations(client):
    r = client.get(f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}?format=csvdata&startPeriod=2015&endPeriod=2020")
    periods = set(pd.read_csv(io.BytesIO(r.content), dtype=str)["TIME_PERIOD"])
    assert periods and periods <= {str(y) for y in range(2015, 2021)}
    r = client.get(f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}?format=csvdata&lastNObservations=1")
    frame = pd.read_csv(io.BytesIO(r.content), dtype=str)
    assert set(frame["TIME_PERIOD"]) == {"2024"}
    assert len(frame) == frame.drop(columns=["TIME_PERIOD", "OBS_VALUE", "OBS_STATUS"]).drop_duplicates().shape[0]


def test_five_year_periods_are_iso_intervals(client, sdmx_schema):
    r = client.get("/sdmx/v2.1/data/MEX_CONAPO_MIGRATION_QUINQUENNIAL?format=csvdata&firstNObservations=1")
    assert r.status_code == 200
    periods = set(pd.read_csv(io.BytesIO(r.content), dtype=str)["TIME_PERIOD"])
    assert periods and all(re.fullmatch(r"\d{4}-01-01/P5Y", p) for p in periods)
    assert "1950-01-01/P5Y" in periods


@pytest.mark.parametrize("obs_dim", ["AllDimensions", "SEX", "TIME_PERIOD"])
def test_dimension_at_observation(client, sdmx_schema, obs_dim):
    r = client.get(f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}?dimensionAtObservation={obs_dim}")
    doc = assert_valid(sdmx_schema, r.content)
    structure = doc.find("mes:Header/mes:Structure", NS)
    assert structure.get("dimensionAtObservation") == obs_dim
    n_obs = len(doc.findall(".//gen:Obs", NS))
    assert n_obs == len(_store_pair())
    assert (len(doc.findall(".//gen:Series", NS)) == 0) == (obs_dim == "AllDimensions")


@pytest.mark.parametrize(
    "detail, has_obs, has_status", [("full", True, True), ("dataonly", True, False), ("serieskeysonly", False, False)]
)
def test_detail(client, sdmx_schema, detail, has_obs, has_status):
    doc = assert_valid(sdmx_schema, client.get(f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}?detail={detail}").content)
    assert bool(doc.findall(".//gen:Obs", NS)) == has_obs
    assert bool(doc.findall(".//gen:Obs/gen:Attributes", NS)) == has_status
    assert len(doc.findall(".//gen:Series", NS)) == 2  # F and M


@pytest.mark.parametrize(
    "url, status, code",
    [
        ("/sdmx/v2.1/data/NO_SUCH_FLOW", 404, "100"),
        ("/sdmx/v2.1/data/OTHER,UNDESA_IMS2024", 404, "100"),
        ("/sdmx/v2.1/data/UNDESA_IMS2024/A.migrant_stock..USA.XXX....", 404, "100"),
        ("/sdmx/v2.1/data/UNDESA_IMS2024/A.nope", 400, "140"),
        ("/sdmx/v2.1/data/UNDESA_IMS2024/A.migrant_stock..USA.MEX....?startPeriod=2020-13", 400, "140"),
        ("/sdmx/v2.1/data/UNDESA_IMS2024/A.migrant_stock..USA.MEX....?startPeriod=2021&endPeriod=2020", 400, "140"),
        ("/sdmx/v2.1/data/UNDESA_IMS2024/A.migrant_stock..USA.MEX....?startPeriod=1900&endPeriod=1901", 404, "100"),
        ("/sdmx/v2.1/data/UNDESA_IMS2024/A.migrant_stock..USA.MEX....?dimensionAtObservation=WHAT", 400, "140"),
        ("/sdmx/v2.1/data/UNDESA_IMS2024/A.migrant_stock..USA.MEX....?detail=everything", 400, "140"),
        ("/sdmx/v2.1/data/UNDESA_IMS2024/A.migrant_stock..USA.MEX....?format=xlsx", 406, "406"),
        ("/sdmx/v2.1/data/UNDESA_IMS2024/all/SOMEONE_ELSE", 404, "100"),
        ("/sdmx/v2.1/data/UNDESA_IMS2024?version=ffffffffffff", 410, "100"),
        ("/sdmx/v2.1/data/UNDESA_IMS2024?lastNObservations=0", 400, "140"),
    ],
)
def test_bad_data_requests_get_sdmx_errors_never_500(client, sdmx_schema, url, status, code):
    r = client.get(url)
    assert r.status_code == status, r.text
    doc = assert_valid(sdmx_schema, r.content)
    assert doc.find("mes:ErrorMessage", NS).get("code") == code


def test_response_size_limit(api_env, sdmx_schema):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import load_settings

    app = create_app(
        load_settings(rate_limit_per_minute=0, max_observations=10, max_observations_xml=5),
        versions_root=api_env / "versions",
    )
    with TestClient(app) as c:
        xml = c.get(f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}")
        csv = c.get(f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}?format=csvdata")
        small = c.get(f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}?format=csvdata&lastNObservations=1")
    for r in (xml, csv):
        assert r.status_code == 413
        doc = assert_valid(sdmx_schema, r.content)
        assert doc.find("mes:ErrorMessage", NS).get("code") == "510"
    assert b"csvdata" in xml.content and b"(5 " not in xml.content and b" 5 " in xml.content
    assert small.status_code == 200


def test_etag_gives_304_for_the_same_version(client):
    first = client.get(f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}?format=csvdata")
    again = client.get(
        f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}?format=csvdata", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and not again.content
    other = client.get(
        f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}?format=jsondata", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert other.status_code == 200


@pytest.mark.parametrize("obs_dim", ["TIME_PERIOD", "AllDimensions", "SEX"])
def test_structure_specific_data_is_valid_against_its_generated_schema(client, tmp_path, obs_dim):
    """The service's schema of the structure (``/schema/datastructure/…``), its imports pointed at the vendored
    official schemas, validates the structure-specific message together with SDMXMessage.xsd."""
    from lxml import etree

    from tests.api.conftest import SCHEMA

    base = "http://testserver/sdmx/v2.1/xsd/"
    xsd = client.get(f"/sdmx/v2.1/schema/datastructure/PVIGM/DSD_UNDESA_IMS2024/1.0?dimensionAtObservation={obs_dim}")
    assert xsd.status_code == 200
    assert client.get(base.replace("http://testserver", "") + "SDMXDataStructureSpecific.xsd").status_code == 200
    local = SCHEMA.parent.as_uri() + "/"
    (tmp_path / "dsd.xsd").write_bytes(xsd.content.replace(base.encode(), local.encode()))
    ns = etree.fromstring(xsd.content).get("targetNamespace")
    (tmp_path / "all.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        f'<xs:import namespace="{NS["mes"]}" schemaLocation="{SCHEMA.as_uri()}"/>'
        f'<xs:import namespace="{ns}" schemaLocation="{(tmp_path / "dsd.xsd").as_uri()}"/></xs:schema>'
    )
    schema = etree.XMLSchema(etree.parse(str(tmp_path / "all.xsd")))
    r = client.get(
        f"/sdmx/v2.1/data/UNDESA_IMS2024/{PAIR}?format=structurespecificdata&dimensionAtObservation={obs_dim}"
    )
    doc = assert_valid(schema, r.content)
    assert doc.find("mes:Header/mes:Structure", NS).get("namespace") == ns
    bad = r.content.replace(b'SEX="F"', b'SEX="X"').replace(b'SEX="M"', b'SEX="X"')
    assert not schema.validate(etree.fromstring(bad))  # codes outside the codelist are refused
