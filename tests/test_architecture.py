"""The house rules of docs/ARCHITECTURE.md, checked: a pure core, no import cycles, small modules,
every setting documented, and the typed Answer true to the OpenAPI description."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from qa_service.core.answer import answer_question
from qa_service.core.retrieval import Retriever
from qa_service.settings import Settings
from tests.conftest import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "qa_service"
FORBIDDEN_IN_CORE = {"sqlite3", "threading", "atexit", "torch", "onnx", "onnxruntime", "openvino", "flask"}
FORBIDDEN_IN_CORE |= {"werkzeug", "gunicorn", "faiss", "psycopg", "redis", "multiprocessing", "subprocess"}
MAX_LINES = 300


def _modules() -> dict[str, Path]:
    return {
        ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for path in PACKAGE.rglob("*.py")
    }


def _imports(path: Path) -> set[str]:
    """Every module a file imports: at module level, inside functions and under TYPE_CHECKING alike
    (a deferred import is still a dependency); relative imports resolved against the file's package."""
    tree = ast.parse(path.read_text("utf-8"))
    package = ".".join(path.relative_to(PROJECT_ROOT).parent.parts)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def test_the_core_imports_no_io_process_or_web_machinery() -> None:
    offenders = {
        name: sorted(m for m in _imports(path) if m.split(".")[0] in FORBIDDEN_IN_CORE)
        for name, path in _modules().items()
        if name == "qa_service.core" or name.startswith("qa_service.core.")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    core = [n for n in _modules() if n.startswith("qa_service.core.")]
    outward = {
        n: [m for m in _imports(_modules()[n]) if m.startswith("qa_service.") and not m.startswith("qa_service.core")]
        for n in core
    }
    assert {k: v for k, v in outward.items() if v} == {}, "core/ depends on nothing outside core/"


def test_serving_imports_nothing_from_the_lab() -> None:
    """Training, measurement and comparison code (lab/) stays out of the product, every import counted."""
    offenders = {
        name: sorted(m for m in _imports(path) if m == "lab" or m.startswith("lab."))
        for name, path in _modules().items()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_import_cycles_between_modules() -> None:
    """Counting every import: one inside a function or under TYPE_CHECKING still ties two modules."""
    modules = _modules()
    graph = {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_no_module_is_over_300_lines() -> None:
    sizes = {name: len(path.read_text("utf-8").splitlines()) for name, path in _modules().items()}
    assert {k: v for k, v in sizes.items() if v > MAX_LINES} == {}


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text("utf-8")
    documented = set(re.findall(r"`(QA_[A-Z0-9_]+)`", readme))
    settings = {f"QA_{f.name.upper()}" for f in dataclasses.fields(Settings)}
    assert settings - documented == set(), "add these to the README's settings table"
    assert documented - settings == set(), "the README names settings that do not exist"


@pytest.mark.parametrize(
    "question",
    [
        "How long do pimples last after microneedling?",  # answered
        "Who won the hockey game last night?",  # not answered
        "I have a high fever and pus after microneedling",  # urgent
        "Est-ce normal d'avoir des boutons?",  # French
    ],
)
def test_the_typed_answer_matches_the_openapi_description(retriever: Retriever, question: str) -> None:
    spec = yaml.safe_load((PACKAGE / "web" / "openapi.yaml").read_text("utf-8"))
    schema = {"$ref": "#/components/schemas/AskResponse", "components": spec["components"]}
    body = answer_question(retriever, question, top_k=5).to_dict()
    jsonschema.Draft202012Validator(schema).validate(body)
