"""Contrôles avant envoi branchés sur l'application (issue « Prévention », docs/cotation.md).

Traduit une facture du format d'échange (`depuis_echange`) ou de la base (`depuis_modele`) en
`FactureAControler` du domaine, et donne aux contrôles leur contexte (`contexte_pour`) : la date
du jour, le catalogue en vigueur (livré avec Rejets, complété par les fichiers importés,
`catalogue_en_vigueur`) et les signatures des autres factures du patient (doublons).

Séances : les lignes sont regroupées par date et heure, dans l'ordre de saisie ; une ligne sans
heure rejoint la séance horodatée de sa date quand il n'y en a qu'une (des logiciels ne datent
que le premier acte). Pourcentage d'un acte (art. 11B) : ni le format d'échange ni la base ne le
portent ; il est lu dans le montant de la ligne (100, 50 ou 0 %), ou, sans montant, pris de la
cotation du moteur (le logiciel est supposé avoir appliqué l'article 11B). Zone tarifaire :
métropole (ni le format ni la base ne disent DROM).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar, cast

from django.contrib.auth.models import User
from django.db import transaction

from rejets.core import horloge
from rejets.domain.controles import (
    Constat,
    ContexteControle,
    ContratAmc,
    DroitsAControler,
    FactureAControler,
    Gravite,
    LigneFacturee,
    Parts,
    PatientAControler,
    Periode,
    PrescriptionAControler,
    SeanceFacturee,
    controler,
    signature_facture,
)
from rejets.domain.cotation import Acte as ActeACoter
from rejets.domain.cotation import (
    CotationInvalide,
    Lieu,
    Prescription,
    Seance,
    ZoneDeplacement,
    coter,
    montant_ligne,
)
from rejets.domain.lifecycle import Etat, TypePartie
from rejets.domain.repartition import TiersPayant
from rejets.domain.tarifs import (
    Catalogue,
    CatalogueInvalide,
    NatureCode,
    TarifManquant,
    ZoneTarifaire,
    catalogue_par_defaut,
)
from rejets.formats import echange as fmt
from rejets.patients.models import ContratAMC
from rejets.referentiels.models import CatalogueImporte, FormatCatalogue

from .models import Acte, Facture

__all__ = [
    "ETATS_HORS_DOUBLON",
    "LigneSource",
    "attacher_constats",
    "catalogue_en_vigueur",
    "constats_de",
    "contexte_pour",
    "controler_facture",
    "depuis_echange",
    "depuis_modele",
    "grouper_seances",
    "importer_catalogue",
    "lire_catalogue",
    "refus_preparation",
    "seances_a_coter",
]

ETATS_HORS_DOUBLON = frozenset({Etat.REJETEE, Etat.DEFACTUREE, Etat.RECYCLEE, Etat.ANNULEE})
"""An invoice in these states no longer bills its acts: a new one is not its duplicate."""

_ACTES = frozenset({NatureCode.ACTE, NatureCode.FORFAIT})
_SUPPLEMENTS = frozenset({NatureCode.MAJORATION, NatureCode.DEPLACEMENT})
_ZONE = ZoneTarifaire.METROPOLE


# ------------------------------------------------------------------------- lignes et séances


@dataclass(frozen=True, slots=True)
class LigneSource:
    """Une ligne de facture telle que le logiciel l'a saisie (acte, majoration ou
    déplacement), qu'elle vienne du format d'échange ou de la base."""

    date: dt.date
    heure: dt.time | None
    heure_appel: dt.time | None
    lettre_cle: str
    coefficient: Decimal
    nature: str | None
    lieu: str
    distance_km: Decimal | None
    zone: str | None
    meme_commune: bool | None
    montant: int | None


def _ligne_echange(a: fmt.ActeEchange) -> LigneSource:
    return LigneSource(
        a.date,
        a.heure,
        a.heure_appel,
        a.lettre_cle,
        a.coefficient,
        a.nature,
        a.lieu,
        a.distance_km,
        a.zone,
        a.meme_commune,
        a.montant,
    )


def _ligne_modele(a: Acte) -> LigneSource:
    return LigneSource(
        a.date,
        a.heure,
        a.heure_appel,
        a.lettre_cle,
        Decimal(a.coefficient),
        a.nature or None,
        a.lieu,
        None if a.distance_km is None else Decimal(a.distance_km),
        a.zone or None,
        a.meme_commune,
        a.montant,
    )


L = TypeVar("L", bound=LigneSource)


def grouper_seances(lignes: Iterable[L]) -> list[list[L]]:
    """Séances (passages) d'une facture : lignes de même date et même heure, dans l'ordre de
    saisie ; une ligne sans heure rejoint la seule séance horodatée de sa date s'il n'y en a
    qu'une, sinon elle forme la séance sans heure de sa date."""
    lignes = list(lignes)
    heures: dict[dt.date, set[dt.time]] = {}
    for ligne in lignes:
        if ligne.heure is not None:
            heures.setdefault(ligne.date, set()).add(ligne.heure)
    seances: dict[tuple[dt.date, dt.time | None], list[L]] = {}
    for ligne in lignes:
        heure = ligne.heure
        if heure is None and len(heures.get(ligne.date, ())) == 1:
            (heure,) = heures[ligne.date]
        seances.setdefault((ligne.date, heure), []).append(ligne)
    return list(seances.values())


