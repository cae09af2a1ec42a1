# The project's verbs. `make run` and `make test` are the two a newcomer needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
BIN         := $(VENV)/bin
PY          := $(BIN)/python
# The accepted release (a hard link to models/releases/<id>.tar.gz; models/current names it).
MODEL       := models/current.tar.gz
# The model built from the current data: the current release, or the candidate `make train`
# trained after a data change (what `make test` checks).
DATA_MODEL   = $$($(PY) -m bot models path)
RASA_PORT   ?= 5005
ACTION_PORT ?= 5055
WEB_PORT    ?= 5080
ENDPOINTS   ?= endpoints.yml
CREDENTIALS ?= credentials.yml
MIN_MACRO_F1 ?= 0.85

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
# Rasa 3.6's dependencies print pages of deprecation notices; they are not ours to fix.
export PYTHONWARNINGS := ignore::DeprecationWarning


.PHONY: models purge
.PHONY: help setup run run-production scale-deps deploy-check shell train test lint format validate test-stories nlu-eval bench-nlu bench-faq bench-faq-flows bench-reset-timing bench-load insights retrain pytest e2e-deps widget widget-check screenshots clean lock

help:
	@echo "make run        set up, train if needed, start the assistant (Ctrl-C stops)"
	@echo "make test       lint, validate, train, test stories, NLU evaluation, pytest"
	@echo "make shell      chat in the terminal"
	@echo "make train      train a candidate if data or config changed (the first one becomes a release)"
	@echo "make bench-nlu  accuracy, macro-F1, fallback sweep on held-out and real dev data"
	@echo "make bench-faq  fresh questions about the sign-in guide: right answer, key fact stated"
	@echo "make bench-faq-flows  flows with and without the FAQ: per-intent F1 side by side, chart"
	@echo "make bench-reset-timing  reset reply timing, account vs no account"
	@echo "make bench-load this assistant vs the stock Rasa bot under 20 concurrent customers"
	@echo "make run-production  2 Rasa + 2 action servers behind nginx on PostgreSQL/Redis/RabbitMQ"
	@echo "make lint       ruff check + format check;  make format  fix formatting"
	@echo "make retrain    train a candidate, serve it only if the gate accepts it (no restart)"
	@echo "make models     releases and candidates (python -m bot models list|show|promote|rollback)"
	@echo "make purge      delete tracker events and exports older than SIGNIN_RETENTION_DAYS (90)"
	@echo "make insights   report (charts) and review file from the tracker store; SINCE=YYYY-MM-DD"
	@echo "make widget     rebuild bot/web/static/signin-chat.js from web/src (needs Node)"
	@echo "make screenshots  widget screenshots at desktop and phone width into docs/screenshots"
	@echo "make lock       re-pin requirements.lock from the current venv"

# --- set-up -----------------------------------------------------------------------------
setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@python=$$(scripts/find-python310) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
	  echo "creating $(VENV) with $$python"; rm -rf $(VENV); "$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==24.0
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	@touch $@

lock: setup
	@{ echo "# Every package, transitive ones included, pinned for Python 3.10 / Rasa 3.6.21."; \
	   echo "# Regenerate: make lock (after changing pyproject.toml)."; \
	   $(PY) -m pip freeze --all --exclude-editable | grep -v '^pip=='; } > requirements.lock
	@echo "requirements.lock: $$(grep -vc '^#' requirements.lock) packages pinned"

# --- model ------------------------------------------------------------------------------
# Trains only into models/candidates/, and only when no model was built from exactly this
# data (by hash). On a fresh clone the first model becomes the first release through the
# absolute gate (held-out macro-F1 >= MIN_MACRO_F1, every test story passes); after that
# only `make retrain` (the full gate) or `python -m bot models promote` change what is served.
train: setup
	@$(PY) -m bot models train --min-macro-f1 $(MIN_MACRO_F1)

# (`rasa train` skips its own copy of `rasa data validate`, about a fifth of the training
# time: `make test` runs `validate` before `train`, `make retrain` validates first.)

models: setup
	@$(PY) -m bot models list

# --- running ----------------------------------------------------------------------------
run: train
	$(PY) -m bot db upgrade
	$(PY) -m bot serve --rasa-port $(RASA_PORT) --action-port $(ACTION_PORT) \
	  --web-port $(WEB_PORT) --endpoints $(ENDPOINTS) --credentials $(CREDENTIALS) \
	  --model $(MODEL)

