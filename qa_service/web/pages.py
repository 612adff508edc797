"""The patients' search page (``/``) and the embeddable widget (``/widget.js``), plus security headers.

Everything is served from this service (no third-party hosts). The page's language follows ``?lang=``,
else the browser's Accept-Language, among the registered languages; its words come from ``web/words.py``.
The widget renders the same UI inside a shadow root.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path

import yaml
from flask import Blueprint, Flask, Response, abort, jsonify, render_template, request, send_from_directory

from qa_service.core.languages import PIVOT, languages
from qa_service.web.words import language_names, search_words, words

bp = Blueprint("pages", __name__)
STATIC = Path(__file__).resolve().parent / "static"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def page_language() -> str:
    """``lang`` from the query string (or a form's hidden field) if registered, else the browser's
    Accept-Language among the registered languages, else the pivot."""
    codes = languages()
    asked = request.values.get("lang", "")
    if asked in codes:
        return asked
    return request.accept_languages.best_match(list(codes), default=PIVOT) or PIVOT


def search_box(lang: str) -> dict[str, object]:
    """What qa.js mounts with: the starting language, every registered language's words and names."""
    return {"lang": lang, "languages": language_names(), "text": search_words()}


@bp.get("/")
def index() -> Response:
    lang = page_language()
    html = render_template("index.html", lang=lang, text=words(lang, "page"), search_box=search_box(lang))
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Vary"] = "Accept-Language"
    return response


@lru_cache(maxsize=1)
def _static_sources() -> tuple[str, str]:
    return (STATIC / "qa.css").read_text("utf-8"), (STATIC / "qa.js").read_text("utf-8")


def _widget_source() -> str:
    """The widget: the page's CSS and qa.js, the registered languages' words (read now, not cached, as the
    OpenAPI enums are), and the code that mounts it in a shadow root after its own script tag."""
    css, ui = _static_sources()
    box = search_box(PIVOT)
    return (
        '/* qa_service widget: paste <script src=".../widget.js" data-lang="fr"></script> in a page. */\n'
        '(function () {\n"use strict";\nvar CSS = ' + json.dumps(css) + ";\n"
        "var BOX = " + json.dumps(box, ensure_ascii=True) + ";\n" + ui + "\n"
        "var script = document.currentScript;\n"
        "if (!script) return;\n"
        "var api = new URL(script.src, window.location.href).origin;\n"
        "var lang = script.getAttribute('data-lang') || (navigator.language || 'en').slice(0, 2);\n"
        "var host = document.createElement('div');\n"
        "host.className = 'qa-widget-host';\n"
        "script.parentNode.insertBefore(host, script.nextSibling);\n"
        "var shadow = host.attachShadow({ mode: 'open' });\n"
        "var style = document.createElement('style');\n"
        "style.textContent = CSS;\n"
        "shadow.appendChild(style);\n"
        "var root = document.createElement('div');\n"
        "shadow.appendChild(root);\n"
        "QASearch.mount(root, { api: api, lang: lang, text: BOX.text, "
        "languages: BOX.languages });\n"
        "})();\n"
    )


@bp.get("/widget.js")
def widget() -> Response:
    response = Response(_widget_source(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SWAGGER_FILES = {"swagger-ui.css", "swagger-ui-bundle.js"}


@lru_cache(maxsize=1)
def _openapi_file() -> dict:
    return yaml.safe_load((Path(__file__).resolve().parent / "openapi.yaml").read_text("utf-8"))


def openapi_document() -> dict:
    """The OpenAPI description, its language enums ([en, fr] in the file) set to the languages registered
    now (a fresh copy each time: the file is parsed once, the registry is read on every call)."""
    document = copy.deepcopy(_openapi_file())
    codes = list(languages())

    def registered(node: object) -> object:
        if isinstance(node, dict):
            enum = node.get("enum")
            if isinstance(enum, list) and {"en", "fr"} <= set(enum):
                node["enum"] = codes + [None] * (None in enum)
            for value in node.values():
                registered(value)
        elif isinstance(node, list):
            for value in node:
                registered(value)
        return node

    registered(document)
    return document


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.get("/docs")
def docs() -> Response:
    response = Response(render_template("docs.html"), mimetype="text/html")
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


@bp.get("/docs/static/<path:filename>")
def swagger(filename: str) -> Response:
    """Swagger UI's own files, from the swagger-ui-bundle package: served here, never from a CDN."""
    from swagger_ui_bundle import swagger_ui_path

    if filename not in SWAGGER_FILES:
        abort(404)
    return send_from_directory(swagger_ui_path, filename, max_age=3600)


def install_security_headers(app: Flask) -> None:
    """Headers on every response; a strict CSP on anything that is not already given one."""

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        return response