@dataclass(frozen=True, slots=True)
class _Passage:
    """Ce qui décrit une séance, lu sur ses lignes : la première valeur renseignée, le lieu
    de son premier acte."""

    date: dt.date
    heure: dt.time | None
    heure_appel: dt.time | None
    lieu: Lieu
    distance_km: Decimal | None
    meme_commune: bool | None
    zone_deplacement: ZoneDeplacement

    @classmethod
    def de(cls, groupe: Sequence[LigneSource], catalogue: Catalogue) -> _Passage:
        actes = [ligne for ligne in groupe if catalogue.nature(ligne.lettre_cle) in _ACTES]
        zone = next((ligne.zone for ligne in groupe if ligne.zone is not None), None)
        return cls(
            date=groupe[0].date,
            heure=next((ligne.heure for ligne in groupe if ligne.heure is not None), None),
            heure_appel=next(
                (ligne.heure_appel for ligne in groupe if ligne.heure_appel is not None), None
            ),
            lieu=_enumeration(Lieu, (actes or groupe)[0].lieu),
            distance_km=next(
                (ligne.distance_km for ligne in groupe if ligne.distance_km is not None), None
            ),
            meme_commune=next(
                (ligne.meme_commune for ligne in groupe if ligne.meme_commune is not None), None
            ),
            zone_deplacement=ZoneDeplacement.PLAINE
            if zone is None
            else _enumeration(ZoneDeplacement, zone),
        )


E = TypeVar("E", Lieu, ZoneDeplacement)


def _enumeration(classe: type[E], texte: str) -> E:
    """La valeur connue, ou le texte tel quel : le moteur de cotation le refusera en disant
    pourquoi (constat « cotation.invalide »)."""
    try:
        return classe(texte)
    except ValueError:
        return cast(E, texte)


def _pourcentages_attendus(
    actes: Sequence[LigneSource], jour: dt.date, catalogue: Catalogue
) -> list[int]:
    """Pourcentage de chaque acte selon l'article 11B et ses exceptions (moteur de cotation) ;
    100 % quand la séance ne peut pas être cotée (les contrôles le signaleront)."""
    if len(actes) <= 1:
        return [100] * len(actes)
    seance = Seance(
        actes=[ActeACoter(a.lettre_cle, a.coefficient, a.nature) for a in actes],
        date=jour,
        zone=_ZONE,
    )
    try:
        cotation = coter(seance, catalogue)
    except (CotationInvalide, TarifManquant, CatalogueInvalide):
        return [100] * len(actes)
    return [ligne.pourcentage for ligne in cotation.lignes[: len(actes)]]


