"""Cotation d'une séance de soins infirmiers : lignes facturées, montants, et le « pourquoi ».

``coter(seance)`` reçoit les actes d'une séance (lettre clé, coefficient ``Decimal``, nature)
et son contexte (date, heures, lieu, prescription, déplacement, patient) et rend les lignes
à facturer. Le moteur calcule lui-même majorations et indemnités de déplacement ; chaque
ligne porte la ``Decision`` qui l'a produite (règle, explication en français, source), et
chaque majoration écartée aussi, pour que l'écran puisse dire pourquoi.

Règles appliquées (sources : DOMAIN.md §7 et docs/cotation.md) :

* art. 11B NGAP : l'acte de plus fort montant à taux plein, le deuxième à 50 %, les suivants
  non facturés ; exceptions décrites comme données dans le catalogue (perfusions, patient
  insulino-traité, séance + pansement lourd et complexe, forfaits) ;
* art. 14 NGAP : majoration de nuit (20 h–23 h et 5 h–8 h, ou 23 h–5 h) si l'appel est venu
  entre 19 h et 7 h ou si la prescription impose une exécution de nuit ; majoration de
  dimanche ou jour férié (``holidays.France``) en cas d'appel ou de prescription d'exécution
  quotidienne ; jamais les deux, une fois par séance ;
* décision UNCAM du 20/12/2011 : MAU pour un acte unique AMI 1 ou 1,5, jamais avec la MCI ;
  MCI à domicile pour un pansement lourd et complexe ou des soins palliatifs, une fois ;
* art. 13 NGAP : IFD, ou IK au-delà du seuil hors de la commune du cabinet, avec abattement ;
  seulement à domicile et si la prescription dit « à domicile ».

Arrondi : montant d'une ligne = valeur de la lettre clé × coefficient × taux (100 %, 50 %),
arrondi au centime le plus proche, demi-centime vers le haut (``ROUND_HALF_UP``, règle de
``rejets.domain.money``), ligne par ligne ; le total est la somme des lignes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

import holidays

from rejets.domain.tarifs import (
    Catalogue,
    Exception11B,
    NatureCode,
    Tarif,
    ZoneTarifaire,
    catalogue_par_defaut,
)

__all__ = [
    "CODES_IK",
    "CODES_NUIT",
    "NATURE_INSULINE",
    "NATURE_PANSEMENT_LOURD",
    "NATURE_PERFUSION",
    "NATURE_SEANCE_SOINS",
    "Acte",
    "ActeACoter",
    "Cotation",
    "CotationInvalide",
    "Decision",
    "Lieu",
    "LigneCotee",
    "Prescription",
    "PrescriptionACoter",
    "Seance",
    "ZoneDeplacement",
    "coter",
    "est_ferie",
    "jours_feries",
    "montant_ligne",
]

NATURE_PERFUSION = "perfusion"
NATURE_INSULINE = "insuline"
NATURE_SEANCE_SOINS = "seance_soins_infirmiers"
NATURE_PANSEMENT_LOURD = "pansement_lourd"

CODES_NUIT = ("NUIT", "NUIP")
CODE_DIMANCHE = "DIM"


class Lieu(StrEnum):
    DOMICILE = "domicile"
    CABINET = "cabinet"


class ZoneDeplacement(StrEnum):
    PLAINE = "plaine"
    MONTAGNE = "montagne"
    PIED = "pied"


CODES_IK: dict[str, str] = {
    ZoneDeplacement.PLAINE: "IK",
    ZoneDeplacement.MONTAGNE: "IKM",
    ZoneDeplacement.PIED: "IKS",
}
"""Code d'indemnité kilométrique par zone de déplacement."""

