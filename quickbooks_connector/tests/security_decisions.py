"""Who may set each field the addon defines or adds, and why: the table the write-path test checks.

Each entry is ``(who may set it on create, who may set it on write, why)``, per model and field.  ``who`` is
a set of the test's roles (``MANAGER``: a QuickBooks manager of the record's own company; ``NOBODY``), or
``ODOO``: whoever Odoo's own access rights let create (write) that record.  A field missing here fails the
test: a new field gets a decision before it ships.
"""

NOBODY = frozenset()
MANAGER = frozenset({"manager"})
ODOO = "odoo"

ROLES = ("portal", "internal", "billing", "qbo_user", "other_manager", "manager")


def addon(reason):
    """Written by the connector's own code only (through sudo), never by a user."""
    return (NOBODY, NOBODY, reason)


def managers(reason):
    return (MANAGER, MANAGER, reason)


def on_create(reason):
    """Chosen by a manager when the record is made, never changed afterwards."""
    return (MANAGER, NOBODY, reason)


def odoo(reason):
    return (ODOO, ODOO, reason)


COMPUTED = addon("computed for display, nothing a client sets")
RELATED = addon("a related field: writing it would write the record it comes from")
QBO_FACT = addon("what QuickBooks says: read from QuickBooks by the connector")
SECRET_AT_REST = addon("ciphertext: set through its write-only input, by the connector's code")
SYNC_RECORD = addon(
    "the sync records is the connector's: its rows tell the sudo pull and push code what to do (a row naming another "
    "company's payment made the undo code cancel it); managers read it and use Retry"
)
INBOX = addon("the inbox is what QuickBooks notified, stored by the webhook and the catch-up; managers use Retry")
RUN = addon("a reconciliation run is what the connector compared; managers run one and resend its alert")
SLOT = addon("the rate governor's bookkeeping")
BOUND = addon("the QuickBooks status of a record, computed from the sync records")
CHATTER = addon(
    "Odoo's chatter (mail.thread, mail.activity.mixin, and what sms and portal add to them): followers, messages "
    "and activities go through Odoo's mail API, never through the connection's write()"
)
#: Fields the addon's own models inherit from Odoo's mixins, decided per module that defines them.
MIXIN_FIELDS = {"mail": CHATTER, "sms": CHATTER, "portal": CHATTER}

BOUND_FIELDS = {
    "quickbooks_sync_state_id": BOUND,
    "quickbooks_status": BOUND,
    "quickbooks_url": BOUND,
    "quickbooks_last_error": BOUND,
    "quickbooks_drift_note": BOUND,
}

