from django.apps import AppConfig


class ComptaConfig(AppConfig):
    name = "rejets.compta"
    verbose_name = "Comptabilité"
