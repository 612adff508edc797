"""One frozen Settings object built from ``QA_*`` environment variables, validated once at start-up.

Data and validation only: building things from it is ``wiring.py``'s job. Relative paths, and the
defaults, resolve against the working directory (a clinic's own folder), never the package's location,
so a plain ``pip install`` works from anywhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from qa_service.core import DEFAULT_MODEL
from qa_service.core.encoder import BACKENDS, BULK_RUNTIMES
from qa_service.core.errors import ConfigError
from qa_service.core.vector_store import KINDS

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
MULTILINGUAL_MODELS = ("use", "off")  # QA_MULTILINGUAL
SUBJECT_LIBRARY = ("auto", "on", "off")  # QA_SUBJECT_LIBRARY


def _here(*parts: str) -> Path:
    """A default path under the working directory, resolved when the settings are made."""
    return Path.cwd().joinpath(*parts)


def _one_of(value: str, valid: tuple[str, ...], var: str) -> tuple[bool, str]:
    return value in valid, f"{var} must be one of {', '.join(valid)}"


def _rate(value: str, var: str) -> tuple[bool, str]:
    ok = not value or bool(
        re.fullmatch(r"\d+/(second|minute|hour|day)(;\d+/(second|minute|hour|day))*", value.replace(" ", ""))
    )
    return ok, f"{var} must look like 120/minute or 120/minute;20/second (empty: no limit)"


@dataclass(frozen=True)
class Settings:
    """Every knob of the service. Field ``x`` is read from ``QA_X``; the README lists them all."""

    documents_dir: Path = field(default_factory=lambda: _here("documents"))
    index_dir: Path = field(default_factory=lambda: _here("index"))
    model: str = DEFAULT_MODEL
    encoder: str = "onnx-int8"
    bulk_runtime: str = "auto"
    model_cache_dir: Path = field(default_factory=lambda: _here("index", "models"))
    # A second model whose cosine rescores the first's candidates ("off", a packaged name or a folder): an
    # opt-in that costs ~3x the latency and memory for a small, uneven gain (docs/QUALITY.md, PERFORMANCE.md).
    second_model: str = "off"
    # The multilingual stage's model ("use": multilingual USE v3, numpy; "off"): French questions, and
    # questions about articles in one language only (docs/QUALITY.md, core/multilingual.py).
    multilingual: str = "use"
    # Whether a question must name the subject of a document's title to be answered: "auto" for a library of
    # at least 100 documents titled by their subject (a health encyclopedia), "on", "off" (a clinic's
    # articles, asked about in their context: off under "auto"). docs/QUALITY.md, core/scoring.py.
    subject_library: str = "auto"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 4
    torch_threads: int = 1
    chunk_tokens: int = 200
    keep_versions: int = 3
    index_kind: str = "auto"
    max_question_chars: int = 3000  # real patient messages run past 1,000 characters (consumer-health: 7 of 443)
    max_body_bytes: int = 16 * 1024
    default_top_k: int = 3
    max_top_k: int = 20
    min_confidence: float = 0.5
    reranker: str = "off"  # "off", an installed model (clinic-minilm-reranker: make reranker), or a folder
    reload_interval: float = 2.0
    query_cache_size: int = 2048
    answer_cache_size: int = 1024
    log_level: str = "INFO"
    cors_origins: str = ""
    rate_limit: str = "120/minute;20/second"
    staff_rate_limit: str = "3000/minute;100/second"  # requests carrying the admin token (staff scripts)
    rate_limit_storage: str = ""
    trusted_proxies: int = 0
    request_timeout: float = 20.0
    admin_token: str = field(default="", repr=False)
    var_dir: Path = field(default_factory=lambda: _here("var"))
    query_log: bool = True
    database_url: str = field(default="", repr=False)  # postgresql://… : the query log shared by replicas
    log_retention_days: int = 90
    content_dir: Path = field(default_factory=lambda: _here("content"))  # what staff own (core/content.py)
    gate_set: str = ""  # "": the content folder's gate_questions.jsonl; "none": no gate; or a file
    gate_min_recall_at_3: float = 0.9

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """Origins allowed to call the API from a browser (the widget on the clinic's site)."""
        return tuple(o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip())

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read ``QA_*`` variables; a value that does not parse names its variable in the error."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        defaults = cls()
        for f in fields(cls):
            var = f"QA_{f.name.upper()}"
            if var not in env:
                continue
            raw = env[var].strip()
            current = getattr(defaults, f.name)
            try:
                if isinstance(current, bool):
                    if raw.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                        raise ValueError("expected true or false")
                    values[f.name] = raw.lower() in ("1", "true", "yes", "on")
                elif isinstance(current, int):
                    values[f.name] = int(raw)
                elif isinstance(current, float):
                    values[f.name] = float(raw)
                elif isinstance(current, Path):
                    values[f.name] = Path(raw).expanduser().resolve()
                else:
                    values[f.name] = raw
            except ValueError as exc:
                raise ConfigError(f"{var}={raw!r} is not valid: {exc}") from None
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def to_env(self) -> dict[str, str]:
        """These settings as the ``QA_*`` variables that read back to them (for a child process: the
        console's rebuild runs ``qa-service build-index`` on exactly the folders this server uses)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f"QA_{f.name.upper()}"] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return out

    def validate(self) -> None:
        checks = [
            (1 <= self.port <= 65535, "QA_PORT must be between 1 and 65535"),
            (self.workers >= 1, "QA_WORKERS must be at least 1"),
            (self.threads >= 1, "QA_THREADS must be at least 1"),
            (self.torch_threads >= 1, "QA_TORCH_THREADS must be at least 1"),
            (32 <= self.chunk_tokens <= 8192, "QA_CHUNK_TOKENS must be between 32 and 8192"),
            (self.keep_versions >= 1, "QA_KEEP_VERSIONS must be at least 1"),
            (1 <= self.max_question_chars <= 100_000, "QA_MAX_QUESTION_CHARS must be between 1 and 100000"),
            (256 <= self.max_body_bytes <= 10_000_000, "QA_MAX_BODY_BYTES must be between 256 and 10000000"),
            (1 <= self.max_top_k <= 100, "QA_MAX_TOP_K must be between 1 and 100"),
            (1 <= self.default_top_k <= self.max_top_k, "QA_DEFAULT_TOP_K must be between 1 and QA_MAX_TOP_K"),
            (0.0 <= self.min_confidence <= 1.0, "QA_MIN_CONFIDENCE must be between 0 and 1"),
            (
                not self.admin_token or len(self.admin_token) >= 32,
                "QA_ADMIN_TOKEN must be at least 32 characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)",
            ),
            (
                not self.database_url or self.database_url.startswith(("postgresql://", "postgres://")),
                "QA_DATABASE_URL must be a PostgreSQL URL like postgresql://user:password@host:5432/qa (empty: SQLite)",
            ),
            _rate(self.rate_limit, "QA_RATE_LIMIT"),
            _rate(self.staff_rate_limit, "QA_STAFF_RATE_LIMIT"),
            (0 <= self.trusted_proxies <= 5, "QA_TRUSTED_PROXIES must be between 0 and 5"),
            (1 <= self.request_timeout <= 600, "QA_REQUEST_TIMEOUT must be between 1 and 600 seconds"),
            (self.log_retention_days >= 1, "QA_LOG_RETENTION_DAYS must be at least 1"),
            _one_of(self.index_kind, KINDS, "QA_INDEX_KIND"),
            _one_of(self.encoder, BACKENDS, "QA_ENCODER"),
            _one_of(self.bulk_runtime, BULK_RUNTIMES, "QA_BULK_RUNTIME"),
            (bool(self.reranker.strip()), "QA_RERANKER must be off, an installed reranker's name or a folder"),
            (bool(self.second_model.strip()), "QA_SECOND_MODEL must be off, a packaged model's name or a folder"),
            _one_of(self.multilingual, MULTILINGUAL_MODELS, "QA_MULTILINGUAL"),
            _one_of(self.subject_library, SUBJECT_LIBRARY, "QA_SUBJECT_LIBRARY"),
            (0 <= self.query_cache_size <= 10_000_000, "QA_QUERY_CACHE_SIZE must be between 0 and 10000000"),
            (0 <= self.answer_cache_size <= 1_000_000, "QA_ANSWER_CACHE_SIZE must be between 0 and 1000000"),
            (self.reload_interval >= 0, "QA_RELOAD_INTERVAL must be 0 or more seconds"),
            (0.0 <= self.gate_min_recall_at_3 <= 1.0, "QA_GATE_MIN_RECALL_AT_3 must be between 0 and 1"),
            _one_of(self.log_level.upper(), LOG_LEVELS, "QA_LOG_LEVEL"),
        ]
        for origin in self.allowed_origins:
            if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?", origin):
                checks.append(
                    (
                        False,
                        f"QA_CORS_ORIGINS: {origin!r} is not an origin like https://clinic.example "
                        "(no wildcard, no path)",
                    )
                )
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
