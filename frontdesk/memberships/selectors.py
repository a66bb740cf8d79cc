"""Reads of memberships, and the pricing terms provider money calls."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from frontdesk.customers.models import Customer
from frontdesk.memberships.choices import MembershipStatus
from frontdesk.memberships.models import CustomerMembership, MembershipPlan
from frontdesk.money.pricing import MembershipTerms


def org_today(org) -> dt.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(org.time_zone)).date()


def plan_qs() -> QuerySet[MembershipPlan]:
    return MembershipPlan.objects.prefetch_related("included__service").annotate(
        member_count=Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE))
    )


def plan_list(*, active: bool | None = None, q: str | None = None) -> QuerySet[MembershipPlan]:
    qs = plan_qs()
    if active is not None:
        qs = qs.filter(active=active)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


def membership_qs() -> QuerySet[CustomerMembership]:
    return CustomerMembership.objects.select_related("plan")


def membership_history(*, customer: Customer) -> QuerySet[CustomerMembership]:
    return membership_qs().filter(customer=customer)


def membership_active(*, customer: Customer) -> CustomerMembership | None:
    return membership_qs().filter(customer=customer, status=MembershipStatus.ACTIVE).first()


def membership_on(*, customer: Customer, on_date: dt.date) -> CustomerMembership | None:
    """The membership that applied to ``customer`` on ``on_date`` (cancelled ones until
    the day they were cancelled, replaced ones until their replacement started)."""
    return (
        membership_qs()
        .prefetch_related("plan__included")
        .filter(customer=customer, starts_on__lte=on_date)
        .filter(
            Q(ended_on__isnull=True, expires_on__gt=on_date)
            | Q(ended_on__isnull=False, ended_on__gt=on_date)
        )
        .order_by("-starts_on", "-created_at")
        .first()
    )


def membership_terms_for(*, customer, on_date: dt.date) -> MembershipTerms | None:
    """The pricing terms provider registered with money (``register_terms_provider``)."""
    membership = membership_on(customer=customer, on_date=on_date)
    if membership is None:
        return None
    plan = membership.plan
    return MembershipTerms(
        plan_name=plan.name,
        discount_bp=plan.discount_bp,
        included={item.service_id: item.price for item in plan.included.all()},
    )


def membership_summary(membership: CustomerMembership | None) -> dict[str, Any] | None:
    if membership is None:
        return None
    return {
        "plan": membership.plan.name,
        "priority": membership.plan.priority_label,
        "kind": membership.kind,
        "starts_on": membership.starts_on,
        "expires_on": membership.expires_on,
    }