# The production profile on this machine: N Rasa processes and M action servers behind nginx,
# on PostgreSQL, Redis and RabbitMQ (variables: README "Scaling out").
RASA_PROCESSES ?= 2
ACTION_SERVERS ?= 2
PROD_PORT      ?= 8080
run-production: train
	$(PY) -m bot db upgrade
	$(PY) -m bot.modelops.cluster --rasa $(RASA_PROCESSES) --actions $(ACTION_SERVERS) \
	  --port $(PROD_PORT) --model $(MODEL)

shell: train
	$(PY) -m bot shell --action-port $(ACTION_PORT) --model $(MODEL)

# --- checks -----------------------------------------------------------------------------
test: setup lint validate train test-stories nlu-eval e2e-deps scale-deps pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

validate: setup
	$(BIN)/rasa data validate --quiet

test-stories: train
	$(BIN)/rasa test core --model $(DATA_MODEL) --stories tests/test_stories.yml \
	  --fail-on-prediction-errors --out results/stories --quiet

nlu-eval: train
	$(PY) -m bot bench nlu --model $(DATA_MODEL) --data tests/nlu/heldout.yml \
	  --min-macro-f1 $(MIN_MACRO_F1) --report results/nlu/bench.json

# The held-out file and, when it is there, the real-customer development set (with a
# fallback threshold sweep); JSON reports in results/nlu/.
DEV_NLU ?= ../shared/evaluation/real-dev.tsv
bench-nlu: train
	$(PY) -m bot.modelops.bench_nlu --model $(MODEL) --data tests/nlu/heldout.yml --dev $(DEV_NLU) \
	  --top 15 --out results/nlu

# Fresh questions about the sign-in guide (tests/nlu/faq_fresh.yml, never trained on): each
# must get its own family's answer, and that answer must state the key fact. Fails otherwise.
bench-faq: train
	$(PY) -m bot.modelops.bench_nlu --model $(MODEL) --faq-only --faq tests/nlu/faq_fresh.yml \
	  --out results/nlu

# What the FAQ costs the flows: the same NLU pipeline trained without it, side by side with the
# current model on every held-out and real-dev line that is not an FAQ question (JSON + chart).
bench-faq-flows: train
	$(PY) -m bot.modelops.faq_flows --model $(MODEL) --data tests/nlu/heldout.yml --data $(DEV_NLU) \
	  --out results/nlu

retrain: setup
	$(PY) -m bot retrain --tolerance 0.01 --min-macro-f1 $(MIN_MACRO_F1)

purge: setup
	$(PY) -m bot insights purge

SINCE ?= $(shell date -u -d '30 days ago' +%F)
insights: setup
	$(PY) -m bot insights report --since $(SINCE) --out results/insights
	$(PY) -m bot insights review --below 0.6 --since $(SINCE) --out results/insights/review.yml

bench-reset-timing: setup
	$(PY) -m bot bench reset-timing --tries 50

CONCURRENCY   ?= 20
CONVERSATIONS ?= 80
bench-load: train
	$(PY) -m bot bench load --concurrency $(CONCURRENCY) --conversations $(CONVERSATIONS)

pytest: train
	$(BIN)/pytest tests

# Browser tests use Debian's Chromium (Playwright cannot download browsers here).
e2e-deps:
	@test -x /usr/bin/chromium || { echo "installing chromium for the browser tests"; \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
	  echo "WARNING: chromium could not be installed; browser tests will be skipped"; }

# The scale-out test runs nginx (Debian's package, started as a child process, never the
# system service).
scale-deps:
	@command -v nginx >/dev/null || { echo "installing nginx for the production-profile test"; \
	  (apt-get update -qq && apt-get install -y -qq nginx >/dev/null) || \
	  echo "WARNING: nginx could not be installed; the production-profile test will be skipped"; }

# What can be checked of deploy/ without a Docker engine or a cluster.
deploy-check: setup
	$(PY) -c 'import glob, yaml; [yaml.safe_load(open(f)) for f in glob.glob("deploy/**/*.yml", recursive=True)]; print("deploy/*.yml: valid YAML")'
	@if docker compose version >/dev/null 2>&1; then \
	  SIGNIN_SECRET_KEY=x ACTION_SERVER_TOKEN=x POSTGRES_PASSWORD=x RABBITMQ_PASSWORD=x \
	  docker compose -f deploy/docker-compose.yml config --quiet && echo "docker compose config: ok"; \
	else echo "docker compose is not available: compose file checked as YAML only"; fi

# The chat widget: built from web/src with Node (the built file is committed, so running
# the assistant never needs Node).
widget:
	cd web && npm ci --no-audit --no-fund && node build.mjs

widget-check:
	cd web && npm ci --no-audit --no-fund && node build.mjs --check

screenshots: train e2e-deps
	$(PY) -m tests.e2e.screenshots docs/screenshots

clean:
	rm -rf models results .pytest_cache .ruff_cache
