"""The event types this app emits (``event_emit(type=...)``), with their payloads."""

# {id, call_id, customer_id, interaction_id, status, from, started_at}
CALL_MISSED = "call.missed"
CALL_LOGGED = "call.logged"  # the same payload, for every call received
MISSED_CALL_HANDLED = "missed_call.handled"  # {id, call_id, customer_id, how, message_id}

EVENT_TYPES = (CALL_MISSED, CALL_LOGGED, MISSED_CALL_HANDLED)
