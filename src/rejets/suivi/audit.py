"""Audit des pertes d'un cabinet : ce qui a été facturé, rejeté, récupéré, ce qui reste dû, ce
qui risque la forclusion et ce qui est perdu, sur les factures dont la date des soins tombe dans
la période (DOMAIN.md §1 : la facturière vend l'audit de ce que perd un cabinet).

Chaque montant est lu dans le livre (journaux et écritures, DOMAIN.md §9), en centimes : le
facturé, le payé, le perdu et le reste dû sont ceux de ``ledger.bilan`` appliqué à toutes les
écritures des factures de la période, donc facturé = payé + perdu + reste dû. Les rejets sont
les lignes de rejet reçues, classées par famille (``analyser_en_lot``), par organisme et par
mois des soins. Une poignée de requêtes agrégées, jamais une par facture. Définitions et
sources de chaque chiffre : docs/audit.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.fields import BooleanField
from django.db.models.functions import TruncMonth

from rejets.cabinets.models import Cabinet
from rejets.compta.models import Ecriture, Journal
from rejets.domain import ledger, lifecycle
from rejets.domain.classement import Famille
from rejets.domain.delais import jours_avant_forclusion
from rejets.domain.ledger import Compte, NatureJournal, Payeur
from rejets.domain.lifecycle import Etat, Evenement, TypePartie
from rejets.factures.models import EvenementFacture, Facture, Paiement, Partie, Rejet
from rejets.formats.pdf.audit import LigneMoisPdf, LigneRejetsPdf, RapportAuditPdf, TranchePdf
from rejets.referentiels.codes import analyser_en_lot
from rejets.referentiels.models import Organisme

__all__ = [
    "FAMILLE_A_QUALIFIER",
    "HORIZONS_FORCLUSION",
    "TRANCHES_AGE",
    "Delai",
    "Forclusion",
    "LigneMois",
    "LigneRejets",
    "MesuresAudit",
    "PeriodeInvalide",
    "Pertes",
    "Recyclage",
    "Tranche",
    "mesurer",
    "rapport_pdf",
]

FAMILLE_A_QUALIFIER = "a_qualifier"
LIBELLE_A_QUALIFIER = "À qualifier"
ORDRE_FAMILLES = [f.value for f in Famille] + [FAMILLE_A_QUALIFIER]
LIBELLES_FAMILLES = {f.value: f.libelle for f in Famille} | {
    FAMILLE_A_QUALIFIER: LIBELLE_A_QUALIFIER
}

TRANCHES_AGE: tuple[tuple[int, int | None], ...] = ((0, 30), (31, 60), (61, 90), (91, None))
"""Âge du reste dû en jours depuis la date des soins ; des soins datés après le jour de la
situation comptent dans la première tranche."""

HORIZONS_FORCLUSION = (30, 60, 90)
"""Horizons, en jours, du reste dû menacé de forclusion (cumulés : sous 60 jours comprend sous
30 jours)."""

ETATS_FORCLOSABLES = frozenset(lifecycle.TRANSITIONS[Evenement.FORCLORE].depuis)
"""États d'une partie qui peut encore devenir forclose : sans demande valable en cours (table
des transitions, L.332-1 CSS) ; jamais une partie transmise, en lot reçu ou en traitement
caisse."""

COMPTES_ORGANISMES = (Compte.CREANCE_AMO, Compte.CREANCE_AMC)
LIBELLE_PERTE_FORCLOSE_AVANT_FACTURATION = f"{Etat.FORCLOSE.libelle} avant facturation"
"""Motif du passage en perte d'une partie forclose avant même sa facturation
(`rejets.factures.services`)."""


class PeriodeInvalide(ValueError):
    """Une période dont le début suit la fin."""


def _taux(partie: int, total: int) -> Decimal | None:
    """Pourcentage arrondi au dixième (arrondi du projet, demi vers le haut) ; None sur zéro."""
    if not total:
        return None
    return (Decimal(partie) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _json_taux(valeur: Decimal | None) -> float | None:
    return None if valeur is None else float(valeur)


@dataclass(frozen=True)
class LigneRejets:
    """Rejets reçus et demandes envoyées d'un groupe (famille, organisme, mois ou total).

    Une demande envoyée est une partie (FSE ou DRE) transmise à son organisme ; un rejet, une
    ligne de rejet reçue (électronique, papier ou indu), valant le montant de sa partie. Pour
    une famille, les demandes sont celles de toute la période (le taux se lit sur le tout)."""

    cle: str
    libelle: str
    demandes: int
    montant_demandes: int
    rejets: int
    montant_rejete: int

    @property
    def taux_nombre(self) -> Decimal | None:
        return _taux(self.rejets, self.demandes)

    @property
    def taux_montant(self) -> Decimal | None:
        return _taux(self.montant_rejete, self.montant_demandes)

    def en_json(self) -> dict[str, Any]:
        return {
            "cle": self.cle,
            "libelle": self.libelle,
            "demandes": self.demandes,
            "montant_demandes": self.montant_demandes,
            "rejets": self.rejets,
            "montant_rejete": self.montant_rejete,
            "taux_nombre": _json_taux(self.taux_nombre),
            "taux_montant": _json_taux(self.taux_montant),
        }


@dataclass(frozen=True)
class LigneMois(LigneRejets):
    """Un mois des soins : son facturé net et ses rejets."""

    mois: date
    facture: int

    def en_json(self) -> dict[str, Any]:
        return {**super().en_json(), "mois": self.mois.isoformat(), "facture": self.facture}


@dataclass(frozen=True)
class Recyclage:
    """Factures nées d'un recyclage (`Facture.recyclee_de`) : leur nombre, la part des caisses
    et mutuelles refacturée, et ce que caisses et mutuelles en ont payé (net des indus)."""

    factures: int
    refacture: int
    recupere: int


@dataclass(frozen=True)
class Tranche:
    """Reste dû des factures dont les soins ont entre `jours_min` et `jours_max` jours."""

    libelle: str
    jours_min: int
    jours_max: int | None
    montant: int


@dataclass(frozen=True)
class Forclusion:
    """Reste dû par les caisses et mutuelles sur des parties encore forclosables
    (`ETATS_FORCLOSABLES`) : déjà prescrit mais pas encore passé en perte, ou prescrit dans 30,
    60 ou 90 jours au plus (montants cumulés ; date de forclusion : L.332-1 CSS)."""

    deja_forclos: int
    sous_30: int
    sous_60: int
    sous_90: int


@dataclass(frozen=True)
class Pertes:
    """Passages en perte (compte 654), selon leur motif : forclusion ou abandon."""

    forclos: int
    abandonne: int

    @property
    def total(self) -> int:
        return self.forclos + self.abandonne


@dataclass(frozen=True)
class Delai:
    """Paiements des caisses et mutuelles mesurés et somme de leurs délais, en jours, de la
    transmission de la partie au paiement."""

    paiements: int
    jours: int

    @property
    def moyenne(self) -> Decimal | None:
        if not self.paiements:
            return None
        return (Decimal(self.jours) / self.paiements).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


@dataclass(frozen=True)
class MesuresAudit:
    """Tous les chiffres de l'audit d'un cabinet, en centimes ; facturé = payé + perdu + reste
    dû (DOMAIN.md §9)."""

    cabinet: str
    nom: str
    du: date
    au: date
    aujourd_hui: date
    factures: int
    facture: int
    paye: int
    reste: int
    reste_par_payeur: tuple[tuple[str, int], ...]
    rejets: LigneRejets
    par_famille: tuple[LigneRejets, ...]
    par_organisme: tuple[LigneRejets, ...]
    par_mois: tuple[LigneMois, ...]
    recyclage: Recyclage
    ouvert: tuple[Tranche, ...]
    forclusion: Forclusion
    pertes: Pertes
    delai: Delai

    @property
    def perdu(self) -> int:
        return self.pertes.total

    @property
    def conserve(self) -> bool:
        return self.facture == self.paye + self.perdu + self.reste

    def en_json(self) -> dict[str, Any]:
        return {
            "cabinet": self.cabinet,
            "nom": self.nom,
            "du": self.du.isoformat(),
            "au": self.au.isoformat(),
            "aujourd_hui": self.aujourd_hui.isoformat(),
            "factures": self.factures,
            "facture": self.facture,
            "paye": self.paye,
            "perdu": self.perdu,
            "reste": self.reste,
            "reste_par_payeur": dict(self.reste_par_payeur),
            "rejets": self.rejets.en_json(),
            "par_famille": [ligne.en_json() for ligne in self.par_famille],
            "par_organisme": [ligne.en_json() for ligne in self.par_organisme],
            "par_mois": [ligne.en_json() for ligne in self.par_mois],
            "recyclage": {
                "factures": self.recyclage.factures,
                "refacture": self.recyclage.refacture,
                "recupere": self.recyclage.recupere,
            },
            "ouvert": [
                {
                    "libelle": t.libelle,
                    "jours_min": t.jours_min,
                    "jours_max": t.jours_max,
                    "montant": t.montant,
                }
                for t in self.ouvert
            ],
            "forclusion": {
                "deja_forclos": self.forclusion.deja_forclos,
                "sous_30_jours": self.forclusion.sous_30,
                "sous_60_jours": self.forclusion.sous_60,
                "sous_90_jours": self.forclusion.sous_90,
            },
            "pertes": {
                "forclos": self.pertes.forclos,
                "abandonne": self.pertes.abandonne,
                "total": self.pertes.total,
            },
            "delai_paiement": {
                "paiements": self.delai.paiements,
                "jours_cumules": self.delai.jours,
                "moyenne_jours": _json_taux(self.delai.moyenne),
            },
        }


# ------------------------------------------------------------------ mesures


def mesurer(*, cabinet: Cabinet, du: date, au: date, aujourd_hui: date) -> MesuresAudit:
    """Les chiffres de l'audit des factures du cabinet dont les soins datent du `du` au `au`
    inclus, à la situation du jour `aujourd_hui` (âges et forclusion)."""
    if du > au:
        raise PeriodeInvalide(
            f"Période invalide : le début ({du:%d/%m/%Y}) suit la fin ({au:%d/%m/%Y})."
        )
    ecritures = Ecriture.objects.filter(cabinet=cabinet, facture__date_soins__range=(du, au))
    facture_par_mois, bilan = _livre(ecritures)
    demandes = _demandes(cabinet, du, au)
    rejets = _rejets(cabinet, du, au)
    organismes = _organismes({org for org, _ in demandes} | {org for _, org, _ in rejets})
    total = _ligne("total", "Toutes les demandes", demandes.values(), rejets.values())
    factures = (
        Journal.objects.filter(
            cabinet=cabinet,
            nature=NatureJournal.FACTURATION,
            facture__date_soins__range=(du, au),
        )
        .values("facture_id")
        .distinct()
        .count()
    )
    return MesuresAudit(
        cabinet=cabinet.code,
        nom=cabinet.nom,
        du=du,
        au=au,
        aujourd_hui=aujourd_hui,
        factures=factures,
        facture=bilan.facture_nette,
        paye=bilan.paye,
        reste=bilan.reste,
        reste_par_payeur=tuple((p.value, bilan.reste_du.get(p, 0)) for p in Payeur),
        rejets=total,
        par_famille=_par_famille(rejets, total),
        par_organisme=_par_organisme(demandes, rejets, organismes),
        par_mois=_par_mois(du, au, demandes, rejets, facture_par_mois),
        recyclage=_recyclage(cabinet, du, au, ecritures),
        ouvert=_ouvert(ecritures, aujourd_hui),
        forclusion=_forclusion(ecritures, aujourd_hui),
        pertes=_pertes(ecritures),
        delai=_delai(cabinet, du, au),
    )


def _mouvement(r: Mapping[str, Any]) -> ledger.Mouvement:
    return ledger.Mouvement(
        NatureJournal(r["journal__nature"]), Compte(r["compte"]), r["montant_total"]
    )


def _livre(ecritures: Any) -> tuple[dict[date, int], ledger.BilanFacture]:
    """Le bilan de toutes les écritures (linéaire : la somme des bilans des factures) et le
    facturé net de chaque mois des soins, en une requête."""
    par_mois: dict[date, list[ledger.Mouvement]] = defaultdict(list)
    for r in (
        ecritures.values("journal__nature", "compte", mois=TruncMonth("facture__date_soins"))
        .annotate(montant_total=Sum("montant"))
        .order_by()
    ):
        par_mois[r["mois"]].append(_mouvement(r))
    tous = [m for mouvements in par_mois.values() for m in mouvements]
    facture = {mois: ledger.bilan(mvts).facture_nette for mois, mvts in par_mois.items()}
    return facture, ledger.bilan(tous)


Cle = tuple[int | None, date]
"""(organisme, mois des soins)."""


@dataclass(frozen=True)
class _Compte:
    nombre: int
    montant: int


def _demandes(cabinet: Cabinet, du: date, au: date) -> dict[Cle, _Compte]:
    """Parties envoyées : une date de transmission, ou un événement qui prouve qu'un organisme
    l'a reçue (`lifecycle.EVENEMENTS_D_UNE_FACTURE_RECUE` : ARL, paiement, rejet…)."""
    recue = EvenementFacture.objects.filter(
        cabinet_id=cabinet.pk,
        facture_id=OuterRef("facture_id"),
        partie=OuterRef("type"),
        evenement__in=[e.value for e in lifecycle.EVENEMENTS_D_UNE_FACTURE_RECUE],
    )
    lignes = (
        Partie.objects.filter(cabinet=cabinet, facture__date_soins__range=(du, au))
        .filter(Q(date_transmission__isnull=False) | Exists(recue))
        .values("organisme_id", mois=TruncMonth("facture__date_soins"))
        .annotate(nombre=Count("pk"), montant_total=Sum("montant"))
        .order_by()
    )
    return {
        (r["organisme_id"], r["mois"]): _Compte(r["nombre"], r["montant_total"] or 0)
        for r in lignes
    }


