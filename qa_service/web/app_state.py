"""What the Flask app holds for its requests, as one typed record: the settings, the engine, the query log.

``create_app`` installs it once; handlers read ``app_state()`` instead of string keys into
``current_app.extensions``, so a typo is a type error and a newcomer finds everything the app holds here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

from qa_service.settings import Settings

if TYPE_CHECKING:
    from qa_service.runtime.engine import Engine
    from qa_service.runtime.query_log import QueryLog

KEY = "qa_service"


@dataclass(frozen=True)
class AppState:
    settings: Settings
    engine: Engine
    query_log: QueryLog | None  # None: QA_QUERY_LOG=false, or the store could not be opened at start


def install(app: Flask, state: AppState) -> None:
    app.extensions[KEY] = state


def state_of(app: Flask) -> AppState:
    """The record an app was created with (tests reach the engine of an app they built this way)."""
    state: AppState = app.extensions[KEY]
    return state


def app_state() -> AppState:
    """The current request's app's record."""
    return state_of(current_app)
