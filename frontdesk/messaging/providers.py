"""The SMS provider's webhooks: ``POST /api/crm/providers/sms/status`` (delivery status)
and ``POST /api/crm/providers/sms/inbound`` (a reply from a customer).

They are called by the provider, not by staff or integrators, so they are plain Django
views outside the OpenAPI document and the role table. Each request is authenticated by
Twilio's signature: ``X-Twilio-Signature`` = base64(HMAC-SHA1(auth token, URL + every
form parameter name and value, sorted by name)); a missing or wrong signature is 401.
The URL is the one the provider called — ``PUBLIC_BASE_URL`` + path, or the request's
own absolute URL.

The organization is the one named by ``?org=<slug>`` (the status callback URL we give
the provider carries it), else the one whose ``sms_from`` number the message was sent
from (status) or to (inbound).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from frontdesk.core.problems import problem_response
from frontdesk.core.tenancy import tenant_scope
from frontdesk.messaging.services import sms_inbound_receive, sms_status_apply
from frontdesk.organizations.models import Organization

log = logging.getLogger(__name__)


def twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _params(request: HttpRequest) -> dict[str, str]:
    return {key: request.POST.get(key, "") for key in request.POST}


def signature_valid(request: HttpRequest) -> bool:
    token = settings.SMS_AUTH_TOKEN
    given = request.headers.get("X-Twilio-Signature", "")
    if not token or not given:
        return False
    params = _params(request)
    urls = {
        settings.PUBLIC_BASE_URL + request.get_full_path(),
        request.build_absolute_uri(),
    }
    return any(hmac.compare_digest(twilio_signature(token, url, params), given) for url in urls)


def _org_for(request: HttpRequest, number: str) -> Organization | None:
    slug = request.GET.get("org", "")
    orgs = Organization.objects.filter(is_active=True)
    if slug:
        return orgs.filter(slug=slug).first()
    if not number:
        return None
    matches = list(orgs.filter(settings__messaging__sms_from=number)[:2])
    if len(matches) == 1:
        return matches[0]
    if not matches and number == settings.SMS_FROM_NUMBER and orgs.count() == 1:
        return orgs.first()  # one organization using the deployment's number
    return None


def _unauthorized() -> HttpResponse:
    return problem_response(
        401,
        title="Authentication required",
        detail="The X-Twilio-Signature header is missing or does not match.",
        type_slug="unauthenticated",
    )


def _unknown_org() -> HttpResponse:
    return problem_response(
        404, detail="No organization receives messages on this number.", type_slug="not-found"
    )


def _bad_request(detail: str) -> HttpResponse:
    return problem_response(
        422, title="Validation failed", detail=detail, type_slug="validation-failed"
    )


def twiml(reply: str = "") -> HttpResponse:
    body = f"<Message>{escape(reply)}</Message>" if reply else ""
    return HttpResponse(
        f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
        content_type="text/xml; charset=utf-8",
    )


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    """A delivery status: applied once, moving forward only (a repeat changes nothing)."""
    if not signature_valid(request):
        return _unauthorized()
    org = _org_for(request, request.POST.get("From", ""))
    if org is None:
        return _unknown_org()
    sid = request.POST.get("MessageSid") or request.POST.get("SmsSid", "")
    with tenant_scope(org):
        message = sms_status_apply(
            org=org,
            provider_id=sid,
            provider_status=request.POST.get("MessageStatus", ""),
            error_code=request.POST.get("ErrorCode", ""),
        )
    if message is None:
        log.warning("status callback for unknown message %s", sid)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """An SMS from a customer; answers TwiML with the keyword reply, if any."""
    if not signature_valid(request):
        return _unauthorized()
    org = _org_for(request, request.POST.get("To", ""))
    if org is None:
        return _unknown_org()
    sid = request.POST.get("MessageSid") or request.POST.get("SmsSid", "")
    if not sid or not request.POST.get("From"):
        return _bad_request("MessageSid and From are required.")
    with tenant_scope(org):
        _, reply = sms_inbound_receive(
            org=org,
            provider_id=sid,
            from_number=request.POST.get("From", ""),
            to_number=request.POST.get("To", ""),
            body=request.POST.get("Body", ""),
        )
    return twiml(reply)