def _rejets(cabinet: Cabinet, du: date, au: date) -> dict[tuple[str, int | None, date], _Compte]:
    """Lignes de rejet reçues, par famille, organisme et mois des soins ; chacune vaut le
    montant de la partie rejetée. Famille : ``analyser_en_lot`` (bibliothèque, sinon
    suggestion d'après le libellé), « à qualifier » quand rien ne la donne."""
    lignes = list(
        Rejet.objects.filter(
            cabinet=cabinet,
            facture__date_soins__range=(du, au),
            facture__parties__type=F("partie"),
        )
        .values(
            "code",
            "libelle",
            "facture__parties__organisme_id",
            mois=TruncMonth("facture__date_soins"),
        )
        .annotate(nombre=Count("pk"), montant_total=Sum("facture__parties__montant"))
        .order_by()
    )
    analyses = analyser_en_lot((r["code"], r["libelle"]) for r in lignes)
    resultat: dict[tuple[str, int | None, date], _Compte] = {}
    for r in lignes:
        famille = analyses[(r["code"], r["libelle"])].famille
        cle = (
            FAMILLE_A_QUALIFIER if famille is None else famille.value,
            r["facture__parties__organisme_id"],
            r["mois"],
        )
        avant = resultat.get(cle, _Compte(0, 0))
        resultat[cle] = _Compte(
            avant.nombre + r["nombre"], avant.montant + (r["montant_total"] or 0)
        )
    return resultat


