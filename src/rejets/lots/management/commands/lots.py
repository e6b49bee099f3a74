from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser

from rejets.cabinets.models import Cabinet
from rejets.cabinets.selectors import cabinets_visibles, peut_ecrire
from rejets.core import horloge
from rejets.core.commandes import CommandeGroupe, Verbe
from rejets.domain.money import format_euros
from rejets.transmission import lots
from rejets.transmission.selectors import files_de_transmission


def _args_lots(p: CommandParser) -> None:
    p.add_argument("--cabinet", required=True, help="code du cabinet")
    p.add_argument("--le", type=date.fromisoformat, help="date (AAAA-MM-JJ ; défaut : ce jour)")


def _args_files(p: CommandParser) -> None:
    p.add_argument("--cabinet", required=True, help="code du cabinet")
    p.add_argument("--utilisateur", help="ne montrer que si cet utilisateur voit le cabinet")


class Command(CommandeGroupe):
    help = "Lots : construire et envoyer les lots de factures et de pièces (SCOR)."
    verbes = {
        "construire": Verbe(
            "Mettre les factures sécurisées en lots, un par organisme destinataire.", _args_lots
        ),
        "envoyer": Verbe(
            "Envoyer les lots construits par l'adaptateur de transmission.", _args_lots
        ),
        "files": Verbe(
            "Les cinq files du poste de télétransmission (--utilisateur : vos cabinets).",
            _args_files,
            ecrit=False,
        ),
    }

    def _cabinet_ecrit(self, o: dict[str, Any]) -> Cabinet:
        cabinet = self.cabinet(o["cabinet"])
        if o["utilisateur"] and not peut_ecrire(self.acteur(o["utilisateur"]), cabinet):
            raise CommandError(f"Cabinet « {cabinet.code} » introuvable ou en lecture seule.")
        return cabinet

    def verbe_construire(self, **o: Any) -> None:
        cabinet = self._cabinet_ecrit(o)
        rapport = lots.construire_lots(
            cabinet=cabinet,
            utilisateur=self.acteur(o["utilisateur"]),
            le=o["le"] or horloge.aujourd_hui(),
        )
        if o["json"]:
            self.sortie_json(rapport.resume())
            return
        for lot in rapport.lots:
            partie = lot.type_partie.upper()
            self.stdout.write(f"Lot {partie} n° {lot.numero} pour {lot.organisme} : {lot.fichier}")
        for lot_scor in rapport.lots_scor:
            self.stdout.write(f"Lot de pièces SCOR n° {lot_scor.numero} : {lot_scor.dossier}")
        if not rapport.lots and not rapport.lots_scor:
            self.stdout.write("Rien à mettre en lot.")
        for message in rapport.avertissements:
            self.stdout.write(f"Attention : {message}")
        for message in rapport.refus:
            self.stderr.write(f"Non mise en lot : {message}")

    def verbe_envoyer(self, **o: Any) -> None:
        cabinet = self._cabinet_ecrit(o)
        try:
            rapport = lots.envoyer_lots(
                cabinet=cabinet,
                utilisateur=self.acteur(o["utilisateur"]),
                le=o["le"] or horloge.aujourd_hui(),
            )
        except lots.LotImpossible as exc:
            raise CommandError(str(exc)) from exc
        if o["json"]:
            self.sortie_json(rapport.resume())
            return
        if not rapport.lots and not rapport.lots_scor:
            self.stdout.write(
                "Aucun lot à envoyer : construisez-les d'abord (rejets lots construire)."
            )
            return
        self.stdout.write(
            f"{len(rapport.lots)} lot(s) envoyé(s) ({rapport.factures} partie(s) transmise(s)), "
            f"{len(rapport.lots_scor)} lot(s) de pièces SCOR."
        )

    def verbe_files(self, **o: Any) -> None:
        visibles = (
            cabinets_visibles(self.acteur(o["utilisateur"]))
            if o["utilisateur"]
            else Cabinet.objects.all()
        )
        try:
            cabinet = visibles.get(code=o["cabinet"])
        except Cabinet.DoesNotExist as exc:
            raise CommandError(f"Cabinet inconnu : « {o['cabinet']} ».") from exc
        files = files_de_transmission(cabinet, parmi=visibles)
        donnees = {
            "fse_a_securiser": [a.facture.numero for a in files.fse_a_securiser],
            "dre_a_securiser": [a.facture.numero for a in files.dre_a_securiser],
            "fse_a_transmettre": [t.partie.facture.numero for t in files.fse_a_transmettre],
            "dre_a_transmettre": [t.partie.facture.numero for t in files.dre_a_transmettre],
            "fichiers_a_transmettre": {
                "lots": [lot.numero for lot in files.lots_a_envoyer],
                "lots_scor": [lot.numero for lot in files.lots_scor_a_envoyer],
                "pieces": [
                    {
                        "facture": p.facture.numero,
                        "complet": p.pieces.complet,
                        "manquantes": list(p.pieces.manquantes),
                    }
                    for p in files.pieces
                ],
            },
        }
        if o["json"]:
            self.sortie_json(donnees)
            return
        total_fse = sum(a.facture.part_amo for a in files.fse_a_securiser)
        self.stdout.write(f"Cabinet « {cabinet.nom} »")
        self.stdout.write(
            f"  FSE à sécuriser : {len(files.fse_a_securiser)} ({format_euros(total_fse)})"
        )
        self.stdout.write(f"  DRE à sécuriser : {len(files.dre_a_securiser)}")
        self.stdout.write(f"  FSE à transmettre : {len(files.fse_a_transmettre)}")
        self.stdout.write(f"  DRE à transmettre : {len(files.dre_a_transmettre)}")
        self.stdout.write(
            f"  Fichiers à transmettre : {len(files.lots_a_envoyer)} lot(s), "
            f"{len(files.lots_scor_a_envoyer)} lot(s) SCOR"
        )
        for p in files.pieces:
            carre = "■ vert (complet)" if p.pieces.complet else "■ rouge (incomplet)"
            suite = (
                ""
                if p.pieces.complet
                else f" — manque {', '.join(p.pieces.manquantes)} : copie papier à imprimer "
                f"(rejets factures copie-papier {p.facture.numero} --cabinet {cabinet.code} "
                "--sortie copie.pdf)"
            )
            self.stdout.write(f"    facture {p.facture.numero} (mode dégradé) : {carre}{suite}")
