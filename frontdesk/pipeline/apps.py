from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "frontdesk.pipeline"
    label = "pipeline"
    verbose_name = "Leads, opportunities and interactions"
