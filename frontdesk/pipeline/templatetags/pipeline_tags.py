from django import template

register = template.Library()


@register.filter
def money(minor: int | None, currency: str = "") -> str:
    """45000 → ``USD 450.00`` (integers in minor units; never floats)."""
    if minor is None:
        return "—"
    sign = "-" if minor < 0 else ""
    minor = abs(int(minor))
    return f"{currency} {sign}{minor // 100:,}.{minor % 100:02d}".strip()
