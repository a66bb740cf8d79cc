from django.apps import AppConfig


class MoneyConfig(AppConfig):
    name = "frontdesk.money"
    label = "money"
    verbose_name = "Catalog, invoices, payments and the ledger"
