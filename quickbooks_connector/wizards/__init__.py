from . import (
    quickbooks_account_mapping_wizard,
    quickbooks_account_mapping_wizard_line,
    quickbooks_bulk_push_wizard,
    quickbooks_item_match_wizard,
    quickbooks_item_match_wizard_line,
)
