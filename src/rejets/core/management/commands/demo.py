from typing import Any

from django.core.management.base import BaseCommand

from rejets.core.demo import charger_demo


class Command(BaseCommand):
    help = "Charger le cabinet de démonstration (sans effet s'il existe déjà)."

    def handle(self, *args: Any, **o: Any) -> None:
        cree = charger_demo()
        self.stdout.write(
            "Cabinet de démonstration chargé." if cree else "Cabinet de démonstration déjà présent."
        )
