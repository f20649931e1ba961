from . import adapters, controllers, models, wizards
from .tools import log_filters

# Once, when Odoo imports the addon: werkzeug logs the OAuth callback's authorization code, urllib3 a
# Slack webhook's path (a credential).
log_filters.install()
