from importlib import import_module

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "frontdesk.integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from frontdesk.jobs.services import register_global_schedule

        # importing these registers the outbox handler and the demo step
        import_module("frontdesk.integrations.webhooks.handlers")
        import_module("frontdesk.integrations.webhooks.demo")
        register_global_schedule(
            "frontdesk: webhook retries",
            "frontdesk.integrations.webhooks.tasks.webhook_deliveries_sweep",
            minutes=1,
        )