def _pourcentage(ligne: LigneSource, attendu: int, catalogue: Catalogue) -> int:
    """Le pourcentage que donne le montant facturé (l'attendu d'abord, puis 100, 50, 0 %) ;
    l'attendu si le montant manque ou ne correspond à aucun."""
    coefficient = ligne.coefficient
    if ligne.montant is None or not coefficient.is_finite() or coefficient <= 0:
        return attendu
    try:
        valeur = catalogue.valeur(ligne.lettre_cle, ligne.date, _ZONE).centimes
    except TarifManquant:
        return attendu
    for pourcentage in (attendu, 100, 50, 0):
        if montant_ligne(valeur, coefficient, pourcentage) == ligne.montant:
            return pourcentage
    return attendu


def _seance_facturee(groupe: Sequence[LigneSource], catalogue: Catalogue) -> SeanceFacturee:
    passage = _Passage.de(groupe, catalogue)
    indices = [i for i, ligne in enumerate(groupe) if catalogue.nature(ligne.lettre_cle) in _ACTES]
    attendus = _pourcentages_attendus([groupe[i] for i in indices], passage.date, catalogue)
    pourcentages = [100] * len(groupe)
    for i, attendu in zip(indices, attendus, strict=True):
        pourcentages[i] = _pourcentage(groupe[i], attendu, catalogue)
    return SeanceFacturee(
        date=passage.date,
        lignes=tuple(
            LigneFacturee(
                ligne.lettre_cle, ligne.coefficient, pourcentage, ligne.montant, ligne.nature
            )
            for ligne, pourcentage in zip(groupe, pourcentages, strict=True)
        ),
        heure=passage.heure,
        heure_appel=passage.heure_appel,
        lieu=passage.lieu,
        distance_km=passage.distance_km,
        meme_commune=passage.meme_commune,
        zone_deplacement=passage.zone_deplacement,
    )


def _seances(lignes: Sequence[LigneSource], catalogue: Catalogue) -> tuple[SeanceFacturee, ...]:
    return tuple(_seance_facturee(groupe, catalogue) for groupe in grouper_seances(lignes))


# ---------------------------------------------------------------------- format d'échange


def depuis_echange(f: fmt.FactureEchange, catalogue: Catalogue | None = None) -> FactureAControler:
    """La facture du format d'échange, à contrôler (``catalogue`` : celui livré par défaut ;
    il sert à lire le pourcentage des actes). Période de droits et contrat AMC tels que reçus."""
    cat = catalogue if catalogue is not None else catalogue_par_defaut()
    droits, amc, prescription, r = (
        f.patient.droits,
        f.patient.amc,
        f.prescription,
        f.repartition,
    )
    return FactureAControler(
        numero=f.numero,
        numero_am=f.professionnel.numero_am,
        patient=PatientAControler(
            nir=f.patient.nir,
            rang=f.patient.rang,
            droits=DroitsAControler(
                nature_assurance=droits.nature_assurance,
                exoneration=droits.exoneration,
                taux_remboursement=droits.taux_remboursement,
                periodes=(Periode(droits.debut, droits.fin),) if droits.debut or droits.fin else (),
            ),
            amc=None if amc is None else ContratAmc(amc.numero, amc.debut, amc.fin),
        ),
        seances=_seances([_ligne_echange(a) for a in f.actes], cat),
        prescription=None
        if prescription is None
        else PrescriptionAControler(prescription.date, a_domicile=prescription.a_domicile),
        tiers_payant=TiersPayant(f.tiers_payant),
        parts=None if r is None else Parts(r.total, r.amo, r.amc, r.patient),
        zone=_ZONE,
        date_transmission=f.fse.date_transmission,
    )


