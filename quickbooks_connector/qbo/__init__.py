"""Framework-free QuickBooks Online library.

Nothing in this package imports Odoo: it is used by the addon and tested on its own against the
project's QBO emulator.  All imports inside it are relative, so it works both as
``odoo.addons.quickbooks_connector.qbo`` and as a plain ``qbo`` package.
"""

from .client import (
    DEFAULT_MINOR_VERSION,
    MINIMUM_MINOR_VERSION,
    BatchOperation,
    BatchResult,
    QBOClient,
    RetryPolicy,
    new_request_id,
    quote_literal,
)
from .errors import (
    AuthenticationError,
    AuthorizationError,
    DuplicateDocNumberError,
    DuplicateNameError,
    InvalidClientError,
    InvalidGrantError,
    InvalidReferenceError,
    NotFoundError,
    OAuthError,
    QBOError,
    RequiredFieldError,
    ServerError,
    StaleObjectError,
    ThrottledError,
    TransportError,
    ValidationError,
    WebhookPayloadError,
)
from .merge import Conflict, MergeResult, three_way_merge
from .oauth import SCOPE_ACCOUNTING, OAuthClient, OAuthEndpoints, TokenSet, new_state
from .ratelimit import InMemoryRateLimiter, NullRateLimiter, RateLimiter, RateLimits
from .redact import get_logger, redact
from .webhooks import SIGNATURE_HEADER, WebhookEvent, parse_events, sign, verify_signature

__all__ = [
    "DEFAULT_MINOR_VERSION",
    "MINIMUM_MINOR_VERSION",
    "SCOPE_ACCOUNTING",
    "SIGNATURE_HEADER",
    "AuthenticationError",
    "AuthorizationError",
    "BatchOperation",
    "BatchResult",
    "Conflict",
    "DuplicateDocNumberError",
    "DuplicateNameError",
    "InMemoryRateLimiter",
    "InvalidClientError",
    "InvalidGrantError",
    "InvalidReferenceError",
    "MergeResult",
    "NotFoundError",
    "NullRateLimiter",
    "OAuthClient",
    "OAuthEndpoints",
    "OAuthError",
    "QBOClient",
    "QBOError",
    "RateLimiter",
    "RateLimits",
    "RequiredFieldError",
    "RetryPolicy",
    "ServerError",
    "StaleObjectError",
    "ThrottledError",
    "TokenSet",
    "TransportError",
    "ValidationError",
    "WebhookEvent",
    "WebhookPayloadError",
    "get_logger",
    "new_request_id",
    "new_state",
    "parse_events",
    "quote_literal",
    "redact",
    "sign",
    "three_way_merge",
    "verify_signature",
]
