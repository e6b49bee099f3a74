"""Double-entry ledger of the invoices: immutable journals of postings in integer centimes.

Every lifecycle event that moves money posts one journal; each journal is balanced (its
postings sum to zero, debits positive and credits negative). Nothing is ever updated or
deleted: a correction is a reversing journal. Per invoice, billed = paid + written off +
outstanding (`BilanFacture.conserve`). Chart of accounts: DOMAIN.md section 9.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .money import format_euros


class Compte(StrEnum):
    """Chart of accounts; the value is the stored code."""

    CREANCE_AMO = "411-amo"
    CREANCE_AMC = "411-amc"
    CREANCE_PATIENT = "411-patient"
    HONORAIRES = "706"
    BANQUE = "512"
    ACOMPTES = "4191"
    ATTENTE = "471"
    INDUS = "4198"
    PERTES = "654"

    @property
    def libelle(self) -> str:
        return LIBELLES_COMPTES[self]


LIBELLES_COMPTES: Mapping[Compte, str] = {
    Compte.CREANCE_AMO: "Créances sur les caisses (AMO)",
    Compte.CREANCE_AMC: "Créances sur les mutuelles (AMC)",
    Compte.CREANCE_PATIENT: "Créances sur les patients",
    Compte.HONORAIRES: "Honoraires",
    Compte.BANQUE: "Banque",
    Compte.ACOMPTES: "Acomptes des patients",
    Compte.ATTENTE: "Paiements en attente d'affectation",
    Compte.INDUS: "Indus réclamés par les caisses",
    Compte.PERTES: "Pertes sur créances",
}


class Payeur(StrEnum):
    """Who owes a share of an invoice."""

    AMO = "amo"
    AMC = "amc"
    PATIENT = "patient"

    @property
    def compte(self) -> Compte:
        return COMPTE_DU_PAYEUR[self]

    @property
    def libelle(self) -> str:
        return {"amo": "Caisse (AMO)", "amc": "Mutuelle (AMC)", "patient": "Patient"}[self.value]


COMPTE_DU_PAYEUR: Mapping[Payeur, Compte] = {
    Payeur.AMO: Compte.CREANCE_AMO,
    Payeur.AMC: Compte.CREANCE_AMC,
    Payeur.PATIENT: Compte.CREANCE_PATIENT,
}
COMPTES_CREANCES = frozenset(COMPTE_DU_PAYEUR.values())


class NatureJournal(StrEnum):
    """What a journal records; each nature posts to a fixed set of accounts."""

    FACTURATION = "facturation"
    PAIEMENT_CAISSE = "paiement_caisse"
    PAIEMENT_MUTUELLE = "paiement_mutuelle"
    PAIEMENT_PATIENT = "paiement_patient"
    DEFACTURATION = "defacturation"
    PAIEMENT_VERS_ACOMPTE = "paiement_vers_acompte"
    ACOMPTE_UTILISE = "acompte_utilise"
    PASSAGE_EN_PERTE = "passage_en_perte"
    EN_ATTENTE = "en_attente"
    AFFECTATION = "affectation"
    INDU = "indu"
    REPORT = "report"

    @property
    def libelle(self) -> str:
        return LIBELLES_NATURES[self]


LIBELLES_NATURES: Mapping[NatureJournal, str] = {
    NatureJournal.FACTURATION: "Facturation",
    NatureJournal.PAIEMENT_CAISSE: "Paiement de la caisse",
    NatureJournal.PAIEMENT_MUTUELLE: "Paiement de la mutuelle",
    NatureJournal.PAIEMENT_PATIENT: "Paiement du patient",
    NatureJournal.DEFACTURATION: "Défacturation (contrepartie négative)",
    NatureJournal.PAIEMENT_VERS_ACOMPTE: "Paiement du patient transféré en acompte",
    NatureJournal.ACOMPTE_UTILISE: "Acompte utilisé",
    NatureJournal.PASSAGE_EN_PERTE: "Passage en perte",
    NatureJournal.EN_ATTENTE: "Paiement en attente d'affectation",
    NatureJournal.AFFECTATION: "Affectation d'un paiement en attente",
    NatureJournal.INDU: "Indu réclamé par l'organisme",
    NatureJournal.REPORT: "Part rejetée reportée sur un autre payeur",
}

NATURE_DU_PAIEMENT: Mapping[Payeur, NatureJournal] = {
    Payeur.AMO: NatureJournal.PAIEMENT_CAISSE,
    Payeur.AMC: NatureJournal.PAIEMENT_MUTUELLE,
    Payeur.PATIENT: NatureJournal.PAIEMENT_PATIENT,
}
NATURES_ENCAISSEMENT = frozenset(
    {
        *NATURE_DU_PAIEMENT.values(),
        NatureJournal.ACOMPTE_UTILISE,
        NatureJournal.AFFECTATION,
        NatureJournal.PAIEMENT_VERS_ACOMPTE,
        NatureJournal.INDU,
    }
)
"""Journals whose movements on receivables count as money paid on the invoice (a payment moved
to a deposit, or claimed back as an indu, counts negatively: it debits the receivable)."""


class JournalDesequilibre(ValueError):
    """A journal whose postings do not sum to zero, or that is empty."""


@dataclass(frozen=True)
class Ecriture:
    """One posting: a signed amount in centimes on an account (debit > 0, credit < 0)."""

    compte: Compte
    montant: int

    @property
    def debit(self) -> int:
        return max(self.montant, 0)

    @property
    def credit(self) -> int:
        return max(-self.montant, 0)


@dataclass(frozen=True)
class Journal:
    """A dated, immutable set of postings recording one event on at most one invoice."""

    nature: NatureJournal
    date: date
    ecritures: tuple[Ecriture, ...]
    libelle: str = ""
    facture: str | None = None

    def balanced(self) -> bool:
        return bool(self.ecritures) and sum(e.montant for e in self.ecritures) == 0

    def verifie(self) -> Journal:
        if not self.balanced():
            total = sum(e.montant for e in self.ecritures)
            raise JournalDesequilibre(
                f"Journal « {self.nature.libelle} » du {self.date:%d/%m/%Y} déséquilibré : "
                f"débits − crédits = {format_euros(total)}."
            )
        return self


def _journal(
    nature: NatureJournal,
    le: date,
    montants: Iterable[tuple[Compte, int]],
    facture: str | None,
    libelle: str = "",
) -> Journal:
    ecritures = tuple(Ecriture(c, m) for c, m in montants if m)
    return Journal(nature, le, ecritures, libelle or nature.libelle, facture).verifie()


def _positif(montant: int, quoi: str) -> None:
    if montant <= 0:
        raise ValueError(f"{quoi} : montant attendu strictement positif, reçu {montant}")


def facturation(facture: str, le: date, parts: Mapping[Payeur, int]) -> Journal:
    """Billed: each payer's share becomes a receivable against fee income."""
    total = sum(parts.values())
    _positif(total, "facturation")
    if any(m < 0 for m in parts.values()):
        raise ValueError("facturation : une part ne peut pas être négative")
    lignes = [(p.compte, m) for p, m in parts.items()] + [(Compte.HONORAIRES, -total)]
    return _journal(NatureJournal.FACTURATION, le, lignes, facture)


