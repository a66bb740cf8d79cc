from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "frontdesk.customers"
    label = "customers"
    verbose_name = "Customers, companies and vehicles"

    def ready(self) -> None:
        # registers the @demo_step (Django's app-loading idiom: models are ready only now)
        from frontdesk.core.navigation import NavEntry, register_nav
        from frontdesk.customers import demo  # noqa: F401

        register_nav(
            NavEntry("Duplicates", "customers:duplicates", "customers.view", "Customers"),
            before="Companies",
        )
