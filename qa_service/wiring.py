"""The one place that builds the service's parts from a Settings: encoder, engine, query log, retriever.

``create_app``, the CLI and the tests' fixtures all call these, so a setting means the same thing in
every front end. Heavy imports (onnxruntime, FAISS) happen inside the functions: ``qa-service ask
--url`` and the settings checks must not load the ML stack.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from qa_service.core.tuning import ALWAYS, NEVER, SUBJECT_LIBRARY_DOCUMENTS, Tuning
from qa_service.settings import Settings

if TYPE_CHECKING:
    from qa_service.core.encoder import Encoder, MultilingualModel
    from qa_service.core.rerank import Reranker
    from qa_service.core.retrieval import Retriever
    from qa_service.runtime.engine import Engine
    from qa_service.runtime.index_verify import ModelIdentity
    from qa_service.runtime.query_log import QueryLog

log = logging.getLogger(__name__)


def load_encoder(settings: Settings, threads: int | None = None) -> Encoder:
    """The configured encoder (QA_MODEL, QA_ENCODER, QA_BULK_RUNTIME), exported to ONNX on first use;
    with QA_SECOND_MODEL, paired with that model (its cosine rescores the first's candidates)."""
    from qa_service.runtime.encoders import load_encoder as load

    def one(model: str) -> Encoder:
        return load(
            model,
            backend=settings.encoder,
            cache_dir=settings.model_cache_dir,
            threads=threads or settings.torch_threads,
            bulk=settings.bulk_runtime,
        )

    first = one(settings.model)
    if settings.second_model == "off":
        return first
    from qa_service.runtime.model_install import second_model_folder
    from qa_service.runtime.paired_encoder import PairedEncoder

    folder, name = second_model_folder(settings.second_model, settings.model_cache_dir)
    return PairedEncoder(first, one(str(folder)), name)


def model_identity(settings: Settings) -> ModelIdentity | None:
    """The configured encoder's identity (name, fingerprint, dimension) read from its ONNX export without
    loading it, or None when only loading it can say (torch, a second model, weights not yet exported)."""
    if settings.encoder not in ("onnx", "onnx-int8") or settings.second_model != "off":
        return None
    from qa_service.runtime.onnx_export import exported_identity

    return exported_identity(settings.model, settings.model_cache_dir)


def load_multilingual(settings: Settings) -> MultilingualModel | None:
    """The multilingual stage's model (QA_MULTILINGUAL), its weights read and hash-checked on first use,
    or None when switched off."""
    if settings.multilingual == "off":
        return None
    from qa_service.core.multilingual import check_multilingual_fitted_for
    from qa_service.runtime.use_model import UseModel

    model = UseModel(threads=1)
    check_multilingual_fitted_for(model)
    return model


def load_reranker(settings: Settings) -> Reranker | None:
    """The configured cross-encoder (QA_RERANKER: off, an installed model's name or a folder), its file's
    hash checked."""
    from qa_service.runtime.bundled_models import reranker_folder
    from qa_service.runtime.reranker import OnnxReranker

    if settings.reranker == "off":
        return None
    return OnnxReranker(reranker_folder(settings.reranker, settings.model_cache_dir), threads=settings.torch_threads)


def check_fitted(encoder: Encoder, reranker: Reranker | None) -> None:
    """The fitted weights the answer path will use name the models it runs: a clear start-up error
    (ConfigError) instead of a fusion or a reranker silently weighing another model's figures."""
    from qa_service.core.encoder import searched_dimension
    from qa_service.core.fusion import check_fitted_for
    from qa_service.core.rerank import check_rerank_fitted_for

    check_fitted_for(encoder.name, searched_dimension(encoder) < encoder.dimension)
    if reranker is not None:
        check_rerank_fitted_for(reranker.fingerprint)


def tuning(settings: Settings) -> Tuning:
    """The retrieval knobs (docs/QUALITY.md chose them on the benchmarks; comparisons with other fusions run
    in the lab, lab/fusions.py): QA_SUBJECT_LIBRARY sets whether questions must name a title's subject."""
    forced = {"on": ALWAYS, "off": NEVER}
    return Tuning(subject_library=forced.get(settings.subject_library, SUBJECT_LIBRARY_DOCUMENTS))


def make_engine(settings: Settings, encoder: Encoder | None = None) -> Engine:
    """The per-process engine: the encoder, the live index version (hot-swapped) and the caches."""
    from qa_service.runtime.engine import Engine

    encoder = encoder or load_encoder(settings)
    reranker = load_reranker(settings)
    check_fitted(encoder, reranker)
    return Engine(
        encoder,
        settings.index_dir,
        reload_interval=settings.reload_interval,
        tuning=tuning(settings),
        query_cache_size=settings.query_cache_size,
        answer_cache_size=settings.answer_cache_size,
        reranker=reranker,
        multilingual=load_multilingual(settings),
    )


def make_query_log(settings: Settings) -> QueryLog | None:
    """The query log, or None when disabled or unavailable (it must never keep a worker from answering)."""
    if not settings.query_log:
        return None
    from qa_service.runtime.log_store import LogStoreError
    from qa_service.runtime.log_stores import open_log_store
    from qa_service.runtime.query_log import QueryLog

    try:
        return QueryLog(open_log_store(settings.database_url, settings.var_dir), settings.log_retention_days)
    except LogStoreError as exc:
        log.error("query log unavailable in this worker (%s); answering without it", exc)
        return None


def local_retriever(settings: Settings, encoder: Encoder, retrieval: Tuning | None = None) -> Retriever:
    """A retriever over the live version in this process, for the CLI (no server, no reloads)."""
    from qa_service.core.retrieval import Retriever
    from qa_service.runtime.index_load import load_current

    chosen, reranker = retrieval or tuning(settings), load_reranker(settings)
    check_fitted(encoder, reranker)
    loaded = load_current(settings.index_dir, encoder)
    return Retriever(loaded, encoder, chosen, reranker=reranker, multilingual=load_multilingual(settings))
