# lakegate: every setup step lives here, so a fresh machine needs only python3, node and make.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CENTRAL_ACCOUNT_ID ?= 111111111111
# The mesh `make synth` builds for: example accounts (a deployment names its own, see the README).
PRODUCER_ACCOUNT_IDS ?= 222222222222
CONSUMER_ACCOUNT_IDS ?= 444455556666

export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_RUNTIME_PACKAGE_CACHE_ROOT := $(CURDIR)/.cache/jsii
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help setup sandbox demo synth offline-demo test lint typecheck bench clean

help:
	@echo "make sandbox set up, then run the whole mesh locally (Ctrl-C stops it)"
	@echo "make test    set up, lint, type-check and run every test"
	@echo "make demo    set up, synthesize both stacks (cdk-nag on), run the workflow offline once"
	@echo "make synth   synthesize the stacks into cdk.out (CENTRAL_ACCOUNT_ID=$(CENTRAL_ACCOUNT_ID), PRODUCER_ACCOUNT_IDS=$(PRODUCER_ACCOUNT_IDS), CONSUMER_ACCOUNT_IDS=$(CONSUMER_ACCOUNT_IDS))"
	@echo "make bench   print the workflow's transitions, API calls and cold starts"
	@echo "make clean   remove the virtualenv, node_modules and build output"

# Debian's Chromium for the browser test (Playwright drives it; nothing downloads a browser).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

setup: $(VENV)/.installed node_modules/.installed $(CHROMIUM)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

$(VENV)/.installed: requirements.txt requirements-dev.txt lambdas/requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --editable .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

sandbox: setup
	$(BIN)/lakegate sandbox

demo: synth offline-demo

synth: setup
	node_modules/.bin/cdk synth --quiet --no-notices -c central_account_id=$(CENTRAL_ACCOUNT_ID) \
		-c producer_account_ids=$(PRODUCER_ACCOUNT_IDS) -c consumer_account_ids=$(CONSUMER_ACCOUNT_IDS)
	@echo "Templates in cdk.out/: $$(ls cdk.out/*.template.json | xargs -n1 basename | tr '\n' ' ')"

offline-demo: setup
	$(BIN)/python -m lakegate_offline.demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy lambdas lakegate_cli lakegate_sandbox lakegate_offline stacks

test: lint typecheck
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench.benchmark

clean:
	rm -rf $(VENV) node_modules cdk.out .cache .pytest_cache .mypy_cache .ruff_cache
