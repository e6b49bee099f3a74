"""Verbs of `rejets suivi` for bank statements (mixed into the command): import a statement,
match transfers, the state of the bank side, CSV profiles (docs/banque.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.management.base import CommandError, CommandParser
from django.db.models import QuerySet

from rejets.cabinets.models import Cabinet
from rejets.cabinets.selectors import cabinets_visibles
from rejets.core import horloge
from rejets.core.commandes import Verbe
from rejets.domain.ledger import Payeur
from rejets.domain.money import format_euros
from rejets.formats.releves import CHAMPS_CSV, ReleveInvalide

from . import selectors, services
from .appariement import FENETRE_JOURS, INDICE_ORGANISME, INDICE_REFERENCE, VirementAnnonce
from .models import LigneBancaire

if TYPE_CHECKING:
    from rejets.core.commandes import CommandeGroupe as _Base
else:
    _Base = object

PAYEURS = {Payeur.AMO.value: "caisse", Payeur.AMC.value: "mutuelle"}
RAISON_INDICE = {
    INDICE_REFERENCE: "référence dans le libellé",
    INDICE_ORGANISME: "organisme dans le libellé",
    0: "seul candidat",
}


def _fenetre(p: CommandParser) -> None:
    p.add_argument(
        "--fenetre",
        type=int,
        default=FENETRE_JOURS,
        metavar="JOURS",
        help=f"jours au plus entre le virement annoncé et le crédit (défaut : {FENETRE_JOURS})",
    )


def _args_import(p: CommandParser) -> None:
    p.add_argument("fichiers", nargs="+", metavar="FICHIER", help="relevés OFX ou CSV")
    p.add_argument("--cabinet", required=True, help="code du cabinet")
    p.add_argument("--profil", help="profil de colonnes, pour un relevé CSV")
    p.add_argument(
        "--compte",
        metavar="LIBELLE",
        help="compte du cabinet (créé s'il est nouveau ; par défaut celui que nomme l'OFX, ou "
        "le seul compte du cabinet)",
    )


def _args_rapprocher(p: CommandParser) -> None:
    p.add_argument("--cabinet", required=True, help="code du cabinet")
    p.add_argument("--ligne", type=int, metavar="N", help="n° de la ligne bancaire à rapprocher")
    p.add_argument("--virement", metavar="REF", help="référence du virement annoncé")
    p.add_argument("--le", type=date.fromisoformat, help="date du virement annoncé (AAAA-MM-JJ)")
    p.add_argument("--payeur", choices=sorted(PAYEURS), help="amo (caisse) ou amc (mutuelle)")
    p.add_argument("--ignorer", type=int, metavar="N", help="n° de la ligne bancaire à ignorer")
    p.add_argument("--raison", help="pourquoi la ligne est ignorée")
    _fenetre(p)


def _args_etat(p: CommandParser) -> None:
    p.add_argument("--utilisateur", help="ne montrer que ce que cet utilisateur peut voir")
    p.add_argument("--cabinet", help="code du cabinet (par défaut : tous ceux visibles)")
    p.add_argument("--au", type=date.fromisoformat, help="date de l'état (défaut : ce jour)")
    _fenetre(p)


def _args_profil(p: CommandParser) -> None:
    p.add_argument("nom", help="nom du profil (lettres, chiffres, tirets)")
    p.add_argument(
        "--colonne",
        action="append",
        default=[],
        metavar="CHAMP=EN-TÊTE",
        help=f"champs : {', '.join(CHAMPS_CSV)} ; date, libelle et montant (ou debit et credit) "
        "obligatoires ; libelle peut joindre plusieurs colonnes : libelle=Libellé+Détail",
    )
    p.add_argument("--separateur", default=";")
    p.add_argument("--encodage", default="utf-8")
    p.add_argument("--format-date", default="%d/%m/%Y")
    p.add_argument(
        "--point-decimal", action="store_true", help="montants écrits 1234.56 (sinon 1234,56)"
    )
    p.add_argument("--cabinet", help="profil propre à ce cabinet (sinon partagé par tous)")


def _jour(d: date) -> str:
    return f"{d:%d/%m/%Y}"


def _virement(v: VirementAnnonce) -> str:
    organisme = f"{v.organisme}, " if v.organisme else ""
    return (
        f"virement {v.reference} du {_jour(v.date)} ({organisme}{PAYEURS[v.payeur]}) "
        f"{format_euros(v.montant)}"
    )


def _ligne(ligne: LigneBancaire) -> str:
    return (
        f"ligne n° {ligne.pk} du {_jour(ligne.date)} {format_euros(ligne.montant)} "
        f"« {ligne.libelle} »"
    )


def _virement_json(v: VirementAnnonce) -> dict[str, Any]:
    return {
        "payeur": v.payeur,
        "reference": v.reference,
        "date": v.date.isoformat(),
        "montant": v.montant,
        "organisme": v.organisme,
        "paiements": v.paiements,
    }


def _ligne_json(ligne: LigneBancaire) -> dict[str, Any]:
    return {
        "ligne": ligne.pk,
        "date": ligne.date.isoformat(),
        "montant": ligne.montant,
        "libelle": ligne.libelle,
        "reference": ligne.reference,
    }


class VerbesBanque(_Base):
    verbes: dict[str, Verbe] = {
        "banque-import": Verbe(
            "Importer des relevés bancaires (OFX, ou CSV avec un profil).", _args_import
        ),
        "banque-rapprocher": Verbe(
            "Rapprocher les virements annoncés des crédits en banque (automatique), ou à la "
            "main une ligne (--ligne N --virement REF --le DATE), ou ignorer une ligne "
            "(--ignorer N --raison …).",
            _args_rapprocher,
        ),
        "banque-etat": Verbe(
            "Virements jamais crédités, crédits inexpliqués, cas à décider.",
            _args_etat,
            ecrit=False,
        ),
        "banque-profil": Verbe(
            "Enregistrer un profil de colonnes pour les relevés CSV.", _args_profil
        ),
    }

    def verbe_banque_import(self, **o: Any) -> None:
        cabinet = self.cabinet_ecrit(o["cabinet"], o["utilisateur"])
        utilisateur = self.acteur(o["utilisateur"])
        profil = None
        if o["profil"]:
            profil = selectors.profil_releve(o["profil"], cabinet)
            if profil is None:
                raise CommandError(f"Profil de relevé inconnu : « {o['profil']} ».")
        rapports: list[services.RapportReleve] = []
        refus: list[str] = []
        for nom in o["fichiers"]:
            chemin = Path(nom)
            if not chemin.is_file():
                raise CommandError(f"Fichier introuvable : {nom}")
            try:
                with chemin.open("rb") as flux:
                    rapports.append(
                        services.importer_releve(
                            cabinet=cabinet,
                            flux=flux,
                            nom=chemin.name,
                            utilisateur=utilisateur,
                            profil=profil,
                            compte=o["compte"],
                        )
                    )
            except ReleveInvalide as exc:
                refus.append(exc.message)
            except services.OperationBanqueRefusee as exc:
                refus.append(str(exc))
        if o["json"]:
            self.sortie_json({"releves": [r.resume() for r in rapports], "refus": refus})
        else:
            for r in rapports:
                self._afficher_releve(r)
            for message in refus:
                self.stderr.write(f"Refusé, rien n'est importé — {message}")
        if refus:
            raise CommandError(f"{len(refus)} relevé(s) refusé(s).")

    def _afficher_releve(self, r: services.RapportReleve) -> None:
        releve = r.releve
        deja = (
            " — déjà importé : rapport du premier import, rien n'a changé" if r.deja_importe else ""
        )
        self.stdout.write(
            f"{releve.nom_fichier} [{releve.get_format_display()}] compte "
            f"« {releve.compte} »{deja}\n"
            f"  lignes lues : {releve.lignes_lues}\n"
            f"  importées : {releve.lignes_importees}\n"
            f"  déjà connues (d'un relevé précédent) : {releve.lignes_deja_connues}\n"
            f"  refusées : {releve.lignes_refusees}"
        )
        if r.lignes_avant_entete or r.lignes_vides:
            self.stdout.write(
                f"  non lues : {r.lignes_avant_entete} ligne(s) de la banque avant les colonnes, "
                f"{r.lignes_vides} ligne(s) vide(s)"
            )
        for refus in r.refus:
            self.stdout.write(f"  refusée : {refus['message']}")

    def verbe_banque_rapprocher(self, **o: Any) -> None:
        cabinet = self.cabinet_ecrit(o["cabinet"], o["utilisateur"])
        utilisateur = self.acteur(o["utilisateur"])
        a_la_main = o["ligne"] is not None or o["virement"] or o["le"]
        if o["ignorer"] is not None and a_la_main:
            raise CommandError("--ignorer ne va pas avec --ligne, --virement ni --le.")
        try:
            if o["ignorer"] is not None:
                self._ignorer(cabinet, utilisateur, o)
            elif a_la_main:
                self._a_la_main(cabinet, utilisateur, o)
            else:
                self._automatique(cabinet, utilisateur, o)
        except services.OperationBanqueRefusee as exc:
            raise CommandError(str(exc)) from exc

    def _ignorer(self, cabinet: Cabinet, utilisateur: Any, o: dict[str, Any]) -> None:
        if not (o["raison"] or "").strip():
            raise CommandError("Ignorer une ligne demande une raison : --raison « … ».")
        ligne = services.ignorer(
            cabinet=cabinet, ligne=o["ignorer"], raison=o["raison"], utilisateur=utilisateur
        )
        if o["json"]:
            self.sortie_json({"ignoree": ligne.pk, "raison": ligne.raison})
            return
        self.stdout.write(f"Ligne n° {ligne.pk} ignorée : {ligne.raison}")

    def _a_la_main(self, cabinet: Cabinet, utilisateur: Any, o: dict[str, Any]) -> None:
        if o["ligne"] is None or not o["virement"] or o["le"] is None:
            raise CommandError(
                "Rapprocher à la main demande --ligne N, --virement REF et --le DATE."
            )
        r = services.rapprocher_a_la_main(
            cabinet=cabinet,
            ligne=o["ligne"],
            reference=o["virement"],
            le=o["le"],
            payeur=o["payeur"],
            utilisateur=utilisateur,
        )
        ecart = r.ligne.montant - r.montant
        if o["json"]:
            self.sortie_json(
                {
                    "ligne": r.ligne_id,
                    "reference": r.reference,
                    "date": r.date_virement,
                    "ecart": ecart,
                }
            )
            return
        self.stdout.write(
            f"Rapproché à la main : virement {r.reference} du {_jour(r.date_virement)} "
            f"{format_euros(r.montant)} ← {_ligne(r.ligne)}"
        )
        if ecart:
            self.stdout.write(
                f"  Attention : écart de {format_euros(ecart)} entre la banque et le retour."
            )

    def _automatique(self, cabinet: Cabinet, utilisateur: Any, o: dict[str, Any]) -> None:
        rapport = services.rapprocher(
            cabinet=cabinet, utilisateur=utilisateur, fenetre=o["fenetre"]
        )
        if o["json"]:
            self.sortie_json(
                {
                    "rapproches": [
                        {
                            "ligne": r.ligne_id,
                            "reference": r.reference,
                            "date": r.date_virement,
                            "montant": r.montant,
                        }
                        for r in rapport.rapproches
                    ],
                    "a_decider": [
                        {
                            "virement": _virement_json(a.virement),
                            "lignes": [c.pk for c in a.candidates],
                        }
                        for a in rapport.a_decider
                    ],
                }
            )
            return
        self.stdout.write(f"{len(rapport.rapproches)} virement(s) rapproché(s).")
        for r in rapport.rapproches:
            self.stdout.write(
                f"  {r.reference} du {_jour(r.date_virement)} {format_euros(r.montant)} "
                f"← {_ligne(r.ligne)}"
            )
        self._afficher_a_decider(rapport.a_decider, cabinet.code)

    def _afficher_a_decider(self, ambiguites: list[Any], code: str) -> None:
        if not ambiguites:
            return
        self.stdout.write(f"{len(ambiguites)} cas à décider (plusieurs lignes possibles) :")
        for a in ambiguites:
            self.stdout.write(f"  {_virement(a.virement)}")
            for c in a.candidates:
                self.stdout.write(f"    possible : {_ligne(c)}")
            self.stdout.write(
                f"    rejets suivi banque-rapprocher --cabinet {code} --ligne N --virement "
                f"{a.virement.reference} --le {a.virement.date.isoformat()}"
            )

    def _cabinets_lus(self, o: dict[str, Any]) -> QuerySet[Cabinet]:
        cabinets = (
            cabinets_visibles(self.acteur(o["utilisateur"]))
            if o["utilisateur"]
            else Cabinet.objects.all()
        )
        if o["cabinet"]:
            cabinets = cabinets.filter(code=o["cabinet"])
            if not cabinets.exists():
                raise CommandError(f"Cabinet « {o['cabinet']} » introuvable.")
        return cabinets

    def verbe_banque_etat(self, **o: Any) -> None:
        cabinets = self._cabinets_lus(o)
        au = o["au"] or horloge.aujourd_hui()
        etat = selectors.etat_banque(cabinets, au=au, fenetre=o["fenetre"])
        if o["json"]:
            self.sortie_json(
                {
                    "au": au.isoformat(),
                    "fenetre": o["fenetre"],
                    "virements_annonces": etat.virements,
                    "virements_rapproches": etat.virements_rapproches,
                    "lignes": etat.lignes,
                    "jamais_credites": {
                        "nombre": len(etat.jamais_credites),
                        "total": etat.total_jamais_credites,
                        "virements": [_virement_json(v) for v in etat.jamais_credites],
                    },
                    "credits_inexpliques": {
                        "nombre": len(etat.inexpliques),
                        "total": etat.total_inexpliques,
                        "lignes": [
                            {**_ligne_json(c.ligne), "organisme": c.organisme}
                            for c in etat.inexpliques
                        ],
                    },
                    "a_decider": [
                        {
                            "virement": _virement_json(a.virement),
                            "lignes": [c.pk for c in a.candidates],
                        }
                        for a in etat.a_decider
                    ],
                }
            )
            return
        lignes = etat.lignes
        self.stdout.write(
            f"Banque au {_jour(au)} (fenêtre de {o['fenetre']} jours)\n"
            f"Virements annoncés par les retours : {etat.virements}, dont "
            f"{etat.virements_rapproches} rapproché(s)\n"
            f"Lignes bancaires : {sum(lignes.values())} (non rapprochées "
            f"{lignes['non_rapprochee']}, rapprochées {lignes['rapprochee']}, ignorées "
            f"{lignes['ignoree']})"
        )
        self.stdout.write(
            f"Virements jamais crédités : {len(etat.jamais_credites)} pour "
            f"{format_euros(etat.total_jamais_credites)}"
        )
        for v in etat.jamais_credites:
            self.stdout.write(f"  {_virement(v)}")
        self.stdout.write(
            f"Crédits inexpliqués : {len(etat.inexpliques)} pour "
            f"{format_euros(etat.total_inexpliques)}"
        )
        for c in etat.inexpliques:
            organisme = f" — semble venir de : {c.organisme}" if c.organisme else ""
            self.stdout.write(f"  {_ligne(c.ligne)}{organisme}")
        for cabinet in cabinets.filter(pk__in={a.virement.cabinet_id for a in etat.a_decider}):
            self._afficher_a_decider(
                [a for a in etat.a_decider if a.virement.cabinet_id == cabinet.pk], cabinet.code
            )

    def verbe_banque_profil(self, **o: Any) -> None:
        utilisateur = self.acteur(o["utilisateur"])
        cabinet = None
        if o["cabinet"]:
            cabinet = self.cabinet_ecrit(o["cabinet"], o["utilisateur"])
        elif o["utilisateur"] and not utilisateur.is_staff:
            raise CommandError(
                "Un profil partagé par tous les cabinets est enregistré par un administrateur : "
                "précisez --cabinet pour un profil propre à votre cabinet."
            )
        colonnes: dict[str, str] = {}
        for v in o["colonne"]:
            champ, egal, entete = v.partition("=")
            if not egal or not champ.strip() or not entete.strip():
                raise CommandError(f"Colonne « {v} » : CHAMP=EN-TÊTE attendu.")
            colonnes[champ.strip()] = entete.strip()
        try:
            profil = services.enregistrer_profil(
                nom=o["nom"],
                colonnes=colonnes,
                utilisateur=utilisateur,
                cabinet=cabinet,
                separateur=o["separateur"],
                encodage=o["encodage"],
                format_date=o["format_date"],
                virgule_decimale=not o["point_decimal"],
            )
        except services.OperationBanqueRefusee as exc:
            raise CommandError(str(exc)) from exc
        if o["json"]:
            self.sortie_json(
                {
                    "profil": profil.nom,
                    "cabinet": cabinet.code if cabinet else None,
                    "colonnes": profil.colonnes,
                }
            )
            return
        pour = f"du cabinet « {cabinet.code} »" if cabinet else "partagé"
        self.stdout.write(f"Profil de relevé « {profil.nom} » {pour} enregistré.")
