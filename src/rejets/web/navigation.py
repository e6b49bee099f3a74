"""The main menu: each entry shows once its page exists (its URL name resolves)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

ENTREES = (
    ("Tableau de bord", "web:tableau"),
    ("À traiter", "web:a_traiter"),
    ("Factures", "factures:liste"),
    ("Recyclages", "web:recyclages"),
    ("Télétransmission", "web:teletransmission"),
    ("Retours", "web:retours"),
    ("Banque", "web:banque"),
    ("Relances", "web:relances"),
    ("Référentiels", "web:referentiels"),
)


def menu(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the menu entries whose page exists, the current one marked."""
    entrees = []
    for libelle, nom in ENTREES:
        try:
            url = reverse(nom)
        except NoReverseMatch:
            continue
        actif = request.path == url if url == "/" else request.path.startswith(url)
        entrees.append({"libelle": libelle, "url": url, "actif": actif})
    return {"menu": entrees}
