"""Filters of the customer pages."""

from django import template

from frontdesk.customers.normalize import phone_display

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """``+15125550142`` → ``+1 512-555-0142``."""
    return phone_display(value) if value else ""