def _organismes(ids: Iterable[int | None]) -> dict[int | None, tuple[str, str]]:
    noms: dict[int | None, tuple[str, str]] = {None: ("", "Organisme non renseigné")}
    for o in Organisme.objects.filter(pk__in=[i for i in ids if i is not None]):
        noms[o.pk] = (o.code, f"{o.libelle} ({o.code})")
    return noms


def _somme(comptes: Iterable[_Compte]) -> _Compte:
    nombre = montant = 0
    for c in comptes:
        nombre += c.nombre
        montant += c.montant
    return _Compte(nombre, montant)


def _ligne(
    cle: str, libelle: str, demandes: Iterable[_Compte], rejets: Iterable[_Compte]
) -> LigneRejets:
    d, r = _somme(demandes), _somme(rejets)
    return LigneRejets(cle, libelle, d.nombre, d.montant, r.nombre, r.montant)


def _par_famille(
    rejets: Mapping[tuple[str, int | None, date], _Compte], total: LigneRejets
) -> tuple[LigneRejets, ...]:
    """Les familles qui ont au moins un rejet, du plus gros montant rejeté au plus petit."""
    par_famille: dict[str, list[_Compte]] = defaultdict(list)
    for (famille, _, _), compte in rejets.items():
        par_famille[famille].append(compte)
    lignes = []
    for famille, comptes in par_famille.items():
        r = _somme(comptes)
        lignes.append(
            LigneRejets(
                famille,
                LIBELLES_FAMILLES[famille],
                total.demandes,
                total.montant_demandes,
                r.nombre,
                r.montant,
            )
        )
    lignes.sort(key=lambda ligne: (-ligne.montant_rejete, ORDRE_FAMILLES.index(ligne.cle)))
    return tuple(lignes)


