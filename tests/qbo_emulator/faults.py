"""QBO's fault answers (JSON and the occasional XML) and the test-controlled fault injector.

The wording of each fault follows what QBO sends, as seen in Intuit's SDKs and in public issue
trackers; codes are strings, as in QBO's JSON (``"code": "6240"``).
"""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import dataclass, field
from typing import Any

# ----------------------------------------------------------------------------- QBO faults


class QBOFault(Exception):
    """An error answer of the accounting API; ``status`` is the HTTP status QBO uses for it."""

    def __init__(
        self,
        code: str,
        message: str,
        detail: str | None = None,
        *,
        status: int = 400,
        fault_type: str = "ValidationFault",
        element: str = "",
    ) -> None:
        super().__init__(f"{code} {message}: {detail or ''}")
        self.code = str(code)
        self.message = message
        self.detail = detail if detail is not None else message
        self.status = status
        self.fault_type = fault_type
        self.element = element

    def fault(self) -> dict[str, Any]:
        """The ``Fault`` object (also used inside batch item responses)."""
        return {
            "Error": [{"Message": self.message, "Detail": self.detail, "code": self.code, "element": self.element}],
            "type": self.fault_type,
        }


def not_found(entity: str, object_id: str) -> QBOFault:
    # QBO answers a read of a missing or deleted object with this (misleading) text.
    return QBOFault(
        "610",
        "Object Not Found",
        "Object Not Found : Something you're trying to use has been made inactive. Check the fields "
        "with accounts, customers, items, vendors or employees.",
        element="Id",
    )


def stale_object(entity: str) -> QBOFault:
    return QBOFault(
        "5010",
        "Stale Object Error",
        "Stale Object Error : You and QuickBooks Emulator were working on this at the same time. "
        f"QuickBooks Emulator finished before you did, so your work was not saved. Entity={entity}",
        element="SyncToken",
    )


def duplicate_name(existing_id: str) -> QBOFault:
    return QBOFault("6240", "Duplicate Name Exists Error", f"The name supplied already exists. : Id={existing_id}")


def invalid_reference(element: str) -> QBOFault:
    return QBOFault("2500", "Invalid Reference Id", f"Invalid Reference Id : {element}", element=element)


def inactive_reference(element: str) -> QBOFault:
    """A reference to an inactive name or account.

    QBO answers 2500 "Invalid Reference Id" with this Detail (seen in intuit/QuickBooks-V3-PHP-SDK
    issue #110 and other public reports); there is no separate "inactive" code.
    """
    return QBOFault(
        "2500",
        "Invalid Reference Id",
        "Invalid Reference Id : Something you're trying to use has been made inactive. Check the "
        "fields with accounts, customers, items, vendors or employees.",
        element=element,
    )


def required_missing(element: str) -> QBOFault:
    return QBOFault(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {element} is missing in the request",
        element=element,
    )


def invalid_property(detail: str, element: str = "") -> QBOFault:
    return QBOFault("2010", "Request has invalid or unsupported property", detail, element=element)


def string_too_long(element: str, maximum: int, length: int) -> QBOFault:
    return QBOFault(
        "2050",
        "String length is either shorter or longer than supported by specification",
        f"String length specified does not match the supported length. Min:0 Max:{maximum} supported. "
        f"Supplied length:{length}",
        element=element,
    )


def business(detail: str, element: str = "") -> QBOFault:
    return QBOFault(
        "6000",
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
        element=element,
    )


def duplicate_doc_number(doc_number: str, txn_type: str, txn_id: str) -> QBOFault:
    return QBOFault(
        "6140",
        "Duplicate Document Number Error",
        "Duplicate Document Number Error : You must specify a different number. This number has "
        f"already been used. DocNumber={doc_number} is assigned to TxnType={txn_type} with "
        f"TxnId={txn_id}",
        element="DocNumber",
    )


