"""SDMX 2.1 structure queries: one dataflow per public dataset, data structures with the store's dimensions,
codelists from the gazetteer and the store, every message valid against the official SDMX-ML 2.1 schemas."""

from __future__ import annotations

import io
from urllib.parse import unquote

import duckdb
import pytest
import sdmx

from api.sdmx_structure import decode_code, encode_code
from etl.store import store_path
from tests.api.conftest import assert_valid

NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "str": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure",
    "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
}


def _store(sql: str) -> list[tuple]:
    with duckdb.connect(str(store_path()), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_one_dataflow_per_public_dataset(client, sdmx_schema):
    r = client.get("/sdmx/v2.1/dataflow")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.sdmx.structure+xml")
    doc = assert_valid(sdmx_schema, r.content)
    flows = {e.get("id") for e in doc.iterfind(".//str:Dataflow", NS)}
    datasets = {d.upper() for (d,) in _store("SELECT dataset_id FROM datasets")}
    assert flows == datasets
    version = unquote(r.headers["X-Atlas-Data-Version"])
    assert version.endswith(" · " + r.headers["X-Atlas-Data-Version-Id"])
    assert r.headers["ETag"].startswith(f'W/"{r.headers["X-Atlas-Data-Version-Id"]}-')


def test_data_structure_has_the_store_dimensions_and_codelists(client, sdmx_schema):
    r = client.get("/sdmx/v2.1/datastructure/PVIGM/DSD_CBP_SOUTHWEST_ENCOUNTERS/1.0?references=children")
    doc = assert_valid(sdmx_schema, r.content)
    msg = sdmx.read_sdmx(io.BytesIO(r.content))
    dsd = msg.structure["DSD_CBP_SOUTHWEST_ENCOUNTERS"]
    ids = [d.id for d in dsd.dimensions.components]
    assert ids == [
        "FREQ",
        "MEASURE",
        "UNIT_MEASURE",
        "REF_AREA",
        "COUNTERPART_AREA",
        "SEX",
        "AGE",
        "CBP_COMPONENT",
        "CBP_AREA",
        "CBP_TITLE",
        "CBP_ENCOUNTER_TYPE",
        "CBP_DEMOGRAPHIC",
        "TIME_PERIOD",
    ]
    assert [a.id for a in dsd.attributes.components] == ["OBS_STATUS"]
    assert set(msg.codelist["CL_SEX"].items) == {"_T", "F", "M"}
    assert set(msg.codelist["CL_OBS_STATUS"].items) >= {"A", "E", "P", "B", "M"}
    assert len(msg.codelist["CL_AREA"]) == _store("SELECT count(*) FROM territories")[0][0]
    assert str(msg.codelist["CL_AREA"]["MX-CMX"].name["es"]) == "Ciudad de México"
    assert doc.find(".//str:ConceptScheme", NS) is not None


@pytest.mark.parametrize(
    "url, code",
    [
        ("/sdmx/v2.1/codelist/PVIGM/CL_NOPE", "100"),
        ("/sdmx/v2.1/dataflow/OTHER_AGENCY/all/latest", "100"),
        ("/sdmx/v2.1/dataflow/PVIGM/UNDESA_IMS2024/9.9", "100"),
        ("/sdmx/v2.1/dataflow?references=everything", "140"),
        ("/sdmx/v2.1/categoryscheme", "501"),
        ("/sdmx/v2.1/widgets", "100"),
    ],
)
def test_unknown_structures_give_an_sdmx_error_not_a_500(client, sdmx_schema, url, code):
    r = client.get(url)
    assert 400 <= r.status_code < 500 or r.status_code == 501
    doc = assert_valid(sdmx_schema, r.content)
    message = doc.find("mes:ErrorMessage", NS)
    assert message.get("code") == code
    texts = {t.get("{http://www.w3.org/XML/1998/namespace}lang"): t.text for t in message}
    assert set(texts) == {"en", "es"} and all(texts.values())


def test_codelist_query_with_parents_lists_the_structures_that_use_it(client, sdmx_schema):
    r = client.get("/sdmx/v2.1/codelist/PVIGM/CL_UNDESA_BASIS?references=parents")
    assert_valid(sdmx_schema, r.content)
    msg = sdmx.read_sdmx(io.BytesIO(r.content))
    assert set(msg.structure) == {"DSD_UNDESA_IMS2020", "DSD_UNDESA_IMS2024"}


def test_structure_in_json_is_not_acceptable(client):
    r = client.get("/sdmx/v2.1/dataflow", headers={"Accept": "application/vnd.sdmx.structure+json"})
    assert r.status_code == 406


@pytest.mark.parametrize("code", ["drowning+violence", "plain_code", "a+b+c"])
def test_compound_codes_round_trip_as_sdmx_identifiers(code):
    encoded = encode_code(code)
    assert "+" not in encoded
    assert decode_code(encoded) == code
