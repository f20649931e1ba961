{
    "name": "QuickBooks Online Connector",
    "version": "19.0.1.2.0",
    "summary": "Keep Odoo invoices, bills, customers, vendors and payments in lockstep with QuickBooks Online",
    "description": """
Odoo is master for customers, vendors, invoices, credit notes, bills and refunds; payments flow both ways.
Every push is idempotent, every update honours QuickBooks' SyncToken, and the sync records
keep every binding, attempt and error.
""",
    "category": "Accounting/Accounting",
    "author": "quickbooks_connector contributors",
    "license": "LGPL-3",
    "depends": ["account", "queue_job"],
    "external_dependencies": {"python": ["requests", "cryptography"]},
    "data": [
        "security/quickbooks_security.xml",
        "security/ir.model.access.csv",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "views/quickbooks_backend_views.xml",
        "views/quickbooks_sync_state_views.xml",
        "views/quickbooks_account_mapping_views.xml",
        "wizards/quickbooks_account_mapping_wizard_views.xml",
        "views/res_config_settings_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/quickbooks_templates.xml",
        "views/quickbooks_menus.xml",
        "wizards/quickbooks_bulk_push_wizard_views.xml",
        "data/quickbooks_reconciliation_data.xml",
        "views/quickbooks_reconciliation_views.xml",
        "data/quickbooks_inbox_data.xml",
        "views/quickbooks_webhook_event_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "quickbooks_connector/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": False,
}
