from django.db import models


class CallDirection(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class CallStatus(models.TextChoices):
    COMPLETED = "completed", "Completed"
    MISSED = "missed", "Missed"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    VOICEMAIL = "voicemail", "Voicemail"


# the statuses that put an inbound call in the recovery queue
MISSED_STATUSES = (CallStatus.MISSED, CallStatus.NO_ANSWER, CallStatus.VOICEMAIL)


class HandledHow(models.TextChoices):
    NONE = "", "—"
    SMS = "sms", "Follow-up SMS"
    MARKED = "marked", "Marked handled"
