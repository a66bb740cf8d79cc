"""Amounts on pages: typed as text (``49.99``), read with ``Decimal`` into minor units,
never through a float. The money pages use the helpers; other apps' forms use
:class:`AmountField` (memberships' plan prices)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms

from frontdesk.money.services.catalog import MAX_AMOUNT


def minor_units(text: str) -> int | None:
    """``"49.99"`` → 4999; None for anything that is not an amount with at most two
    decimals (never a float on the way)."""
    try:
        value = Decimal((text or "").strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def amount_text(minor: int) -> str:
    """4999 → ``"49.99"``: an amount as the forms take it back (``minor_units``)."""
    return f"{Decimal(minor) / 100:.2f}"


class AmountField(forms.CharField):
    """A money amount typed like the rest of the UI (``49.99``); ``cleaned_data`` holds
    minor units (4999), from 0 up. Empty is None (or 0 with ``empty_value=0``)."""

    default_error_messages = {
        "invalid": "An amount such as 49.99 (at most two decimals).",
        "negative": "0 or more.",
        "too_large": "Too large.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "maxlength": "20"})
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return amount_text(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return self.empty_value if self.empty_value != "" else None
        minor = minor_units(text)
        if minor is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if minor < 0:
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        if minor > MAX_AMOUNT:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        return minor
