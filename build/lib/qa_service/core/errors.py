"""Domain exceptions. Front ends map them to their own error shapes (problem+json, exit codes)."""

from __future__ import annotations


class QAError(Exception):
    """Base of every error the core raises on purpose."""


class InvalidQuestion(QAError):
    """The question cannot be answered as given (empty, too long, only control characters...)."""


class IndexNotReady(QAError):
    """No index has been built yet, or none could be loaded."""


class IndexMismatch(QAError):
    """The index on disk does not belong to the model in use (other model, other weights, other dimension)."""


class IndexCorrupt(QAError):
    """An index file is missing, truncated or does not match the checksum its manifest records."""


class BuildError(QAError):
    """An index build could not complete; the live index was left untouched."""


class ConfigError(QAError):
    """A setting has a value the service cannot run with."""
