"""Contrôles avant envoi : ce qui ferait rejeter une facture, ou perdre de l'argent.

Chaque contrôle est une petite fonction pure ``(facture, contexte) -> constats`` ; un
``Constat`` dit la gravité (erreur : la facture sera rejetée ou l'argent perdu ;
avertissement : à vérifier, ou règle non confirmée), un code stable, un message en français,
le champ fautif (chemin dans ``FactureAControler``, ex. ``seances[0].lignes[1].pourcentage``)
et la correction. ``controler`` les exécute tous. Les contrôles ne lèvent pas d'exception
sur des entrées bien typées : une cotation impossible devient un constat.

Une règle ou une valeur marquée non confirmée dans le catalogue ne produit jamais d'erreur,
seulement un avertissement. Sources : DOMAIN.md §4, §6, §7, §8 ; règles de cotation dans
``rejets.domain.cotation`` ; répartition dans ``rejets.domain.repartition``.

Les données d'entrée sont des dataclasses simples : le côté Django les construit depuis ses
modèles, un autre logiciel peut les envoyer en JSON (``facture_depuis_json``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Any

from stdnum import luhn
from stdnum.exceptions import ValidationError

from rejets.domain import delais
from rejets.domain.cotation import (
    CODES_IK,
    CODES_NUIT,
    Cotation,
    CotationInvalide,
    Lieu,
    LigneCotee,
    Seance,
    ZoneDeplacement,
    coter,
    jours_feries,
    montant_ligne,
)
from rejets.domain.identifiants import expliquer
from rejets.domain.identifiants import nir as module_nir
from rejets.domain.money import format_euros
from rejets.domain.repartition import (
    CouvertureAmc,
    RepartitionInvalide,
    TiersPayant,
    repartir,
)
from rejets.domain.tarifs import (
    Catalogue,
    CatalogueInvalide,
    NatureCode,
    TarifManquant,
    ZoneTarifaire,
    catalogue_par_defaut,
)

__all__ = [
    "CLE_AM_CONFIRMEE",
    "CONTROLES",
    "Constat",
    "ContexteControle",
    "ContratAmc",
    "DonneesInvalides",
    "DroitsAControler",
    "FactureAControler",
    "Gravite",
    "LigneFacturee",
    "Parts",
    "PatientAControler",
    "Periode",
    "PrescriptionAControler",
    "SeanceFacturee",
    "ajouter_jours_ouvres",
    "controle_amc",
    "controle_cotation",
    "controle_delai_transmission",
    "controle_doublon",
    "controle_droits",
    "controle_forclusion",
    "controle_nir",
    "controle_numero_am",
    "controle_parts",
    "controle_prescription",
    "controler",
    "facture_depuis_json",
    "signature_facture",
]

CLE_AM_CONFIRMEE = False
"""Le calcul de la clé du n° de facturation AM n'est pas public : la clé de Luhn est une
hypothèse (celle des numéros RPPS et FINESS) ; un écart ne donne qu'un avertissement."""


class Gravite(StrEnum):
    ERREUR = "erreur"
    AVERTISSEMENT = "avertissement"


@dataclass(frozen=True, slots=True)
class Constat:
    """Résultat d'un contrôle : gravité, code stable, message, champ fautif, correction."""

    gravite: Gravite
    code: str
    message: str
    champ: str
    correction: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class Periode:
    """Période de validité, bornes incluses ; ``None`` : non bornée de ce côté."""

    debut: date | None = None
    fin: date | None = None

    def couvre(self, jour: date) -> bool:
        return (self.debut is None or self.debut <= jour) and (self.fin is None or jour <= self.fin)


@dataclass(frozen=True, slots=True)
class DroitsAControler:
    """Droits AMO : nature d'assurance (« 10 »…), code d'exonération, taux, périodes ouvertes."""

    nature_assurance: str = "10"
    exoneration: str = "0"
    taux_remboursement: int | None = None
    periodes: tuple[Periode, ...] = ()


@dataclass(frozen=True, slots=True)
class ContratAmc:
    """Complémentaire : n° AMC (10 caractères), validité, part du ticket modérateur couverte."""

    numero: str
    debut: date | None = None
    fin: date | None = None
    taux_ticket_moderateur: Decimal = Decimal(100)


@dataclass(frozen=True, slots=True)
class PatientAControler:
    nir: str
    rang: int = 1
    droits: DroitsAControler = DroitsAControler()
    amc: ContratAmc | None = None
    insulino_traite: bool = False
    soins_palliatifs: bool = False


@dataclass(frozen=True, slots=True)
class PrescriptionAControler:
    """Prescription : date, mention « à domicile », exécution de nuit ou quotidienne exigée,
    fin des soins prescrits si la prescription fixe une durée."""

    date: dt.date
    a_domicile: bool = False
    soins_de_nuit: bool = False
    execution_quotidienne: bool = False
    fin_soins: dt.date | None = None


@dataclass(frozen=True, slots=True)
class LigneFacturee:
    """Ligne telle que facturée : code (acte, majoration ou déplacement), coefficient propre
    (km pour une IK), pourcentage appliqué (100, 50 ou 0), montant en centimes si connu."""

    lettre_cle: str
    coefficient: Decimal
    pourcentage: int = 100
    montant: int | None = None
    nature: str | None = None


@dataclass(frozen=True, slots=True)
class SeanceFacturee:
    """Une séance facturée : ses lignes (actes, majorations, déplacements) et son contexte."""

    date: dt.date
    lignes: tuple[LigneFacturee, ...]
    heure: time | None = None
    heure_appel: time | None = None
    lieu: Lieu = Lieu.CABINET
    distance_km: Decimal | None = None
    meme_commune: bool | None = None
    zone_deplacement: ZoneDeplacement = ZoneDeplacement.PLAINE


@dataclass(frozen=True, slots=True)
class Parts:
    """Parts de la facture en centimes, comme ``repartition.repartir`` les calcule."""

    total: int
    amo: int
    amc: int
    assure: int


@dataclass(frozen=True, slots=True)
class FactureAControler:
    """Facture à contrôler avant envoi ; ``date_transmission`` : ``None`` si pas encore
    transmise. Même vocabulaire que le format d'échange (docs/formats)."""

    numero: str
    numero_am: str
    patient: PatientAControler
    seances: tuple[SeanceFacturee, ...]
    prescription: PrescriptionAControler | None = None
    tiers_payant: TiersPayant = TiersPayant.AUCUN
    parts: Parts | None = None
    zone: ZoneTarifaire = ZoneTarifaire.METROPOLE
    subdivision: str | None = None
    date_transmission: date | None = None


