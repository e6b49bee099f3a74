"""What the invoice page shows: the invoice, its parts and acts, the timeline of everything
that happened to it, its journals and balance, its tracked actions and the return lines left
for a person. The invoice was found through the cabinets of the page; everything else is
read through it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from rejets.compta.models import Journal
from rejets.compta.selectors import bilan_facture
from rejets.domain import ledger
from rejets.domain.ledger import Payeur
from rejets.domain.lifecycle import Etat, Evenement, TypePartie
from rejets.domain.money import format_euros
from rejets.factures.models import (
    Acompte,
    EvenementFacture,
    Facture,
    MoyenPaiement,
    Paiement,
    Rejet,
    SourceRejet,
    UtilisationAcompte,
)
from rejets.lots.models import Lot
from rejets.recyclage.models import Action
from rejets.retours.models import FichierRetour, LigneRetour, StatutLigne
from rejets.transmission.models import Mode

GENRES_D_EVENEMENT: dict[str, str] = {
    Evenement.TRANSMETTRE: "envoi",
    Evenement.RETRANSMETTRE: "envoi",
    Evenement.ARL_POSITIF: "envoi",
    Evenement.ARL_NEGATIF: "envoi",
    Evenement.METTRE_EN_TRAITEMENT_CAISSE: "envoi",
    Evenement.SECURISER: "envoi",
    Evenement.EXPORTER: "envoi",
    Evenement.REJETER: "rejet",
    Evenement.INDU: "rejet",
    Evenement.PAYER: "paiement",
    Evenement.PAYER_PARTIELLEMENT: "paiement",
    "paiement_patient": "paiement",
    "acompte_utilise": "paiement",
    Evenement.DEFACTURER: "traitement",
    Evenement.RECYCLER: "traitement",
    Evenement.FACTURER_PATIENT: "traitement",
    Evenement.FACTURER_MUTUELLE: "traitement",
    Evenement.ABANDONNER: "traitement",
    Evenement.FORCLORE: "traitement",
    Evenement.ANNULER: "traitement",
    "action": "action",
}
"""The family of each event, for the timeline's filters and colours; others: « autre »."""

FILTRES_HISTORIQUE: dict[str, tuple[str, frozenset[str]]] = {
    "envois": ("Envois et retours", frozenset({"envoi", "rejet"})),
    "rejets": ("Rejets", frozenset({"rejet"})),
    "paiements": ("Paiements", frozenset({"paiement"})),
    "traitement": ("Traitement et actions", frozenset({"traitement", "action"})),
}
"""The timeline's filters (besides « Tout »): their label and the families they keep."""


@dataclass
class Entree:
    """One line of the timeline: an event, with what it brought along."""

    pk: int
    quand: datetime
    le: date | None
    """The day it happened (journal, rejection, return file or lot), when known."""
    libelle: str
    genre: str
    partie: str
    etat_avant: str
    etat_apres: str
    utilisateur: str
    details: list[str] = field(default_factory=list)
    journaux: list[Journal] = field(default_factory=list)
    lien: tuple[str, int] | None = None
    """A link to the invoice before or after a recycling: (text, pk)."""


@dataclass(frozen=True)
class LigneEcriture:
    compte: str
    libelle: str
    debit: int | None
    credit: int | None


@dataclass(frozen=True)
class JournalAffiche:
    journal: Journal
    nature: str
    lignes: tuple[LigneEcriture, ...]


@dataclass
class Dossier:
    facture: Facture
    etats: dict[TypePartie, Etat]
    parties: list[Any]
    actes: list[Any]
    historique: list[Entree]
    journaux: list[JournalAffiche]
    bilan: ledger.BilanFacture
    reste_par_payeur: list[tuple[str, int]]
    paiements: list[Paiement]
    acomptes_crees: list[Acompte]
    acomptes_utilises: list[UtilisationAcompte]
    actions: list[Action]
    lignes_retour: list[LigneRetour]
    precedente: Facture | None
    suivante: Facture | None


def _nom_etat(valeur: str) -> str:
    try:
        return Etat(valeur).libelle
    except ValueError:
        return valeur


def _libelle_moyen(valeur: str) -> str:
    try:
        return MoyenPaiement(valeur).label
    except ValueError:
        return valeur


def _libelle_payeur(valeur: str) -> str:
    try:
        return Payeur(valeur).libelle
    except ValueError:
        return valeur


def _suivante(facture: Facture) -> Facture | None:
    return Facture.objects.filter(recyclee_de=facture, cabinet_id=facture.cabinet_id).first()


