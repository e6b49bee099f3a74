from django.apps import AppConfig


class ComptesConfig(AppConfig):
    name = "rejets.comptes"
    verbose_name = "Comptes et accès"

    def ready(self) -> None:
        from . import audit

        audit.enregistrer_modeles_suivis()
