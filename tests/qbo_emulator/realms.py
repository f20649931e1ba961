"""Several QuickBooks companies (realms) behind one emulator.

Each realm is a company of its own: settings (name, country, home currency, ...), chart of accounts,
tax codes, data, OAuth grants, injected faults and rate-limit budget (QBO throttles per realm ID and
app).  What is the app's or the world's is shared: the OAuth client, the webhook endpoint (Intuit's
webhooks "apply to all QuickBooks Online companies connected to your app"), the clock and the
request log.  See the package README, "Several companies (realms)".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .clock import Clock
from .company import DEFAULT_SETTINGS, Company
from .faults import FaultInjector
from .ratelimit import RateLimiter, RateSettings
from .store import Store

#: Realm Ids as the emulator accepts them: QBO's are decimal numbers; letters, digits and "_" are allowed.
REALM_ID = re.compile(r"^[0-9A-Za-z_]{1,40}$")

#: Shorthands for ``POST /_emulator/realms`` and ``--add-realm``.  The emulator's own conveniences: each
#: is only a set of company settings (any of them can also be given one by one).
PRESETS: dict[str, dict[str, Any]] = {
    "us": {"company_name": "Emulated US Company Inc.", "country": "US", "home_currency": "USD"},
    "uk": {"company_name": "Emulated UK Company Ltd", "country": "GB", "home_currency": "GBP"},
    "gb": {"company_name": "Emulated UK Company Ltd", "country": "GB", "home_currency": "GBP"},
    "ca": {"company_name": "Emulated Canada Company Ltd.", "country": "CA", "home_currency": "CAD"},
    "au": {"company_name": "Emulated Australia Company Pty Ltd", "country": "AU", "home_currency": "AUD"},
    "fr": {"company_name": "Emulated France Company SAS", "country": "FR", "home_currency": "EUR"},
}

#: Keys of a realm specification besides the company settings.
SPEC_KEYS = {"realmId", "preset", "rate_limits"}


def table_prefix(realm_id: str) -> str:
    return f"realm_{realm_id}_"


def settings_of(spec: dict[str, Any]) -> dict[str, Any]:
    """The company settings a realm specification asks for (preset first, then the explicit ones)."""
    unknown = set(spec) - SPEC_KEYS - set(DEFAULT_SETTINGS)
    if unknown:
        raise ValueError(f"unknown realm settings: {', '.join(sorted(unknown))}")
    settings: dict[str, Any] = {}
    preset = spec.get("preset")
    if preset:
        if str(preset).lower() not in PRESETS:
            raise ValueError(f"unknown preset {preset!r} (one of {', '.join(sorted(PRESETS))})")
        settings.update(PRESETS[str(preset).lower()])
    settings.update({key: value for key, value in spec.items() if key in DEFAULT_SETTINGS})
    for key in ("country", "home_currency"):
        if key in settings:
            settings[key] = str(settings[key]).upper()
    return settings


def parse_spec(text: str) -> dict[str, Any]:
    """A realm given on the command line: ``REALM_ID[:PRESET][,key=value...]``.

    ``9130354000000002:uk``, ``9130354000000003:fr,company_name=Filiale SAS``,
    ``9130354000000004:country=CA,home_currency=CAD,automated_sales_tax=false``.
    """
    realm_id, _, rest = text.strip().partition(":")
    spec: dict[str, Any] = {"realmId": realm_id.strip()}
    for number, part in enumerate(item.strip() for item in rest.split(",") if item.strip()):
        key, sep, value = part.partition("=")
        if not sep:
            if number:
                raise ValueError(f"{part!r}: only the first item after ':' may be a preset")
            spec["preset"] = part
            continue
        key = key.strip()
        default = DEFAULT_SETTINGS.get(key)
        spec[key] = _typed(value.strip(), default)
    return spec


def _typed(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{value!r} is not a boolean")
    if isinstance(default, int):
        return int(value)
    return value


class Realm:
    """One company: its store, business rules, faults and rate-limit budget."""

    def __init__(
        self,
        realm_id: str,
        clock: Clock,
        data_file: str | None,
        settings: dict[str, Any],
        rate_limit: bool,
        *,
        prefix: str = "",
        startup: bool = True,
        spec: dict[str, Any] | None = None,
    ) -> None:
        if prefix and not REALM_ID.match(realm_id):  # its Id names its tables in the data file
            raise ValueError(f"a realm id is 1 to 40 letters, digits or '_' (got {realm_id!r})")
        self.realm_id = realm_id
        self.startup = startup  # started with the emulator (kept by a full reset) or added later
        self.spec = dict(spec or {})
        self.rate_limit = rate_limit
        self.store = Store(data_file, prefix=prefix)
        self.company = Company(self.store, clock, realm_id, settings)
        self.faults = FaultInjector()
        self.limiter = RateLimiter(clock, enabled=rate_limit)
        self.rate_overrides: dict[str, Any] = dict(self.spec.get("rate_limits") or {})
        if self.rate_overrides:
            self.limiter.update(self.rate_overrides)

    def open(self) -> None:
        self.company.open()

    def connect_events(self, emit: Callable[..., None]) -> None:
        realm_id = self.realm_id

        def sink(entity: str, operation: str, object_id: str, extra: dict[str, Any]) -> None:
            emit(entity, operation, object_id, extra, realm_id=realm_id)

        self.company.events = sink

    def reset(self, keep_tokens: bool) -> None:
        """The freshly seeded company with its creation settings, no faults, a fresh rate budget."""
        self.company.reset(keep_meta=("grants",) if keep_tokens else ())
        self.faults.clear()
        self.limiter.settings = RateSettings(enabled=self.rate_limit)
        if self.rate_overrides:
            self.limiter.update(self.rate_overrides)
        self.limiter.reset()

    def describe(self, default: bool) -> dict[str, Any]:
        company = self.company
        return {
            "realmId": self.realm_id,
            "company_name": company.setting("company_name"),
            "country": company.country,
            "home_currency": company.home_currency,
            "default": default,
            "startup": self.startup,
        }
