"""How the simulated caisse or mutuelle judges one invoice of a lot (docs/simulateur.md).

Pure: no Django, no clock, no global random state. `juger` takes the invoice as read from the
lot (`FactureLue`), what the simulator's registers say about it (`Faits`), the tariff
catalogue, the rates (`Taux`) and a `random.Random` seeded for this invoice, and returns a
`Decision`: paid, rejected (family of DOMAIN.md section 4, the simulator's own code and
label), sent to traitement caisse (then paid or rejected), or never answered; a paid invoice
may be reclaimed later (indu).

Order: a forced outcome first; then the rules, each tied to a family (technique, droits, amc,
prescription, cotation, tiers_payant, doublon), the first fault found rejects; only a clean
invoice goes to the random draws. Every random value is drawn up front, in a fixed order, so
the decision depends only on the seed and the inputs.

The codes are data (`codes.toml`, `table_codes`): code, nature, family, label, explanation.
"""

from __future__ import annotations

import calendar
import random
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from rejets.domain.cotation import CODES_IK, montant_ligne
from rejets.domain.repartition import appliquer_pourcentage
from rejets.domain.tarifs import Catalogue, CatalogueInvalide, TarifManquant

__all__ = [
    "FAMILLES",
    "ActeLu",
    "CodeSimulateur",
    "CodesInvalides",
    "ContratAmc",
    "Decision",
    "DroitsConnus",
    "FactureLue",
    "Faits",
    "Forcage",
    "Issue",
    "NatureCode",
    "TableCodes",
    "Taux",
    "decision_forcee",
    "graine_facture",
    "juger",
    "table_codes",
]

FAMILLES = (
    "technique",
    "droits",
    "amc",
    "prescription",
    "cotation",
    "tiers_payant",
    "doublon",
)
"""Rejection families of DOMAIN.md section 4, in the order the rules are applied."""

MARQUE = " (SIMULATEUR)"
"""Every label ends with it: a return of the simulator is never taken for a real caisse's."""

LONGUEUR_LIBELLE = 60
"""Width of `libelle` in REJETS-RETOURS-1 and of `motif` in REJETS-ARL-1."""

DELAI_REPONSE = (3, 12)
DELAI_TRAITEMENT = (3, 10)
DELAI_FINALE = (20, 45)
DELAI_INDU = (30, 90)
"""Days, inclusive bounds: reception → payment or rejection; reception → « T »; reception →
final answer after traitement caisse; payment → indu."""

PARTS_INDU = (100, 100, 50, 20)
"""Share of the paid amount an indu takes back (%), drawn at random."""

VALIDITE_PRESCRIPTION_MOIS = 12
"""Used when the catalogue has no `prescription_validite_mois` at the date of the acts."""

EXONERATIONS_DE_L_ASSURE = frozenset({"4", "5", "9"})
"""Exonérations attached to the insured person (ALD, assuré exonéré, ASPA), which the caisse
knows in its register; the others (3 traitement exonérant, 6, 7…) come with the care."""

NATURES_EXONEREES = frozenset({"30", "41", "90"})
CODES_DEPLACEMENT = frozenset({"IFD", *CODES_IK.values()})
_HEX16 = re.compile(r"[0-9A-Fa-f]{16}\Z")


class Issue(StrEnum):
    """Outcome of an invoice at the simulated organisme."""

    PAIEMENT = "paiement"
    REJET = "rejet"
    TRAITEMENT_CAISSE = "traitement_caisse"
    SILENCE = "silence"
    INDU = "indu"

    @property
    def libelle(self) -> str:
        return _LIBELLES_ISSUE[self]


_LIBELLES_ISSUE = {
    Issue.PAIEMENT: "paiement",
    Issue.REJET: "rejet",
    Issue.TRAITEMENT_CAISSE: "traitement caisse",
    Issue.SILENCE: "aucune réponse",
    Issue.INDU: "paiement puis indu",
}


class NatureCode(StrEnum):
    REJET = "rejet"
    INFORMATION = "information"
    INDU = "indu"
    ARL = "arl"


# ------------------------------------------------------------------ code table


class CodesInvalides(ValueError):
    """Table de codes refusée ; message en français, avec le fichier et l'entrée."""