DECISIONS = {
    "quickbooks.backend": {
        "name": managers("the connection's label"),
        "active": managers("archiving a connection"),
        "company_id": on_create(
            "chosen when the connection is made (one of the manager's companies), never moved: its tokens and "
            "bindings are that company's"
        ),
        "state": addon("connected, disconnected, reconnect: set by the OAuth flow and the token refresh"),
        "environment": (
            MANAGER,
            NOBODY,
            "Intuit's production or sandbox when the connection is made; a custom server, or any change later, "
            "is a system administrator's (the tokens go there)",
        ),
        "custom_base_url": addon("a system administrator's: the tokens are sent there (none of the test's roles)"),
        "minorversion": managers("the API minor version, checked against QuickBooks' minimum"),
        "client_id": managers("the Intuit app of the connection"),
        "client_secret_encrypted": SECRET_AT_REST,
        "client_secret": managers("write-only input of the app's secret (stored encrypted)"),
        "client_secret_set": COMPUTED,
        "webhook_verifier_token_encrypted": SECRET_AT_REST,
        "webhook_verifier_token": managers("write-only input of the verifier token (stored encrypted)"),
        "webhook_verifier_token_set": COMPUTED,
        "redirect_uri": COMPUTED,
        "webhook_url": COMPUTED,
        "realm_id": addon("the QuickBooks company: set by the authorization, after its checks (one realm per company)"),
        "qbo_company_name": QBO_FACT,
        "qbo_country": QBO_FACT,
        "qbo_home_currency": QBO_FACT,
        "qbo_automated_sales_tax": QBO_FACT,
        "qbo_class_tracking": QBO_FACT,
        "qbo_track_locations": QBO_FACT,
        "qbo_location_terminology": QBO_FACT,
        "class_plan_id": managers("the analytic plan whose accounts stand for QuickBooks classes"),
        "location_plan_id": managers("the analytic plan whose accounts stand for QuickBooks locations"),
        "tracking_mapping_ids": managers(
            "class and location mapping lines: each line's own fields are decided on its model"
        ),
        "qbo_tracking_ids": addon("QuickBooks' classes and locations, read from QuickBooks"),
        "qbo_exempt_tax_code_id": managers("the tax code of untaxed lines, one of this connection's (checked)"),
        "tax_mapping_ids": managers("tax mapping lines: each line's own fields are decided on its model"),
        "token_ids": addon("the connection's token row, written by the OAuth flow and the refresh"),
        "access_token_encrypted": SECRET_AT_REST,
        "refresh_token_encrypted": SECRET_AT_REST,
        "access_token_expires_at": addon("token bookkeeping of the OAuth flow"),
        "refresh_token_expires_at": addon("token bookkeeping of the OAuth flow"),
        "refresh_token_hard_expires_at": addon("token bookkeeping of the OAuth flow"),
        "connected_at": addon("set by the authorization"),
        "last_error": addon("what the connector last failed at"),
        "sync_customers": managers("what to synchronise"),
        "sync_invoices": managers("what to synchronise"),
        "sync_payments_to_qbo": managers("what to synchronise"),
        "sync_payments_from_qbo": managers("what to synchronise"),
        "sync_bills": managers("what to synchronise"),
        "qbo_products_as_items": managers("what to synchronise"),
        "mapping_ids": managers("account mapping lines: each line's own fields are decided on its model"),
        "qbo_account_ids": addon("QuickBooks' chart of accounts, read from QuickBooks"),
        "sync_state_ids": SYNC_RECORD,
        "failed_sync_count": COMPUTED,
        "slack_webhook_url_encrypted": SECRET_AT_REST,
        "slack_webhook_url": managers(
            "write-only input of the alert channel, to an allowed host only (stored encrypted)"
        ),
        "slack_webhook_set": COMPUTED,
        "slack_webhook_host": COMPUTED,
        "cdc_cursor": addon("where change data capture resumes: moved by the catch-up"),
        "cdc_last_run_at": addon("set by the catch-up"),
        "cdc_last_error": addon("set by the catch-up"),
        "webhook_event_count": COMPUTED,
        "backlog_pending": COMPUTED,
        "backlog_failed": COMPUTED,
        "backlog_done": COMPUTED,
        "backlog_progress": COMPUTED,
        "backlog_rate": COMPUTED,
        "backlog_eta": COMPUTED,
        "backlog_finished_at": COMPUTED,
        "backlog_summary": COMPUTED,
        "backlog_started_at": addon("when the connector queued the last push of many documents"),
        "dashboard_done_count": COMPUTED,
        "dashboard_pending_count": COMPUTED,
        "dashboard_failed_count": COMPUTED,
        "dashboard_last_success_at": COMPUTED,
        "dashboard_queue_depth": COMPUTED,
        "dashboard_reconciliation_state": COMPUTED,
        "dashboard_reconciliation_at": COMPUTED,
        "reconciliation_threshold": managers("reconciliation setting"),
        "reconciliation_hour": managers("reconciliation setting"),
        "reconciliation_tz": managers("reconciliation setting"),
        "fx_gain_account_code": managers("reconciliation setting"),
        "fx_loss_account_code": managers("reconciliation setting"),
        "fx_tolerance": managers("reconciliation setting"),
        "reconciliation_currency_id": RELATED,
        "reconciliation_ids": RUN,
        "reconciliation_count": COMPUTED,
        "last_reconciliation_state": COMPUTED,
        "books_tolerance": managers("books comparison setting"),
        "books_last_state": COMPUTED,
        "books_last_summary": COMPUTED,
        "books_last_date": COMPUTED,
    },
    "quickbooks.sync.state": dict.fromkeys(
        (
            "backend_id",
            "company_id",
            "res_model",
            "res_id",
            "binding_key",
            "res_name",
            "qbo_entity",
            "qbo_id",
            "qbo_doc_number",
            "sync_token",
            "synced_values",
            "qbo_fingerprint",
            "drift_detected",
            "drift_note",
            "drift_at",
            "origin",
            "state",
            "failure_kind",
            "qbo_state",
            "qbo_absent_at",
            "opening_balance",
            "attempts",
            "last_error",
            "last_request_id",
            "last_attempt_at",
            "last_success_at",
            "qbo_url",
            "record_type",
            "partner_id",
            "currency_id",
            "amount",
            "record_date",
        ),
        SYNC_RECORD,
    ),
    "quickbooks.webhook.event": dict.fromkeys(
        (
            "backend_id",
            "company_id",
            "realm_id",
            "entity",
            "qbo_id",
            "operation",
            "occurred_at",
            "event_id",
            "dedupe_key",
            "change_key",
            "source",
            "payload",
            "state",
            "attempts",
            "last_error",
            "processed_at",
            "outcome",
            "echo",
        ),
        INBOX,
    ),
    "quickbooks.account.mapping": {
        "backend_id": on_create("the connection the mapping belongs to: one the manager manages, never moved"),
        "company_id": RELATED,
        "account_id": managers("the Odoo account (of the connection's company: checked)"),
        "account_code": RELATED,
        "account_type": RELATED,
        "qbo_account_id": managers("the QuickBooks account, one of this connection's (checked)"),
        "qbo_account_active": RELATED,
        "qbo_item_id": managers("the QuickBooks Item of sales lines (the connector binds one)"),
        "qbo_item_name": managers("the QuickBooks Item of sales lines (the connector binds one)"),
        "state": COMPUTED,
    },
    "quickbooks.tracking.mapping": {
        "backend_id": on_create("the connection the mapping belongs to: one the manager manages, never moved"),
        "company_id": RELATED,
        "kind": on_create("class or location: chosen when the row is made"),
        "analytic_account_id": managers("the Odoo analytic account (of the connection's company: checked)"),
        "qbo_tracking_id": managers("the QuickBooks class or location, one of this connection's (checked)"),
        "qbo_active": RELATED,
        "state": COMPUTED,
    },
    "quickbooks.qbo.tracking": dict.fromkeys(
        ("backend_id", "company_id", "kind", "qbo_id", "name", "fully_qualified_name", "qbo_active"), QBO_FACT
    ),
    "quickbooks.tax.mapping": {
        "backend_id": on_create("the connection the mapping belongs to: one the manager manages, never moved"),
        "company_id": RELATED,
        "tax_id": managers("the Odoo tax (of the connection's company: checked)"),
        "qbo_tax_code_id": managers("the QuickBooks tax code, one of this connection's (checked)"),
        "tax_use": RELATED,
        "applied_rate": COMPUTED,
    },
    "quickbooks.qbo.account": dict.fromkeys(
        (
            "backend_id",
            "company_id",
            "qbo_id",
            "name",
            "fully_qualified_name",
            "acct_num",
            "account_type",
            "account_subtype",
            "classification",
            "currency_code",
            "qbo_active",
            "last_pulled_at",
        ),
        QBO_FACT,
    ),
    "quickbooks.qbo.tax.code": dict.fromkeys(
        (
            "backend_id",
            "company_id",
            "qbo_id",
            "name",
            "taxable",
            "rate",
            "rate_details",
            "purchase_rate",
            "purchase_rate_details",
            "qbo_active",
        ),
        QBO_FACT,
    ),
    "quickbooks.backend.token": dict.fromkeys(
        (
            "backend_id",
            "access_token_encrypted",
            "refresh_token_encrypted",
            "access_token_expires_at",
            "refresh_token_expires_at",
            "refresh_token_hard_expires_at",
        ),
        addon("OAuth tokens: written by the authorization and the refresh, read by system administrators only"),
    ),
    "quickbooks.rate.slot": dict.fromkeys(
        ("realm_id", "started_at", "finished_at", "cost", "is_batch", "is_bulk"),
        SLOT,
    ),
    "quickbooks.reconciliation.line": dict.fromkeys(
        (
            "reconciliation_id",
            "company_id",
            "currency_id",
            "sequence",
            "kind",
            "move_id",
            "partner_id",
            "customer_currency",
            "qbo_entity",
            "qbo_id",
            "qbo_doc_number",
            "odoo_amount",
            "qbo_amount",
            "difference",
            "qbo_url",
        ),
        RUN,
    ),
    "quickbooks.account.mapping.wizard": {
        "backend_id": on_create("the connection to map: one the manager manages"),
        "line_ids": managers("the wizard's lines: each line's own fields are decided on its model"),
        "proposal_count": COMPUTED,
        "check_count": COMPUTED,
        "inactive_count": COMPUTED,
    },
    "quickbooks.account.mapping.wizard.line": {
        "wizard_id": on_create("filled in by the wizard when it lists the accounts (the creator's own wizard only)"),
        "backend_id": RELATED,
        "account_id": on_create("filled in by the wizard when it lists the accounts"),
        "account_code": RELATED,
        "account_type": RELATED,
        "mapping_id": on_create("filled in by the wizard when it lists the accounts"),
        "qbo_account_id": managers("the user's choice (applied as a mapping of the same connection: checked)"),
        "qbo_account_inactive": COMPUTED,
        "proposed_qbo_account_id": on_create("filled in by the wizard when it lists the accounts"),
        "match_reason": on_create("filled in by the wizard when it lists the accounts"),
        "proposal_certain": on_create("filled in by the wizard when it lists the accounts"),
        "proposal_note": on_create("filled in by the wizard when it lists the accounts"),
    },
    "quickbooks.item.match.wizard": {
        "backend_id": on_create("the connection whose Items are reviewed: one the manager manages"),
        "line_ids": managers("the review's lines: each line's own fields are decided on its model"),
        "adopt_count": COMPUTED,
        "new_count": COMPUTED,
    },
    "quickbooks.item.match.wizard.line": {
        **dict.fromkeys(
            (
                "wizard_id",
                "product_id",
                "qbo_item_id",
                "qbo_item_name",
                "qbo_item_sku",
                "qbo_item_type",
                "qbo_sync_token",
                "qbo_income_account",
                "qbo_expense_account",
                "match_reason",
                "note",
            ),
            on_create("filled in by the review when it lists the products (applied for the connection's company only)"),
        ),
        "default_code": RELATED,
        "adopt": managers("the user's decision: keep the proposed Item or make a new one"),
    },
    "quickbooks.bulk.push.wizard": {
        "backend_id": managers("the connection to push to: one the manager manages (checked)"),
        "date_from": managers("the period to send"),
        "date_to": managers("the period to send"),
        "include_synced": managers("whether to send synced documents again"),
        "move_count": COMPUTED,
    },
    # --- Odoo's models: only the fields this addon adds
    "account.move": {
        "quickbooks_skip": odoo("whoever may edit the entry may keep it out of QuickBooks (tracked)"),
        "quickbooks_post_version": addon("part of the requestid: counted by the connector when the move is posted"),
        "quickbooks_import_id": addon("set by an import from QuickBooks on what it made: such a move is never sent"),
        "quickbooks_entered_in_qbo": addon(
            "set on what a parallel run made from a document entered in QuickBooks: such a move is never sent"
        ),
        **BOUND_FIELDS,
    },
    "account.payment": {
        "quickbooks_post_version": addon("part of the requestid: counted by the connector when the payment is posted"),
        **BOUND_FIELDS,
    },
    "res.partner": BOUND_FIELDS,
    "account.journal": {
        "quickbooks_send_entries": odoo(
            "which journals' entries go to QuickBooks: whoever may configure the journal (Odoo's accounting rights)"
        ),
    },
    "account.partial.reconcile": {
        "quickbooks_pulled": addon("marks a reconciliation QuickBooks made (never pushed back): set by the pull only"),
    },
    "res.company": {
        "quickbooks_backend_ids": addon("connections are made from the settings and never move between companies"),
    },
    "res.config.settings": dict.fromkeys(
        (
            "quickbooks_backend_id",
            "quickbooks_state",
            "quickbooks_company_name",
            "quickbooks_realm_id",
            "quickbooks_token_expiry",
            "quickbooks_hard_expiry",
            "quickbooks_last_error",
            "quickbooks_encryption_ok",
        ),
        addon("computed from the connection for the settings page (no inverse: nothing is stored)"),
    ),
}

