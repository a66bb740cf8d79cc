"""The event types this app emits (``event_emit(type=...)``), with their payloads."""

# {customer_id, entry_id, kind (earn|add), points, invoice_id, reason, balance}
POINTS_EARNED = "loyalty.points_earned"
# {customer_id, entry_id, points (positive), reward_id, invoice_id, credit_note_id, balance}
POINTS_REDEEMED = "loyalty.points_redeemed"
# {customer_id, entry_id, points (positive), invoice_id, credit_note_id, balance}
POINTS_REVERSED = "loyalty.points_reversed"
# {customer_id, entry_id, points (positive), balance}
POINTS_EXPIRED = "loyalty.points_expired"

EVENT_TYPES = (POINTS_EARNED, POINTS_REDEEMED, POINTS_REVERSED, POINTS_EXPIRED)
