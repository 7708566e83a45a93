"""The reference cluster in a real browser: two atlas servers behind HAProxy (``deploy.cluster``).

A focal point whose browser HAProxy keeps on server 1 signs in and stores a submission; the regional
administrator, kept on server 2, publishes it; then server 1, server 2 and the load balancer all offer the
published observations. Then server 1 is killed while a map visitor and a focal point are on it: both
pages come back on server 2 by themselves (Streamlit's front end reconnects, HAProxy redispatches), with no
error page, and the submission stored before the kill is still there.

Which server a browser is on is set with HAProxy's sticky cookie and read back from the ``X-Atlas-Server``
header the balancer adds to every answer. Every wait is on something the page or HAProxy shows, bounded.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from deploy.cluster import COOKIE
from tests.e2e.conftest import LOCAL_HOSTS
from tests.e2e.helpers import DECK, WAIT, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.xdist_group("browser")]

STORED = re.compile(r"Stored as (\S+) version (\d+)")


@pytest.fixture(scope="module")
def atlas_cluster(tmp_path_factory):
    """Two servers, the API, HAProxy and a throwaway PostgreSQL, sharing a new registry with two accounts."""
    from deploy.cluster import ClusterError, cluster, find_haproxy
    from etl.submissions.registry import Registry
    from tests.e2e.submit_screens import PASSWORD

    try:
        find_haproxy()
    except ClusterError as err:
        pytest.fail(f"{err}")
    registry = tmp_path_factory.mktemp("cluster_e2e") / "registry"
    with cluster(servers=2, registry=registry) as c:
        # The accounts go where the servers look: the cluster's PostgreSQL registry, files beside it.
        reg = Registry(registry, url=c.registry_url, files=registry)
        reg.add_account("ana.gtm", PASSWORD, "focal_point", "GTM")
        reg.add_account("admin", PASSWORD, "regional_admin")
        yield c


@pytest.fixture
def open_on(browser, atlas_cluster):
    """``open_on(i, path)``: a new browser context kept on server ``i`` by the sticky cookie, at ``path``
    through the load balancer; fails the test if a page asks for anything outside this machine."""
    contexts, outside = [], []

    def open_page(i: int, path: str):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
        context.set_default_timeout(WAIT)
        context.add_cookies([atlas_cluster.cookie(i)])
        contexts.append(context)
        page = context.new_page()
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(("data:", "blob:", "about:")) or (urlparse(r.url).hostname or "") in LOCAL_HOSTS
                else outside.append(r.url)
            ),
        )
        response = page.goto(f"{atlas_cluster.url}{path}")
        assert response.headers.get("x-atlas-server") == atlas_cluster.servers[i].name  # HAProxy kept it there
        wait_idle(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not outside, f"requests left the machine: {outside}"


def wait_for_server(page, name: str, timeout_s: float = 60) -> None:
    """Poll the context's (HttpOnly) sticky cookie until HAProxy has moved the page to server ``name``."""
    deadline = time.monotonic() + timeout_s
    value = None
    while time.monotonic() < deadline:
        value = {c["name"]: c["value"] for c in page.context.cookies()}.get(COOKIE)
        if value == name:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"the page is still on {value!r}, not {name}, {timeout_s:.0f} s after its server died")


def choose(page, key: str, option: str) -> None:
    """Pick ``option`` in the selectbox with key ``key`` and wait until the page has run again."""
    page.locator(f".st-key-{key}").click()
    page.keyboard.type(option)  # the list is virtual: narrow it to the option
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def store_submission(page, changed: bool = False) -> str:
    """Upload the valid fixture (``changed``: with one count changed, so that it is not the same file again) as
    the signed-in focal point, "Validate and store"; the id of the submission it went to."""
    from tests.e2e.submit_screens import VALID

    text = VALID.read_text(encoding="utf-8")
    if changed:
        row = "2020-01,GTM,México,GTM,Total,Mujeres,18 años y más,No aplica,502,"
        assert row in text
        text = text.replace(row, row.replace(",502,", ",503,"), 1)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": VALID.name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}
    )
    page.get_by_role("button", name="Validate and store").click()
    notice = page.get_by_text(STORED).first
    try:
        notice.wait_for(timeout=300_000)
    except PlaywrightTimeout:
        shown = page.locator('[data-testid="stAlert"], [data-testid="stException"]').all_inner_texts()
        pytest.fail(f"no 'Stored as …' notice after 300 s on {page.url}; the page shows: {shown}")
    wait_idle(page)
    return STORED.search(notice.inner_text()).group(1)


