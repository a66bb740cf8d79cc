from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "frontdesk.scheduling"
    label = "scheduling"
    verbose_name = "Appointments, calendar and jobs"

    def ready(self) -> None:
        # imported here: both need the models loaded
        from frontdesk.core.navigation import NavEntry, register_nav  # noqa: PLC0415
        from frontdesk.jobs.services import register_global_schedule  # noqa: PLC0415
        from frontdesk.scheduling import demo, overview  # noqa: F401, PLC0415

        overview.register()
        register_nav(
            NavEntry("Declined work", "scheduling:declined_work", "appointments.view", "Schedule")
        )
        register_nav(
            NavEntry("Bays and closures", "scheduling:resources", "appointments.view", "Settings")
        )
        register_global_schedule(
            "frontdesk: appointment reminders",
            "frontdesk.scheduling.tasks.appointment_reminders_tick",
            minutes=1,
        )
