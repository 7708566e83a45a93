"""The submit page against a throw-away registry, in a real browser: shared by the e2e test and the screenshots.

``python -m tests.e2e.submit_screens`` (from the repository root) saves the screenshots of
``docs/screenshots/submit_*.png``: the page signed out, and signed in as a regional administrator
with the review of a corrected version (one total flagged, a title holding Markdown link syntax)
open before the publish button, at 1440x900 and 390x844.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from atlas.core.server import serving
from tests.e2e.helpers import WAIT, wait_idle

ROOT = Path(__file__).resolve().parents[2]
VALID = ROOT / "tests" / "fixtures" / "submissions" / "valid" / "gtm_returns_igm_2020_2023_es.csv"
PASSWORD = "correct horse battery staple"
HOSTILE_TITLE = "Retornos [Inicie sesión aquí](https://evil.example) ![x](https://evil.example/p.png)"
SIZES = {"desktop": (1440, 900), "mobile": (390, 844)}


def build_registry(path: Path) -> Path:
    """Accounts ana.gtm and admin; v1 published; v2 (one count changed, a hostile title) awaiting review."""
    from etl.submissions.registry import Registry

    reg = Registry(path)
    reg.add_account("ana.gtm", PASSWORD, "focal_point", "GTM")
    reg.add_account("admin", PASSWORD, "regional_admin")
    ana, admin = reg.account("ana.gtm"), reg.account("admin")
    first = reg.ingest(VALID.read_bytes(), VALID.name, "GTM", ana)
    reg.publish(first.submission_id, 1, admin)
    text = VALID.read_text(encoding="utf-8")
    text = re.sub(r"# Título: .*", lambda _: f"# Título: {HOSTILE_TITLE}", text, count=1)
    row = "2020-01,GTM,México,GTM,Total,Mujeres,18 años y más,No aplica,502,"
    text = text.replace(row, row.replace(",502,", ",5020,"), 1)
    reg.ingest(text.encode("utf-8"), "retornos_2020_2023_corregido.csv", "GTM", ana, submission_id=first.submission_id)
    return path


@contextlib.contextmanager
def serve(registry: Path) -> Iterator[str]:
    """The atlas served by ``streamlit run`` on a free port with ``ATLAS_REGISTRY=registry``; yields its URL."""
    with serving(env={"ATLAS_REGISTRY": str(registry)}) as (_proc, base):
        yield base


def sign_in(page, user: str, password: str = PASSWORD) -> None:
    page.locator('input[autocomplete="username"]').fill(user)
    page.locator('input[type="password"]').fill(password)
    page.get_by_role("button", name=re.compile("^(Sign in|Iniciar sesión)$")).click()
    page.get_by_role("button", name=re.compile("^(Sign out|Cerrar sesión)$")).wait_for(timeout=WAIT)
    wait_idle(page)


def open_review(page, lang: str) -> None:
    """The "Submissions and versions" tab, where the review of the selected version sits above the publish button."""
    page.get_by_role("tab", name={"en": "Submissions and versions", "es": "Envíos y versiones"}[lang]).click()
    page.locator(".st-key-submit_review").wait_for(timeout=WAIT)
    wait_idle(page)


def settle(page) -> None:
    """Wait until the script is done and no element is still a loading placeholder."""
    wait_idle(page)
    page.wait_for_function("""() => !document.querySelector('[data-testid="stSkeleton"]')""", timeout=WAIT)
    page.wait_for_timeout(800)  # the tables' canvases draw after they mount


def shoot(page, selector: str, path: Path, nth: int = 0, offset: int = 72) -> None:
    """Scroll the ``nth`` element matching ``selector`` to the top of the view, let it draw, save the viewport."""
    page.locator(selector).nth(nth).evaluate(
        """(e, offset) => {
        let box = e.parentElement;   // the page's scrolling container
        while (box && !(['auto', 'scroll'].includes(getComputedStyle(box).overflowY)
                        && box.scrollHeight > box.clientHeight + 1)) box = box.parentElement;
        box = box || document.scrollingElement;
        box.scrollTop += e.getBoundingClientRect().top - box.getBoundingClientRect().top - offset;
    }""",
        offset,
    )
    page.wait_for_timeout(600)
    page.screenshot(path=path)


def check_a_hostile_file(page, lang: str) -> None:
    """Upload a file whose name is Markdown link syntax and whose first territory is a formula; "validate only"."""
    text = VALID.read_text(encoding="utf-8").replace(
        "2020-01,GTM,México", '2020-01,=HYPERLINK("https://evil.example"),México', 1
    )
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": "[Sign in here](https://evil.example).csv", "mimeType": "text/csv", "buffer": text.encode("utf-8")}
    )
    page.get_by_role("button", name={"en": "Validate only", "es": "Solo validar"}[lang]).click()
    page.locator('[data-testid="stAlert"]').filter(has_text=re.compile("File|Archivo")).wait_for(timeout=120_000)
    wait_idle(page)


def main() -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(build_registry(Path(tmp) / "registry")) as base,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for name, (width, height) in SIZES.items():
            lang = "en" if name == "desktop" else "es"
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{base}/submit?lang={lang}")
            page.get_by_role("heading", name=re.compile("Sign in|Iniciar sesión")).wait_for(timeout=WAIT)
            settle(page)
            page.screenshot(path=out / f"submit_signed_out_{name}.png")
            shoot(page, ".st-key-submit_template_downloads", out / f"submit_sign_in_{name}.png")
            sign_in(page, "admin")
            open_review(page, lang)
            settle(page)
            shoot(page, ".st-key-submit_review", out / f"submit_admin_review_{name}.png")
            shoot(
                page,
                '.st-key-submit_review [data-testid="stDataFrame"]',
                out / f"submit_admin_review_totals_{name}.png",
                nth=1,
                offset=120,
            )
            page.get_by_role("button", name=re.compile("^(Sign out|Cerrar sesión)$")).click()
            page.get_by_role("heading", name=re.compile("Sign in|Iniciar sesión")).wait_for(timeout=WAIT)
            sign_in(page, "ana.gtm")
            check_a_hostile_file(page, lang)
            settle(page)
            shoot(page, '[data-testid="stFileUploader"]', out / f"submit_focal_upload_{name}.png", offset=140)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
