"""The missed-call queue page: each call with the caller, one-click follow-up SMS and
"mark handled". Each POST calls one service and redirects back (htmx swaps the row)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from frontdesk.core.errors import DomainError
from frontdesk.core.pages import page_permission
from frontdesk.telephony import permissions as perm
from frontdesk.telephony import selectors, services

PAGE_SIZE = 100


@page_permission(perm.VIEW)
def missed_calls_page(request: HttpRequest) -> HttpResponse:
    handled = request.GET.get("handled") == "true"
    calls = list(selectors.missed_call_list(handled=handled)[:PAGE_SIZE])
    return render(
        request,
        "telephony/missed_calls.html",
        {
            "calls": calls,
            "handled": handled,
            "can_handle": request.actor.has(perm.HANDLE),
            "can_sms": request.actor.has(perm.HANDLE) and request.actor.has(perm.DRAFT),
            "target": services.telephony_settings(request.org).missed_call_target_minutes,
        },
    )


def _done(request: HttpRequest, call_id, action, success: str) -> HttpResponse:
    call = selectors.missed_call_get(id=call_id)
    try:
        action(call)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        if not request.htmx:  # an htmx click sees the row change instead
            messages.success(request, success)
    if request.htmx:
        call = selectors.call_get(id=call.pk)
        return render(
            request,
            "telephony/partials/_call_row.html",
            {"call": call, "can_handle": True, "can_sms": request.actor.has(perm.DRAFT)},
        )
    return redirect("telephony:missed_calls")


@require_POST
@page_permission(perm.HANDLE)
def send_sms_action(request: HttpRequest, call_id) -> HttpResponse:
    return _done(
        request,
        call_id,
        lambda c: services.missed_call_send_sms(
            org=request.org, actor=request.actor, call=c, body=request.POST.get("body", "")
        ),
        "Follow-up SMS written.",
    )


@require_POST
@page_permission(perm.HANDLE)
def mark_handled_action(request: HttpRequest, call_id) -> HttpResponse:
    return _done(
        request,
        call_id,
        lambda c: services.missed_call_mark_handled(
            org=request.org, actor=request.actor, call=c, note=request.POST.get("note", "")
        ),
        "Marked handled.",
    )
