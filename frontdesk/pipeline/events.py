"""The event types this app emits (``event_emit(type=...)``), with their payloads."""

# {id, number, title, customer_id, source, stage, status, owner_id, estimated_value}
LEAD_CREATED = "lead.created"
# the lead payload + from_stage, to_stage (keys) and from_stage_id, to_stage_id
LEAD_STAGE_CHANGED = "lead.stage_changed"
LEAD_CONVERTED = "lead.converted"  # the lead payload + opportunity_id
LEAD_DISQUALIFIED = "lead.disqualified"  # the lead payload + reason, note
# {id, number, name, customer_id, lead_id, amount, stage, owner_id}
OPPORTUNITY_WON = "opportunity.won"
OPPORTUNITY_LOST = "opportunity.lost"  # the opportunity payload + reason, reengage_on
# {id, type, direction, occurred_at, customer_id, lead_id, opportunity_id, staff_id,
#  outcome, follow_up_date, scheduled}
INTERACTION_LOGGED = "interaction.logged"

EVENT_TYPES = (
    LEAD_CREATED,
    LEAD_STAGE_CHANGED,
    LEAD_CONVERTED,
    LEAD_DISQUALIFIED,
    OPPORTUNITY_WON,
    OPPORTUNITY_LOST,
    INTERACTION_LOGGED,
)
