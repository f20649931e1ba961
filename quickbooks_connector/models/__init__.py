# isort: skip_file
# Order matters: the mixin must exist before the models that inherit it.
from . import quickbooks_bound_mixin
from . import quickbooks_backend
from . import quickbooks_backend_tokens
from . import quickbooks_qbo_account
from . import quickbooks_account_mapping
from . import quickbooks_tax_mapping
from . import quickbooks_sync_state
from . import quickbooks_rate_slot
from . import quickbooks_push
from . import quickbooks_push_customer
from . import quickbooks_push_move
from . import quickbooks_push_payment
from . import quickbooks_pull
from . import res_company
from . import res_config_settings
from . import res_partner
from . import account_move
from . import account_payment
from . import quickbooks_reconciliation
from . import quickbooks_reconciliation_alert
from . import quickbooks_webhook_event
from . import quickbooks_backend_cdc
