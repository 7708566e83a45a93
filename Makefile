# Atlas PVIGM. `make run` and `make test` do all set-up on a fresh Debian machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Everything the built data depend on: when any of it changes, the data are stale.
DATA_INPUTS := $(shell find vendor geodata etl indicators -type f ! -name '*.pyc' ! -path '*/__pycache__/*' 2>/dev/null)
DATA_STAMP := data/.built

.PHONY: run test data bench browser postgres haproxy screenshots clean

$(BIN)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "python3 -m venv failed: installing python3-venv"; \
	  SUDO=$$(command -v sudo || true); $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

$(DATA_STAMP): $(BIN)/.installed $(DATA_INPUTS)
	$(PY) -m geodata build > /dev/null
	@if [ -f etl/__main__.py ]; then $(PY) -m etl build; fi
	@mkdir -p data && touch $@

## data: rebuild every built artefact (geometry, gazetteer, store) from the vendored sources
data: $(BIN)/.installed
	@rm -f $(DATA_STAMP)
	@$(MAKE) --no-print-directory $(DATA_STAMP)

## run: install, build the data if missing or stale, start the atlas on http://localhost:8501
## (the server is warmed up once before the first visitor: libraries imported, shared caches filled)
## and the API service (SDMX 2.1 + JSON/CSV, docs at /docs) on http://localhost:8502, stopped with the atlas
PORT ?= 8501
API_PORT ?= 8502
run: $(DATA_STAMP)
	@$(PY) -m api --port $(API_PORT) & api=$$!; \
	  $(BIN)/streamlit run streamlit_app.py --server.port $(PORT) --server.scriptHealthCheckEnabled true & \
	  server=$$!; trap 'kill $$server $$api 2> /dev/null' INT TERM EXIT; \
	  $(PY) -m atlas.core.prewarm --port $(PORT) || true; wait $$server

## browser: Debian's chromium for the real-browser tests (installed when missing)
browser:
	@command -v chromium > /dev/null || { \
	  SUDO=$$(command -v sudo || true); $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium > /dev/null; }

## postgres: Debian's PostgreSQL server (installed when missing) for the registry tests and the cluster
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1 || { \
	  SUDO=$$(command -v sudo || true); $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql > /dev/null; }

## haproxy: Debian's HAProxy (installed when missing), the load balancer of `make cluster`
haproxy:
	@command -v haproxy > /dev/null || test -x /usr/sbin/haproxy || { \
	  SUDO=$$(command -v sudo || true); $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq haproxy > /dev/null; }

## cluster: the reference deployment on this machine (deploy/README.md): PostgreSQL (data/cluster/postgres),
## $(SERVERS) atlas servers and the API behind HAProxy on http://localhost:$(CLUSTER_PORT); Ctrl-C stops everything
SERVERS ?= 2
CLUSTER_PORT ?= 8600
.PHONY: cluster
cluster: $(DATA_STAMP) haproxy postgres
	$(PY) -m deploy.cluster --servers $(SERVERS) --port $(CLUSTER_PORT)

## test: install (Python packages; Debian's chromium, PostgreSQL and HAProxy when missing), build the data,
## then the whole suite (unit, AppTest, real browser, registry on PostgreSQL, the cluster behind HAProxy)
test: $(BIN)/.installed-dev $(DATA_STAMP) browser postgres haproxy
	$(PY) -m pytest -n 2 --dist loadgroup

## bench: print the performance figures (deck bytes, rerun times, build time, cross-tab time)
bench: $(BIN)/.installed-dev $(DATA_STAMP) browser
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

bench: haproxy postgres  # bench/bench_cluster.py starts the reference cluster

## screenshots: every page at desktop and phone sizes, in both languages, into docs/screenshots/
screenshots: $(BIN)/.installed-dev $(DATA_STAMP) browser
	$(PY) docs/make_screenshots.py

clean:
	rm -rf data $(VENV)
