"""The demo refuses its well-known secrets when its ports are published beyond loopback (docker/demo_secrets.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docker" / "demo_secrets.py"
#: What the compose file passes to each service when .env sets nothing.
COMPOSE_DEFAULTS = {
    "emulator": {
        "QBO_EMULATOR_CLIENT_SECRET": "emulator-client-secret",
        "QBO_EMULATOR_VERIFIER_TOKEN": "emulator-verifier-token",
    },
    "odoo": {
        "QBO_DEMO_CLIENT_SECRET": "emulator-client-secret",
        "QBO_DEMO_VERIFIER_TOKEN": "emulator-verifier-token",
        "PGPASSWORD": "odoo",
        "ODOO_ADMIN_PASSWORD": "",
        # No database to look into: the admin password is the one the first start would set.
        "PGHOST": "127.0.0.1",
        "PGPORT": "1",
    },
}


def run(role: str, **environ: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("QBO_", "PG", "ODOO_"))}
    env.update(COMPOSE_DEFAULTS[role], **environ)
    return subprocess.run(
        [sys.executable, str(SCRIPT), role], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_on_loopback_the_demo_starts_with_its_defaults():
    for role in ("emulator", "odoo"):
        for address in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
            assert run(role, QBO_DEMO_BIND_ADDRESS=address).returncode == 0, (role, address)
        assert run(role).returncode == 0, role  # the compose file's default address


def test_beyond_loopback_each_known_secret_is_named():
    refused = run("odoo", QBO_DEMO_BIND_ADDRESS="0.0.0.0")
    assert refused.returncode == 1
    for setting in ("QBO_DEMO_CLIENT_SECRET", "QBO_DEMO_VERIFIER_TOKEN", "POSTGRES_PASSWORD", "ODOO_ADMIN_PASSWORD"):
        assert setting in refused.stderr, setting
    assert "emulator-client-secret" not in refused.stderr and "0.0.0.0" in refused.stderr
    emulator = run("emulator", QBO_DEMO_BIND_ADDRESS="192.0.2.10")
    assert emulator.returncode == 1
    assert "QBO_DEMO_CLIENT_SECRET" in emulator.stderr and "QBO_DEMO_VERIFIER_TOKEN" in emulator.stderr


def test_beyond_loopback_only_what_is_still_known_is_named_and_changed_secrets_pass():
    partly = run("odoo", QBO_DEMO_BIND_ADDRESS="0.0.0.0", PGPASSWORD="a-real-one", ODOO_ADMIN_PASSWORD="another")
    assert partly.returncode == 1
    assert "QBO_DEMO_CLIENT_SECRET" in partly.stderr
    assert "POSTGRES_PASSWORD" not in partly.stderr and "ODOO_ADMIN_PASSWORD" not in partly.stderr
    changed = {
        "QBO_DEMO_CLIENT_SECRET": "s1",
        "QBO_DEMO_VERIFIER_TOKEN": "s2",
        "PGPASSWORD": "s3",
        "ODOO_ADMIN_PASSWORD": "s4",
    }
    assert run("odoo", QBO_DEMO_BIND_ADDRESS="0.0.0.0", **changed).returncode == 0
    assert (
        run(
            "emulator",
            QBO_DEMO_BIND_ADDRESS="0.0.0.0",
            QBO_EMULATOR_CLIENT_SECRET="s1",
            QBO_EMULATOR_VERIFIER_TOKEN="s2",
        ).returncode
        == 0
    )


def test_the_compose_file_publishes_on_the_checked_address_only():
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    published = [
        line.split("#")[0].strip() for line in compose.splitlines() if ":8765:8765" in line or ":8069:8069" in line
    ]
    assert published and all(line.startswith('- "${QBO_DEMO_BIND_ADDRESS:-127.0.0.1}:') for line in published)
    assert "python docker/demo_secrets.py emulator" in compose
    assert 'demo_secrets.py" odoo' in (ROOT / "docker" / "odoo-entrypoint.sh").read_text(encoding="utf-8")
