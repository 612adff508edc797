"""OpenVINO for large passage batches: bf16 matrix units (AMX / AVX512-BF16) when the CPU has them."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np


class OpenVinoSession:
    """The fp32 export compiled by OpenVINO with bf16 matrix multiplications (AMX / AVX512-BF16).

    For passage batches only: ~2.7x the passages per second of onnxruntime fp32 on this machine, vectors
    within cosine 0.99997 of fp32 (docs/PERFORMANCE.md). Offers onnxruntime's ``run`` signature.
    """

    name = "openvino-bf16"

    def __init__(self, model_file: Path, threads: int) -> None:
        import openvino as ov

        core = ov.Core()
        if "BF16" not in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES"):
            raise RuntimeError("this CPU has no bf16 matrix instructions")
        config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "bf16"}
        self._model = core.compile_model(str(model_file), "CPU", config)
        self._output = self._model.output(0)
        self._requests = threading.local()  # one reusable request per thread (creating one per batch is slow)

    def get_inputs(self) -> list[SimpleNamespace]:
        """The model's input names, as onnxruntime's ``get_inputs`` gives them."""
        return [SimpleNamespace(name=port.any_name) for port in self._model.inputs]

    def run(self, _outputs: object, feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        request = getattr(self._requests, "request", None)
        if request is None:
            request = self._requests.request = self._model.create_infer_request()
        return [request.infer(feed)[self._output].copy()]
