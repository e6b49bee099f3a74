"""Reads of the bank side, always scoped to cabinets (`cabinets_visibles(user)`).

Announced transfers are derived, never stored: the transfer payments the returns recorded
(`Paiement`, moyen virement, with a reference) and the money parked awaiting allocation
(`PaiementEnAttente`) with a reference, grouped by (cabinet, payeur, reference, date); the net
amount is their sum, indus withheld on the transfer (negative, same reference) deducted. A
parked payment later allocated created a `Paiement` with the same reference, dated the day of
the allocation: that payment is the parked money, counted once, at the transfer's date.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, Q, QuerySet, Sum

from rejets.cabinets.models import Cabinet
from rejets.core import horloge
from rejets.domain.ledger import Payeur
from rejets.domain.lifecycle import TypePartie
from rejets.factures.models import MoyenPaiement, Paiement, Partie
from rejets.referentiels.models import Organisme
from rejets.retours.models import PaiementEnAttente

from .appariement import (
    FENETRE_JOURS,
    Ambiguite,
    Appariement,
    VirementAnnonce,
    apparier,
    marque_organisme,
)
from .models import (
    CompteBancaire,
    EtatLigne,
    LigneBancaire,
    ProfilReleve,
    Rapprochement,
    ReleveBancaire,
)

PAYEURS = (Payeur.AMO.value, Payeur.AMC.value)
PARTIE_DU_PAYEUR = {Payeur.AMO.value: TypePartie.FSE.value, Payeur.AMC.value: TypePartie.DRE.value}


def comptes_visibles(cabinets: QuerySet[Cabinet]) -> QuerySet[CompteBancaire]:
    return CompteBancaire.objects.filter(cabinet__in=cabinets)


def releves_visibles(cabinets: QuerySet[Cabinet]) -> QuerySet[ReleveBancaire]:
    return ReleveBancaire.objects.filter(cabinet__in=cabinets).select_related("compte")


def lignes_visibles(cabinets: QuerySet[Cabinet]) -> QuerySet[LigneBancaire]:
    return LigneBancaire.objects.filter(cabinet__in=cabinets).select_related("releve", "compte")


def rapprochements_visibles(cabinets: QuerySet[Cabinet]) -> QuerySet[Rapprochement]:
    return Rapprochement.objects.filter(cabinet__in=cabinets).select_related("ligne", "par")


def profils_utilisables(cabinet: Cabinet | None) -> QuerySet[ProfilReleve]:
    """The shared profiles and, for a cabinet, its own."""
    partages = Q(cabinet__isnull=True)
    return ProfilReleve.objects.filter(partages | Q(cabinet=cabinet) if cabinet else partages)


def profil_releve(nom: str, cabinet: Cabinet | None) -> ProfilReleve | None:
    """The profile of that name: the cabinet's own first, else the shared one."""
    trouves = list(profils_utilisables(cabinet).filter(nom=nom))
    return next((p for p in trouves if p.cabinet_id is not None), trouves[0] if trouves else None)


# --- announced transfers ---------------------------------------------------------------------


@dataclass
class _Groupe:
    montant: int = 0
    nombre: int = 0
    organismes: Counter[tuple[str, str]] = field(default_factory=Counter)


def _paiements(cabinets: QuerySet[Cabinet], du: date | None, au: date | None) -> QuerySet[Paiement]:
    q = Paiement.objects.filter(
        cabinet__in=cabinets, moyen=MoyenPaiement.VIREMENT, payeur__in=PAYEURS
    ).exclude(reference="")
    if du:
        q = q.filter(date__gte=du)
    if au:
        q = q.filter(date__lte=au)
    return q


