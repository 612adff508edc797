"""The staff console at ``/admin/``: what patients ask, what goes unanswered, and curating the answers.

Server-rendered HTML with plain forms (no script needed, charts as SVG). Sign-in turns the admin token
into a session cookie (``staff_session``); every change also needs the session's CSRF token. Pins and
synonyms are written to the content folder and go live with a rebuild started from the page.
"""

from __future__ import annotations

import csv
import io
import logging
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request

import qa_service.web.console_view as console_view
import qa_service.web.staff_session as staff_session
from qa_service.core import retrieval as retrieval_module
from qa_service.core.answer import answer_question
from qa_service.core.content import ContentError, Pin
from qa_service.core.errors import QAError
from qa_service.runtime import console_build, content_edits, log_reports
from qa_service.runtime.log_store import LogStoreError
from qa_service.web.app_state import app_state
from qa_service.web.errors import problem
from qa_service.web.pages import PAGE_CSP, page_language
from qa_service.web.staff import is_admin_token
from qa_service.web.words import language_names, words

log = logging.getLogger(__name__)
bp = Blueprint("console", __name__, url_prefix="/admin")
PUBLIC = {"console.page", "console.sign_in"}
EXPORTS = ("per-day", "unanswered", "unhelpful")


def _settings() -> Any:
    return app_state().settings


def _lang() -> str:
    return page_language()


def _days() -> int:
    raw = request.values.get("days", "30")
    return int(raw) if raw in {str(d) for d in console_view.PERIODS} else 30


def _back(**extra: str | int) -> Response:
    """Back to the page (303: the browser follows with GET), keeping the period and language."""
    query = {"days": _days(), "lang": _lang(), **extra}
    return redirect("/admin/?" + urlencode(query), 303)  # type: ignore[return-value]


@bp.before_request
def _authenticate() -> Response | None:
    return None if request.endpoint in PUBLIC else staff_session.refusal()


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


@bp.get("/")
def page() -> Response:
    lang = _lang()
    text = words(lang, "console")
    sid = staff_session.session_id()
    if sid is None:
        html = render_template(
            "console_sign_in.html", lang=lang, text=text, languages=language_names(), failed="failed" in request.args
        )
        return Response(html, mimetype="text/html", status=401 if "failed" in request.args else 200)
    return Response(_console(sid, lang, text), mimetype="text/html")


def _console(sid: str, lang: str, text: dict[str, str]) -> str:
    settings, days = _settings(), _days()
    query_log = app_state().query_log
    retriever = _live_retriever()
    context: dict[str, Any] = {"lang": lang, "text": text, "days": days, "periods": console_view.PERIODS}
    context["languages"] = language_names()
    context.update(csrf=staff_session.csrf_token(sid), message=request.args.get("msg", "")[:300])
    context.update(error=request.args.get("error", "")[:500], retention=settings.log_retention_days)
    context["retriever"] = retriever
    context["content_fingerprint"] = retriever.content.fingerprint if retriever is not None else None
    context["build"] = console_build.read_status(settings)
    context["pins"] = _pins()
    context["warnings"] = retriever.library_warning_signs if retriever is not None else []
    context["expected"] = retriever.library_expected_effects if retriever is not None else []
    scan = retrieval_module.WARNING_SCAN
    context["warnings_read"] = min(len(retriever.passages), scan) if retriever is not None else 0
    context["warnings_partial"] = retriever is not None and len(retriever.passages) > scan
    found = request.args.get("find", "").strip()[:500]
    context["find"] = found
    context["found"] = _find(retriever, found) if found and retriever is not None else []
    if query_log is not None:
        per_day = log_reports.per_day(query_log, days)
        context["per_day"] = per_day
        context["summary"] = console_view.summary(per_day)
        context["chart_questions"], context["chart_urgent"] = console_view.charts(per_day, text)
        context["groups"] = console_view.groups(query_log, retriever, days)
        context["unhelpful"] = console_view.unhelpful_shown(query_log, retriever, days)
        context["deletions"] = log_reports.deletions(query_log)
    return render_template("console.html", **context)


def _live_retriever() -> Any:
    """The live version's retriever, or None while no index is loaded (the page still shows the log)."""
    engine = app_state().engine
    return engine.retriever if engine.ready else None