@dataclass(frozen=True, slots=True)
class ContexteControle:
    """Ce que les contrôles savent hors de la facture : la date du jour, le catalogue, les
    signatures (``signature_facture``) des factures déjà facturées et non annulées du
    même professionnel, la durée de forclusion (L.332-1 CSS) et l'alerte avant forclusion."""

    aujourd_hui: date
    catalogue: Catalogue | None = None
    signatures_existantes: frozenset[str] = frozenset()
    annees_forclusion: int = delais.DUREE_PRESCRIPTION_ANNEES
    alerte_forclusion_jours: int = 30
    verifier_cle_am: bool = True
    patients_factures: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        patients = frozenset(
            s[: s.index("|", s.index("|") + 1) + 1]
            for s in self.signatures_existantes
            if s.count("|") >= 2
        )
        object.__setattr__(self, "patients_factures", patients)


Constats = Sequence[Constat]
_AUCUN: tuple[Constat, ...] = ()
_ACTES = frozenset({NatureCode.ACTE, NatureCode.FORFAIT})
_CODES_DEPLACEMENT = frozenset({"IFD", *CODES_IK.values()})
_SOURCE_NIR = "DOMAIN.md §6 (clé = 97 − N mod 97) ; INSEE"
_SOURCE_DROITS = "DOMAIN.md §4 (famille droits)"
_SOURCE_AMC = "DOMAIN.md §4 (famille amc) ; DOMAIN.md §6 (n° AMC de 10 caractères)"
_SOURCE_PRESCRIPTION = "DOMAIN.md §4 (famille prescription) ; DOMAIN.md §7"
_SOURCE_PARTS = "DOMAIN.md §4 (famille tiers_payant) ; rejets.domain.repartition"
_SOURCE_DOUBLON = "DOMAIN.md §4 (famille doublon)"
_SOURCE_FORCLUSION = "Art. L.332-1 CSS (DOMAIN.md §8)"


def _jj(jour: date) -> str:
    return f"{jour.day:02d}/{jour.month:02d}/{jour.year:04d}"


def _decimal(valeur: Decimal) -> str:
    try:
        if valeur == valeur.to_integral_value():
            return format(valeur.quantize(Decimal(1)), "f")
    except InvalidOperation:
        pass
    return str(valeur).replace(".", ",")


def _catalogue(contexte: ContexteControle) -> Catalogue:
    return contexte.catalogue if contexte.catalogue is not None else catalogue_par_defaut()


def _dates(facture: FactureAControler) -> list[date]:
    seances = facture.seances
    if len(seances) == 1:
        return [seances[0].date]
    return sorted({seance.date for seance in seances})


# ---------------------------------------------------------------- identifiants


@lru_cache(maxsize=65536)
def _constats_nir(nir: str) -> tuple[Constat, ...]:
    try:
        module_nir.validate(nir)
    except ValidationError as erreur:
        return (
            Constat(
                Gravite.ERREUR,
                "patient.nir",
                expliquer(erreur, "nir"),
                "patient.nir",
                "Corrigez le NIR d'après la carte Vitale ou l'attestation de droits, puis "
                "refacturez.",
                _SOURCE_NIR,
            ),
        )
    return _AUCUN


def controle_nir(facture: FactureAControler, contexte: ContexteControle) -> Constats:
    """NIR du patient : 13 caractères et une clé de 2 chiffres (DOMAIN.md §6)."""
    return _constats_nir(facture.patient.nir)


@lru_cache(maxsize=4096)
def _constats_numero_am(numero: str, verifier_cle: bool) -> tuple[Constat, ...]:
    compact = numero.replace(" ", "").replace(".", "").replace("-", "")
    if len(compact) != 9 or not (compact.isascii() and compact.isdigit()):
        return (
            Constat(
                Gravite.ERREUR,
                "numero_am.format",
                "Numéro de facturation Assurance Maladie invalide : il faut 8 chiffres et une "
                f"clé, soit 9 chiffres ({len(compact)} caractère(s) reçu(s)).",
                "numero_am",
                "Recopiez le numéro de facturation de la carte CPS ou des feuilles de soins.",
                "DOMAIN.md §6",
            ),
        )
    if verifier_cle and not luhn.is_valid(compact):
        return (
            Constat(
                Gravite.AVERTISSEMENT,
                "numero_am.cle",
                "La clé du numéro de facturation AM ne correspond pas au calcul supposé (clé "
                "de Luhn). Ce calcul n'est pas publié : ce n'est peut-être pas une erreur.",
                "numero_am",
                "Vérifiez le numéro sur la carte CPS ; s'il est exact, ignorez cet avertissement.",
                "DOMAIN.md §6 : clé du n° AM non confirmée publiquement, avertir sans bloquer",
            ),
        )
    return _AUCUN


def controle_numero_am(facture: FactureAControler, contexte: ContexteControle) -> Constats:
    """N° de facturation AM du professionnel : 9 chiffres (erreur) ; clé supposée de Luhn,
    non confirmée (avertissement seulement)."""
    return _constats_numero_am(facture.numero_am, contexte.verifier_cle_am)


# ------------------------------------------------------------- droits et AMC


def controle_droits(facture: FactureAControler, contexte: ContexteControle) -> Constats:
    """Droits AMO ouverts à chaque date de soins (DOMAIN.md §4, famille « droits »)."""
    periodes = [p for p in facture.patient.droits.periodes if p.debut or p.fin]
    if not periodes:
        return (
            Constat(
                Gravite.AVERTISSEMENT,
                "droits.inconnus",
                "Période de droits AMO non renseignée : les droits à la date des soins n'ont "
                "pas été vérifiés.",
                "patient.droits.periodes",
                "Vérifiez les droits du patient (ADRi, carte Vitale à jour, attestation).",
                _SOURCE_DROITS,
            ),
        )
    hors = [jour for jour in _dates(facture) if not any(p.couvre(jour) for p in periodes)]
    if not hors:
        return _AUCUN
    return (
        Constat(
            Gravite.ERREUR,
            "droits.fermes",
            "Droits AMO non ouverts à la date des soins : " + ", ".join(map(_jj, hors)) + ".",
            "patient.droits.periodes",
            "Vérifiez les droits (ADRi, attestation) ; corrigez régime, caisse, centre ou "
            "période, puis refacturez.",
            _SOURCE_DROITS,
        ),
    )


