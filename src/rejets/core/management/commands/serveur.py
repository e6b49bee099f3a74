from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from rejets.core.demo import IDENTIFIANT_DEMO, MOT_DE_PASSE_DEMO


class Command(BaseCommand):
    help = "Démarrer le serveur local (waitress) du profil embarqué."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--adresse", default=getattr(settings, "REJETS_ADRESSE", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=getattr(settings, "REJETS_PORT", 8000))

    def handle(self, *args: Any, **o: Any) -> None:
        from waitress import serve

        from rejets.wsgi import application

        self.stdout.write(
            self.style.SUCCESS(f"Rejets est servi sur http://{o['adresse']}:{o['port']}/")
        )
        self.stdout.write(
            f"Connexion de démonstration : identifiant « {IDENTIFIANT_DEMO} », "
            f"mot de passe « {MOT_DE_PASSE_DEMO} ». Arrêt : Ctrl+C."
        )
        self.stdout.flush()
        serve(application, host=o["adresse"], port=o["port"], threads=8, ident="rejets")
