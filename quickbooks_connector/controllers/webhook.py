"""Intuit's webhook endpoint: check, store, answer.

Thin on purpose: verification, routing and storage live on ``quickbooks.webhook.event``.  Nothing
here calls QuickBooks: the delivery is stored and its jobs queued in the request's transaction,
then Odoo answers, so Intuit gets its 200 within a fraction of a second.

* Bodies over ``MAX_WEBHOOK_BYTES`` are refused with 413 before they are read further.
* The ``intuit-signature`` header is checked on the raw bytes, in constant time, before parsing:
  a missing or wrong signature gets 401 and nothing is stored.
* Events of realms without a connection are dropped with a log line, and still answered 200.
"""

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.http import request

from .. import const
from ..qbo import SIGNATURE_HEADER
from ..qbo.redact import get_logger

_logger = get_logger(__name__)

#: Intuit sends at most 100 events a delivery, a few hundred bytes each.
MAX_WEBHOOK_BYTES = 1024 * 1024


class QuickbooksWebhookController(http.Controller):

    @http.route(const.WEBHOOK_ROUTE, type="http", auth="public", methods=["POST"], csrf=False,
                save_session=False, max_content_length=MAX_WEBHOOK_BYTES)
    def quickbooks_webhook(self, **kwargs):
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_WEBHOOK_BYTES:
            return self._too_large()
        try:
            raw_body = httprequest.get_data(cache=False)
        except RequestEntityTooLarge:
            return self._too_large()
        if len(raw_body) > MAX_WEBHOOK_BYTES:
            return self._too_large()
        signature = httprequest.headers.get(SIGNATURE_HEADER)
        status, body = request.env["quickbooks.webhook.event"].sudo()._receive_delivery(raw_body, signature)
        return request.make_json_response(body, status=status)

    @staticmethod
    def _too_large():
        _logger.warning("QuickBooks webhook refused: body over %d bytes", MAX_WEBHOOK_BYTES)
        return request.make_json_response({"error": "payload too large"}, status=413)
