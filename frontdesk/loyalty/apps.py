from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "frontdesk.loyalty"
    label = "loyalty"
    verbose_name = "Loyalty points and rewards"

    def ready(self) -> None:
        # imported here: they need the models loaded
        from frontdesk.core.navigation import NavEntry, register_nav  # noqa: PLC0415
        from frontdesk.jobs.services import register_org_schedule  # noqa: PLC0415
        from frontdesk.loyalty import demo, handlers, overview  # noqa: F401, PLC0415

        overview.register()
        register_org_schedule(
            "loyalty: expire points",
            "frontdesk.loyalty.tasks.loyalty_expire",
            frequency="daily",
            at="02:00",
        )
        register_nav(NavEntry("Loyalty rewards", "loyalty:rewards", "customers.view", "Money"))