def historique(
    facture: Facture, *, journaux: list[Journal] | None = None, filtre: str = ""
) -> list[Entree]:
    """Every event of the invoice in the order it happened, each with its lot, return file
    and line, rejection, payment, tracked action and journals; `filtre` keeps one family."""
    evenements = list(
        EvenementFacture.objects.filter(cabinet_id=facture.cabinet_id, facture=facture)
        .select_related("utilisateur")
        .order_by("horodatage", "pk")
    )
    if journaux is None:
        journaux = list(
            Journal.objects.filter(cabinet_id=facture.cabinet_id, facture=facture).order_by("pk")
        )
    par_evenement: dict[int, list[Journal]] = defaultdict(list)
    for j in journaux:
        if j.evenement_id is not None:
            par_evenement[j.evenement_id].append(j)
    rejets: dict[tuple[str, str], list[Rejet]] = defaultdict(list)
    for r in Rejet.objects.filter(cabinet_id=facture.cabinet_id, facture=facture).order_by("pk"):
        rejets[(r.partie, r.code)].append(r)
    actions: dict[str, list[Action]] = defaultdict(list)
    for a in Action.objects.filter(cabinet_id=facture.cabinet_id, facture=facture).order_by("pk"):
        actions[a.type].append(a)
    fichiers = {
        f.pk: f
        for f in FichierRetour.objects.filter(
            pk__in={
                e.details["fichier"]
                for e in evenements
                if isinstance(e.details.get("fichier"), int)
            }
        ).only("pk", "nom", "date")
    }
    lots = {
        (lot.type_partie, lot.numero): lot
        for lot in Lot.objects.filter(
            cabinet_id=facture.cabinet_id,
            professionnel_id=facture.professionnel_id,
            numero__in={str(e.details["lot"]) for e in evenements if e.details.get("lot")},
        )
    }
    precedente = facture.recyclee_de
    suivante = _suivante(facture)
    entrees = []
    for e in evenements:
        genre = GENRES_D_EVENEMENT.get(e.evenement, "autre")
        if filtre in FILTRES_HISTORIQUE and genre not in FILTRES_HISTORIQUE[filtre][1]:
            continue
        d = e.details or {}
        entree = Entree(
            pk=e.pk,
            quand=e.horodatage,
            le=None,
            libelle=e.libelle,
            genre=genre,
            partie=TypePartie(e.partie).libelle if e.partie else "",
            etat_avant=_nom_etat(e.etat_avant) if e.etat_avant else "",
            etat_apres=_nom_etat(e.etat_apres) if e.etat_apres else "",
            utilisateur=e.utilisateur.get_username(),
            journaux=par_evenement.get(e.pk, []),
        )
        if entree.journaux:
            entree.le = entree.journaux[0].date
        _decrire(entree, e, d, facture, rejets, actions, fichiers, lots)
        if e.evenement == "creation" and d.get("recycle") and precedente is not None:
            entree.lien = (f"Refacturation de la facture {precedente.numero}", precedente.pk)
        if e.evenement == Evenement.RECYCLER and suivante is not None:
            entree.lien = (f"Recyclée sous le numéro {suivante.numero}", suivante.pk)
        entrees.append(entree)
    return entrees


