"""The event types this app emits (``event_emit(type=...)``), with their payloads."""

# {id, number, customer_id, job_id, vehicle_id, total, issued_on}
INVOICE_ISSUED = "invoice.issued"
# {id, number, customer_id, total, paid_at}: once per invoice, when it first becomes paid
INVOICE_PAID = "invoice.paid"
# {id, number, customer_id, total}
INVOICE_VOIDED = "invoice.voided"
# {id, number, customer_id, invoice_id, amount, applied, method, received_at}
PAYMENT_RECEIVED = "payment.received"
# {id, customer_id, invoice_id, amount, kind}
CREDIT_NOTE_ISSUED = "credit_note.issued"

EVENT_TYPES = (
    INVOICE_ISSUED,
    INVOICE_PAID,
    INVOICE_VOIDED,
    PAYMENT_RECEIVED,
    CREDIT_NOTE_ISSUED,
)
