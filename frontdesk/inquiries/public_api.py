"""``POST /api/public/{org_slug}/inquiries``: the contact form of the business's website.

Anonymous and rate-limited per client address (``INQUIRY_RATE_LIMIT``) and overall
(``INQUIRY_GLOBAL_RATE_LIMIT``, so a botnet cannot flood the inbox either). The answer
is the same whatever happened — a new contact, a known one, or a bot that filled the
honeypot field (nothing is stored then) — so the form reveals nothing about who is on
file."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Path, Router, Status

from frontdesk.core.actor import Actor
from frontdesk.core.api import IpRateThrottle, _RateThrottle, error_responses
from frontdesk.inquiries.schemas import InquiryAck, InquiryIn
from frontdesk.inquiries.services import inquiry_receive
from frontdesk.organizations.public import public_scope

router = Router(tags=["public"])
THANKS = "Thank you: we will get back to you shortly."


class InquiryIpThrottle(IpRateThrottle):
    scope = "inquiry"
    rate_setting = "INQUIRY_RATE_LIMIT"


class InquiryGlobalThrottle(_RateThrottle):
    """Every client together, per organization slug."""

    scope = "inquiry-all"
    rate_setting = "INQUIRY_GLOBAL_RATE_LIMIT"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        match = getattr(request, "resolver_match", None)
        slug = match.kwargs.get("org_slug", "") if match else ""
        return self.cache_format % {"scope": self.scope, "ident": slug or "-"}


@router.post(
    "/inquiries",
    auth=None,
    throttle=[InquiryIpThrottle(), InquiryGlobalThrottle()],
    response={202: InquiryAck, **error_responses(404, 422, 429)},
)
def public_inquiry(
    request: HttpRequest,
    payload: InquiryIn,
    org_slug: str = Path(..., description="the organization's slug"),  # noqa: B008
):
    """Send an inquiry (name, email and/or phone, business, message, consent). Staff are
    notified at once. The answer is the same whether or not the contact was known."""
    with public_scope(org_slug) as org:
        data = payload.model_dump()
        if not data.pop("website", ""):
            inquiry_receive(
                org=org,
                actor=Actor.public(org_id=org.pk),
                data=data,
                source_ip=request.META.get("REMOTE_ADDR"),
            )
        return Status(202, {"received": True, "message": THANKS})