@dataclass(frozen=True, slots=True)
class CodeSimulateur:
    """A code of the simulator: what it means, its family and how to fix it."""

    code: str
    nature: NatureCode
    famille: str
    libelle: str
    explication: str
    correction: str
    aleatoire: bool
    parties: frozenset[str]


class TableCodes(Mapping[str, CodeSimulateur]):
    """The simulator's codes by code, with the ones a random draw may pick."""

    def __init__(self, codes: Sequence[CodeSimulateur]) -> None:
        self._codes = {c.code: c for c in codes}

    def __getitem__(self, code: str) -> CodeSimulateur:
        return self._codes[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes)

    def __len__(self) -> int:
        return len(self._codes)

    def tirables(self, nature: NatureCode, partie: str) -> tuple[CodeSimulateur, ...]:
        """Codes marked `aleatoire` of that nature for that part (FSE or DRE), in file order."""
        return tuple(
            c
            for c in self._codes.values()
            if c.nature is nature and c.aleatoire and partie in c.parties
        )

    @classmethod
    def depuis_toml(cls, texte: str, *, nom_fichier: str = "codes.toml") -> TableCodes:
        """Reads and checks a code table; `CodesInvalides` names the file and the entry."""
        try:
            donnees = tomllib.loads(texte)
        except tomllib.TOMLDecodeError as erreur:
            raise CodesInvalides(
                f"Fichier « {nom_fichier} » : TOML illisible ({erreur})."
            ) from None
        if donnees.get("format") != "rejets-simulateur-codes" or donnees.get("version") != 1:
            raise CodesInvalides(
                f"Fichier « {nom_fichier} » : format « rejets-simulateur-codes », version 1 "
                "attendus."
            )
        inconnues = set(donnees) - {"format", "version", "code"}
        if inconnues:
            raise CodesInvalides(
                f"Fichier « {nom_fichier} » : clés inconnues {', '.join(sorted(inconnues))}."
            )
        codes = [
            _lire_code(entree, f"Fichier « {nom_fichier} », code n° {rang}")
            for rang, entree in enumerate(donnees.get("code", []), 1)
        ]
        vus: set[str] = set()
        for c in codes:
            if c.code in vus:
                raise CodesInvalides(f"Fichier « {nom_fichier} » : code « {c.code} » en double.")
            vus.add(c.code)
        table = cls(codes)
        for nature in (NatureCode.REJET, NatureCode.INDU):
            for partie in ("FSE", "DRE"):
                if not table.tirables(nature, partie):
                    raise CodesInvalides(
                        f"Fichier « {nom_fichier} » : aucun code « {nature} » tirable au hasard "
                        f"pour une {partie}."
                    )
        for nature in (NatureCode.INFORMATION, NatureCode.ARL):
            if not any(c.nature is nature for c in codes):
                raise CodesInvalides(f"Fichier « {nom_fichier} » : aucun code « {nature} ».")
        return table


_CLES_CODE = {
    "code",
    "nature",
    "famille",
    "libelle",
    "explication",
    "correction",
    "aleatoire",
    "parties",
}


