from django.db import models


class ChangeKind(models.TextChoices):
    NEW = "new", "New"
    RENEWAL = "renewal", "Renewal"
    UPGRADE = "upgrade", "Upgrade"
    DOWNGRADE = "downgrade", "Downgrade"


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    REPLACED = "replaced", "Replaced by a later assignment"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"
