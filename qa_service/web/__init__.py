"""The Flask front end. ``create_app()`` builds the app once per process (gunicorn worker).

It reads like a table of contents: the parts come from ``wiring``, then extensions, blueprints,
limits and error handlers are registered in turn.
"""

from __future__ import annotations

import logging

from flask import Flask
from flask_cors import CORS

from qa_service import wiring
from qa_service.logs import configure_logging
from qa_service.runtime.engine import Engine
from qa_service.settings import Settings
from qa_service.web import limits, observability
from qa_service.web.admin import bp as admin_bp
from qa_service.web.api import bp as api_bp
from qa_service.web.app_state import AppState, install
from qa_service.web.console import bp as console_bp
from qa_service.web.errors import refuse_repeated_parameters, register_error_handlers
from qa_service.web.pages import bp as pages_bp
from qa_service.web.pages import install_security_headers

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None, processes: int = 0) -> Flask:
    """Build the app; tests pass their own settings or a ready engine (sharing one loaded model).

    ``processes``: how many server processes serve it (the production server passes its worker count);
    their in-memory rate-limit counters share the limit, and a request watchdog ends a stuck worker.
    0: a single process without a watchdog (tests, ``flask run``).
    """
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    engine = engine or wiring.make_engine(settings)
    engine.on_swap = observability.record_index
    engine.on_degraded = observability.record_degraded
    engine.refresh(force=True)
    if not engine.ready:
        log.warning("starting without an index (%s); /readyz answers 503 until one is built", engine.last_error)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    install(app, AppState(settings, engine, wiring.make_query_log(settings)))
    register_blueprints(app)
    register_extensions(app, settings, processes)
    register_error_handlers(app)
    return app


def register_blueprints(app: Flask) -> None:
    observability.install(app)
    refuse_repeated_parameters(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(pages_bp)
    app.add_url_rule("/metrics", "metrics", lambda: observability.metrics_response())


def register_extensions(app: Flask, settings: Settings, processes: int) -> None:
    if settings.allowed_origins:  # the widget on the clinic's own site; never "*", never /admin
        CORS(
            app,
            resources={r"/api/v1/*": {"origins": list(settings.allowed_origins)}},
            methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type"],
            max_age=600,
        )
    install_security_headers(app)
    limits.install(app, settings, processes)
    if processes:  # a runaway request ends its worker; gunicorn starts a new one
        limits.Watchdog(settings.request_timeout).install(app)


__all__ = ["create_app"]
