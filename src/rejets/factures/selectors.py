"""Reads of invoices, always scoped to the cabinets the user may see."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from rejets.cabinets.selectors import cabinets_visibles

from .models import Facture


def factures_visibles(utilisateur: User | AnonymousUser) -> QuerySet[Facture]:
    return Facture.objects.filter(cabinet__in=cabinets_visibles(utilisateur))


def liste_factures(utilisateur: User | AnonymousUser) -> QuerySet[Facture]:
    return (
        factures_visibles(utilisateur)
        .select_related("cabinet", "professionnel", "patient")
        .order_by("-date_soins", "-numero")
    )
