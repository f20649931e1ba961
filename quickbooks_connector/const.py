"""Constants of the QuickBooks connector (routes, configuration keys, groups, QBO links)."""

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
QBO_APP_PATHS = {
    "Customer": "/app/customerdetail?nameId={id}",
    "Invoice": "/app/invoice?txnId={id}",
    "CreditMemo": "/app/creditmemo?txnId={id}",
    "Payment": "/app/recvpayment?txnId={id}",
    "Item": "/app/items",
    "Account": "/app/chartofaccounts",
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

# queue_job runs lower numbers first (its default is 10): a backfill of older documents waits behind
# what users do now.
BACKFILL_PRIORITY = 50
