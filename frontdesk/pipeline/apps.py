from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "frontdesk.pipeline"
    label = "pipeline"
    verbose_name = "Leads, opportunities and interactions"

    def ready(self) -> None:
        # imported here: they need the models loaded
        from frontdesk.core.navigation import NavEntry, register_nav  # noqa: PLC0415
        from frontdesk.jobs.services import register_org_schedule  # noqa: PLC0415
        from frontdesk.pipeline import handlers, overview  # noqa: F401, PLC0415

        overview.register()

        register_org_schedule(
            "pipeline: daily nudges",
            "frontdesk.pipeline.tasks.pipeline_daily_nudges",
            frequency="daily",
            at="07:00",
        )
        register_org_schedule(
            "pipeline: weekly summary",
            "frontdesk.pipeline.tasks.pipeline_weekly_summary",
            frequency="weekly",
            weekday=0,
            at="07:00",
        )
        register_org_schedule(
            "pipeline: monthly win/loss",
            "frontdesk.pipeline.tasks.pipeline_monthly_win_loss",
            frequency="monthly",
            day=1,
            at="07:00",
        )
        register_nav(
            NavEntry("Follow-ups", "pipeline:followups", "interactions.view", "Customers"),
            before="Inquiries",
        )
