from django.db import models


class EntryKind(models.TextChoices):
    EARN = "earn", "Earned on a paid invoice"
    ADD = "add", "Added by staff"
    REDEEM = "redeem", "Redeemed"
    REVERSE = "reverse", "Reversed by a credit note or refund"
    EXPIRE = "expire", "Expired"


POSITIVE_KINDS = (EntryKind.EARN, EntryKind.ADD)
NEGATIVE_KINDS = (EntryKind.REDEEM, EntryKind.REVERSE, EntryKind.EXPIRE)


class Tier(models.TextChoices):
    BRONZE = "bronze", "Bronze"
    SILVER = "silver", "Silver"
    GOLD = "gold", "Gold"
    PLATINUM = "platinum", "Platinum"
