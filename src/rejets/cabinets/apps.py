from django.apps import AppConfig


class CabinetsConfig(AppConfig):
    name = "rejets.cabinets"
    verbose_name = "Cabinets"
