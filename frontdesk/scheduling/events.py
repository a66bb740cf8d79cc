"""The event types this app emits (``event_emit(type=...)``), with their payloads."""

# {id, number, customer_id, vehicle_id, bay_id, advisor_id, starts_at, ends_at, status, source}
APPOINTMENT_BOOKED = "appointment.booked"
APPOINTMENT_CONFIRMED = "appointment.confirmed"  # same payload
APPOINTMENT_RESCHEDULED = (
    "appointment.rescheduled"  # same payload + previous {starts_at, ends_at, bay_id, advisor_id}
)
APPOINTMENT_COMPLETED = "appointment.completed"  # same payload (+ job_id when converted)
APPOINTMENT_CANCELLED = "appointment.cancelled"  # same payload + reason
APPOINTMENT_NO_SHOW = "appointment.no_show"  # same payload
# {id, number, customer_id, starts_at, lead_hours}: messaging turns it into the reminder
APPOINTMENT_REMINDER_DUE = "appointment.reminder_due"
JOB_CREATED = "job.created"  # {id, number, customer_id, vehicle_id, appointment_id}
JOB_COMPLETED = "job.completed"  # {id, number, customer_id, vehicle_id, total}

EVENT_TYPES = (
    APPOINTMENT_BOOKED,
    APPOINTMENT_CONFIRMED,
    APPOINTMENT_RESCHEDULED,
    APPOINTMENT_COMPLETED,
    APPOINTMENT_CANCELLED,
    APPOINTMENT_NO_SHOW,
    APPOINTMENT_REMINDER_DUE,
    JOB_CREATED,
    JOB_COMPLETED,
)
