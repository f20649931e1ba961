#!/usr/bin/env bash
# The project's test command.  Layer 1 (always): ruff + pytest on the QBO library and the emulator,
# in a virtualenv built from the pinned requirements.  Layer 2 (when Odoo 19 is found): the addon's
# Odoo tests, on a fresh throw-away database, run by Odoo's own test runner.
#
# Environment:
#   ODOO_PYTHON        python of an Odoo 19 install (default ~/.venvs/odoo19/bin/python, then python3)
#   ODOO_ADDONS_PATH   extra addons directories for Odoo, comma separated (Odoo's own addons when
#                      they are not inside the installed odoo package)
#   PGHOST PGPORT PGUSER  PostgreSQL for layer 2 (default 127.0.0.1, 5432, current user; not "postgres")
#   QBO_TEST_VENV      where layer 1's virtualenv lives (default .venv-tests in the repository)
#   QBO_SKIP_ODOO=1    run layer 1 only
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV=${QBO_TEST_VENV:-$ROOT/.venv-tests}
PYTHON=${PYTHON:-python3}

say() { printf '\n==> %s\n' "$*"; }

# ---------------------------------------------------------------- layer 1: no Odoo
say "Layer 1: QBO library and emulator (pytest, no Odoo)"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
"$VENV/bin/ruff" check .
PYTEST_LOG=$(mktemp -t qbo-pytest.XXXXXX.log)
set +e
"$VENV/bin/python" -m pytest tests -q -p no:cacheprovider 2>&1 | tee "$PYTEST_LOG"
status=${PIPESTATUS[0]}
set -e
py_passed=$(grep -oE "[0-9]+ passed" "$PYTEST_LOG" | tail -1 | grep -oE "[0-9]+" || echo 0)
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
elif [ "$status" -ne 0 ]; then
  exit "$status"
fi

# ---------------------------------------------------------------- layer 2: real Odoo 19
if [ "${QBO_SKIP_ODOO:-0}" = "1" ]; then
  say "Layer 2: Odoo tests SKIPPED (QBO_SKIP_ODOO=1)"
  echo "pytest: $py_passed passed, 0 failed"
  exit 0
fi
ODOO_PY=""
for candidate in ${ODOO_PYTHON:-} "$HOME/.venvs/odoo19/bin/python" python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import odoo.release as r, sys; sys.exit(0 if r.version_info[0] == 19 else 1)' 2>/dev/null; then
    ODOO_PY=$(command -v "$candidate")
    break
  fi
done
if [ -z "$ODOO_PY" ]; then
  say "Layer 2: Odoo tests SKIPPED: no Odoo 19 found (ODOO_PYTHON, ~/.venvs/odoo19/bin/python, python3)"
  echo "pytest: $py_passed passed, 0 failed"
  exit 0
fi

say "Layer 2: Odoo tests with $("$ODOO_PY" -c 'import odoo.release as r; print(r.version)') ($ODOO_PY)"
if ! "$ODOO_PY" -c 'import odoo.addons.queue_job, websocket, hypothesis' 2>/dev/null; then
  "$ODOO_PY" -m pip install --quiet --disable-pip-version-check -r requirements-odoo.txt
fi
"$ODOO_PY" -m pip install --quiet --disable-pip-version-check -r requirements.txt
# The browser tour needs Chromium (Odoo's test runner drives it headless and skips tours without it).
if [ -z "${ODOO_BROWSER_BIN:-}" ] && ! command -v google-chrome >/dev/null 2>&1 &&
   ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 &&
   ! command -v google-chrome-stable >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Installing Chromium for the browser tour"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 || true
  fi
  command -v chromium >/dev/null 2>&1 ||
    echo "No Chromium found (apt package 'chromium' unavailable): the browser tour will be skipped" >&2
fi

export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-$(id -un)}
DB="qbo_test_$(date +%s)_$$"
LOG=$(mktemp -t qbo-odoo-tests.XXXXXX.log)
cleanup() { dropdb --if-exists "$DB" >/dev/null 2>&1 || true; }
trap cleanup EXIT

# A free port: the test server must not collide with an Odoo already running here.
HTTP_PORT=${ODOO_TEST_HTTP_PORT:-$("$ODOO_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
addons="$ROOT"
[ -n "${ODOO_ADDONS_PATH:-}" ] && addons="$ROOT,$ODOO_ADDONS_PATH"
set +e
"$ODOO_PY" -m odoo -d "$DB" --db_host "$PGHOST" --db_port "$PGPORT" --db_user "$PGUSER" \
  --addons-path "$addons" -i quickbooks_connector --test-tags /quickbooks_connector \
  --stop-after-init --http-port "$HTTP_PORT" --log-level=test \
  2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "Odoo tests failed (exit $status); log: $LOG" >&2
  exit "$status"
fi
# Read the log as well: a module that fails to load does not always make odoo exit non-zero.
if grep -qE "CRITICAL|Some modules are not loaded|Failed to load registry" "$LOG"; then
  echo "Odoo could not load the addon; log: $LOG" >&2
  exit 1
fi
result=$(grep -oE "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$LOG" | tail -1 || true)
if [[ ! "$result" =~ ^([0-9]+)\ failed,\ ([0-9]+)\ error\(s\)\ of\ ([0-9]+)\ tests$ ]]; then
  echo "Odoo ran no test (no result line in $LOG)" >&2
  exit 1
fi
odoo_failed=${BASH_REMATCH[1]} odoo_errors=${BASH_REMATCH[2]} odoo_total=${BASH_REMATCH[3]}
if [ "$odoo_total" -eq 0 ] || [ "$odoo_failed" -ne 0 ] || [ "$odoo_errors" -ne 0 ]; then
  echo "Odoo tests: $result; log: $LOG" >&2
  exit 1
fi
say "Layer 2 passed: $result ($DB dropped)"
echo "pytest + odoo: $((py_passed + odoo_total)) passed, 0 failed"
