"""Figures of the dashboard, over the cabinets a page works on.

Two kinds of figures:

- the **position today**, over every invoice of the cabinets, read in the book (journals and
  postings, DOMAIN.md section 9) with a handful of aggregate queries: what the caisses and
  mutuelles still owe on parts awaiting their payment, what they still owe on rejected parts,
  the défacturées waiting to be recycled, and what is at risk of forclusion within 30, 60 and
  90 days (same definition as the audit: `rejets.suivi.audit.Forclusion`);
- the **last twelve months** of care: rejection rate by month and by family, and days from
  transmission to payment, measured by the audit of losses (`rejets.suivi.audit.mesurer`) for
  each cabinet and added up, so that the screen and the audit report agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from rejets.cabinets.models import Cabinet
from rejets.compta.models import Ecriture
from rejets.domain.delais import jours_avant_forclusion
from rejets.domain.ledger import Compte
from rejets.domain.lifecycle import TRANSITIONS, Etat, Evenement, TypePartie
from rejets.factures.models import Facture, Partie
from rejets.suivi.audit import (
    ETATS_FORCLOSABLES,
    HORIZONS_FORCLUSION,
    LIBELLES_FAMILLES,
    ORDRE_FAMILLES,
    Delai,
    Forclusion,
    LigneMois,
    LigneRejets,
    mesurer,
)
from rejets.suivi.echeances import annees_forclusion

ETATS_EN_ATTENTE_DE_PAIEMENT = TRANSITIONS[Evenement.PAYER].depuis
"""A part waits for its payer's money when a payment may come next: sent without an answer,
in traitement caisse, partly paid, or asked again of the mutuelle on paper."""

MOIS_DE_TENDANCE = 12

_CREANCE_DE_SA_PARTIE = Q(compte=Compte.CREANCE_AMO, facture__parties__type=TypePartie.FSE) | Q(
    compte=Compte.CREANCE_AMC, facture__parties__type=TypePartie.DRE
)
"""A posting on the receivable of the caisse joined to the FSE, of the mutuelle to the DRE:
each posting meets exactly the part whose payer it concerns."""


@dataclass(frozen=True)
class Position:
    """What is owed today, in centimes."""

    en_attente_amo: int
    en_attente_amc: int
    parties_en_attente: int
    reste_patients: int
    rejete: int
    parties_rejetees: int
    defacturees: int
    montant_defacture: int
    forclusion: Forclusion

    @property
    def en_attente(self) -> int:
        return self.en_attente_amo + self.en_attente_amc


def position(cabinets: QuerySet[Cabinet], *, aujourd_hui: date) -> Position:
    """The position of `cabinets` today, from the book."""
    ecritures = Ecriture.objects.filter(cabinet__in=cabinets)
    par_etat: dict[tuple[str, str], int] = defaultdict(int)
    for r in (
        ecritures.filter(_CREANCE_DE_SA_PARTIE)
        .values("compte", "facture__parties__etat")
        .annotate(total=Sum("montant"))
        .order_by()
    ):
        par_etat[(r["compte"], r["facture__parties__etat"])] += r["total"] or 0
    en_attente = {
        compte: sum(par_etat[(compte, e.value)] for e in ETATS_EN_ATTENTE_DE_PAIEMENT)
        for compte in (Compte.CREANCE_AMO, Compte.CREANCE_AMC)
    }
    rejete = (
        par_etat[(Compte.CREANCE_AMO, Etat.REJETEE)] + par_etat[(Compte.CREANCE_AMC, Etat.REJETEE)]
    )
    parties = dict(
        Partie.objects.filter(cabinet__in=cabinets)
        .values("etat")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("etat", "n")
    )
    defacturees = Facture.objects.filter(
        cabinet__in=cabinets, etat=Etat.DEFACTUREE, recyclee_en=None
    ).aggregate(n=Count("pk"), total=Sum("total"))
    reste_patients = (
        ecritures.filter(compte=Compte.CREANCE_PATIENT).aggregate(s=Sum("montant"))["s"] or 0
    )
    return Position(
        en_attente_amo=en_attente[Compte.CREANCE_AMO],
        en_attente_amc=en_attente[Compte.CREANCE_AMC],
        parties_en_attente=sum(parties.get(e.value, 0) for e in ETATS_EN_ATTENTE_DE_PAIEMENT),
        reste_patients=reste_patients,
        rejete=rejete,
        parties_rejetees=parties.get(Etat.REJETEE.value, 0),
        defacturees=defacturees["n"] or 0,
        montant_defacture=defacturees["total"] or 0,
        forclusion=forclusion(cabinets, aujourd_hui=aujourd_hui),
    )


def forclusion(cabinets: QuerySet[Cabinet], *, aujourd_hui: date) -> Forclusion:
    """What the caisses and mutuelles still owe on parts that can still become time-barred,
    by the days left before the forclusion of their care (cumulated: within 60 days includes
    within 30 days); already time-barred but not yet written off, apart."""
    annees = annees_forclusion()
    deja = 0
    sous = dict.fromkeys(HORIZONS_FORCLUSION, 0)
    for r in (
        Ecriture.objects.filter(cabinet__in=cabinets)
        .filter(
            _CREANCE_DE_SA_PARTIE,
            facture__parties__etat__in=[e.value for e in ETATS_FORCLOSABLES],
        )
        .values("facture__date_soins")
        .annotate(total=Sum("montant"))
        .order_by()
    ):
        montant = r["total"] or 0
        if not montant:
            continue
        jours = jours_avant_forclusion(r["facture__date_soins"], aujourd_hui, annees=annees)
        if jours <= 0:
            deja += montant
            continue
        for horizon in HORIZONS_FORCLUSION:
            if jours <= horizon:
                sous[horizon] += montant
    return Forclusion(deja, sous[30], sous[60], sous[90])


@dataclass(frozen=True)
class Tendances:
    """The last twelve months of care of the cabinets, added up."""

    du: date
    au: date
    total: LigneRejets
    par_mois: tuple[LigneMois, ...]
    par_famille: tuple[LigneRejets, ...]
    delai: Delai

    def graphique_mois(self) -> dict[str, Any]:
        return {
            "etiquettes": [ligne.libelle for ligne in self.par_mois],
            "taux": [_nombre(ligne.taux_nombre) for ligne in self.par_mois],
            "rejets": [ligne.rejets for ligne in self.par_mois],
            "demandes": [ligne.demandes for ligne in self.par_mois],
        }

    def graphique_familles(self) -> dict[str, Any]:
        return {
            "etiquettes": [ligne.libelle for ligne in self.par_famille],
            "taux": [_nombre(ligne.taux_nombre) for ligne in self.par_famille],
            "rejets": [ligne.rejets for ligne in self.par_famille],
        }


def _nombre(valeur: Any) -> float | None:
    return None if valeur is None else float(valeur)


def debut_des_tendances(aujourd_hui: date) -> date:
    """First day of the month eleven months before the current one."""
    mois = aujourd_hui.year * 12 + aujourd_hui.month - 1 - (MOIS_DE_TENDANCE - 1)
    return date(mois // 12, mois % 12 + 1, 1)


def tendances(cabinets: QuerySet[Cabinet], *, aujourd_hui: date) -> Tendances:
    du = debut_des_tendances(aujourd_hui)
    mesures = [mesurer(cabinet=c, du=du, au=aujourd_hui, aujourd_hui=aujourd_hui) for c in cabinets]
    total = _additionner("total", "Toutes les demandes", [m.rejets for m in mesures])
    mois: dict[date, list[LigneMois]] = defaultdict(list)
    for m in mesures:
        for ligne in m.par_mois:
            mois[ligne.mois].append(ligne)
    par_mois = tuple(
        LigneMois(
            f"{jour:%Y-%m}",
            f"{jour:%m/%Y}",
            sum(x.demandes for x in lignes),
            sum(x.montant_demandes for x in lignes),
            sum(x.rejets for x in lignes),
            sum(x.montant_rejete for x in lignes),
            mois=jour,
            facture=sum(x.facture for x in lignes),
        )
        for jour, lignes in sorted(mois.items())
    )
    familles: dict[str, list[LigneRejets]] = defaultdict(list)
    for m in mesures:
        for famille in m.par_famille:
            familles[famille.cle].append(famille)
    par_famille = sorted(
        (
            LigneRejets(
                cle,
                LIBELLES_FAMILLES[cle],
                total.demandes,
                total.montant_demandes,
                sum(x.rejets for x in lignes),
                sum(x.montant_rejete for x in lignes),
            )
            for cle, lignes in familles.items()
        ),
        key=lambda ligne: (-ligne.rejets, ORDRE_FAMILLES.index(ligne.cle)),
    )
    delai = Delai(sum(m.delai.paiements for m in mesures), sum(m.delai.jours for m in mesures))
    return Tendances(du, aujourd_hui, total, par_mois, tuple(par_famille), delai)


def _additionner(cle: str, libelle: str, lignes: list[LigneRejets]) -> LigneRejets:
    return LigneRejets(
        cle,
        libelle,
        sum(x.demandes for x in lignes),
        sum(x.montant_demandes for x in lignes),
        sum(x.rejets for x in lignes),
        sum(x.montant_rejete for x in lignes),
    )