def _lire_code(entree: Any, ou: str) -> CodeSimulateur:
    if not isinstance(entree, dict):
        raise CodesInvalides(f"{ou} : une table est attendue.")
    inconnues = set(entree) - _CLES_CODE
    if inconnues:
        raise CodesInvalides(f"{ou} : clés inconnues {', '.join(sorted(inconnues))}.")

    def texte(cle: str, obligatoire: bool = True) -> str:
        valeur = entree.get(cle, "")
        if not isinstance(valeur, str) or (obligatoire and not valeur.strip()):
            raise CodesInvalides(f"{ou} : « {cle} » doit être un texte non vide.")
        return valeur.strip()

    code = texte("code")
    if not re.fullmatch(r"[A-Z0-9]{1,5}", code):
        raise CodesInvalides(f"{ou} : le code « {code} » doit faire 1 à 5 lettres ou chiffres.")
    try:
        nature = NatureCode(texte("nature"))
    except ValueError:
        raise CodesInvalides(
            f"{ou} ({code}) : nature parmi {', '.join(n.value for n in NatureCode)}."
        ) from None
    famille = texte("famille", obligatoire=nature is not NatureCode.INFORMATION)
    if famille and famille not in FAMILLES:
        raise CodesInvalides(f"{ou} ({code}) : famille parmi {', '.join(FAMILLES)}.")
    libelle = texte("libelle")
    if (
        len(libelle) > LONGUEUR_LIBELLE
        or not libelle.endswith(MARQUE)
        or libelle != libelle.upper()
        or not libelle.isascii()
    ):
        raise CodesInvalides(
            f"{ou} ({code}) : le libellé doit être en majuscules sans accent, finir par "
            f"« {MARQUE.strip()} » et tenir en {LONGUEUR_LIBELLE} caractères."
        )
    aleatoire = entree.get("aleatoire", False)
    if not isinstance(aleatoire, bool):
        raise CodesInvalides(f"{ou} ({code}) : « aleatoire » vaut true ou false.")
    parties = entree.get("parties", ["FSE", "DRE"])
    if (
        not isinstance(parties, list)
        or not parties
        or any(p not in ("FSE", "DRE") for p in parties)
    ):
        raise CodesInvalides(f"{ou} ({code}) : « parties » est une liste parmi FSE, DRE.")
    return CodeSimulateur(
        code=code,
        nature=nature,
        famille=famille,
        libelle=libelle,
        explication=texte("explication"),
        correction=texte("correction"),
        aleatoire=aleatoire,
        parties=frozenset(parties),
    )


@cache
def table_codes() -> TableCodes:
    """The table shipped with the simulator (`codes.toml`)."""
    fichier = resources.files("rejets.simulateur").joinpath("codes.toml")
    return TableCodes.depuis_toml(fichier.read_text(encoding="utf-8"), nom_fichier="codes.toml")


# ------------------------------------------------------------------ inputs


@dataclass(frozen=True, slots=True)
class ActeLu:
    """An act of the lot (record 3): coefficient in thousandths, amount in centimes."""

    date: date
    lettre_cle: str
    coefficient: int
    montant: int


@dataclass(frozen=True, slots=True)
class FactureLue:
    """An invoice as read from a REJETS-LOT-1 lot: its header record 2, its acts, and the
    lot's header (part, professional, lot, destination organisme)."""

    partie: str
    numero_ps: str
    numero_lot: str
    organisme: str
    numero_facture: str
    nir: str
    rang: int
    date_soins: date
    montant_total: int
    part_amo: int
    part_amc: int
    regime: str
    caisse: str
    centre: str
    nature_assurance: str
    exoneration: str
    tiers_payant: str
    mode: str
    scellement: str
    date_prescription: date | None = None
    prescripteur: str = ""
    domicile: str = ""
    numero_amc: str = ""
    actes: tuple[ActeLu, ...] = ()

    @property
    def montant_demande(self) -> int:
        """What this payer is asked for: part AMO from the caisse, part AMC from the mutuelle."""
        return self.part_amo if self.partie == "FSE" else self.part_amc


@dataclass(frozen=True, slots=True)
class DroitsConnus:
    """The insured's rights as the caisse knows them (its register)."""

    regime: str
    caisse: str
    centre: str
    debut: date
    fin: date | None = None
    exoneration: str = "0"
    nature_assurance: str = "10"

    def ouverts(self, le: date) -> bool:
        return self.debut <= le and (self.fin is None or le <= self.fin)


@dataclass(frozen=True, slots=True)
class ContratAmc:
    """A complementary contract as the mutuelle knows it (its register)."""

    numero_amc: str
    debut: date
    fin: date | None = None

    def valide(self, le: date) -> bool:
        return self.debut <= le and (self.fin is None or le <= self.fin)


@dataclass(frozen=True, slots=True)
class Forcage:
    """An outcome imposed on an invoice; `code` picks the rejection or indu code."""

    issue: Issue
    code: str = ""


