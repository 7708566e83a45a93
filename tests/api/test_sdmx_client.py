"""The service read by a real SDMX client that no one here wrote: sdmx1, through a source pointing at a server
started on a free port (``python -m api``, its own process). The numbers equal the store's."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import requests
import sdmx

from atlas.core.server import wait_http
from etl.store import store_path

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, built_store):
    """``python -m api --port <free>`` with an empty registry; waits on /health (no sleeping on a guess)."""
    root = tmp_path_factory.mktemp("api_server")
    port = free_port()
    env = {
        **os.environ,
        "ATLAS_REGISTRY": str(root / "registry"),
        "ATLAS_API_VERSIONS": str(root / "versions"),
        "ATLAS_API_RATE_LIMIT": "0",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "api", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/health", proc, 120, "the API server")  # generous: a busy machine imports slowly
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=60)


@pytest.fixture(scope="module")
def client(server):
    sdmx.add_source({"id": "PVIGM", "url": f"{server}/sdmx/v2.1", "name": "Atlas PVIGM (test server)"}, override=True)
    return sdmx.Client("PVIGM")


def _store(sql: str) -> list[tuple]:
    with duckdb.connect(str(store_path()), read_only=True) as con:
        con.execute("CREATE TEMP MACRO us_fiscal_year(d) AS year(CAST(d AS DATE) + INTERVAL 3 MONTH)")
        return con.execute(sql).fetchall()


def test_lists_dataflows(client):
    flows = client.dataflow().dataflow
    assert {"UNDESA_IMS2024", "CBP_SOUTHWEST_ENCOUNTERS"} <= set(flows)
    assert len(flows) == _store("SELECT count(*) FROM datasets")[0][0]
    assert "Migrant Stock" in str(flows["UNDESA_IMS2024"].name)


def test_fetches_a_data_structure_and_its_codelists(client):
    msg = client.datastructure("DSD_UNDESA_IMS2024")
    dsd = msg.structure["DSD_UNDESA_IMS2024"]
    assert [d.id for d in dsd.dimensions.components][:4] == ["FREQ", "MEASURE", "UNIT_MEASURE", "REF_AREA"]
    cl = dsd.dimensions.get("REF_AREA").local_representation.enumerated
    assert "MEX" in cl and "GT-01" in cl
    assert set(msg.codelist["CL_SEX"].items) == {"_T", "F", "M"}


def test_undesa_2024_stock_for_one_origin_destination_pair(client):
    msg = client.data(
        "UNDESA_IMS2024",
        key={"MEASURE": "migrant_stock", "REF_AREA": "USA", "COUNTERPART_AREA": "MEX"},
        params={"startPeriod": "2024"},
    )
    series = sdmx.to_pandas(msg.data[0])
    got = series.groupby(level="SEX").sum().to_dict()
    expected = dict(
        _store(
            "SELECT sex, sum(value) FROM observations WHERE dataset_id = 'undesa_ims2024' AND "
            "measure = 'migrant_stock' AND ref_area = 'USA' AND counterpart_area = 'MEX' AND "
            "time_period = '2024' GROUP BY sex"
        )
    )
    assert set(got) == {"F", "M"}
    assert got == pytest.approx(expected)


def test_cbp_south_west_encounters_by_fiscal_year(client):
    msg = client.data("CBP_SOUTHWEST_ENCOUNTERS", params={"startPeriod": "2022-10", "endPeriod": "2024-09"})
    frame = sdmx.to_pandas(msg.data[0]).reset_index()
    months = frame["TIME_PERIOD"].str.slice(0, 4).astype(int) + (frame["TIME_PERIOD"].str.slice(5, 7).astype(int) >= 10)
    got = frame.groupby(months)["value"].sum().to_dict()
    expected = dict(
        _store(
            "SELECT us_fiscal_year(time_start), sum(value) FROM observations "
            "WHERE dataset_id = 'cbp_southwest_encounters' AND freq = 'M' "
            "AND us_fiscal_year(time_start) IN (2023, 2024) GROUP BY 1"
        )
    )
    assert got == pytest.approx(expected)
    assert got[2023] == 2_475_669  # CBP's published FY2023 figure (etl check)
    assert got[2024] == 2_135_005


def test_unknown_flow_is_an_http_error_with_an_sdmx_message(client, server):
    with pytest.raises(requests.HTTPError) as err:
        client.data("NO_SUCH_FLOW", key="all")
    assert err.value.response.status_code == 404
    assert b"ErrorMessage" in err.value.response.content
