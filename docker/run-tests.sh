#!/usr/bin/env bash
# The "tests" service of docker-compose.yml: `docker compose --profile test run --rm tests`.
# Runs tests/run_all.sh (what CI runs) inside the official odoo:19 image, as root, against the
# compose PostgreSQL. The repository is mounted read-only; everything written goes to /tmp.
#
# The image lacks two things run_all.sh expects from a developer machine, provided here:
#   - python3-venv (layer 1 builds its virtualenv with `python3 -m venv`): installed with apt;
#   - a Python for Odoo where pip may install (the system one is "externally managed"): a
#     virtualenv that sees the image's Odoo (--system-site-packages), with the cryptography/pyOpenSSL
#     pair pinned by Odoo 19's requirements.txt for the image's Python (its Ubuntu packages are older).
#     run_all.sh then installs the addon's requirements into it as on any other Odoo install
#     (requirements-odoo-addons.txt without dependencies, the rest with them).
# Chromium for the browser tour: run_all.sh installs it when apt offers one; Ubuntu (this image's
# base) only ships it as a snap, so there the tour is reported as skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive PYTHONDONTWRITEBYTECODE=1
export QBO_TEST_VENV=${QBO_TEST_VENV:-/tmp/venv-tests} RUFF_CACHE_DIR=${RUFF_CACHE_DIR:-/tmp/ruff-cache}

probe=$(mktemp -d)
if ! python3 -m venv "$probe/venv" >/dev/null 2>&1; then
  echo "==> Installing python3-venv"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi
rm -rf "$probe"

ODOO_VENV=${ODOO_VENV:-/tmp/venv-odoo}
if [ ! -x "$ODOO_VENV/bin/python" ]; then
  echo "==> Preparing a Python for Odoo in $ODOO_VENV (the image's Odoo)"
  python3 -m venv --system-site-packages "$ODOO_VENV"
  "$ODOO_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "cryptography==42.0.8" "pyopenssl==24.1.0"
fi
export ODOO_PYTHON=$ODOO_VENV/bin/python

exec bash tests/run_all.sh
