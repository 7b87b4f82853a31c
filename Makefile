# Two commands matter: `make demo` and `make test`. Both set up everything first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: setup browser netns-tools fuse demo test check bench crash chaos powercut profile lint format clean

setup: $(STAMP)

# Browser tests drive Debian's Chromium (a browser cannot be downloaded here); fonts-noto-cjk
# so that Chinese renders in screenshots.
browser:
	@command -v chromium >/dev/null 2>&1 && test -d /usr/share/fonts/opentype/noto || { \
	  echo "Installing Debian's chromium and CJK fonts for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium fonts-noto-cjk >/dev/null; }

# The sync fault tests put store and HQ in network namespaces (iproute2) and drop packets with
# nftables and iptables' statistic match: Debian packages, installed when missing (needs root).
netns-tools:
	@command -v ip >/dev/null 2>&1 && command -v nft >/dev/null 2>&1 && \
	  command -v iptables >/dev/null 2>&1 || { \
	  echo "Installing iproute2, nftables and iptables for the sync fault tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    iproute2 nftables iptables >/dev/null; }

# The power-cut tests keep the node's database on a FUSE file system (mfusepy loads libfuse3,
# fusermount3 unmounts it): Debian's fuse3, installed when missing (needs root and /dev/fuse).
fuse:
	@command -v fusermount3 >/dev/null 2>&1 || { \
	  echo "Installing fuse3 for the power-cut tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fuse3 >/dev/null; }

# Re-run only when the dependency list changes, so a second `make` is instant.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/hearth demo --port $(PORT)

test: setup browser netns-tools fuse lint
	$(BIN)/pytest

# The fast loop while working: lint, types, the layers, and the unit and integration tests
# (no browser, no killed processes) in a couple of minutes.
check: lint
	$(BIN)/pytest -m "not browser and not slow" tests/unit tests/integration

# Every benchmark prints a table against its goal and writes JSON under bench/results/.
BENCHES ?= order_rush menu_search memory kitchen_feed payments sync fault_response forecast_backtest inventory members
bench: setup browser
	@for b in $(BENCHES); do \
	  if [ -f bench/$$b.py ]; then echo "== bench/$$b.py"; $(BIN)/python -m bench.$$b || exit 1; fi; \
	done

# The long crash run: 100 SIGKILLs of a real node during a rush (make test runs a quick 3).
crash: setup
	$(BIN)/python -m bench.crash_suite --kills 100
	HEARTH_FAULT_PAYMENTS=10000 $(BIN)/pytest -q tests/integration/test_payment_faults.py

# The long partition run: 1,000 network faults and kills between a store and HQ in network
# namespaces while tills order and pay (make test runs a short one).
chaos: setup netns-tools fuse
	$(BIN)/python -m bench.sync_chaos --faults 1000
	$(BIN)/python -m bench.power_cut --cuts 60

# The long power-cut run alone: 60 cuts of a store node's disk during a rush (unsynced writes
# lost, some torn), each followed by a restart and a check that nothing acknowledged is gone.
powercut: setup fuse
	$(BIN)/python -m bench.power_cut --cuts 60

# Where the store node's time goes during a rush (py-spy on the node, GIL-holding samples).
profile: setup
	$(BIN)/python -m bench.profile_rush

# ruff, the formatter's check, mypy, and the import contracts of docs/architecture.md.
lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
