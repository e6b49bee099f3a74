"""Répartition d'une facture entre la caisse (AMO), la complémentaire (AMC) et l'assuré.

Règles (DOMAIN.md §5 et §7) :

* taux AMO : 100 % (paramètre ``taux_amo``/``exonere``) quand le patient est exonéré pour ces
  soins, c'est-à-dire nature d'assurance maternité (30), AT/MP (41), prévention (90), ou un
  code d'exonération autre que 0 (3, 4 ALD, 5, 6, 7, 9…) [A, ameli] ; sinon le taux des
  droits du patient, ou à défaut 60 % pour les auxiliaires médicaux (``taux_amo`` /
  ``auxiliaire_medical``) [A, ameli]. Alsace-Moselle (13) sans exonération : le taux du
  régime local doit venir des droits (aucune valeur n'est inventée ici) ;
* part AMO arrondie ligne par ligne (chaque prestation de la FSE porte sa part), au
  centime, demi-centime vers le haut (règle de ``rejets.domain.money``) — choix de Rejets ;
* ticket modérateur = total − AMO ; part AMC = ticket modérateur × taux de couverture du
  contrat (100 % par défaut), arrondie de même ; part assuré = le reste. Les trois parts
  s'additionnent toujours exactement au total ;
* le mode de tiers payant dit ce que le cabinet demande aux payeurs et ce qu'il encaisse
  auprès du patient : « aucun » (tout au patient), « amo » (AMO à la caisse, le reste au
  patient), « amo_amc » (AMO à la caisse, AMC à la complémentaire par une DRE, la part
  assuré au patient).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from rejets.domain.tarifs import Catalogue, catalogue_par_defaut

__all__ = [
    "EXONERATIONS",
    "CouvertureAmc",
    "NatureAssurance",
    "Repartition",
    "RepartitionInvalide",
    "TiersPayant",
    "appliquer_pourcentage",
    "repartir",
    "taux_amo",
]


class NatureAssurance(StrEnum):
    """Nature d'assurance de la FSE (B2, DOMAIN.md §5)."""

    MALADIE = "10"
    ALSACE_MOSELLE = "13"
    MATERNITE = "30"
    AT_MP = "41"
    PREVENTION = "90"

    @property
    def libelle(self) -> str:
        return LIBELLES_NATURES[self]


LIBELLES_NATURES: Mapping[NatureAssurance, str] = {
    NatureAssurance.MALADIE: "maladie",
    NatureAssurance.ALSACE_MOSELLE: "maladie, régime local d'Alsace-Moselle",
    NatureAssurance.MATERNITE: "maternité",
    NatureAssurance.AT_MP: "accident du travail ou maladie professionnelle",
    NatureAssurance.PREVENTION: "prévention",
}

NATURES_EXONEREES = frozenset(
    {NatureAssurance.MATERNITE, NatureAssurance.AT_MP, NatureAssurance.PREVENTION}
)

EXONERATIONS: Mapping[str, str] = {
    "0": "aucune exonération",
    "3": "traitement exonérant",
    "4": "affection de longue durée (ALD)",
    "5": "assuré exonéré",
    "6": "régimes spéciaux",
    "7": "prévention",
    "9": "ASPA / FSV",
}
"""Codes d'exonération du ticket modérateur connus (B2, DOMAIN.md §5) ; tout code autre que
0 vaut exonération, un code absent de cette table est accepté et cité tel quel."""


_NATURES: Mapping[str, NatureAssurance] = {nature.value: nature for nature in NatureAssurance}


class TiersPayant(StrEnum):
    AUCUN = "aucun"
    AMO = "amo"
    AMO_AMC = "amo_amc"


_MODES: Mapping[str, TiersPayant] = {mode.value: mode for mode in TiersPayant}


class RepartitionInvalide(ValueError):
    """Données qui ne permettent pas de répartir la facture ; message en français."""


@dataclass(frozen=True, slots=True)
class CouvertureAmc:
    """Contrat complémentaire : part du ticket modérateur prise en charge, en pourcentage."""

    taux_ticket_moderateur: Decimal = Decimal(100)


class Repartition(NamedTuple):
    """Parts (``amo + amc + assure == total``) et, selon le tiers payant, ce que le cabinet
    demande à la caisse, à la complémentaire, et encaisse auprès du patient."""

    total: int
    amo: int
    amc: int
    assure: int
    taux_amo: Decimal
    taux_amc: Decimal
    tiers_payant: TiersPayant
    demande_amo: int
    demande_amc: int
    a_encaisser_patient: int
    motif_taux: str
    source_taux: str


_RATIOS: dict[Decimal, tuple[int, int]] = {}


def appliquer_pourcentage(centimes: int, taux: Decimal) -> int:
    """``centimes`` × ``taux`` %, arrondi au centime, demi-centime vers le haut.

    Même résultat que ``money.appliquer_taux`` pour un montant positif, en arithmétique
    entière (sans contexte décimal), pour le chemin rapide.
    """
    try:
        numerateur, denominateur = _RATIOS[taux]
    except KeyError:
        numerateur, denominateur = taux.as_integer_ratio()
        if len(_RATIOS) < 4096:
            _RATIOS[taux] = (numerateur, denominateur)
    diviseur = 100 * denominateur
    return (2 * centimes * numerateur + diviseur) // (2 * diviseur)


