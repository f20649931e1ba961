#!/usr/bin/env bash
# Entry point of the "odoo" service of docker-compose.yml (the official odoo:19 image, user "odoo").
# It can also be run by hand against any PostgreSQL and Odoo 19 (see the variables below).
#
# Every start:
#   1. waits for PostgreSQL;
#   2. installs requirements-odoo-addons.txt (OCA queue_job) with pip into $ODOO_PIP_ADDONS on the
#      data volume, once per version of that file, and puts that directory on PYTHONPATH (odoo.conf
#      also lists its odoo/addons in addons_path). The image's Python is "externally managed" (PEP
#      668) and Odoo runs as an unprivileged user, so nothing is installed system-wide. --no-deps: the
#      wheel requires Odoo itself (the image's), requests (in the image) and openupgradelib, which
#      queue_job's manifest checks for and is installed explicitly (the tests' own requirements,
#      requirements-odoo.txt, are not needed to run the demo);
#   3. exports QUICKBOOKS_ENCRYPTION_KEY: yours when set (e.g. in .env), otherwise a key generated
#      on the first start into $ODOO_DATA_DIR/quickbooks/encryption.key (back it up);
#   4. first start: creates the database, installs quickbooks_connector, creates the second company
#      and connects each company to its own QuickBooks company of the emulator (docker/init_demo.py).
#      Later starts: updates the addon when its files changed since the last start;
#   5. runs the Odoo server with odoo.conf; queue_job's job runner starts with it.
#
# Arguments are added to every odoo command, e.g. --addons-path/--data-dir outside the container.
#
# Variables (defaults are the container's):
#   PGHOST PGPORT PGUSER PGPASSWORD   PostgreSQL (db, 5432, odoo; the password only through the environment)
#   ODOO_DB                 database name (quickbooks_demo); also Odoo's --database and --db-filter
#   ODOO_COMMAND            how to run Odoo ("odoo"; e.g. "<venv>/bin/odoo"; not "python -m odoo",
#                           whose prefork workers cannot re-execute themselves)
#   ODOO_PYTHON             Odoo's Python, for pip and key generation (python3)
#   ODOO_CONF               configuration file (<repository>/odoo.conf)
#   ODOO_DATA_DIR           Odoo's data directory (/var/lib/odoo)
#   ODOO_PIP_ADDONS         where pip puts queue_job ($ODOO_DATA_DIR/pip-addons)
#   ODOO_DEMO_DATA          1: install Odoo's demo data (customers, products) in a new database
#   QBO_DEMO_WORKERS        overrides odoo.conf's workers for the server (0: threaded, see README.md)
#
# Odoo itself reads every ODOO_<option> variable (ODOO_WORKERS, ODOO_DATA_DIR, ...; see odoo/tools/config.py)
# and the PG* ones: the variables above that Odoo also reads (ODOO_DATA_DIR, PGHOST, PGPORT, PGUSER,
# PGPASSWORD) mean the same to it; the others are names Odoo does not read.
#   QUICKBOOKS_REPO_DIR     this repository (/mnt/extra-addons)
#   QUICKBOOKS_ENCRYPTION_KEY, ODOO_BASE_URL, QBO_DEMO_*: see docker/init_demo.py and README.md
set -euo pipefail
[ "${1:-}" = "odoo" ] && shift  # the image's default command, when a runtime passes it along

REPO_DIR=${QUICKBOOKS_REPO_DIR:-/mnt/extra-addons}
ODOO_CONF=${ODOO_CONF:-$REPO_DIR/odoo.conf}
DATA_DIR=${ODOO_DATA_DIR:-/var/lib/odoo}
PIP_ADDONS=${ODOO_PIP_ADDONS:-$DATA_DIR/pip-addons}
DB=${ODOO_DB:-quickbooks_demo}
PY=${ODOO_PYTHON:-python3}
read -r -a ODOO <<< "${ODOO_COMMAND:-odoo}"
export PGHOST=${PGHOST:-db} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-odoo}
DB_ARGS=(--db_host "$PGHOST" --db_port "$PGPORT" --db_user "$PGUSER" --database "$DB" --db-filter "^${DB}\$")
STATE_DIR="$DATA_DIR/quickbooks"

say() { printf '[quickbooks-demo] %s\n' "$*"; }

