"""The staff console through the Flask test client, on the tests' own library: sign-in, CSRF, groups of
unanswered questions, pins and synonyms in the content folder, deletions, CSV, and the API's filters."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from qa_service.core.content import ContentError, Pin, default_files
from qa_service.core.documents import load_documents
from qa_service.core.encoder import Encoder
from qa_service.core.question_groups import group_questions
from qa_service.runtime import console_build, content_edits
from qa_service.runtime.content_dir import load_content_dir
from qa_service.runtime.engine import Engine
from qa_service.runtime.index_build import build_index
from qa_service.settings import Settings
from qa_service.web import create_app
from qa_service.web.app_state import state_of
from tests.conftest import ADMIN_TOKEN, ARTICLES, DOCUMENTS

PARAPHRASES = (
    "Do you offer laser hair removal?",
    "can i get laser hair removal at your clinic",
    "is laser hair removal available here",
)


def clinic_folders(root: Path, **overrides: object) -> Settings:
    """The tests' library (the article and two short ones of our own, with tags), default content, and
    the settings of a service on these folders."""
    shutil.copytree(DOCUMENTS, root / "docs")
    for article in ARTICLES.glob("*.md"):
        shutil.copy(article, root / "docs")
    (root / "content").mkdir()
    for name, text in default_files().items():
        (root / "content" / name).write_text(text, "utf-8")
    return Settings.from_env(
        {},
        index_dir=root / "index",
        var_dir=root / "var",
        documents_dir=root / "docs",
        content_dir=root / "content",
        admin_token=ADMIN_TOKEN,
        rate_limit="",
        **overrides,
    )


class Clinic:
    """A clinic's folders (documents, content, index, var) and its app, built from the tests' fixtures."""

    def __init__(self, root: Path, encoder: Encoder) -> None:
        self.root, self.encoder = root, encoder
        self.settings = clinic_folders(root)
        self.rebuild()
        self.app = create_app(self.settings, engine=Engine(encoder, root / "index"))

    def rebuild(self) -> None:
        files, _ = load_content_dir(self.root / "content")
        build_index(
            load_documents(self.root / "docs")[0],
            self.encoder,
            self.root / "index",
            chunk_tokens=self.settings.chunk_tokens,
            content_files=files,
        )
        if hasattr(self, "app"):
            state_of(self.app).engine.refresh(force=True)


@pytest.fixture()
def clinic(tmp_path: Path, encoder: Encoder) -> Clinic:
    return Clinic(tmp_path, encoder)


@pytest.fixture()
def staff(clinic: Clinic) -> Iterator[tuple[object, str]]:
    """A test client signed in to the console, and the page's CSRF token."""
    client = clinic.app.test_client()
    response = client.post("/admin/sign-in", data={"token": ADMIN_TOKEN})
    assert response.status_code == 303
    yield client, _csrf(client.get("/admin/").get_data(as_text=True))


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def test_groups_follow_meaning_and_counts() -> None:
    vectors = np.array([[1.0, 0.0], [0.96, 0.28], [0.0, 1.0], [0.99, 0.14]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    groups = group_questions([("a", 3), ("b", 1), ("c", 2), ("d", 1)], vectors)
    assert [(g.label, g.count, [t for t, _ in g.examples]) for g in groups] == [
        ("a", 5, ["a", "b", "d"]),
        ("c", 2, ["c"]),
    ]


def test_sign_in_sets_a_strict_http_only_cookie_and_a_wrong_token_is_refused(clinic: Clinic) -> None:
    client = clinic.app.test_client()
    assert "Sign in" in client.get("/admin/?lang=en").get_data(as_text=True)
    assert client.post("/admin/sign-in", data={"token": "wrong" * 8}).headers["Location"].startswith("/admin/?failed")
    assert client.get("/admin/export/per-day.csv").status_code == 401
    cookie = client.post("/admin/sign-in", data={"token": ADMIN_TOKEN}).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin" in cookie and "Secure" not in cookie
    secure = clinic.app.test_client().post("/admin/sign-in", data={"token": ADMIN_TOKEN}, base_url="https://localhost")
    assert "Secure" in secure.headers["Set-Cookie"]
    page = client.get("/admin/?lang=fr")
    assert page.status_code == 200 and "Console du personnel" in page.get_data(as_text=True)
    assert (
        page.headers["Cache-Control"] == "no-store" and "script-src 'self'" in page.headers["Content-Security-Policy"]
    )


def test_changes_need_the_sessions_csrf_token(staff: tuple[object, str], clinic: Clinic) -> None:
    client, csrf = staff
    for token in (None, "0" * 64):
        data = {"question": "x", "passage": "y"} | ({"csrf_token": token} if token else {})
        refused = client.post("/admin/pins", data=data)  # type: ignore[attr-defined]
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert client.post("/admin/reload").status_code == 403  # type: ignore[attr-defined]
    assert client.post("/admin/reload", headers={"X-CSRF-Token": csrf}).status_code == 200  # type: ignore[attr-defined]
    bearer = clinic.app.test_client().post("/admin/reload", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert bearer.status_code == 200  # a script's bearer token carries no ambient credential


def test_sign_out_ends_the_session_even_for_a_copied_cookie(staff: tuple[object, str], clinic: Clinic) -> None:
    client, csrf = staff
    cookie = client.get_cookie("qa_staff", path="/admin")  # type: ignore[attr-defined]
    assert client.post("/admin/sign-out", data={"csrf_token": csrf}).status_code == 303  # type: ignore[attr-defined]
    thief = clinic.app.test_client()
    thief.set_cookie("qa_staff", cookie.value, path="/admin")
    assert thief.get("/admin/stats").status_code == 401
    assert "Sign in" in thief.get("/admin/?lang=en").get_data(as_text=True)


def test_three_paraphrases_form_one_unanswered_group_and_export_as_csv(
    staff: tuple[object, str], clinic: Clinic
) -> None:
    client, _ = staff
    patients = clinic.app.test_client()
    for question in PARAPHRASES:
        assert patients.post("/api/v1/ask", json={"question": question}).json["answered"] is False
    patients.post("/api/v1/ask", json={"question": '=HYPERLINK("http://evil.example")'})
    html = client.get("/admin/?lang=en").get_data(as_text=True)  # type: ignore[attr-defined]
    counts = re.findall(r'qa-count">(\d+)<', html)
    assert counts[0] == "3" and counts.count("3") == 1
    assert 'class="qa-chart"' in html and "<rect" in html
    rows = list(csv.reader(io.StringIO(client.get("/admin/export/unanswered.csv").get_data(as_text=True))))  # type: ignore[attr-defined]
    assert rows[0] == ["group", "count", "wording", "wording_count"]
    assert sorted(r[2] for r in rows[1:] if r[1] == "3") == sorted(q.lower() for q in PARAPHRASES)
    assert all(not cell.startswith("=") for row in rows for cell in row)  # no formula reaches a spreadsheet
    assert any(cell.startswith("'=hyperlink") for row in rows for cell in row)


def test_a_deleted_question_leaves_the_log_and_the_deletion_is_logged_without_text(
    staff: tuple[object, str], clinic: Clinic
) -> None:
    client, csrf = staff
    clinic.app.test_client().post("/api/v1/ask", json={"question": PARAPHRASES[0]})
    done = client.post("/admin/questions/delete", data={"csrf_token": csrf, "question": PARAPHRASES[0]})  # type: ignore[attr-defined]
    assert "deleted%3A1" in done.headers["Location"]
    store = state_of(clinic.app).query_log.store
    assert store.rows("SELECT COUNT(*) FROM queries")[0][0] == 0
    assert store.rows("SELECT rows, reason FROM deletions") == [(1, "deleted by staff")]
    columns = [row[1] for row in store.rows("PRAGMA table_info(deletions)")]
    assert "question" not in columns


def test_a_pin_puts_its_passage_first_after_a_rebuild(staff: tuple[object, str], clinic: Clinic) -> None:
    client, csrf = staff
    question = "When will my skin look normal again?"
    found = client.get("/admin/", query_string={"find": question}).get_data(as_text=True)  # type: ignore[attr-defined]
    ids = re.findall(r'name="passage" value="([^"]+)"', found)
    assert len(ids) >= 3
    before = clinic.app.test_client().post("/api/v1/ask", json={"question": question}).json
    chosen = next(i for i in ids if i != before["answers"][0]["id"])
    client.post("/admin/pins", data={"csrf_token": csrf, "question": question, "passage": chosen, "threshold": "0.8"})  # type: ignore[attr-defined]
    assert clinic.app.test_client().post("/api/v1/ask", json={"question": question}).json["answers"][0]["id"] != chosen
    clinic.rebuild()
    after = clinic.app.test_client().post("/api/v1/ask", json={"question": "when does my skin look normal again"}).json
    assert after["answers"][0]["id"] == chosen and after["answers"][0]["pinned"] is True
    assert after["answers"][0]["confidence"] >= max(a["confidence"] for a in after["answers"])
    unrelated = clinic.app.test_client().post(
        "/api/v1/ask", json={"question": "How long do lips stay swollen after filler?"}
    )
    assert unrelated.json["answers"][0]["pinned"] is False


def test_pins_and_synonyms_are_validated_and_keep_staffs_comments(clinic: Clinic) -> None:
    folder = clinic.root / "content"
    with pytest.raises(ContentError, match=r"pins.yaml:\d+: threshold"):
        content_edits.add_pin(folder, Pin("a question", "doc.md#1", 0.2))
    (folder / "pins.yaml").write_text("pins:\n  - question: ok\n")
    with pytest.raises(ContentError, match=r"pins.yaml:2: each pin needs a question and a passage id"):
        load_content_dir(folder)
    (folder / "pins.yaml").unlink()  # an older content folder has none: nothing pinned
    assert load_content_dir(folder)[1].pins == ()
    before = (folder / "lexicon.yaml").read_text()
    content_edits.add_synonym(folder, "Zitz", "pimples", "en")
    after = (folder / "lexicon.yaml").read_text()
    assert after.startswith(before.split("\n", 1)[0]) and "  zitz: pimples" in after
    assert load_content_dir(folder)[1].lexicon.lay_en["zitz"] == "pimples"
    with pytest.raises(ValueError, match="already"):
        content_edits.add_synonym(folder, "zitz", "acne", "en")
    with pytest.raises(ValueError, match="one word"):
        content_edits.add_synonym(folder, "two words", "acne", "en")


def test_filters_keep_answers_to_a_document_a_language_or_tags(clinic: Clinic) -> None:
    client = clinic.app.test_client()
    question = "How long does swelling last?"
    by_tag = client.post("/api/v1/ask", json={"question": question, "filters": {"tags": ["filler"]}, "top_k": 5}).json
    assert by_tag["answers"] and {a["document"]["id"] for a in by_tag["answers"]} == {"lip-filler-aftercare.md"}
    doc = "sunscreen-after-treatments.md"
    by_doc = client.get("/api/v1/search", query_string={"q": question, "document": doc}).json
    assert {a["document"]["id"] for a in by_doc["answers"]} == {doc}
    french = client.get("/api/v1/search", query_string={"q": question, "lang": "fr"}).json
    assert french["answers"] == [] and french["answered"] is False  # the library has no French article
    both = client.get("/api/v1/search", query_string={"q": question, "tag": ["filler", "sun-care"]}).json
    assert both["answers"] == []
    info = client.get("/api/v1/info").json
    assert {d["id"]: d["tags"] for d in info["documents"]}["lip-filler-aftercare.md"] == ["filler", "injectables"]
    for bad in ({"lang": "de"}, {"tags": "filler"}, {"tags": [""]}, {"document": ""}, {"colour": "red"}, []):
        refused = client.post("/api/v1/ask", json={"question": question, "filters": bad})
        assert refused.status_code == 400 and refused.mimetype == "application/problem+json", bad


def test_a_rebuild_the_gate_refuses_says_why_and_the_live_version_stays(
    staff: tuple[object, str], clinic: Clinic
) -> None:
    client, csrf = staff
    engine = state_of(clinic.app).engine
    live = engine.retriever.version
    found = {"id": "x0", "kind": "answerable", "lang": "en", "question": "How long until the pimples go away?"}
    impossible = {"id": "x1", "kind": "answerable", "lang": "en", "question": "What is the clinic's fax number?"}
    (clinic.root / "content" / "gate_questions.jsonl").write_text(
        json.dumps({**found, "gold": ["within a few days to a week"]})
        + "\n"
        + json.dumps({**impossible, "gold": ["a phrase no article holds"]})
        + "\n"
    )
    assert client.post("/admin/rebuild", data={"csrf_token": csrf}).status_code == 303  # type: ignore[attr-defined]
    status = console_build.read_status(clinic.settings)
    give_up = time.monotonic() + 600  # a hung child fails the test instead of hanging the suite
    while status is not None and status.state == "running" and time.monotonic() < give_up:
        time.sleep(0.2)  # the child process reports when it ends; the test waits for that, not a fixed time
        status = console_build.read_status(clinic.settings)
    assert status is not None and status.state == "refused", status
    assert status.outcome is not None and status.outcome.gate is not None  # the typed outcome, not output text
    assert "quality gate refused" in status.message and status.outcome.gate.problems
    assert "recall@3" in status.outcome.gate.table
    assert engine.retriever.version == live
    page = client.get("/admin/?lang=en").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "The quality gate refused the last build" in page and "quality gate refused the new index" in page


FREEZING = """---
title: Fat freezing aftercare
language: en
---
# Fat freezing aftercare

## When to call us

- Frostbite: Skin that stays hard, white and numb after the treatment must be assessed the same day.
- Allergy: Hives with swelling of the tongue is an emergency; call 911.
"""


def test_the_console_lists_the_warning_signs_the_articles_give_for_review(
    staff: tuple[object, str], clinic: Clinic
) -> None:
    client, _ = staff
    before = client.get("/admin/").get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'id="h-warnings"' in before and 'id="warnings"' not in before  # none of the tests' articles gives one
    (clinic.root / "docs" / "fat-freezing.md").write_text(FREEZING, "utf-8")
    clinic.rebuild()
    html = client.get("/admin/").get_data(as_text=True)  # type: ignore[attr-defined]
    table = html[html.index('id="warnings"') : html.index("</table>", html.index('id="warnings"'))]
    assert "Frostbite: Skin that stays hard, white and numb" in table and "urgent (the clinic today)" in table
    assert "call 911" in table and "emergency (911)" in table
    french = client.get("/admin/?lang=fr").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Signes d&#39;alerte que les articles énumèrent" in french and "urgence (911)" in french


def test_the_console_lists_the_after_effects_the_articles_call_expected(staff: tuple[object, str]) -> None:
    """Beside the warning signs, what lifts an urgent alarm: the sentences that call an effect expected."""
    client, _ = staff
    html = client.get("/admin/").get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'id="h-expected"' in html and 'id="expected"' in html
    table = html[html.index('id="expected"') : html.index("</table>", html.index('id="expected"'))]
    assert "normal" in table and "Pimples" in table  # the tests' article calls its breakouts normal
    french = client.get("/admin/?lang=fr").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Effets que les articles disent attendus" in french


def test_on_a_large_library_the_console_lists_the_first_passages_signs_and_says_so(
    staff: tuple[object, str], clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa_service.core import retrieval

    client, _ = staff
    (clinic.root / "docs" / "fat-freezing.md").write_text(FREEZING, "utf-8")
    clinic.rebuild()
    monkeypatch.setattr(retrieval, "WARNING_SCAN", 3)  # as if the library were larger than the console reads
    html = client.get("/admin/").get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'id="warnings-partial"' in html and "Read in the first 3 passages of the library only" in html
