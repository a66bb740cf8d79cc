"""``/api/crm/inquiries``: the staff side of website inquiries — the inbox, one inquiry,
assign, reply and resolve. Path ids are looked up in the caller's organization first
(404 otherwise)."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from frontdesk.core.api import ListParams, Page, api_permission, error_responses, paginate
from frontdesk.inquiries import permissions as perm
from frontdesk.inquiries import selectors, services
from frontdesk.inquiries.schemas import (
    InquiryAssignIn,
    InquiryOut,
    InquiryReplyIn,
    InquiryReplyOut,
    InquiryResolveIn,
)

router = Router(tags=["inquiries"])
READ = error_responses(401, 403, 404, 422)
WRITE = error_responses(401, 403, 404, 409, 422)


class InquiryFilter(Schema):
    status: str | None = Field(None, description="new, assigned, replied, converted, lost, or open")
    assignee_id: str | None = Field(None, description="a staff member id, or none")
    q: str | None = Field(None, description="number, name, email, phone or business")


@router.get("/inquiries", auth=api_permission(perm.VIEW), response={200: Page[InquiryOut], **READ})
def inquiry_list(request: HttpRequest, params: Query[ListParams], filters: Query[InquiryFilter]):
    """The inquiry inbox, newest first by default; filter by status, assignee, text."""
    qs = selectors.inquiry_list(filters=filters.model_dump())
    return paginate(qs, params=params, orders=selectors.INQUIRY_ORDERS, default="-created_at")


@router.get(
    "/inquiries/{inquiry_id}", auth=api_permission(perm.VIEW), response={200: InquiryOut, **READ}
)
def inquiry_get(request: HttpRequest, inquiry_id: UUID):
    """One inquiry with its contact, lead and interaction."""
    return selectors.inquiry_get(id=inquiry_id)


@router.post(
    "/inquiries/{inquiry_id}/assign",
    auth=api_permission(perm.WORK),
    response={200: InquiryOut, **WRITE},
)
def inquiry_assign(request: HttpRequest, inquiry_id: UUID, payload: InquiryAssignIn):
    """Give the inquiry and its lead to a staff member (who is notified)."""
    inquiry = selectors.inquiry_get(id=inquiry_id)
    services.inquiry_assign(
        org=request.org, actor=request.auth, inquiry=inquiry, assignee_id=payload.assignee_id
    )
    return selectors.inquiry_get(id=inquiry_id)


@router.post(
    "/inquiries/{inquiry_id}/reply",
    auth=api_permission(perm.WORK),
    response={200: InquiryReplyOut, **WRITE},
)
def inquiry_reply(request: HttpRequest, inquiry_id: UUID, payload: InquiryReplyIn):
    """Answer the visitor by email or SMS: a staff message (rules 4 and 5 apply: an
    assistant's reply waits for approval, consent is checked when it is sent). Honours
    ``Idempotency-Key``."""
    inquiry = selectors.inquiry_get(id=inquiry_id)
    _, message = services.inquiry_reply(
        org=request.org, actor=request.auth, inquiry=inquiry, **payload.model_dump()
    )
    return {
        "inquiry": selectors.inquiry_get(id=inquiry_id),
        "message_id": message.pk,
        "message_status": message.status,
    }


@router.post(
    "/inquiries/{inquiry_id}/resolve",
    auth=api_permission(perm.WORK),
    response={200: InquiryOut, **WRITE},
)
def inquiry_resolve(request: HttpRequest, inquiry_id: UUID, payload: InquiryResolveIn):
    """Close the inquiry as converted or lost (the same resolution again is a no-op; a
    different one is 409)."""
    inquiry = selectors.inquiry_get(id=inquiry_id)
    services.inquiry_resolve(
        org=request.org, actor=request.auth, inquiry=inquiry, **payload.model_dump()
    )
    return selectors.inquiry_get(id=inquiry_id)
