from django.apps import AppConfig


class ReferentielsConfig(AppConfig):
    name = "rejets.referentiels"
    verbose_name = "Référentiels"