def controle_amc(facture: FactureAControler, contexte: ContexteControle) -> Constats:
    """En tiers payant AMO et AMC (DRE envoyée) : contrat présent, numéro de 10 caractères,
    valable à chaque date de soins (DOMAIN.md §4, famille « amc »)."""
    if facture.tiers_payant != TiersPayant.AMO_AMC:
        return _AUCUN
    amc = facture.patient.amc
    if amc is None:
        return (
            Constat(
                Gravite.ERREUR,
                "amc.absente",
                "Tiers payant AMO et AMC sans complémentaire : aucune DRE ne peut être envoyée.",
                "patient.amc",
                "Renseignez la complémentaire du patient, ou passez en tiers payant AMO seul "
                "et demandez la part complémentaire au patient.",
                _SOURCE_AMC,
            ),
        )
    constats = []
    if len(amc.numero.strip()) != 10:
        constats.append(
            Constat(
                Gravite.ERREUR,
                "amc.numero",
                "Numéro AMC invalide : il faut 10 caractères, il y en a "
                f"{len(amc.numero.strip())}.",
                "patient.amc.numero",
                "Recopiez le numéro AMC de l'attestation de tiers payant.",
                _SOURCE_AMC,
            )
        )
    periode = Periode(amc.debut, amc.fin)
    hors = [jour for jour in _dates(facture) if not periode.couvre(jour)]
    if hors:
        avant = amc.debut is not None and hors[0] < amc.debut
        constats.append(
            Constat(
                Gravite.ERREUR,
                "amc.contrat_hors_periode",
                "Contrat complémentaire non valable à la date des soins : "
                + ", ".join(map(_jj, hors))
                + (f" (début le {_jj(amc.debut)})." if avant and amc.debut else "")
                + (f" (fin le {_jj(amc.fin)})." if not avant and amc.fin else ""),
                "patient.amc.debut" if avant else "patient.amc.fin",
                "Vérifiez le contrat (attestation de tiers payant) ; refacturez la DRE, ou "
                "facturez la part complémentaire au patient.",
                _SOURCE_AMC,
            )
        )
    return constats


# ---------------------------------------------------------------- prescription


@lru_cache(maxsize=65536)
def _ajouter_mois(jour: date, mois: int) -> date | None:
    index = jour.year * 12 + jour.month - 1 + mois
    annee, mois_cible = divmod(index, 12)
    if not 1 <= annee <= 9999:
        return None
    dernier = calendar.monthrange(annee, mois_cible + 1)[1]
    return date(annee, mois_cible + 1, min(jour.day, dernier))


def controle_prescription(facture: FactureAControler, contexte: ContexteControle) -> Constats:
    """Prescription présente, antérieure aux soins, pas dépassée, « à domicile » si IFD/IK.

    Validité : soins au plus ``prescription_validite_mois`` mois après la prescription
    (paramètre du catalogue, NON confirmé : avertissement seulement) et pas après la fin
    des soins prescrits quand la prescription en fixe une (erreur).
    """
    prescription = facture.prescription
    if prescription is None:
        return (
            Constat(
                Gravite.ERREUR,
                "prescription.absente",
                "Aucune prescription : les soins infirmiers remboursés sont faits sur "
                "prescription.",
                "prescription",
                "Joignez la prescription (date, prescripteur) et refacturez.",
                _SOURCE_PRESCRIPTION,
            ),
        )
    if not facture.seances:
        return _AUCUN
    constats = []
    dates = _dates(facture)
    premiere, derniere = dates[0], dates[-1]
    if premiere < prescription.date:
        constats.append(
            Constat(
                Gravite.ERREUR,
                "prescription.posterieure",
                f"Soins du {_jj(premiere)} antérieurs à la prescription du "
                f"{_jj(prescription.date)}.",
                "prescription.date",
                "Vérifiez la date de la prescription ou celle des soins.",
                _SOURCE_PRESCRIPTION,
            )
        )
    try:
        validite = _catalogue(contexte).parametre("prescription_validite_mois", derniere)
        mois = int(validite.decimal())
    except (TarifManquant, CatalogueInvalide, ValueError, ArithmeticError):
        validite = None
        mois = 0
    limite = _ajouter_mois(prescription.date, mois) if validite is not None else None
    if validite is not None and limite is not None and derniere > limite:
        constats.append(
            Constat(
                Gravite.ERREUR if validite.confirme else Gravite.AVERTISSEMENT,
                "prescription.ancienne",
                f"Soins du {_jj(derniere)} plus de {mois} mois après la prescription du "
                f"{_jj(prescription.date)}.",
                "prescription.date",
                "Faites renouveler la prescription si la caisse la juge périmée.",
                validite.source,
            )
        )
    if prescription.fin_soins is not None and derniere > prescription.fin_soins:
        constats.append(
            Constat(
                Gravite.ERREUR,
                "prescription.duree_depassee",
                f"Soins du {_jj(derniere)} après la fin des soins prescrits "
                f"({_jj(prescription.fin_soins)}).",
                "prescription.fin_soins",
                "Obtenez une nouvelle prescription pour ces soins, puis refacturez.",
                _SOURCE_PRESCRIPTION,
            )
        )
    if not prescription.a_domicile:
        for seance in facture.seances:
            codes = [ligne.lettre_cle for ligne in seance.lignes]
            if any(code in _CODES_DEPLACEMENT for code in codes):
                constats.append(
                    Constat(
                        Gravite.ERREUR,
                        "prescription.domicile",
                        f"Séance du {_jj(seance.date)} : IFD ou IK facturées alors que la "
                        "prescription ne précise pas « à domicile ».",
                        "prescription.a_domicile",
                        "Obtenez une prescription portant « à domicile », ou retirez les "
                        "indemnités de déplacement.",
                        _SOURCE_PRESCRIPTION,
                    )
                )
                break
    return constats


# --------------------------------------------------------------------- cotation


