# Two commands on a fresh clone: `make serve` and `make test`. Everything else is set up on the way.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup serve test build-index eval lint lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(if $(wildcard /opt/wheels),--find-links /opt/wheels) -c requirements.lock -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

serve: setup
	$(BIN)/qa-service build-index --if-missing
	$(BIN)/qa-service serve

test: setup
	$(BIN)/ruff check qa_service tests scripts
	$(BIN)/python -m pytest

build-index: setup
	$(BIN)/qa-service build-index

eval: setup
	$(BIN)/qa-service eval --set tests/data/dev_questions.jsonl

lint: setup
	$(BIN)/ruff check qa_service tests scripts

# Re-pin every dependency after changing pyproject.toml (commit the result).
lock: setup
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf $(VENV) index/versions index/CURRENT .pytest_cache
