import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rejets.core.demo import GRAINE_PAR_DEFAUT, VOLUME_PAR_DEFAUT, charger_demo


class Command(BaseCommand):
    help = (
        "Charger la démonstration : trois cabinets infirmiers et leur facturière, une année de "
        "factures passée par le simulateur de caisses (sans effet si elle existe déjà)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--volume",
            type=int,
            default=VOLUME_PAR_DEFAUT,
            help=f"nombre de factures visé sur l'année (défaut : {VOLUME_PAR_DEFAUT})",
        )
        parser.add_argument(
            "--graine",
            "--seed",
            type=int,
            default=GRAINE_PAR_DEFAUT,
            help="graine du hasard : même graine, même démonstration",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        debut = time.perf_counter()
        rapport = charger_demo(
            graine=o["graine"],
            volume=o["volume"],
            progression=lambda message: self.stdout.write(message),
        )
        if rapport is None:
            self.stdout.write("Démonstration déjà chargée.")
            return
        self.stdout.write(
            f"Démonstration chargée en {time.perf_counter() - debut:.0f} s : {rapport.resume()}\n"
            "Connexion : « demo » (la facturière des trois cabinets), ou « claire », « hugo », "
            "« sophie », « karim » (les infirmiers, chacun son cabinet) ; mot de passe "
            "« demo-rejets »."
        )
