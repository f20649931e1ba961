from . import quickbooks_account_mapping_wizard