#: The reconciliation run's fields (all the connector's): listed by name so that a new one is noticed.
RUN_FIELDS = (
    "backend_id",
    "company_id",
    "currency_id",
    "run_at",
    "local_date",
    "trigger",
    "state",
    "error_message",
    "notes",
    "threshold",
    "odoo_open_count",
    "qbo_open_count",
    "open_count_difference",
    "open_count_drift",
    "odoo_receivable",
    "qbo_receivable",
    "receivable_difference",
    "receivable_drift",
    "odoo_unapplied",
    "qbo_unapplied",
    "unapplied_difference",
    "unapplied_drift",
    "customer_mismatch_count",
    "vendor_mismatch_count",
    "odoo_open_bill_count",
    "qbo_open_bill_count",
    "open_bill_count_difference",
    "open_bill_count_drift",
    "odoo_payable",
    "qbo_payable",
    "payable_difference",
    "payable_drift",
    "max_drift",
    "fx_state",
    "fx_date_from",
    "fx_date_to",
    "odoo_fx_balance",
    "qbo_fx_balance",
    "fx_difference",
    "fx_tolerance",
    "fx_source",
    "line_ids",
    "explanation_count",
    "alert_state",
    "alert_message",
    "alert_sent_at",
    "alert_attempts",
    "alert_last_error",
    "books_state",
    "books_date",
    "books_fiscal_start",
    "books_tolerance",
    "books_line_ids",
    "books_line_count",
    "books_unexplained_count",
    "books_explained_count",
    "books_unexplained_total",
    "books_months_agreeing",
    "books_error",
    "books_summary",
)
DECISIONS["quickbooks.reconciliation"] = dict.fromkeys(RUN_FIELDS, RUN)