def _pins() -> list[Pin]:
    try:
        return content_edits.read_pins(_settings().content_dir)
    except (ContentError, OSError):
        return []


def _find(retriever: Any, question: str) -> list[Any]:
    try:
        return list(answer_question(retriever, question, top_k=5, min_confidence=0.0).passages)
    except QAError:
        return []


@bp.post("/sign-in")
def sign_in() -> Response:
    if not is_admin_token(request.form.get("token", "")):
        log.warning("console sign-in refused")
        return redirect("/admin/?" + urlencode({"failed": 1, "lang": _lang()}), 303)  # type: ignore[return-value]
    response = _back()
    try:
        staff_session.start(response)
    except LogStoreError as exc:
        return problem(503, "Service unavailable", f"Sessions cannot be stored: {exc}")
    return response


@bp.post("/sign-out")
def sign_out() -> Response:
    response: Response = redirect("/admin/?" + urlencode({"lang": _lang()}), 303)  # type: ignore[assignment]
    sid = staff_session.session_id()
    if sid is not None:
        staff_session.end(response, sid)
    return response


def _cell(value: object) -> object:
    """A patient's text that a spreadsheet would run as a formula (=, +, -, @) is exported quoted."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class _SafeWriter:
    """csv.writer whose text cells cannot become spreadsheet formulas."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Any) -> None:
        self._writer.writerow([_cell(v) for v in row])

    def writerows(self, rows: Any) -> None:
        for row in rows:
            self.writerow(row)


@bp.get("/export/<name>.csv")
def export(name: str) -> Response:
    query_log = app_state().query_log
    if name not in EXPORTS:
        return problem(404, "Not Found", f"no export named {name}; try {', '.join(EXPORTS)}")
    if query_log is None:
        return problem(404, "Not Found", "The query log is disabled (QA_QUERY_LOG=false).")
    retriever = _live_retriever()
    out = io.StringIO()
    writer = _SafeWriter(out)
    days = _days()
    if name == "per-day":
        writer.writerow(["day", "questions", "answered", "urgent"])
        writer.writerows((d.day, d.questions, d.answered, d.urgent) for d in log_reports.per_day(query_log, days))
    elif name == "unanswered":
        writer.writerow(["group", "count", "wording", "wording_count"])
        for group in console_view.groups(query_log, retriever, days):
            writer.writerows((group.label, group.count, wording, n) for wording, n in group.examples)
    else:
        writer.writerow(["question", "passage_id", "document", "count", "last"])
        writer.writerows(
            (u.row.question, u.row.answer_id, u.document or "", u.row.count, u.row.last)
            for u in console_view.unhelpful_shown(query_log, retriever, days)
        )
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="qa-{name}-{days}d.csv"'
    return response


@bp.post("/pins")
def add_pin() -> Response:
    question, passage = request.form.get("question", "").strip(), request.form.get("passage", "").strip()
    try:
        threshold = float(request.form.get("threshold", "0.8"))
        content_edits.add_pin(_settings().content_dir, Pin(question, passage, threshold))
    except (ValueError, ContentError) as exc:
        return _back(error=str(exc))
    return _back(msg="saved")


@bp.post("/pins/remove")
def remove_pin() -> Response:
    content_edits.remove_pin(_settings().content_dir, request.form.get("question", ""))
    return _back(msg="saved")


@bp.post("/synonyms")
def add_synonym() -> Response:
    form = request.form
    try:
        lang = form.get("word_lang", "en")
        content_edits.add_synonym(_settings().content_dir, form.get("word", ""), form.get("means", ""), lang)
    except (ValueError, ContentError) as exc:
        return _back(error=str(exc))
    return _back(msg="saved")


@bp.post("/questions/delete")
def delete_question() -> Response:
    query_log = app_state().query_log
    if query_log is None:
        return problem(404, "Not Found", "The query log is disabled (QA_QUERY_LOG=false).")
    try:
        gone = log_reports.delete_question(query_log, request.form.get("question", ""))
    except LogStoreError as exc:
        return _back(error=f"the query log cannot be changed now: {exc}")
    return _back(msg=f"deleted:{gone}")


@bp.post("/rebuild")
def rebuild() -> Response:
    engine = app_state().engine
    started = console_build.start_build(_settings(), lambda: engine.refresh(force=True))
    return _back(msg="" if started else "running")
