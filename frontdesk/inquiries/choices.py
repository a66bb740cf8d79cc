from django.db import models


class InquiryStatus(models.TextChoices):
    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    REPLIED = "replied", "Replied"
    CONVERTED = "converted", "Converted"
    LOST = "lost", "Lost"


OPEN_STATUSES = (InquiryStatus.NEW, InquiryStatus.ASSIGNED, InquiryStatus.REPLIED)


class Resolution(models.TextChoices):
    CONVERTED = "converted", "Converted"
    LOST = "lost", "Lost"
