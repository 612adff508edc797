"""qa_service: retrieval-based answers from a skin clinic's own patient-education articles."""

__version__ = "0.1.0"
