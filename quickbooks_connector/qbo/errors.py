"""Typed exceptions for QuickBooks Online faults.

QBO reports errors as ``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type": ...}}``
with an HTTP status.  Callers decide what to do from the exception *class* (retry, merge, bind,
ask a human), so every fault code the connector reacts to has its own class.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FaultDetail:
    """One entry of a QBO ``Fault.Error`` list."""

    code: str | None
    message: str
    detail: str | None = None
    element: str | None = None


class QBOError(Exception):
    """Base class of everything the QBO library raises.

    ``retryable`` says whether the same call may succeed later without anyone changing data
    (network trouble, throttling, QBO outages).  Messages never contain tokens or secrets.
    """

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        detail: str | None = None,
        status: int | None = None,
        fault_type: str | None = None,
        element: str | None = None,
        intuit_tid: str | None = None,
        errors: tuple[FaultDetail, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.detail = detail
        self.status = status
        self.fault_type = fault_type
        self.element = element
        self.intuit_tid = intuit_tid
        self.errors = errors

    def __str__(self) -> str:
        parts = [self.message]
        if self.detail and self.detail != self.message:
            parts.append(self.detail)
        text = ": ".join(parts)
        if self.code:
            text = f"{text} (QuickBooks error {self.code})"
        return text


class TransportError(QBOError):
    """The request did not get an answer: connection refused or reset, timeout, broken response."""

    retryable = True


class AuthenticationError(QBOError):
    """HTTP 401 / code 3200: the access token is missing, expired or revoked."""


class AuthorizationError(QBOError):
    """HTTP 403: the token is valid but not allowed to do this (scope, subscription)."""


class ThrottledError(QBOError):
    """HTTP 429 / code 003001: over QBO's per-realm rate or concurrency limit."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(QBOError):
    """HTTP 5xx or a ``SystemFault``: QuickBooks had a problem; the same call may work later."""

    retryable = True


class ValidationError(QBOError):
    """QBO refused the request's content (``ValidationFault`` and other 4xx business faults)."""


class StaleObjectError(ValidationError):
    """Code 5010: the SyncToken sent is not the object's current one."""


class DuplicateNameError(ValidationError):
    """Code 6240: the name is taken (customers, vendors and employees share one namespace)."""

    @property
    def existing_id(self) -> str | None:
        """QBO puts the clashing object's id in the detail text: ``... : Id=58``."""
        import re

        match = re.search(r"Id=(\d+)", self.detail or "")
        return match.group(1) if match else None


class DuplicateDocNumberError(ValidationError):
    """Code 6140: a transaction with this DocNumber exists and the company warns on duplicates."""


class NotFoundError(ValidationError):
    """Code 610: the object does not exist (or was deleted)."""


class InvalidReferenceError(ValidationError):
    """Code 2500: a reference (CustomerRef, ItemRef, AccountRef, ...) points to nothing usable."""


class RequiredFieldError(ValidationError):
    """Code 2020: a required field is missing."""


class OAuthError(QBOError):
    """The OAuth token endpoint refused a request; ``error`` is the OAuth error string."""

    def __init__(self, message: str, *, error: str | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.error = error


class InvalidGrantError(OAuthError):
    """``invalid_grant``: the code or refresh token is used, expired or revoked; reconnect needed."""


class InvalidClientError(OAuthError):
    """``invalid_client``: the client id / secret pair is wrong."""


class WebhookPayloadError(QBOError):
    """A webhook body that is not one of the two formats Intuit sends."""


# Fault codes with a class of their own.  QBO sometimes pads codes with zeros ("003200").
_CODE_CLASSES: dict[str, type[QBOError]] = {
    "5010": StaleObjectError,
    "6240": DuplicateNameError,
    "6140": DuplicateDocNumberError,
    "610": NotFoundError,
    "2500": InvalidReferenceError,
    "2020": RequiredFieldError,
    "3200": AuthenticationError,
    "3001": ThrottledError,
    "100": AuthenticationError,  # "General Authentication Error"
}


def normalize_code(code: object) -> str | None:
    """``"003200"`` and ``3200`` are the same code; keep one spelling."""
    if code is None or code == "":
        return None
    text = str(code).strip()
    return text.lstrip("0") or "0" if text.isdigit() else text


def error_class_for(status: int | None, code: str | None, fault_type: str | None) -> type[QBOError]:
    """Pick the exception class for a QBO fault: specific code first, then HTTP status, then type."""
    normalized = normalize_code(code)
    if normalized in _CODE_CLASSES:
        return _CODE_CLASSES[normalized]
    if status == 401:
        return AuthenticationError
    if status == 403:
        return AuthorizationError
    if status == 429:
        return ThrottledError
    if status is not None and status >= 500:
        return ServerError
    kind = (fault_type or "").lower()
    if "authentication" in kind:
        return AuthenticationError
    if "authorization" in kind:
        return AuthorizationError
    if "throttl" in kind:
        return ThrottledError
    if kind in ("systemfault", "system"):
        return ServerError
    return ValidationError
