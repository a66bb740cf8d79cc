"""Pipeline stages, leads, opportunities and interactions (SPEC 4.3).

A lead points at a :class:`PipelineStage` row, never at a stage name, so renaming or
reordering the organization's stages never loses a lead. Stages are created for an
organization the first time its pipeline is used (``services.stages.stages_ensure``),
from the preset in ``organization.settings["pipeline"]["preset"]`` (``service`` by
default, or ``phone_first``). Money is integers in the organization's minor unit.
Nothing here is deleted (rule 3): leads are disqualified, opportunities lost,
interactions kept forever.

Indexes are chosen for the hot paths of bench/pipeline.py: the Kanban column (open leads
of one stage, newest first), the customer timeline (newest first, keyset), the stale-lead
scan (open leads by last touchpoint) and the weekly/monthly reports (by created/closed).
"""

from django.db import models
from django.db.models import Q

from frontdesk.core.tenancy import TenantModel, unindexed_created_at, unindexed_organization
from frontdesk.pipeline.choices import (
    OPEN_LEAD_STATUSES,
    Direction,
    DisqualificationReason,
    DraftKind,
    FollowUpStatus,
    InteractionType,
    LeadSource,
    LeadStatus,
    LostReason,
    OpportunityStage,
    Outcome,
    Sentiment,
)


