"""The event types this app emits (``event_emit(type=...)``), with their payloads."""

# {id, customer_id, plan_id, plan_name, kind, starts_on, expires_on, previous_id}
MEMBERSHIP_ASSIGNED = "membership.assigned"
# {id, customer_id, plan_id, plan_name, expires_on}
MEMBERSHIP_EXPIRED = "membership.expired"
# {id, customer_id, plan_id, plan_name, reason}
MEMBERSHIP_CANCELLED = "membership.cancelled"

EVENT_TYPES = (MEMBERSHIP_ASSIGNED, MEMBERSHIP_EXPIRED, MEMBERSHIP_CANCELLED)
