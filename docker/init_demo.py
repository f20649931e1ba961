# Run once by docker/odoo-entrypoint.sh through `odoo shell` (which provides `env`), right after the
# addon is installed in the demo database. One QuickBooks company (realm) per Odoo company:
#   - the main company is connected to the emulator's start-up realm;
#   - a second Odoo company is created to match the emulator's next realm (QBO_EMULATOR_ADD_REALMS in
#     docker-compose.yml: a UK company in GBP) and connected to it.
# Both connections point at the emulator (environment "Custom server", the emulator's client id and
# secret, its webhook verifier token) and are connected the way "Connect to QuickBooks" does it: the
# emulator's authorization (the company picked in advance through its control API, as a user picks it
# on Intuit's company selector), then Odoo's own code exchange, which checks that the tokens open the
# company Intuit named. Values come from the environment set in docker-compose.yml. Safe to run again.
# The emulator's control API takes the token it generated at its first start: QBO_DEMO_CONTROL_TOKEN, else
# the file QBO_DEMO_CONTROL_TOKEN_FILE (the emulator's volume, mounted read-only).
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import requests

from odoo import Command

base_url = os.environ.get("ODOO_BASE_URL", "http://127.0.0.1:8069").rstrip("/")
emulator_url = os.environ.get("QBO_DEMO_URL", "http://127.0.0.1:8765").rstrip("/")
second_name = os.environ.get("QBO_DEMO_SECOND_COMPANY", "Demo UK Ltd")
app = {
    "environment": "custom",
    "custom_base_url": emulator_url,
    "client_id": os.environ.get("QBO_DEMO_CLIENT_ID", "emulator-client-id"),
    "client_secret": os.environ.get("QBO_DEMO_CLIENT_SECRET", "emulator-client-secret"),
    "webhook_verifier_token": os.environ.get("QBO_DEMO_VERIFIER_TOKEN", "emulator-verifier-token"),
}

# The admin user's password, when .env gives one (docker/demo_secrets.py refuses "admin" beyond loopback).
if os.environ.get("ODOO_ADMIN_PASSWORD"):
    env.ref("base.user_admin").sudo().password = os.environ["ODOO_ADMIN_PASSWORD"]  # noqa: F821 (odoo shell)

# Odoo builds the Redirect URI and the webhook URL from web.base.url: the address the browser uses.
env["ir.config_parameter"].sudo().set_param("web.base.url", base_url)  # noqa: F821 (odoo shell)


def control_token():
    token = os.environ.get("QBO_DEMO_CONTROL_TOKEN", "").strip()
    path = os.environ.get("QBO_DEMO_CONTROL_TOKEN_FILE", "/var/lib/qbo-emulator/control-token")
    if not token and Path(path).is_file():
        token = Path(path).read_text(encoding="utf-8").strip()
    if not token:
        raise SystemExit(f"no token for the emulator's control API: set QBO_DEMO_CONTROL_TOKEN or mount {path}")
    return token


def emulator(method, path, payload=None):
    response = requests.request(
        method,
        f"{emulator_url}/_emulator/{path}",
        json=payload,
        headers={"Authorization": f"Bearer {control_token()}"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def connection(company, name):
    """The QuickBooks connection of ``company``, pointing at the emulator."""
    Backend = env["quickbooks.backend"].sudo().with_company(company)  # noqa: F821
    backend = Backend._for_company(company)
    values = {"name": name, **app}
    if backend:
        backend.write({key: value for key, value in values.items() if key != "name"})
    else:
        backend = Backend.create({"company_id": company.id, **values})
    return backend


def company_for(realm):
    """The Odoo company of an added realm: its name, country and home currency, the generic chart."""
    Company = env["res.company"].sudo()  # noqa: F821
    company = Company.search([("name", "=", second_name)], limit=1)
    if not company:
        currency = (
            env["res.currency"]  # noqa: F821
            .sudo()
            .with_context(active_test=False)
            .search([("name", "=", realm["home_currency"])], limit=1)
        )
        currency.active = True
        country = env["res.country"].sudo().search([("code", "=", realm["country"])], limit=1)  # noqa: F821
        company = Company.create({"name": second_name, "currency_id": currency.id, "country_id": country.id})
        env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)  # noqa: F821
    env.ref("base.user_admin").sudo().company_ids = [Command.link(company.id)]  # noqa: F821
    return company


def connect(backend, realm_id):
    """ "Connect to QuickBooks" without a browser: the emulator authorizes ``realm_id`` (picked in advance, as
    on Intuit's company selector) and redirects with a code, which Odoo exchanges and checks."""
    if backend.state == "connected" and backend.realm_id == realm_id:
        return
    emulator("POST", "oauth/company", {"realmId": realm_id})
    authorize = backend._oauth_client().authorization_url(secrets.token_urlsafe(24))
    answer = requests.get(authorize, allow_redirects=False, timeout=30)
    location = answer.headers.get("Location") or ""
    query = parse_qs(urlparse(location).query)
    if answer.status_code not in (302, 303) or "code" not in query:
        raise SystemExit(f"the emulator did not authorize realm {realm_id} (HTTP {answer.status_code})")
    backend._complete_authorization(query["code"][0], query["realmId"][0])


realms = emulator("GET", "realms")
startup = next(realm for realm in realms if realm.get("default"))
others = [realm for realm in realms if not realm.get("default")]

main = env.ref("base.main_company")  # noqa: F821
pairs = [(main, connection(main, "QuickBooks Online (emulator)"), startup)]
if others:
    second = company_for(others[0])
    pairs.append((second, connection(second, "QuickBooks Online (emulator, UK)"), others[0]))
else:
    print("The emulator serves one company (no QBO_EMULATOR_ADD_REALMS): the demo connects the main company only")
for company, backend, realm in pairs:
    connect(backend, realm["realmId"])
    env.cr.commit()  # noqa: F821
    print(
        f"QuickBooks connection #{backend.id}: {company.name} -> {realm['company_name']} "
        f"(realm {backend.realm_id}, {backend.state}) at {emulator_url}"
    )
print(f"Redirect URI {pairs[0][1].redirect_uri}, webhook URL {pairs[0][1].webhook_url}")


def seed_cpa_item(backend, code):
    """An Item the CPA made in QuickBooks for a product Odoo sells (same SKU, another name), so that the
    connection's *Review Items* shows a match to keep or refuse before the first invoice."""
    product = env["product.product"].sudo().search([("default_code", "=", code)], limit=1)  # noqa: F821
    client = backend._qbo_client()
    if not product or list(client.query_all("Item", f"Sku = '{code}'")):
        return
    income = next(iter(client.query_all("Account", "Name = 'Sales of Product Income'")), None)
    if income:
        client.create(
            "Item",
            {
                "Name": f"{product.name} (QuickBooks)",
                "Sku": code,
                "Type": "NonInventory",
                "UnitPrice": float(product.lst_price),
                "IncomeAccountRef": {"value": income["Id"]},
            },
        )
        print(f"QuickBooks Item with SKU {code} made for the Items review of {product.name}")


seed_cpa_item(pairs[0][1], "FURN_7777")
env.cr.commit()  # noqa: F821
