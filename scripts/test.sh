#!/usr/bin/env bash
# Install brink with its test extras into .venv, then lint, type-check and run the whole test suite.
# As root (CI), also installs Debian's chromium so the report and the workbench are checked in a real
# headless browser.  Each step says what it is doing and how long it took: the first run on a fresh
# machine builds pygambit (the Gambit cross-checks, GPL, tests only) from C++ source, which takes
# about 10 minutes on 2 cores; later runs reuse the built wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
step() { printf '\n==> [%s] %s (%d s so far)\n' "$1" "$2" "$((SECONDS - started))" >&2; }

if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    step 1/6 "installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
        || echo "chromium could not be installed; the browser tests will be skipped" >&2
fi
step 2/6 "installing brink and the test extras into .venv"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
if .venv/bin/python -c "import pygambit" >/dev/null 2>&1; then
    step 3/6 "pygambit (Gambit cross-checks) already installed: $(.venv/bin/python -c 'import pygambit; print(pygambit.__version__)')"
else
    step 3/6 "building pygambit from C++ source for the Gambit cross-checks (about 10 minutes on 2 cores the first time)"
    .venv/bin/python -m pip install --progress-bar off -e '.[gambit]' 2>&1 \
        | grep --line-buffered -E "Collecting pygambit|Building wheel for pygambit|Successfully installed|ERROR" >&2 || true
    .venv/bin/python -c "import pygambit" || { echo "pygambit could not be installed" >&2; exit 1; }
fi
step 4/6 "ruff"
.venv/bin/ruff check src tests benchmarks scripts
step 5/6 "mypy --strict on src"
.venv/bin/mypy src
step 6/6 "pytest on every core"
set +e
# The tests run on every core (pytest-xdist; BRINK_TEST_WORKERS=0 runs them in one process), each
# file on one worker: a module may share state between its tests (the browser tests do).
.venv/bin/python -m pytest -n "${BRINK_TEST_WORKERS:-auto}" --dist loadfile "$@"
rc=$?
set -e
echo "test.sh: finished in $((SECONDS - started)) s (exit $rc)" >&2
if [ "$rc" -eq 5 ]; then
    echo "pytest collected no tests" >&2
    exit 1
fi
exit "$rc"
