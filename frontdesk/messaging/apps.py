from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "frontdesk.messaging"
    label = "messaging"
    verbose_name = "Messages, channels and notifications"

    def ready(self) -> None:
        from frontdesk.core.navigation import NavEntry, register_nav
        from frontdesk.customers.merge import register_relation
        from frontdesk.customers.overview import register_section
        from frontdesk.jobs.services import register_global_schedule, register_org_schedule
        from frontdesk.messaging import handlers  # noqa: F401 - registers event handlers
        from frontdesk.messaging.models import InboundMessage, Message, Suppression
        from frontdesk.messaging.overview import messages_for_overview

        register_global_schedule(
            "frontdesk: due messages", "frontdesk.messaging.tasks.messages_sweep", minutes=1
        )
        register_org_schedule(
            "messaging: notification digest",
            "frontdesk.messaging.tasks.notification_digest",
            frequency="daily",
            at="07:00",
        )
        register_relation(Message, "customer", name="messages")
        register_relation(InboundMessage, "customer", name="inbound_messages")
        register_relation(Suppression, "customer", name="suppressions")
        register_section("messages", messages_for_overview, permission="messages.view")
        register_nav(
            NavEntry("Approval queue", "messaging:approvals", "messages.review", "Messages")
        )
        register_nav(NavEntry("Compose", "messaging:compose", "messages.draft", "Messages"))
        register_nav(NavEntry("SMS replies", "messaging:inbound", "messages.view", "Messages"))
        register_nav(NavEntry("Templates", "messaging:templates", "messages.view", "Messages"))
        register_nav(
            NavEntry("Notifications", "messaging:notifications", "notifications.view", "Messages")
        )
        register_nav(
            NavEntry("Messaging", "messaging:settings", "messaging.settings", "Settings"),
            before="Webhooks",
        )