def paiement(facture: str, le: date, payeur: Payeur, montant: int, libelle: str = "") -> Journal:
    """Paid by the caisse, the mutuelle or the patient: bank against the payer's receivable."""
    _positif(montant, "paiement")
    lignes = [(Compte.BANQUE, montant), (payeur.compte, -montant)]
    return _journal(NATURE_DU_PAIEMENT[payeur], le, lignes, facture, libelle)


def defacturation(facture: str, le: date, restes: Mapping[Payeur, int]) -> Journal:
    """Unbilled: the negative counterpart cancels the outstanding receivables."""
    total = sum(restes.values())
    _positif(total, "défacturation")
    lignes = [(Compte.HONORAIRES, total)] + [(p.compte, -m) for p, m in restes.items()]
    return _journal(NatureJournal.DEFACTURATION, le, lignes, facture)


def paiement_vers_acompte(facture: str, le: date, montant: int) -> Journal:
    """The patient's payment on an unbilled invoice becomes a patient deposit (acompte)."""
    _positif(montant, "transfert en acompte")
    lignes = [(Compte.CREANCE_PATIENT, montant), (Compte.ACOMPTES, -montant)]
    return _journal(NatureJournal.PAIEMENT_VERS_ACOMPTE, le, lignes, facture)


def acompte_utilise(facture: str, le: date, montant: int) -> Journal:
    """A patient deposit pays the patient share of an invoice (the recycled one)."""
    _positif(montant, "acompte utilisé")
    lignes = [(Compte.ACOMPTES, montant), (Compte.CREANCE_PATIENT, -montant)]
    return _journal(NatureJournal.ACOMPTE_UTILISE, le, lignes, facture)


def passage_en_perte(facture: str, le: date, payeur: Payeur, montant: int, motif: str) -> Journal:
    """Written off (abandoned, time-barred): the receivable becomes a loss."""
    _positif(montant, "passage en perte")
    lignes = [(Compte.PERTES, montant), (payeur.compte, -montant)]
    return _journal(NatureJournal.PASSAGE_EN_PERTE, le, lignes, facture, motif)