@dataclass(frozen=True, slots=True)
class Faits:
    """What the simulator's registers say about one invoice when it is judged."""

    droits: DroitsConnus | None = None
    contrats: tuple[ContratAmc, ...] = ()
    numero_deja_recu: bool = False
    """The same part, professional and invoice number was received before and not rejected."""
    identique_payee: bool = False
    """Another invoice of the professional, same NIR, care date and total, is paid."""
    scellement_deja_recu: bool = False
    """The same seal was received for another invoice number."""
    pieces: frozenset[str] = frozenset()
    """Types of SCOR pieces received for the invoice by the time of judgement."""
    forcage: Forcage | None = None


@dataclass(frozen=True, slots=True)
class Taux:
    """Rates of the random outcomes of a clean invoice, as fractions (0.03 = 3 %).

    `traitement_paye`: share of the invoices in traitement caisse finally paid."""

    rejet: float = 0.03
    traitement_caisse: float = 0.01
    silence: float = 0.005
    indu: float = 0.003
    traitement_paye: float = 0.70

    def __post_init__(self) -> None:
        for nom in ("rejet", "traitement_caisse", "silence", "indu", "traitement_paye"):
            valeur = getattr(self, nom)
            if not isinstance(valeur, int | float) or not 0 <= valeur <= 1:
                raise ValueError(f"Taux « {nom} » : un nombre entre 0 et 1 est attendu.")
        if self.rejet + self.traitement_caisse + self.silence > 1:
            raise ValueError(
                "Taux : rejet, traitement caisse et silence réunis ne peuvent dépasser 100 %."
            )


def graine_facture(
    graine: int, partie: str, numero_ps: str, numero_facture: str, reception: int
) -> str:
    """Seed of the invoice's draws; a later reception of the same number draws afresh."""
    base = f"{graine}:{partie}:{numero_ps}:{numero_facture}"
    return base if reception <= 1 else f"{base}:{reception}"


# ------------------------------------------------------------------ decision


@dataclass(frozen=True, slots=True)
class Decision:
    """The simulated organisme's answer to an invoice.

    `issue` is the first answer (paiement, rejet, traitement_caisse, silence); after a
    traitement caisse, `finale` is paiement or rejet. `motif` is the rejection code (first or
    final answer); `indu` > 0 is taken back `delai_indu` days after the payment. Delays count
    days from the reception of the lot; `detail` says in French why (never the NIR)."""

    issue: Issue
    montant_demande: int
    montant_paye: int = 0
    motif: CodeSimulateur | None = None
    finale: Issue | None = None
    indu: int = 0
    motif_indu: CodeSimulateur | None = None
    delai: int | None = None
    delai_finale: int | None = None
    delai_indu: int | None = None
    detail: str = ""
    forcee: bool = False

    @property
    def issue_finale(self) -> Issue:
        """Where the invoice ends: paiement, rejet or silence."""
        return self.finale or self.issue

    @property
    def famille(self) -> str:
        return self.motif.famille if self.motif else ""


@dataclass(frozen=True, slots=True)
class _Tirages:
    """Every random value of an invoice, drawn in this order."""

    issue: float
    finale: float
    indu: float
    code: float
    code_final: float
    code_indu: float
    part_indu: int
    delai: int
    delai_traitement: int
    delai_finale: int
    delai_indu: int

    @classmethod
    def tirer(cls, rng: random.Random) -> _Tirages:
        return cls(
            issue=rng.random(),
            finale=rng.random(),
            indu=rng.random(),
            code=rng.random(),
            code_final=rng.random(),
            code_indu=rng.random(),
            part_indu=rng.choice(PARTS_INDU),
            delai=rng.randint(*DELAI_REPONSE),
            delai_traitement=rng.randint(*DELAI_TRAITEMENT),
            delai_finale=rng.randint(*DELAI_FINALE),
            delai_indu=rng.randint(*DELAI_INDU),
        )


def _choisir(codes: Sequence[CodeSimulateur], tirage: float) -> CodeSimulateur:
    return codes[min(int(tirage * len(codes)), len(codes) - 1)]


@dataclass(frozen=True, slots=True)
class _Faute:
    code: str
    detail: str


_Regle = Callable[[FactureLue, Faits, Catalogue], _Faute | None]


def _jj(jour: date) -> str:
    return jour.strftime("%d/%m/%Y")


