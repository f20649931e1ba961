"""Datetimes as Odoo stores them: a ``fields.Datetime`` holds naive UTC."""

from datetime import date, datetime, timezone


def naive_utc(moment: datetime | None):
    """``moment`` as naive UTC (an aware one converted, a naive one taken as UTC already); False for None."""
    if moment is None:
        return False
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def parse_qbo_time(value) -> datetime | None:
    """A QBO ``LastUpdatedTime`` (ISO 8601 with an offset) as naive UTC; None when unreadable."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return naive_utc(moment)


def parse_qbo_date(value) -> date | None:
    """A QBO date (``TxnDate``, ``DueDate``: ``YYYY-MM-DD``) as a date; None when missing."""
    return datetime.strptime(value[:10], "%Y-%m-%d").date() if value else None
