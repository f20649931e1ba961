#!/usr/bin/env bash
# The project's test command.  Layer 1 (always): ruff, pylint-odoo (Odoo's conventions), ruff's format
# check, and pytest on the QBO library and the emulator, in a virtualenv built from the pinned
# requirements.  Layer 2 (when Odoo 19 is found): the addons' Odoo tests, each run on a fresh throw-away
# database by Odoo's own test runner: the connector's without the sale app (its bridge addon is then not
# installed), then the bridge's (quickbooks_connector_sale), installed by itself with sale and the connector;
# after each run a plain SQL dump of its database (pg_dump, required) and its Odoo log are searched for
# every token, code, secret, verifier and key the tests used: one found in plain text fails the run.
#
# Environment:
#   ODOO_PYTHON        python of an Odoo 19 install (default ~/.venvs/odoo19/bin/python, then python3)
#   ODOO_ADDONS_PATH   extra addons directories for Odoo, comma separated (Odoo's own addons when
#                      they are not inside the installed odoo package)
#   PGHOST PGPORT PGUSER  PostgreSQL for layer 2 (default 127.0.0.1, 5432, current user; not "postgres")
#   QBO_TEST_VENV      where layer 1's virtualenv lives (default .venv-tests in the repository)
#   QBO_SKIP_ODOO=1    run layer 1 only
#   QBO_SKIP_SOAK=1    skip the small soak that follows the Odoo tests
#   QBO_SKIP_BENCH=1   skip the tiny benchmark run at the end of layer 2
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
# Odoo's conventions (pylint-odoo, .pylintrc): any finding fails the run.
"$VENV/bin/pylint" --rcfile=.pylintrc quickbooks_connector quickbooks_connector_sale
"$VENV/bin/ruff" format --check .
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
# The addon's requirements must never change a package Odoo pins (an upgraded cryptography stops
# Odoo from loading on Python 3.11): ask pip first, fail naming the package.  The same steps for every
# kind of Odoo install (source checkout, pip, the odoo:19 image): Odoo addons from PyPI go in without
# their dependencies (requirements-odoo-addons.txt says why), everything else with them.
"$ODOO_PY" tests/check_requirements.py "$ODOO_PY" requirements-odoo.txt requirements.txt
"$ODOO_PY" tests/check_requirements.py "$ODOO_PY" --no-deps requirements-odoo-addons.txt
"$ODOO_PY" -m pip install --quiet --disable-pip-version-check -r requirements-odoo.txt -r requirements.txt
"$ODOO_PY" -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-odoo-addons.txt
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
# After the run the test database is dumped and searched for secrets: without pg_dump that check
# cannot run, and a security check does not get skipped quietly.
if ! command -v pg_dump >/dev/null 2>&1; then
  echo "pg_dump not found: layer 2 dumps the test database to check that no secret is stored in plain" \
       "text; install the PostgreSQL client tools (Debian/Ubuntu: apt-get install postgresql-client)" >&2
  exit 1
fi
DB_PREFIX="qbo_test_$(date +%s)_$$"
DBS=()
# Every secret the Odoo tests use, as kind<TAB>value lines: the emulators append what they issue
# (--issued-secrets-file), quickbooks_connector/tests/common.py what the tests themselves set.
SECRETS=$(mktemp -t qbo-test-secrets.XXXXXX)
SCAN_DIR=$(mktemp -d -t qbo-secret-scan.XXXXXX)
cleanup() {
  local db
  for db in "${DBS[@]}"; do
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
  done
  rm -f "$SECRETS"
  [ "${KEEP_SCAN:-0}" = "1" ] || rm -rf "$SCAN_DIR"
}
trap cleanup EXIT

