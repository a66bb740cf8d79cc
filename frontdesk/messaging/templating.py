"""Personalization in a sandbox.

Subjects and bodies are Django templates rendered by an engine of their own that has no
template loaders, no ``{% load %}``, ``{% include %}``, ``{% extends %}``, ``{% debug %}``,
``{% for %}`` or ``{% lorem %}`` (and no filter that pads or repeats text), and a context
of plain values: the recipient's whitelisted fields, the organization's name and the
caller's variables (scalars only). Nothing else is reachable — not settings, not the
request, not another customer, not a model instance to walk the attributes of. An
unknown name renders as nothing. Output is plain text (no HTML escaping).

Header fields (subject, recipient) refuse CR and LF, the header-injection characters.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

from django.template import Context, Library, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.engine import Engine
from django.utils import timezone

from frontdesk.core.errors import ValidationFailed

register = Library()
ALLOWED_TAGS = ("if", "firstof", "comment", "now", "with")
ALLOWED_FILTERS = (
    "capfirst",
    "date",
    "default",
    "default_if_none",
    "lower",
    "upper",
    "title",
    "time",
    "truncatechars",
    "truncatewords",
    "yesno",
    "pluralize",
)
for _name in ALLOWED_TAGS:
    register.tag(_name, defaulttags.register.tags[_name])
for _name in ALLOWED_FILTERS:
    register.filters[_name] = defaultfilters.register.filters[_name]

MAX_TEMPLATE_LENGTH = 20_000
MAX_VARIABLES = 30
MAX_VARIABLE_LENGTH = 500
VARIABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CUSTOMER_FIELDS = ("first_name", "last_name", "display_name", "customer_number")


class SandboxEngine(Engine):
    default_builtins: list[str] = []  # not even Django's default tags: only ours


ENGINE = SandboxEngine(
    loaders=[],
    libraries={},
    builtins=["frontdesk.messaging.templating"],
    autoescape=False,
    string_if_invalid="",
    debug=False,
)


def has_header_break(value: str) -> bool:
    return "\r" in value or "\n" in value


def check_header(field: str, value: str) -> None:
    if has_header_break(value):
        raise ValidationFailed({field: "May not contain line breaks."})


def compile_template(field: str, source: str):
    """The compiled template, or 422 naming ``field`` (unknown tag, ``{% load %}``...)."""
    if len(source) > MAX_TEMPLATE_LENGTH:
        raise ValidationFailed({field: f"At most {MAX_TEMPLATE_LENGTH} characters."})
    try:
        return ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        raise ValidationFailed({field: f"Template error: {exc}"})


def clean_variables(variables: dict[str, Any] | None) -> dict[str, Any]:
    """The caller's variables, checked: simple names, scalar values."""
    variables = variables or {}
    if not isinstance(variables, dict) or len(variables) > MAX_VARIABLES:
        raise ValidationFailed({"variables": f"An object of at most {MAX_VARIABLES} values."})
    clean: dict[str, Any] = {}
    for name, value in variables.items():
        if not isinstance(name, str) or not VARIABLE_NAME.match(name):
            raise ValidationFailed({f"variables.{name}": "Use a lowercase name (a-z, 0-9, _)."})
        if isinstance(value, str) and len(value) <= MAX_VARIABLE_LENGTH:
            parsed = _maybe_datetime(value)
            clean[name] = parsed if parsed is not None else value
        elif isinstance(value, bool | int | float | dt.date) or value is None:
            clean[name] = value
        else:
            raise ValidationFailed(
                {
                    f"variables.{name}": f"A text of at most {MAX_VARIABLE_LENGTH} characters,"
                    " a number, a date or a time."
                }
            )
    return clean


def _maybe_datetime(value: str) -> dt.datetime | dt.date | None:
    """ISO timestamps become datetimes so ``|date:"D j M, H:i"`` works on them."""
    if not (10 <= len(value) <= 40 and value[:4].isdigit() and value[4:5] == "-"):
        return None
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def template_context(*, org, customer, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The only values a template sees."""
    context: dict[str, Any] = dict(clean_variables(variables))
    if customer is not None:
        context.update(
            {
                "first_name": customer.first_name,
                "last_name": customer.last_name,
                "display_name": customer.display_name,
                "customer_number": customer.number,
            }
        )
    context["organization_name"] = org.name
    return context


def render(
    source: str, *, field: str, org, customer, variables: dict[str, Any] | None = None
) -> str:
    """Render ``source`` for ``customer`` in their time zone (else the organization's)."""
    template = compile_template(field, source)
    tz_name = (getattr(customer, "time_zone", "") or org.time_zone) or "UTC"
    try:
        tz = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo(org.time_zone or "UTC")
    context = Context(
        template_context(org=org, customer=customer, variables=variables), autoescape=False
    )
    with timezone.override(tz):
        return template.render(context)


def render_message(
    *,
    org,
    customer,
    subject: str,
    body: str,
    variables: dict[str, Any] | None = None,
) -> tuple[str, str]:
    """Render subject and body; a subject that renders with a line break is a 422."""
    rendered_subject = render(
        subject, field="subject", org=org, customer=customer, variables=variables
    ).strip()
    check_header("subject", rendered_subject)
    rendered_body = render(body, field="body", org=org, customer=customer, variables=variables)
    return rendered_subject, rendered_body
