"""The lab: training, measurement and comparison code beside the product, never imported by serving.

Fitting the learned fusion and the reranker's combination (``fitting``), the training collections
(``training_sets``), the reranker's ONNX export (``reranker_export``, needs torch) and the hand-set
fusions kept only to compare against (``fusions``). ``scripts/`` are thin command lines over it;
tests/test_architecture.py checks that nothing in ``qa_service`` imports it.
"""