def _euros(centimes: int) -> str:
    signe = "-" if centimes < 0 else ""
    e, c = divmod(abs(centimes), 100)
    return f"{signe}{e},{c:02d} €"


def _ajouter_mois(jour: date, mois: int) -> date:
    index = jour.year * 12 + jour.month - 1 + mois
    annee, mois_cible = divmod(index, 12)
    dernier = calendar.monthrange(annee, mois_cible + 1)[1]
    return date(annee, mois_cible + 1, min(jour.day, dernier))


# --- technique


def _technique(f: FactureLue, faits: Faits, catalogue: Catalogue) -> _Faute | None:
    """Seal: 16 hexadecimal characters (docs/formats/lot-rejets.md), never reused by another
    invoice number."""
    if not _HEX16.match(f.scellement):
        return _Faute("ST01", "Le scellement n'est pas fait de 16 caractères hexadécimaux.")
    if faits.scellement_deja_recu:
        return _Faute("ST02", "Ce scellement a déjà été reçu pour une autre facture.")
    return None


# --- droits (caisse)


def _droits(f: FactureLue, faits: Faits, catalogue: Catalogue) -> _Faute | None:
    """The caisse's register: the beneficiary known (NIR and rang), rights open at the care
    date, the same régime/caisse/centre as the invoice (a Vitale card not updated), and an
    exonération of the person (4, 5, 9) that the caisse knows (DOMAIN.md §4, famille droits)."""
    if f.partie != "FSE":
        return None
    d = faits.droits
    if d is None:
        return _Faute("SD01", f"NIR et rang {f.rang} inconnus de la caisse.")
    if d.fin is not None and f.date_soins > d.fin:
        return _Faute(
            "SD02", f"Droits fermés depuis le {_jj(d.fin)}, soins du {_jj(f.date_soins)}."
        )
    if f.date_soins < d.debut:
        return _Faute("SD03", f"Droits ouverts le {_jj(d.debut)}, soins du {_jj(f.date_soins)}.")
    memes_centres = f.centre == d.centre or "0000" in (f.centre, d.centre)
    if f.regime != d.regime or f.caisse != d.caisse or not memes_centres:
        return _Faute(
            "SD04",
            f"La facture porte {f.regime} {f.caisse} {f.centre}, la caisse connaît "
            f"{d.regime} {d.caisse} {d.centre}.",
        )
    if f.exoneration in EXONERATIONS_DE_L_ASSURE and f.exoneration != d.exoneration:
        return _Faute(
            "SD05",
            f"Exonération {f.exoneration} facturée, la caisse connaît l'exonération "
            f"{d.exoneration}.",
        )
    return None


# --- amc (mutuelle)


def _amc(f: FactureLue, faits: Faits, catalogue: Catalogue) -> _Faute | None:
    """The mutuelle's register: a contract under the invoice's AMC number (or the lot's
    destination) for this beneficiary, in force at the care date (DOMAIN.md §4, famille amc)."""
    if f.partie != "DRE":
        return None
    numero = f.numero_amc or f.organisme
    contrats = [c for c in faits.contrats if c.numero_amc == numero]
    if not contrats:
        return _Faute("SA01", f"Aucun contrat sous le n° AMC {numero} pour ce bénéficiaire.")
    if not any(c.valide(f.date_soins) for c in contrats):
        periodes = ", ".join(
            f"du {_jj(c.debut)}" + (f" au {_jj(c.fin)}" if c.fin else "") for c in contrats
        )
        return _Faute("SA02", f"Contrat {numero} {periodes} ; soins du {_jj(f.date_soins)}.")
    return None


# --- prescription