def _taux_valide(taux: object, nom: str) -> Decimal:
    if type(taux) is Decimal and taux.is_finite() and 0 <= taux <= 100:
        return taux
    if isinstance(taux, bool) or not isinstance(taux, Decimal | int):
        raise RepartitionInvalide(f"{nom} doit être un nombre (pourcentage), pas « {taux} ».")
    valeur = Decimal(taux)
    if not valeur.is_finite() or not 0 <= valeur <= 100:
        raise RepartitionInvalide(f"{nom} invalide : « {taux} » (attendu de 0 à 100 %).")
    return valeur


def taux_amo(
    nature_assurance: NatureAssurance | str,
    exoneration: str,
    le: date,
    taux_droits: Decimal | int | None = None,
    catalogue: Catalogue | None = None,
) -> tuple[Decimal, str, str]:
    """Taux AMO applicable, avec le motif en français et la source (règles du module)."""
    cat = catalogue if catalogue is not None else catalogue_par_defaut()
    nature = _NATURES.get(nature_assurance)
    if nature is None:
        admises = ", ".join(n.value for n in NatureAssurance)
        raise RepartitionInvalide(
            f"Nature d'assurance inconnue « {nature_assurance} » (attendu {admises})."
        )
    if not isinstance(exoneration, str) or len(exoneration) != 1 or not exoneration.isalnum():
        raise RepartitionInvalide(
            f"Code d'exonération invalide « {exoneration} » : un caractère (0 si aucune)."
        )
    if nature in NATURES_EXONEREES or exoneration != "0":
        parametre = cat.parametre("taux_amo", le, "exonere")
        motif = (
            f"nature d'assurance {nature.value} ({nature.libelle})"
            if nature in NATURES_EXONEREES
            else f"exonération {exoneration} "
            f"({EXONERATIONS.get(exoneration, 'code ' + exoneration)})"
        )
        return (
            parametre.decimal(),
            f"Patient exonéré : {motif}, taux {parametre.decimal()} %.",
            parametre.source,
        )
    if taux_droits is not None:
        taux = _taux_valide(taux_droits, "Le taux de remboursement des droits")
        return (
            taux,
            f"Taux des droits du patient : {taux} %.",
            "Droits du patient (carte Vitale, ADRi)",
        )
    if nature is NatureAssurance.ALSACE_MOSELLE:
        raise RepartitionInvalide(
            "Régime local d'Alsace-Moselle sans exonération : donnez le taux de remboursement "
            "des droits du patient (aucune valeur par défaut n'est sourcée)."
        )
    parametre = cat.parametre("taux_amo", le, "auxiliaire_medical")
    return (
        parametre.decimal(),
        f"Actes d'auxiliaire médical, sans exonération : taux {parametre.decimal()} %.",
        parametre.source,
    )


def repartir(
    montants: Sequence[int],
    *,
    nature_assurance: NatureAssurance | str,
    exoneration: str,
    le: date,
    taux_droits: Decimal | int | None = None,
    amc: CouvertureAmc | None = None,
    tiers_payant: TiersPayant | str = TiersPayant.AUCUN,
    catalogue: Catalogue | None = None,
) -> Repartition:
    """Répartit les lignes facturées (centimes) entre AMO, AMC et assuré (règles du module).

    ``amc`` : contrat complémentaire, ``None`` s'il n'y en a pas ; ``le`` : date des soins,
    pour les taux datés du catalogue. Lève ``RepartitionInvalide`` (tiers payant AMC sans
    contrat, montant négatif, taux hors de 0–100 %…).
    """
    mode = _MODES.get(tiers_payant)
    if mode is None:
        raise RepartitionInvalide(
            f"Mode de tiers payant inconnu « {tiers_payant} » (attendu aucun, amo ou amo_amc)."
        )
    for montant in montants:
        if isinstance(montant, bool) or not isinstance(montant, int) or montant < 0:
            raise RepartitionInvalide(
                f"Montant de ligne invalide « {montant} » : un nombre entier de centimes ≥ 0."
            )
    taux, motif, source = taux_amo(nature_assurance, exoneration, le, taux_droits, catalogue)
    total = sum(montants)
    part_amo = sum(appliquer_pourcentage(montant, taux) for montant in montants)
    ticket_moderateur = total - part_amo
    if amc is None:
        taux_amc = Decimal(0)
        part_amc = 0
        if mode is TiersPayant.AMO_AMC:
            raise RepartitionInvalide(
                "Tiers payant AMO et AMC sans contrat complémentaire : renseignez la "
                "complémentaire ou passez en tiers payant AMO seul."
            )
    else:
        taux_amc = _taux_valide(amc.taux_ticket_moderateur, "Le taux de couverture AMC")
        part_amc = appliquer_pourcentage(ticket_moderateur, taux_amc)
    assure = ticket_moderateur - part_amc
    if mode is TiersPayant.AUCUN:
        demande_amo = demande_amc = 0
    elif mode is TiersPayant.AMO:
        demande_amo, demande_amc = part_amo, 0
    else:
        demande_amo, demande_amc = part_amo, part_amc
    return Repartition(
        total=total,
        amo=part_amo,
        amc=part_amc,
        assure=assure,
        taux_amo=taux,
        taux_amc=taux_amc,
        tiers_payant=mode,
        demande_amo=demande_amo,
        demande_amc=demande_amc,
        a_encaisser_patient=total - demande_amo - demande_amc,
        motif_taux=motif,
        source_taux=source,
    )
