"""The event types this app emits (``event_emit(type=...)``), with their payloads."""

# {id, number, customer_id, lead_id, interaction_id}
INQUIRY_RECEIVED = "inquiry.received"
INQUIRY_ASSIGNED = "inquiry.assigned"  # {id, number, assignee_id}
INQUIRY_REPLIED = "inquiry.replied"  # {id, number, message_id, channel}
INQUIRY_RESOLVED = "inquiry.resolved"  # {id, number, resolution, note}

EVENT_TYPES = (INQUIRY_RECEIVED, INQUIRY_ASSIGNED, INQUIRY_REPLIED, INQUIRY_RESOLVED)
