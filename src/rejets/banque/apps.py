from django.apps import AppConfig


class BanqueConfig(AppConfig):
    name = "rejets.banque"
    verbose_name = "Banque : relevés et rapprochement des virements"
