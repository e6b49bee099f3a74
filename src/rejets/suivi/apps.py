from django.apps import AppConfig


class SuiviConfig(AppConfig):
    name = "rejets.suivi"
    verbose_name = "Suivi : échéances, à traiter, relances, audit"
