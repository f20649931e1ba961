"""Constants of the QuickBooks connector: routes, configuration keys, groups, QBO links, and its tunables."""

from datetime import timedelta

OAUTH_START_ROUTE = "/quickbooks/oauth/start"
OAUTH_CALLBACK_ROUTE = "/quickbooks/oauth/callback"
WEBHOOK_ROUTE = "/quickbooks/webhook"

# The encryption key never lives in the database: odoo.conf [options] or the environment.
ENCRYPTION_KEY_OPTION = "quickbooks_encryption_key"
ENCRYPTION_KEY_ENV = "QUICKBOOKS_ENCRYPTION_KEY"

GROUP_USER = "quickbooks_connector.group_quickbooks_user"
GROUP_MANAGER = "quickbooks_connector.group_quickbooks_manager"

# Refresh the access token when it has less than this left (QBO access tokens live one hour).
ACCESS_TOKEN_REFRESH_MARGIN = timedelta(minutes=5)
# The refresh cron runs every 30 minutes: refresh whatever would expire before its next run.
CRON_REFRESH_MARGIN = timedelta(minutes=35)
# Warn managers this long before the refresh token's hard (5-year) or rolling expiry.
REFRESH_EXPIRY_WARNING = timedelta(days=30)

# OAuth state values are valid for this long after "Connect to QuickBooks" was clicked.
OAUTH_STATE_TTL = timedelta(minutes=15)
OAUTH_SESSION_KEY = "quickbooks_oauth"

JOB_CHANNEL = "root.quickbooks"

# Where a user sees an object in QuickBooks' own web app.
QBO_APP_URLS = {
    "production": "https://app.qbo.intuit.com",
    "sandbox": "https://app.sandbox.qbo.intuit.com",
}

ENVIRONMENTS = [
    ("production", "Production"),
    ("sandbox", "Sandbox"),
    ("custom", "Custom server (emulator)"),
]

BACKEND_STATES = [
    ("draft", "Not connected"),
    ("connected", "Connected"),
    ("reconnect", "Reconnect needed"),
    ("disconnected", "Disconnected"),
]

# How many times queue_job runs a QuickBooks job before giving up.  The wait between tries is the
# retry pattern of the job functions (data/queue_job_data.xml: 30 s, 2 min, 10 min, 30 min, then
# hourly), so 25 tries outlast a QuickBooks outage of more than 18 hours; a paused connection
# (reconnect needed) waits without using any.
JOB_MAX_RETRIES = 25
#: Try N of a QuickBooks job waits S seconds (queue_job's retry pattern): 30 s, 2 min, 10 min, 30 min,
#: then hourly.  Declared once here for every job function (``tools/jobs.declare_job_functions``); an
#: administrator can tune each one afterwards in Job Queue > Job Functions (kept on upgrade).
JOB_RETRY_PATTERN = {1: 30, 3: 120, 5: 600, 7: 1800, 9: 3600}

# queue_job runs lower numbers first (its default is 10): a backfill of older documents waits behind
# what users do now.
BACKFILL_PRIORITY = 50

# ---------------------------------------------------------------------------- tunables
# Retries of one QuickBooks call inside a job (same requestid, so a lost response is recovered at
# once); longer outages are queue_job's business: the worker is freed and the job retried later.
QBO_CALL_MAX_ATTEMPTS = 3
QBO_CALL_RETRY_BASE_DELAY = 0.3
QBO_CALL_RETRY_MAX_DELAY = 2.0

# A paused connection (reconnect needed) is looked at again this often, without using up retries.
PAUSED_RECHECK_SECONDS = 900
# Seconds before a job that lost the race to bind a record looks again.  It lost when the other transaction
# committed (PostgreSQL holds a duplicate insert until then): the next try reads the binding, a second is enough.
BINDING_RACE_RETRY_SECONDS = 1
# A job that finds its object being applied by another worker looks again this much later.
OBJECT_BUSY_RETRY_SECONDS = 15
# A job waiting for another job of the connector (a void for its document's push, a payment for its
# invoice's) looks again this much later, or when that job's next try is due.
JOB_WAIT_RETRY_SECONDS = 5

# Token refresh: tries when another worker holds the connection's row (waiting 0.05 s, 0.1 s, ...
# between them), and how long one try waits for that worker's refresh.
#: The token fields of a connection (stored in quickbooks.backend.token) and what forgetting them writes.
TOKEN_FIELDS = (
    "access_token_encrypted",
    "refresh_token_encrypted",
    "access_token_expires_at",
    "refresh_token_expires_at",
    "refresh_token_hard_expires_at",
)
TOKEN_RESET = dict.fromkeys(TOKEN_FIELDS, False)
REFRESH_LOCK_RETRIES = 5
REFRESH_LOCK_RETRY_STEP_SECONDS = 0.05
REFRESH_LOCK_TIMEOUT_MS = 15_000

# Rate governor: an unfinished slot older than this belongs to a dead worker; and the share of
# QBO's limit left unused (its window and ours do not start together).
RATE_SLOT_LEASE_SECONDS = 300
RATE_BUDGET_MARGIN = 0.02
#: The share of the budget a backfill's pushes (the governor's bulk lane) leave to interactive work
#: (about 20 requests a minute), and the wait beyond which a bulk job gives its job slot back.
RATE_BULK_RESERVE = 0.04
RATE_BULK_YIELD_SECONDS = 3.0
#: The bulk lane's pace: its share of the window spread over this many equal steps of it (see rate_governor).
RATE_BULK_PACE_STEPS = 60

