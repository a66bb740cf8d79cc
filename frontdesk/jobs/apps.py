from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "frontdesk.jobs"
    label = "jobs"
    verbose_name = "Jobs and schedules"
