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
