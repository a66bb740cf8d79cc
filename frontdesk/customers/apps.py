from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "frontdesk.customers"
    label = "customers"
    verbose_name = "Customers, companies and vehicles"

    def ready(self) -> None:
        # registers the @demo_step (Django's app-loading idiom: models are ready only now)
        from frontdesk.core.navigation import NavEntry, register_nav
        from frontdesk.customers import (
            demo,  # noqa: F401
            handlers,  # noqa: F401 - registers event handlers
        )
        from frontdesk.jobs.services import register_org_schedule

        register_org_schedule(
            "customers: segments",
            "frontdesk.customers.tasks.customer_segments_refresh_job",
            frequency="daily",
            at="02:30",
        )

        register_nav(
            NavEntry("Duplicates", "customers:duplicates", "customers.view", "Customers"),
            before="Companies",
        )
