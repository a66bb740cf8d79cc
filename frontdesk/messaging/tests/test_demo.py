"""The demo business has messages in each state, templates and notifications."""

from frontdesk.core.demo import demo_create
from frontdesk.core.tenancy import tenant_scope
from frontdesk.messaging.models import InboundMessage, Message, MessageTemplate, Notification
from frontdesk.organizations.models import Organization


def test_the_demo_has_messages_in_each_state(db, settings, tmp_path, time_machine):
    # mid-morning in the demo's time zone: which messages quiet hours defer depends on it
    time_machine.move_to("2026-11-18T16:00:00+00:00", tick=True)
    settings.DATA_DIR = tmp_path
    demo_create(slug="demo-messaging")
    org = Organization.objects.get(slug="demo-messaging")
    with tenant_scope(org):
        statuses = set(Message.objects.values_list("status", flat=True))
        assert {
            "pending_approval",
            "delivered",
            "blocked",
            "rejected",
            "failed",
            "queued",
        } <= statuses
        assert set(Message.objects.values_list("origin", flat=True)) >= {
            "staff", "automation", "assistant", "campaign"
        }  # fmt: skip
        assert MessageTemplate.objects.count() == 3
        assert InboundMessage.objects.filter(keyword="stop").exists()
        assert Notification.objects.exists()
