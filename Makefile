# Two commands matter: `make demo` and `make test`. Both set up everything first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: setup browser demo test bench lint clean

setup: $(STAMP)

# Browser tests drive Debian's Chromium (a browser cannot be downloaded here); fonts-noto-cjk
# so that Chinese renders in screenshots.
browser:
	@command -v chromium >/dev/null 2>&1 && test -d /usr/share/fonts/opentype/noto || { \
	  echo "Installing Debian's chromium and CJK fonts for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium fonts-noto-cjk >/dev/null; }

# Re-run only when the dependency list changes, so a second `make` is instant.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/hearth demo --port $(PORT)

test: setup browser
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest

bench: setup
	$(BIN)/python -m bench.order_rush

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
