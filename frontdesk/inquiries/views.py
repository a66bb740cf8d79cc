"""Pages of the inquiry inbox: the list (live: a new inquiry's notification arriving on
the bell's event stream makes the list reload itself, see ``static/inquiries/inbox.js``)
and one inquiry with its actions (assign, reply, resolve). Each POST calls one service
and redirects back."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from frontdesk.core.errors import DomainError
from frontdesk.core.pages import page_permission
from frontdesk.inquiries import permissions as perm
from frontdesk.inquiries import selectors, services
from frontdesk.inquiries.choices import InquiryStatus
from frontdesk.messaging.services import members_with

PAGE_SIZE = 100


@page_permission(perm.VIEW)
def inbox_page(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or "open"
    filters = {"status": status, "q": request.GET.get("q", "")}
    inquiries = list(selectors.inquiry_list(filters=filters).order_by("-created_at")[:PAGE_SIZE])
    context = {
        "inquiries": inquiries,
        "status": status,
        "q": filters["q"],
        "statuses": [("open", "Open"), *InquiryStatus.choices],
    }
    if request.htmx:
        return render(request, "inquiries/partials/_rows.html", context)
    return render(request, "inquiries/inbox.html", context)


@page_permission(perm.VIEW)
def detail_page(request: HttpRequest, inquiry_id) -> HttpResponse:
    inquiry = selectors.inquiry_get(id=inquiry_id)
    return render(
        request,
        "inquiries/detail.html",
        {
            "inquiry": inquiry,
            "is_open": inquiry.status not in (InquiryStatus.CONVERTED, InquiryStatus.LOST),
            "can_work": request.actor.has(perm.WORK),
            "can_reply": request.actor.has(perm.WORK) and request.actor.has(perm.DRAFT),
            "staff": sorted(members_with(perm.WORK), key=lambda m: str(m.user)),
        },
    )


def _act(request: HttpRequest, inquiry_id, action, done: str) -> HttpResponse:
    inquiry = selectors.inquiry_get(id=inquiry_id)
    try:
        action(inquiry)
    except DomainError as exc:
        messages.error(
            request,
            exc.detail
            if not getattr(exc, "errors", None)
            else "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors),
        )
    else:
        messages.success(request, done)
    return redirect("inquiries:detail", inquiry_id=inquiry_id)


@require_POST
@page_permission(perm.WORK)
def assign_action(request: HttpRequest, inquiry_id) -> HttpResponse:
    return _act(
        request,
        inquiry_id,
        lambda i: services.inquiry_assign(
            org=request.org,
            actor=request.actor,
            inquiry=i,
            assignee_id=request.POST.get("assignee_id"),
        ),
        "Assigned.",
    )


@require_POST
@page_permission(perm.WORK)
def reply_action(request: HttpRequest, inquiry_id) -> HttpResponse:
    return _act(
        request,
        inquiry_id,
        lambda i: services.inquiry_reply(
            org=request.org,
            actor=request.actor,
            inquiry=i,
            channel=request.POST.get("channel", "email"),
            subject=request.POST.get("subject", ""),
            body=request.POST.get("body", ""),
        ),
        "Reply written: it goes out through the outbox (or waits for approval).",
    )


@require_POST
@page_permission(perm.WORK)
def resolve_action(request: HttpRequest, inquiry_id) -> HttpResponse:
    resolution = request.POST.get("resolution", "")
    return _act(
        request,
        inquiry_id,
        lambda i: services.inquiry_resolve(
            org=request.org,
            actor=request.actor,
            inquiry=i,
            resolution=resolution,
            note=request.POST.get("note", ""),
        ),
        f"Marked {resolution}.",
    )
