"""Data versions: every response names its version; a request pinned to an older version returns the data exactly
as published then, after the store changed; drafts never appear; a withdrawn version is never served, not even
pinned. The registry is a temporary one, filled with the project's own submission code."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import load_settings
from api.versions import list_versions
from etl.submissions.registry import Registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "submissions" / "valid"
SUBMISSION = FIXTURES / "gtm_returns_igm_2020_2023_es.csv"
PASSWORD = "correct horse battery staple"
PAIR = "/sdmx/v2.1/data/UNDESA_IMS2024/A.migrant_stock..USA.MEX....?format=csvdata"


def _app(api_env, store=None) -> TestClient:
    return TestClient(
        create_app(load_settings(rate_limit_per_minute=0), versions_root=api_env / "versions", store=store)
    )


def _values(response) -> list[float]:
    return pd.read_csv(io.BytesIO(response.content))["OBS_VALUE"].tolist()


def _dataset_ids(client, **params) -> set[str]:
    r = client.get("/api/v1/datasets", params=params)
    assert r.status_code == 200, r.text
    return {row["dataset_id"] for row in r.json()["rows"]}


def _flows(client, **params) -> str:
    return client.get("/sdmx/v2.1/dataflow", params=params).text


def test_pinned_version_after_the_store_was_rebuilt(api_env, built_store):
    store = api_env / "store" / "atlas.duckdb"
    store.parent.mkdir()
    shutil.copy(built_store, store)
    with _app(api_env, store) as client:
        before = client.get(PAIR)
        old_id = before.headers["X-Atlas-Data-Version-Id"]
        # A rebuild with a corrected release of one source: built aside, then swapped in (as etl build does).
        rebuilt = store.with_name("rebuilt.duckdb")
        shutil.copy(store, rebuilt)
        with duckdb.connect(str(rebuilt)) as con:
            con.execute("UPDATE observations SET value = value + 1000 WHERE dataset_id = 'undesa_ims2024'")
            con.execute(
                "UPDATE datasets SET revision = 'corrected release', sha256 = 'test' "
                "WHERE dataset_id = 'undesa_ims2024'"
            )
        os.replace(rebuilt, store)
        after = client.get(PAIR)
        assert after.headers["X-Atlas-Data-Version-Id"] != old_id
        assert _values(after) == [v + 1000 for v in _values(before)]
        pinned = client.get(PAIR + f"&version={old_id}")
        assert pinned.status_code == 200
        assert pinned.headers["X-Atlas-Data-Version-Id"] == old_id
        assert pinned.content == before.content
        assert "immutable" in pinned.headers["Cache-Control"]
        versions = client.get("/api/v1/versions").json()
        assert versions["current"]["id"] == after.headers["X-Atlas-Data-Version-Id"]
        assert {v["id"] for v in versions["kept"]} == {old_id, versions["current"]["id"]}


@pytest.fixture
def registry(api_env):
    reg = Registry(api_env / "registry")
    reg.add_account("ana.gtm", PASSWORD, "focal_point", "GTM")
    reg.add_account("admin", PASSWORD, "regional_admin")
    return reg


def test_drafts_never_appear_and_withdrawn_versions_are_never_served(api_env, registry):
    with _app(api_env) as client:
        stored = registry.ingest(SUBMISSION.read_bytes(), SUBMISSION.name, "GTM", registry.account("ana.gtm"))
        assert stored.stored, stored.validation.report
        sub = stored.submission_id
        draft_version = client.get("/api/v1/versions").json()["current"]["id"]
        assert sub not in _dataset_ids(client)
        assert sub.upper() not in _flows(client)
        assert client.get(f"/sdmx/v2.1/data/{sub.upper()}").status_code == 404
        assert client.get(f"/api/v1/datasets/{sub}").status_code == 404

        registry.publish(sub, stored.version, registry.account("admin"))
        published = client.get(f"/sdmx/v2.1/data/{sub.upper()}?format=csvdata")
        assert published.status_code == 200
        published_version = published.headers["X-Atlas-Data-Version-Id"]
        assert published_version != draft_version
        assert sub in _dataset_ids(client)
        # the submission's own dimensions are in its data structure, and every key is unique
        dsd = client.get(f"/sdmx/v2.1/datastructure/PVIGM/DSD_{sub.upper()}/1.0").text
        for dim in ("NATIONALITY", "SUBMISSION_RETURN_TYPE", "ACCOMPANIMENT"):
            assert f'id="{dim}"' in dsd
        frame = pd.read_csv(io.BytesIO(published.content), dtype=str)
        keys = [c for c in frame.columns if c not in ("OBS_VALUE", "OBS_STATUS")]
        assert not frame.duplicated(keys).any()
        assert len(frame) == len(registry.load_version(sub, stored.version))
        # pinned to the version before publication: exactly as it was, without the submission
        assert sub not in _dataset_ids(client, version=draft_version)
        assert client.get(f"/sdmx/v2.1/data/{sub.upper()}?version={draft_version}").status_code == 404

        registry.withdraw(sub, stored.version, registry.account("admin"))
        assert sub not in _dataset_ids(client)
        assert client.get(f"/sdmx/v2.1/data/{sub.upper()}").status_code == 404
        gone = client.get(f"/sdmx/v2.1/data/{sub.upper()}?version={published_version}")
        assert gone.status_code == 410
        problem = client.get(f"/api/v1/datasets?version={published_version}")
        assert problem.status_code == 410
        assert problem.headers["content-type"] == "application/problem+json"
        assert published_version not in problem.json()["kept_versions"]
        assert published_version not in {v.id for v in list_versions(api_env / "versions")}
        assert draft_version in problem.json()["kept_versions"]


def test_old_versions_beyond_the_kept_number_are_deleted(api_env, registry):
    with TestClient(
        create_app(load_settings(rate_limit_per_minute=0, keep_versions=1), versions_root=api_env / "versions")
    ) as client:
        first = client.get("/health").json()["data_version_id"]
        stored = registry.ingest(SUBMISSION.read_bytes(), SUBMISSION.name, "GTM", registry.account("ana.gtm"))
        registry.publish(stored.submission_id, stored.version, registry.account("admin"))
        second = client.get("/health").json()["data_version_id"]
        assert second != first
        assert [v.id for v in list_versions(api_env / "versions")] == [second]
        r = client.get(f"/api/v1/datasets?version={first}")
        assert r.status_code == 410
        assert second in r.json()["detail_en"]


def test_the_api_serves_while_the_registry_database_is_down(api_env, monkeypatch):
    """A registry on PostgreSQL that does not answer (nothing listens on its port): the public data are still
    served; which kept versions hold withdrawn data is checked again on the next request."""
    from common.postgres import free_port
    from etl.submissions.registry import REGISTRY_ERRORS

    monkeypatch.setenv("ATLAS_REGISTRY_URL", f"postgresql+psycopg://atlas@127.0.0.1:{free_port()}/registry")
    from api.versions import load_withdrawn

    with pytest.raises(REGISTRY_ERRORS):
        load_withdrawn()
    with _app(api_env) as client:
        first = client.get(PAIR)
        assert first.status_code == 200, first.text
        assert _values(first)
        assert client.get("/api/v1/datasets").status_code == 200
