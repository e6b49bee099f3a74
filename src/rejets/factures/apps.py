from django.apps import AppConfig


class FacturesConfig(AppConfig):
    name = "rejets.factures"
    verbose_name = "Factures"
