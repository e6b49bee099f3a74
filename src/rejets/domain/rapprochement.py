"""Reconciliation of return lines with invoices: what a matched line does to its invoice.

A return line (NOEMIE-like outcome, CSV row or ARL) is first matched to an invoice by the
professional and the invoice number, then, failing that, by the lot; a match on NIR, care
date and amount alone is only a suggestion for a person (DOMAIN.md section 2). This module
decides, from the line and the matched part's situation, which move of the lifecycle applies;
the services carry it out. Money is never refused: what cannot be applied is parked as a
payment awaiting allocation (DOMAIN.md section 9).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .ledger import Payeur
from .lifecycle import Etat, Evenement, TypePartie, est_permise
from .money import format_euros


class Issue(StrEnum):
    """Outcome of one invoice part as read in the return (symbols of DOMAIN.md section 2)."""

    PAYEE = "P"
    REJETEE = "R"
    TRAITEMENT_CAISSE = "T"

    @property
    def libelle(self) -> str:
        return {"P": "payée", "R": "rejetée", "T": "en traitement caisse"}[self.value]


PARTIE_DE_LA_LIGNE: dict[str, TypePartie] = {
    "AMO": TypePartie.FSE,
    "AMC": TypePartie.DRE,
    "FSE": TypePartie.FSE,
    "DRE": TypePartie.DRE,
}
PAYEUR_DE_LA_LIGNE: dict[str, Payeur] = {
    "AMO": Payeur.AMO,
    "AMC": Payeur.AMC,
    "FSE": Payeur.AMO,
    "DRE": Payeur.AMC,
}


@dataclass(slots=True)
class LigneRetour:
    """One invoice outcome, whatever file it came from (fixed-width record or CSV row)."""

    numero: int
    partie: str
    numero_ps: str
    numero_facture: str
    issue: Issue
    montant_paye: int
    montant_demande: int | None = None
    numero_lot: str = ""
    nir: str = ""
    date_soins: date | None = None
    organisme: str = ""
    code: str = ""
    libelle: str = ""
    reference_virement: str = ""
    date_virement: date | None = None


@dataclass(slots=True)
class LigneArl:
    """An ARL: the lot was readable (positive) or refused as a whole (negative)."""

    numero: int
    numero_ps: str
    partie: str
    numero_lot: str
    positif: bool
    code: str = ""
    motif: str = ""


@dataclass(slots=True)
class Situation:
    """What the matched part looks like now: its state, what its payer still owes, and what
    that payer has paid (net of indus)."""

    etat: Etat
    reste_du: int
    paye: int


class Action(StrEnum):
    PAYER = "payer"
    PAYER_PARTIELLEMENT = "payer_partiellement"
    REJETER = "rejeter"
    TRAITEMENT_CAISSE = "traitement_caisse"
    INDU = "indu"
    ATTENTE = "attente"
    """The money is parked as awaiting allocation; the line is listed for a person."""
    A_EXAMINER = "a_examiner"
    """No money and no move possible: the line is queued for a person, with the reason."""


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    motif: str = ""

    @property
    def evenement(self) -> Evenement | None:
        return EVENEMENT_DE_L_ACTION.get(self.action)


EVENEMENT_DE_L_ACTION = {
    Action.PAYER: Evenement.PAYER,
    Action.PAYER_PARTIELLEMENT: Evenement.PAYER_PARTIELLEMENT,
    Action.REJETER: Evenement.REJETER,
    Action.TRAITEMENT_CAISSE: Evenement.METTRE_EN_TRAITEMENT_CAISSE,
    Action.INDU: Evenement.INDU,
}


def _bloque(ligne: LigneRetour, raison: str) -> Decision:
    if ligne.montant_paye:
        return Decision(Action.ATTENTE, raison)
    return Decision(Action.A_EXAMINER, raison)


def decider(ligne: LigneRetour, situation: Situation | None) -> Decision:
    """The move a matched line makes. A positive amount pays the part (fully when it settles
    what is owed); a negative amount is an indu on a paid part; a rejection or a traitement
    caisse moves the part when the table allows it. Anything else parks the money, or queues
    the line, with the reason in French."""
    facture = f"facture {ligne.numero_facture}"
    if situation is None:
        return _bloque(ligne, f"La {facture} n'a pas de partie {ligne.partie}.")
    etat = situation.etat
    partie = PARTIE_DE_LA_LIGNE[ligne.partie]
    montant = ligne.montant_paye
    if montant < 0:
        if not est_permise(Evenement.INDU, {partie: etat}, partie):
            return _bloque(
                ligne, f"Indu sur la {facture} à l'état « {etat.libelle} », qui n'a pas été payée."
            )
        if -montant > situation.paye:
            return _bloque(
                ligne,
                f"Indu de {format_euros(-montant)} sur la {facture}, qui n'a reçu que "
                f"{format_euros(situation.paye)}.",
            )
        return Decision(Action.INDU)
    if ligne.issue is Issue.PAYEE:
        if montant == 0:
            return Decision(Action.A_EXAMINER, f"Paiement de 0 € annoncé pour la {facture}.")
        if not est_permise(Evenement.PAYER, {partie: etat}, partie):
            return _bloque(
                ligne,
                f"La {facture} est à l'état « {etat.libelle} » : elle n'attend pas de paiement.",
            )
        if montant > situation.reste_du:
            return _bloque(
                ligne,
                f"Le paiement de {format_euros(montant)} dépasse le reste dû de la {facture} "
                f"({format_euros(situation.reste_du)}).",
            )
        if montant == situation.reste_du:
            return Decision(Action.PAYER)
        return Decision(Action.PAYER_PARTIELLEMENT)
    if montant:
        return _bloque(
            ligne,
            f"Une ligne « {ligne.issue.libelle} » porte un paiement de {format_euros(montant)} "
            f"pour la {facture}.",
        )
    evenement = (
        Evenement.REJETER if ligne.issue is Issue.REJETEE else Evenement.METTRE_EN_TRAITEMENT_CAISSE
    )
    if not est_permise(evenement, {partie: etat}, partie):
        return Decision(
            Action.A_EXAMINER,
            f"La {facture} est à l'état « {etat.libelle} » : « {ligne.issue.libelle} » ne peut "
            "pas s'y appliquer.",
        )
    if ligne.issue is Issue.REJETEE:
        return Decision(Action.REJETER)
    return Decision(Action.TRAITEMENT_CAISSE)
