"""Tableau de bord: what is owed, what is rejected, what is at risk, and the trend of the last
twelve months, for the cabinets the page works on."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rejets.core import horloge
from rejets.suivi.audit import HORIZONS_FORCLUSION
from rejets.web.perimetre import cabinets_de

from . import tableau_selectors


@login_required
def tableau(request: HttpRequest) -> HttpResponse:
    aujourd_hui = horloge.aujourd_hui()
    cabinets = cabinets_de(request)
    position = tableau_selectors.position(cabinets, aujourd_hui=aujourd_hui)
    tendances = tableau_selectors.tendances(cabinets, aujourd_hui=aujourd_hui)
    f = position.forclusion
    return render(
        request,
        "web/tableau/tableau.html",
        {
            "aujourd_hui": aujourd_hui,
            "cabinets": list(cabinets),
            "position": position,
            "forclusion": [
                (horizon, montant)
                for horizon, montant in zip(
                    HORIZONS_FORCLUSION, (f.sous_30, f.sous_60, f.sous_90), strict=True
                )
            ],
            "tendances": tendances,
            "graphique_mois": tendances.graphique_mois(),
            "graphique_familles": tendances.graphique_familles(),
        },
    )
