"""Reads of the rejection workflow, always through the cabinets the user may see: the rejected
parts to work (with the analysis of their code and the order FSE before DRE), the liste des
recyclages, the invoices in traitement caisse with the organisme to contact, the actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum

from rejets.cabinets.models import Cabinet
from rejets.domain.lifecycle import Etat, TypePartie
from rejets.factures.models import Acompte, Facture, Partie, Rejet
from rejets.referentiels.tod import organisme_destinataire

from .models import STATUTS_OUVERTS, Action


def _analyses(rejets: list[Rejet]) -> dict[tuple[str, str], Any]:
    from rejets.referentiels.codes import analyser_en_lot

    return analyser_en_lot({(r.code, r.libelle) for r in rejets})


def organisme_a_contacter(facture: Facture) -> str:
    """The caisse to contact for an invoice in traitement caisse: the Table des Organismes
    Destinataires' entry for its régime, caisse and centre (then centre 0000), else the
    organisme of its FSE."""
    entree = organisme_destinataire(
        regime=facture.regime, caisse=facture.caisse, centre=facture.centre
    )
    if entree is not None:
        return f"{entree.libelle}, organisme destinataire {entree.organisme_destinataire}"
    fse = facture.parties.filter(type=TypePartie.FSE).select_related("organisme").first()
    if fse is not None and fse.organisme is not None:
        return str(fse.organisme)
    return (
        f"régime {facture.regime}, caisse {facture.caisse}, centre {facture.centre} (absents de "
        "la TOD : importez-la)"
    )


@dataclass
class RejetATraiter:
    partie: Partie
    rejet: Rejet | None
    analyse: Any
    bloque_par_fse: bool
    """A DRE whose FSE is rejected too waits until the FSE is handled."""


def rejets_a_traiter(cabinets: QuerySet[Cabinet]) -> list[RejetATraiter]:
    parties = list(
        Partie.objects.filter(cabinet__in=cabinets, etat=Etat.REJETEE)
        .select_related("facture__patient", "facture__professionnel", "facture__cabinet")
        .order_by("facture__date_soins", "facture__numero", "type")
    )
    derniers: dict[tuple[int, str], Rejet] = {}
    for r in Rejet.objects.filter(facture__in=[p.facture_id for p in parties]).order_by("pk"):
        derniers[(r.facture_id, r.partie)] = r
    fse_rejetees = {p.facture_id for p in parties if p.type == TypePartie.FSE}
    analyses = _analyses(list(derniers.values()))
    resultat = []
    for p in parties:
        rejet = derniers.get((p.facture_id, p.type))
        resultat.append(
            RejetATraiter(
                p,
                rejet,
                analyses.get((rejet.code, rejet.libelle)) if rejet else None,
                p.type == TypePartie.DRE and p.facture_id in fse_rejetees,
            )
        )
    return resultat


@dataclass
class DossierARecycler:
    facture: Facture
    rejets: list[Rejet]
    analyses: list[Any]
    commentaire: str
    acompte: int
    mode_degrade: bool


def liste_des_recyclages(cabinets: QuerySet[Cabinet]) -> list[DossierARecycler]:
    """Unbilled invoices not yet recycled, with the rejection cause and the comment."""
    from rejets.transmission.models import Mode, Securisation, StatutSecurisation

    factures = list(
        Facture.objects.filter(cabinet__in=cabinets, etat=Etat.DEFACTUREE, recyclee_en=None)
        .select_related("patient", "professionnel", "cabinet")
        .prefetch_related(Prefetch("rejets", queryset=Rejet.objects.order_by("pk")))
        .order_by("date_soins", "numero")
    )
    acomptes = dict(
        Acompte.objects.filter(facture_origine__in=factures)
        .values("facture_origine_id")
        .annotate(s=Sum("montant"))
        .values_list("facture_origine_id", "s")
    )
    degradees = set(
        Securisation.objects.filter(
            facture__in=factures, mode=Mode.DEGRADE, statut=StatutSecurisation.ACCORDEE
        ).values_list("facture_id", flat=True)
    )
    tous = [r for f in factures for r in f.rejets.all()]
    analyses = _analyses(tous)
    return [
        DossierARecycler(
            f,
            list(f.rejets.all()),
            [analyses.get((r.code, r.libelle)) for r in f.rejets.all()],
            f.commentaire,
            acomptes.get(f.pk, 0),
            f.pk in degradees,
        )
        for f in factures
    ]


@dataclass
class EnTraitementCaisse:
    partie: Partie
    organisme: str


def en_traitement_caisse(cabinets: QuerySet[Cabinet]) -> list[EnTraitementCaisse]:
    """Invoices the caisse is studying: wait, and contact it if it takes too long; never
    offered for rebilling."""
    parties = (
        Partie.objects.filter(cabinet__in=cabinets, etat=Etat.EN_TRAITEMENT_CAISSE)
        .select_related("facture")
        .order_by("facture__date_soins", "facture__numero")
    )
    return [EnTraitementCaisse(p, organisme_a_contacter(p.facture)) for p in parties]


def actions_visibles(cabinets: QuerySet[Cabinet], *, ouvertes: bool = True) -> QuerySet[Action]:
    actions = Action.objects.filter(cabinet__in=cabinets).select_related("facture", "responsable")
    if ouvertes:
        actions = actions.filter(statut__in=STATUTS_OUVERTS)
    return actions.order_by("echeance", "pk")
