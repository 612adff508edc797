"""The staff console in real headless Chromium (Debian's) against a real server on 127.0.0.1: sign-in,
charts, a group of paraphrases, a pin made live by a rebuild started from the page (the real
`qa-service build-index` in a child process), CSRF, and an axe-core scan."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa_service.core.documents import load_documents
from qa_service.core.encoder import Encoder
from qa_service.runtime.engine import Engine
from qa_service.runtime.index_build import build_index
from qa_service.web import create_app
from tests.conftest import ADMIN_TOKEN
from tests.live_server import free_port
from tests.test_browser import CHROMIUM, SHOTS, _Thread, serious_violations
from tests.test_console import clinic_folders

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is installed by make test")
PARAPHRASES = (
    "Do you offer laser hair removal?",
    "can i get laser hair removal at your clinic",
    "is laser hair removal available here",
)
PINNED_QUESTION = "When will my skin look normal again?"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[str]:
    root = tmp_path_factory.mktemp("console")
    settings = clinic_folders(root, reload_interval=0.5)
    build_index(load_documents(root / "docs")[0], encoder, root / "index", chunk_tokens=settings.chunk_tokens)
    port = free_port()
    server = _Thread(create_app(settings, engine=Engine(encoder, root / "index")), port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.server.shutdown()


def _ask(url: str, question: str) -> dict:
    request = urllib.request.Request(
        url + "/api/v1/ask", json.dumps({"question": question}).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback test server
        return json.loads(response.read())


@pytest.fixture()
def staff_page(browser, console):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-CA")
    page = context.new_page()
    page.goto(console + "/admin/")
    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Staff console", level=1).wait_for()
    yield page
    context.close()


def test_a_wrong_token_is_refused_and_the_page_asks_again(browser, console) -> None:  # noqa: ANN001
    context = browser.new_context(locale="fr-CA")
    page = context.new_page()
    page.goto(console + "/admin/")
    page.get_by_label("Jeton d'administration").fill("not-the-token-" * 3)
    page.get_by_role("button", name="Se connecter").click()
    assert "n'est pas le jeton" in page.get_by_role("alert").inner_text()
    context.close()


def test_paraphrases_form_one_group_and_the_chart_shows_the_day(staff_page, console) -> None:  # noqa: ANN001
    for question in PARAPHRASES:
        assert _ask(console, question)["answered"] is False
    _ask(console, "How long do pimples last after microneedling?")
    staff_page.reload()
    first = staff_page.locator("#unanswered-groups tbody tr").first
    assert first.locator(".qa-count").inner_text() == "3"
    wordings = first.locator(".qa-wordings").inner_text().lower()
    assert all(q.lower() in wordings for q in PARAPHRASES)
    bars = staff_page.locator("#chart-questions rect")
    assert bars.count() >= 2  # today's answered and unanswered parts
    assert int(staff_page.locator("#fig-questions").inner_text()) >= 4
    title = staff_page.locator("#chart-questions g.qa-day title").last.text_content()
    assert "answered" in title and "3 not answered" in title


def test_a_pin_made_and_rebuilt_from_the_page_comes_first_in_the_api(staff_page, console) -> None:  # noqa: ANN001
    before = _ask(console, PINNED_QUESTION)["answers"][0]["id"]
    staff_page.get_by_label("Question", exact=True).fill(PINNED_QUESTION)
    staff_page.get_by_role("button", name="Search").click()
    found = staff_page.locator("#found > li")
    found.first.wait_for()
    target = next(i for i in range(found.count()) if before not in found.nth(i).inner_text())
    chosen = found.nth(target).locator("input[name=passage]").get_attribute("value")
    found.nth(target).get_by_role("button", name="Pin for this question").click()
    assert "Rebuild the index to make it live" in staff_page.get_by_role("status").first.inner_text()
    assert PINNED_QUESTION in staff_page.locator("#pins").inner_text()
    staff_page.get_by_role("button", name="Rebuild now").click()
    staff_page.locator("#build-status.qa-build-live").wait_for(timeout=180_000)  # the page refreshes itself
    for _ in range(40):  # the server reloads the new version as soon as the build ends
        answer = _ask(console, PINNED_QUESTION)["answers"][0]
        if answer["id"] == chosen:
            break
        staff_page.wait_for_timeout(250)
    assert answer["id"] == chosen and answer["pinned"] is True
    if os.environ.get("QA_UPDATE_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        staff_page.goto(console + "/admin/?days=7")
        staff_page.screenshot(path=str(SHOTS / "console.png"), full_page=True)


def test_a_change_without_the_csrf_token_is_refused(staff_page, console) -> None:  # noqa: ANN001
    post = (
        "async () => (await fetch('/admin/rebuild', {method: 'POST', body: new URLSearchParams({days: '30'})})).status"
    )
    status = staff_page.evaluate(post)
    assert status == 403
    outsider = staff_page.context.browser.new_context()
    other = outsider.new_page()
    other.goto(console + "/")  # the patients' page: a page of this origin without a session
    status = other.evaluate("async () => (await fetch('/admin/rebuild', {method: 'POST'})).status")
    assert status == 401  # no session at all
    outsider.close()


def test_the_console_has_no_serious_or_critical_accessibility_violations(browser, console) -> None:  # noqa: ANN001
    context = browser.new_context(bypass_csp=True)  # only to inject axe-core itself
    page = context.new_page()
    page.goto(console + "/admin/?lang=fr")
    page.get_by_label("Jeton d'administration").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Se connecter").click()
    for lang in ("fr", "en"):
        page.goto(f"{console}/admin/?lang={lang}&find=rougeurs")
        bad = serious_violations(page)
        assert bad == [], bad
    context.close()


def test_the_patients_page_filters_by_topic(browser, console) -> None:  # noqa: ANN001
    context = browser.new_context(locale="en-CA")
    page = context.new_page()
    page.goto(console + "/?lang=en")
    topic = page.get_by_label("Topic")
    topic.wait_for()
    assert topic.locator("option").all_inner_texts() == ["All topics", "filler", "injectables", "sun care"]
    topic.select_option("filler")
    page.get_by_role("searchbox").fill("How long does swelling last?")
    page.get_by_role("button", name="Search").click()
    page.locator(".qa-answer").first.wait_for()
    sources = page.locator(".qa-answer .qa-source").all_inner_texts()
    assert sources and all("Lips After Hyaluronic Acid Filler" in s for s in sources)
    context.close()