def seances_a_coter(f: fmt.FactureEchange, catalogue: Catalogue | None = None) -> list[Seance]:
    """Les séances de la facture, prêtes pour ``cotation.coter`` : ses actes (les majorations
    et déplacements saisis sont écartés, le moteur les calcule ; un code inconnu est gardé pour
    que le moteur le nomme), son contexte, la prescription."""
    cat = catalogue if catalogue is not None else catalogue_par_defaut()
    prescription = (
        None if f.prescription is None else Prescription(a_domicile=f.prescription.a_domicile)
    )
    seances = []
    for groupe in grouper_seances(_ligne_echange(a) for a in f.actes):
        passage = _Passage.de(groupe, cat)
        seances.append(
            Seance(
                actes=[
                    ActeACoter(ligne.lettre_cle, ligne.coefficient, ligne.nature)
                    for ligne in groupe
                    if cat.nature(ligne.lettre_cle) not in _SUPPLEMENTS
                ],
                date=passage.date,
                heure=passage.heure,
                heure_appel=passage.heure_appel,
                lieu=passage.lieu,
                prescription=prescription,
                distance_km=passage.distance_km,
                meme_commune=passage.meme_commune,
                zone_deplacement=passage.zone_deplacement,
                zone=_ZONE,
            )
        )
    return seances


# ------------------------------------------------------------------------------- base


def _contrat_amc(facture: Facture) -> ContratAmc | None:
    """Le contrat du patient chez la mutuelle de la DRE (à défaut, en tiers payant AMC, chez
    n'importe laquelle) : celui qui couvre la date des soins, sinon le dernier enregistré."""
    contrats = ContratAMC.objects.filter(
        cabinet_id=facture.cabinet_id, patient_id=facture.patient_id
    ).select_related("organisme")
    dre = next((p for p in facture.parties.all() if p.type == TypePartie.DRE), None)
    if dre is not None and dre.organisme_id is not None:
        contrats = contrats.filter(organisme_id=dre.organisme_id)
    elif facture.tiers_payant != TiersPayant.AMO_AMC:
        return None
    liste = list(contrats.order_by("-pk"))
    if not liste:
        return None
    contrat = next(
        (c for c in liste if Periode(c.debut, c.fin).couvre(facture.date_soins)), liste[0]
    )
    return ContratAmc(contrat.organisme.code, contrat.debut, contrat.fin)


def depuis_modele(facture: Facture, catalogue: Catalogue | None = None) -> FactureAControler:
    """La facture enregistrée, à contrôler : patient, périodes de droits, contrat AMC,
    prescription, actes, parts, n° AM du professionnel, tiers payant, date de transmission
    de la FSE (``catalogue`` : celui en vigueur pour la profession du professionnel)."""
    professionnel = facture.professionnel
    cat = catalogue if catalogue is not None else catalogue_en_vigueur(professionnel.profession)
    patient = facture.patient
    prescription = facture.prescription
    fse = next((p for p in facture.parties.all() if p.type == TypePartie.FSE), None)
    return FactureAControler(
        numero=facture.numero,
        numero_am=professionnel.numero_am,
        patient=PatientAControler(
            nir=patient.nir,
            rang=patient.rang,
            droits=DroitsAControler(
                nature_assurance=facture.nature_assurance,
                exoneration=facture.exoneration,
                taux_remboursement=facture.taux_remboursement,
                periodes=tuple(
                    Periode(p.debut, p.fin)
                    for p in patient.droits.filter(cabinet_id=facture.cabinet_id).order_by("pk")
                ),
            ),
            amc=_contrat_amc(facture),
        ),
        seances=_seances([_ligne_modele(a) for a in facture.actes.order_by("ordre")], cat),
        prescription=None
        if prescription is None
        else PrescriptionAControler(prescription.date, a_domicile=prescription.a_domicile),
        tiers_payant=TiersPayant(facture.tiers_payant),
        parts=Parts(facture.total, facture.part_amo, facture.part_amc, facture.part_patient),
        zone=_ZONE,
        date_transmission=None if fse is None else fse.date_transmission,
    )


