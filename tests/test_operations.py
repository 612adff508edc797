"""Operating the service: incremental and locked builds, interruptions, admin API, analytics, privacy, metrics."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from qa_service.core.answer import Answer
from qa_service.core.documents import load_documents
from qa_service.core.encoder import Encoder
from qa_service.core.errors import BuildError, ConfigError
from qa_service.core.privacy import scrub
from qa_service.runtime.engine import Engine
from qa_service.runtime.index_build import build_index
from qa_service.runtime.index_files import build_lock, list_versions, read_current, versions_dir
from qa_service.runtime.log_store_sqlite import SqliteLogStore
from qa_service.runtime.query_log import QueryLog
from qa_service.settings import Settings
from tests.conftest import ADMIN_TOKEN, DOCUMENTS

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_editing_one_article_re_embeds_only_its_changed_passages(tmp_path: Path, encoder: Encoder) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(DOCUMENTS, docs)
    (docs / "sunscreen.md").write_text("# Sunscreen\n\nWear a broad-spectrum sunscreen every day after treatment.\n")
    first = build_index(load_documents(docs)[0], encoder, tmp_path / "index", chunk_tokens=200)
    assert first.embedded == first.passages and first.reused == 0
    assert first.added == ["pimples-after-microneedling.md", "sunscreen.md"]
    (docs / "sunscreen.md").write_text("# Sunscreen\n\nWear a broad-spectrum sunscreen every day for two weeks.\n")
    (docs / "new.md").write_text("# Makeup\n\nWait 24 hours before applying makeup.\n")
    second = build_index(load_documents(docs)[0], encoder, tmp_path / "index", chunk_tokens=200)
    assert second.embedded == 2 and second.reused == second.passages - 2
    assert second.changed == ["sunscreen.md"] and second.added == ["new.md"] and second.removed == []


def test_a_second_build_at_the_same_time_exits_with_a_clear_message(tmp_path: Path, encoder: Encoder) -> None:
    documents, _ = load_documents(DOCUMENTS)
    with build_lock(tmp_path), pytest.raises(BuildError, match="another index build is running"):
        build_index(documents, encoder, tmp_path, chunk_tokens=200)


class _Interrupting:
    """An encoder that is interrupted (Ctrl-C) in the middle of embedding."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name, self.fingerprint, self.dimension = inner.name, inner.fingerprint, inner.dimension
        self.backend, self.query_backend = inner.backend, inner.query_backend
        self.max_seq_length = inner.max_seq_length

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def encode(self, texts, *, batch_size=32, progress=False):  # noqa: ANN001, ANN201
        raise KeyboardInterrupt

    def encode_queries(self, texts):  # noqa: ANN001, ANN201
        return self.inner.encode_queries(texts)


def test_an_interrupted_build_leaves_the_live_index_and_no_temporary_folder(
    copy_of_index: Path, encoder: Encoder
) -> None:
    live, before = read_current(copy_of_index), list_versions(copy_of_index)
    docs, _ = load_documents(DOCUMENTS)
    changed = [type(d)(**{**d.__dict__, "text": d.text + "\nA new closing sentence.\n"}) for d in docs]
    with pytest.raises(KeyboardInterrupt):
        build_index(changed, _Interrupting(encoder), copy_of_index, chunk_tokens=200)
    assert read_current(copy_of_index) == live and list_versions(copy_of_index) == before
    assert not list(versions_dir(copy_of_index).glob(".tmp-*"))


def test_without_a_configured_token_admin_answers_the_same_401(
    tmp_path: Path, encoder: Encoder, index_dir: Path, client
) -> None:  # noqa: ANN001
    from qa_service.web import create_app

    app = create_app(Settings.from_env({}, index_dir=index_dir, var_dir=tmp_path), engine=Engine(encoder, index_dir))
    tokenless = app.test_client()
    refused = [tokenless.get("/admin/stats", headers=AUTH), tokenless.post("/admin/reload")]
    assert [r.status_code for r in refused] == [401, 401]
    configured = client.get("/admin/stats", headers={"Authorization": "Bearer nope"})  # a token is set there
    assert {r.get_data() for r in refused} == {configured.get_data()}
    assert refused[0].headers["WWW-Authenticate"] == configured.headers["WWW-Authenticate"]


