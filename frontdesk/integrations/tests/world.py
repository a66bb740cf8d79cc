"""One of each webhook record in an organization, for the cross-tenant crawler: an
endpoint, a delivery of an event to it, and a replay of that delivery."""

import uuid

from django.utils import timezone

from frontdesk.core.testing import world_builder
from frontdesk.integrations.tests.factories import make_endpoint
from frontdesk.integrations.webhooks.choices import DeliveryStatus, DeliveryTrigger
from frontdesk.integrations.webhooks.models import WebhookDelivery


@world_builder
def webhooks_world(org, members):
    endpoint, _ = make_endpoint(
        org, f"https://hooks.{org.slug}.example/frontdesk", events=["customer.*"]
    )
    delivery = WebhookDelivery.objects.create(
        organization=org,
        endpoint=endpoint,
        event_id=uuid.uuid4(),
        event_type="customer.created",
        body=f'{{"type":"customer.created","data":{{"org":"{org.slug}-world"}}}}',
        status=DeliveryStatus.SUCCEEDED,
        attempts=1,
        succeeded_at=timezone.now(),
        response_status=200,
        response_body=f"received by {org.slug} world",
    )
    replay = WebhookDelivery.objects.create(
        organization=org,
        endpoint=endpoint,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        body=delivery.body,
        trigger=DeliveryTrigger.REPLAY,
        replay_of=delivery,
        status=DeliveryStatus.SUCCEEDED,
        attempts=1,
    )
    return [endpoint, delivery, replay]
