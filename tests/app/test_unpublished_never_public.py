"""Across the public pages: a draft or withdrawn submission never shows; a published one does.

One registry, one real example submission (IGM Guatemala's returned nationals), and the
pages that list datasets or their numbers, opened in the same process before and after
publication, so the page caches must notice the change too.
"""

from __future__ import annotations

import pytest

from etl.submissions.registry import Registry
from tests.app.conftest import open_page
from tests.app.test_submit_page import PASSWORD, V1

pytestmark = pytest.mark.usefixtures("built_geo")


@pytest.fixture
def registry(tmp_path, monkeypatch):
    target = tmp_path / "registry"
    reg = Registry(target)
    reg.add_account("ana.gtm", PASSWORD, "focal_point", "GTM")
    reg.add_account("admin", PASSWORD, "regional_admin")
    monkeypatch.setenv("ATLAS_REGISTRY", str(target))
    return reg


def _sources_text(lang: str = "en") -> str:
    at = open_page("sources.py", lang=lang)
    assert not at.exception
    return " ".join(df.value.to_csv() for df in at.dataframe) + " ".join(m.value for m in at.markdown)


def _explorer_text() -> str:
    """Everything the explorer shows for returns received, by dataset (options, tables, notices)."""
    at = open_page("explorer.py", lang="en", measure="returns_received", rows="dataset", cols="sex")
    assert not at.exception
    options = " ".join(o for ms in at.multiselect for o in ms.options)
    tables = " ".join(df.value.to_csv() for df in at.dataframe)
    text = " ".join([options, tables, *(m.value for m in at.markdown), *(w.value for w in at.warning)])
    return text.replace("\\", "")  # as a person reads it: Markdown escapes of untrusted text removed


def test_drafts_and_withdrawals_stay_off_public_pages(registry):
    ana, admin = registry.account("ana.gtm"), registry.account("admin")
    stored = registry.ingest(V1.read_bytes(), V1.name, "GTM", ana)
    assert stored.submission_id not in _sources_text()
    assert stored.submission_id not in _explorer_text()

    registry.publish(stored.submission_id, stored.version, admin)
    assert stored.submission_id in _sources_text()
    assert stored.submission_id in _explorer_text()

    registry.withdraw(stored.submission_id, stored.version, admin)
    assert stored.submission_id not in _sources_text("es")
    assert stored.submission_id not in _explorer_text()
