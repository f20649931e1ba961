from . import account_move, quickbooks_backend, quickbooks_pull, quickbooks_push_estimate, sale_order
