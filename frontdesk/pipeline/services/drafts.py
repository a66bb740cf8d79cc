"""Follow-up drafting (SPEC 4.3): a personalized message suited to the lead's stage
(inquiry, estimate pending, proposal accepted), written through the messaging app's
``message_create`` with origin ``assistant`` (an assistant token) or ``automation``, so it
waits in the approval queue (rule 4) — unless the owner switched on auto-send for that
origin — and is consent-checked when sent (rule 5). Drafting never sends by itself."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, ValidationFailed
from frontdesk.messaging.models import Message
from frontdesk.messaging.services import message_create
from frontdesk.organizations.models import Organization
from frontdesk.pipeline.choices import DraftKind, InteractionType
from frontdesk.pipeline.models import Lead
from frontdesk.pipeline.services.interactions import interaction_log

# (subject, email body, sms body) per draft kind; rendered by messaging's sandbox with the
# customer's fields and the scalar variables below.
DRAFTS: dict[str, tuple[str, str, str]] = {
    DraftKind.INQUIRY: (
        "About your request: {{ lead_title }}",
        "Hi {{ first_name|default:'there' }},\n\n"
        "Thank you for reaching out to {{ organization_name }} about {{ lead_title }}. "
        "We'd be glad to help. When would be a good time for a quick call so we can "
        "understand what you need and give you an accurate estimate?\n\n"
        "Best regards,\n{{ staff_name }}\n{{ organization_name }}",
        "Hi {{ first_name|default:'there' }}, thanks for contacting {{ organization_name }} "
        "about {{ lead_title }}. When is a good time to call you? - {{ staff_name }}",
    ),
    DraftKind.ESTIMATE_PENDING: (
        "Your estimate: {{ lead_title }}",
        "Hi {{ first_name|default:'there' }},\n\n"
        "I wanted to follow up on the estimate we sent for {{ lead_title }}"
        "{% if estimate %} ({{ estimate }}){% endif %}. Do you have any questions, or "
        "would you like us to go ahead and book it in?\n\n"
        "Best regards,\n{{ staff_name }}\n{{ organization_name }}",
        "Hi {{ first_name|default:'there' }}, following up on your estimate for "
        "{{ lead_title }}{% if estimate %} ({{ estimate }}){% endif %}. Any questions, or "
        "shall we book it? - {{ staff_name }}, {{ organization_name }}",
    ),
    DraftKind.PROPOSAL_ACCEPTED: (
        "Next steps: {{ lead_title }}",
        "Hi {{ first_name|default:'there' }},\n\n"
        "Thank you for choosing {{ organization_name }} for {{ lead_title }}! "
        "Here is what happens next: we'll confirm your visit and have everything ready. "
        "Reply to this message if anything changes.\n\n"
        "Best regards,\n{{ staff_name }}\n{{ organization_name }}",
        "Hi {{ first_name|default:'there' }}, thanks for choosing {{ organization_name }} "
        "for {{ lead_title }}! We'll confirm your visit shortly. - {{ staff_name }}",
    ),
}


def _money(amount: int | None, currency: str) -> str:
    if amount is None:
        return ""
    return f"{currency} {amount // 100:,}.{amount % 100:02d}"


def lead_follow_up_draft(
    *, org: Organization, actor: Actor, lead: Lead, channel: str | None = None
) -> Message:
    """Draft the follow-up for ``lead``'s stage to its contact and log it on the lead
    (a note interaction). 409 without a contact or for a closed lead; 422 when the
    contact has no address on the channel."""
    if lead.customer_id is None:
        raise InvalidState(f"{lead.number} has no contact to write to.")
    if not lead.is_open:
        raise InvalidState(f"{lead.number} is {lead.status}; nothing to follow up.")
    customer = lead.customer
    if channel is None:
        channel = "email" if customer.emails.exists() else "sms"
    if channel not in ("email", "sms"):
        raise ValidationFailed({"channel": "One of: email, sms."})
    kind = lead.stage.draft_kind
    subject, email_body, sms_body = DRAFTS.get(kind, DRAFTS[DraftKind.INQUIRY])
    staff = lead.owner.user if lead.owner_id else None
    variables: dict[str, Any] = {
        "lead_title": lead.title,
        "estimate": _money(lead.estimated_value, org.currency),
        "staff_name": (staff.full_name if staff else "") or "The team",
    }
    origin = "assistant" if actor.kind == "assistant" else "automation"
    with transaction.atomic():
        message = message_create(
            org=org,
            actor=actor,
            origin=origin,
            customer=customer,
            channel=channel,
            subject=subject if channel == "email" else "",
            body=email_body if channel == "email" else sms_body,
            variables=variables,
        )
        interaction_log(
            org=org,
            actor=actor,
            type=InteractionType.SYSTEM,
            lead=lead,
            subject=f"Follow-up drafted ({kind}, {channel}) for approval"[:200],
            body=message.body,
        )
    message.draft_kind = kind
    return message
