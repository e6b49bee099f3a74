"""Verbs of `rejets suivi` for deadlines and the worklist (mixed into the command)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser

from rejets.cabinets.models import Cabinet
from rejets.cabinets.selectors import cabinets_visibles
from rejets.core import horloge
from rejets.core.commandes import CommandeGroupe, Verbe
from rejets.domain.money import format_euros
from rejets.factures.services import OperationRefusee
from rejets.recyclage.models import TypeAction

from . import echeances, relances, selectors, services
from .models import Motif


def _args_echeances(p: CommandParser) -> None:
    p.add_argument("--le", type=date.fromisoformat, help="jour du calcul (défaut : ce jour)")
    p.add_argument("--cabinet", help="un seul cabinet (défaut : tous)")


def _args_a_traiter(p: CommandParser) -> None:
    p.add_argument("--utilisateur", help="les cabinets de cet utilisateur (défaut : tous)")
    p.add_argument("--cabinet", help="un seul cabinet")
    p.add_argument("--organisme", metavar="CODE", help="un seul organisme")
    p.add_argument("--famille", help="une famille de rejet (droits, amc, cotation…)")
    p.add_argument("--motif", choices=[m.value for m in Motif], help="un seul motif")
    p.add_argument("--age-min", type=int, metavar="JOURS", help="plus anciens que N jours")
    p.add_argument("--a-moi", action="store_true", help="ceux qui me sont confiés")
    p.add_argument("--sans-responsable", action="store_true", help="ceux que personne n'a pris")
    p.add_argument("--reportes", action="store_true", help="aussi ceux qui sont reportés")
    p.add_argument("--page", type=int, default=1, help="page de 50 éléments")
    p.add_argument("--le", type=date.fromisoformat, help="jour de lecture (défaut : ce jour)")


def _args_assigner(p: CommandParser) -> None:
    p.add_argument("element", type=int, help="n° de l'élément (rejets suivi a-traiter)")
    p.add_argument("--a", metavar="IDENTIFIANT", help="à qui le confier (défaut : à moi)")
    p.add_argument("--personne", action="store_true", help="ne le confier à personne")


def _args_relancer(p: CommandParser) -> None:
    p.add_argument("numero", help="n° de la facture")
    p.add_argument("--cabinet", required=True, help="code du cabinet")
    p.add_argument("--professionnel", metavar="NUMERO_AM", help="n° AM du professionnel")
    p.add_argument(
        "--type",
        required=True,
        choices=[t.value for t in relances.TYPES_DE_RELANCE],
        help="relance_mutuelle, rappel_patient ou mise_a_jour_vitale",
    )
    p.add_argument("--message", default="", help="le texte de la lettre (défaut : un modèle)")
    p.add_argument("--le", type=date.fromisoformat, help="date (défaut : ce jour)")


def _args_reporter(p: CommandParser) -> None:
    p.add_argument("element", type=int, help="n° de l'élément (rejets suivi a-traiter)")
    p.add_argument("--au", type=date.fromisoformat, help="reporter jusqu'au (AAAA-MM-JJ)")
    p.add_argument("--raison", default="", help="pourquoi")
    p.add_argument("--reveiller", action="store_true", help="annuler le report")
    p.add_argument("--le", type=date.fromisoformat, help="ce jour (défaut : aujourd'hui)")


class VerbesEcheances(CommandeGroupe):
    verbes: dict[str, Verbe] = {
        "echeances": Verbe(
            "Calcul quotidien (sans effet s'il est relancé) : forclusions, impayés sans retour, "
            "liste à traiter.",
            _args_echeances,
        ),
        "a-traiter": Verbe(
            "Ce qui attend une personne, par priorité (montant ÷ jours avant forclusion).",
            _args_a_traiter,
            ecrit=False,
        ),
        "assigner": Verbe("Confier un élément à traiter (par défaut : à moi).", _args_assigner),
        "reporter": Verbe("Reporter un élément à une date, avec une raison.", _args_reporter),
        "relancer": Verbe(
            "Relancer la mutuelle ou le patient, ou demander la mise à jour de la carte Vitale "
            "(lettre PDF, brouillon de courriel pour la mutuelle).",
            _args_relancer,
        ),
    }

    def verbe_echeances(self, **o: Any) -> None:
        le = o["le"] or horloge.aujourd_hui()
        cabinets = Cabinet.objects.all()
        if o["cabinet"]:
            cabinets = Cabinet.objects.filter(
                pk=self.cabinet_ecrit(o["cabinet"], o["utilisateur"]).pk
            )
        rapport = echeances.executer(
            cabinets=cabinets, le=le, utilisateur=self.acteur(o["utilisateur"])
        )
        if o["json"]:
            self.sortie_json(rapport.resume())
            return
        ecrire = self.stdout.write
        ecrire(f"Échéances du {le:%d/%m/%Y} :")
        ecrire(f"  forcloses aujourd'hui : {len(rapport.forcloses)}")
        for quoi in rapport.forcloses:
            ecrire(f"    {quoi} — perte passée (L.332-1 CSS)")
        ecrire(
            f"  à traiter : {sum(rapport.par_motif.values())} élément(s) "
            f"({rapport.crees} nouveaux, {rapport.retires} résolus)"
        )
        for motif, nombre in sorted(rapport.par_motif.items()):
            ecrire(f"    {Motif(motif).label} : {nombre}")

    def verbe_a_traiter(self, **o: Any) -> None:
        utilisateur = self.acteur(o["utilisateur"]) if o["utilisateur"] else None
        cabinets = cabinets_visibles(utilisateur) if utilisateur else Cabinet.objects.all()
        if o["a_moi"] and utilisateur is None:
            raise CommandError("--a-moi demande --utilisateur.")
        le = o["le"] or horloge.aujourd_hui()
        filtres = selectors.Filtres(
            cabinet=o["cabinet"],
            organisme=o["organisme"],
            famille=o["famille"],
            motif=o["motif"],
            age_min=o["age_min"],
            responsable=utilisateur if o["a_moi"] else None,
            sans_responsable=o["sans_responsable"],
            avec_reportes=o["reportes"],
        )
        elements, total = selectors.premiere_page(
            selectors.a_traiter(cabinets, aujourd_hui=le, filtres=filtres), page=o["page"]
        )
        if o["json"]:
            self.sortie_json(
                {
                    "total": total,
                    "page": o["page"],
                    "elements": [
                        {
                            "id": e.pk,
                            "motif": e.motif,
                            "cabinet": e.cabinet.code,
                            "facture": e.facture.numero if e.facture else None,
                            "partie": e.partie,
                            "montant": e.montant,
                            "priorite": e.priorite,
                            "depuis": e.depuis.isoformat(),
                            "forclusion": e.date_forclusion.isoformat()
                            if e.date_forclusion
                            else None,
                            "famille": e.famille,
                            "organisme": e.organisme.code if e.organisme else None,
                            "responsable": e.responsable.username if e.responsable else None,
                            "reporte_au": e.reporte_au.isoformat() if e.reporte_au else None,
                            "detail": e.detail,
                        }
                        for e in elements
                    ],
                }
            )
            return
        ecrire = self.stdout.write
        ecrire(f"{total} élément(s) à traiter (page {o['page']}) :")
        for e in elements:
            quoi = f"facture {e.facture.numero}" if e.facture else "paiement en attente"
            forclusion = f", forclose le {e.date_forclusion:%d/%m/%Y}" if e.date_forclusion else ""
            qui = f" — {e.responsable.username}" if e.responsable else ""
            ecrire(
                f"  n° {e.pk} [{e.cabinet.code}] {Motif(e.motif).label} — {quoi} "
                f"{e.partie.upper()} {format_euros(e.montant)}{forclusion}{qui}"
            )
            if e.detail:
                ecrire(f"      {e.detail}")

    def verbe_assigner(self, **o: Any) -> None:
        utilisateur = self.acteur(o["utilisateur"])
        a = None if o["personne"] else (self.acteur(o["a"]) if o["a"] else utilisateur)
        try:
            e = services.assigner(element_id=o["element"], utilisateur=utilisateur, a=a)
        except OperationRefusee as exc:
            raise CommandError(str(exc)) from exc
        qui = e.responsable.username if e.responsable else "personne"
        self.stdout.write(f"Élément n° {e.pk} confié à {qui}.")

    def verbe_reporter(self, **o: Any) -> None:
        if not o["reveiller"] and o["au"] is None:
            raise CommandError("Donnez --au AAAA-MM-JJ (ou --reveiller).")
        try:
            e = services.reporter(
                element_id=o["element"],
                utilisateur=self.acteur(o["utilisateur"]),
                jusqu_au=None if o["reveiller"] else o["au"],
                raison=o["raison"],
                le=o["le"] or horloge.aujourd_hui(),
            )
        except OperationRefusee as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Élément n° {e.pk} reporté au {e.reporte_au:%d/%m/%Y}."
            if e.reporte_au
            else f"Élément n° {e.pk} de nouveau dans la liste."
        )

    def verbe_relancer(self, **o: Any) -> None:
        facture = self.facture(o["numero"], o["cabinet"], o["utilisateur"], o["professionnel"])
        try:
            action = relances.relancer(
                facture=facture,
                type=TypeAction(o["type"]),
                utilisateur=self.acteur(o["utilisateur"]),
                le=o["le"] or horloge.aujourd_hui(),
                message=o["message"],
            )
        except OperationRefusee as exc:
            raise CommandError(str(exc)) from exc
        if o["json"]:
            self.sortie_json({"action": action.pk, "document": action.document, **action.details})
            return
        self.stdout.write(
            f"{action.get_type_display()} pour la facture {facture.numero} : {action.document}"
            + (
                f" (brouillon : {action.details['courriel']})"
                if "courriel" in action.details
                else ""
            )
            + f" ; échéance le {action.echeance:%d/%m/%Y}."
        )
