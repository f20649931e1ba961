"""res.partner → QBO Customer or Vendor."""

from ..qbo.payables import VendorData
from ..qbo.payloads import Address, CustomerData

# The Customer (and Vendor) fields Odoo owns (master rule); everything else a CPA sets in QBO is kept.
CUSTOMER_OWNED_FIELDS = frozenset(
    {
        "DisplayName",
        "CompanyName",
        "PrimaryEmailAddr",
        "PrimaryPhone",
        "WebAddr",
        "BillAddr",
        "Active",
    }
)
VENDOR_OWNED_FIELDS = CUSTOMER_OWNED_FIELDS


def customer_display_name(partner, currency, home_currency_code, suffix=None) -> str:
    """QBO display names are unique (across customers, vendors and employees) and a customer has
    one currency: the home-currency customer carries the partner's name, others get a suffix."""
    name = (partner.name or partner.display_name or "").strip()
    if currency and currency.name != home_currency_code:
        name = f"{name} ({currency.name})"
    if suffix:
        name = f"{name} [{suffix}]"
    return name[:500]


def partner_address(partner):
    """A partner's postal address as QBO's Address (None when the partner has none)."""
    address = Address(
        line1=partner.street or None,
        line2=partner.street2 or None,
        city=partner.city or None,
        region=partner.state_id.code or None,
        postal_code=partner.zip or None,
        country=partner.country_id.code or None,
    )
    return address if any(vars(address).values()) else None


def _common(partner, currency, home_currency_code, suffix):
    parent = partner.parent_id
    return dict(
        display_name=customer_display_name(partner, currency, home_currency_code, suffix),
        company_name=(partner.name if partner.is_company else parent.name) or None,
        email=(partner.email or "").split(",")[0].strip() or None,
        phone=partner.phone or None,
        website=partner.website or None,
        billing_address=partner_address(partner),
        currency_code=currency.name if currency else None,
        active=bool(partner.active),
    )


def customer_data(partner, currency, home_currency_code, suffix=None) -> CustomerData:
    """The QBO customer of a commercial partner, for one currency."""
    return CustomerData(**_common(partner, currency, home_currency_code, suffix))


def vendor_data(partner, currency, home_currency_code, suffix=None) -> VendorData:
    """The QBO vendor of a commercial partner, for one currency."""
    return VendorData(**_common(partner, currency, home_currency_code, suffix))
