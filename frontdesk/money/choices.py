"""Choices of the money domain."""

from django.db import models


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


OPEN_INVOICE_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card"
    CHECK = "check", "Check"
    TRANSFER = "transfer", "Transfer"
    OTHER = "other", "Other"


class CreditNoteKind(models.TextChoices):
    ADJUSTMENT = "adjustment", "Adjustment"
    REFUND = "refund", "Refund"
    LOYALTY_REDEMPTION = "loyalty_redemption", "Loyalty redemption"


class Account(models.TextChoices):
    RECEIVABLE = "receivable", "Accounts receivable"
    REVENUE = "revenue", "Revenue"
    TAX = "tax", "Sales tax payable"
    CASH = "cash", "Cash"
    CLEARING = "clearing", "Card and transfer clearing"
    CUSTOMER_CREDIT = "customer_credit", "Customer credit"


# the accounts a customer's statement shows (their net is what the customer owes)
CUSTOMER_ACCOUNTS = (Account.RECEIVABLE, Account.CUSTOMER_CREDIT)


class DocumentType(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    PAYMENT = "payment", "Payment"
    CREDIT_NOTE = "credit_note", "Credit note"