SOURCE_ARRONDI = "Règle d'arrondi de Rejets (rejets.domain.money) : ROUND_HALF_UP, par ligne"
SOURCE_11B = (
    "NGAP, dispositions générales, art. 11B (CPAM, « Actes multiples au cours d'une même "
    "séance ») ; DOMAIN.md §7"
)
SOURCE_NUIT = (
    "NGAP, dispositions générales, art. 14 (actes de nuit entre 20 h et 8 h ; appel entre "
    "19 h et 7 h ou prescription d'exécution de nuit) ; DOMAIN.md §7 ; CE, 26/07/2018, "
    "n° 409361"
)
SOURCE_DIMANCHE = (
    "NGAP, dispositions générales, art. 14 (urgence, ou prescription d'exécution "
    "rigoureusement quotidienne) ; jours fériés : holidays.France ; DOMAIN.md §7"
)
SOURCE_NON_CUMUL = (
    "NGAP art. 14 : majorations de nuit et de dimanche non cumulables, une fois par séance "
    "(DOMAIN.md §7 ; L'Infirmière libérale magazine n° 275, 2011). Garder la plus élevée "
    "est un choix de Rejets"
)
SOURCE_MAU_MCI = "Décision UNCAM du 20/12/2011 (DOMAIN.md §7) [A]"
SOURCE_DEPLACEMENT = "NGAP, dispositions générales, art. 13 ; DOMAIN.md §7"


class CotationInvalide(ValueError):
    """Séance impossible à coter telle qu'elle est décrite ; le message dit quoi corriger."""