def _seance_a_coter(
    facture: FactureAControler, seance: SeanceFacturee, actes: Sequence[LigneFacturee]
) -> Seance:
    prescription = facture.prescription
    patient = facture.patient
    return Seance(
        actes=actes,
        date=seance.date,
        heure=seance.heure,
        heure_appel=seance.heure_appel,
        lieu=seance.lieu,
        prescription=prescription,
        distance_km=seance.distance_km,
        meme_commune=seance.meme_commune,
        zone_deplacement=seance.zone_deplacement,
        zone=facture.zone,
        insulino_traite=patient.insulino_traite,
        soins_palliatifs=patient.soins_palliatifs,
        subdivision=facture.subdivision,
    )


def _coter_seances(
    facture: FactureAControler, cat: Catalogue
) -> tuple[list[Constat], list[tuple[int, list[tuple[int, LigneFacturee]], Cotation] | None]]:
    """Recote chaque séance ; rend les constats bloquants et, par séance, la cotation."""
    constats: list[Constat] = []
    resultats: list[tuple[int, list[tuple[int, LigneFacturee]], Cotation] | None] = []
    natures = cat.natures
    for s, seance in enumerate(facture.seances):
        actes: list[tuple[int, LigneFacturee]] = []
        inconnue = False
        for index, ligne in enumerate(seance.lignes):
            nature = natures.get(ligne.lettre_cle)
            if nature is None:
                inconnue = True
                constats.append(
                    Constat(
                        Gravite.ERREUR,
                        "cotation.lettre_cle_inconnue",
                        f"Code « {ligne.lettre_cle} » inconnu du catalogue "
                        f"{cat.nom} : la caisse ne pourra pas le valoriser.",
                        f"seances[{s}].lignes[{index}].lettre_cle",
                        "Corrigez la lettre clé (AMI, AIS, BSA…) puis refacturez.",
                        "Catalogue des tarifs (docs/cotation.md)",
                    )
                )
            elif nature in _ACTES:
                actes.append((index, ligne))
        if inconnue:
            resultats.append(None)
            continue
        if not actes:
            constats.append(
                Constat(
                    Gravite.ERREUR,
                    "cotation.sans_acte",
                    f"Séance du {_jj(seance.date)} sans acte : majorations ou indemnités "
                    "facturées seules.",
                    f"seances[{s}].lignes",
                    "Ajoutez les actes réalisés ou retirez la séance.",
                    "NGAP, dispositions générales",
                )
            )
            resultats.append(None)
            continue
        try:
            cotation = coter(_seance_a_coter(facture, seance, [ligne for _, ligne in actes]), cat)
        except CotationInvalide as erreur:
            constats.append(
                Constat(
                    Gravite.ERREUR,
                    "cotation.invalide",
                    f"Séance du {_jj(seance.date)} : {erreur}",
                    f"seances[{s}]",
                    "Corrigez la séance puis refacturez.",
                    "rejets.domain.cotation",
                )
            )
            resultats.append(None)
            continue
        except (TarifManquant, CatalogueInvalide) as erreur:
            constats.append(
                Constat(
                    Gravite.ERREUR,
                    "cotation.tarif_manquant",
                    f"Séance du {_jj(seance.date)} : {erreur}",
                    f"seances[{s}]",
                    "Ajoutez la valeur au catalogue (fichier de tarifs), ou vérifiez la date "
                    "et la zone.",
                    "Catalogue des tarifs (docs/cotation.md)",
                )
            )
            resultats.append(None)
            continue
        resultats.append((s, actes, cotation))
    return constats, resultats


def _libelle_acte(ligne: LigneFacturee) -> str:
    return f"{ligne.lettre_cle} {_decimal(ligne.coefficient)}"


def _comparer_actes(
    s: int, actes: list[tuple[int, LigneFacturee]], cotation: Cotation
) -> list[Constat]:
    constats = []
    for k, (index, ligne) in enumerate(actes):
        attendue = cotation.lignes[k]
        champ = f"seances[{s}].lignes[{index}]"
        confirme = attendue.decision.confirme and attendue.tarif.confirme
        if ligne.pourcentage != attendue.pourcentage:
            trop = ligne.pourcentage > attendue.pourcentage
            constats.append(
                Constat(
                    Gravite.ERREUR if trop and confirme else Gravite.AVERTISSEMENT,
                    "cotation.article_11b",
                    f"{_libelle_acte(ligne)} facturé à {ligne.pourcentage} %, attendu "
                    f"{attendue.pourcentage} % : {attendue.decision.explication}",
                    f"{champ}.pourcentage",
                    "Recotez la séance selon l'article 11B, puis refacturez."
                    if trop
                    else f"Vous pouvez facturer cet acte à {attendue.pourcentage} %.",
                    attendue.decision.source,
                )
            )
        elif ligne.montant is not None and ligne.montant != attendue.montant:
            trop = ligne.montant > attendue.montant
            constats.append(
                Constat(
                    Gravite.ERREUR if trop and confirme else Gravite.AVERTISSEMENT,
                    "cotation.montant",
                    f"{_libelle_acte(ligne)} à {ligne.pourcentage} % facturé "
                    f"{format_euros(ligne.montant)}, attendu {format_euros(attendue.montant)} "
                    f"({attendue.tarif.libelle} : {format_euros(attendue.valeur_unitaire)}).",
                    f"{champ}.montant",
                    "Corrigez le montant (tarif en vigueur à la date des soins), puis refacturez.",
                    attendue.tarif.source,
                )
            )
    return constats


