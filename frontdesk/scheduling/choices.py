"""The closed vocabularies of appointments, jobs and recommendations (SPEC 4.4)."""

from django.db import models


class BayKind(models.TextChoices):
    BAY = "bay", "Bay"
    LIFT = "lift", "Lift"
    CHAIR = "chair", "Chair"
    ROOM = "room", "Room"


class AppointmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CONFIRMED = "confirmed", "Confirmed"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# Appointments in these states hold their bay and advisor (no double booking).
ACTIVE_STATUSES = (AppointmentStatus.DRAFT, AppointmentStatus.CONFIRMED)


class AppointmentSource(models.TextChoices):
    STAFF = "staff", "Staff"
    ONLINE = "online", "Online booking"


class JobStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    INVOICED = "invoiced", "Invoiced"
    CANCELLED = "cancelled", "Cancelled"


OPEN_JOB_STATUSES = (JobStatus.OPEN, JobStatus.IN_PROGRESS)


class JobLineKind(models.TextChoices):
    SERVICE = "service", "Service"
    PART = "part", "Part"


class Urgency(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    SAFETY = "safety", "Safety"


class RecommendationStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONTACTED = "contacted", "Contacted"
    SCHEDULED = "scheduled", "Scheduled"
    DONE = "done", "Done"
    DISMISSED = "dismissed", "Dismissed"


# Declined work still to chase (the upsell pipeline).
PENDING_FOLLOW_UPS = (FollowUpStatus.OPEN, FollowUpStatus.CONTACTED)