def _decrire(
    entree: Entree,
    e: EvenementFacture,
    d: dict[str, Any],
    facture: Facture,
    rejets: dict[tuple[str, str], list[Rejet]],
    actions: dict[str, list[Action]],
    fichiers: dict[int, FichierRetour],
    lots: dict[tuple[str, str], Lot],
) -> None:
    """The details of one event, in French, from what it carries."""
    lignes = entree.details
    if d.get("lot"):
        lot = lots.get((e.partie or TypePartie.FSE.value, str(d["lot"])))
        texte = f"Lot n° {d['lot']}"
        if lot is not None and lot.date_envoi:
            texte += f", envoyé le {lot.date_envoi:%d/%m/%Y}"
            entree.le = entree.le or lot.date_envoi
        lignes.append(texte)
    if "code" in d and e.evenement in (Evenement.REJETER, Evenement.INDU):
        file = rejets.get((e.partie, str(d["code"])), [])
        rejet = file.pop(0) if file else None
        if rejet is not None:
            source = SourceRejet(rejet.source).label if rejet.source else ""
            lignes.append(f"Rejet [{rejet.code}] {rejet.libelle}")
            lignes.append(f"Reçu le {rejet.date:%d/%m/%Y} — {source}")
            entree.le = entree.le or rejet.date
        else:
            lignes.append(f"Code de rejet {d['code']}")
    if d.get("moyen") in ("courrier", "telephone") and e.evenement == Evenement.REJETER:
        lignes.append(
            "Rejet reçu par " + ("téléphone" if d["moyen"] == "telephone" else "courrier")
        )
    if "payeur" in d and "montant" in d:
        texte = f"{_libelle_payeur(str(d['payeur']))} : {format_euros(int(d['montant']))}"
        if d.get("moyen") and e.evenement != Evenement.REJETER:
            texte += f" ({_libelle_moyen(str(d['moyen'])).lower()})"
        if d.get("affectation"):
            texte += ", affecté depuis les paiements en attente"
        lignes.append(texte)
    elif "montant" in d and isinstance(d["montant"], int):
        lignes.append(f"Montant : {format_euros(d['montant'])}")
    if isinstance(d.get("fichier"), int):
        fichier = fichiers.get(d["fichier"])
        nom = f"« {fichier.nom} »" if fichier else f"n° {d['fichier']}"
        texte = f"Fichier de retour {nom}"
        if d.get("ligne") is not None:
            texte += f", ligne {d['ligne']}"
        lignes.append(texte)
        if fichier is not None and fichier.date:
            entree.le = entree.le or fichier.date
    if d.get("motif"):
        lignes.append(f"Motif : {d['motif']}")
    if d.get("mode"):
        try:
            lignes.append(f"Mode : {Mode(d['mode']).label}")
        except ValueError:
            lignes.append(f"Mode : {d['mode']}")
    if d.get("constats"):
        lignes.append("Constats des contrôles avant envoi : " + ", ".join(map(str, d["constats"])))
    if d.get("forcer"):
        lignes.append(f"Contrôles passés outre : {d['forcer']}")
    if e.evenement == Evenement.DEFACTURER and d.get("commentaire") and facture.commentaire:
        lignes.append(f"Commentaire : {facture.commentaire}")
    if e.evenement == "action" and d.get("type"):
        file_a = actions.get(str(d["type"]), [])
        action = file_a.pop(0) if file_a else None
        if action is not None:
            texte = f"{action.get_type_display()} — {action.get_statut_display()}"
            if action.echeance:
                texte += f", échéance le {action.echeance:%d/%m/%Y}"
            lignes.append(texte)
            entree.le = entree.le or action.creee_le.date()


def _journaux(journaux: list[Journal]) -> list[JournalAffiche]:
    affiches = []
    for j in journaux:
        lignes = []
        for ecriture in sorted(j.ecritures.all(), key=lambda x: (x.montant < 0, x.pk)):
            compte = ledger.Compte(ecriture.compte)
            lignes.append(
                LigneEcriture(
                    compte=compte.value,
                    libelle=compte.libelle,
                    debit=ecriture.montant if ecriture.montant > 0 else None,
                    credit=-ecriture.montant if ecriture.montant < 0 else None,
                )
            )
        affiches.append(JournalAffiche(j, ledger.NatureJournal(j.nature).libelle, tuple(lignes)))
    return affiches


def dossier(facture: Facture) -> Dossier:
    journaux = list(
        Journal.objects.filter(cabinet_id=facture.cabinet_id, facture=facture)
        .prefetch_related("ecritures")
        .order_by("pk")
    )
    bilan = bilan_facture(facture)
    parties = list(facture.parties.select_related("organisme", "lot").order_by("type"))
    return Dossier(
        facture=facture,
        etats={TypePartie(p.type): Etat(p.etat) for p in parties},
        parties=parties,
        actes=list(facture.actes.all()),
        historique=historique(facture, journaux=journaux),
        journaux=_journaux(journaux),
        bilan=bilan,
        reste_par_payeur=[(p.libelle, bilan.reste_du.get(p, 0)) for p in Payeur],
        paiements=list(facture.paiements.order_by("date", "pk")),
        acomptes_crees=list(facture.acomptes_crees.order_by("pk")),
        acomptes_utilises=list(facture.acomptes_utilises.order_by("pk")),
        actions=list(
            Action.objects.filter(cabinet_id=facture.cabinet_id, facture=facture)
            .select_related("responsable")
            .order_by("pk")
        ),
        lignes_retour=list(
            LigneRetour.objects.filter(cabinet_id=facture.cabinet_id, facture=facture)
            .exclude(statut=StatutLigne.APPLIQUEE)
            .select_related("fichier")
            .order_by("fichier_id", "numero")
        ),
        precedente=facture.recyclee_de,
        suivante=_suivante(facture),
    )