def test_a_short_admin_token_stops_start_up() -> None:
    with pytest.raises(ConfigError, match="QA_ADMIN_TOKEN must be at least 32"):
        Settings.from_env({"QA_ADMIN_TOKEN": "short"})


def test_every_auth_failure_is_the_same_401(client) -> None:  # noqa: ANN001
    responses = [
        client.get("/admin/stats"),
        client.get("/admin/stats", headers={"Authorization": "Bearer nope"}),
        client.get("/admin/stats", headers={"Authorization": ADMIN_TOKEN}),
        client.get("/admin/stats", headers={"Authorization": f"Basic {ADMIN_TOKEN}"}),
        client.post("/admin/reload", headers={"Authorization": f"Bearer {ADMIN_TOKEN}x"}),
    ]
    bodies = {r.get_data() for r in responses}
    assert {r.status_code for r in responses} == {401} and len(bodies) == 1
    assert responses[0].content_type == "application/problem+json"
    assert responses[0].headers["WWW-Authenticate"].startswith("Bearer")


def test_stats_list_unanswered_questions_scrubbed_of_personal_data(client) -> None:  # noqa: ANN001
    client.post(
        "/api/v1/ask",
        json={"question": "What are your opening hours? Email me at jo.smith@example.com or 514-555-0199"},
    )
    client.post("/api/v1/ask", json={"question": "Should I squeeze the pimples?"})
    client.post("/api/v1/ask", json={"question": "I have a fever after microneedling"})
    resp = client.get("/admin/stats", headers=AUTH)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    stats = resp.get_json()
    unanswered = [q["question"] for q in stats["unanswered_questions"]]
    assert "what are your opening hours? email me at [email] or [phone]" in unanswered
    assert "should i squeeze the pimples?" not in unanswered
    assert any(q["question"] == "should i squeeze the pimples?" for q in stats["top_questions"])
    assert stats["urgent"]["urgent"] >= 1 and stats["questions"] >= 3
    assert 0 < stats["answered_rate"] < 1 and stats["per_day"][-1]["questions"] >= 3
    assert "example.com" not in json.dumps(stats) and "555-0199" not in json.dumps(stats)


def test_feedback_is_recorded_and_summarised(client) -> None:  # noqa: ANN001
    ok = client.post(
        "/api/v1/feedback", json={"question": "Should I pop them?", "answer_id": "a.md#1", "helpful": False}
    )
    assert ok.status_code == 202
    for bad in (
        {"question": "q", "answer_id": "a", "helpful": "yes"},
        {"question": "q", "helpful": True},
        {"question": "", "answer_id": "a", "helpful": True},
        {"question": "q", "answer_id": "a", "helpful": True, "x": 1},
    ):
        assert client.post("/api/v1/feedback", json=bad).status_code in (400, 422)
    feedback = client.get("/admin/stats", headers=AUTH).get_json()["feedback"]
    assert (
        feedback["not_helpful"] >= 1 and {"answer_id": "a.md#1", "unhelpful": 1} in feedback["most_unhelpful_answers"]
    )


def test_reload_reports_the_live_version(client, index_dir: Path) -> None:  # noqa: ANN001
    body = client.post("/admin/reload", headers=AUTH).get_json()
    assert body["index_version"] == read_current(index_dir) and body["reloaded"] is False


@pytest.mark.parametrize(
    ("raw", "scrubbed"),
    [
        ("my email is a.b@clinic.ca", "my email is [email]"),
        ("call me at (514) 555-1234 ext 22", "call me at [phone]"),
        ("RAMQ TREM 1234 5678 here", "RAMQ [health-number] here"),
        ("I live at 4500 Sherbrooke St W", "I live at [address]"),
        ("j'habite au 12 rue Sainte-Catherine", "j'habite au [address]"),
        ("My name is Anna Lee and I have bumps", "My name is [name] and I have bumps"),
        ("Je m'appelle Luc, boutons", "Je m'appelle [name], boutons"),
        ("2 weeks after, 3 pimples", "2 weeks after, 3 pimples"),
    ],
)
def test_personal_data_is_scrubbed(raw: str, scrubbed: str) -> None:
    assert scrub(raw) == scrubbed


