# Quick start: `make run` (set up, then the local job on the shipped samples) and `make test`.
# Everything installs into folders of this checkout: .venv (the project) and .tools (linters
# that pin their own dependencies).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
SAM := $(TOOLS)/sam/bin/sam
CHECKOV := $(TOOLS)/checkov/bin/checkov
SAMPLES := samples/segment-python-session.jsonl samples/segment-node-session.jsonl
export SAM_CLI_TELEMETRY := 0

.PHONY: setup run test check lint typecheck security template-check unit bench build clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[local,dev]'
	@touch $@

$(SAM):
	$(PYTHON) -m venv $(TOOLS)/sam
	$(TOOLS)/sam/bin/pip install --quiet --upgrade pip
	$(TOOLS)/sam/bin/pip install --quiet 'aws-sam-cli==1.170.0'

# checkov pins an old boto3, so it lives in a virtual environment of its own.
$(CHECKOV):
	$(PYTHON) -m venv $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/pip install --quiet --upgrade pip
	$(TOOLS)/checkov/bin/pip install --quiet 'checkov==3.3.30'

run: setup
	@mkdir -p out
	$(BIN)/cordial-destination run $(SAMPLES) --summary-json out/run-summary.json \
		--log-file out/run-logs.jsonl

# Two workers, one per core: the local-stack tests spend most of their time in moto.
test: setup $(SAM) $(CHECKOV) check
	$(BIN)/python -m pytest -n 2 --dist loadfile

check: lint typecheck security template-check

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

# --skip-download: otherwise checkov asks api0.prismacloud.io for its guidelines on each run.
security: setup $(CHECKOV)
	$(BIN)/bandit --quiet --recursive --configfile pyproject.toml layers src functions
	$(CHECKOV) --quiet --compact --skip-download --framework cloudformation --file template.yaml

template-check: setup $(SAM)
	$(BIN)/cfn-lint template.yaml
	$(SAM) validate --lint --region us-east-1 --template-file template.yaml

unit: setup
	$(BIN)/python -m pytest tests/unit

bench: setup
	$(BIN)/python benchmarks/run.py

# sam build needs python3.13 on PATH; with pyenv, the newest 3.13 it has is put first.
PYENV_313 := $(shell pyenv versions --bare 2>/dev/null | grep '^3\.13' | tail -1)
build: $(SAM)
	PYENV_VERSION="$(PYENV_313)$(if $(PYENV_313),:)$$(pyenv version-name 2>/dev/null)" \
		$(SAM) build --template-file template.yaml

clean:
	rm -rf $(VENV) $(TOOLS) .aws-sam out .pytest_cache .mypy_cache .ruff_cache