def _comparer_supplements(
    s: int, seance: SeanceFacturee, nombre_actes: int, cotation: Cotation, cat: Catalogue
) -> list[Constat]:
    constats: list[Constat] = []
    attendus = {ligne.code: ligne for ligne in cotation.lignes[nombre_actes:]}
    factures: dict[str, list[tuple[int, LigneFacturee]]] = {}
    natures = cat.natures
    for index, ligne in enumerate(seance.lignes):
        if natures.get(ligne.lettre_cle) not in _ACTES:
            factures.setdefault(ligne.lettre_cle, []).append((index, ligne))
    if not factures and not attendus:
        return constats
    deja: set[str] = set()
    nuits = [code for code in CODES_NUIT if code in factures]
    if nuits and "DIM" in factures:
        constats.append(
            Constat(
                Gravite.ERREUR,
                "cotation.nuit_et_dimanche",
                f"Séance du {_jj(seance.date)} : majorations de nuit et de dimanche facturées "
                "ensemble ; elles ne se cumulent pas.",
                f"seances[{s}].lignes[{factures['DIM'][0][0]}]",
                "Gardez une seule de ces majorations, puis refacturez.",
                "NGAP, dispositions générales, art. 14 (DOMAIN.md §7)",
            )
        )
        deja.update(code for code in (*nuits, "DIM") if code not in attendus)
    if "MAU" in factures and "MCI" in factures:
        constats.append(
            Constat(
                Gravite.ERREUR,
                "cotation.mau_et_mci",
                f"Séance du {_jj(seance.date)} : MAU et MCI facturées ensemble ; la MAU ne se "
                "cumule pas avec la MCI.",
                f"seances[{s}].lignes[{factures['MAU'][0][0]}]",
                "Retirez la MAU, puis refacturez.",
                "Décision UNCAM du 20/12/2011 (DOMAIN.md §7)",
            )
        )
        deja.update(code for code in ("MAU", "MCI") if code not in attendus)
    for code, lignes in factures.items():
        index, ligne = lignes[0]
        champ = f"seances[{s}].lignes[{index}]"
        if len(lignes) > 1:
            constats.append(
                Constat(
                    Gravite.ERREUR,
                    "cotation.en_double",
                    f"Séance du {_jj(seance.date)} : {code} facturé {len(lignes)} fois ; une "
                    "seule fois par séance.",
                    f"seances[{s}].lignes[{lignes[1][0]}]",
                    "Retirez la ligne en trop, puis refacturez.",
                    "NGAP, dispositions générales, art. 13 et 14 ; décision UNCAM du 20/12/2011",
                )
            )
        attendu = attendus.get(code)
        if attendu is None:
            if code in deja:
                continue
            decision = cotation.decision_pour(code)
            if decision is not None and decision.regle == "ngap.13.prescription":
                continue
            confirme = decision is None or decision.confirme
            raison = decision.explication if decision is not None else "non prévu par la cotation."
            constats.append(
                Constat(
                    Gravite.ERREUR if confirme else Gravite.AVERTISSEMENT,
                    "cotation.supplement_injustifie",
                    f"Séance du {_jj(seance.date)} : {code} facturé sans y avoir droit. {raison}",
                    f"{champ}.lettre_cle",
                    "Retirez cette ligne, ou complétez la séance si elle est due (heure "
                    "d'appel, prescription, distance), puis refacturez.",
                    decision.source if decision is not None else "rejets.domain.cotation",
                )
            )
            continue
        if not ligne.coefficient.is_finite():
            constats.append(
                Constat(
                    Gravite.ERREUR,
                    "cotation.coefficient_invalide",
                    f"Séance du {_jj(seance.date)} : {code} avec un coefficient illisible.",
                    f"{champ}.coefficient",
                    "Corrigez le coefficient, puis refacturez.",
                    "rejets.domain.cotation",
                )
            )
            continue
        ecart_km = ligne.coefficient != attendu.coefficient
        ecart_montant = ligne.montant is not None and ligne.montant != attendu.montant
        if ecart_km or ecart_montant:
            trop = (
                ligne.coefficient > attendu.coefficient
                if ecart_km
                else (ligne.montant or 0) > attendu.montant
            )
            confirme = attendu.decision.confirme and attendu.tarif.confirme
            facture_txt = f"{_decimal(ligne.coefficient)}" + (
                f" ({format_euros(ligne.montant)})" if ligne.montant is not None else ""
            )
            constats.append(
                Constat(
                    Gravite.ERREUR if trop and confirme else Gravite.AVERTISSEMENT,
                    "cotation.supplement_montant",
                    f"Séance du {_jj(seance.date)} : {code} facturé {facture_txt}, attendu "
                    f"{_decimal(attendu.coefficient)} ({format_euros(attendu.montant)}). "
                    f"{attendu.decision.explication}",
                    f"{champ}.coefficient" if ecart_km else f"{champ}.montant",
                    "Corrigez la ligne, puis refacturez.",
                    attendu.decision.source,
                )
            )
    for code, attendu in attendus.items():
        if code in factures:
            continue
        constats.append(_oubli(s, seance, attendu))
    return constats


def _oubli(s: int, seance: SeanceFacturee, attendu: LigneCotee) -> Constat:
    return Constat(
        Gravite.AVERTISSEMENT,
        "cotation.oubli",
        f"Séance du {_jj(seance.date)} : {attendu.tarif.libelle} ({attendu.code}) non facturée "
        f"alors qu'elle semble due. {attendu.decision.explication}",
        f"seances[{s}].lignes",
        f"Ajoutez {attendu.code} ({format_euros(attendu.montant)}) si les conditions sont réunies.",
        attendu.decision.source,
    )


def _analyser_cotation(facture: FactureAControler, cat: Catalogue) -> list[Constat]:
    constats, resultats = _coter_seances(facture, cat)
    for resultat, seance in zip(resultats, facture.seances, strict=True):
        if resultat is not None:
            s, actes, cotation = resultat
            constats.extend(_comparer_actes(s, actes, cotation))
            constats.extend(_comparer_supplements(s, seance, len(actes), cotation, cat))
    return constats


def controle_cotation(facture: FactureAControler, contexte: ContexteControle) -> Constats:
    """Recote chaque séance (``cotation.coter``) et compare aux lignes facturées : article
    11B, montants, majorations et déplacements facturés à tort (erreur, ou avertissement si
    la règle n'est pas confirmée) ou oubliés (avertissement)."""
    return _analyser_cotation(facture, _catalogue(contexte))


# ------------------------------------------------------------------------ parts


def _montants_factures(facture: FactureAControler, cat: Catalogue) -> list[int] | None:
    """Montant de chaque ligne facturée (pourcentage non nul) : celui de la facture, ou à
    défaut valeur du catalogue × coefficient × pourcentage ; ``None`` si l'un manque."""
    montants = []
    for seance in facture.seances:
        for ligne in seance.lignes:
            if not ligne.pourcentage:
                continue
            if ligne.montant is not None:
                montants.append(ligne.montant)
                continue
            coefficient = ligne.coefficient
            if ligne.pourcentage < 0 or not coefficient.is_finite() or coefficient <= 0:
                return None
            try:
                tarif = cat.valeur(ligne.lettre_cle, seance.date, facture.zone)
            except TarifManquant:
                return None
            montants.append(montant_ligne(tarif.centimes, coefficient, ligne.pourcentage))
    return montants