def amount_mismatch(amount: Any) -> QBOFault:
    return QBOFault(
        "6070",
        "Amount is not equal to UnitPrice * Qty",
        f"Amount is not equal to UnitPrice * Qty. Supplied value:{amount}",
        element="Line.Amount",
    )


def unbalanced_journal(debits: Any, credits: Any) -> QBOFault:
    """Debits and credits of a journal entry differ.

    Code and wording from Intuit's published list of API error codes ("2300 Amount on debits not
    equal to credits: A journal entry you created or updated unbalanced an account").
    """
    return QBOFault(
        "2300",
        "Amount on debits not equal to credits",
        "A journal entry you created or updated unbalanced an account. Balance the debits and credits "
        f"for the account. Debits: {debits}, Credits: {credits}",
        element="Line",
    )


def missing_posting_type(element: str) -> QBOFault:
    """Intuit's error code list: 2260 MissingPostingType."""
    return QBOFault(
        "2260", "MissingPostingType", "A posting type is required. Valid values are Credit or Debit.", element=element
    )


def negative_amount(element: str) -> QBOFault:
    """Intuit's error code list: 2290 NegativeAmount."""
    return QBOFault(
        "2290", "NegativeAmount", "Negative amounts aren't supported on transaction lines.", element=element
    )


def invalid_date_format(element: str, value: str) -> QBOFault:
    """Intuit's error code list: 2060 Invalid Date Format."""
    return QBOFault(
        "2060", "Invalid Date Format", f"The date format isn't valid. Supplied value: {value}", element=element
    )


def invalid_date_range(detail: str) -> QBOFault:
    """Intuit's error code list: 2190 Invalid Date Range."""
    return QBOFault("2190", "Invalid Date Range", f"The date range isn't valid. {detail}")


def invalid_enumeration(element: str, value: str, allowed: str) -> QBOFault:
    """Intuit's error code list: 2170 Invalid Enumeration."""
    return QBOFault(
        "2170",
        "Invalid Enumeration",
        f"The enumeration value is invalid: {value}. Supported values: {allowed}",
        element=element,
    )


def query_parser(detail: str) -> QBOFault:
    return QBOFault("4000", "Error parsing query", f"QueryParserError: {detail}")


def query_validation(detail: str) -> QBOFault:
    return QBOFault("4001", "Invalid query", f"QueryValidationError: {detail}")


def unsupported_operation(detail: str) -> QBOFault:
    return QBOFault("500", "Unsupported Operation", f"Operation {detail} is not supported.")


def request_id_too_long(length: int, maximum: int, request_id: str) -> QBOFault:
    # Wording as reported in intuit/QuickBooks-V3-Java-SDK issue #180.
    return business(
        f"You cannot enter more than {maximum} characters in the request_id field. "
        f"You tried entering {request_id[:10]}..., which is {length} characters."
    )


def system_fault(status: int) -> QBOFault:
    return QBOFault(
        "10000",
        "An application error has occurred while processing your request",
        f"System Failure Error: The service is unavailable (HTTP {status}). Please try again later.",
        status=status,
        fault_type="SystemFault",
    )


def authentication_failed(detail: str) -> QBOFault:
    return QBOFault(
        "3200",
        "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        detail,
        status=401,
        fault_type="AuthenticationFault",
    )


def authorization_failed(detail: str) -> QBOFault:
    return QBOFault(
        "3100",
        "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
        detail,
        status=403,
        fault_type="AuthorizationFault",
    )