def published_csv(page, base: str) -> str:
    """The submit page at ``base``: the published observations' CSV, downloaded as a visitor would."""
    page.goto(f"{base}/submit?lang=en")
    wait_idle(page)
    button = page.get_by_role("button", name="Download the published observations (CSV)")
    button.wait_for(timeout=WAIT)
    with page.expect_download(timeout=WAIT) as download:
        button.click()
    return open(download.value.path(), encoding="utf-8-sig").read()


def test_submitted_on_one_server_published_on_another_is_seen_on_both(atlas_cluster, open_on):
    from tests.e2e.submit_screens import sign_in

    focal = open_on(0, "/submit?lang=en")
    focal.get_by_text("No submissions have been published yet.").wait_for()
    sign_in(focal, "ana.gtm")
    submission = store_submission(focal)

    admin = open_on(1, "/submit?lang=en")
    sign_in(admin, "admin")
    admin.get_by_role("tab", name="Submissions and versions").click()
    admin.get_by_text(f"Review before publishing: {submission} version 1").wait_for(timeout=120_000)
    wait_idle(admin)
    admin.get_by_role("button", name="Publish", exact=True).click()
    # The notice sits in the "Submissions and versions" tab, which the rerun may leave in the background.
    admin.get_by_text(f"{submission} version 1 published.").wait_for(state="attached", timeout=120_000)

    for base in [m.url for m in atlas_cluster.servers] + [atlas_cluster.url]:  # each server directly, then the LB
        text = published_csv(focal, base)
        assert submission in text, f"{base} does not offer {submission} after it was published on server 2"
        assert "GTM" in text


def test_a_killed_server_sends_its_visitors_to_the_other_without_an_error_or_a_lost_submission(atlas_cluster, open_on):
    from etl.submissions.registry import Registry
    from tests.e2e.submit_screens import sign_in

    atlas_cluster.start_member(0)  # the cluster may be shared: server 1 up and in the rotation
    atlas_cluster.wait_status(0, "UP", timeout=120)
    visitor = open_on(0, "/map?lang=en&indicator=population&sel=GTM")
    visitor.locator(DECK).wait_for(timeout=WAIT)
    focal = open_on(0, "/submit?lang=en")
    sign_in(focal, "ana.gtm")
    submission = store_submission(focal, changed=True)

    atlas_cluster.kill(0)
    atlas_cluster.wait_status(0, "DOWN", timeout=120)

    # The front end notices the closed WebSocket, polls /_stcore/health and reconnects: HAProxy sends it to
    # server 2 and sets a new cookie. The page stays as it was (nothing reruns by itself); the visitor's next
    # interaction runs it on server 2 with the values the browser holds.
    for page in (visitor, focal):
        wait_for_server(page, atlas_cluster.servers[1].name)
        page.wait_for_function(
            """() => document.querySelector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]')""",
            timeout=WAIT,
        )
        assert page.get_by_text("Connection error").count() == 0

    # The first rerun of the new session on server 2 restores the view from the URL (sel=GTM), which may
    # absorb the visitor's first pick; a second pick then lands. Bounded: at most two picks.
    mexico = visitor.get_by_role("heading", name="Mexico").first
    for attempt in range(2):
        choose(visitor, "sel", "Mexico")  # another territory's profile, drawn by server 2
        try:
            mexico.wait_for(timeout=WAIT // 4 if attempt == 0 else WAIT)
            break
        except PlaywrightTimeout:
            if attempt == 1:
                visitor.screenshot(path="/tmp/cluster_dbg.png", full_page=True)
                raise
    assert "sel=MEX" in visitor.url and "indicator=population" in visitor.url  # the same view, from the browser
    visitor.locator(DECK).wait_for(timeout=WAIT)

    # The focal point's sign-in lived in server 1's memory: their next click shows the sign-in form; signed in
    # again on server 2, they find the submission stored before the kill.
    choose(focal, "submit_target", f"New version of {submission}")
    focal.get_by_role("heading", name="Sign in").wait_for(timeout=WAIT)
    sign_in(focal, "ana.gtm")
    focal.locator(".st-key-submit_target").click()
    focal.keyboard.type(submission)
    focal.get_by_role("option", name=f"New version of {submission}").wait_for(timeout=WAIT)
    for page in (visitor, focal):
        assert page.locator('[data-testid="stException"]').count() == 0
    registry = atlas_cluster.env["ATLAS_REGISTRY"]
    versions = Registry(registry, url=atlas_cluster.registry_url, files=registry).versions("GTM")
    assert submission in set(versions["submission_id"])
