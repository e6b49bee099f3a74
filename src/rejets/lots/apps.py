from django.apps import AppConfig


class LotsConfig(AppConfig):
    name = "rejets.lots"
    verbose_name = "Lots"
