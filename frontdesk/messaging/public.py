"""``/api/public/{org_slug}/unsubscribe/{token}``: the one-click unsubscribe of marketing
email (RFC 8058). ``GET`` shows a page with a button (link scanners and previews must not
unsubscribe anyone); ``POST`` — the button, or the mail client's one-click request with
``List-Unsubscribe=One-Click`` — unsubscribes at once and answers 200. No login, no CSRF
token (a mail provider posts it); the token names one message and is checked by HMAC."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from ninja import Path, Router

from frontdesk.core.api import IpRateThrottle, error_responses
from frontdesk.core.errors import NotFound
from frontdesk.messaging.services import unsubscribe_apply
from frontdesk.messaging.unsubscribe import message_for_token
from frontdesk.organizations.public import public_scope

router = Router(tags=["public"])


class UnsubscribeThrottle(IpRateThrottle):
    """Mail providers post one-click unsubscribes for many people from few addresses."""

    scope = "unsubscribe"
    rate_setting = "UNSUBSCRIBE_RATE_LIMIT"


HTML = {
    200: {
        "description": "An HTML page",
        "content": {"text/html": {"schema": {"type": "string"}}},
    }
}


def _masked(address: str) -> str:
    local, _, domain = address.partition("@")
    if not domain:
        return address[:3] + "…" + address[-2:]
    return f"{local[:1]}…@{domain}"


def _page(request: HttpRequest, org, message, *, done: bool) -> HttpResponse:
    body = render_to_string(
        "messaging/unsubscribe.html",
        {"org": org, "address": _masked(message.to), "done": done},
        request=request,
    )
    return HttpResponse(body, content_type="text/html; charset=utf-8")


def _message(org, token: str):
    message = message_for_token(token, org=org)
    if message is None:
        raise NotFound("This unsubscribe link is not valid.")
    return message


@router.get(
    "/unsubscribe/{token}",
    auth=None,
    throttle=[UnsubscribeThrottle()],
    response=error_responses(404, 422),
    openapi_extra={"responses": HTML},
)
def unsubscribe_page(request: HttpRequest, token: str, org_slug: str = Path(...)):
    """The unsubscribe page of a marketing email: says what will stop, with one button.
    Opening it changes nothing."""
    with public_scope(org_slug) as org:
        return _page(request, org, _message(org, token), done=False)


@router.post(
    "/unsubscribe/{token}",
    auth=None,
    throttle=[UnsubscribeThrottle()],
    response=error_responses(404, 422),
    openapi_extra={"responses": HTML},
)
def unsubscribe(request: HttpRequest, token: str, org_slug: str = Path(...)):
    """Unsubscribe from marketing email, at once (RFC 8058 one-click: the body
    `List-Unsubscribe=One-Click`, or the page's button). Idempotent."""
    with public_scope(org_slug) as org:
        message = _message(org, token)
        unsubscribe_apply(org=org, message=message)
        return _page(request, org, message, done=True)