#: A books comparison is what the connector compared (its lines, their explanations, the QuickBooks transactions
#: it read): listed by name so that a new field is noticed.
BOOKS = addon("a books comparison is what the connector compared; managers read it and delete it")
DECISIONS["quickbooks.books.line"] = dict.fromkeys(
    (
        "reconciliation_id",
        "backend_id",
        "company_id",
        "currency_id",
        "run_date",
        "latest",
        "section",
        "section_sequence",
        "sequence",
        "name",
        "period",
        "period_start",
        "period_end",
        "qbo_account_id",
        "account_ids",
        "partner_id",
        "qbo_party_id",
        "account_group",
        "mapping",
        "normal_side",
        "odoo_amount",
        "qbo_amount",
        "difference",
        "explained_amount",
        "unexplained_amount",
        "unexplained_abs",
        "state",
        "explanation_ids",
        "explanation_summary",
        "note",
        "ledger_accounts",
        "ledger_row_ids",
        "ledger_fetched",
        "ledger_note",
        "cumulative",
        "qbo_opening",
        "odoo_item_ids",
        "odoo_opening",
        "odoo_item_note",
    ),
    BOOKS,
)
DECISIONS["quickbooks.books.explanation"] = dict.fromkeys(
    (
        "line_id",
        "company_id",
        "currency_id",
        "sequence",
        "kind",
        "amount",
        "note",
        "entry_count",
        "move_ids",
        "sync_state_ids",
    ),
    BOOKS,
)
DECISIONS["quickbooks.books.ledger.row"] = dict.fromkeys(
    (
        "line_id",
        "company_id",
        "currency_id",
        "date",
        "txn_type",
        "qbo_entity",
        "qbo_txn_id",
        "number",
        "party",
        "memo",
        "split",
        "amount",
        "sync_state_id",
        "qbo_url",
    ),
    BOOKS,
)


