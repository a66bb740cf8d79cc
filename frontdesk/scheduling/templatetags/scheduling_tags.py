"""Template helpers of the scheduling pages."""

from django import template

register = template.Library()

ZERO_DECIMAL = {"JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD", "UGX", "XAF", "XOF"}


@register.filter
def money(minor: int | None, currency: str = "") -> str:
    """Minor units as an amount: ``4550|money:"USD"`` → ``45.50 USD``."""
    if minor is None:
        return ""
    if currency in ZERO_DECIMAL:
        text = f"{minor:,}"
    else:
        sign = "-" if minor < 0 else ""
        whole, cents = divmod(abs(minor), 100)
        text = f"{sign}{whole:,}.{cents:02d}"
    return f"{text} {currency}".strip()


@register.filter
def iso(value) -> str:
    """An aware datetime as ISO 8601 with its offset (for links and data attributes)."""
    return value.isoformat() if value else ""
