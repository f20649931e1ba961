"""Odoo records → the ``qbo.payloads`` dataclasses: the one place that reads Odoo to build QBO JSON."""

from .customer import customer_data, customer_display_name, vendor_data
from .sales_document import MappingProblem, sales_document_data
