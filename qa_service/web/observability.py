"""Request ids, one access-log line per request (path only, never the query string), Prometheus metrics.

Metrics are correct across gunicorn workers through prometheus-client's multiprocess mode: gunicorn's
config sets PROMETHEUS_MULTIPROC_DIR before workers start; without it (tests, flask run) the default
in-process registry is used.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from qa_service.core.answer import Answer
from qa_service.logs import request_id

log = logging.getLogger("qa_service.access")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

REQUESTS = Counter("qa_http_requests_total", "HTTP requests by route and status", ["route", "method", "status"])
LATENCY = Histogram(
    "qa_http_request_seconds",
    "Request latency by route",
    ["route"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0),
)
ANSWERS = Counter("qa_answers_total", "Questions by outcome", ["outcome"])
URGENT = Counter("qa_urgent_total", "Questions triaged as urgent or emergency", ["level"])
INDEX_INFO = Gauge("qa_index_info", "Live index version (value 1) per worker", ["version"], multiprocess_mode="livemax")
PASSAGES = Gauge("qa_index_passages", "Passages in the live index", multiprocess_mode="livemax")
DEGRADED = Gauge(
    "qa_index_degraded",
    "1 while a worker serves another version than the one CURRENT names (refused as damaged or foreign)",
    multiprocess_mode="livemax",
)


def record_answer(answer: Answer) -> None:
    ANSWERS.labels("answered" if answer.answered else "unanswered").inc()
    if answer.urgent:
        URGENT.labels(answer.urgent.level).inc()


def record_index(version: str, passages: int, previous: str | None) -> None:
    if previous and previous != version:
        INDEX_INFO.labels(previous).set(0)
    INDEX_INFO.labels(version).set(1)
    PASSAGES.set(passages)


def record_degraded(degraded: bool) -> None:
    DEGRADED.set(1 if degraded else 0)


def metrics_response() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def install(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        g.token = request_id.set(g.request_id)
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        rid = getattr(g, "request_id", None) or uuid.uuid4().hex
        response.headers["X-Request-ID"] = rid
        route = request.url_rule.rule if request.url_rule else "unmatched"
        elapsed = time.perf_counter() - getattr(g, "started", time.perf_counter())
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        LATENCY.labels(route).observe(elapsed)
        log.info(
            "request",
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "ms": round(elapsed * 1000, 2),
            },
        )
        return response

    @app.teardown_request
    def _reset(_exc: BaseException | None) -> None:
        token = g.pop("token", None)
        if token is not None:
            request_id.reset(token)