def _prescription(f: FactureLue, faits: Faits, catalogue: Catalogue) -> _Faute | None:
    """Nurse acts are prescribed: a prescription date, not after the first act, at most
    `prescription_validite_mois` (12) months before the last; « à domicile » for IFD/IK;
    in mode dégradé, the SCOR care sheet and prescription received (DOMAIN.md §2, §4, §7)."""
    prescrite = f.date_prescription
    if prescrite is None:
        return _Faute("SP01", "Aucune date de prescription sur la facture.")
    dates = [f.date_soins, *(a.date for a in f.actes)]
    premiere, derniere = min(dates), max(dates)
    if prescrite > premiere:
        return _Faute("SP02", f"Prescription du {_jj(prescrite)}, premier acte le {_jj(premiere)}.")
    try:
        mois = int(catalogue.parametre("prescription_validite_mois", derniere).decimal())
    except (TarifManquant, CatalogueInvalide, ValueError, ArithmeticError):
        mois = VALIDITE_PRESCRIPTION_MOIS
    if derniere > _ajouter_mois(prescrite, mois):
        return _Faute(
            "SP03",
            f"Acte du {_jj(derniere)} plus de {mois} mois après la prescription du "
            f"{_jj(prescrite)}.",
        )
    deplacements = sorted({a.lettre_cle for a in f.actes if a.lettre_cle in CODES_DEPLACEMENT})
    if deplacements and f.domicile != "O":
        return _Faute(
            "SP04",
            f"{', '.join(deplacements)} facturé sans la mention « à domicile » sur la "
            "prescription.",
        )
    if f.mode == "D":
        manquantes = [p for p in ("feuille_de_soins", "prescription") if p not in faits.pieces]
        if manquantes:
            return _Faute(
                "SP05",
                "Mode dégradé : pièces SCOR non reçues ("
                + ", ".join(p.replace("_", " ") for p in manquantes)
                + ").",
            )
    return None


# --- cotation


def _cotation(f: FactureLue, faits: Faits, catalogue: Catalogue) -> _Faute | None:
    """Every act has a tariff at its date in the catalogue (métropole), and its amount is the
    coefficient × that tariff at 100 %, 50 % (art. 11B) or 0 %; no MAU with MCI (décision
    UNCAM du 20/12/2011); the total is the sum of the acts."""
    if not f.actes:
        return _Faute("SC05", "La facture ne porte aucun acte.")
    for a in f.actes:
        try:
            tarif = catalogue.valeur(a.lettre_cle, a.date)
        except TarifManquant:
            return _Faute("SC01", f"Pas de tarif pour « {a.lettre_cle} » au {_jj(a.date)}.")
        coefficient = Decimal(a.coefficient) / 1000
        permis = {montant_ligne(tarif.centimes, coefficient, p) for p in (100, 50, 0)}
        if a.montant not in permis:
            attendu = montant_ligne(tarif.centimes, coefficient)
            return _Faute(
                "SC02",
                f"{a.lettre_cle} {coefficient.normalize():f} du {_jj(a.date)} facturé "
                f"{_euros(a.montant)}, tarif {_euros(attendu)}.",
            )
    lettres = {a.lettre_cle for a in f.actes}
    if {"MAU", "MCI"} <= lettres:
        return _Faute("SC03", "MAU et MCI sur la même facture.")
    somme = sum(a.montant for a in f.actes)
    if somme != f.montant_total:
        return _Faute(
            "SC04",
            f"Total {_euros(f.montant_total)}, somme des actes {_euros(somme)}.",
        )
    return None


# --- tiers payant


def taux_amo(f: FactureLue, catalogue: Catalogue) -> int | None:
    """AMO rate (%) for the invoice: 100 for nature 30/41/90 or an exonération other than 0
    (`taux_amo`/`exonere`), else `taux_amo`/`auxiliaire_medical` (60) ; None when it cannot be
    told (Alsace-Moselle without exonération, or no rate in the catalogue)."""
    exonere = f.nature_assurance in NATURES_EXONEREES or f.exoneration not in ("", "0")
    if not exonere and f.nature_assurance == "13":
        return None
    variante = "exonere" if exonere else "auxiliaire_medical"
    try:
        return int(catalogue.parametre("taux_amo", f.date_soins, variante).decimal())
    except (TarifManquant, CatalogueInvalide, ValueError, ArithmeticError):
        return None


