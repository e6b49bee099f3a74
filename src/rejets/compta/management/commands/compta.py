from typing import Any

from django.core.management.base import CommandError, CommandParser

from rejets.cabinets.models import Cabinet
from rejets.compta.verification import verifier
from rejets.core.commandes import CommandeGroupe, Verbe


def _args_verifier(p: CommandParser) -> None:
    p.add_argument("--cabinet", help="code du cabinet (par défaut : tous)")


class Command(CommandeGroupe):
    help = "Comptabilité des factures."
    verbes = {
        "verifier": Verbe(
            "Revérifier tout le livre : journaux équilibrés, facturé = payé + perdu + reste dû, "
            "états cohérents avec les écritures.",
            _args_verifier,
            ecrit=False,
        ),
    }

    def verbe_verifier(self, **o: Any) -> None:
        cabinets = [self.cabinet(o["cabinet"])] if o["cabinet"] else list(Cabinet.objects.all())
        anomalies = verifier(cabinets)
        if o["json"]:
            self.sortie_json(
                {"cabinets": len(cabinets), "anomalies": [a.__dict__ for a in anomalies]}
            )
        else:
            for a in anomalies:
                self.stdout.write(str(a))
            if not anomalies:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Livre vérifié : aucune anomalie ({len(cabinets)} cabinet(s))."
                    )
                )
        if anomalies:
            raise CommandError(f"{len(anomalies)} anomalie(s) dans le livre.")
