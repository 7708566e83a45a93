"""Fixtures of the API tests: the built store, an empty registry of this test's own, kept versions in a temporary
directory, a TestClient on the real application, and the vendored SDMX-ML 2.1 schemas."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from api.app import create_app
from api.settings import load_settings
from tests.store_fixture import built_store  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "vendor" / "reference" / "sdmx_ml_2_1_schemas" / "SDMXMessage.xsd"


@pytest.fixture(scope="session")
def sdmx_schema() -> etree.XMLSchema:
    """The official SDMX-ML 2.1 schemas (vendored, PROVENANCE §8), offline."""
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def assert_valid(schema: etree.XMLSchema, body: bytes) -> etree._Element:
    """Parse ``body`` and assert that the SDMX-ML 2.1 schemas accept it (the errors are shown when not)."""
    doc = etree.fromstring(body)
    assert schema.validate(doc), [str(e) for e in schema.error_log][:5]
    return doc


@pytest.fixture
def api_env(tmp_path, monkeypatch, built_store):  # noqa: F811
    """An empty registry and a versions directory of this test's own; the built store."""
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "registry"))
    monkeypatch.setenv("ATLAS_API_VERSIONS", str(tmp_path / "versions"))
    return tmp_path


@pytest.fixture(scope="module")
def client(tmp_path_factory, built_store) -> TestClient:  # noqa: F811
    """The real application (no rate limit) over the built store, with an empty registry; shared by a module's
    read-only tests."""
    root = tmp_path_factory.mktemp("api")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ATLAS_REGISTRY", str(root / "registry"))
        mp.setenv("ATLAS_API_VERSIONS", str(root / "versions"))
        app = create_app(load_settings(rate_limit_per_minute=0), versions_root=root / "versions")
        with TestClient(app) as c:
            yield c
