from . import (
    test_access,
    test_backend_tokens,
    test_crypto,
    test_ledger,
    test_mapping,
    test_oauth_flow,
    test_payments,
    test_push,
    test_push_bulk,
    test_push_faults,
    test_reconciliation,
    test_settings,
)
