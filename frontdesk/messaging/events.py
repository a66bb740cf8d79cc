"""The event types this app emits (``event_emit(type=...)``), with their payloads."""

MESSAGE_SENT = "message.sent"  # {id, customer_id, channel, origin, category, transport}
MESSAGE_DELIVERED = "message.delivered"  # {id, customer_id, channel}
MESSAGE_FAILED = "message.failed"  # {id, customer_id, channel, error}
MESSAGE_BLOCKED = "message.blocked"  # {id, customer_id, channel, reason}
# a message entered the approval queue (notifies the approvers)
MESSAGE_APPROVAL_REQUESTED = "message.approval_requested"  # {id, customer_id, origin, channel}
# an SMS reply that is not a keyword (the pipeline will log it as an sms_inbound interaction)
MESSAGE_INBOUND = "message.inbound"  # {id, customer_id, channel, from, body}

EVENT_TYPES = (
    MESSAGE_SENT,
    MESSAGE_DELIVERED,
    MESSAGE_FAILED,
    MESSAGE_BLOCKED,
    MESSAGE_APPROVAL_REQUESTED,
    MESSAGE_INBOUND,
)