def virements_annonces(
    cabinets: QuerySet[Cabinet], du: date | None = None, au: date | None = None
) -> list[VirementAnnonce]:
    """Every transfer the returns announced in these cabinets, dated between `du` and `au`,
    with its net amount, its organisme (the most frequent among its invoices) and the bank
    line it is matched with, if any; by date then reference."""
    groupes: dict[tuple[int, str, str, date], _Groupe] = defaultdict(_Groupe)
    for payeur in PAYEURS:
        lignes = (
            _paiements(cabinets, du, au)
            .filter(payeur=payeur, facture__parties__type=PARTIE_DU_PAYEUR[payeur])
            .values(
                "cabinet_id",
                "reference",
                "date",
                libelle=F("facture__parties__organisme__libelle"),
                code=F("facture__parties__organisme__code"),
            )
            .annotate(somme=Sum("montant"), nombre=Count("id"))
            .order_by()
        )
        for r in lignes:
            g = groupes[(r["cabinet_id"], payeur, r["reference"], r["date"])]
            g.montant += r["somme"]
            g.nombre += r["nombre"]
            g.organismes[(r["libelle"] or "", r["code"] or "")] += r["nombre"]
    _sans_partie(cabinets, du, au, groupes)
    _attentes(cabinets, du, au, groupes)
    rapproches = {
        (r["cabinet_id"], r["payeur"], r["reference"], r["date_virement"]): r["ligne_id"]
        for r in Rapprochement.objects.filter(cabinet__in=cabinets).values(
            "cabinet_id", "payeur", "reference", "date_virement", "ligne_id"
        )
    }
    resultat = []
    for cle, g in groupes.items():
        if g.nombre <= 0:
            continue
        (organisme, code), _ = min(
            g.organismes.items(), key=lambda e: (-e[1], not e[0][0], e[0]), default=(("", ""), 0)
        )
        cabinet_id, payeur, reference, le = cle
        resultat.append(
            VirementAnnonce(
                cabinet_id=cabinet_id,
                payeur=payeur,
                reference=reference,
                date=le,
                montant=g.montant,
                organisme=organisme,
                organisme_code=code,
                paiements=g.nombre,
                ligne_id=rapproches.get(cle),
            )
        )
    return sorted(resultat, key=lambda v: (v.date, v.reference, v.payeur, v.cabinet_id))


def _sans_partie(
    cabinets: QuerySet[Cabinet],
    du: date | None,
    au: date | None,
    groupes: dict[tuple[int, str, str, date], _Groupe],
) -> None:
    """Payments whose invoice has no part for that payer still count, without organisme."""
    for payeur in PAYEURS:
        lignes = (
            _paiements(cabinets, du, au)
            .filter(payeur=payeur)
            .exclude(facture__parties__type=PARTIE_DU_PAYEUR[payeur])
            .values("cabinet_id", "reference", "date")
            .annotate(somme=Sum("montant"), nombre=Count("id"))
            .order_by()
        )
        for r in lignes:
            g = groupes[(r["cabinet_id"], payeur, r["reference"], r["date"])]
            g.montant += r["somme"]
            g.nombre += r["nombre"]


def _attentes(
    cabinets: QuerySet[Cabinet],
    du: date | None,
    au: date | None,
    groupes: dict[tuple[int, str, str, date], _Groupe],
) -> None:
    """Parked money with a reference joins its transfer; once allocated, the payment the
    allocation made (same invoice, payer, reference and amount, created when it was allocated)
    leaves the group of its own date."""
    attentes = list(
        PaiementEnAttente.objects.filter(cabinet__in=cabinets, payeur__in=PAYEURS)
        .exclude(reference="")
        .values(
            "pk",
            "cabinet_id",
            "payeur",
            "reference",
            "date",
            "montant",
            "facture_id",
            "affecte_le",
            "ligne__organisme",
        )
        .order_by("affecte_le", "pk")
    )
    codes = {a["ligne__organisme"] for a in attentes if a["ligne__organisme"]}
    noms = dict(Organisme.objects.filter(code__in=codes).values_list("code", "libelle"))
    for a in attentes:
        if (du and a["date"] < du) or (au and a["date"] > au):
            continue
        g = groupes[(a["cabinet_id"], a["payeur"], a["reference"], a["date"])]
        g.montant += a["montant"]
        g.nombre += 1
        code = a["ligne__organisme"] or ""
        g.organismes[(noms.get(code, ""), code)] += 1
    affectees = [a for a in attentes if a["affecte_le"] is not None and a["facture_id"]]
    if not affectees:
        return
    candidats = list(
        Paiement.objects.filter(
            cabinet__in=cabinets,
            moyen=MoyenPaiement.VIREMENT,
            facture_id__in={a["facture_id"] for a in affectees},
            reference__in={a["reference"] for a in affectees},
        )
        .values("pk", "facture_id", "payeur", "reference", "montant", "date", "cree_le")
        .order_by("-cree_le", "-pk")
    )
    pris: set[int] = set()
    for a in affectees:
        signature = (a["facture_id"], a["payeur"], a["reference"], a["montant"])
        affecte_le = a["affecte_le"]
        assert affecte_le is not None
        paiement = next(
            (
                p
                for p in candidats
                if p["pk"] not in pris
                and (p["facture_id"], p["payeur"], p["reference"], p["montant"]) == signature
                and p["cree_le"] <= affecte_le
            ),
            None,
        )
        if paiement is None:
            continue
        pris.add(paiement["pk"])
        if (du and paiement["date"] < du) or (au and paiement["date"] > au):
            continue
        cle = (a["cabinet_id"], a["payeur"], a["reference"], paiement["date"])
        if cle in groupes:
            groupes[cle].montant -= a["montant"]
            groupes[cle].nombre -= 1