# Change data capture.  QBO answers at most CDC_PAGE_LIMIT objects per entity and request, and
# looks back at most CDC_MAX_LOOKBACK; a first run reads CDC_FIRST_LOOKBACK.
CDC_PAGE_LIMIT = 1000
CDC_FIRST_LOOKBACK = timedelta(days=1)
CDC_MAX_LOOKBACK = timedelta(days=30)
# Kept between the cursor and QBO's 30-day limit, so a request never falls just outside it.
CDC_LOOKBACK_MARGIN = timedelta(minutes=10)
# Re-read behind the newest change seen (clock skew, changes committed late by QBO).
CDC_OVERLAP = timedelta(minutes=5)
# With nothing new, the cursor still follows the clock, this far behind it.
CDC_IDLE_LAG = timedelta(hours=1)
# Split windows per run; a larger backlog continues at the next run.
CDC_MAX_REQUESTS = 40

# Webhooks.  Intuit sends at most 100 events a delivery, a few hundred bytes each.
MAX_WEBHOOK_BYTES = 1024 * 1024
WEBHOOK_READ_CHUNK_BYTES = 64 * 1024
# Verifier tokens (Intuit apps) one delivery's signature is checked against, at most: one app signs a
# delivery, and every realm it names is that app's, so one token is the normal case.
WEBHOOK_MAX_VERIFIER_TOKENS = 3
# Skipped events of a delivery named one by one in the log, at most.
INBOX_LOGGED_SKIPS = 10
# Processed notifications are kept this long (longer than QBO's 30-day change-data-capture look-back).
INBOX_RETENTION_DAYS = 60
# Notifications of objects Odoo owns wait this long, then the first job reads up to DRIFT_BATCH
# waiting objects of the entity in one request (see models/quickbooks_webhook_event.py).
DRIFT_DELAY_SECONDS = 15
DRIFT_BATCH = 200

# How long a batch look-up that found nothing spares the push its own look-up.
LOOKUP_VALIDITY = timedelta(hours=12)
# How long a QBO Term id read by name is reused (terms are renamed rarely).
TERM_CACHE_SECONDS = 600
# Documents prepared by one backfill job (its look-ups: about one query per 200 documents).
BACKFILL_CHUNK = 1000
#: A backfill's documents are pushed this many to a job: one job's start and end, and one read of the
#: connection's mappings, for all of them; small enough that a worker is free again within seconds for what
#: users validate meanwhile.
PUSH_CHUNK = 10
#: A backfill's chunks run in this many chains per connection (each queues the next when it ends): the
#: QuickBooks channel's default capacity, so one company's backfill keeps its workers busy, while several
#: companies' backfills take turns (none has more jobs waiting than this).
BACKFILL_CHAINS = 2
# The backlog estimate: documents done over this recent period, over at least this many seconds.
BACKLOG_RATE_WINDOW = timedelta(minutes=10)
BACKLOG_MIN_RATE_SECONDS = 60

# Reconciliation: documents explaining a gap kept on a run; failed nightly runs tried again at the
# next hour, at most this many times a day.
RECONCILIATION_EXPLANATION_LINES = 20
RECONCILIATION_MAX_NIGHTLY_ERRORS = 3

# Slack alerts: only Slack's incoming-webhook host, unless a system administrator allows other
# prefixes in this system parameter (comma separated).
SLACK_URL_PREFIX = "https://hooks.slack.com/"
SLACK_PREFIXES_PARAM = "quickbooks.slack_webhook_url_prefixes"
SLACK_TIMEOUT = 10
# Attempts before an alert is given up (failed); queue_job's own limit is set above it.
SLACK_MAX_ATTEMPTS = 8
# Documents named in the Slack message, and in the managers' activity (the run lists more).
SLACK_EXPLANATION_LINES = 5
ALERT_NOTE_LINES = 10

# Books comparison (trial balance, aging, profit and loss by month).  Months of the profit and loss compared
# (this one and the twelve before); entries named per explanation; lines whose QuickBooks transactions
# (GeneralLedger) a run reads, worst first, and the transactions kept per line; journal items shown in a
# line's drill-down; lines named in the Slack message and the managers' activity.
BOOKS_MONTHS = 13
BOOKS_ENTRIES_NAMED = 5
BOOKS_LEDGER_LINES = 20
BOOKS_LEDGER_ROWS = 500
BOOKS_DRILLDOWN_ITEMS = 500
BOOKS_ALERT_LINES = 5
# Lines that agree are kept this many days (the unexplained and explained ones, and every run's totals, stay).
BOOKS_KEEP_MATCHING_DAYS = 90

#: The sync record binding key of the journal entry a bank statement line books besides its payment (a fee
#: on invoices that a payment without journal entry already received).
COUNTERPART_KEY = "fees"

#: The sync record binding keys of a bank statement line's netting of a customer and a vendor: the journal
#: entry moving the netted amount between receivable and payable, and the other side's payment of 0 that
#: applies it to the netted bills (invoices).
NETTING_KEY = "netting"
NETTED_KEY = "netted"

#: Documents an import job creates in one transaction: a worker killed in the middle redoes at most this many.
IMPORT_CHUNK = 50
#: Customers, vendors and products an import job binds in one transaction (a large company takes several jobs,
#: each well inside a worker's time limits).
IMPORT_PARTY_CHUNK = 500
#: Context key of an import from QuickBooks writing partners (honoured for the superuser only): no push back.
IMPORT_CONTEXT = "quickbooks_importing"
