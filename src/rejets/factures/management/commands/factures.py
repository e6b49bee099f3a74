from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from rejets.core.commandes import CommandeGroupe, Verbe
from rejets.factures.echange import exporter_factures, importer_factures
from rejets.factures.models import Facture
from rejets.formats import echange as fmt


def _args_import(p: CommandParser) -> None:
    p.add_argument("fichiers", nargs="+", metavar="FICHIER", help="fichiers .json ou .jsonl")
    p.add_argument("--cabinet", required=True, help="code du cabinet qui reçoit les factures")


def _args_export(p: CommandParser) -> None:
    p.add_argument("--cabinet", required=True, help="code du cabinet")
    p.add_argument("--sortie", help="fichier à écrire (par défaut : la sortie standard)")
    p.add_argument("--jsonl", action="store_true", help="une facture par ligne (JSON Lines)")
    p.add_argument("--etat", action="append", help="n'exporter que les factures à cet état")


class Command(CommandeGroupe):
    help = "Factures : import et export au format d'échange."
    verbes = {
        "import": Verbe(
            "Importer des factures dans l'état qu'elles ont dans le logiciel de facturation.",
            _args_import,
        ),
        "export": Verbe("Exporter les factures d'un cabinet.", _args_export, ecrit=False),
    }

    def verbe_import(self, **o: Any) -> None:
        cabinet = self.cabinet(o["cabinet"])
        utilisateur = self.acteur(o["utilisateur"])
        resumes, refus_total, erreurs = [], 0, []
        for chemin in o["fichiers"]:
            fichier = Path(chemin)
            try:
                with fichier.open("rb") as flux:
                    rapport = importer_factures(
                        flux=flux,
                        nom_fichier=fichier.name,
                        cabinet=cabinet,
                        utilisateur=utilisateur,
                    )
            except (fmt.FichierEchangeInvalide, OSError) as exc:
                erreurs.append(str(exc))
                continue
            refus_total += len(rapport.refus)
            resumes.append({"fichier": fichier.name, **rapport.resume()})
            if not o["json"]:
                for refus in rapport.refus:
                    self.stderr.write(f"Refusé : {refus}")
                self.stdout.write(
                    f"{fichier.name} : {rapport.lus} lue(s), {len(rapport.importees)} "
                    f"importée(s), {len(rapport.deja_importees)} déjà importée(s), "
                    f"{len(rapport.refus)} refusée(s)."
                )
        if o["json"]:
            self.sortie_json({"fichiers": resumes, "fichiers_refuses": erreurs})
        for e in erreurs:
            self.stderr.write(f"Fichier refusé : {e}")
        if erreurs or refus_total:
            raise CommandError(
                f"{refus_total} enregistrement(s) et {len(erreurs)} fichier(s) refusé(s)."
            )

    def verbe_export(self, **o: Any) -> None:
        factures = Facture.objects.filter(cabinet=self.cabinet(o["cabinet"])).order_by("pk")
        if o["etat"]:
            factures = factures.filter(etat__in=o["etat"])
        ecrire = fmt.ecrire_factures_jsonl if o["jsonl"] else fmt.ecrire_factures_json
        if o["sortie"]:
            with open(o["sortie"], "w", encoding="utf-8") as flux:
                n = ecrire(exporter_factures(factures), flux)
            self.stderr.write(f"{n} facture(s) exportée(s) dans {o['sortie']}.")
        else:
            ecrire(exporter_factures(factures), self.stdout._out)  # type: ignore[arg-type]
