"""Change data capture's rows in the inbox: what one object returned by QBO's ``/cdc`` stores.

The cron that reads them lives with the connection (``quickbooks_backend_cdc.py``); a change a
webhook already brought is recognised by its ``change_key`` and not stored twice.
"""

from odoo import api, models

from ..tools.dates import parse_qbo_time
from .quickbooks_webhook_event import change_key


class QuickbooksWebhookEvent(models.Model):
    _inherit = "quickbooks.webhook.event"

    @api.model
    def _cdc_values(self, backend, entity, obj):
        """Inbox values of one object returned by change data capture."""
        meta = obj.get("MetaData") or {}
        updated = parse_qbo_time(meta.get("LastUpdatedTime"))
        deleted = str(obj.get("status") or "").lower() == "deleted"
        if deleted:
            operation = "delete"
        else:
            operation = (
                "create"
                if meta.get("CreateTime") and meta.get("CreateTime") == meta.get("LastUpdatedTime")
                else "update"
            )
        key = change_key(entity, str(obj.get("Id")), updated, deleted)
        return {
            "backend_id": backend.id,
            "realm_id": backend.realm_id,
            "entity": entity,
            "qbo_id": str(obj.get("Id")),
            "operation": operation,
            "occurred_at": updated or False,
            "source": "cdc",
            "dedupe_key": f"cdc:{key}",
            "change_key": key,
            "payload": {
                "entity": entity,
                "Id": obj.get("Id"),
                "SyncToken": obj.get("SyncToken"),
                "status": obj.get("status"),
                "MetaData": meta,
            },
        }
