# Quick start: `make run` and `make test`. Both set themselves up on a fresh Debian machine
# (Python 3.11, as root): .venv, the package, redis-server (and Chromium for the page tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# numba's cache of the compiled kernels (kernels/__pycache__) is rebuilt when a kernel source changes.
KERNELS_STAMP := $(VENV)/.kernels-stamp

.PHONY: run test check bench venv system-redis system-chromium system-fonts clean

# Install Debian packages when a command is missing (root only; otherwise say what to do).
define ensure_deb
	@if ! command -v $(1) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing $(2) from Debian packages ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null \
	      || { echo "apt-get install $(2) failed"; exit 1; }; \
	  else \
	    echo "$(1) is missing and this is not root: run 'sudo apt-get install $(2)' and try again"; exit 1; \
	  fi; \
	fi
endef

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed; installing python3-venv"; \
	  [ "$$(id -u)" = "0" ] && apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); } \
	  || { echo "cannot create .venv: install python3-venv (as root: apt-get install python3-venv)"; exit 1; }
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(STAMP)

$(KERNELS_STAMP): $(STAMP) $(wildcard kernels/*.py)
	$(BIN)/python -m kernels.warm
	@touch $(KERNELS_STAMP)

venv: $(STAMP) $(KERNELS_STAMP)

system-redis:
	$(call ensure_deb,redis-server,redis-server redis-tools)
	$(call ensure_deb,redis-check-rdb,redis-tools)

system-chromium:
	$(call ensure_deb,chromium,chromium)

# The CJK label font (floor/zpl: subset per label and sent with the job as ~DY).
system-fonts:
	@if [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing fonts-wqy-microhei from Debian packages ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null \
	      || { echo "apt-get install fonts-wqy-microhei failed"; exit 1; }; \
	  else \
	    echo "the CJK label font is missing and this is not root: run 'sudo apt-get install fonts-wqy-microhei'"; exit 1; \
	  fi; \
	fi

run: $(STAMP) $(KERNELS_STAMP) system-redis system-fonts
	$(BIN)/python -m floor.run.launch

test: $(STAMP) $(KERNELS_STAMP) system-redis system-chromium system-fonts
	$(BIN)/python -m pytest
	NUMBA_DISABLE_JIT=1 $(BIN)/python -m pytest tests/kernels

check: $(STAMP)
	$(BIN)/ruff check floor handheld_api kernels tests bench
	$(BIN)/mypy floor kernels handheld_api

bench: $(STAMP) $(KERNELS_STAMP) system-redis
	$(BIN)/python bench/scan_loop.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
