from django.apps import AppConfig


class TransmissionConfig(AppConfig):
    name = "rejets.transmission"
    verbose_name = "Transmission"
