from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from rejets.cabinets.models import Cabinet
from rejets.cabinets.selectors import cabinets_ou_ecrire, cabinets_visibles
from rejets.core import horloge
from rejets.core.commandes import CommandeGroupe, Verbe
from rejets.domain.money import format_euros
from rejets.factures.models import Facture
from rejets.factures.services import OperationRefusee
from rejets.retours import services
from rejets.retours.importation import RapportRetour, importer_retour
from rejets.retours.lecture import CHAMPS_CSV, CHAMPS_CSV_OBLIGATOIRES
from rejets.retours.models import LigneRetour, PaiementEnAttente, ProfilCsv
from rejets.retours.selectors import attentes_visibles, lignes_a_traiter
from rejets.transmission.lots import collecter


def _args_import(p: CommandParser) -> None:
    p.add_argument("fichiers", nargs="+", metavar="FICHIER", help="fichiers de retour ou CSV")
    p.add_argument("--profil", help="profil de colonnes pour un fichier CSV (tableur)")
    p.add_argument(
        "--par-ligne",
        action="store_true",
        help="appliquer chaque ligne par les services un à un (plus lent, même résultat)",
    )


def _args_collecter(p: CommandParser) -> None:
    p.add_argument("--le", type=date.fromisoformat, help="date (AAAA-MM-JJ ; défaut : ce jour)")


def _args_rapprocher(p: CommandParser) -> None:
    p.add_argument("ligne", type=int, help="n° interne de la ligne (voir « a-traiter »)")
    groupe = p.add_mutually_exclusive_group(required=True)
    groupe.add_argument("--facture", help="n° de la facture à laquelle la rapprocher")
    groupe.add_argument("--ecarter", metavar="RAISON", help="écarter la ligne, avec une raison")


def _args_affecter(p: CommandParser) -> None:
    p.add_argument("attente", type=int, help="n° du paiement en attente (voir « a-traiter »)")
    p.add_argument("--facture", required=True, help="n° de la facture qui reçoit le paiement")


def _args_a_traiter(p: CommandParser) -> None:
    p.add_argument("--utilisateur", help="ne montrer que ce que cet utilisateur peut voir")
    p.add_argument("--cabinet", help="code du cabinet (par défaut : tous ceux visibles)")


def _args_profil(p: CommandParser) -> None:
    p.add_argument("nom", help="nom du profil")
    p.add_argument(
        "--colonne",
        action="append",
        default=[],
        metavar="CHAMP=EN-TÊTE",
        help=f"champs : {', '.join(CHAMPS_CSV)} (obligatoires : "
        f"{', '.join(CHAMPS_CSV_OBLIGATOIRES)})",
    )
    p.add_argument("--separateur", default=";")
    p.add_argument("--encodage", default="utf-8")
    p.add_argument("--format-date", default="%d/%m/%Y")
    p.add_argument("--centimes", action="store_true", help="montants en centimes (sinon euros)")
    p.add_argument(
        "--issue", action="append", default=[], metavar="VALEUR=P|R|T", help="valeur lue → issue"
    )


def _paires(valeurs: list[str], quoi: str) -> dict[str, str]:
    paires = {}
    for v in valeurs:
        cle, egal, valeur = v.partition("=")
        if not egal or not cle or not valeur:
            raise CommandError(f"{quoi} « {v} » : CLÉ=VALEUR attendu.")
        paires[cle.strip()] = valeur.strip()
    return paires


