"""A link to a page the atlas does not have lands on a message in the visitor's language with the way on,
not on Streamlit's own untranslated "Page not found" dialog (``atlas.core.navigation``; the browser check of
``/nonexistent?lang=…`` is in tests/e2e/test_map_first_browser.py)."""

from __future__ import annotations

import pytest

from atlas.core.i18n import t
from atlas.core.navigation import NOT_FOUND_PATH, PAGES, compute_unknown_pages
from tests.app.conftest import open_page


@pytest.mark.parametrize(
    ("requested", "seen", "expected"),
    [
        ("", (), []),  # the root: the home page
        ("map", (), []),  # a page of the atlas
        (NOT_FOUND_PATH, (), []),  # registered anyway
        ("nonexistent", (), ["nonexistent"]),
        ("nonexistent", ("old",), ["old", "nonexistent"]),  # remembered for the session (a rerun stays there)
        ("old", ("old",), ["old"]),  # no duplicates
        ("a/b", (), []),  # Streamlit cannot register a nested path
    ],
)
def test_unknown_page_names_become_hidden_pages(requested, seen, expected):
    assert compute_unknown_pages(requested, seen) == expected
    assert not {spec.url_path for spec in PAGES} & set(compute_unknown_pages(requested, seen))


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_not_found_page_says_what_happened_and_links_on_in_the_language(lang):
    at = open_page()
    at.switch_page("atlas/pages/not_found.py")
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    assert at.title[0].value == t("not_found.title", lang)
    assert at.warning[0].value == t("not_found.what_no_path", lang)
    links = {(link.label, link.proto.page) for link in at.get("page_link")}
    labels = {label for label, _ in links}
    assert labels == {t(f"not_found.{p}", lang) for p in ("home", "map", "sources")}
