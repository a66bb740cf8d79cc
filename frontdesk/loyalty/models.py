"""Loyalty (SPEC 4.7): the rewards catalog and the append-only points ledger.

A customer's balance is ``SUM(points)`` of their entries — derived, never stored. Entries
are never updated or deleted; corrections are new entries (``reverse``, ``expire``).
The program's settings (earn rate, tiers, expiry) live in ``Organization.settings`` —
see :mod:`frontdesk.loyalty.program`.
"""

from django.db import models
from django.db.models import Q
from django_scopes import ScopedManager

from frontdesk.core.tenancy import TenantModel
from frontdesk.loyalty.choices import EntryKind


class Reward(TenantModel):
    """Something a customer can redeem points for ("Free car wash", 500 points)."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    points_cost = models.PositiveIntegerField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["points_cost", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="loyalty_reward_name"),
            models.CheckConstraint(
                condition=Q(points_cost__gt=0), name="loyalty_reward_cost_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.points_cost} pts)"


class PointsEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Points entries are append-only: add a reversing entry instead.")

    def delete(self):
        raise TypeError("Points entries are append-only: add a reversing entry instead.")


class PointsEntry(TenantModel):
    """One movement of a customer's points. ``points`` is signed: earn and add are
    positive, redeem, reverse and expire negative."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="points_entries"
    )
    kind = models.CharField(max_length=8, choices=EntryKind.choices)
    points = models.IntegerField()
    reason = models.CharField(max_length=300, blank=True)
    invoice_id = models.UUIDField(null=True, blank=True, help_text="money.Invoice it concerns")
    credit_note_id = models.UUIDField(
        null=True, blank=True, help_text="the credit note that reversed or paid it out"
    )
    reward = models.ForeignKey(
        Reward, null=True, blank=True, on_delete=models.PROTECT, related_name="redemptions"
    )
    created_by = models.ForeignKey(
        "organizations.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by_label = models.CharField(max_length=300, blank=True)

    objects = ScopedManager(
        organization="organization",
        _manager_class=models.Manager.from_queryset(PointsEntryQuerySet),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "points entries"
        indexes = [
            models.Index(
                fields=["organization", "customer", "created_at"], name="loyalty_entry_customer"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=["earn", "add"], points__gt=0))
                | (Q(kind__in=["redeem", "reverse", "expire"], points__lt=0)),
                name="loyalty_entry_sign_by_kind",
            ),
            # points are earned once per invoice, whatever happens (SPEC rule 8)
            models.UniqueConstraint(
                fields=["organization", "invoice_id"],
                condition=Q(kind="earn"),
                name="loyalty_entry_one_earn_per_invoice",
            ),
            # a credit note reverses points once
            models.UniqueConstraint(
                fields=["organization", "credit_note_id"],
                condition=Q(kind="reverse"),
                name="loyalty_entry_one_reversal_per_credit_note",
            ),
            models.CheckConstraint(
                condition=Q(kind="earn", invoice_id__isnull=False) | ~Q(kind="earn"),
                name="loyalty_entry_earn_has_invoice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Points entries are append-only: add a reversing entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Points entries are append-only: add a reversing entry instead.")
