"""The submit page in a real browser: it draws its public parts and the sign-in form, offline."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_submit_page_shows_templates_and_sign_in_in_english(page):
    page.goto(f"{page.base_url}/submit?lang=en")
    wait_idle(page)
    page.get_by_role("heading", name="Focal-point data submissions").wait_for()
    page.get_by_role("heading", name="Templates").wait_for()
    page.get_by_role("heading", name="Sign in").wait_for()
    page.get_by_text("Download Excel template (.xlsx)").wait_for()
    page.locator('input[type="password"]').wait_for()


def test_submit_page_template_link_in_spanish(page):
    page.goto(f"{page.base_url}/submit?lang=es&template=foreign_born")
    wait_idle(page)
    page.get_by_role("heading", name="Envío de datos de los puntos focales").wait_for()
    page.get_by_role("heading", name="Plantillas").wait_for()
    assert "template=foreign_born" in page.url  # the chosen template stays in the link
    page.get_by_text("Descargar plantilla CSV").wait_for()


@pytest.fixture(scope="module")
def review_server(tmp_path_factory):
    """The atlas on its own port against a throw-away registry: v1 published, v2 (hostile title) to review."""
    from tests.e2e.submit_screens import build_registry, serve

    with serve(build_registry(tmp_path_factory.mktemp("submit_e2e") / "registry")) as base:
        yield base


def test_the_administrator_reviews_before_publishing_and_no_user_text_becomes_a_link(page, review_server):
    from tests.e2e.submit_screens import open_review, sign_in

    page.goto(f"{review_server}/submit?lang=en&template=[Sign in here](https://evil.example)")
    wait_idle(page)
    page.get_by_role("heading", name="Sign in").wait_for()
    assert "users add" not in page.inner_text("body")  # operator commands are not for visitors
    sign_in(page, "admin")
    open_review(page, "en")
    review = page.locator(".st-key-submit_review")
    review.get_by_text("1 total differs from the published version").wait_for()
    review.get_by_text("Retornos [Inicie sesión aquí](https://evil.example)", exact=False).wait_for()
    assert page.locator('a[href*="evil.example"], img[src*="evil.example"]').count() == 0
    publish = page.get_by_role("button", name="Publish", exact=True)
    assert review.bounding_box()["y"] < publish.bounding_box()["y"]  # the review comes before the button
    page.get_by_role("tab", name="Activity log").click()
    page.get_by_text("The last 200 events", exact=False).wait_for()
