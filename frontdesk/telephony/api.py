"""``/api/crm/telephony`` and ``/api/crm/missed-calls``: the provider's call events, the
missed-call recovery queue and the telephony settings. Path ids are looked up in the
caller's organization first (404 otherwise)."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status

from frontdesk.core.api import ListParams, Page, api_permission, error_responses, paginate
from frontdesk.core.tenancy import tenant_scope
from frontdesk.telephony import permissions as perm
from frontdesk.telephony import selectors, services
from frontdesk.telephony.schemas import (
    CallIn,
    CallOut,
    MissedCallHandledIn,
    MissedCallSmsIn,
    MissedCallSmsOut,
    TelephonySecretOut,
    TelephonySettingsOut,
    TelephonySettingsPatch,
)
from frontdesk.telephony.signing import SignedOrPermitted

router = Router(tags=["telephony"])
READ = error_responses(401, 403, 404, 422)
WRITE = error_responses(401, 403, 404, 409, 422)


@router.post(
    "/telephony/calls",
    auth=SignedOrPermitted(perm.REPORT),
    response={200: CallOut, 201: CallOut, **error_responses(401, 403, 422)},
)
def call_report(request: HttpRequest, payload: CallIn):
    """A call event from the telephony provider, authenticated by an integration token
    with the ``telephony.calls`` permission or by the provider's signature
    (``X-Frontdesk-Org``, ``X-Frontdesk-Timestamp``, ``X-Frontdesk-Signature``; see
    docs/intake.md). Idempotent by ``call_id``: 201 the first time, 200 with the stored
    call afterwards (nothing changes)."""
    with tenant_scope(request.org):
        call, created = services.call_record(
            org=request.org, actor=request.auth, data=payload.model_dump(by_alias=True)
        )
        return Status(201 if created else 200, selectors.call_get(id=call.pk))


@router.get("/calls", auth=api_permission(perm.VIEW), response={200: Page[CallOut], **READ})
def call_list(request: HttpRequest, params: Query[ListParams], customer_id: UUID | None = None):
    """Every call, newest first; ``customer_id`` narrows to one caller."""
    qs = selectors.call_list(customer_id=customer_id)
    return paginate(qs, params=params, orders=selectors.CALL_ORDERS, default="-started_at")


@router.get("/missed-calls", auth=api_permission(perm.VIEW), response={200: Page[CallOut], **READ})
def missed_call_list(request: HttpRequest, params: Query[ListParams], handled: bool = False):
    """The recovery queue: missed, unanswered and voicemail calls not yet handled
    (``handled=true`` for those done), newest first."""
    qs = selectors.missed_call_list(handled=handled)
    return paginate(qs, params=params, orders=selectors.CALL_ORDERS, default="-started_at")


@router.post(
    "/missed-calls/{call_id}/send-sms",
    auth=api_permission(perm.HANDLE),
    response={200: MissedCallSmsOut, **WRITE},
)
def missed_call_send_sms(request: HttpRequest, call_id: UUID, payload: MissedCallSmsIn):
    """The one-click follow-up SMS to the caller (a template, the given text or the
    organization's default): a message under rules 4 and 5. 409 once handled. Honours
    ``Idempotency-Key``."""
    call = selectors.missed_call_get(id=call_id)
    call, message = services.missed_call_send_sms(
        org=request.org, actor=request.auth, call=call, **payload.model_dump()
    )
    return {
        "call": selectors.call_get(id=call.pk),
        "message_id": message.pk,
        "message_status": message.status,
    }


@router.post(
    "/missed-calls/{call_id}/mark-handled",
    auth=api_permission(perm.HANDLE),
    response={200: CallOut, **WRITE},
)
def missed_call_mark_handled(request: HttpRequest, call_id: UUID, payload: MissedCallHandledIn):
    """Take a missed call out of the queue (called back, or sorted out otherwise).
    Marking it again changes nothing."""
    call = selectors.missed_call_get(id=call_id)
    services.missed_call_mark_handled(
        org=request.org, actor=request.auth, call=call, note=payload.note
    )
    return selectors.call_get(id=call.pk)


@router.get(
    "/telephony/settings",
    auth=api_permission(perm.SETTINGS),
    response={200: TelephonySettingsOut, **READ},
)
def telephony_settings_get(request: HttpRequest):
    """The missed-call target, the default follow-up text, whether a secret is set."""
    return services.telephony_settings(request.org)


@router.patch(
    "/telephony/settings",
    auth=api_permission(perm.SETTINGS),
    response={200: TelephonySettingsOut, **WRITE},
)
def telephony_settings_patch(request: HttpRequest, payload: TelephonySettingsPatch):
    """Change the missed-call target (minutes) or the default follow-up SMS text."""
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    return services.telephony_settings_update(org=request.org, actor=request.auth, data=data)


@router.post(
    "/telephony/settings/rotate-secret",
    auth=api_permission(perm.SETTINGS),
    response={200: TelephonySecretOut, **WRITE},
)
def telephony_secret_rotate(request: HttpRequest):
    """A new signing secret for the provider, shown once (the old one stops working)."""
    return {"signing_secret": services.telephony_secret_rotate(org=request.org, actor=request.auth)}
