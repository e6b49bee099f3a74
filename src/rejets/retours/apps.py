from django.apps import AppConfig


class RetoursConfig(AppConfig):
    name = "rejets.retours"
    verbose_name = "Retours (ARL, NOEMIE, tableurs)"
