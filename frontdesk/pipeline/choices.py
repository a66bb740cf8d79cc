"""The closed vocabularies of leads, opportunities and interactions (SPEC 4.3)."""

from django.db import models


class LeadSource(models.TextChoices):
    PHONE_CALL = "phone_call", "Phone call"
    EMAIL = "email", "Email"
    WEB_FORM = "web_form", "Web form"
    REFERRAL = "referral", "Referral"
    AD = "ad", "Advertisement"
    WALK_IN = "walk_in", "Walk-in"
    OTHER = "other", "Other"


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    WORKING = "working", "Working"
    QUALIFIED = "qualified", "Qualified"
    DISQUALIFIED = "disqualified", "Disqualified"
    CONVERTED = "converted", "Converted"


# Leads still being worked: on the board, in the stale scan.
OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED)
STALE_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING)


class DisqualificationReason(models.TextChoices):
    BUDGET = "budget", "Budget"
    TIMING = "timing", "Timing"
    OUTSIDE_SCOPE = "outside_scope", "Outside scope"
    NO_RESPONSE = "no_response", "No response"
    OTHER = "other", "Other"


class OpportunityStage(models.TextChoices):
    ESTIMATING = "estimating", "Estimating"
    PROPOSAL_SENT = "proposal_sent", "Proposal sent"
    NEGOTIATING = "negotiating", "Negotiating"
    SCHEDULED = "scheduled", "Scheduled"
    WON = "won", "Won"
    LOST = "lost", "Lost"


CLOSED_OPPORTUNITY_STAGES = (OpportunityStage.WON, OpportunityStage.LOST)
OPEN_OPPORTUNITY_STAGES = tuple(
    s for s in OpportunityStage.values if s not in CLOSED_OPPORTUNITY_STAGES
)


class LostReason(models.TextChoices):
    PRICE = "price", "Price"
    COMPETITION = "competition", "Competition"
    TIMING = "timing", "Timing"
    NO_DECISION = "no_decision", "No decision"
    SCOPE = "scope", "Scope"
    OTHER = "other", "Other"


class InteractionType(models.TextChoices):
    PHONE_CALL = "phone_call", "Phone call"
    EMAIL_INBOUND = "email_inbound", "Email received"
    EMAIL_OUTBOUND = "email_outbound", "Email sent"
    SMS_INBOUND = "sms_inbound", "SMS received"
    SMS_OUTBOUND = "sms_outbound", "SMS sent"
    MEETING = "meeting", "Meeting"
    IN_PERSON = "in_person", "In person"
    WEB = "web", "Web"
    SOCIAL = "social", "Social"
    NOTE = "note", "Note"
    SYSTEM = "system", "System"


class Direction(models.TextChoices):
    NONE = "", "—"
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class Outcome(models.TextChoices):
    NONE = "none", "None"
    LEFT_VOICEMAIL = "left_voicemail", "Left voicemail"
    SPOKE = "spoke", "Spoke"
    NO_SHOW = "no_show", "No-show"
    RESCHEDULED = "rescheduled", "Rescheduled"
    SENT_PROPOSAL = "sent_proposal", "Sent proposal"
    ACCEPTED_PROPOSAL = "accepted_proposal", "Accepted proposal"
    REJECTED_PROPOSAL = "rejected_proposal", "Rejected proposal"


class Sentiment(models.TextChoices):
    NONE = "", "—"
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"


class FollowUpStatus(models.TextChoices):
    NONE = "none", "None"
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    CANCELED = "canceled", "Canceled"


class DraftKind(models.TextChoices):
    """Which follow-up draft suits a stage (SPEC 4.3 "follow-up drafting")."""

    INQUIRY = "inquiry", "Inquiry"
    ESTIMATE_PENDING = "estimate_pending", "Estimate pending"
    PROPOSAL_ACCEPTED = "proposal_accepted", "Proposal accepted"


# The two stage presets of SPEC 4.3: (key, name, draft kind).
STAGE_PRESETS: dict[str, list[tuple[str, str, str]]] = {
    "service": [
        ("inquiry", "Inquiry", DraftKind.INQUIRY),
        ("needs_analysis", "Needs analysis", DraftKind.INQUIRY),
        ("estimate_sent", "Estimate sent", DraftKind.ESTIMATE_PENDING),
        ("follow_up", "Follow-up", DraftKind.ESTIMATE_PENDING),
        ("scheduled_visit", "Scheduled visit", DraftKind.PROPOSAL_ACCEPTED),
    ],
    "phone_first": [
        ("new_lead", "New lead", DraftKind.INQUIRY),
        ("contacted", "Contacted", DraftKind.INQUIRY),
        ("appointment_set", "Appointment set", DraftKind.PROPOSAL_ACCEPTED),
        ("converted", "Converted", DraftKind.PROPOSAL_ACCEPTED),
        ("lost", "Lost", DraftKind.INQUIRY),
    ],
}
DEFAULT_PRESET = "service"
