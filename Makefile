# Two commands (see README): `make lab` opens the course, `make test` runs every test.
# Both create .venv the first time: `make lab` installs the course and what it needs to run
# (learners need no more); `make test` adds the test tools (pytest, nbval, playwright, ...).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAB_STAMP := $(VENV)/.installed-lab
TEST_STAMP := $(VENV)/.installed-test

.PHONY: lab test lint build clean site

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(LAB_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(LAB_STAMP)

$(TEST_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(TEST_STAMP) $(LAB_STAMP)

# course-lib lab starts JupyterLab on the welcome notebook (adding --allow-root as root)
lab: $(LAB_STAMP)
	$(BIN)/course-lib lab

test: $(TEST_STAMP)
	$(BIN)/python -m pytest

# the course as a static website, offline, from the stored notebooks: site/_build/html
site: $(TEST_STAMP)
	$(BIN)/python site/build.py

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV)