def controle_parts(facture: FactureAControler, contexte: ContexteControle) -> Constats:
    """AMO + AMC + assuré = total ; total = somme des lignes facturées (valorisées au
    catalogue quand la facture n'en donne pas le montant) ; parts AMO et AMC conformes à
    ``repartition.repartir`` et au mode de tiers payant (DOMAIN.md §4, famille
    « tiers_payant »)."""
    parts = facture.parts
    if parts is None or not facture.seances:
        return _AUCUN
    constats = []
    somme = parts.amo + parts.amc + parts.assure
    if somme != parts.total:
        constats.append(
            Constat(
                Gravite.ERREUR,
                "parts.somme",
                f"AMO {format_euros(parts.amo)} + AMC {format_euros(parts.amc)} + assuré "
                f"{format_euros(parts.assure)} = {format_euros(somme)}, différent du total "
                f"{format_euros(parts.total)}.",
                "parts",
                "Recalculez la répartition, puis refacturez.",
                _SOURCE_PARTS,
            )
        )
    cat = _catalogue(contexte)
    montants = _montants_factures(facture, cat)
    if montants is None:
        return constats
    total_lignes = sum(montants)
    if total_lignes != parts.total:
        constats.append(
            Constat(
                Gravite.ERREUR,
                "parts.total",
                f"Total {format_euros(parts.total)} différent de la somme des lignes "
                f"facturées ({format_euros(total_lignes)}).",
                "parts.total",
                "Recalculez le total, puis refacturez.",
                _SOURCE_PARTS,
            )
        )
        return constats
    if any(montant < 0 for montant in montants):
        return constats
    patient = facture.patient
    droits = patient.droits
    try:
        attendue = repartir(
            montants,
            nature_assurance=droits.nature_assurance,
            exoneration=droits.exoneration,
            le=facture.seances[0].date,
            taux_droits=droits.taux_remboursement,
            amc=None if patient.amc is None else CouvertureAmc(patient.amc.taux_ticket_moderateur),
            tiers_payant=facture.tiers_payant,
            catalogue=cat,
        )
    except RepartitionInvalide as erreur:
        if facture.tiers_payant == TiersPayant.AMO_AMC and patient.amc is None:
            return constats
        constats.append(
            Constat(
                Gravite.ERREUR,
                "tiers_payant.incoherent",
                str(erreur),
                "patient.droits",
                "Corrigez les droits ou le mode de tiers payant, puis refacturez.",
                _SOURCE_PARTS,
            )
        )
        return constats
    except (TarifManquant, CatalogueInvalide) as erreur:
        constats.append(
            Constat(
                Gravite.AVERTISSEMENT,
                "parts.taux_inconnu",
                f"Répartition non vérifiée : {erreur}",
                "parts",
                "Ajoutez le taux au catalogue pour cette date.",
                _SOURCE_PARTS,
            )
        )
        return constats
    if parts.amo != attendue.amo:
        constats.append(
            Constat(
                Gravite.ERREUR,
                "parts.amo",
                f"Part AMO {format_euros(parts.amo)}, attendu {format_euros(attendue.amo)} : "
                f"{attendue.motif_taux}",
                "parts.amo",
                "Vérifiez nature d'assurance, exonération et taux des droits ; recalculez les "
                "parts, puis refacturez.",
                attendue.source_taux,
            )
        )
    if facture.tiers_payant == TiersPayant.AMO_AMC and parts.amc != attendue.amc:
        constats.append(
            Constat(
                Gravite.ERREUR,
                "parts.amc",
                f"Part AMC demandée {format_euros(parts.amc)}, attendu "
                f"{format_euros(attendue.amc)} ({_decimal(attendue.taux_amc)} % du ticket "
                "modérateur).",
                "parts.amc",
                "Alignez la part AMC sur le ticket modérateur et le contrat, puis refacturez "
                "la DRE.",
                _SOURCE_PARTS,
            )
        )
    elif facture.tiers_payant != TiersPayant.AMO_AMC and parts.amc not in (0, attendue.amc):
        constats.append(
            Constat(
                Gravite.AVERTISSEMENT,
                "parts.amc",
                f"Part AMC {format_euros(parts.amc)} sans tiers payant AMC (attendu "
                f"{format_euros(attendue.amc)} ou rien) : aucune DRE ne sera envoyée, cette "
                "part est à demander au patient.",
                "parts.amc",
                "Vérifiez la part complémentaire et le mode de tiers payant.",
                _SOURCE_PARTS,
            )
        )
    return constats


# ---------------------------------------------------------------------- doublon


_COEFFICIENTS: dict[Decimal, str] = {}


def _coefficient_canonique(coefficient: Decimal) -> str:
    try:
        return _COEFFICIENTS[coefficient]
    except (KeyError, InvalidOperation, TypeError):
        pass
    try:
        texte = format(coefficient.normalize(), "f")
    except (InvalidOperation, ValueError):
        return str(coefficient)
    if coefficient.is_finite() and len(_COEFFICIENTS) < 65536:
        _COEFFICIENTS[coefficient] = texte
    return texte


def signature_facture(facture: FactureAControler, catalogue: Catalogue | None = None) -> str:
    """Empreinte « même patient, mêmes dates et heures, mêmes actes » d'une facture.

    NIR et rang, puis par séance la date, l'heure si connue et les actes (codes de nature
    acte ou forfait, coefficients normalisés), triés. Les majorations n'y entrent pas.
    """
    natures = (catalogue if catalogue is not None else catalogue_par_defaut()).natures
    morceaux = []
    for seance in facture.seances:
        heure = "" if seance.heure is None else f"{seance.heure.hour:02d}{seance.heure.minute:02d}"
        actes = sorted(
            f"{ligne.lettre_cle}{_coefficient_canonique(ligne.coefficient)}"
            for ligne in seance.lignes
            if natures.get(ligne.lettre_cle) in _ACTES
        )
        morceaux.append(f"{seance.date.isoformat()}T{heure}:{','.join(actes)}")
    patient = facture.patient
    return f"{patient.nir.replace(' ', '')}|{patient.rang}|{';'.join(sorted(morceaux))}"