# ------------------------------------------------------------------ 1. PostgreSQL
for attempt in $(seq 60); do
  if psql -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
    break
  fi
  [ "$attempt" -eq 60 ] && { say "PostgreSQL at $PGHOST:$PGPORT did not answer within 60 s" >&2; exit 1; }
  sleep 1
done

# Published beyond loopback (QBO_DEMO_BIND_ADDRESS), the demo's well-known secrets are refused.
"$PY" "$REPO_DIR/docker/demo_secrets.py" odoo

# ------------------------------------------------------------------ 2. queue_job
mkdir -p "$PIP_ADDONS" "$STATE_DIR"
# queue_job's manifest requires openupgradelib (the version requirements-odoo.txt pins); its own
# dependencies (lxml, cssselect) are in the image.
EXTRA_PIP=("$(grep -m1 '^openupgradelib' "$REPO_DIR/requirements-odoo.txt")")
wanted=$( (cat "$REPO_DIR/requirements-odoo-addons.txt"; echo "${EXTRA_PIP[*]}") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$PIP_ADDONS/.requirements-odoo.sha256" 2>/dev/null || true)" != "$wanted" ]; then
  say "installing requirements-odoo-addons.txt (OCA queue_job) into $PIP_ADDONS"
  "$PY" -m pip install --quiet --disable-pip-version-check --no-cache-dir --no-deps --upgrade \
    --target "$PIP_ADDONS" -r "$REPO_DIR/requirements-odoo-addons.txt" "${EXTRA_PIP[@]}"
  echo "$wanted" > "$PIP_ADDONS/.requirements-odoo.sha256"
fi
export PYTHONPATH="$PIP_ADDONS${PYTHONPATH:+:$PYTHONPATH}"

# ------------------------------------------------------------------ 3. encryption key
if [ -z "${QUICKBOOKS_ENCRYPTION_KEY:-}" ]; then
  key_file="$STATE_DIR/encryption.key"
  if [ ! -s "$key_file" ]; then
    (umask 077
     "$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' > "$key_file.new"
     mv "$key_file.new" "$key_file")
    say "generated the QuickBooks encryption key in $key_file: back it up with the database"
  fi
  QUICKBOOKS_ENCRYPTION_KEY=$(cat "$key_file")
  export QUICKBOOKS_ENCRYPTION_KEY
fi

# ------------------------------------------------------------------ 4. database and addon
addon_fingerprint() {
  (cd "$REPO_DIR" && find quickbooks_connector -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 |
     LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}
fingerprint_file="$STATE_DIR/addon-$DB.sha256"
installed=$(psql -d "$DB" -Atqc \
  "SELECT state FROM ir_module_module WHERE name = 'quickbooks_connector'" 2>/dev/null || true)
if [ "$installed" != "installed" ]; then
  say "first start: installing quickbooks_connector into database $DB (a few minutes)"
  demo=()
  [ "${ODOO_DEMO_DATA:-1}" = "1" ] && demo=(--with-demo)
  "${ODOO[@]}" -c "$ODOO_CONF" "${DB_ARGS[@]}" -i quickbooks_connector "${demo[@]}" \
    --stop-after-init --no-http "$@"
  say "connecting the demo companies to their QuickBooks companies"
  "${ODOO[@]}" shell -c "$ODOO_CONF" "${DB_ARGS[@]}" --no-http "$@" < "$REPO_DIR/docker/init_demo.py"
  addon_fingerprint > "$fingerprint_file"
elif [ "$(cat "$fingerprint_file" 2>/dev/null || true)" != "$(addon_fingerprint)" ]; then
  say "quickbooks_connector changed since the last start: updating it in $DB"
  "${ODOO[@]}" -c "$ODOO_CONF" "${DB_ARGS[@]}" -u quickbooks_connector --stop-after-init --no-http "$@"
  addon_fingerprint > "$fingerprint_file"
fi

# ------------------------------------------------------------------ 5. server
say "starting Odoo on database $DB"
[ -n "${QBO_DEMO_WORKERS:-}" ] && set -- --workers "$QBO_DEMO_WORKERS" "$@"
exec "${ODOO[@]}" -c "$ODOO_CONF" "${DB_ARGS[@]}" "$@"