class ActeACoter(Protocol):
    """Ce que le moteur lit d'un acte ; ``Acte`` et ``controles.LigneFacturee`` conviennent."""

    @property
    def lettre_cle(self) -> str: ...

    @property
    def coefficient(self) -> Decimal: ...

    @property
    def nature(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Acte:
    """Acte réalisé : lettre clé NGAP, coefficient propre, nature facultative
    (« perfusion », « insuline », « seance_soins_infirmiers », « pansement_lourd »…)."""

    lettre_cle: str
    coefficient: Decimal
    nature: str | None = None


class PrescriptionACoter(Protocol):
    """Ce que le moteur lit d'une prescription ; ``Prescription`` et
    ``controles.PrescriptionAControler`` conviennent."""

    @property
    def a_domicile(self) -> bool: ...

    @property
    def soins_de_nuit(self) -> bool: ...

    @property
    def execution_quotidienne(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Prescription:
    """Ce que la prescription dit pour la cotation."""

    a_domicile: bool = False
    soins_de_nuit: bool = False
    execution_quotidienne: bool = False


@dataclass(frozen=True, slots=True)
class Seance:
    """Une séance (un passage) chez un patient et ce qui en décide la cotation.

    ``distance_km`` : distance cabinet – domicile du patient (un trajet) ;
    ``meme_commune`` : le patient habite la commune du cabinet ; ``subdivision`` : code
    ``holidays`` des jours fériés locaux (« 57 » Moselle, « 971 » Guadeloupe…).
    """

    actes: Sequence[ActeACoter]
    date: date
    heure: time | None = None
    heure_appel: time | None = None
    lieu: Lieu = Lieu.CABINET
    prescription: PrescriptionACoter | None = None
    distance_km: Decimal | None = None
    meme_commune: bool | None = None
    zone_deplacement: ZoneDeplacement = ZoneDeplacement.PLAINE
    zone: ZoneTarifaire = ZoneTarifaire.METROPOLE
    insulino_traite: bool = False
    soins_palliatifs: bool = False
    subdivision: str | None = None


class Decision(NamedTuple):
    """Pourquoi une ligne est facturée ainsi, ou pourquoi une majoration est écartée.

    ``regle`` est un identifiant stable (« ngap.11b.second ») ; ``explication`` le texte
    montré à l'utilisateur ; ``codes`` les codes concernés ; ``confirme`` faux quand la
    règle ou une valeur utilisée n'est pas confirmée (écart signalé en avertissement).
    Valeur immuable (NamedTuple, moins coûteux à créer qu'une dataclass figée).
    """

    regle: str
    modele: str
    source: str
    codes: tuple[str, ...] = ()
    confirme: bool = True
    valeurs: tuple[object, ...] = ()

    @property
    def explication(self) -> str:
        if not self.valeurs:
            return self.modele
        return self.modele.format(*(_texte(v) for v in self.valeurs))


class LigneCotee(NamedTuple):
    """Ligne à facturer. ``coefficient`` : coefficient propre de l'acte (km pour une IK) ;
    ``pourcentage`` : 100, 50 ou 0 (non facturé, art. 11B) ; ``montant`` en centimes."""

    code: str
    coefficient: Decimal
    pourcentage: int
    valeur_unitaire: int
    montant: int
    tarif: Tarif
    decision: Decision
    index_acte: int | None = None


class Cotation(NamedTuple):
    """Résultat : lignes (actes dans l'ordre donné, puis majorations et déplacements),
    majorations écartées avec leur raison, total en centimes."""

    lignes: tuple[LigneCotee, ...]
    ecartees: tuple[Decision, ...]
    total: int

    def facturees(self) -> tuple[LigneCotee, ...]:
        return tuple(ligne for ligne in self.lignes if ligne.pourcentage)

    def decision_pour(self, code: str) -> Decision | None:
        """La décision qui a produit ou écarté ``code`` (ligne d'abord, puis écartées)."""
        for ligne in self.lignes:
            if ligne.code == code:
                return ligne.decision
        for decision in self.ecartees:
            if code in decision.codes:
                return decision
        return None


def _texte(valeur: object) -> str:
    if isinstance(valeur, Decimal):
        return _decimal_fr(valeur)
    if isinstance(valeur, time):
        return f"{valeur.hour} h {valeur.minute:02d}"
    if isinstance(valeur, date):
        return f"{valeur:%d/%m/%Y}"
    return str(valeur)


def _decimal_fr(valeur: Decimal) -> str:
    texte = format(valeur.normalize(), "f") if valeur == valeur.to_integral_value() else str(valeur)
    return texte.replace(".", ",")


_RATIOS: dict[Decimal, tuple[int, int]] = {}


def montant_ligne(centimes: int, coefficient: Decimal, pourcentage: int = 100) -> int:
    """Valeur × coefficient × pourcentage, arrondi au centime, demi-centime vers le haut.

    Calcul exact en entiers : même résultat que ``money.appliquer_taux`` appliqué au
    produit exact (ROUND_HALF_UP), pour des montants et coefficients positifs.
    """
    try:
        numerateur, denominateur = _RATIOS[coefficient]
    except KeyError:
        numerateur, denominateur = coefficient.as_integer_ratio()
        if len(_RATIOS) < 65536:
            _RATIOS[coefficient] = (numerateur, denominateur)
    produit = centimes * numerateur * pourcentage
    diviseur = denominateur * 100
    return (2 * produit + diviseur) // (2 * diviseur)


@lru_cache(maxsize=1024)
def jours_feries(annee: int, subdivision: str | None = None) -> frozenset[date]:
    """Jours fériés de l'année en France (``holidays.France``), mis en cache par année."""
    try:
        return frozenset(holidays.France(years=annee, subdiv=subdivision).keys())
    except NotImplementedError:
        raise CotationInvalide(
            f"Subdivision inconnue pour les jours fériés : « {subdivision} » (attendu un code "
            "de holidays.France, par exemple « 57 » ou « 971 »)."
        ) from None


def est_ferie(jour: date, subdivision: str | None = None) -> bool:
    return jour in jours_feries(jour.year, subdivision)


# Décisions sans paramètre, partagées.
_D_SEUL = Decision("ngap.11b.seul", "Seul acte de la séance : taux plein.", SOURCE_11B)
_D_PREMIER = Decision(
    "ngap.11b.premier",
    "Acte principal de la séance (montant le plus élevé) : taux plein.",
    SOURCE_11B,
)
_D_SECOND = Decision(
    "ngap.11b.second", "Deuxième acte de la séance : facturé à 50 % de son coefficient.", SOURCE_11B
)
_D_NUIT_SANS_HEURE = Decision(
    "ngap.14.nuit.heure_inconnue",
    "Heure des soins inconnue : la majoration de nuit ne peut pas être évaluée.",
    SOURCE_NUIT,
    CODES_NUIT,
)
_D_JOUR = Decision(
    "ngap.14.nuit.jour",
    "Soins entre 8 h et 20 h : pas de majoration de nuit.",
    SOURCE_NUIT,
    CODES_NUIT,
)
_D_NUIT_SANS_APPEL = Decision(
    "ngap.14.nuit.non_justifiee",
    "Soins de nuit sans appel reçu entre 19 h et 7 h ni prescription d'exécution de nuit : "
    "pas de majoration de nuit.",
    SOURCE_NUIT,
    CODES_NUIT,
)
_D_OUVRABLE = Decision(
    "ngap.14.dimanche.jour_ouvrable",
    "Ni dimanche ni jour férié : pas de majoration de dimanche.",
    SOURCE_DIMANCHE,
    (CODE_DIMANCHE,),
)
_D_DIMANCHE_NON_JUSTIFIE = Decision(
    "ngap.14.dimanche.non_justifiee",
    "Dimanche ou jour férié, mais ni appel (urgence) ni prescription d'exécution quotidienne "
    "ou de nuit : pas de majoration de dimanche.",
    SOURCE_DIMANCHE,
    (CODE_DIMANCHE,),
)
_D_MCI_CABINET = Decision(
    "uncam.mci.cabinet",
    "Soins au cabinet : pas de MCI (soins à domicile seulement).",
    SOURCE_MAU_MCI,
    ("MCI",),
)
_D_MCI_SANS_MOTIF = Decision(
    "uncam.mci.sans_motif",
    "Ni pansement lourd et complexe ni soins palliatifs : pas de MCI.",
    SOURCE_MAU_MCI,
    ("MCI",),
)
_D_MCI = Decision(
    "uncam.mci",
    "Soins à domicile avec pansement lourd et complexe ou soins palliatifs : une MCI par séance.",
    SOURCE_MAU_MCI,
    ("MCI",),
)
_D_MAU = Decision(
    "uncam.mau", "Acte unique AMI 1 ou 1,5 dans la séance : MAU.", SOURCE_MAU_MCI, ("MAU",)
)
_D_MAU_AVEC_MCI = Decision(
    "uncam.mau.avec_mci",
    "La MAU ne se cumule pas avec la MCI : MAU écartée.",
    SOURCE_MAU_MCI,
    ("MAU",),
)
_D_MAU_PLUSIEURS = Decision(
    "uncam.mau.plusieurs_actes",
    "Plusieurs actes dans la séance : pas de MAU.",
    SOURCE_MAU_MCI,
    ("MAU",),
)
_D_MAU_COTATION = Decision(
    "uncam.mau.cotation",
    "L'acte unique n'est pas un AMI 1 ou AMI 1,5 : pas de MAU.",
    SOURCE_MAU_MCI,
    ("MAU",),
)
_CODES_DEPLACEMENT = ("IFD", *CODES_IK.values())
_D_CABINET = Decision(
    "ngap.13.cabinet",
    "Soins au cabinet : ni IFD ni IK.",
    SOURCE_DEPLACEMENT,
    _CODES_DEPLACEMENT,
)
_D_SANS_DOMICILE = Decision(
    "ngap.13.prescription",
    "La prescription ne dit pas « à domicile » : ni IFD ni IK.",
    SOURCE_DEPLACEMENT,
    _CODES_DEPLACEMENT,
)
_D_IK_INCONNU = Decision(
    "ngap.13.ik.inconnu",
    "Distance ou commune du patient inconnue : IK non évaluées.",
    SOURCE_DEPLACEMENT,
    tuple(CODES_IK.values()),
)
_D_IK_MEME_COMMUNE = Decision(
    "ngap.13.ik.meme_commune",
    "Le patient habite la commune du cabinet : pas d'IK.",
    SOURCE_DEPLACEMENT,
    tuple(CODES_IK.values()),
)
_ACTES = frozenset({NatureCode.ACTE, NatureCode.FORFAIT})
_MINUTES_20H, _MINUTES_23H, _MINUTES_5H, _MINUTES_8H = 1200, 1380, 300, 480
_MINUTES_19H, _MINUTES_7H = 1140, 420
_COEFFICIENTS_MAU = frozenset({Decimal(1), Decimal("1.5")})


def _verifier_seance(seance: Seance) -> None:
    jour = seance.date
    if type(jour) is not date:
        raise CotationInvalide("La date de la séance doit être une date (sans heure).")
    for nom, heure in (("heure des soins", seance.heure), ("heure d'appel", seance.heure_appel)):
        if heure is not None and not isinstance(heure, time):
            raise CotationInvalide(f"L'{nom} doit être une heure (HH:MM) ou vide.")
    if not seance.actes:
        raise CotationInvalide("La séance n'a aucun acte : il faut au moins un acte à coter.")
    if seance.subdivision is not None:
        jours_feries(jour.year, seance.subdivision)
    distance = seance.distance_km
    if distance is not None and (
        not isinstance(distance, Decimal) or not distance.is_finite() or distance < 0
    ):
        raise CotationInvalide(
            f"Distance invalide : « {distance} ». Donnez un nombre de kilomètres positif ou nul."
        )


def _enumeration(classe: type[StrEnum], valeur: Any, nom: str) -> str:
    if type(valeur) is classe:
        return valeur
    try:
        return classe(valeur)
    except ValueError:
        admises = ", ".join(f"« {membre.value} »" for membre in classe)
        raise CotationInvalide(f"{nom} invalide : « {valeur} » (attendu {admises}).") from None


def coter(seance: Seance, catalogue: Catalogue | None = None) -> Cotation:
    """Cote une séance : lignes à facturer avec montants et décisions (règles ci-dessus).

    Lève ``CotationInvalide`` pour une séance mal décrite (lettre clé inconnue, coefficient
    nul ou négatif…) et ``tarifs.TarifManquant`` si une valeur nécessaire manque au
    catalogue à cette date dans cette zone.
    """
    cat = catalogue if catalogue is not None else catalogue_par_defaut()
    _verifier_seance(seance)
    jour = seance.date
    zone = _enumeration(ZoneTarifaire, seance.zone, "Zone tarifaire")
    lieu = _enumeration(Lieu, seance.lieu, "Lieu des soins")
    actes = seance.actes
    natures = cat.natures
    tarifs: list[Tarif] = []
    montants: list[int] = []
    for numero, acte in enumerate(actes, start=1):
        code = acte.lettre_cle
        nature = natures.get(code) if isinstance(code, str) else None
        if nature is None:
            raise CotationInvalide(
                f"Acte n° {numero} : lettre clé inconnue « {code} » (attendu AMI, AMX, AIS, "
                "BSA, BSB, BSC ou DI)."
            )
        if nature not in _ACTES:
            raise CotationInvalide(
                f"Acte n° {numero} : « {code} » est une majoration ou une indemnité de "
                "déplacement ; le moteur la calcule lui-même, ne la donnez pas comme acte."
            )
        coefficient = acte.coefficient
        if type(coefficient) is not Decimal or not coefficient.is_finite() or coefficient <= 0:
            raise CotationInvalide(
                f"Acte n° {numero} ({code}) : coefficient invalide « {coefficient} ». Il faut "
                "un nombre décimal strictement positif (1, 1.5, 2…)."
            )
        tarif = cat.valeur(code, jour, zone)
        tarifs.append(tarif)
        montants.append(montant_ligne(tarif.centimes, coefficient, 100))

    pourcentages, decisions = _article_11b(actes, montants, seance.insulino_traite, cat)
    lignes = []
    total = 0
    for index, acte in enumerate(actes):
        tarif = tarifs[index]
        pourcentage = pourcentages[index]
        montant = (
            montants[index]
            if pourcentage == 100
            else (
                montant_ligne(tarif.centimes, acte.coefficient, pourcentage) if pourcentage else 0
            )
        )
        total += montant
        lignes.append(
            LigneCotee(
                acte.lettre_cle,
                acte.coefficient,
                pourcentage,
                tarif.centimes,
                montant,
                tarif,
                decisions[index],
                index,
            )
        )
    ecartees: list[Decision] = []
    supplements: list[LigneCotee] = []
    _majoration_horaire(seance, cat, jour, zone, supplements, ecartees)
    _mau_mci(seance, lieu, cat, jour, zone, supplements, ecartees)
    _deplacement(seance, lieu, cat, jour, zone, supplements, ecartees)
    for ligne in supplements:
        total += ligne.montant
    return Cotation((*lignes, *supplements), tuple(ecartees), total)


def _article_11b(
    actes: Sequence[ActeACoter], montants: list[int], insulino_traite: bool, cat: Catalogue
) -> tuple[list[int], list[Decision]]:
    """Article 11B et ses exceptions : pourcentage et décision de chaque acte."""
    nombre = len(actes)
    if nombre == 1:
        return [100], [_D_SEUL]
    natures_visees, lettres_visees = cat.cibles_11b
    if not any(a.nature in natures_visees or a.lettre_cle in lettres_visees for a in actes):
        ordre = sorted(range(nombre), key=lambda i: -montants[i])
        pourcentages = [0] * nombre
        decisions_simples: list[Decision] = [_D_SECOND] * nombre
        pourcentages[ordre[0]] = 100
        decisions_simples[ordre[0]] = _D_PREMIER
        pourcentages[ordre[1]] = 50
        for rang, i in enumerate(ordre[2:], start=3):
            decisions_simples[i] = _decision_suivant(rang)
        return pourcentages, decisions_simples
    pourcentages = [0] * nombre
    decisions: list[Decision] = [_D_SEUL] * nombre
    libres = list(range(nombre))
    unites: list[tuple[int, int, list[int], Exception11B | None]] = []
    for exception in cat.exceptions_11b:
        if exception.condition == "insulino_traite" and not insulino_traite:
            continue
        natures, lettres = exception.natures, exception.lettres
        membres = [
            i for i in libres if actes[i].nature in natures or actes[i].lettre_cle in lettres
        ]
        if not membres:
            continue
        if exception.effet == "hors_article":
            decision = Decision(
                f"ngap.11b.exception.{exception.code}",
                "{0} : taux plein, hors article 11B.",
                exception.source,
                confirme=exception.confirme,
                valeurs=(exception.libelle,),
            )
            for i in membres:
                pourcentages[i] = 100
                decisions[i] = decision
            libres = [i for i in libres if i not in membres]
            continue
        if len(membres) < 2:
            continue
        if exception.toutes_requises and not set(natures) <= {actes[i].nature for i in membres}:
            continue
        unites.append((sum(montants[i] for i in membres), membres[0], membres, exception))
        libres = [i for i in libres if i not in membres]
    unites.extend((montants[i], i, [i], None) for i in libres)
    unites.sort(key=lambda unite: (-unite[0], unite[1]))
    for rang, (_, _, membres, groupe) in enumerate(unites, start=1):
        pourcentage = 100 if rang == 1 else 50 if rang == 2 else 0
        if groupe is not None:
            decision = Decision(
                f"ngap.11b.exception.{groupe.code}",
                "Exception à l'article 11B — {0} : actes cumulés à taux plein entre eux ; "
                "le groupe compte pour le {1}e acte de la séance, facturé à {2} %.",
                f"{groupe.source} ; {SOURCE_11B}",
                confirme=groupe.confirme,
                valeurs=(groupe.libelle, rang, pourcentage),
            )
        elif rang == 1:
            decision = _D_PREMIER if len(unites) > 1 else _D_SEUL
        elif rang == 2:
            decision = _D_SECOND
        else:
            decision = _decision_suivant(rang)
        for i in membres:
            pourcentages[i] = pourcentage
            decisions[i] = decision
    return pourcentages, decisions


@lru_cache(maxsize=64)
def _decision_suivant(rang: int) -> Decision:
    return Decision(
        "ngap.11b.suivant",
        "{0}e acte de la séance : non facturé (au-delà du deuxième acte).",
        SOURCE_11B,
        valeurs=(rang,),
    )


def _ligne(
    code: str,
    cat: Catalogue,
    jour: date,
    zone: str,
    decision: Decision,
    coefficient: Decimal = Decimal(1),
) -> LigneCotee:
    tarif = cat.valeur(code, jour, zone)
    montant = tarif.centimes if coefficient == 1 else montant_ligne(tarif.centimes, coefficient)
    if not tarif.confirme and decision.confirme:
        decision = Decision(
            decision.regle,
            decision.modele + " Valeur non confirmée : {" + str(len(decision.valeurs)) + "}.",
            decision.source,
            decision.codes,
            False,
            (*decision.valeurs, tarif.source),
        )
    return LigneCotee(code, coefficient, 100, tarif.centimes, montant, tarif, decision)


def _minutes(heure: time) -> int:
    return heure.hour * 60 + heure.minute


def _majoration_horaire(
    seance: Seance,
    cat: Catalogue,
    jour: date,
    zone: str,
    lignes: list[LigneCotee],
    ecartees: list[Decision],
) -> None:
    """Nuit ou dimanche/jour férié (art. 14 NGAP) : au plus une, la plus élevée."""
    prescription = seance.prescription
    appel = seance.heure_appel
    heure = seance.heure
    nuit: tuple[str, Decision] | None = None
    if heure is None:
        ecartees.append(_D_NUIT_SANS_HEURE)
    else:
        minutes = _minutes(heure)
        if minutes >= _MINUTES_23H or minutes < _MINUTES_5H:
            tranche = "NUIP"
        elif minutes >= _MINUTES_20H or minutes < _MINUTES_8H:
            tranche = "NUIT"
        else:
            tranche = ""
        if not tranche:
            ecartees.append(_D_JOUR)
        elif appel is not None and (
            _minutes(appel) >= _MINUTES_19H or _minutes(appel) < _MINUTES_7H
        ):
            nuit = (
                tranche,
                Decision(
                    "ngap.14.nuit.appel",
                    "Soins à {0}, appel reçu à {1} (entre 19 h et 7 h) : majoration de nuit.",
                    SOURCE_NUIT,
                    CODES_NUIT,
                    valeurs=(heure, appel),
                ),
            )
        elif prescription is not None and prescription.soins_de_nuit:
            nuit = (
                tranche,
                Decision(
                    "ngap.14.nuit.prescription",
                    "Soins à {0}, prescription d'exécution de nuit : majoration de nuit.",
                    SOURCE_NUIT,
                    CODES_NUIT,
                    valeurs=(heure,),
                ),
            )
        else:
            ecartees.append(_D_NUIT_SANS_APPEL)

    dimanche: Decision | None = None
    jour_semaine = jour.weekday()
    if jour_semaine == 6 or jour in jours_feries(jour.year, seance.subdivision):
        justifiee = appel is not None or (
            prescription is not None
            and (prescription.execution_quotidienne or prescription.soins_de_nuit)
        )
        if justifiee:
            dimanche = Decision(
                "ngap.14.dimanche",
                "Soins un {0} ({1}), en urgence ou sur prescription d'exécution quotidienne : "
                "majoration de dimanche et jour férié.",
                SOURCE_DIMANCHE,
                (CODE_DIMANCHE,),
                valeurs=("dimanche" if jour_semaine == 6 else "jour férié", jour),
            )
        else:
            ecartees.append(_D_DIMANCHE_NON_JUSTIFIE)
    elif jour_semaine == 5 and appel is not None:
        parametre = cat.parametre("dimanche_samedi_urgence_heure", jour)
        if appel.hour >= parametre.decimal():
            dimanche = Decision(
                "convention.samedi_urgence",
                "Appel d'urgence le samedi à {0} (à partir de {1} h) : majoration de dimanche.",
                parametre.source,
                (CODE_DIMANCHE,),
                confirme=parametre.confirme,
                valeurs=(appel, parametre.decimal()),
            )
        else:
            ecartees.append(_D_OUVRABLE)
    else:
        ecartees.append(_D_OUVRABLE)

    if nuit is not None and dimanche is not None:
        code_nuit = nuit[0]
        valeur_nuit = cat.valeur(code_nuit, jour, zone).centimes
        valeur_dimanche = cat.valeur(CODE_DIMANCHE, jour, zone).centimes
        if valeur_dimanche > valeur_nuit:
            ecartee = Decision(
                "ngap.14.non_cumul",
                "Majorations de nuit et de dimanche non cumulables : la plus élevée (dimanche) "
                "est retenue.",
                SOURCE_NON_CUMUL,
                CODES_NUIT,
                confirme=False,
            )
            nuit = None
        else:
            ecartee = Decision(
                "ngap.14.non_cumul",
                "Majorations de nuit et de dimanche non cumulables : la plus élevée (nuit) est "
                "retenue.",
                SOURCE_NON_CUMUL,
                (CODE_DIMANCHE,),
                confirme=False,
            )
            dimanche = None
        ecartees.append(ecartee)
    if nuit is not None:
        lignes.append(_ligne(nuit[0], cat, jour, zone, nuit[1]))
    elif dimanche is not None:
        lignes.append(_ligne(CODE_DIMANCHE, cat, jour, zone, dimanche))


def _mau_mci(
    seance: Seance,
    lieu: str,
    cat: Catalogue,
    jour: date,
    zone: str,
    lignes: list[LigneCotee],
    ecartees: list[Decision],
) -> None:
    """MCI (domicile, pansement lourd et complexe ou soins palliatifs) ; sinon MAU (acte
    unique AMI 1 ou 1,5). Décision UNCAM du 20/12/2011."""
    actes = seance.actes
    mci = False
    if lieu != Lieu.DOMICILE:
        ecartees.append(_D_MCI_CABINET)
    elif seance.soins_palliatifs or any(a.nature == NATURE_PANSEMENT_LOURD for a in actes):
        lignes.append(_ligne("MCI", cat, jour, zone, _D_MCI))
        mci = True
    else:
        ecartees.append(_D_MCI_SANS_MOTIF)
    if len(actes) != 1:
        ecartees.append(_D_MAU_PLUSIEURS)
    elif actes[0].lettre_cle != "AMI" or actes[0].coefficient not in _COEFFICIENTS_MAU:
        ecartees.append(_D_MAU_COTATION)
    elif mci:
        ecartees.append(_D_MAU_AVEC_MCI)
    else:
        lignes.append(_ligne("MAU", cat, jour, zone, _D_MAU))


def _deplacement(
    seance: Seance,
    lieu: str,
    cat: Catalogue,
    jour: date,
    zone: str,
    lignes: list[LigneCotee],
    ecartees: list[Decision],
) -> None:
    """IFD ou IK (art. 13 NGAP), seulement à domicile sur prescription « à domicile »."""
    if lieu != Lieu.DOMICILE:
        ecartees.append(_D_CABINET)
        return
    prescription = seance.prescription
    if prescription is None or not prescription.a_domicile:
        ecartees.append(_D_SANS_DOMICILE)
        return
    ik: LigneCotee | None = None
    distance = seance.distance_km
    if seance.meme_commune is None or distance is None:
        ecartees.append(_D_IK_INCONNU)
    elif seance.meme_commune:
        ecartees.append(_D_IK_MEME_COMMUNE)
    else:
        zone_deplacement = _enumeration(
            ZoneDeplacement, seance.zone_deplacement, "Zone de déplacement"
        )
        code_ik = CODES_IK[zone_deplacement]
        cat.valeur(code_ik, jour, zone)
        seuil = cat.parametre("ik_seuil_km", jour, zone_deplacement)
        if distance <= seuil.decimal():
            ecartees.append(
                Decision(
                    "ngap.13.ik.seuil",
                    "Patient à {0} km, pas au-delà du seuil de {1} km ({2}) : pas d'IK.",
                    seuil.source,
                    (code_ik,),
                    confirme=seuil.confirme,
                    valeurs=(distance, seuil.decimal(), zone_deplacement),
                )
            )
        else:
            ik = _ligne_ik(code_ik, distance, zone_deplacement, cat, jour, zone)
            if ik.coefficient <= 0:
                ecartees.append(ik.decision)
                ik = None
    cumul = cat.parametre("ik_cumul_ifd", jour) if ik is not None else None
    if cumul is None or cumul.booleen():
        decision = (
            _D_IFD
            if cumul is None
            else Decision(
                "ngap.13.ifd.cumul_ik",
                "Déplacement à domicile prescrit : IFD, en plus des IK.",
                cumul.source,
                ("IFD",),
                confirme=cumul.confirme,
            )
        )
        lignes.append(_ligne("IFD", cat, jour, zone, decision))
    else:
        ecartees.append(
            Decision(
                "ngap.13.ifd.remplacee_par_ik",
                "IK facturées : pas d'IFD en plus (IFD ou IK).",
                cumul.source,
                ("IFD",),
                confirme=cumul.confirme,
            )
        )
    if ik is not None:
        lignes.append(ik)


_D_IFD = Decision(
    "ngap.13.ifd",
    "Déplacement à domicile prescrit : indemnité forfaitaire de déplacement.",
    SOURCE_DEPLACEMENT,
    ("IFD",),
)


def _ligne_ik(
    code: str, distance: Decimal, zone_deplacement: str, cat: Catalogue, jour: date, zone: str
) -> LigneCotee:
    abattement = cat.parametre("ik_abattement_km", jour, zone_deplacement)
    mode = cat.parametre("ik_abattement_mode", jour)
    km_abattement = abattement.decimal()
    if mode.texte() == "par_trajet":
        kilometres = (distance - km_abattement) * 2
        modele = (
            "Patient hors de la commune, à {0} km ({1}) : IK sur l'aller et le retour, "
            "{2} km abattus sur chaque trajet, soit {3} km."
        )
    elif mode.texte() == "aller_retour":
        kilometres = distance * 2 - km_abattement
        modele = (
            "Patient hors de la commune, à {0} km ({1}) : IK sur l'aller-retour moins {2} km "
            "d'abattement, soit {3} km."
        )
    else:
        raise CotationInvalide(
            f"Paramètre « ik_abattement_mode » invalide : « {mode.texte()} » (attendu "
            "« par_trajet » ou « aller_retour »)."
        )
    decision = Decision(
        "ngap.13.ik",
        modele,
        f"{SOURCE_DEPLACEMENT} ; abattement : {abattement.source}",
        (code,),
        confirme=abattement.confirme and mode.confirme,
        valeurs=(distance, zone_deplacement, km_abattement, kilometres),
    )
    return _ligne(code, cat, jour, zone, decision, kilometres)