def wrong_realm_xml(time_text: str) -> str:
    """A valid access token of another company: what Intuit answered when it reproduced "the incorrect
    token/realm combination" (intuit/oauth-jsclient issue #91), XML although JSON was asked for."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{time_text}">\n'
        '    <Fault type="AuthenticationFault">\n'
        '        <Error code="100">\n'
        '            <Message>General Authentication Error</Message>\n'
        '            <Detail>AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401'
        '</Detail>\n'
        '        </Error>\n'
        '    </Fault>\n'
        '</IntuitResponse>\n'
    )


def throttled() -> QBOFault:
    return QBOFault(
        "003001",
        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        "The request limit was reached.  Try again later",
        status=429,
        fault_type="ThrottlingFault",
    )


def platform_style(fault: QBOFault, time_ms: int) -> dict[str, Any]:
    """The lower-case envelope Intuit's gateway uses for some 401/403 answers (seen in the wild)."""
    return {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {"message": fault.message, "detail": fault.detail, "code": fault.code.lstrip("0"), "element": None}
            ],
            "type": "AUTHENTICATION" if fault.status == 401 else "SERVICE",
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": time_ms,
        "status": None,
        "cdcresponse": [],
    }


def throttle_xml(time_text: str) -> str:
    """The XML body QBO sometimes sends for a 429 even when JSON was asked for."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse time="{time_text}" xmlns="http://schema.intuit.com/finance/v3">\n'
        '    <Fault type="SERVICE">\n'
        '        <Error code="3001">\n'
        '            <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>\n'
        '            <Detail>The request limit was reached.  Try again later</Detail>\n'
        '        </Error>\n'
        '    </Fault>\n'
        '</IntuitResponse>'
    )


# ----------------------------------------------------------------------------- fault injection

FAULT_KINDS = ("drop_after_commit", "drop_before_commit", "status", "throttle", "latency", "expire_token", "non_json")


@dataclass
class FaultRule:
    """One injected fault: which requests it matches and what it does to them."""

    id: int
    kind: str
    method: str = "*"
    entity: str | None = None
    path: str | None = None
    status: int | None = None
    seconds: float = 0.0
    times: int | None = None
    probability: float | None = None
    seed: int | None = None
    xml: bool = False
    fired: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def matches(self, method: str, subpath: str, entity: str | None) -> bool:
        if self.method not in ("*", method.upper()):
            return False
        if self.entity not in (None, "*") and (entity or "") != self.entity.lower():
            return False
        if self.path not in (None, "*"):
            wanted = self.path if self.path.startswith("/") else "/" + self.path
            if subpath != wanted and not subpath.startswith(wanted.rstrip("/") + "/"):
                return False
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "method": self.method,
            "entity": self.entity,
            "path": self.path,
            "status": self.status,
            "seconds": self.seconds,
            "times": self.times,
            "probability": self.probability,
            "seed": self.seed,
            "xml": self.xml,
            "fired": self.fired,
        }


class FaultInjector:
    """The faults a test switched on; consulted once per API request."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, spec: dict[str, Any]) -> FaultRule:
        kind = spec.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        times = spec.get("times")
        if times is None and kind == "expire_token":
            times = 1  # "expire the presented token once": later tokens must work again
        probability = spec.get("probability")
        rule = FaultRule(
            id=next(self._ids),
            kind=kind,
            method=str(spec.get("method") or "*").upper(),
            entity=(spec.get("entity") or None) and str(spec["entity"]).lower(),
            path=spec.get("path") or None,
            status=int(spec["status"]) if spec.get("status") else None,
            seconds=float(spec.get("seconds") or 0.0),
            times=int(times) if times is not None else None,
            probability=float(probability) if probability is not None else None,
            seed=spec.get("seed"),
            xml=bool(spec.get("xml", False)),
        )
        rule._rng = random.Random(rule.seed)  # reproducible test faults, not security
        with self._lock:
            self._rules.append(rule)
        return rule

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_json() for rule in self._rules]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def fire(self, method: str, subpath: str, entity: str | None) -> list[FaultRule]:
        """The rules that fire for this request (each draw and count happens exactly once)."""
        fired = []
        with self._lock:
            for rule in self._rules:
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                if not rule.matches(method, subpath, entity):
                    continue
                if rule.probability is not None and rule._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                fired.append(rule)
        return fired