def _tiers_payant(f: FactureLue, faits: Faits, catalogue: Catalogue) -> _Faute | None:
    """AMO and AMC data consistent (DOMAIN.md §4, famille tiers_payant): parts within the
    total; tiers payant C with an AMC number and an AMC part; no AMC part under O, no DRE
    outside C; a part AMO equal to the rate applied to each act (1 centime per act allowed);
    something asked of this payer."""
    if f.part_amo + f.part_amc > f.montant_total:
        return _Faute(
            "SR01",
            f"AMO {_euros(f.part_amo)} + AMC {_euros(f.part_amc)} > total "
            f"{_euros(f.montant_total)}.",
        )
    if f.tiers_payant == "C" and not f.numero_amc:
        return _Faute("SR02", "Tiers payant C sans numéro AMC.")
    if f.tiers_payant == "C" and f.part_amc <= 0:
        return _Faute("SR03", "Tiers payant C avec une part AMC nulle.")
    if f.tiers_payant == "O" and f.part_amc > 0:
        return _Faute("SR04", "Tiers payant O (AMO seule) avec une part AMC.")
    if f.partie == "DRE" and f.tiers_payant != "C":
        return _Faute("SR04", f"DRE en tiers payant {f.tiers_payant}, C attendu.")
    taux = taux_amo(f, catalogue)
    if taux is not None and f.actes:
        attendu = sum(appliquer_pourcentage(a.montant, Decimal(taux)) for a in f.actes)
        if abs(f.part_amo - attendu) > len(f.actes):
            return _Faute(
                "SR05",
                f"Part AMO {_euros(f.part_amo)}, {taux} % des actes : {_euros(attendu)}.",
            )
    if f.montant_demande <= 0:
        return _Faute("SR06", "Le montant demandé à l'organisme est nul.")
    return None


# --- doublon


def _doublon(f: FactureLue, faits: Faits, catalogue: Catalogue) -> _Faute | None:
    """An invoice is paid once: its number already received (and not rejected), or the same
    beneficiary, care date and total already paid under another number (DOMAIN.md §4)."""
    if faits.numero_deja_recu:
        return _Faute("SB01", f"Facture {f.numero_facture} déjà reçue.")
    if faits.identique_payee:
        return _Faute(
            "SB02",
            f"Une facture du même bénéficiaire, des soins du {_jj(f.date_soins)} et de "
            f"{_euros(f.montant_total)} est déjà payée.",
        )
    return None


REGLES: tuple[tuple[str, _Regle], ...] = (
    ("technique", _technique),
    ("droits", _droits),
    ("amc", _amc),
    ("prescription", _prescription),
    ("cotation", _cotation),
    ("tiers_payant", _tiers_payant),
    ("doublon", _doublon),
)
"""The rules, one per family, in the order they are applied."""


def premiere_faute(
    facture: FactureLue, faits: Faits, catalogue: Catalogue
) -> tuple[str, str] | None:
    """(code, detail) of the first rule the invoice breaks, or None for a clean invoice."""
    for _famille, regle in REGLES:
        faute = regle(facture, faits, catalogue)
        if faute is not None:
            return faute.code, faute.detail
    return None


