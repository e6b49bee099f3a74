"""The cabinets a page works on: those the user may see (the cabinet switcher narrows them)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from rejets.cabinets.models import Cabinet
from rejets.cabinets.selectors import cabinets_ou_ecrire, cabinets_visibles

CLE_SESSION = "cabinet_courant"


def cabinets_de(request: HttpRequest) -> QuerySet[Cabinet]:
    """Every cabinet the user may see, or only the one chosen in the switcher."""
    visibles = cabinets_visibles(request.user)
    choisi = request.session.get(CLE_SESSION) if hasattr(request, "session") else None
    if choisi:
        seul = visibles.filter(pk=choisi)
        if seul.exists():
            return seul
    return visibles


def cabinets_ou_ecrire_de(request: HttpRequest) -> QuerySet[Cabinet]:
    """The cabinets of the page where the user may also write."""
    if not request.user.is_authenticated:
        return Cabinet.objects.none()
    return cabinets_de(request).filter(pk__in=cabinets_ou_ecrire(request.user))
