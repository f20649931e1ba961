# Run once by docker/odoo-entrypoint.sh through `odoo shell` (which provides `env`), right after the
# addon is installed in the demo database: points the main company's QuickBooks connection at the
# emulator. The connection is left "Not connected": the user clicks Connect to QuickBooks, exactly as
# with Intuit. Values come from the environment set in docker-compose.yml.
import os

base_url = os.environ.get("ODOO_BASE_URL", "http://127.0.0.1:8069").rstrip("/")
emulator_url = os.environ.get("QBO_DEMO_URL", "http://127.0.0.1:8765").rstrip("/")

# Odoo builds the Redirect URI and the webhook URL from web.base.url: the address the browser uses.
env["ir.config_parameter"].sudo().set_param("web.base.url", base_url)  # noqa: F821 (odoo shell)

company = env.ref("base.main_company")  # noqa: F821
Backend = env["quickbooks.backend"].sudo().with_company(company)  # noqa: F821
values = {
    "name": "QuickBooks Online (emulator)",
    "environment": "custom",
    "custom_base_url": emulator_url,
    "client_id": os.environ.get("QBO_DEMO_CLIENT_ID", "emulator-client-id"),
    "client_secret": os.environ.get("QBO_DEMO_CLIENT_SECRET", "emulator-client-secret"),
    "webhook_verifier_token": os.environ.get("QBO_DEMO_VERIFIER_TOKEN", "emulator-verifier-token"),
}
backend = Backend._for_company(company)
if backend:
    backend.write(values)
else:
    backend = Backend.create({"company_id": company.id, **values})
env.cr.commit()  # noqa: F821
print(f"QuickBooks connection #{backend.id} of {company.name} -> {emulator_url} "
      f"(Redirect URI {backend.redirect_uri}, webhook URL {backend.webhook_url})")
