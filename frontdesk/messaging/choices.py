"""The enumerations of the messaging domain (SPEC 4.8)."""

from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class Origin(models.TextChoices):
    """Who wrote the message. Decided by the caller's credential, never by a request body:
    a staff token or session gives ``staff``, an assistant token ``assistant``, jobs
    ``automation`` or ``system``, campaigns ``campaign``."""

    STAFF = "staff", "Staff"
    AUTOMATION = "automation", "Automation"
    CAMPAIGN = "campaign", "Campaign"
    ASSISTANT = "assistant", "AI assistant"
    SYSTEM = "system", "System"


class Category(models.TextChoices):
    """Marketing messages need the channel's opt-in and count against frequency caps;
    transactional ones (reminders, receipts, replies) skip both, never do-not-contact or
    STOP."""

    TRANSACTIONAL = "transactional", "Transactional"
    MARKETING = "marketing", "Marketing"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING_APPROVAL = "pending_approval", "Waiting for approval"
    APPROVED = "approved", "Approved"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    BLOCKED = "blocked", "Blocked"
    REJECTED = "rejected", "Rejected"


EDITABLE_STATUSES = (Status.DRAFT, Status.PENDING_APPROVAL)
FINAL_STATUSES = (Status.DELIVERED, Status.FAILED, Status.BLOCKED, Status.REJECTED)


class BlockReason(models.TextChoices):
    DO_NOT_CONTACT = "do_not_contact", "The customer asked not to be contacted"
    NO_OPT_IN = "no_opt_in", "No opt-in for marketing on this channel"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed from marketing"
    STOPPED = "stopped", "Replied STOP"
    BOUNCED = "bounced", "The address bounced"
    ERASED = "erased", "The person was erased"
    COMPLAINED = "complained", "Marked as spam"
    FREQUENCY_CAP = "frequency_cap", "Marketing frequency cap reached"
    NO_ADDRESS = "no_address", "No address on this channel"
    ARCHIVED = "archived", "The customer is archived"


class SuppressionReason(models.TextChoices):
    """Why an address is on the suppression list. ``unsubscribed`` stops marketing only;
    the others stop every message on the channel."""

    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    STOP = "stop", "Replied STOP"
    BOUNCED = "bounced", "Bounced"
    ERASED = "erased", "Erased"
    COMPLAINED = "complained", "Spam complaint"


SUPPRESSION_BLOCKS = {
    SuppressionReason.UNSUBSCRIBED: BlockReason.UNSUBSCRIBED,
    SuppressionReason.STOP: BlockReason.STOPPED,
    SuppressionReason.BOUNCED: BlockReason.BOUNCED,
    SuppressionReason.ERASED: BlockReason.ERASED,
    SuppressionReason.COMPLAINED: BlockReason.COMPLAINED,
}


class Transport(models.TextChoices):
    """What carried the message: a real provider, or the local outbox of the embedded
    default ("what would have been sent")."""

    NONE = "", "Not handed over yet"
    OUTBOX = "outbox", "Local outbox (no provider configured)"
    SMTP = "smtp", "Email server"
    SMS_API = "sms_api", "SMS provider"
    REPLY = "reply", "Reply to an inbound SMS"


class InboundKeyword(models.TextChoices):
    NONE = "", "A reply"
    STOP = "stop", "STOP"
    START = "start", "START"
    HELP = "help", "HELP"


class NotificationKind(models.TextChoices):
    APPROVAL_NEEDED = "approval_needed", "Approval needed"
    INBOUND_SMS = "inbound_sms", "SMS reply"
    MESSAGE_FAILED = "message_failed", "Message failed"
    INQUIRY = "inquiry", "New inquiry"
    SURVEY_NEGATIVE = "survey_negative", "Negative survey"
    REPORT = "report", "Report"
    OTHER = "other", "Other"
