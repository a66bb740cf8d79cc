from django.apps import AppConfig


class MoneyConfig(AppConfig):
    name = "frontdesk.money"
    label = "money"
    verbose_name = "Catalog, invoices, payments and the ledger"

    def ready(self) -> None:
        # imported here: both need the models loaded
        from frontdesk.core.navigation import NavEntry, register_nav  # noqa: PLC0415
        from frontdesk.money import demo, overview  # noqa: F401, PLC0415

        overview.register()
        register_nav(
            NavEntry("Receivables", "billing:receivables", "billing.view", "Money"),
            before="Memberships",
        )
        register_nav(
            NavEntry("Quotes", "billing:quotes", "billing.view", "Money"), before="Invoices"
        )
