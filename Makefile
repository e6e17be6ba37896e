# Every target sets itself up: a fresh machine needs only Rust, Python 3.11, pip.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(abspath $(VENV))/bin:$(PATH)

RUST_SRC := $(shell find rust -name '*.rs' -o -name Cargo.toml) Cargo.toml pyproject.toml
HYPOTHESIS_PROFILE ?= fast
export HYPOTHESIS_PROFILE

.PHONY: help
help: ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(VENV)/.deps: pyproject.toml requirements-dev.txt
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

# One stamp per profile, so `make test` (debug) and `make demo` (release) each rebuild only
# when Rust sources change; cargo keeps both profiles cached in target/.
$(VENV)/.built-dev: $(VENV)/.deps $(RUST_SRC)
	maturin develop -q
	rm -f $(VENV)/.built-release
	touch $@

$(VENV)/.built-release: $(VENV)/.deps $(RUST_SRC)
	maturin develop -q --release
	rm -f $(VENV)/.built-dev
	touch $@

.PHONY: build
build: $(VENV)/.built-dev ## build the native module (debug) into .venv

.PHONY: demo
demo: $(VENV)/.built-release ## build (release) and show the engine pricing and explaining carts
	$(PY) examples/demo.py

# Orders of the peak-memory measurement (benches/memory.py); about a minute at 1,000,000.
BENCH_MEMORY_ORDERS ?= 1000000
# Codes of the pool the lookups run in (benches/pools.py); 10,000,000 takes a few minutes and
# about 3 GB of memory.
BENCH_POOL_CODES ?= 10000000

.PHONY: bench
bench: $(VENV)/.built-release ## benchmarks (release): pytest-benchmark + criterion + peak memory, a table of ratios, stores and pools
	mkdir -p target/bench
	$(PY) -m pytest benches -q --benchmark-enable \
		--benchmark-json=target/bench/pytest.json --benchmark-columns=median,iqr,rounds
	cargo bench -q -p promotor-core --bench eval -- --warm-up-time 1 --measurement-time 2
	cargo bench -q -p promotor-core --bench codes -- --warm-up-time 1 --measurement-time 3
	$(PY) -m benches.memory --orders $(BENCH_MEMORY_ORDERS) --json target/bench/memory.json
	$(PY) -m benches.report target/bench/pytest.json target/criterion
	.ci/servers run -- $(PY) -m benches.stores --json target/bench/stores.json \
		--pytest-json target/bench/pytest.json
	$(PY) -m benches.pools --pool $(BENCH_POOL_CODES) --json target/bench/pools.json \
		--pytest-json target/bench/pytest.json

# The store tests need PostgreSQL and Redis: .ci/servers starts throwaway ones on loopback
# (when installed: `make system-deps`) and stops them afterwards; without them those tests skip
# and say so.
.PHONY: test
test: $(VENV)/.built-dev ## cargo test, clippy, rustfmt, ruff, mypy, stubtest, pytest (fast hypothesis profile)
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -q -- -D warnings
	cargo test -q -p promotor-core
	$(VENV)/bin/ruff check python tests benches examples docs/hooks.py
	$(VENV)/bin/ruff format --check python tests benches examples docs/hooks.py
	$(VENV)/bin/mypy python/promotor
	$(PY) -m mypy.stubtest promotor._native  # the .pyi stub says what the built module has
	.ci/servers run -- $(PY) -m pytest -q -m "not slow"

.PHONY: test-slow
test-slow: $(VENV)/.built-release ## property tests at >= 100,000 cases each (slow profile)
	HYPOTHESIS_PROFILE=slow .ci/servers run -- $(PY) -m pytest -q tests -k "property or slow"

.PHONY: system-deps
system-deps: ## install the Debian packages the tests need (.ci/apt-packages.txt; needs root)
	.ci/system-deps

.PHONY: lint
lint: $(VENV)/.deps ## linters only
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -q -- -D warnings
	$(VENV)/bin/ruff check python tests benches examples docs/hooks.py
	$(VENV)/bin/mypy python/promotor

.PHONY: fmt
fmt: $(VENV)/.deps ## format Rust and Python
	cargo fmt --all
	$(VENV)/bin/ruff format python tests benches examples docs/hooks.py
	$(VENV)/bin/ruff check --fix python tests benches examples docs/hooks.py

.PHONY: docs-generated
docs-generated: $(VENV)/.built-dev ## regenerate generated pages (docs/worked-examples.md)
	$(PY) -m tests.golden_doc > docs/worked-examples.md

.PHONY: docs
docs: docs-generated ## regenerate generated pages, then build the site into site/ (mkdocs --strict)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

.PHONY: clean
clean: ## remove build products and the virtual environment
	rm -rf $(VENV) target
