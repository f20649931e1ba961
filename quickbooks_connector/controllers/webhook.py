"""Intuit's webhook endpoint: check, read, store, answer.

Thin on purpose: the signature check, routing and storage live on ``quickbooks.webhook.event``, parsing in
``qbo.webhooks``.  Nothing here calls QuickBooks: the delivery is stored and its jobs queued in the
request's transaction, then Odoo answers, so Intuit gets its 200 within a fraction of a second.

What each request gets, in this order (the first that applies):

* **413**, nothing read further: a body over ``const.MAX_WEBHOOK_BYTES`` (by ``Content-Length``, or
  while reading a chunked body: no more than the limit is ever held in memory).  Never parsed.
* **401**, nothing stored: the ``intuit-signature`` header is missing or is not the HMAC of the raw
  bytes under the verifier token of a connected company.  Checked on the bytes as received, in
  constant time, before any parsing.
* **400**, nothing stored: a correctly signed body that is not an Intuit delivery: not UTF-8, not
  JSON, a JSON scalar, nested deeper than ``qbo.webhooks.MAX_DEPTH``, or a wrong envelope
  (``eventNotifications`` not an array of objects each with a ``dataChangeEvent`` object holding an
  ``entities`` array of objects; a CloudEvents array holding anything but objects), or a correct
  envelope none of whose events is readable.
* **200**: a readable delivery.  Malformed events inside a correct envelope (an id, realm or name
  of the wrong type or alphabet, an unknown operation, an impossible time...) are skipped one by
  one, each logged with its position and reason; the good ones are stored.  Events of realms
  without a connection are dropped with a log line.  An empty delivery is a 200 too.
* **503**, nothing stored: storing a readable delivery failed unexpectedly (a bug, not the
  payload's fault): logged with its traceback, rolled back, Intuit re-delivers later.  Database
  concurrency errors are left to Odoo, which replays the request.

Never a 500 for anything a sender can put in the body.

Why 400 and not 200 for a signed but unreadable body: Intuit re-delivers anything but a 200 (10 s,
20 s, 30 s, 5 min, ... then every 6 hours) and holds later events until the first one is
acknowledged.  A signed body is Intuit's; when we cannot read it, Intuit most likely changed its
format.  Refusing it keeps the delivery in Intuit's queue and shows up in Intuit's delivery
monitoring, so once the parser is updated the re-delivery goes through and nothing is lost; each
re-delivery meanwhile costs one HMAC and one parse, stores nothing and has no side effect, and the
change-data-capture cron keeps Odoo in step in between.  Answering 200 would stop the re-deliveries
for good and lose those events silently (until change data capture).  Set the intake's ``UNREADABLE_STATUS`` to
200 to prefer that.

Why skip single malformed events instead of refusing the delivery: one event QuickBooks words in a
way we do not know must not cost the other 99, and re-delivering the same bytes would not make it
readable; change data capture brings the skipped change.
"""

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.exceptions import ConcurrencyError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from .. import const
from ..qbo import SIGNATURE_HEADER
from ..qbo.redact import get_logger

_logger = get_logger(__name__)


class QuickbooksWebhookController(http.Controller):
    @http.route(
        const.WEBHOOK_ROUTE,
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        max_content_length=const.MAX_WEBHOOK_BYTES,
    )
    def quickbooks_webhook(self, **kwargs):
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > const.MAX_WEBHOOK_BYTES:
            return self._too_large()
        raw_body = self._read_body(httprequest)
        if raw_body is None:
            return self._too_large()
        signature = httprequest.headers.get(SIGNATURE_HEADER)
        try:
            with request.env.cr.savepoint():
                status, body = self._handle(raw_body, signature)
        except (*PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, ConcurrencyError):
            raise  # Odoo rolls back and replays the request
        except Exception:
            _logger.exception("QuickBooks webhook: a delivery of %d bytes could not be stored", len(raw_body))
            return request.make_json_response(
                {"error": "temporarily unavailable"}, status=503, headers=[("Retry-After", "60")]
            )
        return request.make_json_response(body, status=status)

    def _handle(self, raw_body, signature):
        """``(status, json body)`` of one delivery whose size is acceptable: the inbox checks the
        signature on the raw bytes (nothing of an unsigned body is parsed), reads it strictly and
        stores the events (see ``quickbooks.webhook.event._receive_delivery``)."""
        return request.env["quickbooks.webhook.event"].sudo()._receive_delivery(raw_body, signature)

    @staticmethod
    def _read_body(httprequest):
        """The raw body, or None past ``const.MAX_WEBHOOK_BYTES``: never more than that is read into memory,
        also when it comes chunked, without a ``Content-Length`` to refuse it by (werkzeug 2's
        ``get_data`` would read all of it).  Odoo does not expose werkzeug's ``stream``: it is taken
        from the request Odoo wraps, with ``get_data`` as the fallback."""
        wrapped = getattr(httprequest, "_HTTPRequest__wrapped", None)
        if wrapped is None:
            try:
                data = httprequest.get_data(cache=False)
            except RequestEntityTooLarge:
                return None
            return data if len(data) <= const.MAX_WEBHOOK_BYTES else None
        stream, chunks, size = wrapped.stream, [], 0
        try:
            while size <= const.MAX_WEBHOOK_BYTES:
                chunk = stream.read(min(const.WEBHOOK_READ_CHUNK_BYTES, const.MAX_WEBHOOK_BYTES + 1 - size))
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
                size += len(chunk)
        except RequestEntityTooLarge:
            return None
        return None

    @staticmethod
    def _too_large():
        _logger.warning("QuickBooks webhook refused: body over %d bytes", const.MAX_WEBHOOK_BYTES)
        return request.make_json_response({"error": "payload too large"}, status=413)
