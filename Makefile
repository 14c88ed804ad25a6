# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(abspath $(or $(IMPACT_DATA_DIR),data))/dagster_home

.PHONY: run test test-spark lint dev docs install generate benchmark bench calibrate clean rollback report

# pyproject.toml's requires-python, checked before a venv is made (a venv of another
# Python would stay behind and fail every later make the same way).
SUPPORTED_PYTHON := (3, 11) <= sys.version_info[:2] < (3, 13)
CHECK_PYTHON = $(1) -c 'import sys; sys.exit(0 if $(SUPPORTED_PYTHON) else 1)'

## Running needs the package alone; lint, tests and benchmarks add the dev extras.
$(STAMP): pyproject.toml
	@$(call CHECK_PYTHON,$(PYTHON)) 2>/dev/null || { echo "ERROR: '$(PYTHON)' is not Python 3.11 or 3.12, which this project needs: run make PYTHON=python3.12 (or python3.11)." >&2; exit 2; }
	@if [ -x $(BIN)/python ] && ! $(call CHECK_PYTHON,$(BIN)/python); then echo "removing $(VENV), made with another Python"; rm -rf $(VENV); fi
	@echo "Installing the pipeline into $(VENV) (a few minutes, once) ..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -qq --upgrade pip
	@$(BIN)/pip install -qq -e .
	@touch $(STAMP)

DEV_STAMP := $(VENV)/.installed-dev
$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install -qq -e '.[dev]'
	touch $(DEV_STAMP)

install: $(STAMP)

# The optional Spark stack (dbt-spark[session], pyspark; needs Java 17), on top of the dev install.
SPARK_STAMP := $(VENV)/.installed-spark
$(SPARK_STAMP): $(DEV_STAMP)
	$(BIN)/pip install -qq -e '.[dev,spark]'
	touch $(SPARK_STAMP)

## Generate the sample (if IMPACT_LANDING_DIR is unset), run the whole pipeline once, print a summary.
## Everything under the data directory is owner-only (umask 077; the run sets it too).
run: $(STAMP)
	@umask 077 && $(BIN)/python -m dagster_project.run $(ARGS)

## Write the HTML report of the published run again ($IMPACT_DATA_DIR/report/index.html), from its serving file.
report: $(STAMP)
	umask 077 && $(BIN)/python -m dagster_project.report

## Point serving.duckdb, exports/ and report/ back to the run published before the current one.
rollback: $(STAMP)
	umask 077 && $(BIN)/python -m dagster_project.run --rollback

## ruff for Python, sqlfluff (dbt templater, .sqlfluff) for the dbt models.
lint: $(DEV_STAMP)
	$(BIN)/ruff check dagster_project sources tests benchmarks dbt/models
	mkdir -p .lint
	IMPACT_WAREHOUSE_PATH=$(abspath .lint)/lint.duckdb IMPACT_CONFIG_DIR=$(abspath sources/sample_config) \
	DBT_ENV_SECRET_IMPACT_PERSON_KEY=lint-only-not-a-secret-0123456789abcdef \
		$(BIN)/sqlfluff lint dbt/models --disable-progress-bar

## The whole test suite (the browser tests drive Debian's /usr/bin/chromium; .ci/run installs it).
test: $(DEV_STAMP)
	$(BIN)/python -m pytest

## The whole job on the small sample twice, IMPACT_ENGINE=duckdb and IMPACT_ENGINE=spark (local[2]), every
## published table compared: the same rows, floats to 1e-9 relative, the rest exact (benchmarks/spark_compare.py);
## then one appended night on both, DuckDB's run incremental, compared again.
test-spark: $(SPARK_STAMP)
	umask 077 && $(BIN)/python -m benchmarks.spark_compare $(ARGS)

## The Dagster UI on localhost, with the same instance as `make run`.
dev: $(STAMP)
	umask 077 && mkdir -p "$(DAGSTER_HOME)" && $(BIN)/python -m dagster_project.instance "$(DAGSTER_HOME)" && \
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

## dbt docs (models, columns, PII flags, the impact method, lineage) on http://127.0.0.1:8080, after `make run`.
docs: $(STAMP)
	umask 077 && cd dbt && IMPACT_WAREHOUSE_PATH=$(abspath $(or $(IMPACT_DATA_DIR),data))/warehouse.duckdb \
		../$(BIN)/dbt docs generate --profiles-dir . --target-path $(abspath $(or $(IMPACT_DATA_DIR),data))/dbt_docs
	cd dbt && ../$(BIN)/dbt docs serve --profiles-dir . --target-path $(abspath $(or $(IMPACT_DATA_DIR),data))/dbt_docs --host 127.0.0.1 --port 8080

## Write a sample landing folder: make generate SCALE=medium OUT=/tmp/landing
generate: $(STAMP)
	$(BIN)/python -m sources.generator --out $(or $(OUT),sources/sample_landing) --scale $(or $(SCALE),small)

## Coverage and bias of the estimates on every world the generator plants, 8 seeds each (slow: about 20 minutes; not part of make test).
calibrate: $(DEV_STAMP)
	$(BIN)/python -m benchmarks.calibrate $(ARGS)

## Ingest throughput and pipeline timings on a generated sample (SCALE=medium by default).
benchmark: $(DEV_STAMP)
	$(BIN)/python -m benchmarks.run --scale $(or $(SCALE),medium)

## The scale benchmark: medium and large, each a cold full run, its engine floor and a nightly run with one appended day,
## and again with one more year of history; then how each model's time grows from one scale to the other, and how a
## night's cost grows with history (benchmarks/results/). About 90 minutes on 2 cores, most of it large.
bench: $(DEV_STAMP)
	for scale in $(or $(SCALES),medium large); do $(BIN)/python -m benchmarks.run --scale $$scale || exit 1; \
		$(BIN)/python -m benchmarks.run --scale $$scale --one-more-year --skip-floor || exit 1; done
	if [ $(words $(or $(SCALES),medium large)) -eq 2 ]; then $(BIN)/python -m benchmarks.growth $(or $(SCALES),medium large); fi
	$(BIN)/python -m benchmarks.history $(or $(SCALES),medium large)

## Remove the venv, the default data directory, the generated sample and dbt's and lint's leftovers.
clean:
	rm -rf $(VENV) .lint data sources/sample_landing dbt/target dbt/logs