def _signatures_du_patient(facture: Facture, catalogue: Catalogue) -> frozenset[str]:
    """Signatures (``signature_facture``) des autres factures du même cabinet et du même
    patient qui facturent encore leurs actes, parmi celles qui partagent une date de soins."""
    dates = set(facture.actes.values_list("date", flat=True))
    autres = (
        Facture.objects.filter(
            cabinet_id=facture.cabinet_id, patient_id=facture.patient_id, actes__date__in=dates
        )
        .exclude(pk=facture.pk)
        .exclude(etat__in=ETATS_HORS_DOUBLON)
        .values_list("pk", flat=True)
        .distinct()
    )
    par_facture: dict[int, list[LigneSource]] = {}
    for acte in Acte.objects.filter(
        cabinet_id=facture.cabinet_id, facture_id__in=list(autres)
    ).order_by("facture_id", "ordre"):
        par_facture.setdefault(acte.facture_id, []).append(_ligne_modele(acte))
    patient = PatientAControler(nir=facture.patient.nir, rang=facture.patient.rang)
    return frozenset(
        signature_facture(
            FactureAControler(
                numero="",
                numero_am="",
                patient=patient,
                seances=tuple(
                    SeanceFacturee(
                        date=groupe[0].date,
                        lignes=tuple(
                            LigneFacturee(ligne.lettre_cle, ligne.coefficient) for ligne in groupe
                        ),
                        heure=next(
                            (ligne.heure for ligne in groupe if ligne.heure is not None), None
                        ),
                    )
                    for groupe in grouper_seances(lignes)
                ),
            ),
            catalogue,
        )
        for lignes in par_facture.values()
    )


def contexte_pour(
    facture: Facture,
    *,
    catalogue: Catalogue | None = None,
    aujourd_hui: dt.date | None = None,
) -> ContexteControle:
    """Contexte des contrôles de ``facture`` : date du jour, catalogue en vigueur, signatures
    des autres factures du cabinet pour ce patient, ni rejetées, ni défacturées, ni
    recyclées, ni annulées (doublons, DOMAIN.md §4)."""
    cat = (
        catalogue
        if catalogue is not None
        else catalogue_en_vigueur(facture.professionnel.profession)
    )
    return ContexteControle(
        aujourd_hui=aujourd_hui or horloge.aujourd_hui(),
        catalogue=cat,
        signatures_existantes=_signatures_du_patient(facture, cat),
    )


def controler_facture(facture: Facture, *, aujourd_hui: dt.date | None = None) -> list[Constat]:
    """Tous les contrôles avant envoi de la facture enregistrée, erreurs d'abord ; un catalogue
    des tarifs indisponible est lui-même une erreur."""
    try:
        catalogue = catalogue_en_vigueur(facture.professionnel.profession)
    except CatalogueInvalide as erreur:
        return [
            Constat(
                Gravite.ERREUR,
                "catalogue.indisponible",
                f"Catalogue des tarifs indisponible : {erreur}",
                "catalogue",
                "Importez un fichier de tarifs valide (rejets referentiels tarifs --importer "
                "FICHIER).",
                "docs/cotation.md",
            )
        ]
    return controler(
        depuis_modele(facture, catalogue),
        contexte_pour(facture, catalogue=catalogue, aujourd_hui=aujourd_hui),
    )


def refus_preparation(numero: str, erreurs: Sequence[Constat]) -> str:
    """Message du refus de préparer : chaque constat bloquant, son champ et sa correction."""
    lignes = [f"Facture {numero} : préparation refusée, {len(erreurs)} contrôle(s) bloquant(s)."]
    lignes.extend(
        f"  • {c.message} Champ : {c.champ}. Correction : {c.correction}" for c in erreurs
    )
    lignes.append(
        "Corrigez la facture puis préparez-la de nouveau, ou passez outre avec une raison "
        "écrite (--forcer « raison »), gardée dans l'historique de la facture."
    )
    return "\n".join(lignes)


_ATTRIBUT_CONSTATS = "constats_avant_envoi"


def attacher_constats(objet: object, constats: Sequence[Constat]) -> None:
    """Attache les constats à la facture rendue par ``services.preparer`` ou à son refus."""
    setattr(objet, _ATTRIBUT_CONSTATS, tuple(constats))