def controle_doublon(facture: FactureAControler, contexte: ContexteControle) -> Constats:
    """Facture déjà facturée pour le même patient, les mêmes dates et les mêmes actes
    (DOMAIN.md §4, famille « doublon »). Erreur si les heures sont connues ; sans heure,
    avertissement (deux passages le même jour restent possibles)."""
    if not contexte.signatures_existantes:
        return _AUCUN
    patient = facture.patient
    if f"{patient.nir.replace(' ', '')}|{patient.rang}|" not in contexte.patients_factures:
        return _AUCUN
    if signature_facture(facture, _catalogue(contexte)) not in contexte.signatures_existantes:
        return _AUCUN
    heures = all(seance.heure is not None for seance in facture.seances)
    return (
        Constat(
            Gravite.ERREUR if heures else Gravite.AVERTISSEMENT,
            "doublon",
            "Facture en double : une facture existe déjà pour ce patient, aux mêmes dates"
            + (" et heures" if heures else "")
            + " avec les mêmes actes.",
            "seances",
            "Ne refacturez pas : vérifiez les paiements de la facture existante."
            if heures
            else "Vérifiez qu'il s'agit bien d'un second passage (précisez l'heure des soins).",
            _SOURCE_DOUBLON,
        ),
    )


# ----------------------------------------------------------------------- délais


_JOURS_OUVRES: dict[tuple[date, int, str | None], date | None] = {}


def ajouter_jours_ouvres(jour: date, nombre: int, subdivision: str | None = None) -> date | None:
    """Date ``nombre`` jours ouvrés après ``jour`` (hors samedis, dimanches et jours fériés
    ``holidays.France``) ; ``None`` au-delà du calendrier."""
    cle = (jour, nombre, subdivision)
    try:
        return _JOURS_OUVRES[cle]
    except KeyError:
        pass
    courant: date | None = jour
    restants = nombre
    try:
        while restants > 0 and courant is not None:
            courant = courant + timedelta(days=1)
            if courant.weekday() < 5 and courant not in jours_feries(courant.year, subdivision):
                restants -= 1
    except (OverflowError, CotationInvalide):
        courant = None
    if len(_JOURS_OUVRES) < 200_000:
        _JOURS_OUVRES[cle] = courant
    return courant


def controle_delai_transmission(facture: FactureAControler, contexte: ContexteControle) -> Constats:
    """Délai d'envoi (art. R.161-47 CSS) : 3 jours ouvrés si l'assuré paie, 8 en tiers payant,
    à compter de la date des soins la plus tardive de la facture (lecture de Rejets).
    Avertissement seulement : un envoi tardif ne justifie pas à lui seul un refus de
    paiement (Cass. 2e civ., 8 oct. 2015)."""
    if not facture.seances:
        return _AUCUN
    derniere = _dates(facture)[-1]
    tiers_payant = facture.tiers_payant != TiersPayant.AUCUN
    variante = "tiers_payant" if tiers_payant else "paiement_assure"
    try:
        parametre = _catalogue(contexte).parametre(
            "delai_transmission_jours_ouvres", derniere, variante
        )
        nombre = int(parametre.decimal())
    except (TarifManquant, CatalogueInvalide, ValueError, ArithmeticError):
        return _AUCUN
    limite = ajouter_jours_ouvres(derniere, nombre, facture.subdivision)
    envoi = facture.date_transmission or contexte.aujourd_hui
    if limite is None or envoi <= limite:
        return _AUCUN
    transmise = facture.date_transmission is not None
    return (
        Constat(
            Gravite.AVERTISSEMENT,
            "delai.transmission",
            ("Transmise le " if transmise else "Pas encore transmise le ")
            + f"{_jj(envoi)}, après la limite du {_jj(limite)} : {nombre} jours ouvrés après "
            f"les soins du {_jj(derniere)}"
            + (" (tiers payant)." if tiers_payant else " (l'assuré paie)."),
            "date_transmission",
            "Transmettez sans attendre." if not transmise else "Rien à corriger sur la facture.",
            parametre.source,
        ),
    )


_FORCLUSIONS: dict[tuple[date, int], date | None] = {}


def _date_forclusion(jour: date, annees: int) -> date | None:
    cle = (jour, annees)
    try:
        return _FORCLUSIONS[cle]
    except KeyError:
        pass
    try:
        resultat: date | None = delais.date_forclusion(jour, annees=annees)
    except (ValueError, OverflowError, TypeError):
        resultat = None
    if len(_FORCLUSIONS) < 200_000:
        _FORCLUSIONS[cle] = resultat
    return resultat


def controle_forclusion(facture: FactureAControler, contexte: ContexteControle) -> Constats:
    """Forclusion (art. L.332-1 CSS, ``delais.date_forclusion``) : erreur si elle est atteinte
    à la date d'envoi (ou aujourd'hui si la facture n'est pas transmise) ; avertissement
    dans les ``alerte_forclusion_jours`` jours qui la précèdent."""
    if not facture.seances:
        return _AUCUN
    premiere = _dates(facture)[0]
    limite = _date_forclusion(premiere, contexte.annees_forclusion)
    if limite is None:
        return _AUCUN
    envoi = facture.date_transmission or contexte.aujourd_hui
    if envoi >= limite:
        return (
            Constat(
                Gravite.ERREUR,
                "forclusion.atteinte",
                f"Soins du {_jj(premiere)} forclos depuis le {_jj(limite)} : la caisse ne "
                "paiera plus.",
                "seances",
                "Ne transmettez pas : passez la facture en forclose ; si une demande a été "
                "reçue par la caisse dans les délais, faites une réclamation.",
                _SOURCE_FORCLUSION,
            ),
        )
    reste = (limite - envoi).days
    if facture.date_transmission is None and reste <= contexte.alerte_forclusion_jours:
        return (
            Constat(
                Gravite.AVERTISSEMENT,
                "forclusion.proche",
                f"Soins du {_jj(premiere)} forclos le {_jj(limite)}, dans {reste} jour(s).",
                "seances",
                "Transmettez la facture au plus vite.",
                _SOURCE_FORCLUSION,
            ),
        )
    return _AUCUN


# ----------------------------------------------------------------------- ensemble


Controle = Callable[[FactureAControler, ContexteControle], Constats]

CONTROLES: tuple[Controle, ...] = (
    controle_nir,
    controle_numero_am,
    controle_droits,
    controle_amc,
    controle_prescription,
    controle_doublon,
    controle_delai_transmission,
    controle_forclusion,
    controle_cotation,
    controle_parts,
)
"""Tous les contrôles, dans l'ordre où ``controler`` les exécute."""


