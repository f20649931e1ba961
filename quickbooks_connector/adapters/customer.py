"""res.partner → QBO Customer."""

from ..qbo.payloads import Address, CustomerData

# The Customer fields Odoo owns (master rule); everything else a CPA sets in QBO is kept.
CUSTOMER_OWNED_FIELDS = frozenset({
    "DisplayName", "CompanyName", "PrimaryEmailAddr", "PrimaryPhone", "WebAddr", "BillAddr", "Active",
})


def customer_display_name(partner, currency, home_currency_code, suffix=None) -> str:
    """QBO display names are unique (across customers, vendors and employees) and a customer has
    one currency: the home-currency customer carries the partner's name, others get a suffix."""
    name = (partner.name or partner.display_name or "").strip()
    if currency and currency.name != home_currency_code:
        name = f"{name} ({currency.name})"
    if suffix:
        name = f"{name} [{suffix}]"
    return name[:500]


def customer_data(partner, currency, home_currency_code, suffix=None) -> CustomerData:
    """The QBO view of a commercial partner, for one currency."""
    address = Address(
        line1=partner.street or None, line2=partner.street2 or None, city=partner.city or None,
        region=partner.state_id.code or None, postal_code=partner.zip or None,
        country=partner.country_id.code or None,
    )
    parent = partner.parent_id
    return CustomerData(
        display_name=customer_display_name(partner, currency, home_currency_code, suffix),
        company_name=(partner.name if partner.is_company else parent.name) or None,
        email=(partner.email or "").split(",")[0].strip() or None,
        phone=partner.phone or None,
        website=partner.website or None,
        billing_address=address if any(vars(address).values()) else None,
        currency_code=currency.name if currency else None,
        active=bool(partner.active),
    )
