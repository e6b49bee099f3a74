"""Reads of the returns, always scoped to the cabinets a user may see."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from rejets.cabinets.models import Cabinet
from rejets.cabinets.selectors import cabinets_visibles

from .models import FichierRetour, LigneRetour, PaiementEnAttente, StatutLigne


def fichiers_visibles(utilisateur: User | AnonymousUser) -> QuerySet[FichierRetour]:
    """Files with a share for one of the user's cabinets, and the files the user imported
    (a file refused as a whole has no cabinet yet)."""
    cabinets = cabinets_visibles(utilisateur)
    return FichierRetour.objects.filter(
        Q(imports__cabinet__in=cabinets) | Q(importe_par=utilisateur.pk)
    ).distinct()


def lignes_a_traiter(cabinets: QuerySet[Cabinet]) -> QuerySet[LigneRetour]:
    """The unmatched queue: lines a person must match, dismiss or allocate."""
    return (
        LigneRetour.objects.filter(
            cabinet__in=cabinets,
            statut__in=[StatutLigne.NON_RAPPROCHEE, StatutLigne.EN_ATTENTE_AFFECTATION],
        )
        .select_related("fichier", "suggestion")
        .order_by("fichier_id", "numero")
    )


def attentes_visibles(cabinets: QuerySet[Cabinet]) -> QuerySet[PaiementEnAttente]:
    """Payments awaiting allocation."""
    return PaiementEnAttente.objects.filter(cabinet__in=cabinets, affecte_le__isnull=True)