def constats_de(objet: object) -> tuple[Constat, ...]:
    """Les constats que ``services.preparer`` a attachés à la facture ou à son refus."""
    return tuple(getattr(objet, _ATTRIBUT_CONSTATS, ()))


# ------------------------------------------------------------------ catalogues importés


def lire_catalogue(
    texte: str,
    format_fichier: FormatCatalogue | str,
    *,
    nom_fichier: str,
    profession: str = "infirmier",
) -> Catalogue:
    """Lit un fichier de tarifs (TOML ou CSV, docs/cotation.md) ; ``CatalogueInvalide`` sinon.
    En TOML la profession est celle du fichier ; en CSV, ``profession``."""
    if format_fichier == FormatCatalogue.TOML:
        return Catalogue.depuis_toml(texte, nom_fichier=nom_fichier)
    if format_fichier == FormatCatalogue.CSV:
        return Catalogue.depuis_csv(texte, profession=profession, nom_fichier=nom_fichier)
    raise CatalogueInvalide(
        f"Fichier « {nom_fichier} » : format « {format_fichier} » inconnu (toml ou csv)."
    )


_CACHE: dict[tuple[str, tuple[tuple[int, dt.datetime], ...]], Catalogue] = {}


def _combiner(profession: str, importes: Iterable[CatalogueImporte]) -> Catalogue:
    importes = list(importes)
    try:
        catalogue = catalogue_par_defaut(profession)
    except CatalogueInvalide:
        if not importes:
            raise
        catalogue = Catalogue(profession)
    for importe in importes:
        catalogue = catalogue.avec(
            lire_catalogue(
                importe.contenu,
                importe.format,
                nom_fichier=importe.nom_fichier,
                profession=importe.profession,
            )
        )
    return catalogue


def catalogue_en_vigueur(profession: str = "infirmier") -> Catalogue:
    """Le catalogue livré pour ``profession``, complété (``Catalogue.avec``) par chaque fichier
    importé, dans l'ordre d'import : une valeur importée remplace la précédente sur sa
    période. Mis en cache tant qu'aucun fichier n'est importé."""
    importes = CatalogueImporte.objects.filter(profession=profession).order_by("pk")
    cle = (profession, tuple(importes.values_list("pk", "importe_le")))
    try:
        return _CACHE[cle]
    except KeyError:
        pass
    catalogue = _combiner(profession, importes)
    if len(_CACHE) >= 16:
        _CACHE.clear()
    _CACHE[cle] = catalogue
    return catalogue


def importer_catalogue(
    *,
    texte: str,
    nom_fichier: str,
    format_fichier: FormatCatalogue | str,
    utilisateur: User,
    profession: str = "infirmier",
) -> tuple[CatalogueImporte, Catalogue]:
    """Valide un fichier de tarifs avec le lecteur du domaine, seul puis combiné au catalogue
    en vigueur, et l'enregistre ; rend l'enregistrement et le fichier lu. Fichier invalide,
    vide, ou incompatible : ``CatalogueInvalide`` (message en français), rien n'est
    enregistré."""
    lu = lire_catalogue(texte, format_fichier, nom_fichier=nom_fichier, profession=profession)
    if not (lu.tarifs or lu.parametres or lu.exceptions_11b):
        raise CatalogueInvalide(
            f"Fichier « {nom_fichier} » : aucun tarif, paramètre ni exception 11B à importer."
        )
    with transaction.atomic():
        anciens = list(
            CatalogueImporte.objects.select_for_update()
            .filter(profession=lu.profession)
            .order_by("pk")
        )
        try:
            _combiner(lu.profession, anciens).avec(lu)
        except CatalogueInvalide as erreur:
            raise CatalogueInvalide(
                f"Fichier « {nom_fichier} » incompatible avec le catalogue en vigueur : {erreur}"
            ) from None
        importe = CatalogueImporte.objects.create(
            profession=lu.profession,
            nom_fichier=nom_fichier,
            format=FormatCatalogue(format_fichier),
            contenu=texte,
            importe_par=utilisateur,
        )
    return importe, lu
