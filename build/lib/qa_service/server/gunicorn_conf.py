"""gunicorn settings for `make serve` / `qa-service serve`, read from the same QA_* settings.

The app is named here (``wsgi_app``) with the worker count as an argument of ``create_app``: the one
thing the app needs to know about the server (rate-limit shares, the request watchdog), passed in the
open rather than through an environment variable.

2 workers x 4 threads on 2 cores: each worker encodes with one intra-op thread (two threads per
worker collapse under load on 2 cores), threads cover I/O waits. The app is built in each worker
(no preload), so every worker loads the model and index once, never per request.
"""

import os
import shutil

from qa_service.settings import Settings

_settings = Settings.from_env()
# prometheus-client multiprocess mode: every worker writes its metrics here; /metrics sums them.
_metrics_dir = _settings.var_dir / "prometheus"
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
threads = _settings.threads
wsgi_app = f"qa_service.web:create_app(processes={_settings.workers})"
worker_class = "qa_service.server.worker.ThreadWorker"  # gthread + client read timeout
timeout = 30  # a worker that stops answering gunicorn's heartbeat is replaced
graceful_timeout = 20
keepalive = 5  # idle keep-alive connections are closed after 5 s
limit_request_fields = 50
limit_request_field_size = 8190
limit_request_line = 8190
preload_app = False
accesslog = None  # request lines carry ?q=... questions: health information stays out of logs
errorlog = "-"
loglevel = _settings.log_level.lower()


def on_starting(server) -> None:  # noqa: ANN001 - gunicorn hook
    """Fresh metrics per server start: files of dead processes would otherwise add up forever."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    _metrics_dir.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:  # noqa: ANN001 - gunicorn hook
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