# The secrets of $SECRETS (values of 12 characters or more) must appear neither in a plain SQL dump of
# the test database (schema and data) nor in the Odoo log.  A finding is shown by kind, first 4
# characters and length, never in full, with where it is: the dump's table (its COPY block) or the
# log's line.
scan_for_secrets() {
  local kinds=$SCAN_DIR/kinds patterns=$SCAN_DIR/patterns checked where file rc leaks=0 clean=""
  LC_ALL=C awk -F '\t' 'NF >= 2 { value = substr($0, length($1) + 2)
      if (length(value) >= 12 && !(value in seen)) { seen[value]; print $1 "\t" value } }' "$SECRETS" > "$kinds"
  cut -f2- "$kinds" > "$patterns"
  checked=$(wc -l < "$patterns")
  if [ "$checked" -eq 0 ]; then
    echo "Secret scan: no secret was recorded by the Odoo tests ($SECRETS is empty): the check is broken" >&2
    return 1
  fi
  if ! pg_dump --format=plain --no-owner --no-privileges --file "$DUMP" "$DB"; then
    echo "Secret scan: pg_dump of $DB failed ($(pg_dump --version)): cannot check the database" >&2
    return 1
  fi
  for where in dump log; do
    file=$DUMP
    [ "$where" = log ] && file=$LOG
    set +e
    LC_ALL=C grep -n -F -f "$patterns" "$file" > "$SCAN_DIR/hits.$where"
    rc=$?
    set -e
    if [ "$rc" -gt 1 ]; then
      echo "Secret scan: grep failed on the $where ($file)" >&2
      return 1
    fi
    if [ "$rc" -eq 1 ]; then
      clean="$clean; nothing found in the $([ "$where" = dump ] && echo "database dump" || echo "Odoo log")"
      continue
    fi
    leaks=1
    # Line number -> place: the table of the COPY block a dump line is in, or the log line.
    if [ "$where" = dump ]; then
      cut -d: -f1 "$SCAN_DIR/hits.dump" | LC_ALL=C awk '
          NR == FNR { wanted[$1]; next }
          /^COPY / { table = $2; next }
          /^\\\.$/ { table = ""; next }
          FNR in wanted { print FNR "\t" (table == "" ? "a schema statement, line " FNR : "table " table) }
        ' - "$file" > "$SCAN_DIR/places.dump"
    else
      cut -d: -f1 "$SCAN_DIR/hits.log" | awk '{ print $1 "\tline " $1 }' > "$SCAN_DIR/places.log"
    fi
    LC_ALL=C awk -v where="$where" '
        FILENAME == ARGV[1] { n++; kind[n] = substr($0, 1, index($0, "\t") - 1)
                              value[n] = substr($0, index($0, "\t") + 1); next }
        FILENAME == ARGV[2] { split($0, f, "\t"); place[f[1]] = f[2]; next }
        { line = substr($0, 1, index($0, ":") - 1); text = substr($0, index($0, ":") + 1)
          for (i = 1; i <= n; i++) if (index(text, value[i])) {
            key = i SUBSEP place[line]
            if (!(key in shown)) { shown[key]
              printf "  FOUND in the %s: %s \"%s...\" (%d characters), %s\n", where == "dump" ? "database dump" : "Odoo log",
                     kind[i], substr(value[i], 1, 4), length(value[i]), place[line] } } }
      ' "$kinds" "$SCAN_DIR/places.$where" "$SCAN_DIR/hits.$where" | head -n 200 >&2
  done
  if [ "$leaks" -ne 0 ]; then
    KEEP_SCAN=1
    echo "Secret scan FAILED: secrets of the tests are in plain text (above; $checked secrets checked$clean)." \
         "Database dump kept: $DUMP; Odoo log: $LOG" >&2
    return 1
  fi
  say "Secret scan: $checked secrets checked ($(cut -f1 "$kinds" | sort | uniq -c |
      awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')): none found in the database dump ($DB) or the Odoo log"
}

