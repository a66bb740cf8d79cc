"""Demo data: one example endpoint, turned off (nothing listens at the example URL)."""

from frontdesk.core.demo import DemoContext, demo_step
from frontdesk.integrations.webhooks.services import webhook_create


@demo_step
def webhooks_demo(ctx: DemoContext) -> None:
    endpoint, _ = webhook_create(
        org=ctx.org,
        actor=ctx.actor,
        url="https://hooks.example.com/frontdesk",
        description="Example: new customers and bookings to our other system (turned off)",
        events=["customer.created", "appointment.booked"],
        active=False,
    )
    ctx.data["webhook_endpoint"] = endpoint
