"""Reading inquiries (inside the caller's organization scope)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from frontdesk.core.errors import ValidationFailed
from frontdesk.core.lookups import get_or_404
from frontdesk.inquiries.choices import OPEN_STATUSES, InquiryStatus
from frontdesk.inquiries.models import Inquiry

INQUIRY_ORDERS = {"created_at": "created_at", "number": "number"}


def inquiry_qs() -> QuerySet[Inquiry]:
    return Inquiry.objects.select_related("customer", "lead", "assignee__user")


def inquiry_list(*, filters: dict[str, Any] | None = None) -> QuerySet[Inquiry]:
    """``status`` (one, a comma list, or ``open``), ``assignee_id`` (or ``none``),
    ``q`` (number, name, email or phone contains)."""
    f = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    qs = inquiry_qs()
    if "status" in f:
        if f["status"] == "open":
            statuses = list(OPEN_STATUSES)
        else:
            statuses = [s.strip() for s in str(f["status"]).split(",")]
            if not set(statuses) <= set(InquiryStatus.values):
                raise ValidationFailed(
                    {"status": f"One or more of: {', '.join(InquiryStatus.values)}, or open."}
                )
        qs = qs.filter(status__in=statuses)
    if "assignee_id" in f:
        qs = (
            qs.filter(assignee__isnull=True)
            if f["assignee_id"] == "none"
            else qs.filter(assignee_id=f["assignee_id"])
        )
    if "q" in f:
        q = str(f["q"]).strip()[:100]
        qs = qs.filter(
            Q(number__iexact=q)
            | Q(name__icontains=q)
            | Q(email__icontains=q)
            | Q(phone__icontains=q)
            | Q(business__icontains=q)
        )
    return qs


def inquiry_get(*, id) -> Inquiry:
    return get_or_404(inquiry_qs(), id)


def inquiries_new(*, limit: int = 8) -> list[Inquiry]:
    return list(inquiry_qs().filter(status=InquiryStatus.NEW).order_by("-created_at")[:limit])
