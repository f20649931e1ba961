"""One QuickBooks Online connection per Odoo company: configuration, state and API clients."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from .. import const
from ..adapters.entities import EMPTY_ROW, qbo_entity
from ..qbo import (
    DEFAULT_MINOR_VERSION,
    MINIMUM_MINOR_VERSION,
    OAuthClient,
    OAuthEndpoints,
    QBOClient,
    RetryPolicy,
)
from ..qbo.client import ENVIRONMENT_URLS
from ..qbo.preferences import tracking_values
from ..qbo.ratelimit import QBO_LIMITS, RateLimits
from ..qbo.redact import get_logger
from ..tools import crypto
from ..tools.access import check_manager, check_user
from ..tools.rate_governor import PostgresRateLimiter
from ..tools.switches import BULK_LANE, YIELD_TO_USERS, switch, switched_on

_logger = get_logger(__name__)


class QuickbooksBackend(models.Model):
    _name = "quickbooks.backend"
    _description = "QuickBooks Online connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _check_company_auto = True
    _order = "company_id, id"

    name = fields.Char(required=True, default=lambda self: self.env._("QuickBooks Online"), tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade", default=lambda self: self.env.company
    )
    state = fields.Selection(
        const.BACKEND_STATES, default="draft", required=True, readonly=True, tracking=True, copy=False
    )

    # --- where QuickBooks is
    environment = fields.Selection(const.ENVIRONMENTS, default="production", required=True, groups=const.GROUP_MANAGER)
    custom_base_url = fields.Char(
        "Server URL",
        groups=const.GROUP_MANAGER,
        help="Base URL of a server speaking QuickBooks' API and OAuth paths (the bundled emulator).",
    )
    minorversion = fields.Integer(
        "API minor version", default=DEFAULT_MINOR_VERSION, required=True, groups=const.GROUP_MANAGER
    )

    # --- the Intuit app (secrets are stored encrypted; the plain fields are write-only)
    client_id = fields.Char("Client ID", groups=const.GROUP_MANAGER, copy=False)
    client_secret_encrypted = fields.Char(groups="base.group_system", copy=False)
    client_secret = fields.Char(
        compute="_compute_secret_inputs", inverse="_inverse_client_secret", groups=const.GROUP_MANAGER
    )
    client_secret_set = fields.Boolean(compute="_compute_secret_inputs", groups=const.GROUP_MANAGER)
    webhook_verifier_token_encrypted = fields.Char(groups="base.group_system", copy=False)
    webhook_verifier_token = fields.Char(
        compute="_compute_secret_inputs", inverse="_inverse_webhook_verifier_token", groups=const.GROUP_MANAGER
    )
    webhook_verifier_token_set = fields.Boolean(compute="_compute_secret_inputs", groups=const.GROUP_MANAGER)
    redirect_uri = fields.Char(
        compute="_compute_urls",
        groups=const.GROUP_MANAGER,
        help="Register this exact URL as a Redirect URI of your Intuit app.",
    )
    webhook_url = fields.Char(
        compute="_compute_urls",
        groups=const.GROUP_MANAGER,
        help="Register this URL as the Webhooks endpoint of your Intuit app.",
    )

    # --- the connected QuickBooks company and its tokens
    realm_id = fields.Char("Realm ID", readonly=True, copy=False, index=True)
    qbo_company_name = fields.Char("QuickBooks Company", readonly=True, copy=False)
    qbo_country = fields.Char(
        "QuickBooks Country",
        readonly=True,
        copy=False,
        help="US companies tax documents with TAX/NON lines and one document tax code.",
    )
    qbo_home_currency = fields.Char("QuickBooks Home Currency", readonly=True, copy=False)
    qbo_automated_sales_tax = fields.Boolean(
        "Automated Sales Tax",
        readonly=True,
        copy=False,
        help="US QuickBooks companies with automated sales tax pick the tax rate from the ship-to address; "
        "Odoo sends its own tax amount, which QuickBooks keeps.",
    )
    qbo_exempt_tax_code_id = fields.Many2one(
        "quickbooks.qbo.tax.code",
        "Tax Code for Untaxed Lines",
        domain="[('backend_id', '=', id)]",
        help="Outside the US every QuickBooks sales line needs a tax code: this one is used for lines "
        "without tax in Odoo.",
    )
    tax_mapping_ids = fields.One2many("quickbooks.tax.mapping", "backend_id", string="Tax Mappings")
    connected_at = fields.Datetime(readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)

    # --- what to synchronise
    sync_customers = fields.Boolean("Push customers", default=True)
    sync_invoices = fields.Boolean("Push invoices and credit notes", default=True)
    sync_payments_to_qbo = fields.Boolean("Push Odoo payments", default=True)
    sync_payments_from_qbo = fields.Boolean("Pull QuickBooks payments", default=True)
    qbo_products_as_items = fields.Boolean(
        "Products as Items",
        default=True,
        help="Each product sold or bought (invoices, credit notes, bills, refunds) becomes a QuickBooks Item "
        "(Service or NonInventory) filed under its category, so QuickBooks' sales by product show what was sold; "
        "off, invoice lines use one Item per income account and bill lines name their accounts.",
    )
    sync_bills = fields.Boolean(
        "Sync vendor bills",
        default=True,
        help="Vendors, vendor bills and refunds go to QuickBooks as Vendors, Bills and VendorCredits; vendor "
        "payments both ways as BillPayments (with the two payment switches). Connections made before "
        "payables existed start with it off.",
    )

    mapping_ids = fields.One2many("quickbooks.account.mapping", "backend_id", string="Account Mappings")
    qbo_account_ids = fields.One2many("quickbooks.qbo.account", "backend_id", string="QuickBooks Accounts")
    sync_state_ids = fields.One2many("quickbooks.sync.state", "backend_id", string="Sync Records")
    failed_sync_count = fields.Integer(compute="_compute_failed_sync_count")

    # Few, short retries inside a job (same requestid, so a lost response is recovered at once);
    # longer outages are queue_job's business: the worker is freed and the job retried later.
    _qbo_retry_policy = RetryPolicy(
        max_attempts=const.QBO_CALL_MAX_ATTEMPTS,
        base_delay=const.QBO_CALL_RETRY_BASE_DELAY,
        max_delay=const.QBO_CALL_RETRY_MAX_DELAY,
    )

    _company_uniq = models.Constraint(
        "UNIQUE(company_id)", "A company can be connected to one QuickBooks company only."
    )
    _minorversion_check = models.Constraint(
        f"CHECK(minorversion >= {MINIMUM_MINOR_VERSION})",
        f"QuickBooks retired API minor versions below {MINIMUM_MINOR_VERSION}.",
    )

    # ------------------------------------------------------------------ computes
    def _compute_secret_inputs(self):
        for backend in self:
            stored = backend.sudo()
            backend.client_secret = False  # write-only: the UI never gets a secret back
            backend.webhook_verifier_token = False
            backend.client_secret_set = bool(stored.client_secret_encrypted)
            backend.webhook_verifier_token_set = bool(stored.webhook_verifier_token_encrypted)

    def _inverse_client_secret(self):
        for backend in self.filtered("client_secret"):
            backend.sudo().client_secret_encrypted = crypto.encrypt(backend.client_secret.strip())

    def _inverse_webhook_verifier_token(self):
        for backend in self.filtered("webhook_verifier_token"):
            backend.sudo().webhook_verifier_token_encrypted = crypto.encrypt(backend.webhook_verifier_token.strip())

    @api.depends("company_id")
    def _compute_urls(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "").rstrip("/")
        for backend in self:
            backend.redirect_uri = f"{base}{const.OAUTH_CALLBACK_ROUTE}"
            backend.webhook_url = f"{base}{const.WEBHOOK_ROUTE}"

    def _compute_failed_sync_count(self):
        groups = self.env["quickbooks.sync.state"]._read_group(
            [("backend_id", "in", self.ids), ("state", "in", ("failed", "conflict"))], ["backend_id"], ["__count"]
        )
        counts = {backend.id: count for backend, count in groups}
        for backend in self:
            backend.failed_sync_count = counts.get(backend.id, 0)

    # ------------------------------------------------------------------ clients
    def _api_base_url(self) -> str:
        self.ensure_one()
        backend = self.sudo()
        if backend.environment == "custom":
            return backend.custom_base_url.rstrip("/")
        return ENVIRONMENT_URLS[backend.environment]

    def _oauth_endpoints(self) -> OAuthEndpoints:
        backend = self.sudo()
        if backend.environment == "custom":
            return OAuthEndpoints.for_server(backend.custom_base_url)
        return OAuthEndpoints.intuit()

    def _get_client_secret(self) -> str:
        self.ensure_one()
        secret = crypto.decrypt(self.sudo().client_secret_encrypted)
        if not self.sudo().client_id or not secret:
            raise UserError(self.env._("Enter the Client ID and Client Secret of your Intuit app first."))
        return secret

    def _get_webhook_verifier_token(self) -> str | None:
        self.ensure_one()
        return crypto.decrypt(self.sudo().webhook_verifier_token_encrypted)

    def _oauth_client(self) -> OAuthClient:
        self.ensure_one()
        return OAuthClient(
            self.sudo().client_id,
            self._get_client_secret(),
            self.sudo().redirect_uri,
            endpoints=self._oauth_endpoints(),
        )

    def _qbo_client(self, **options) -> QBOClient:
        """An API client for this company.

        The access token is fetched (refreshed when close to expiry) on first use and kept for the
        client's life; a 401 refreshes it once through the locked, separately committed refresh.
        """
        self.ensure_one()
        self._ensure_connected()
        backend = self.sudo()
        held: dict[str, str | None] = {"token": None}

        def current_token() -> str:
            if held["token"] is None:
                held["token"] = backend._get_access_token()
            return held["token"]

        def after_unauthorized() -> str:
            held["token"] = backend._refresh_after_unauthorized(held["token"])
            return held["token"]

        options.setdefault("retry", self._qbo_retry_policy)
        options.setdefault(
            "limiter",
            PostgresRateLimiter(
                self.env.registry,
                backend._qbo_rate_limits(),
                bulk=self._qbo_in_bulk_job(),
                yield_to_users=bool(switch(self.env, YIELD_TO_USERS)),
            ),
        )
        return QBOClient(
            backend.realm_id,
            current_token,
            base_url=backend._api_base_url(),
            minorversion=backend.minorversion,
            on_unauthorized=after_unauthorized,
            **options,
        )

    def _qbo_in_bulk_job(self) -> bool:
        """Whether these requests are a backfill's: they take the rate governor's bulk lane, which leaves room
        for interactive work.  A backfill's jobs say so on the connection they use (:meth:`_qbo_bulk_lane`);
        the job's own context does not reach the connection, which a job gets as an argument."""
        return bool(switch(self.env, BULK_LANE))

    def _qbo_bulk_lane(self):
        """This connection, for a backfill's requests (see :meth:`_qbo_in_bulk_job`)."""
        return switched_on(self, BULK_LANE)

    def _qbo_rate_limits(self) -> RateLimits:
        """QBO's documented per-realm limits.  Technical parameters ``quickbooks.rate_requests`` and
        ``quickbooks.rate_window_seconds`` override them (a stricter budget, or a scaled test)."""
        get = self.env["ir.config_parameter"].sudo().get_param
        requests_ = int(get("quickbooks.rate_requests", 0) or 0) or QBO_LIMITS.requests_per_window
        window = float(get("quickbooks.rate_window_seconds", 0) or 0) or QBO_LIMITS.window
        return RateLimits(requests_, QBO_LIMITS.max_concurrent, QBO_LIMITS.batch_calls_per_window, window)

    def _ensure_connected(self):
        self.ensure_one()
        if self.state != "connected" or not self.realm_id:
            raise UserError(
                self.env._(
                    "%(name)s is not connected to QuickBooks (state: %(state)s).",
                    name=self.display_name,
                    state=dict(const.BACKEND_STATES).get(self.state, self.state),
                )
            )

    @api.model
    def _for_company(self, company=None):
        """The connection of ``company`` (the current one by default), or an empty recordset."""
        company = company or self.env.company
        return self.search([("company_id", "=", company.id)], limit=1)

    def _qbo_app_url(self, entity: str, qbo_id: str) -> str | bool:
        """Link to the object in QuickBooks' web app ("View in QuickBooks")."""
        self.ensure_one()
        base = const.QBO_APP_URLS.get(self.sudo().environment) or self.sudo().custom_base_url
        path = (qbo_entity(entity) or EMPTY_ROW).app_path
        if not base or not path or not qbo_id:
            return False
        return base.rstrip("/") + path.format(id=qbo_id)

    # ------------------------------------------------------------------ actions
    def action_connect(self):
        """Start the OAuth round trip in the browser ("Connect to QuickBooks")."""
        self.ensure_one()
        check_manager(self)
        self._get_client_secret()  # a clear error now rather than a failed round trip
        return {
            "type": "ir.actions.act_url",
            "url": f"{const.OAUTH_START_ROUTE}?backend_id={self.id}",
            "target": "self",
        }

    def action_disconnect(self):
        """Revoke the authorization at Intuit, then forget every token."""
        check_manager(self)
        for backend in self:
            refresh = crypto.decrypt(backend.sudo().refresh_token_encrypted)
            if refresh:
                try:
                    backend._oauth_client().revoke(refresh)
                except Exception as error:  # a failed revoke must not keep tokens around
                    _logger.warning("QuickBooks: revoking the token of %s failed: %s", backend.display_name, error)
                    backend.message_post(
                        body=self.env._(
                            "Intuit did not confirm the token revocation (%s); the tokens "
                            "were removed from Odoo anyway.",
                            error,
                        )
                    )
            backend.sudo().write({**const.TOKEN_RESET, "state": "disconnected", "last_error": False})
            backend.message_post(
                body=self.env._("Disconnected from QuickBooks company %s.", backend.qbo_company_name or "-")
            )
        return True

    def _refresh_company_facts(self, client=None):
        """Name, country and home currency of the QBO company (they decide how taxes are sent), and whether it
        tracks classes and locations."""
        self.ensure_one()
        client = client or self._qbo_client()
        info = client.company_info()
        prefs = (client.query("select * from Preferences").get("Preferences") or [{}])[0]
        home = ((prefs.get("CurrencyPrefs") or {}).get("HomeCurrency") or {}).get("value")
        values = {
            "qbo_company_name": info.get("CompanyName"),
            "qbo_country": info.get("Country") or False,
            "qbo_home_currency": home or False,
            "qbo_automated_sales_tax": bool((prefs.get("TaxPrefs") or {}).get("PartnerTaxEnabled")),
            **tracking_values(prefs),
        }
        backend = self.sudo()
        if any(backend[name] != value for name, value in values.items()):
            backend.write(values)
        return info

    def _is_us_company(self) -> bool:
        self.ensure_one()
        if not self.qbo_country:
            self._refresh_company_facts()
        return (self.qbo_country or "").upper() in ("US", "USA")

    def _retry_mapping_failures(self):
        """Documents that waited for a mapping are scheduled again once mappings change."""
        for backend in self:
            rows = (
                self.env["quickbooks.sync.state"]
                .sudo()
                .search([("backend_id", "=", backend.id), ("state", "=", "failed"), ("failure_kind", "=", "mapping")])
            )
            for row in rows:
                record = row._record()
                if record is not None:  # every bound record and settlement source says how it is sent
                    record._quickbooks_schedule_sync(backend)

    def action_pull_tax_codes(self):
        check_manager(self)
        self._map_taxes_by_rate()
        return True

    def _map_taxes_by_rate(self, client=None):
        """Read QBO's tax codes and map the unmapped sales taxes whose rate one code alone has."""
        self.ensure_one()
        self.env["quickbooks.qbo.tax.code"]._pull_for_backend(self, client=client)
        return self.env["quickbooks.tax.mapping"]._propose_for_backend(self)

    def action_test_connection(self):
        self.ensure_one()
        check_manager(self)
        info = self._refresh_company_facts()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("QuickBooks"),
                "message": self.env._("Connected to %s.", info.get("CompanyName") or self.realm_id),
            },
        }

    def action_open_failed_sync_records(self):
        check_user(self)
        return self._failed_rows_action("quickbooks_connector.action_quickbooks_sync_state")

    def _failed_rows_action(self, xmlid):
        """The list action ``xmlid`` (sync records, inbox) on this connection's rows, with the Failed filter on."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("backend_id", "=", self.id)]
        action["context"] = {"search_default_filter_failed": 1}
        return action