def controler(facture: FactureAControler, contexte: ContexteControle) -> list[Constat]:
    """Tous les contrôles avant envoi ; erreurs d'abord, puis avertissements."""
    if not facture.seances:
        return [
            Constat(
                Gravite.ERREUR,
                "facture.sans_seance",
                "La facture n'a aucune séance : rien à facturer.",
                "seances",
                "Ajoutez les séances et leurs actes.",
                "DOMAIN.md §2",
            )
        ]
    constats: list[Constat] = []
    for controle in CONTROLES:
        constats.extend(controle(facture, contexte))
    if len(constats) > 1:
        constats.sort(key=lambda constat: constat.gravite is not Gravite.ERREUR)
    return constats


# ----------------------------------------------------------------------- JSON


class DonneesInvalides(ValueError):
    """Données JSON qui ne forment pas une ``FactureAControler`` ; le message nomme le champ."""


def facture_depuis_json(donnees: Mapping[str, Any]) -> FactureAControler:
    """Construit une ``FactureAControler`` depuis un objet JSON décodé.

    Mêmes noms de champs que les dataclasses ; dates « AAAA-MM-JJ », heures « HH:MM »,
    coefficients et distances en nombre ou en texte (lus en ``Decimal`` ; décodez le JSON
    avec ``parse_float=Decimal`` pour éviter toute perte), montants en centimes entiers.
    Un champ à valeur par défaut peut être omis ; un champ inconnu est refusé.
    """
    resultat = _construire(FactureAControler, donnees, "")
    assert isinstance(resultat, FactureAControler)
    return resultat


@lru_cache(maxsize=64)
def _annotations(classe: type) -> dict[str, Any]:
    return typing.get_type_hints(classe)


def _construire(type_: Any, valeur: Any, chemin: str) -> Any:
    nom = chemin or "(facture)"
    origine = typing.get_origin(type_)
    if origine in (typing.Union, types.UnionType):
        arguments = [a for a in typing.get_args(type_) if a is not type(None)]
        if valeur is None:
            if len(arguments) < len(typing.get_args(type_)):
                return None
            raise DonneesInvalides(f"Champ « {nom} » : valeur obligatoire.")
        return _construire(arguments[0], valeur, chemin)
    if origine is tuple:
        if not isinstance(valeur, list | tuple):
            raise DonneesInvalides(f"Champ « {nom} » : une liste est attendue.")
        element = typing.get_args(type_)[0]
        return tuple(_construire(element, v, f"{chemin}[{i}]") for i, v in enumerate(valeur))
    if origine is frozenset:
        if not isinstance(valeur, list | tuple) or not all(isinstance(v, str) for v in valeur):
            raise DonneesInvalides(f"Champ « {nom} » : une liste de textes est attendue.")
        return frozenset(valeur)
    if isinstance(type_, type) and is_dataclass(type_):
        return _construire_dataclass(type_, valeur, chemin)
    if type_ is Decimal:
        return _lire_decimal(valeur, nom)
    if type_ is date:
        return _lire(date.fromisoformat, valeur, nom, "une date AAAA-MM-JJ")
    if type_ is time:
        return _lire(_heure, valeur, nom, "une heure HH:MM")
    if isinstance(type_, type) and issubclass(type_, StrEnum):
        try:
            return type_(valeur)
        except ValueError:
            admises = ", ".join(f"« {m.value} »" for m in type_)
            raise DonneesInvalides(f"Champ « {nom} » : attendu {admises}.") from None
    if type_ is bool:
        if not isinstance(valeur, bool):
            raise DonneesInvalides(f"Champ « {nom} » : true ou false attendu.")
        return valeur
    if type_ is int:
        if isinstance(valeur, bool) or not isinstance(valeur, int):
            raise DonneesInvalides(f"Champ « {nom} » : un nombre entier est attendu.")
        return valeur
    if type_ is str:
        if not isinstance(valeur, str):
            raise DonneesInvalides(f"Champ « {nom} » : un texte est attendu.")
        return valeur
    raise DonneesInvalides(f"Champ « {nom} » : type non pris en charge.")


def _construire_dataclass(classe: type, valeur: Any, chemin: str) -> Any:
    if not isinstance(valeur, Mapping):
        raise DonneesInvalides(f"Champ « {chemin or '(facture)'} » : un objet est attendu.")
    annotations = _annotations(classe)
    noms = {champ.name for champ in fields(classe)}
    inconnus = sorted(set(valeur) - noms)
    if inconnus:
        prefixe = f"{chemin}." if chemin else ""
        raise DonneesInvalides(f"Champ « {prefixe}{inconnus[0]} » : champ inconnu.")
    arguments = {}
    for champ in fields(classe):
        sous_chemin = f"{chemin}.{champ.name}" if chemin else champ.name
        if champ.name not in valeur:
            if champ.default is MISSING and champ.default_factory is MISSING:
                raise DonneesInvalides(f"Champ « {sous_chemin} » : champ obligatoire manquant.")
            continue
        arguments[champ.name] = _construire(
            annotations[champ.name], valeur[champ.name], sous_chemin
        )
    return classe(**arguments)


def _lire_decimal(valeur: Any, nom: str) -> Decimal:
    if isinstance(valeur, bool) or not isinstance(valeur, Decimal | int | float | str):
        raise DonneesInvalides(f"Champ « {nom} » : un nombre est attendu.")
    try:
        nombre = (
            Decimal(str(valeur).replace(",", ".")) if not isinstance(valeur, Decimal) else valeur
        )
    except InvalidOperation:
        raise DonneesInvalides(f"Champ « {nom} » : nombre illisible « {valeur} ».") from None
    if not nombre.is_finite():
        raise DonneesInvalides(f"Champ « {nom} » : nombre fini attendu.")
    return nombre


def _heure(texte: str) -> time:
    heure = time.fromisoformat(texte)
    if len(texte) != 5:
        raise ValueError(texte)
    return heure


def _lire(lecteur: Callable[[str], Any], valeur: Any, nom: str, attendu: str) -> Any:
    if isinstance(valeur, str):
        try:
            return lecteur(valeur)
        except ValueError:
            pass
    raise DonneesInvalides(f"Champ « {nom} » : {attendu}, reçu « {valeur} ».")
