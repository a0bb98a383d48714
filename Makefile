# Two commands (see README): `make lab` opens the course, `make test` runs every test.
# Both create .venv with the course installed in it the first time.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test lint build clean site

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# jupyter refuses to run as root unless told; root is common in containers
ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

lab: $(STAMP)
	$(BIN)/jupyter lab $(ROOT_FLAG) --LabApp.default_url=/lab/tree/notebooks/00_welcome.ipynb

test: $(STAMP)
	$(BIN)/python -m pytest

# the course as a static website, offline, from the stored notebooks: site/_build/html
site: $(STAMP)
	$(BIN)/python site/build.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV)
