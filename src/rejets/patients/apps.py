from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "rejets.patients"
    verbose_name = "Patients"
