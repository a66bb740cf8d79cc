from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "frontdesk.telephony"
    label = "telephony"
    verbose_name = "Calls and missed-call recovery"

    def ready(self) -> None:
        from frontdesk.customers.merge import register_relation
        from frontdesk.customers.overview import register_section
        from frontdesk.jobs.services import register_global_schedule
        from frontdesk.telephony import demo  # noqa: F401 - registers the demo step
        from frontdesk.telephony.models import Call
        from frontdesk.telephony.overview import calls_for_overview

        register_relation(Call, "customer", name="calls")
        register_section("calls", calls_for_overview, permission="interactions.view")
        register_global_schedule(
            "frontdesk: missed-call alerts",
            "frontdesk.telephony.tasks.missed_calls_overdue_tick",
            minutes=1,
        )