# A free port: the test server must not collide with an Odoo already running here.
HTTP_PORT=${ODOO_TEST_HTTP_PORT:-$("$ODOO_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
addons="$ROOT"
[ -n "${ODOO_ADDONS_PATH:-}" ] && addons="$ROOT,$ODOO_ADDONS_PATH"

# The state of a module in the test database ("uninstalled" when Odoo does not list it).
module_state() {
  local state
  state=$(psql -d "$DB" -Atc "SELECT state FROM ir_module_module WHERE name = '$1'")
  echo "${state:-uninstalled}"
}

# odoo_tests NAME MODULES TAGS: install MODULES on a fresh database, run the tests of TAGS, check the result
# and scan the database and the log for secrets; any failure ends the run.  Adds to $odoo_total_all.
odoo_total_all=0
odoo_tests() {
  local name=$1 modules=$2 tags=$3 status scan_ok result
  DB="${DB_PREFIX}_$name"
  DBS+=("$DB")
  LOG=$(mktemp -t "qbo-odoo-tests-$name.XXXXXX.log")
  DUMP=$SCAN_DIR/$DB.sql
  say "Layer 2 ($name): -i $modules --test-tags $tags"
  set +e
  QBO_TEST_SECRETS_FILE=$SECRETS "$ODOO_PY" -m odoo -d "$DB" --db_host "$PGHOST" --db_port "$PGPORT" --db_user "$PGUSER" \
    --addons-path "$addons" -i "$modules" --test-tags "$tags" \
    --stop-after-init --http-port "$HTTP_PORT" --log-level=test \
    2>&1 | tee "$LOG"
  status=${PIPESTATUS[0]}
  set -e
  # Scanned whatever the outcome (a failing run can leak too); it fails the run after the test checks.
  scan_ok=1
  scan_for_secrets || scan_ok=0
  if [ "$status" -ne 0 ]; then
    echo "Odoo tests ($name) failed (exit $status); log: $LOG" >&2
    exit "$status"
  fi
  # Read the log as well: a module that fails to load does not always make odoo exit non-zero.
  if grep -qE "CRITICAL|Some modules are not loaded|Failed to load registry" "$LOG"; then
    echo "Odoo could not load the addons ($name); log: $LOG" >&2
    exit 1
  fi
  result=$(grep -oE "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$LOG" | tail -1 || true)
  if [[ ! "$result" =~ ^([0-9]+)\ failed,\ ([0-9]+)\ error\(s\)\ of\ ([0-9]+)\ tests$ ]]; then
    echo "Odoo ran no test ($name: no result line in $LOG)" >&2
    exit 1
  fi
  odoo_failed=${BASH_REMATCH[1]} odoo_errors=${BASH_REMATCH[2]} odoo_total=${BASH_REMATCH[3]}
  if [ "$odoo_total" -eq 0 ] || [ "$odoo_failed" -ne 0 ] || [ "$odoo_errors" -ne 0 ]; then
    echo "Odoo tests ($name): $result; log: $LOG" >&2
    exit 1
  fi
  if [ "$scan_ok" -ne 1 ]; then
    echo "Odoo tests ($name): $result, but the secret scan failed (above)" >&2
    exit 1
  fi
  odoo_total_all=$((odoo_total_all + odoo_total))
  say "Layer 2 ($name) passed: $result ($DB is dropped at the end)"
}

# The connector alone: it depends on account and queue_job only, so sale is not installed, nor its bridge.
odoo_tests connector quickbooks_connector /quickbooks_connector
for module in sale quickbooks_connector_sale; do
  if [ "$(module_state "$module")" = installed ]; then
    echo "The connector installed $module: it must not depend on the sale app" >&2
    exit 1
  fi
done
# With the sale app: the bridge comes by itself (auto_install), and its tests run.
odoo_tests sale sale,quickbooks_connector /quickbooks_connector_sale
if [ "$(module_state quickbooks_connector_sale)" != installed ]; then
  echo "quickbooks_connector_sale was not installed with sale and the connector (auto_install)" >&2
  exit 1
fi

# ---------------------------------------------------------------- the soak, small size
# The real server (HTTP workers, cron worker, job runner) and the emulator, with faults, killed
# workers and a restart: any loss or duplicate fails the run.  README: "The soak".
if [ "${QBO_SKIP_SOAK:-0}" = "1" ]; then
  say "Soak SKIPPED (QBO_SKIP_SOAK=1)"
else
  say "Soak (small): python -m tests.soak --small"
  ODOO_PYTHON="$ODOO_PY" "$ODOO_PY" -m tests.soak --small
fi

# ---------------------------------------------------------------- the benchmarks, tiny size
# Each benchmark of tests/benchmarks/ once at a tiny size (a few minutes in all): they still run and
# print their figures.  Timings are never checked here.  README: "Benchmarks".
if [ "${QBO_SKIP_BENCH:-0}" = "1" ]; then
  say "Benchmarks SKIPPED (QBO_SKIP_BENCH=1)"
else
  say "Benchmarks (tiny): python -m tests.benchmarks --size tiny --check"
  # matplotlib draws the latency plot; without it the figures are still printed and checked.
  { "$ODOO_PY" tests/check_requirements.py "$ODOO_PY" requirements-bench.txt &&
    "$ODOO_PY" -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt; } ||
    echo "requirements-bench.txt not installed: the benchmarks run without their plot" >&2
  bench_out=$(mktemp -d)
  ODOO_PYTHON="$ODOO_PY" "$ODOO_PY" -m tests.benchmarks --size tiny --out "$bench_out" --check
  rm -rf "$bench_out"
fi
echo "pytest + odoo: $((py_passed + odoo_total_all)) passed, 0 failed"