def _indu(montant: int, t: _Tirages) -> int:
    return max(1, (montant * t.part_indu + 50) // 100) if montant > 0 else 0


def _code_force(
    forcage: Forcage, nature: NatureCode, partie: str, codes: TableCodes
) -> CodeSimulateur | None:
    if not forcage.code:
        return None
    code = codes.get(forcage.code)
    if code is None or code.nature is not nature:
        raise ValueError(
            f"Code « {forcage.code} » : ce n'est pas un code « {nature} » du simulateur."
        )
    if partie not in code.parties:
        raise ValueError(f"Code « {forcage.code} » : il ne s'applique pas à une {partie}.")
    return code


def decision_forcee(
    montant_demande: int,
    partie: str,
    forcage: Forcage,
    *,
    taux: Taux,
    rng: random.Random,
    codes: TableCodes | None = None,
) -> Decision:
    """The decision for a forced outcome: it overrides every rule and every rate. A forced
    rejection or indu takes the given code, or one drawn among the table's random codes; a
    forced traitement caisse ends rejected with the given code, or as drawn."""
    codes = table_codes() if codes is None else codes
    t = _Tirages.tirer(rng)
    rejets = codes.tirables(NatureCode.REJET, partie)
    commun: dict[str, Any] = {"montant_demande": montant_demande, "forcee": True}
    detail = f"Issue imposée : {forcage.issue.libelle}."
    if forcage.issue is Issue.PAIEMENT:
        return Decision(
            Issue.PAIEMENT, montant_paye=montant_demande, delai=t.delai, detail=detail, **commun
        )
    if forcage.issue is Issue.REJET:
        motif = _code_force(forcage, NatureCode.REJET, partie, codes) or _choisir(rejets, t.code)
        return Decision(Issue.REJET, motif=motif, delai=t.delai, detail=detail, **commun)
    if forcage.issue is Issue.TRAITEMENT_CAISSE:
        impose = _code_force(forcage, NatureCode.REJET, partie, codes)
        return _traitement(montant_demande, t, taux, rejets, impose, detail, forcee=True)
    if forcage.issue is Issue.SILENCE:
        return Decision(Issue.SILENCE, detail=detail, **commun)
    motif_indu = _code_force(forcage, NatureCode.INDU, partie, codes) or _choisir(
        codes.tirables(NatureCode.INDU, partie), t.code_indu
    )
    return Decision(
        Issue.PAIEMENT,
        montant_paye=montant_demande,
        indu=_indu(montant_demande, t),
        motif_indu=motif_indu,
        delai=t.delai,
        delai_indu=t.delai_indu,
        detail=detail,
        **commun,
    )


def _traitement(
    montant_demande: int,
    t: _Tirages,
    taux: Taux,
    rejets: Sequence[CodeSimulateur],
    motif: CodeSimulateur | None,
    detail: str,
    forcee: bool = False,
) -> Decision:
    """« T » first, then paid (`traitement_paye`) or rejected (`motif`, or drawn)."""
    payee = motif is None and t.finale < taux.traitement_paye
    return Decision(
        Issue.TRAITEMENT_CAISSE,
        montant_demande=montant_demande,
        montant_paye=montant_demande if payee else 0,
        motif=None if payee else (motif or _choisir(rejets, t.code_final)),
        finale=Issue.PAIEMENT if payee else Issue.REJET,
        delai=t.delai_traitement,
        delai_finale=t.delai_finale,
        detail=detail,
        forcee=forcee,
    )


def juger(
    facture: FactureLue,
    faits: Faits,
    *,
    catalogue: Catalogue,
    taux: Taux,
    rng: random.Random,
    codes: TableCodes | None = None,
) -> Decision:
    """The simulated organisme's decision on one invoice (module docstring for the order)."""
    codes = table_codes() if codes is None else codes
    montant = facture.montant_demande
    if faits.forcage is not None:
        return decision_forcee(
            montant, facture.partie, faits.forcage, taux=taux, rng=rng, codes=codes
        )
    t = _Tirages.tirer(rng)
    faute = premiere_faute(facture, faits, catalogue)
    if faute is not None:
        code, detail = faute
        return Decision(
            Issue.REJET, montant_demande=montant, motif=codes[code], delai=t.delai, detail=detail
        )
    rejets = codes.tirables(NatureCode.REJET, facture.partie)
    seuil_rejet = taux.rejet
    seuil_traitement = seuil_rejet + taux.traitement_caisse
    seuil_silence = seuil_traitement + taux.silence
    if t.issue < seuil_rejet:
        return Decision(
            Issue.REJET,
            montant_demande=montant,
            motif=_choisir(rejets, t.code),
            delai=t.delai,
            detail="Rejet tiré au hasard (taux de rejet).",
        )
    if t.issue < seuil_traitement:
        return _traitement(montant, t, taux, rejets, None, "Traitement caisse tiré au hasard.")
    if t.issue < seuil_silence:
        return Decision(Issue.SILENCE, montant_demande=montant, detail="Silence tiré au hasard.")
    if t.indu < taux.indu:
        return Decision(
            Issue.PAIEMENT,
            montant_demande=montant,
            montant_paye=montant,
            indu=_indu(montant, t),
            motif_indu=_choisir(codes.tirables(NatureCode.INDU, facture.partie), t.code_indu),
            delai=t.delai,
            delai_indu=t.delai_indu,
            detail="Payée ; indu tiré au hasard (taux d'indu).",
        )
    return Decision(Issue.PAIEMENT, montant_demande=montant, montant_paye=montant, delai=t.delai)
