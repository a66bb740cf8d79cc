"""Automatic segments (SPEC 4.9): lead, active, inactive, vip.

The segment is a stored, indexed column (``Customer.segment``) so lists filter by it
through an index. It is recomputed set-based, a handful of ``UPDATE`` statements per
organization, never a Python loop over customers:

* daily per organization (``customers: segments``, 02:30 local), which moves customers
  across the time threshold (active → inactive after the window passes);
* on the events that change it (``appointment.booked|completed|cancelled``,
  ``customer.created|merged``, ``customers.imported``), for the customers concerned.

Rules (thresholds in ``Organization.settings["segment_rules"]``):

* vip: ``vip_min_appointments`` (10) or more completed appointments;
* lead: never booked (no completed appointment);
* active: a visit within ``active_within_days`` (182, six months);
* inactive: the rest — no activity for ``active_within_days`` or more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from frontdesk.customers.choices import Segment
from frontdesk.customers.models import Customer
from frontdesk.organizations.models import Organization

RULES_KEY = "segment_rules"


@dataclass(frozen=True)
class SegmentRules:
    vip_min_appointments: int = 10
    active_within_days: int = 182

    @classmethod
    def of(cls, org: Organization | None) -> SegmentRules:
        """The organization's rules; a missing or unusable value takes the default."""
        raw = ((org.settings or {}).get(RULES_KEY) or {}) if org else {}
        if not isinstance(raw, dict):
            raw = {}

        def number(name: str, default: int) -> int:
            try:
                value = int(raw.get(name, default))
            except (TypeError, ValueError):
                return default
            return value if value >= 1 else default

        return cls(
            vip_min_appointments=number("vip_min_appointments", cls.vip_min_appointments),
            active_within_days=number("active_within_days", cls.active_within_days),
        )


def segment_q(segment: str, *, rules: SegmentRules, now: dt.datetime | None = None) -> Q:
    """The condition of one segment; the four are disjoint and cover every customer."""
    cut = (now or timezone.now()) - dt.timedelta(days=rules.active_within_days)
    vip = Q(total_appointments__gte=rules.vip_min_appointments)
    lead = Q(total_appointments=0)
    middle = Q(total_appointments__gt=0, total_appointments__lt=rules.vip_min_appointments)
    return {
        Segment.VIP: vip,
        Segment.LEAD: lead & ~vip,
        Segment.ACTIVE: middle & Q(last_visit_at__gte=cut),
        Segment.INACTIVE: middle & (Q(last_visit_at__lt=cut) | Q(last_visit_at__isnull=True)),
    }[Segment(segment)]


def segment_of(customer: Customer, *, rules: SegmentRules, now: dt.datetime | None = None) -> str:
    """The segment one loaded customer belongs in (for tests and single-row display)."""
    cut = (now or timezone.now()) - dt.timedelta(days=rules.active_within_days)
    if customer.total_appointments >= rules.vip_min_appointments:
        return Segment.VIP
    if customer.total_appointments == 0:
        return Segment.LEAD
    if customer.last_visit_at and customer.last_visit_at >= cut:
        return Segment.ACTIVE
    return Segment.INACTIVE


def customer_segments_refresh(
    *,
    org: Organization,
    customer_ids: Iterable | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Store each customer's segment: every customer of ``org`` (the daily job) or only
    ``customer_ids`` (the event handlers). One ``UPDATE`` per segment, touching only rows
    whose segment changes; returns how many rows changed. A derived value, so not
    audited and no event (``updated_at`` is left alone)."""
    rules = SegmentRules.of(org)
    now = now or timezone.now()
    base = Customer.objects.all()
    if customer_ids is not None:
        ids = [i for i in customer_ids if i]
        if not ids:
            return 0
        base = base.filter(pk__in=ids)
    changed = 0
    with transaction.atomic():
        for segment in Segment:
            changed += (
                base.filter(segment_q(segment, rules=rules, now=now))
                .exclude(segment=segment.value)
                .update(segment=segment.value)
            )
    return changed
