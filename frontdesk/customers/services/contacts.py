"""Services other domains call about a customer: finding or creating the contact behind a
public form, and recording a visit.

``customer_find_or_create`` applies rule 2 the way a public form must: a phone or email
that belongs to a customer finds that customer (the caller is told nothing about it, so
a site visitor learns nothing about who else is on file); otherwise a new customer is
created through :func:`customer_create`, audited and with its event.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from frontdesk.core.actor import Actor
from frontdesk.core.errors import ValidationFailed
from frontdesk.core.locks import lock_keys
from frontdesk.customers.duplicates import identity_matches
from frontdesk.customers.models import Customer
from frontdesk.customers.normalize import clean_text, email_normalize, phone_e164
from frontdesk.customers.segments import customer_segments_refresh
from frontdesk.customers.services.customers import customer_create, identity_lock_keys
from frontdesk.organizations.models import Organization


def customer_find_or_create(
    *,
    org: Organization,
    actor: Actor,
    first_name: str,
    last_name: str,
    phone: str = "",
    email: str = "",
    source: str = "web_form",
) -> tuple[Customer, bool]:
    """The live customer holding ``phone`` or ``email`` (oldest first, archived ones
    skipped), or a new customer. Returns (customer, created). An existing customer is
    never changed from here: what the form said goes wherever the caller records it."""
    errors: dict[str, str] = {}
    numbers, keys = [], []
    try:
        first_name = clean_text(first_name, max_length=100)
        last_name = clean_text(last_name, max_length=100)
    except ValueError as exc:
        errors["name"] = str(exc)
    if phone:
        try:
            numbers.append(phone_e164(phone, region=org.country))
        except ValueError as exc:
            errors["phone"] = str(exc)
    if email:
        try:
            keys.append(email_normalize(email)[1])
        except ValueError as exc:
            errors["email"] = str(exc)
    if not errors and not (numbers or keys):
        errors["phone"] = "Give a phone number or an email address."
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        lock_keys(*identity_lock_keys(org, numbers, keys))
        matches = identity_matches(phones=numbers, email_keys=keys)
        live = [m.customer for m in matches if m.customer.status != "archived"]
        if live:
            return live[0], False
        data = {
            "first_name": first_name,
            "last_name": last_name,
            "source": source,
            "phones": [{"number": phone, "primary": True}] if phone else [],
            "emails": [{"address": email, "primary": True}] if email else [],
        }
        customer = customer_create(org=org, actor=actor, data=data, allow_duplicate=bool(matches))
    return customer, True


def customer_visit_record(
    *, org: Organization, customer: Customer, visited_at: dt.datetime
) -> None:
    """Count a completed visit: ``total_appointments`` + 1, ``last_visit_at`` moves
    forward, and a prospect becomes a customer. Derived counters, so not audited."""
    with transaction.atomic():
        rows = Customer.objects.filter(pk=customer.pk)
        rows.update(total_appointments=F("total_appointments") + 1, updated_at=timezone.now())
        rows.filter(Q(last_visit_at__isnull=True) | Q(last_visit_at__lt=visited_at)).update(
            last_visit_at=visited_at
        )
        rows.filter(lifecycle_stage="prospect").update(lifecycle_stage="customer")
        customer_segments_refresh(org=org, customer_ids=[customer.pk])
