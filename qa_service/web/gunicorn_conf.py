"""gunicorn settings for `make serve` / `qa-service serve`, read from the same QA_* settings.

2 workers x 4 threads on 2 cores: each worker encodes with one intra-op thread (two threads per
worker collapse under load on 2 cores), threads cover I/O waits. The app is built in each worker
(no preload), so every worker loads the model and index once, never per request.
"""

from qa_service.settings import Settings

_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
threads = _settings.threads
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
limit_request_line = 8190
preload_app = False
accesslog = None  # request lines carry ?q=... questions: health information stays out of logs
errorlog = "-"
loglevel = _settings.log_level.lower()
