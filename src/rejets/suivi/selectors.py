"""The worklist, read through the cabinets the user may see, in priority order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from rejets.cabinets.models import Cabinet

from .models import ElementATraiter

TAILLE_PAGE = 50


@dataclass(frozen=True)
class Filtres:
    cabinet: str | None = None
    organisme: str | None = None
    """Code of the organisme."""
    famille: str | None = None
    motif: str | None = None
    age_min: int | None = None
    """Only items older than this many days."""
    responsable: User | None = None
    sans_responsable: bool = False
    avec_reportes: bool = False


def a_traiter(
    cabinets: QuerySet[Cabinet], *, aujourd_hui: date, filtres: Filtres = Filtres()
) -> QuerySet[ElementATraiter]:
    """Every item of `cabinets`, highest priority first; snoozed items wait for their date."""
    qs = ElementATraiter.objects.filter(cabinet__in=cabinets)
    if not filtres.avec_reportes:
        qs = qs.filter(Q(reporte_au__isnull=True) | Q(reporte_au__lte=aujourd_hui))
    if filtres.cabinet:
        qs = qs.filter(cabinet__code=filtres.cabinet)
    if filtres.organisme:
        qs = qs.filter(organisme__code=filtres.organisme)
    if filtres.famille:
        qs = qs.filter(famille=filtres.famille)
    if filtres.motif:
        qs = qs.filter(motif=filtres.motif)
    if filtres.age_min is not None:
        qs = qs.filter(depuis__lte=aujourd_hui - timedelta(days=filtres.age_min))
    if filtres.responsable is not None:
        qs = qs.filter(responsable=filtres.responsable)
    elif filtres.sans_responsable:
        qs = qs.filter(responsable__isnull=True)
    return qs.order_by("-priorite", "pk")


def premiere_page(
    qs: QuerySet[ElementATraiter], *, page: int = 1, taille: int = TAILLE_PAGE
) -> tuple[list[ElementATraiter], int]:
    """One page of items with what a row shows, and the total count."""
    debut = (page - 1) * taille
    elements = list(
        qs.select_related("cabinet", "facture", "organisme", "responsable")[debut : debut + taille]
    )
    return elements, qs.count()
