{
    "name": "QuickBooks Online Connector: Sales Orders",
    "version": "19.0.1.0.0",
    "summary": "Sales orders as QuickBooks Estimates: quotations sent or confirmed, accepted, rejected and closed",
    "category": "Accounting/Accounting",
    "author": "quickbooks_connector contributors",
    "license": "LGPL-3",
    "depends": ["quickbooks_connector", "sale"],
    "auto_install": True,
    "data": [
        "data/queue_job_data.xml",
        "views/quickbooks_backend_views.xml",
        "views/sale_order_views.xml",
    ],
}
