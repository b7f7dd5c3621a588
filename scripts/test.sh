#!/usr/bin/env bash
# Install brink with its test extras into .venv, then lint, type-check and run the whole test suite.
# As root (CI), also installs Debian's chromium so the report is checked in a real headless browser.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser test" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
        || echo "chromium could not be installed; the browser test will be skipped" >&2
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/mypy src
set +e
# The tests run on every core (pytest-xdist; BRINK_TEST_WORKERS=0 runs them in one process), each
# file on one worker: a module may share state between its tests (the browser tests do).
.venv/bin/python -m pytest -n "${BRINK_TEST_WORKERS:-auto}" --dist loadfile "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "pytest collected no tests" >&2
    exit 1
fi
exit "$rc"
