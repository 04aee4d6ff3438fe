# Set-up and everyday commands. Each target builds or refreshes .venv first, so a fresh
# machine with only Python 3.11, pip and make can run them.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-install

.PHONY: demo test lint typecheck fuzz bench matrix browser-deps redis-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cpe demo

# Debian's Chromium for the browser tests; installed only when missing (CI runs as root).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	      || echo "aviso: não foi possível instalar o chromium; os testes de navegador serão pulados"; \
	  else echo "aviso: chromium ausente e sem root; os testes de navegador serão pulados"; fi; }

# Debian's redis-server for the Celery and coordination tests (they start their own, on a
# free loopback port); installed only when missing (CI runs as root).
redis-deps:
	@command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) \
	      || echo "aviso: não foi possível instalar o redis-server; os testes de Redis serão pulados"; \
	  else echo "aviso: redis-server ausente e sem root; os testes de Redis serão pulados"; fi; }

test: $(STAMP) browser-deps redis-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

lint: $(STAMP)
	$(BIN)/ruff check cpe drivers inventory tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy cpe drivers inventory

fuzz: $(STAMP)
	CPE_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest -q tests/fuzz -p no:randomly

bench: $(STAMP)
	$(BIN)/python benchmarks/audit_scale.py

# Support matrix: the conformance suite (simulators + captured fixtures) with the matrix
# plugin, then docs/support-matrix.md. A failing test still renders (as FALHOU); the exit
# code is the suite's.
matrix: $(STAMP)
	mkdir -p test-output
	$(BIN)/python -m pytest -q -n 2 -p cpe.matrix.plugin \
	  --matrix-results=test-output/conformance-results.json tests/conformance; \
	status=$$?; \
	$(BIN)/python -m cpe.matrix --results test-output/conformance-results.json \
	  --out docs/support-matrix.md && exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-output
