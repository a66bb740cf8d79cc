from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.test.signals import setting_changed
from django.utils.module_loading import autodiscover_modules

from frontdesk.core.navigation import clear_url_cache
from frontdesk.core.sqlite import seed_after_migrate


class CoreConfig(AppConfig):
    name = "frontdesk.core"
    label = "core"
    verbose_name = "Frontdesk core"

    def ready(self) -> None:
        setting_changed.connect(clear_url_cache, dispatch_uid="frontdesk-nav-urls")
        # each app's dashboard.py registers the dashboard sections it provides (like admin.py)
        autodiscover_modules("dashboard")
        post_migrate.connect(seed_after_migrate, sender=self, dispatch_uid="sqlite-stats")
        from frontdesk.jobs.services import register_global_schedule

        register_global_schedule(
            "frontdesk: forget old idempotency keys",
            "frontdesk.core.tasks.idempotency_records_prune",
            minutes=60,
        )
        # each app's demo.py adds its part of the demo business (``@demo_step``)
        autodiscover_modules("demo")
