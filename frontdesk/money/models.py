"""Catalog, quotes, invoices, payments, credit notes and the double-entry ledger (SPEC 4.5).

Money is integers in the organization's minor unit (cents), never floats. Documents keep a
snapshot of their priced lines and totals; what a customer owes is never stored: it is
the sum of their ledger lines (``selectors.customer_balance``).

The ledger (``JournalEntry`` + ``JournalLine``) is append-only (SPEC rule 3): ``save()``
refuses to change an existing row, ``delete()`` refuses, the managers' querysets refuse
``update()``/``delete()``/``bulk_update()``, and a database trigger (migration 0001, on
PostgreSQL and SQLite) refuses UPDATE and DELETE from any writer. Corrections are new
entries that point at the entry they reverse. The one change allowed is moving a line to
the surviving customer of a merge (``JournalLine.objects.reassign_customer``), which
changes no amount, account or date.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django_scopes import ScopedManager

from frontdesk.core.tenancy import TenantModel
from frontdesk.money.choices import (
    CUSTOMER_ACCOUNTS,
    Account,
    CreditNoteKind,
    DocumentType,
    InvoiceStatus,
    PaymentMethod,
    QuoteStatus,
)


class LedgerImmutable(Exception):
    """Raised on any attempt to change or delete a posted ledger row."""


class Service(TenantModel):
    """A catalog item: what the business sells, at its list price."""

    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    price = models.BigIntegerField(default=0, help_text="list price in minor units")
    taxable = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="service_unique_code"),
            models.CheckConstraint(condition=Q(price__gte=0), name="service_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PricedLine(TenantModel):
    """A priced document line. ``list_price`` = quantity × unit_price (rounded once, see
    ``pricing.py``); ``net`` = list_price − membership_discount; ``tax`` on the net."""

    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=9, decimal_places=2, default=1)
    unit_price = models.BigIntegerField(default=0, help_text="list unit price, minor units")
    list_price = models.BigIntegerField(default=0, help_text="quantity × unit price")
    membership_discount = models.BigIntegerField(default=0)
    membership_note = models.CharField(max_length=200, blank=True)
    net = models.BigIntegerField(default=0)
    taxable = models.BooleanField(default=True)
    tax = models.BigIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"

    @property
    def total(self) -> int:
        return self.net + self.tax


class Quote(TenantModel):
    """An estimate priced like an invoice; accepting it makes a draft invoice, or a job
    to do the work (invoiced from the job later). draft (open) → accepted | declined."""

    number = models.CharField(max_length=20, editable=False, help_text="Q-0042")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="quotes"
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=QuoteStatus.choices, default="draft")
    quote_date = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    membership_plan = models.CharField(max_length=200, blank=True)
    subtotal = models.BigIntegerField(default=0)
    discount = models.BigIntegerField(default=0)
    net = models.BigIntegerField(default=0)
    tax = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    invoice = models.OneToOneField(
        "money.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="quote"
    )
    job = models.OneToOneField(
        "scheduling.Job", null=True, blank=True, on_delete=models.PROTECT, related_name="quote"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "created_at", "id"], name="quote_org_created_idx"),
            models.Index(fields=["customer", "created_at"], name="quote_customer_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="quote_unique_number"),
            models.CheckConstraint(
                condition=Q(status__in=QuoteStatus.values), name="quote_valid_status"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class QuoteLine(PricedLine):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        ordering = ["quote", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quoteline_quantity_positive")
        ]


class Invoice(TenantModel):
    """A bill. draft → issued → partially_paid → paid, or void (from draft or issued).
    The number ``INV-YYYY-NNNN`` is given when it is issued (gap-free per organization);
    what is still owed on it comes from the ledger, never from a stored field."""

    number = models.CharField(max_length=20, blank=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="invoices"
    )
    job = models.ForeignKey(
        "scheduling.Job", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    status = models.CharField(
        max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    invoice_date = models.DateField(help_text="the pricing date (membership terms)")
    issued_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    membership_plan = models.CharField(max_length=200, blank=True)
    subtotal = models.BigIntegerField(default=0, help_text="sum of list prices")
    discount = models.BigIntegerField(default=0, help_text="sum of membership discounts")
    net = models.BigIntegerField(default=0)
    tax = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    paid_at = models.DateTimeField(null=True, blank=True, help_text="when it first became paid")
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "created_at", "id"], name="invoice_org_created_idx"
            ),
            models.Index(
                fields=["organization", "status", "created_at"], name="invoice_org_status_idx"
            ),
            models.Index(fields=["customer", "created_at"], name="invoice_customer_idx"),
            models.Index(fields=["vehicle", "created_at"], name="invoice_vehicle_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"],
                condition=~Q(number=""),
                name="invoice_unique_number",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvoiceStatus.values), name="invoice_valid_status"
            ),
            models.CheckConstraint(
                condition=Q(total=models.F("net") + models.F("tax")), name="invoice_total_sums"
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft {str(self.pk)[:8]}"


class InvoiceLine(PricedLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        ordering = ["invoice", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="invoiceline_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(net=models.F("list_price") - models.F("membership_discount")),
                name="invoiceline_net_sums",
            ),
        ]


class Payment(TenantModel):
    """Money received from a customer, optionally applied to one invoice; what exceeds
    the invoice (or the customer's balance) becomes customer credit."""

    number = models.CharField(max_length=20, editable=False, help_text="PAY-0042")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="payments"
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.BigIntegerField()
    applied = models.BigIntegerField(default=0, help_text="part that reduced the receivable")
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "received_at", "id"], name="payment_org_received_idx"
            ),
            models.Index(fields=["customer", "received_at"], name="payment_customer_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="payment_unique_number"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(method__in=PaymentMethod.values), name="payment_valid_method"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CreditNote(TenantModel):
    """A credit to a customer: against an invoice (reduces what is owed on it) or on
    account (customer credit). A refund pays money back out."""

    number = models.CharField(max_length=20, editable=False, help_text="CN-0042")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="credit_notes"
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    amount = models.BigIntegerField()
    kind = models.CharField(max_length=20, choices=CreditNoteKind.choices)
    reason = models.CharField(max_length=300)
    issued_on = models.DateField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "created_at"], name="creditnote_customer_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="creditnote_unique_number"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="creditnote_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=CreditNoteKind.values), name="creditnote_valid_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.number


