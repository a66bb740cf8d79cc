from django.apps import AppConfig


class MembershipsConfig(AppConfig):
    name = "frontdesk.memberships"
    label = "memberships"
    verbose_name = "Memberships and plans"

    def ready(self) -> None:
        # imported here: they need the models loaded
        from frontdesk.core.navigation import NavEntry, register_nav  # noqa: PLC0415
        from frontdesk.jobs.services import register_org_schedule  # noqa: PLC0415
        from frontdesk.memberships import demo, overview  # noqa: F401, PLC0415
        from frontdesk.memberships.selectors import membership_terms_for  # noqa: PLC0415
        from frontdesk.money.pricing import register_terms_provider  # noqa: PLC0415

        overview.register()
        register_terms_provider(membership_terms_for)
        register_org_schedule(
            "memberships: expiry and reminders",
            "frontdesk.memberships.tasks.memberships_daily",
            frequency="daily",
            at="06:00",
        )
        register_nav(NavEntry("Membership plans", "memberships:plans", "customers.view", "Money"))
