# Two entry points: `make demo` renders the bundled example, `make test` runs the tests.
# Both create .venv on first use; nothing outside this folder is needed but Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean chromium

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found %s); run: make PYTHON=python3.11" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/audio-pipeline render --out output

test: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || $(MAKE) --no-print-directory chromium
	$(BIN)/python -m pytest -q

# The episode page is tested in Debian's Chromium: installed here when we are root with apt-get;
# otherwise (or if it fails) those tests are skipped, and pytest's summary says why.
chromium:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium for the episode page's browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
	    || echo "could not install chromium: the page's browser tests will be skipped"; \
	else echo "no chromium, and no root apt-get to install it: the page's browser tests will be skipped"; fi

bench: $(STAMP)
	$(BIN)/python bench/run

clean:
	rm -rf $(VENV)
	find output -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
