"""The emulator's clock and QBO's timestamp formats.

Every expiry (tokens, codes), rate-limit window, ``MetaData`` time and CDC look-back uses this
clock, so a test can move time forward instead of sleeping.  It is real time plus an offset.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import date, datetime, timedelta, timezone

#: QBO's API servers answer in US Pacific time; a fixed -07:00 keeps that visible (a client that
#: drops the offset is then off by hours, which tests notice) without pulling in tz data.
DEFAULT_UTC_OFFSET_MINUTES = -420


class Clock:
    """Real UTC time shifted by an adjustable offset (thread-safe)."""

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self._offset = float(offset_seconds)
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        return self._offset

    def now(self) -> datetime:
        """The emulator's current time, timezone-aware (UTC)."""
        return datetime.now(timezone.utc) + timedelta(seconds=self._offset)

    def timestamp(self) -> float:
        """Emulator time as seconds since the epoch (for expiry arithmetic)."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += float(seconds)

    def set_now(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        with self._lock:
            self._offset = moment.timestamp() - time.time()

    def set_offset(self, seconds: float) -> None:
        with self._lock:
            self._offset = float(seconds)


def company_tz(offset_minutes: int) -> timezone:
    return timezone(timedelta(minutes=offset_minutes))


def qbo_time(moment: datetime, offset_minutes: int = DEFAULT_UTC_OFFSET_MINUTES) -> str:
    """``MetaData`` style: ``2026-01-31T10:15:00-07:00`` (seconds, explicit offset)."""
    return moment.astimezone(company_tz(offset_minutes)).isoformat(timespec="seconds")


def qbo_time_ms(moment: datetime, offset_minutes: int = DEFAULT_UTC_OFFSET_MINUTES) -> str:
    """Top-level ``time`` style: ``2026-01-31T10:15:00.123-07:00``."""
    return moment.astimezone(company_tz(offset_minutes)).isoformat(timespec="milliseconds")


def utc_z(moment: datetime) -> str:
    """Webhook style: ``2026-01-31T17:15:00.000Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def company_date(moment: datetime, offset_minutes: int = DEFAULT_UTC_OFFSET_MINUTES) -> date:
    """The calendar date in the company's time zone (default ``TxnDate``)."""
    return moment.astimezone(company_tz(offset_minutes)).date()


def parse_time(value: str, offset_minutes: int = DEFAULT_UTC_OFFSET_MINUTES) -> datetime:
    """Parse the timestamps clients send: ISO 8601 with ``Z``, an offset, none, or a bare date.

    A ``+`` that arrived as a space (an unencoded query string) is put back.  Naive values are
    read in the company's time zone, as QBO does.
    """
    text = (value or "").strip()
    if not text:
        raise ValueError("empty timestamp")
    if len(text) > 10 and " " in text[10:]:
        head, tail = text[:10], text[10:]
        tail = tail.replace(" ", "+") if tail.count(" ") == 1 and "T" in tail else tail
        text = head + tail
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 10 and re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]  # -0700 -> -07:00 (Python 3.10 needs the colon)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=company_tz(offset_minutes))
    return parsed
