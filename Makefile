# Finlake: the two commands are `make demo` and `make test`; everything else is a building block.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

export NX_DAEMON ?= false
export NX_NO_CLOUD := true
export NX_TUI := false
export NX_SKIP_NX_CACHE ?= false
export AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE := 1
# The pinned Node (.node-version) that `make setup` installs into .tools/node when the machine's is older.
export PATH := $(CURDIR)/.tools/node/bin:$(PATH)
NX := npx nx
REPORTS := dist/test-reports

.PHONY: help setup demo test lint typecheck unit workflows format bench images stack stack-down clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: ## install Node and Python dependencies from the lockfiles (no-op when unchanged)
	@bash tools/scripts/bootstrap.sh

demo: setup ## run the platform's main job end to end on the bundled sample
	@bash tools/scripts/demo.sh

test: setup ## lint, typecheck and every test of every project (TS, Python, dbt), then a summary
	@rm -rf $(REPORTS)
	@$(MAKE) --no-print-directory lint typecheck
	@$(MAKE) --no-print-directory unit

lint: setup ## ESLint (with module boundaries), ruff, black, Prettier, actionlint
	@$(NX) run-many -t lint --outputStyle=static
	@npx prettier --check . --log-level warn
	@npx dclint docker-compose.yml
	@bash tools/scripts/actionlint.sh

typecheck: setup ## TypeScript project references, strict
	@$(NX) run-many -t typecheck --outputStyle=static

unit: ## run every project's tests (assumes setup) and print one summary line
	@$(NX) run-many -t test --outputStyle=static --parallel=2
	@node tools/scripts/test-summary.mjs $(REPORTS)

format: setup ## apply Prettier, black and ruff's fixes
	@npx prettier --write . --log-level warn
	@.venv/bin/black --quiet apps dbt tools
	@.venv/bin/ruff check --fix --quiet apps dbt tools

images: setup ## build every deployable image from its Dockerfile here, and report their sizes
	@bash tools/scripts/images.sh

stack: setup ## the local development stack (docker-compose.yml) up and healthy; docs/local-stack.md
	@bash tools/scripts/stack.sh up

stack-down: ## stop the local development stack (and the Docker engine if `make stack` started it)
	@bash tools/scripts/stack.sh down

bench: setup ## performance targets, as ratios against a baseline measured in the same run
	@bash tools/scripts/bench.sh

clean: ## remove build outputs, caches and the local lake (not the installed environments)
	@rm -rf dist .nx/cache .lake apps/*/dist libs/*/dist tools/*/dist libs/*/out-tsc apps/*/out-tsc tools/*/out-tsc
