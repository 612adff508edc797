"""The search page and the widget in a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from qa_service.core.documents import load_documents
from qa_service.core.encoder import Encoder
from qa_service.runtime.engine import Engine
from qa_service.runtime.index_build import build_index
from qa_service.settings import Settings
from qa_service.web import create_app
from tests.conftest import DATA, DOCUMENTS, PROJECT_ROOT
from tests.live_server import free_port

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
AXE = PROJECT_ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = PROJECT_ROOT / "docs" / "screenshots"
XSS_ARTICLE = """# Products to avoid

## Labels

Never apply products labelled <script>window.__pwned = 1</script> or <img src=x onerror="window.__pwned = 2"> \
to freshly treated skin during the first week.
"""
HOST_PAGE = (PROJECT_ROOT / "examples" / "host-page.html").read_text("utf-8")
# A treatment no hand-written red-flag rule names: its article's own warning sign raises the alarm.
FREEZING_ARTICLE = """---
title: Fat freezing (cryolipolysis) aftercare
language: en
---
# Fat freezing (cryolipolysis) aftercare

## When to call us

- Frostbite: Skin that stays hard, white and numb after the treatment must be assessed the same day.
"""

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is installed by make test")


class _Thread(threading.Thread):
    def __init__(self, app, port: int) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self.server = make_server("127.0.0.1", port, app, threaded=True)

    def run(self) -> None:
        self.server.serve_forever()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[tuple[str, int]]:
    root = tmp_path_factory.mktemp("browser")
    docs = root / "docs"
    shutil.copytree(DOCUMENTS, docs)
    (docs / "products-to-avoid.md").write_text(XSS_ARTICLE)
    (docs / "fat-freezing.md").write_text(FREEZING_ARTICLE)
    shutil.copy(DATA / "library" / "chemical-peel-aftercare.html", docs)  # English only, with its web address
    build_index(load_documents(docs)[0], encoder, root / "index", chunk_tokens=200)
    service_port, host_port = free_port(), free_port()
    settings = Settings.from_env(
        {}, index_dir=root / "index", var_dir=root / "var", cors_origins=f"http://127.0.0.1:{host_port}"
    )
    service = _Thread(create_app(settings, engine=Engine(encoder, root / "index")), service_port)
    service_url = f"http://127.0.0.1:{service_port}"

    def host_app(environ, start_response):  # noqa: ANN001, ANN202 - the clinic's own site, another origin
        page = HOST_PAGE.replace("https://answers.clinic.example", service_url).encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page]

    host = _Thread(host_app, host_port)
    service.start()
    host.start()
    yield service_url, host_port
    service.server.shutdown()
    host.server.shutdown()


@pytest.fixture()
def page(browser):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-CA")
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()


def _ask(page, question: str) -> None:  # noqa: ANN001
    box = page.get_by_role("searchbox")
    box.fill("")
    box.press_sequentially(question, delay=15)  # types like a patient: search-as-you-type


def test_typing_a_question_shows_the_passage_emphasised_and_the_disclaimer(page, servers) -> None:  # noqa: ANN001
    url, _ = servers
    page.goto(url + "/?lang=en")
    _ask(page, "How long do pimples last after microneedling?")
    first = page.locator(".qa-answer").first
    first.wait_for()
    assert "within a few days to a week" in page.locator(".qa-answers").inner_text()
    assert "within a few days to a week" in page.locator(".qa-best").first.inner_text()
    assert page.locator(".qa-term").count() > 0
    assert "Pimples After Microneedling" in first.locator(".qa-source").inner_text()
    assert "consult your practitioner" in page.locator(".qa-disclaimer").inner_text()
    if os.environ.get("QA_UPDATE_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "desktop.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(SHOTS / "phone.png"), full_page=True)


def test_a_red_flag_question_shows_the_alert_above_the_passages(page, servers) -> None:  # noqa: ANN001
    url, _ = servers
    page.goto(url + "/")
    _ask(page, "My pimples after microneedling have pus and I have a fever")
    alert = page.get_by_role("alert")
    alert.wait_for()
    page.locator(".qa-answer").first.wait_for()
    assert "811" in alert.inner_text()
    assert alert.bounding_box()["y"] < page.locator(".qa-answer").first.bounding_box()["y"]


def test_an_alarm_an_article_gives_quotes_that_article_in_the_alert(page, servers) -> None:  # noqa: ANN001
    url, _ = servers
    page.goto(url + "/?lang=en")
    _ask(page, "two days after my cryolipolysis the skin on my belly is still hard and numb")
    alert = page.get_by_role("alert")
    alert.wait_for()
    source = alert.locator(".qa-alert-source")
    source.wait_for()
    assert "Our article “Fat freezing (cryolipolysis) aftercare” says:" in source.inner_text()
    assert "Frostbite: Skin that stays hard, white and numb" in source.inner_text()
    assert "811" in alert.inner_text()  # the urgent level's message


def test_an_out_of_scope_question_says_the_articles_do_not_cover_it(page, servers) -> None:  # noqa: ANN001
    url, _ = servers
    page.goto(url + "/")
    _ask(page, "Who won the hockey game last night?")
    page.locator(".qa-noanswer").wait_for()
    assert "don't cover" in page.locator(".qa-noanswer").inner_text()
    assert page.locator(".qa-answer").count() == 0


def test_french_interface_by_query_and_by_browser_language(page, browser, servers) -> None:  # noqa: ANN001
    url, _ = servers
    page.goto(url + "/?lang=fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Questions sur votre traitement" in page.locator("h1").inner_text()
    assert "Consultez votre praticien" in page.locator(".qa-disclaimer").inner_text()
    _ask(page, "Combien de temps durent les boutons?")
    page.locator(".qa-answer").first.wait_for()
    assert "Consultez votre praticien" in page.locator(".qa-disclaimer").inner_text()
    page.get_by_role("button", name="English").click()
    assert "Ask about your skin treatment" in page.locator("h1").inner_text()
    context = browser.new_context(locale="fr-CA", extra_http_headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    french = context.new_page()
    french.goto(url + "/")
    assert french.locator("html").get_attribute("lang") == "fr"
    context.close()


def test_a_passage_in_the_other_language_says_so_and_links_the_clinics_page(page, servers) -> None:  # noqa: ANN001
    url, _ = servers
    page.goto(url + "/?lang=fr")
    _ask(page, "Quand puis-je reprendre le rétinol après un peeling chimique?")
    first = page.locator(".qa-answer").first
    first.wait_for()
    source = first.locator(".qa-source")
    assert "(en anglais)" in source.inner_text()
    assert first.get_attribute("lang") == "en"  # read out in English by a screen reader
    link = source.get_by_role("link", name="Chemical Peel Aftercare")
    assert link.get_attribute("href") == "https://clinic.example/treatments/chemical-peel-aftercare"


def test_article_markup_is_shown_as_text_and_never_runs(page, servers) -> None:  # noqa: ANN001
    url, _ = servers
    page.goto(url + "/")
    _ask(page, "Which labelled products should I never apply to freshly treated skin?")
    page.locator(".qa-answer").first.wait_for()
    text = page.locator(".qa-answers").inner_text()
    assert "<script>window.__pwned = 1</script>" in text and "<img src=x onerror=" in text
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".qa-answers img, .qa-answers script").count() == 0
    assert page.dialogs == []


def test_keyboard_enter_and_escape(page, servers) -> None:  # noqa: ANN001
    url, _ = servers
    page.goto(url + "/")
    assert page.evaluate("document.activeElement.type") == "search"
    page.keyboard.type("cleanser")
    page.keyboard.press("Enter")
    page.locator(".qa-answer").first.wait_for()
    page.keyboard.press("Escape")
    assert page.get_by_role("searchbox").input_value() == ""
    assert page.locator(".qa-answer").count() == 0


@pytest.mark.parametrize(
    ("status", "expected"), [(429, "Please wait a moment"), (503, "Something went wrong"), (0, "can't reach")]
)
def test_errors_are_human_messages(page, servers, status: int, expected: str) -> None:  # noqa: ANN001
    url, _ = servers
    if status:
        page.route(
            "**/api/v1/ask",
            lambda route: route.fulfill(
                status=status, body=f'{{"status": {status}}}', content_type="application/problem+json"
            ),
        )
    else:
        page.route("**/api/v1/ask", lambda route: route.abort())
    page.goto(url + "/")
    _ask(page, "What is microneedling?")
    page.locator(".qa-error").wait_for()
    message = page.locator(".qa-error").inner_text()
    assert expected in message and "{" not in message
    if status:
        assert str(status) not in message


def test_the_widget_works_on_an_allowed_origin_isolated_from_host_css(page, servers) -> None:  # noqa: ANN001
    _, host_port = servers
    page.goto(f"http://127.0.0.1:{host_port}/")
    _ask(page, "Est-ce normal d'avoir des boutons après le microneedling?")
    page.locator(".qa-answer").first.wait_for()
    assert "Consultez votre praticien" in page.locator(".qa-disclaimer").inner_text()
    color = page.locator(".qa-title").evaluate("el => getComputedStyle(el).color")
    assert color != "rgb(255, 0, 0)"  # the host page paints every element red; the shadow root keeps its look


def test_the_widget_is_refused_from_an_origin_not_listed(page, servers) -> None:  # noqa: ANN001
    _, host_port = servers
    page.goto(f"http://localhost:{host_port}/")
    _ask(page, "What is microneedling?")
    page.locator(".qa-error").wait_for()
    assert page.locator(".qa-answer").count() == 0


def serious_violations(page) -> list[tuple[str, str, str]]:  # noqa: ANN001
    """axe-core's serious and critical findings on the page as it is now (its context must bypass CSP)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice']})"
    )
    return [(v["id"], v["impact"], v["help"]) for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_accessibility_scan_has_no_serious_or_critical_violations(browser, servers) -> None:  # noqa: ANN001
    url, _ = servers
    context = browser.new_context(bypass_csp=True)  # only to inject axe-core itself
    pg = context.new_page()
    for lang, question in (
        ("en", "How long do pimples last?"),
        ("fr", "J'ai de la fièvre"),
        ("en", "after my cryolipolysis the skin is still hard and numb"),  # the alert quoting its article
    ):
        pg.goto(f"{url}/?lang={lang}")
        _ask(pg, question)
        pg.locator(".qa-answer, .qa-noanswer").first.wait_for()
        bad = serious_violations(pg)
        assert bad == [], bad
    context.close()


def test_the_page_sends_security_headers(page, servers) -> None:  # noqa: ANN001
    url, _ = servers
    response = page.goto(url + "/")
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"


def test_no_html_injection_points_in_the_ui_code() -> None:
    for name in ("qa.js", "page.js"):
        source = (PROJECT_ROOT / "qa_service" / "web" / "static" / name).read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in source, (name, sink)
