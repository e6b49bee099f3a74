from django.apps import AppConfig


class RecyclageConfig(AppConfig):
    name = "rejets.recyclage"
    verbose_name = "Rejets et recyclage"
