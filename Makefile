# Braise: the commands a newcomer needs. `make help` lists them.
# Everything the targets install or start lives under var/ (git-ignored).

SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.8
UV := var/tools/bin/uv
SYNCED := .venv/.synced
RUN := $(UV) run --frozen
CYTOSCAPE := services/notifier/src/braise_notifier/static/vendor/cytoscape.min.js
SUDO := $(if $(filter 0,$(shell id -u)),,sudo -n)

.PHONY: help install up down status demo test screenshots mutation lint fmt docs clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# uv itself, pinned, in a private virtualenv: nothing global is touched.
$(UV):
	python3 -m venv var/tools
	var/tools/bin/pip install --quiet 'uv==$(UV_VERSION)'

# The project's virtualenv, rebuilt when the lock file or a pyproject changes.
$(SYNCED): uv.lock pyproject.toml $(wildcard */pyproject.toml services/*/pyproject.toml) | $(UV)
	$(UV) sync --frozen
	@touch $@

# The browser libraries, from the npm registry at the versions of web/package-lock.json:
# cytoscape is copied into the notifier's static folder (served by the notifier itself, the
# browser fetches nothing elsewhere); axe-core stays in web/node_modules for the browser tests.
$(CYTOSCAPE): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm; }
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	mkdir -p $(@D)
	cp web/node_modules/cytoscape/dist/cytoscape.min.js $@

install: $(SYNCED) $(CYTOSCAPE) ## Install Python, the project, its dependencies and browser libraries

up: $(SYNCED) $(CYTOSCAPE) ## Install what is missing; start Redis, Neo4j, the mail sink and Braise
	$(RUN) braise up

down: $(SYNCED) ## Stop everything `make up` started
	$(RUN) braise down

status: $(SYNCED) ## Say what runs and answers (exit 1 when something is down)
	$(RUN) braise status

demo: $(SYNCED) $(CYTOSCAPE) ## Run the main job end to end (SIZE=N consultants, default 300)
	$(RUN) braise demo $(if $(SIZE),--size $(SIZE))

test: $(SYNCED) $(CYTOSCAPE) ## Install what is missing, start the test servers, run every test
	$(RUN) pytest

screenshots: $(SYNCED) $(CYTOSCAPE) ## Take the pages' screenshots at 390 and 1280 px into docs/img/
	$(RUN) pytest -q tests/e2e/test_consultant_pages.py tests/integration/test_firm_view_browser.py
	$(RUN) python -m tests.support.page_screenshots

mutation: $(SYNCED) ## Mutation testing of the rule modules (slow; CHILDREN=2; docs/testing.md)
	$(RUN) python -m tests.mutation --children $(or $(CHILDREN),2)

lint: $(SYNCED) ## ruff (lint and format check) and mypy --strict
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) lint-imports --no-cache

fmt: $(SYNCED) ## Format the code and fix what ruff can
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

docs: $(SYNCED) ## Regenerate docs generated from code (docs/events.md)
	$(RUN) python -m braise_shared.eventdocs > docs/events.md

clean: down ## Stop everything and delete var/ (data, logs, mail, downloads)
	rm -rf var .venv web/node_modules $(dir $(CYTOSCAPE))