def _answer(question: str, *, answered: bool) -> Answer:
    """A bare Answer, as the API hands it to the query log."""
    return Answer(question, answered, None, (), None, "disclaimer", "en", "v1")


def test_old_entries_are_deleted_after_the_retention_period(tmp_path: Path) -> None:
    store = QueryLog(SqliteLogStore(tmp_path / "a.sqlite3"), retention_days=90)
    store.record_query(_answer("old", answered=False))
    assert store.flush() == 1
    db = store.store.connection()
    db.execute("UPDATE queries SET ts = ts - 91 * 86400")
    store.record_query(_answer("new", answered=True))
    assert store.purge() == 1
    assert [q.question for q in store.stats().top_questions] == ["new"]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_metrics_request_ids_and_logs_without_questions(client, caplog) -> None:  # noqa: ANN001
    secret = "my very private question about microneedling"
    with caplog.at_level(logging.DEBUG):
        resp = client.post("/api/v1/ask", json={"question": secret}, headers={"X-Request-ID": "abc-123"})
        client.get(f"/api/v1/search?q={secret.replace(' ', '+')}")
    assert resp.headers["X-Request-ID"] == "abc-123"
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
    assert secret not in caplog.text and "private" not in caplog.text
    assert any(getattr(r, "request_id", None) == "abc-123" for r in caplog.records)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'qa_http_requests_total{method="POST",route="/api/v1/ask",status="200"}' in metrics
    assert "qa_index_info{" in metrics and "qa_answers_total" in metrics and "qa_http_request_seconds_bucket" in metrics


def test_queued_questions_are_written_scrubbed_by_the_background_writer(tmp_path: Path) -> None:
    """Requests only queue their question; the writer thread stores it, scrubbed, without anyone flushing."""
    import sqlite3
    import time

    store = QueryLog(SqliteLogStore(tmp_path / "a.sqlite3"), flush_interval=0.05)
    for n in range(3):
        question = f"call me at 514-555-0199 ({n})"
        store.record_query(_answer(question, answered=True))
    reader = sqlite3.connect(tmp_path / "a.sqlite3")
    deadline = time.monotonic() + 10
    while reader.execute("SELECT COUNT(*) FROM queries").fetchone()[0] < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    stored = [q for (q,) in reader.execute("SELECT question FROM queries ORDER BY id")]
    assert stored == [f"call me at [phone] ({n})" for n in range(3)]
    assert store.flush() == 0  # nothing left queued


def _open_store(path: str, results, barrier) -> None:  # noqa: ANN001 - runs in a child process
    barrier.wait()
    try:
        QueryLog(SqliteLogStore(Path(path)))
        results.put("ok")
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        results.put(repr(exc))


def test_workers_starting_together_all_open_the_query_log(tmp_path: Path) -> None:
    """gunicorn forks its workers at once; a 'database is locked' here once stopped the whole server.

    The processes come from a fork server (a clean process started for the purpose), not from this test
    process: forking a process that runs threads (the session app's query-log writer, onnxruntime's pool)
    can copy a lock another thread holds, and the child then waits forever on it."""
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(
        ["qa_service.runtime.log_store_sqlite", "qa_service.runtime.query_log", "tests.test_operations"]
    )
    outcomes = []
    for round_ in range(40):
        results, barrier = ctx.Queue(), ctx.Barrier(4)
        procs = [
            ctx.Process(target=_open_store, args=(str(tmp_path / f"{round_}.sqlite3"), results, barrier))
            for _ in range(4)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(30)
        outcomes += [results.get(timeout=5) for _ in procs]
    assert outcomes == ["ok"] * 160


def test_a_version_is_warmed_up_in_both_languages_before_it_goes_live(encoder: Encoder, index_dir: Path) -> None:
    from qa_service.runtime.engine import WARM_UP

    engine = Engine(encoder, index_dir)
    assert engine.refresh(force=True)
    # each warm-up question went through reading and retrieval (its embedding is in the cache)
    assert engine.query_embeddings.misses == len(WARM_UP) == 2
    assert engine.query_embeddings(WARM_UP[0][0]) is not None and engine.query_embeddings.hits == 1
