"""Writes of the scheduling domain. Import services from here:
``from frontdesk.scheduling.services import appointment_book``."""

from frontdesk.scheduling.services.appointments import (
    appointment_book,
    appointment_convert_to_job,
    appointment_transition,
    appointment_update,
    find_conflict,
    recommendation_book,
)
from frontdesk.scheduling.services.jobs import (
    job_create,
    job_line_add,
    job_line_remove,
    job_line_update,
    job_update,
    recommendation_create,
    recommendation_decide,
    recommendation_update,
)
from frontdesk.scheduling.services.public import appointment_request
from frontdesk.scheduling.services.reminders import appointment_reminders_queue
from frontdesk.scheduling.services.resources import (
    bay_create,
    bay_update,
    closure_create,
    closure_delete,
    closure_update,
    scheduling_settings_update,
)

__all__ = [
    "appointment_book",
    "appointment_convert_to_job",
    "appointment_reminders_queue",
    "appointment_request",
    "appointment_transition",
    "appointment_update",
    "bay_create",
    "bay_update",
    "closure_create",
    "closure_delete",
    "closure_update",
    "find_conflict",
    "job_create",
    "job_line_add",
    "job_line_remove",
    "job_line_update",
    "job_update",
    "recommendation_book",
    "recommendation_create",
    "recommendation_decide",
    "recommendation_update",
    "scheduling_settings_update",
]