def in_review(reason):
    """Changed by a manager on a record the connector made (no user creates one)."""
    return (NOBODY, MANAGER, reason)


IMPORT = addon("what the import read from QuickBooks, matched, created or counted: written by its steps and jobs")
DECISIONS["quickbooks.import"] = {
    "backend_id": on_create("the connection imported from: one the manager manages (checked), never moved"),
    "cutover_date": managers("the day Odoo takes over the books"),
    "line_ids": managers("the matches, through the review lists: each line checks its own fields"),
    "account_line_ids": managers("the accounts' matches, through the review list: each line checks its own fields"),
    "customer_line_ids": managers("the customers' matches, through the review list"),
    "vendor_line_ids": managers("the vendors' matches, through the review list"),
    "product_line_ids": managers("the products' matches, through the review list"),
    "name": COMPUTED,
    "company_id": RELATED,
    "currency_id": RELATED,
    "documents_done": COMPUTED,
    "documents_progress": COMPUTED,
    "documents_time_left": COMPUTED,
    **dict.fromkeys(
        (
            "state",
            "clearing_account_id",
            "summary",
            "documents_total",
            "documents_started_at",
            "documents_bound_before",
            "move_ids",
        ),
        IMPORT,
    ),
}
DECISIONS["quickbooks.import.line"] = {
    "account_id": in_review("the Odoo account this QuickBooks account is (empty: a new one)"),
    "partner_id": in_review("the Odoo partner this customer or vendor is (empty: a new one)"),
    "product_id": in_review("the Odoo product this item is (empty: a new one)"),
    "company_id": RELATED,
    **dict.fromkeys(
        (
            "import_id",
            "kind",
            "qbo_id",
            "qbo_name",
            "qbo_type",
            "qbo_email",
            "qbo_sku",
            "qbo_account_id",
            "new_account_type",
            "reason",
            "note",
        ),
        IMPORT,
    ),
}
PARALLEL = addon("the run's verdicts and sign-off: written by the nightly comparison and the sign-off button")
DECISIONS["quickbooks.parallel.run"] = {
    "backend_id": on_create("the connection the run compares: one the manager manages (checked), never moved"),
    **dict.fromkeys(
        (
            "start_date",
            "length_days",
            "direction",
            "tolerance",
            "exit_clean_days",
            "exit_needs_month_end",
            "history_from",
        ),
        managers("the run's settings and exit rule"),
    ),
    "day_ids": managers("the days, through the run's list: each day lets its resolution only be written"),
    "company_id": RELATED,
    "currency_id": RELATED,
    **dict.fromkeys(
        (
            "name",
            "end_date",
            "days_run",
            "clean_days",
            "consecutive_clean_days",
            "streak_has_month_end",
            "exit_rule_met",
            "open_differences",
            "last_reconciliation_id",
            "verdict",
        ),
        COMPUTED,
    ),
    **dict.fromkeys(("state", "signed_off_by", "signed_off_at"), PARALLEL),
    **dict.fromkeys(
        ("opening_state", "opening_summary"),
        addon("the history sent to QuickBooks: written by its button and its job"),
    ),
}
DECISIONS["quickbooks.parallel.day"] = {
    "resolution": in_review("how the day's differences were resolved, for the sign-off report"),
    "currency_id": RELATED,
    **dict.fromkeys(
        (
            "run_id",
            "date",
            "reconciliation_id",
            "clean",
            "unexplained_total",
            "unexplained_count",
            "explained_count",
            "summary",
        ),
        PARALLEL,
    ),
}

#: Odoo models the addon extends without adding fields (their methods are checked by the RPC surface test).
EXTENDED_WITHOUT_FIELDS = {"account.move.line", "account.bank.statement.line", "product.product", "product.template"}
