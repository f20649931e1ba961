from .order_document import estimate_document, order_accounts, order_products
