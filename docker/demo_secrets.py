"""Refuse to start the demo with its well-known secrets when its ports are published beyond loopback.

docker-compose.yml publishes the emulator's and Odoo's ports on ``QBO_DEMO_BIND_ADDRESS`` (127.0.0.1
by default: this machine only).  Its defaults are public (they are in this repository): Odoo's
``admin`` / ``admin``, the Intuit app's client secret and webhook verifier token the emulator and Odoo
share, and the database password.  On loopback that is a demo; on any other address anyone who can
reach the machine could log in, sign webhooks or mint tokens.  So, when the address is not a loopback
one, each service checks its own and refuses to start, naming what to change:

    python3 docker/demo_secrets.py emulator    # the emulator service, before the emulator starts
    python3 docker/demo_secrets.py odoo        # docker/odoo-entrypoint.sh, before Odoo starts

Exit status 0: go on; 1: refused (the message says which settings to change, never their values).
"""

import os
import sys

#: Environment variable -> (the demo's default, the .env setting that changes it, what it is).
DEFAULTS = {
    "emulator": {
        "QBO_EMULATOR_CLIENT_SECRET": ("emulator-client-secret", "QBO_DEMO_CLIENT_SECRET", "the Intuit app's secret"),
        "QBO_EMULATOR_VERIFIER_TOKEN": (
            "emulator-verifier-token",
            "QBO_DEMO_VERIFIER_TOKEN",
            "the webhook verifier token",
        ),
    },
    "odoo": {
        "QBO_DEMO_CLIENT_SECRET": ("emulator-client-secret", "QBO_DEMO_CLIENT_SECRET", "the Intuit app's secret"),
        "QBO_DEMO_VERIFIER_TOKEN": ("emulator-verifier-token", "QBO_DEMO_VERIFIER_TOKEN", "the webhook verifier token"),
        "PGPASSWORD": ("odoo", "POSTGRES_PASSWORD", "the database password (set before the database is first created)"),
    },
}
ADMIN_DEFAULT = "admin"
ADMIN_SETTING = ("ODOO_ADMIN_PASSWORD", "the password of Odoo's admin user (applied at the first start; later, "
                 "change it in Odoo)")  # fmt: skip


def is_loopback(address: str) -> bool:
    """Whether a published port on ``address`` is reachable from this machine only."""
    host = address.strip().strip("[]").lower()
    return host in ("", "localhost", "::1") or host.startswith("127.")


def known_secrets(role: str, environ, admin_password_is_default: bool = False) -> list[tuple[str, str]]:
    """``(.env setting, what it is)`` of each well-known secret ``role`` would start with."""
    found = [
        (setting, what)
        for variable, (default, setting, what) in DEFAULTS[role].items()
        if (environ.get(variable) or default) == default  # unset or empty: the default
    ]
    if role == "odoo" and admin_password_is_default:
        found.append(ADMIN_SETTING)
    return found


def admin_password_is_default(environ) -> bool:
    """Whether Odoo's admin user still has the password ``admin`` (in the database when it exists, else as
    the first start would set it)."""
    try:
        import psycopg2  # only Odoo's image has them
        from passlib.context import CryptContext
    except ImportError:  # not Odoo's container: what the first start would do
        return (environ.get("ODOO_ADMIN_PASSWORD") or ADMIN_DEFAULT) == ADMIN_DEFAULT
    try:
        connection = psycopg2.connect(dbname=environ.get("ODOO_DB", "quickbooks_demo"))
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT password FROM res_users WHERE login = 'admin'")
                row = cursor.fetchone()
        finally:
            connection.close()
    except psycopg2.Error:  # no database yet: the first start sets ODOO_ADMIN_PASSWORD
        return (environ.get("ODOO_ADMIN_PASSWORD") or ADMIN_DEFAULT) == ADMIN_DEFAULT
    if not row or not row[0]:
        return False
    return CryptContext(["pbkdf2_sha512", "plaintext"], deprecated=["plaintext"]).verify(ADMIN_DEFAULT, row[0])


def check(role: str, environ, admin_default=None) -> str | None:
    """The refusal message, or None when the demo may start."""
    address = environ.get("QBO_DEMO_BIND_ADDRESS", "127.0.0.1")
    if is_loopback(address):
        return None
    if admin_default is None:
        admin_default = role == "odoo" and admin_password_is_default(environ)
    found = known_secrets(role, environ, admin_default)
    if not found:
        return None
    lines = [
        f"The demo publishes its ports on {address} (QBO_DEMO_BIND_ADDRESS), beyond this machine, with "
        "secrets everyone knows. Change these in .env (next to docker-compose.yml), or bind to 127.0.0.1:",
        *(f"  - {setting}: {what}" for setting, what in found),
    ]
    return "\n".join(lines)


def main(argv) -> int:
    if len(argv) != 2 or argv[1] not in DEFAULTS:
        print(f"usage: {argv[0]} {'|'.join(DEFAULTS)}", file=sys.stderr)
        return 2
    refusal = check(argv[1], os.environ)
    if refusal:
        print(refusal, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
