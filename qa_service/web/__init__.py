"""The Flask front end. ``create_app()`` loads the model and index once per process (gunicorn worker)."""

from __future__ import annotations

import logging
import os
import sqlite3

from flask import Flask
from flask_cors import CORS

from qa_service.core.analytics import Analytics
from qa_service.core.engine import Engine
from qa_service.logs import configure_logging
from qa_service.settings import Settings
from qa_service.web import limits, observability
from qa_service.web.admin import bp as admin_bp
from qa_service.web.api import bp as api_bp
from qa_service.web.errors import register_error_handlers
from qa_service.web.pages import bp as pages_bp
from qa_service.web.pages import install_security_headers

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> Flask:
    """Build the app; tests pass their own settings or a ready engine (sharing one loaded model)."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    if engine is None:
        encoder = settings.load_encoder()
        engine = Engine(
            encoder,
            settings.index_dir,
            reload_interval=settings.reload_interval,
            tuning=settings.tuning(),
            query_cache_size=settings.query_cache_size,
            answer_cache_size=settings.answer_cache_size,
        )
    engine.on_swap = observability.record_index
    engine.refresh(force=True)
    if not engine.ready:
        log.warning("starting without an index (%s); /readyz answers 503 until one is built", engine.last_error)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["qa_settings"] = settings
    app.extensions["qa_engine"] = engine
    if settings.query_log:
        try:
            app.extensions["qa_analytics"] = Analytics(settings.var_dir / "analytics.sqlite3",
                                                       settings.log_retention_days)
        except sqlite3.Error as exc:  # the query log must never keep a worker from answering patients
            log.error("query log unavailable in this worker (%s); answering without it", exc)
    observability.install(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(pages_bp)
    if settings.allowed_origins:  # the widget on the clinic's own site; never "*", never /admin
        CORS(
            app,
            resources={r"/api/v1/*": {"origins": list(settings.allowed_origins)}},
            methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type"],
            max_age=600,
        )
    install_security_headers(app)
    limits.install(app, settings)
    if os.environ.get("QA_GUNICORN_WORKERS"):  # a runaway request ends its worker; gunicorn starts a new one
        limits.Watchdog(settings.request_timeout).install(app)
    app.add_url_rule("/metrics", "metrics", lambda: observability.metrics_response())
    register_error_handlers(app)
    return app


__all__ = ["create_app"]
