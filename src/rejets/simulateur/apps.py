from django.apps import AppConfig


class SimulateurConfig(AppConfig):
    name = "rejets.simulateur"
    verbose_name = "Simulateur de caisses et de mutuelles"
