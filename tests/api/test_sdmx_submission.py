"""SDMX-CSV submissions: what the API serves for a published submission, with the template's metadata block on
top, goes through the submission validator as the template does and stores the same observations; its mistakes
get the same report (rows, columns, codes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import load_settings
from etl.submissions.registry import Registry
from etl.submissions.validate import validate_submission

FIXTURE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "submissions" / "valid" / "gtm_returns_igm_2020_2023_es.csv"
)
PASSWORD = "correct horse battery staple"
KEY = [
    "measure",
    "ref_area",
    "counterpart_area",
    "time_period",
    "sex",
    "age",
    "dim_1",
    "dim_2",
    "dim_3",
    "value",
    "obs_status",
]


@pytest.fixture
def published(api_env):
    """The fixture submission, ingested and published, and the SDMX-CSV the API serves for it."""
    reg = Registry(api_env / "registry")
    reg.add_account("ana.gtm", PASSWORD, "focal_point", "GTM")
    reg.add_account("admin", PASSWORD, "regional_admin")
    stored = reg.ingest(FIXTURE.read_bytes(), FIXTURE.name, "GTM", reg.account("ana.gtm"))
    reg.publish(stored.submission_id, stored.version, reg.account("admin"))
    app = create_app(load_settings(rate_limit_per_minute=0), versions_root=api_env / "versions")
    with TestClient(app) as client:
        r = client.get(f"/sdmx/v2.1/data/{stored.submission_id.upper()}?format=csvdata")
    assert r.status_code == 200, r.text
    metadata = "".join(
        line for line in FIXTURE.read_text(encoding="utf-8").splitlines(keepends=True) if line.startswith("#")
    )
    return reg, stored, metadata, r.content.decode("utf-8")


def _rows(frame):
    return frame[KEY].astype(str).sort_values(KEY).reset_index(drop=True)


def test_sdmx_csv_of_a_published_structure_is_accepted_and_stores_the_same_numbers(published):
    reg, stored, metadata, sdmx_csv = published
    data = (metadata + sdmx_csv).encode("utf-8")
    validation = validate_submission(data, "gtm_returns.sdmx.csv", "GTM")
    assert validation.valid, [p.message("en") for p in validation.report.errors][:5]
    assert validation.kind.id == "returns"
    again = reg.ingest(data, "gtm_returns.sdmx.csv", "GTM", reg.account("ana.gtm"), submission_id=stored.submission_id)
    assert again.stored and again.version == stored.version + 1
    assert _rows(reg.load_version(stored.submission_id, again.version)).equals(
        _rows(reg.load_version(stored.submission_id, stored.version))
    )


def test_sdmx_csv_mistakes_get_the_template_report(published):
    _, _, metadata, sdmx_csv = published
    lines = sdmx_csv.splitlines()
    header = lines[0].split(",")
    first = lines[1].split(",")
    first[header.index("REF_AREA")] = "XXX"
    second = lines[2].split(",")
    second[header.index("OBS_VALUE")] = "-5"
    broken = "\n".join(
        [lines[0] + ",FOO", ",".join(first) + ",", ",".join(second) + ",", *[line + "," for line in lines[3:]]]
    )
    report = validate_submission((metadata + broken + "\n").encode(), "broken.sdmx.csv", "GTM").report
    codes = {p.code for p in report.errors}
    assert "header_unknown" in codes and any(p.column == "FOO" for p in report.errors)
    bad_rows = {p.row for p in report.errors if p.code != "header_unknown"}
    offset = metadata.count("\n") + 1  # the header line
    assert {offset + 1, offset + 2} <= bad_rows
    assert any("XXX" in p.message("en") for p in report.errors)