class PipelineStage(TenantModel):
    """One column of the organization's lead pipeline, in ``position`` order."""

    key = models.SlugField(max_length=40, help_text="stable identifier used by the API")
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    draft_kind = models.CharField(
        max_length=20, choices=DraftKind.choices, default=DraftKind.INQUIRY
    )
    is_active = models.BooleanField(default=True, help_text="retired stages keep their leads")

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], name="pipelinestage_unique_key"
            ),
            models.CheckConstraint(
                condition=Q(draft_kind__in=DraftKind.values), name="pipelinestage_valid_draft_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Lead(TenantModel):
    """A prospective piece of work: new → working → qualified → converted | disqualified."""

    number = models.CharField(max_length=20, editable=False, help_text="L-0042")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    source = models.CharField(max_length=12, choices=LeadSource.choices)
    status = models.CharField(max_length=14, choices=LeadStatus.choices, default=LeadStatus.NEW)
    disqualification_reason = models.CharField(
        max_length=14, choices=DisqualificationReason.choices, blank=True
    )
    disqualification_note = models.TextField(blank=True)
    estimated_value = models.BigIntegerField(null=True, blank=True, help_text="minor units")
    stage = models.ForeignKey(
        PipelineStage, on_delete=models.PROTECT, related_name="leads", db_index=False
    )
    expected_close_date = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        "organizations.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    score = models.PositiveSmallIntegerField(default=0)
    converted_opportunity = models.ForeignKey(
        "pipeline.Opportunity", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    last_touch_at = models.DateTimeField(
        help_text="latest past interaction (or creation): the stale-lead scan reads it"
    )
    closed_at = models.DateTimeField(null=True, blank=True, help_text="converted or disqualified")
    open_touch_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="last_touch_at while new or working, else null: the stale scan's index key "
        "(a plain index works on every database; a partial one with bound parameters "
        "is not used by SQLite)",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the Kanban column: one stage's leads newest first (open ones filtered on the
            # way; also serves the stage foreign key)
            models.Index(
                fields=["organization", "stage", "-created_at", "-id"], name="lead_board_idx"
            ),
            # the stale scan: new/working leads by last touchpoint (null otherwise)
            models.Index(fields=["organization", "open_touch_at", "id"], name="lead_stale_idx"),
            models.Index(
                fields=["organization", "-created_at", "-id"], name="lead_org_created_idx"
            ),
            models.Index(fields=["organization", "status", "-created_at"], name="lead_status_idx"),
            models.Index(fields=["organization", "owner", "status"], name="lead_owner_idx"),
            models.Index(fields=["customer", "status"], name="lead_customer_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="lead_unique_number"),
            models.CheckConstraint(
                condition=Q(status__in=LeadStatus.values), name="lead_valid_status"
            ),
            models.CheckConstraint(
                condition=Q(source__in=LeadSource.values), name="lead_valid_source"
            ),
            models.CheckConstraint(
                condition=~Q(status=LeadStatus.DISQUALIFIED) | ~Q(disqualification_reason=""),
                name="lead_disqualified_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(estimated_value__isnull=True) | Q(estimated_value__gte=0),
                name="lead_value_not_negative",
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="lead_score_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_LEAD_STATUSES


class Opportunity(TenantModel):
    """A qualified deal: estimating → proposal_sent → negotiating → scheduled → won | lost."""

    number = models.CharField(max_length=20, blank=True, editable=False, help_text="O-0042")
    name = models.CharField(max_length=200)
    stage = models.CharField(
        max_length=14, choices=OpportunityStage.choices, default=OpportunityStage.ESTIMATING
    )
    amount = models.BigIntegerField(null=True, blank=True, help_text="minor units")
    close_date = models.DateField(null=True, blank=True)
    lost_reason = models.CharField(max_length=12, choices=LostReason.choices, blank=True)
    lost_note = models.TextField(blank=True)
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.PROTECT, related_name="opportunities"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="opportunities"
    )
    owner = models.ForeignKey(
        "organizations.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True, help_text="when it was won or lost")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "opportunities"
        indexes = [
            models.Index(
                fields=["organization", "-created_at", "-id"], name="opportunity_org_created_idx"
            ),
            models.Index(
                fields=["organization", "stage", "close_date"], name="opportunity_stage_idx"
            ),
            models.Index(
                fields=["organization", "closed_at"],
                condition=Q(closed_at__isnull=False),
                name="opportunity_closed_idx",
            ),
            models.Index(fields=["customer", "stage"], name="opportunity_customer_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"],
                condition=~Q(number=""),
                name="opportunity_unique_number",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=OpportunityStage.values), name="opportunity_valid_stage"
            ),
            models.CheckConstraint(
                condition=~Q(stage=OpportunityStage.LOST) | ~Q(lost_reason=""),
                name="opportunity_lost_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="opportunity_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}".strip()

    @property
    def is_open(self) -> bool:
        return self.stage not in (OpportunityStage.WON, OpportunityStage.LOST)


class Interaction(TenantModel):
    """One touchpoint (call, email, SMS, meeting, note …), past or scheduled, with its
    follow-up. Never deleted; only the follow-up status changes after logging."""

    organization = unindexed_organization()  # the composites lead with it
    created_at = unindexed_created_at()  # nothing reads interactions by creation time
    type = models.CharField(max_length=16, choices=InteractionType.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices, blank=True)
    occurred_at = models.DateTimeField()
    duration_s = models.PositiveIntegerField(null=True, blank=True)
    staff = models.ForeignKey(
        "organizations.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    outcome = models.CharField(max_length=18, choices=Outcome.choices, default=Outcome.NONE)
    sentiment = models.CharField(max_length=8, choices=Sentiment.choices, blank=True)
    follow_up_date = models.DateField(null=True, blank=True)
    follow_up_status = models.CharField(
        max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.NONE
    )
    # no single-column indexes: interaction_timeline_idx, interaction_lead_idx and
    # interaction_opportunity_idx lead with these keys (every read is tenant-scoped, and
    # nothing a timeline needs is deleted)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interactions",
        db_index=False,
    )
    lead = models.ForeignKey(
        Lead,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interactions",
        db_index=False,
    )
    opportunity = models.ForeignKey(
        Opportunity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interactions",
        db_index=False,
    )
    transcript = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    scheduled = models.BooleanField(default=False, help_text="a planned future touchpoint")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # the customer timeline, newest first (keyset on occurred_at, id)
            models.Index(
                "organization",
                "customer",
                models.F("occurred_at").desc(),
                models.F("id").desc(),
                name="interaction_timeline_idx",
            ),
            models.Index(fields=["lead", "-occurred_at", "-id"], name="interaction_lead_idx"),
            models.Index(
                fields=["opportunity", "-occurred_at", "-id"], name="interaction_opportunity_idx"
            ),
            models.Index(
                fields=["organization", "-occurred_at", "-id"], name="interaction_org_time_idx"
            ),
            # today's follow-ups; with the lead, the weekly report's "leads with a
            # pending follow-up" is read from this (small, partial) index alone
            models.Index(
                fields=["organization", "follow_up_date", "lead"],
                condition=Q(follow_up_status="pending"),
                name="interaction_followup_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False)
                | Q(lead__isnull=False)
                | Q(opportunity__isnull=False),
                name="interaction_has_subject",
            ),
            models.CheckConstraint(
                condition=Q(type__in=InteractionType.values), name="interaction_valid_type"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="interaction_valid_outcome"
            ),
            models.CheckConstraint(
                condition=Q(follow_up_status__in=FollowUpStatus.values),
                name="interaction_valid_follow_up_status",
            ),
            models.CheckConstraint(
                condition=~Q(follow_up_status="pending") | Q(follow_up_date__isnull=False),
                name="interaction_pending_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class WinConfirmation(TenantModel):
    """Rule 6: the first ``win`` call hands out a token; the second call must carry it.
    Bound to one opportunity and one requester, single use, expiring. Only the token's
    SHA-256 is stored."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.PROTECT, related_name="win_confirmations"
    )
    requested_by = models.CharField(max_length=120, help_text="the requester's principal key")
    token_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "token_hash"], name="winconfirmation_unique_token"
            )
        ]

    def __str__(self) -> str:
        return f"win confirmation for {self.opportunity_id}"