def virement_annonce(
    cabinet: Cabinet, reference: str, le: date, payeur: str | None = None
) -> list[VirementAnnonce]:
    """The announced transfers of the cabinet with this reference and date (one per payer)."""
    cabinets = Cabinet.objects.filter(pk=cabinet.pk)
    return [
        v
        for v in virements_annonces(cabinets, du=le, au=le)
        if v.reference == reference and (payeur is None or v.payeur == payeur)
    ]


def virements_jamais_credites(
    cabinets: QuerySet[Cabinet], au: date | None = None, fenetre: int = FENETRE_JOURS
) -> list[VirementAnnonce]:
    """Announced transfers (positive net amount) whose window closed before `au` (today by
    default) and that no bank line was matched with."""
    limite = (au or horloge.aujourd_hui()) - timedelta(days=fenetre)
    return [
        v
        for v in virements_annonces(cabinets, au=limite - timedelta(days=1))
        if v.montant > 0 and v.ligne_id is None
    ]


@dataclass(frozen=True)
class CreditInexplique:
    ligne: LigneBancaire
    organisme: str
    """Caisse ou mutuelle que le libellé semble nommer (vide : aucune)."""


def _noms_organismes(cabinets: QuerySet[Cabinet]) -> list[str]:
    return sorted(
        set(
            Partie.objects.filter(cabinet__in=cabinets, organisme__isnull=False)
            .values_list("organisme__libelle", flat=True)
            .distinct()
        )
    )


def credits_inexpliques(
    cabinets: QuerySet[Cabinet], organismes_seulement: bool = False
) -> list[CreditInexplique]:
    """Bank credits neither matched nor ignored, each with the organisme its label seems to
    name; with `organismes_seulement`, only those."""
    lignes = lignes_visibles(cabinets).filter(etat=EtatLigne.NON_RAPPROCHEE, montant__gt=0)
    noms = _noms_organismes(cabinets)
    resultat = [CreditInexplique(ligne, marque_organisme(ligne.libelle, noms)) for ligne in lignes]
    return [c for c in resultat if c.organisme or not organismes_seulement]


def a_decider(cabinets: QuerySet[Cabinet], fenetre: int = FENETRE_JOURS) -> list[Ambiguite]:
    """Announced transfers with several possible bank lines: for a person to match."""
    resultat: list[Ambiguite] = []
    for cabinet_id in cabinets.values_list("pk", flat=True):
        un = Cabinet.objects.filter(pk=cabinet_id)
        resultat += propositions(un, fenetre).a_decider
    return resultat


def propositions(cabinets: QuerySet[Cabinet], fenetre: int = FENETRE_JOURS) -> Appariement:
    """What the matching rule would decide now, for one cabinet: transfers not yet matched
    against its credits neither matched nor ignored."""
    virements = [v for v in virements_annonces(cabinets) if v.ligne_id is None]
    lignes = list(lignes_visibles(cabinets).filter(etat=EtatLigne.NON_RAPPROCHEE, montant__gt=0))
    return apparier(virements, lignes, fenetre)


@dataclass(frozen=True)
class EtatBanque:
    """The two lists and the counts of `rejets suivi banque-etat`."""

    jamais_credites: list[VirementAnnonce]
    inexpliques: list[CreditInexplique]
    a_decider: list[Ambiguite]
    virements: int
    virements_rapproches: int
    lignes: dict[str, int]

    @property
    def total_jamais_credites(self) -> int:
        return sum(v.montant for v in self.jamais_credites)

    @property
    def total_inexpliques(self) -> int:
        return sum(c.ligne.montant for c in self.inexpliques)


def etat_banque(
    cabinets: QuerySet[Cabinet], au: date | None = None, fenetre: int = FENETRE_JOURS
) -> EtatBanque:
    virements = [v for v in virements_annonces(cabinets) if v.montant > 0]
    par_etat = dict(
        lignes_visibles(cabinets)
        .values_list("etat")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("etat", "n")
    )
    return EtatBanque(
        jamais_credites=virements_jamais_credites(cabinets, au=au, fenetre=fenetre),
        inexpliques=credits_inexpliques(cabinets),
        a_decider=a_decider(cabinets, fenetre),
        virements=len(virements),
        virements_rapproches=sum(1 for v in virements if v.ligne_id is not None),
        lignes={e.value: par_etat.get(e.value, 0) for e in EtatLigne},
    )
