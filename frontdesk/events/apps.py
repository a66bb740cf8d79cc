from importlib import import_module

from django.apps import AppConfig
from django.conf import settings


class EventsConfig(AppConfig):
    name = "frontdesk.events"
    label = "events"
    verbose_name = "Event outbox"

    def ready(self) -> None:
        # Apps register their handlers in their own ready(); a deployment may add modules
        # of its own (FRONTDESK_EVENT_HANDLER_MODULES) whose import registers handlers.
        for module in getattr(settings, "EVENT_HANDLER_MODULES", []):
            import_module(module)
