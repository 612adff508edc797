"""Abuse limits: per-client rate limits (Flask-Limiter), the trusted-proxy setting, the request watchdog.

Rate limits count per client address. With the default in-memory storage each gunicorn worker counts on
its own, so the configured limit is divided by the number of workers (a client whose requests spread
over workers gets about the configured limit; one pinned to a worker by keep-alive gets its share).
Set QA_RATE_LIMIT_STORAGE (e.g. redis://host:6379 or memcached://host:11211) to count exactly across
workers and replicas. Requests carrying the admin token (staff scripts) count against their own, higher
limit (QA_STAFF_RATE_LIMIT), never against the patients'.

Behind a reverse proxy every request comes from the proxy's address: unless QA_TRUSTED_PROXIES says how
many proxies add X-Forwarded-For, all patients share one budget. A worker that sees X-Forwarded-For while
QA_TRUSTED_PROXIES=0 logs one warning saying so.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from qa_service.settings import Settings
from qa_service.web.staff_session import is_staff

log = logging.getLogger(__name__)


def per_worker(limit: str, workers: int) -> str:
    """'120/minute' shared by N workers with private counters -> each worker allows its share."""
    parts = []
    for item in limit.split(";"):
        amount, _, period = item.strip().partition("/")
        share = max(1, int(amount) // max(1, workers))
        parts.append(f"{share}/{period}")
    return ";".join(parts)


def install(app: Flask, settings: Settings, processes: int = 0) -> Limiter | None:
    """Trusted proxies and rate limits; ``processes`` > 1 with in-memory counters: each allows its share."""
    if settings.trusted_proxies:
        # Only then is X-Forwarded-For believed: the last N hops were added by our own proxies.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )
    else:
        app.before_request(ForwardedWarning())
    if not settings.rate_limit and not settings.staff_rate_limit:
        return None
    storage = settings.rate_limit_storage or "memory://"
    patients, staff = settings.rate_limit, settings.staff_rate_limit
    if storage == "memory://" and processes > 1:
        patients, staff = (per_worker(limit, processes) if limit else "" for limit in (patients, staff))
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=storage,
        headers_enabled=True,
        default_limits=[],
        strategy="moving-window",
    )
    for endpoint in ("api.ask", "api.search", "api.feedback", "api.info"):
        view: Any = app.view_functions[endpoint]
        if patients:
            view = limiter.limit(patients, exempt_when=is_staff)(view)
        if staff:  # staff count apart from patients, under their own key
            view = limiter.limit(staff, key_func=_staff_key, exempt_when=lambda: not is_staff())(view)
        app.view_functions[endpoint] = view
    return limiter


def _staff_key() -> str:
    return "staff:" + get_remote_address()


class ForwardedWarning:
    """Logs once per process that X-Forwarded-For arrives while no proxy is trusted (QA_TRUSTED_PROXIES=0):
    every patient behind that proxy then shares the proxy's one rate-limit budget."""

    def __init__(self) -> None:
        self.warned = False

    def __call__(self) -> None:
        if not self.warned and "X-Forwarded-For" in request.headers:
            self.warned = True
            log.warning(
                "requests carry X-Forwarded-For but QA_TRUSTED_PROXIES=0: the proxy's address is taken as the "
                "client's, so every client behind it shares one rate limit; set QA_TRUSTED_PROXIES to the "
                "number of proxies in front of the service"
            )


class Watchdog:
    """Ends a worker whose request runs past ``timeout`` seconds; gunicorn then starts a fresh one.

    gunicorn's own timeout does not see a request stuck in a gthread worker's thread, hence this.
    """

    def __init__(self, timeout: float, exit_process: Callable[[int], None] = os._exit) -> None:
        self.timeout = timeout
        self._exit = exit_process
        self._running: dict[int, float] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="qa-watchdog", daemon=True)
        self._thread.start()

    def begin(self) -> None:
        with self._lock:
            self._running[threading.get_ident()] = time.monotonic()

    def end(self) -> None:
        with self._lock:
            self._running.pop(threading.get_ident(), None)

    def overdue(self) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(now - started > self.timeout for started in self._running.values())

    def _watch(self) -> None:
        while True:
            time.sleep(min(1.0, self.timeout / 4))
            if self.overdue():
                log.error("a request ran over %.0f s; ending this worker so gunicorn replaces it", self.timeout)
                self._exit(1)
                return

    def install(self, app: Flask) -> None:
        app.before_request(self.begin)

        @app.teardown_request
        def _done(_exc: BaseException | None) -> None:
            self.end()
            g.pop("qa_watchdog", None)
