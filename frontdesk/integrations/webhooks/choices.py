from django.db import models


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting for its first attempt
    FAILED = "failed", "Failed, will retry"  # the last attempt failed; next one at next_attempt_at
    SUCCEEDED = "succeeded", "Succeeded"
    GAVE_UP = "gave_up", "Gave up"  # every attempt failed, or the endpoint was turned off


FINAL_STATUSES = (DeliveryStatus.SUCCEEDED, DeliveryStatus.GAVE_UP)


class DeliveryTrigger(models.TextChoices):
    EVENT = "event", "Event"  # an outbox event the endpoint subscribes to
    REPLAY = "replay", "Replay"  # a person sent an earlier delivery again
    TEST = "test", "Test"  # a webhook.test ping (one attempt, no retries)