def _par_organisme(
    demandes: Mapping[Cle, _Compte],
    rejets: Mapping[tuple[str, int | None, date], _Compte],
    organismes: Mapping[int | None, tuple[str, str]],
) -> tuple[LigneRejets, ...]:
    """Chaque organisme destinataire d'une demande ou d'un rejet, du plus gros montant rejeté
    au plus petit."""
    d: dict[int | None, list[_Compte]] = defaultdict(list)
    r: dict[int | None, list[_Compte]] = defaultdict(list)
    for (org, _), compte in demandes.items():
        d[org].append(compte)
    for (_, org, _), compte in rejets.items():
        r[org].append(compte)
    lignes = [
        _ligne(organismes[org][0], organismes[org][1], d[org], r[org]) for org in set(d) | set(r)
    ]
    lignes.sort(key=lambda ligne: (-ligne.montant_rejete, ligne.libelle, ligne.cle))
    return tuple(lignes)


def _mois_de(du: date, au: date) -> Iterator[date]:
    mois = date(du.year, du.month, 1)
    while mois <= au:
        yield mois
        mois = date(mois.year + mois.month // 12, mois.month % 12 + 1, 1)


def _par_mois(
    du: date,
    au: date,
    demandes: Mapping[Cle, _Compte],
    rejets: Mapping[tuple[str, int | None, date], _Compte],
    facture: Mapping[date, int],
) -> tuple[LigneMois, ...]:
    """Chaque mois de la période, même sans facture."""
    lignes = []
    for mois in _mois_de(du, au):
        d = _somme(c for (_, m), c in demandes.items() if m == mois)
        r = _somme(c for (_, _, m), c in rejets.items() if m == mois)
        lignes.append(
            LigneMois(
                f"{mois:%Y-%m}",
                f"{mois:%m/%Y}",
                d.nombre,
                d.montant,
                r.nombre,
                r.montant,
                mois=mois,
                facture=facture.get(mois, 0),
            )
        )
    return tuple(lignes)


def _recyclage(cabinet: Cabinet, du: date, au: date, ecritures: Any) -> Recyclage:
    """Factures nées d'un recyclage : part des organismes refacturée (journal de facturation)
    et encaissée (paiements, affectations, moins les indus)."""
    refacture = recupere = 0
    for r in (
        ecritures.filter(facture__recyclee_de__isnull=False, compte__in=COMPTES_ORGANISMES)
        .values("journal__nature")
        .annotate(montant_total=Sum("montant"))
        .order_by()
    ):
        nature = NatureJournal(r["journal__nature"])
        if nature is NatureJournal.FACTURATION:
            refacture += r["montant_total"]
        elif nature in ledger.NATURES_ENCAISSEMENT:
            recupere -= r["montant_total"]
    factures = Facture.objects.filter(
        cabinet=cabinet, date_soins__range=(du, au), recyclee_de__isnull=False
    ).count()
    return Recyclage(factures, refacture, recupere)


def _libelle_tranche(jours_min: int, jours_max: int | None) -> str:
    if jours_max is None:
        return f"Plus de {jours_min - 1} jours"
    return f"{jours_min} à {jours_max} jours"


def _ouvert(ecritures: Any, aujourd_hui: date) -> tuple[Tranche, ...]:
    """Reste dû (solde débiteur des créances sur les caisses, mutuelles et patients) par âge
    des soins au jour de la situation."""
    montants = [0] * len(TRANCHES_AGE)
    for r in (
        ecritures.filter(compte__in=ledger.COMPTES_CREANCES)
        .values("facture__date_soins")
        .annotate(montant_total=Sum("montant"))
        .order_by()
    ):
        age = (aujourd_hui - r["facture__date_soins"]).days
        for i, (_, jours_max) in enumerate(TRANCHES_AGE):
            if jours_max is None or age <= jours_max:
                montants[i] += r["montant_total"]
                break
    return tuple(
        Tranche(_libelle_tranche(jmin, jmax), jmin, jmax, montant)
        for (jmin, jmax), montant in zip(TRANCHES_AGE, montants, strict=True)
    )


def _forclusion(ecritures: Any, aujourd_hui: date) -> Forclusion:
    """Créance d'une caisse (FSE) ou d'une mutuelle (DRE) dont la partie peut encore devenir
    forclose, selon les jours qui restent avant la date de forclusion de ses soins."""
    deja = 0
    sous = dict.fromkeys(HORIZONS_FORCLUSION, 0)
    lignes = (
        ecritures.filter(
            Q(compte=Compte.CREANCE_AMO, facture__parties__type=TypePartie.FSE)
            | Q(compte=Compte.CREANCE_AMC, facture__parties__type=TypePartie.DRE),
            facture__parties__etat__in=[e.value for e in ETATS_FORCLOSABLES],
        )
        .values("facture__date_soins")
        .annotate(montant_total=Sum("montant"))
        .order_by()
    )
    for r in lignes:
        jours = jours_avant_forclusion(r["facture__date_soins"], aujourd_hui)
        if jours <= 0:
            deja += r["montant_total"]
            continue
        for horizon in HORIZONS_FORCLUSION:
            if jours <= horizon:
                sous[horizon] += r["montant_total"]
    return Forclusion(deja, sous[30], sous[60], sous[90])


def _pertes(ecritures: Any) -> Pertes:
    """Débit du compte des pertes : forclusion (événement « forclore », ou partie forclose
    avant sa facturation), sinon abandon."""
    forclos = Q(journal__evenement__evenement=Evenement.FORCLORE.value) | Q(
        journal__libelle=LIBELLE_PERTE_FORCLOSE_AVANT_FACTURATION
    )
    montants = {True: 0, False: 0}
    for r in (
        ecritures.filter(compte=Compte.PERTES)
        .annotate(
            forclos=Case(
                When(forclos, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .values("forclos")
        .annotate(montant_total=Sum("montant"))
        .order_by()
    ):
        montants[bool(r["forclos"])] += r["montant_total"]
    return Pertes(forclos=montants[True], abandonne=montants[False])


def _delai(cabinet: Cabinet, du: date, au: date) -> Delai:
    """Jours de la transmission de la partie (`Partie.date_transmission`) au paiement de sa
    caisse ou de sa mutuelle (`Paiement.date`), pour chaque paiement positif ; un paiement
    daté avant la dernière transmission compte zéro jour."""
    paiements = jours = 0
    for r in (
        Paiement.objects.filter(
            Q(payeur=Payeur.AMO, facture__parties__type=TypePartie.FSE)
            | Q(payeur=Payeur.AMC, facture__parties__type=TypePartie.DRE),
            cabinet=cabinet,
            facture__date_soins__range=(du, au),
            montant__gt=0,
            facture__parties__date_transmission__isnull=False,
        )
        .values("date", "facture__parties__date_transmission")
        .annotate(nombre=Count("pk"))
        .order_by()
    ):
        ecart = (r["date"] - r["facture__parties__date_transmission"]).days
        paiements += r["nombre"]
        jours += max(ecart, 0) * r["nombre"]
    return Delai(paiements, jours)


# ------------------------------------------------------------------ rapport PDF


def _ligne_pdf(ligne: LigneRejets) -> LigneRejetsPdf:
    return LigneRejetsPdf(
        ligne.libelle, ligne.demandes, ligne.montant_demandes, ligne.rejets, ligne.montant_rejete
    )


def rapport_pdf(m: MesuresAudit) -> RapportAuditPdf:
    """Les mesures telles que les imprime le rapport (`rejets.formats.pdf.rapport_audit`)."""
    return RapportAuditPdf(
        cabinet=m.nom,
        du=m.du,
        au=m.au,
        aujourd_hui=m.aujourd_hui,
        factures=m.factures,
        facture=m.facture,
        paye=m.paye,
        reste=m.reste,
        demandes=m.rejets.demandes,
        montant_demandes=m.rejets.montant_demandes,
        rejets=m.rejets.rejets,
        montant_rejete=m.rejets.montant_rejete,
        par_famille=tuple(_ligne_pdf(f) for f in m.par_famille),
        par_organisme=tuple(_ligne_pdf(o) for o in m.par_organisme),
        par_mois=tuple(
            LigneMoisPdf(
                x.mois, x.facture, x.demandes, x.montant_demandes, x.rejets, x.montant_rejete
            )
            for x in m.par_mois
        ),
        recyclees=m.recyclage.factures,
        refacture=m.recyclage.refacture,
        recupere=m.recyclage.recupere,
        ouvert=tuple(TranchePdf(t.libelle, t.montant) for t in m.ouvert),
        deja_forclos=m.forclusion.deja_forclos,
        risque_30=m.forclusion.sous_30,
        risque_60=m.forclusion.sous_60,
        risque_90=m.forclusion.sous_90,
        perdu_forclos=m.pertes.forclos,
        perdu_abandonne=m.pertes.abandonne,
        paiements_mesures=m.delai.paiements,
        jours_de_paiement=m.delai.jours,
    )
