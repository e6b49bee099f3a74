"""The header's cabinet switcher."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from rejets.cabinets.models import Cabinet
from rejets.cabinets.selectors import cabinets_visibles
from rejets.web.perimetre import CLE_SESSION


def selecteur_de_cabinet(request: HttpRequest) -> dict[str, Any]:
    """`cabinets_du_selecteur`: the user's cabinets when there are several (else empty), and
    `cabinet_courant_id`: the one chosen, None for all of them. Read only when a template uses
    them (a page's header), not for every htmx fragment."""

    @cache
    def calcul() -> tuple[list[Cabinet], int | None]:
        utilisateur = getattr(request, "user", None)
        if utilisateur is None or not utilisateur.is_authenticated:
            return [], None
        cabinets = list(cabinets_visibles(utilisateur).only("pk", "nom"))
        if len(cabinets) < 2:
            return [], None
        choisi = request.session.get(CLE_SESSION)
        return cabinets, next((c.pk for c in cabinets if c.pk == choisi), None)

    return {
        "cabinets_du_selecteur": SimpleLazyObject(lambda: calcul()[0]),
        "cabinet_courant_id": SimpleLazyObject(lambda: calcul()[1]),
    }
