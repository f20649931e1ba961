"""OAuth 2.0 routes: "Connect to QuickBooks" and Intuit's redirect back to Odoo.

Thin on purpose: state handling and token storage live on ``quickbooks.backend``.  ``state`` is
random, bound to the browser session, the user and the backend, single-use and short-lived; a
callback without the matching state is refused with 400 and changes nothing.
"""

import hmac
import time

from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from .. import const
from ..qbo import QBOError, new_state
from ..qbo.redact import get_logger, redact
from ..tools.access import is_manager

_logger = get_logger(__name__)


class QuickbooksOAuthController(http.Controller):
    @http.route(const.OAUTH_START_ROUTE, type="http", auth="user", methods=["GET"])
    def quickbooks_oauth_start(self, backend_id=None, **kwargs):
        """Send the manager's browser to Intuit.  Also Intuit's "Reconnect URL" (no backend_id)."""
        if not is_manager(request.env):
            raise Forbidden(request.env._("Only QuickBooks managers can connect Odoo to QuickBooks."))
        Backend = request.env["quickbooks.backend"]
        if backend_id:
            try:
                backend = Backend.browse(int(backend_id)).exists()
            except ValueError:
                raise BadRequest(request.env._("Invalid connection id.")) from None
        else:
            backend = Backend._for_company(self._current_company())
        if not backend:
            raise NotFound(request.env._("No QuickBooks connection is configured for this company."))
        backend.check_access("write")
        try:
            oauth = backend._oauth_client()
        except UserError as error:
            return self._error_page(str(error), status=400)
        state = new_state()
        request.session[const.OAUTH_SESSION_KEY] = {
            "state": state,
            "uid": request.env.uid,
            "backend_id": backend.id,
            "created": time.time(),
        }
        return request.redirect(oauth.authorization_url(state), local=False)

    @http.route(const.OAUTH_CALLBACK_ROUTE, type="http", auth="user", methods=["GET"])
    def quickbooks_oauth_callback(
        self, state=None, code=None, realmId=None, error=None, error_description=None, **kwargs
    ):
        # The flow in progress is ended by its own callback only: a request without its state (a link
        # on another site, a stale tab) is refused and leaves the flow alone.
        pending = request.session.get(const.OAUTH_SESSION_KEY)
        if not self._state_matches(pending, state):
            if self._state_expired(pending):
                request.session.pop(const.OAUTH_SESSION_KEY, None)
            _logger.warning(
                "QuickBooks OAuth callback refused: missing, expired or wrong state (uid %s)", request.env.uid
            )
            return self._error_page(
                request.env._(
                    "This QuickBooks authorization is not the one Odoo started, or it has "
                    "expired. Start again from the settings."
                ),
                status=400,
            )
        request.session.pop(const.OAUTH_SESSION_KEY, None)  # single use
        backend = request.env["quickbooks.backend"].browse(pending["backend_id"]).exists()
        if not backend:
            return self._error_page(request.env._("The QuickBooks connection no longer exists."), status=400)
        if error:
            message = request.env._(
                "QuickBooks did not authorize the connection: %(error)s%(detail)s",
                error=redact(error),
                detail=f" ({redact(error_description)})" if error_description else "",
            )
            backend.sudo().last_error = message
            return self._error_page(message, status=200, backend=backend)
        try:
            backend._complete_authorization(code, realmId)
        except (UserError, QBOError) as failure:
            message = str(failure)
            backend.sudo().last_error = message
            return self._error_page(message, status=400, backend=backend)
        return request.redirect(f"/odoo/quickbooks/{backend.id}")

    @staticmethod
    def _current_company():
        """The company the user works in: the web client's company switcher keeps it first in its ``cids``
        cookie, which plain HTTP routes do not read by themselves; else the user's default company."""
        allowed = request.env.user.company_ids
        for part in str(request.httprequest.cookies.get("cids") or "").split("-"):
            if part.strip().isdigit() and int(part) in allowed.ids:
                return allowed.browse(int(part))
        return request.env.company

    @staticmethod
    def _state_expired(pending) -> bool:
        return not isinstance(pending, dict) or (
            time.time() - pending.get("created", 0) > const.OAUTH_STATE_TTL.total_seconds()
        )

    @classmethod
    def _state_matches(cls, pending, state) -> bool:
        if not pending or not state or not isinstance(pending, dict):
            return False
        if pending.get("uid") != request.env.uid:
            return False
        if cls._state_expired(pending):
            return False
        return hmac.compare_digest(str(pending.get("state", "")), str(state))

    @staticmethod
    def _error_page(message, status=400, backend=None):
        response = request.render(
            "quickbooks_connector.oauth_error_page",
            {
                "message": message,
                "backend": backend,
            },
        )
        response.status_code = status
        return response