# --- the ledger ----------------------------------------------------------------------------
class LedgerQuerySet(models.QuerySet):
    """Refuses every bulk write path: posted rows never change."""

    def update(self, **kwargs):
        raise LedgerImmutable("Ledger rows are immutable: post a reversing entry.")

    def delete(self):
        raise LedgerImmutable("Ledger rows are immutable: post a reversing entry.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise LedgerImmutable("Ledger rows are immutable: post a reversing entry.")

    def update_or_create(self, *args, **kwargs):
        raise LedgerImmutable("Ledger rows are immutable: post a reversing entry.")

    def _raw_delete(self, using):
        raise LedgerImmutable("Ledger rows are immutable: post a reversing entry.")

    _raw_delete.queryset_only = True

    def reassign_customer(self, *, from_customer_id, to_customer_id) -> int:
        """Move lines to the surviving customer of a merge (the database trigger allows
        exactly this change and no other)."""
        moving = self.filter(customer_id=from_customer_id)
        return models.QuerySet.update(moving, customer_id=to_customer_id)


LedgerManager = models.Manager.from_queryset(LedgerQuerySet)


class ImmutableModel(TenantModel):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerImmutable("Ledger rows are immutable: post a reversing entry.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutable("Ledger rows are immutable: post a reversing entry.")


class JournalEntry(ImmutableModel):
    """One balanced posting of one document (Σ debit = Σ credit over its lines)."""

    entry_date = models.DateField()
    document_type = models.CharField(max_length=12, choices=DocumentType.choices)
    document_id = models.UUIDField()
    reference = models.CharField(max_length=30, help_text="the document's number")
    description = models.CharField(max_length=300)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )

    objects = ScopedManager(organization="organization", _manager_class=LedgerManager)

    class Meta:
        ordering = ["entry_date", "created_at", "id"]
        verbose_name_plural = "journal entries"
        indexes = [
            models.Index(
                fields=["organization", "document_type", "document_id"],
                name="journalentry_document_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(document_type__in=DocumentType.values),
                name="journalentry_valid_document_type",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry_date} {self.reference} {self.description}"


class JournalLine(ImmutableModel):
    """One side of an entry: exactly one of debit and credit is positive."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    entry_date = models.DateField(help_text="copied from the entry, for statements")
    account = models.CharField(max_length=16, choices=Account.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journal_lines",
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="journal_lines"
    )
    debit = models.BigIntegerField(default=0)
    credit = models.BigIntegerField(default=0)

    objects = ScopedManager(organization="organization", _manager_class=LedgerManager)

    class Meta:
        ordering = ["entry_date", "created_at", "id"]
        indexes = [
            # the customer statement: their receivable and credit lines in statement
            # order (keyset by date, created_at, id), so a page is one range scan
            models.Index(
                fields=["customer", "entry_date", "created_at", "id"],
                condition=Q(account__in=CUSTOMER_ACCOUNTS),
                name="journalline_statement_idx",
            ),
            # the customer's balances (and a statement page's opening balance); debit
            # and credit ride along so the sums are index-only scans on PostgreSQL
            # (SQLite ignores ``include``)
            models.Index(
                fields=["customer", "account", "entry_date", "created_at", "id"],
                include=["debit", "credit"],
                name="journalline_customer_idx",
            ),
            # receivables: one organization's receivable lines in (customer, invoice)
            # order, with what the report sums, so it is one index-only scan
            models.Index(
                fields=["organization", "account", "customer", "invoice"],
                include=["entry_date", "debit", "credit"],
                name="journalline_receivable_idx",
            ),
            # what is due on an invoice (payments, credits, settling)
            models.Index(
                fields=["invoice", "account"],
                include=["debit", "credit"],
                name="journalline_invoice_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(account__in=Account.values), name="journalline_valid_account"
            ),
            models.CheckConstraint(
                condition=(Q(debit__gt=0, credit=0) | Q(debit=0, credit__gt=0)),
                name="journalline_one_side",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} Dr {self.debit} Cr {self.credit}"
