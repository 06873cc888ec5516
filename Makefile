# Curation Workbench: `make run` starts the app, `make test` runs the tests (both create .venv first).
VENV   := .venv
PY     := $(VENV)/bin/python
PYTEST_ARGS ?=
# The model embedding backends (torch, transformers: about 2 GB) are opt-in for the app:
#   make run MODELS=1      (or: .venv/bin/pip install -e '.[models]')
# `make test` always installs them (the embedding tests run tiny torch models).
MODELS ?= 0
APP_EXTRAS := $(if $(filter 1,$(MODELS)),[models],)
APP_STAMP  := $(VENV)/.installed-app$(if $(filter 1,$(MODELS)),-models,)
TEST_STAMP := $(VENV)/.installed-test
TEST_EXTRAS := [dev,models]
SOURCES    := pyproject.toml setup.py services/variants/_fastconvert.c

.PHONY: run test lint bench worker chromium clean-db

# $(1): the extras to install, e.g. [dev,models]; every stamp records one install of the current sources.
define install
	@# a C compiler for the optional compiled record converter (setup.py); without one the install still works
	@command -v cc >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc >/dev/null; } || true
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.$(1)'
	touch $@
endef

$(APP_STAMP): $(SOURCES)
	$(call install,$(APP_EXTRAS))

$(TEST_STAMP): $(SOURCES)
	$(call install,$(TEST_EXTRAS))
	@# the two reference CAFA evaluators (GPLv3, test oracles only) share the import name cafaeval: each gets
	@# its own folder, loaded in isolation by tests/evaluation/oracles.py
	$(PY) -m pip install -q --no-deps --target $(VENV)/oracles/cafaeval-1.3.0 cafaeval==1.3.0
	$(PY) -m pip install -q --no-deps --target $(VENV)/oracles/cafaeval-protea-0.1.0 cafaeval-protea==0.1.0

run: $(APP_STAMP)
	$(VENV)/bin/workbench serve

worker: $(APP_STAMP)
	$(VENV)/bin/workbench worker

chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Static checks first (style, format, the import contracts of pyproject.toml), then the tests.
test: $(TEST_STAMP) chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

clean-db:
	-$(VENV)/bin/workbench db stop
	rm -rf .data