class Command(CommandeGroupe):
    help = "Retours : ARL et retours de paiement, rapprochement et paiements en attente."
    verbes = {
        "import": Verbe("Importer des fichiers de retour (ARL, retours, CSV).", _args_import),
        "a-traiter": Verbe(
            "Lignes non rapprochées et paiements en attente d'affectation.",
            _args_a_traiter,
            ecrit=False,
        ),
        "collecter": Verbe(
            "Lire ce qui est revenu par l'adaptateur de transmission : accusés de sécurisation, "
            "ARL et retours.",
            _args_collecter,
        ),
        "rapprocher": Verbe("Rapprocher à la main une ligne non rapprochée.", _args_rapprocher),
        "affecter": Verbe("Affecter un paiement en attente à une facture.", _args_affecter),
        "profil-csv": Verbe("Enregistrer un profil de colonnes pour les CSV.", _args_profil),
    }

    def _perimetre(self, identifiant: str | None) -> set[int] | None:
        if not identifiant:
            return None
        return set(cabinets_ou_ecrire(self.acteur(identifiant)).values_list("pk", flat=True))

    def _visibles(self, identifiant: str | None) -> Any:
        if not identifiant:
            return Cabinet.objects.all()
        return cabinets_visibles(self.acteur(identifiant))

    def verbe_import(self, **o: Any) -> None:
        utilisateur = self.acteur(o["utilisateur"])
        perimetre = self._perimetre(o["utilisateur"])
        profil = None
        if o["profil"]:
            profil = ProfilCsv.objects.filter(nom=o["profil"]).first()
            if profil is None:
                raise CommandError(f"Profil CSV inconnu : « {o['profil']} ».")
        rapports: list[RapportRetour] = []
        for nom in o["fichiers"]:
            chemin = Path(nom)
            if not chemin.is_file():
                raise CommandError(f"Fichier introuvable : {nom}")
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                disable=o["json"] or not self.stderr.isatty(),
                console=Console(stderr=True),
            ) as barre:
                tache = barre.add_task(chemin.name, total=chemin.stat().st_size)

                def avancer(lu: int, barre: Progress = barre, tache: Any = tache) -> None:
                    barre.update(tache, completed=lu)

                rapports.append(
                    importer_retour(
                        chemin=chemin,
                        nom=chemin.name,
                        utilisateur=utilisateur,
                        perimetre=perimetre,
                        profil=profil,
                        par_ligne=o["par_ligne"],
                        progression=avancer,
                    )
                )
        if o["json"]:
            self.sortie_json([r.resume() for r in rapports])
        else:
            for r in rapports:
                self._afficher(r)
        if any(r.refuse for r in rapports):
            raise CommandError("Fichier(s) refusé(s) et mis en quarantaine.")

    def verbe_collecter(self, **o: Any) -> None:
        rapport = collecter(
            utilisateur=self.acteur(o["utilisateur"]),
            le=o["le"] or horloge.aujourd_hui(),
            perimetre=self._perimetre(o["utilisateur"]),
        )
        if o["json"]:
            self.sortie_json(rapport.resume())
            return
        for message in rapport.accuses:
            self.stdout.write(message)
        for r in rapport.retours:
            self._afficher(r)
        for message in rapport.refus:
            self.stderr.write(f"Refusé : {message}")
        if not (rapport.accuses or rapport.retours or rapport.refus):
            self.stdout.write("Rien de nouveau dans la boîte de réception.")

    def _afficher(self, r: RapportRetour) -> None:
        if r.refuse:
            self.stderr.write(f"Refusé et mis en quarantaine — {r.motif}")
            return
        deja = " — déjà importé : rapport du premier import" if r.deja_importe else ""
        self.stdout.write(
            f"{r.fichier} [{r.format}]{deja}\n"
            f"  lignes lues : {r.lues}\n"
            f"  appliquées : {r.appliquees} (dont {r.en_attente_affectation} en paiement en "
            "attente d'affectation)\n"
            f"  non rapprochées : {r.non_rapprochees} (dont {r.suggestions} avec suggestion)\n"
            f"  refusées : {r.refusees}\n"
            f"  en attente d'un autre cabinet : {r.en_attente_autres_cabinets}"
        )
        for refus in r.refus:
            self.stdout.write(f"  refusée : {refus}")

    def verbe_a_traiter(self, **o: Any) -> None:
        cabinets = self._visibles(o["utilisateur"])
        if o["cabinet"]:
            cabinets = cabinets.filter(code=o["cabinet"])
        lignes = lignes_a_traiter(cabinets)
        attentes = attentes_visibles(cabinets)
        if o["json"]:
            self.sortie_json(
                {
                    "lignes": [
                        {
                            "id": ligne.pk,
                            "fichier": ligne.fichier.nom,
                            "ligne": ligne.numero,
                            "facture": ligne.numero_facture,
                            "statut": ligne.statut,
                            "motif": ligne.motif,
                            "suggestion": ligne.suggestion.numero if ligne.suggestion else None,
                        }
                        for ligne in lignes
                    ],
                    "attentes": [
                        {"id": a.pk, "montant": a.montant, "date": a.date, "motif": a.motif}
                        for a in attentes
                    ],
                }
            )
            return
        for ligne in lignes:
            suggestion = (
                f" — suggestion : facture {ligne.suggestion.numero}" if ligne.suggestion else ""
            )
            self.stdout.write(
                f"ligne #{ligne.pk} ({ligne.fichier.nom}, ligne {ligne.numero}) facture "
                f"{ligne.numero_facture} : {ligne.motif}{suggestion}"
            )
        for a in attentes:
            self.stdout.write(
                f"attente #{a.pk} du {a.date:%d/%m/%Y} : {format_euros(a.montant)} — {a.motif}"
            )

    def verbe_rapprocher(self, **o: Any) -> None:
        utilisateur = self.acteur(o["utilisateur"])
        ligne = LigneRetour.objects.filter(
            pk=o["ligne"], cabinet__in=self._visibles(o["utilisateur"])
        ).first()
        if ligne is None:
            raise CommandError(f"Ligne #{o['ligne']} introuvable.")
        assert ligne.cabinet_id is not None
        try:
            if o["ecarter"]:
                services.ecarter(ligne=ligne, raison=o["ecarter"], utilisateur=utilisateur)
                self.stdout.write(f"Ligne #{ligne.pk} écartée.")
                return
            facture = Facture.objects.filter(
                cabinet_id=ligne.cabinet_id, numero=o["facture"]
            ).first()
            if facture is None:
                raise CommandError(f"Facture {o['facture']} introuvable dans ce cabinet.")
            decision = services.rapprocher(ligne=ligne, facture=facture, utilisateur=utilisateur)
        except OperationRefusee as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Ligne #{ligne.pk} rapprochée de la facture {facture.numero} ({decision.action})."
        )

    def verbe_affecter(self, **o: Any) -> None:
        utilisateur = self.acteur(o["utilisateur"])
        attente = PaiementEnAttente.objects.filter(
            pk=o["attente"], cabinet__in=self._visibles(o["utilisateur"])
        ).first()
        if attente is None:
            raise CommandError(f"Paiement en attente #{o['attente']} introuvable.")
        facture = Facture.objects.filter(cabinet_id=attente.cabinet_id, numero=o["facture"]).first()
        if facture is None:
            raise CommandError(f"Facture {o['facture']} introuvable dans ce cabinet.")
        try:
            services.affecter(attente=attente, facture=facture, utilisateur=utilisateur)
        except OperationRefusee as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{format_euros(attente.montant)} affecté(s) à la facture {facture.numero}."
        )

    def verbe_profil_csv(self, **o: Any) -> None:
        colonnes = _paires(o["colonne"], "Colonne")
        inconnus = set(colonnes) - set(CHAMPS_CSV)
        if inconnus:
            raise CommandError(f"Champ(s) inconnu(s) : {', '.join(sorted(inconnus))}.")
        manquants = [c for c in CHAMPS_CSV_OBLIGATOIRES if c not in colonnes]
        if manquants:
            raise CommandError(f"Champ(s) obligatoire(s) sans colonne : {', '.join(manquants)}.")
        issues = _paires(o["issue"], "Issue")
        if any(v.upper() not in {"P", "R", "T"} for v in issues.values()):
            raise CommandError("Une issue vaut P (payée), R (rejetée) ou T (traitement caisse).")
        ProfilCsv.objects.update_or_create(
            nom=o["nom"],
            defaults={
                "colonnes": colonnes,
                "separateur": o["separateur"],
                "encodage": o["encodage"],
                "format_date": o["format_date"],
                "montants_en_euros": not o["centimes"],
                "issues": {k: v.upper() for k, v in issues.items()},
            },
        )
        self.stdout.write(f"Profil CSV « {o['nom']} » enregistré.")