def paiement_en_attente(le: date, montant: int, libelle: str) -> Journal:
    """Money that arrived for no invoice, or for one that cannot take it: held, never lost.
    A negative amount is an indu that could not be applied: deducted from the transfer, held
    the same way until a person allocates it."""
    if not montant:
        raise ValueError("paiement en attente : montant nul")
    lignes = [(Compte.BANQUE, montant), (Compte.ATTENTE, -montant)]
    return _journal(NatureJournal.EN_ATTENTE, le, lignes, None, libelle)


def affectation(facture: str, le: date, payeur: Payeur, montant: int) -> Journal:
    """A payment awaiting allocation is allocated to an invoice's receivable; a negative amount
    (a parked indu) reopens the receivable against the suspense account."""
    if not montant:
        raise ValueError("affectation : montant nul")
    lignes = [(Compte.ATTENTE, montant), (payeur.compte, -montant)]
    return _journal(NatureJournal.AFFECTATION, le, lignes, facture)


def indu(facture: str, le: date, payeur: Payeur, montant: int, retenu: bool, motif: str) -> Journal:
    """An amount claimed back by the organisme: the receivable is due again; the money leaves
    the bank when it was deducted from a transfer (`retenu`), else it is owed to the organisme
    (indus à rembourser)."""
    _positif(montant, "indu")
    contrepartie = Compte.BANQUE if retenu else Compte.INDUS
    lignes = [(payeur.compte, montant), (contrepartie, -montant)]
    return _journal(NatureJournal.INDU, le, lignes, facture, motif)


def report(facture: str, le: date, de: Payeur, vers: Payeur, montant: int, motif: str) -> Journal:
    """A rejected share billed to another payer (the patient): the receivable moves from `de`
    to `vers`; nothing is billed, paid or lost, so the invoice's balance is unchanged."""
    _positif(montant, "report")
    if de is vers:
        raise ValueError("report : le payeur d'origine et le nouveau payeur sont le même")
    lignes = [(vers.compte, montant), (de.compte, -montant)]
    return _journal(NatureJournal.REPORT, le, lignes, facture, motif)


def contre_passation(journal: Journal, le: date, motif: str) -> Journal:
    """The reversing journal of `journal`: same nature and accounts, opposite amounts, so every
    measure of `bilan` (linear in the amounts) is reversed with it."""
    lignes = [(e.compte, -e.montant) for e in journal.ecritures]
    libelle = f"Contre-passation : {motif}"
    return _journal(journal.nature, le, lignes, journal.facture, libelle)


@dataclass(frozen=True)
class Mouvement:
    """A posting as read back from the book, with the nature of its journal."""

    nature: NatureJournal
    compte: Compte
    montant: int


def mouvements(journaux: Iterable[Journal]) -> list[Mouvement]:
    return [Mouvement(j.nature, e.compte, e.montant) for j in journaux for e in j.ecritures]


@dataclass(frozen=True)
class BilanFacture:
    """An invoice's position from its postings, in centimes."""

    facture_nette: int
    paye: int
    perdu: int
    reste_du: Mapping[Payeur, int] = field(default_factory=dict)

    @property
    def reste(self) -> int:
        return sum(self.reste_du.values())

    @property
    def conserve(self) -> bool:
        """billed = paid + written off + outstanding (DOMAIN.md section 9)."""
        return self.facture_nette == self.paye + self.perdu + self.reste


def bilan(mouvements_facture: Iterable[Mouvement]) -> BilanFacture:
    """billed = net credit to fee income; paid = net credit to receivables from cash-in journals
    less payments moved to a deposit; written off = debit to losses; outstanding = debit
    balance of each receivable. Each is measured on its own accounts, so a misbooked journal
    breaks the equality."""
    facture_nette = paye = perdu = 0
    reste = dict.fromkeys(Payeur, 0)
    payeur_du_compte = {c: p for p, c in COMPTE_DU_PAYEUR.items()}
    for m in mouvements_facture:
        if m.compte is Compte.HONORAIRES:
            facture_nette -= m.montant
        elif m.compte is Compte.PERTES:
            perdu += m.montant
        if m.compte in COMPTES_CREANCES:
            reste[payeur_du_compte[m.compte]] += m.montant
            if m.nature in NATURES_ENCAISSEMENT:
                paye -= m.montant
    return BilanFacture(facture_nette, paye, perdu, reste)


def soldes(mouvements_: Iterable[Mouvement]) -> dict[Compte, int]:
    """Balance of every account (debit positive)."""
    resultat = dict.fromkeys(Compte, 0)
    for m in mouvements_:
        resultat[m.compte] += m.montant
    return resultat
