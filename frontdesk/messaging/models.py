"""Messages to customers (email and SMS), their templates, the suppression list,
inbound SMS and staff notifications (SPEC 4.8).

A message's life: ``pending_approval`` (or ``draft``) → ``queued`` (approved: by its staff
author, an approver, or the organization's auto-send switch) → ``sending`` (claimed by
one worker under a lease) → ``sent`` → ``delivered``; or ``blocked`` by the consent gate
at the moment of sending, ``rejected`` by an approver, ``failed`` by the provider. Only
services change it (``services/messages.py``).
"""

from django.db import models
from django.db.models import Q

from frontdesk.core.tenancy import TenantModel, unindexed_created_at, unindexed_organization
from frontdesk.messaging.choices import (
    BlockReason,
    Category,
    Channel,
    InboundKeyword,
    Origin,
    Status,
    SuppressionReason,
    Transport,
)


class MessageTemplate(TenantModel):
    """Reusable subject and body with ``{{ first_name }}``-style placeholders, rendered
    in a sandbox that sees only whitelisted values (``templating.py``)."""

    name = models.CharField(max_length=100)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    category = models.CharField(
        max_length=16, choices=Category.choices, default=Category.TRANSACTIONAL
    )
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="messagetemplate_name"),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="messagetemplate_valid_channel"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="messagetemplate_valid_category"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Message(TenantModel):
    """One outgoing email or SMS to one customer.

    A fan-out updates every message several times (queued, sending, sent, delivered) and
    each update writes a new entry into every index, so the table keeps only the indexes
    its queries use: the composites below all lead with ``organization`` (which serves the
    tenant filter too), and the foreign keys to customer, template and staff have none of
    their own (every read of them is tenant-scoped, and nothing that history needs is
    deleted)."""

    organization = unindexed_organization()
    created_at = unindexed_created_at()
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="messages", db_index=False
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    category = models.CharField(
        max_length=16, choices=Category.choices, default=Category.TRANSACTIONAL
    )
    origin = models.CharField(max_length=16, choices=Origin.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    to = models.CharField(max_length=254, blank=True, help_text="email address or E.164")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    template = models.ForeignKey(
        MessageTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_by = models.ForeignKey(
        "organizations.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_by_label = models.CharField(max_length=300, blank=True)
    approved_by = models.ForeignKey(
        "organizations.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_count = models.PositiveIntegerField(
        default=0, help_text="approvals so far; part of the provider idempotency key"
    )
    blocked_reason = models.CharField(max_length=20, choices=BlockReason.choices, blank=True)
    rejected_reason = models.CharField(max_length=500, blank=True)
    send_after = models.DateTimeField(
        null=True, blank=True, help_text="not before (quiet hours, retry backoff)"
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    transport = models.CharField(max_length=8, choices=Transport.choices, blank=True)
    provider_id = models.CharField(max_length=64, blank=True)
    provider_status = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "status", "-created_at", "-id"], name="message_org_status"
            ),
            models.Index(
                fields=["organization", "customer", "-created_at"], name="message_org_customer"
            ),
            models.Index(fields=["organization", "-created_at", "-id"], name="message_org_recent"),
            # the due-message sweep: queued (or sending with an expired lease) by time
            models.Index(fields=["status", "send_after"], name="message_due"),
            models.Index(fields=["provider_id"], name="message_provider_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="message_valid_channel"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="message_valid_category"
            ),
            models.CheckConstraint(
                condition=Q(origin__in=Origin.values), name="message_valid_origin"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="message_valid_status"
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.BLOCKED) | ~Q(blocked_reason=""),
                name="message_blocked_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.SENDING) | Q(lease_until__isnull=False),
                name="message_sending_has_lease",
            ),
            models.UniqueConstraint(
                fields=["organization", "provider_id"],
                condition=~Q(provider_id=""),
                name="message_unique_provider_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.to or self.customer_id} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        """Handed to the provider: the same for every attempt of one approval."""
        return f"{self.pk}:{self.approval_count}"


class Suppression(TenantModel):
    """An address that must not receive messages on a channel (or, for ``unsubscribed``,
    marketing messages). ``lifted_at`` is set when the person opts back in (START); the row
    stays as the record of both."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(max_length=254, help_text="casefolded email or E.164")
    reason = models.CharField(max_length=16, choices=SuppressionReason.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suppressions",
    )
    source = models.CharField(max_length=100, blank=True, help_text="what put it here")
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "channel", "address"], name="suppression_unique_address"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="suppression_valid_channel"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=SuppressionReason.values), name="suppression_valid_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.address} ({self.reason})"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class InboundMessage(TenantModel):
    """An SMS a customer sent us. ``provider_id`` is unique, so a provider retrying the
    same webhook is applied once."""

    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.SMS)
    provider_id = models.CharField(max_length=64)
    from_address = models.CharField(max_length=254)
    to_address = models.CharField(max_length=254, blank=True)
    body = models.TextField(blank=True)
    keyword = models.CharField(max_length=8, choices=InboundKeyword.choices, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_messages",
    )
    reply_body = models.TextField(blank=True, help_text="what we answered (STOP, START, HELP)")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "provider_id"], name="inboundmessage_unique_provider_id"
            ),
        ]

    def __str__(self) -> str:
        return f"from {self.from_address}: {self.body[:40]}"


class EarlyStatus(TenantModel):
    """A delivery-status callback that arrived before we had recorded the provider's id
    of its message (the provider answers the send and calls back at once; the worker
    records the batch a moment later). The sweep applies it once the id is known and
    forgets it after a day."""

    provider_id = models.CharField(max_length=64)
    provider_status = models.CharField(max_length=32)
    error_code = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "provider_id"], name="earlystatus_sid_idx")]

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.provider_status}"


class Notification(TenantModel):
    """An in-app notice to one staff member (new inquiry, SMS reply, approval needed...).
    ``key`` makes creating it idempotent (an event handler run twice notifies once)."""

    recipient = models.ForeignKey(
        "organizations.Membership", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    key = models.CharField(max_length=120, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recipient"),
            models.Index(
                fields=["recipient", "read_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="notification_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return self.title
