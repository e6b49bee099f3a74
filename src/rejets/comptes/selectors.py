"""Reads of the audit trail, for platform administrators only (the page checks it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from auditlog.models import LogEntry
from axes.models import AccessLog  # type: ignore[import-untyped]
from django.db.models import QuerySet

from rejets.cabinets.models import Cabinet

from .models import Consultation

ACTIONS = {
    LogEntry.Action.CREATE: "Création",
    LogEntry.Action.UPDATE: "Modification",
    LogEntry.Action.DELETE: "Suppression",
    LogEntry.Action.ACCESS: "Consultation",
}


@dataclass(frozen=True)
class FiltreAudit:
    cabinet_id: int | None = None
    utilisateur: str = ""
    du: date | None = None
    au: date | None = None


def choix_des_cabinets() -> list[tuple[int, str]]:
    return list(Cabinet.objects.order_by("nom").values_list("pk", "nom"))


def _periode(qs: QuerySet[Any], champ: str, filtre: FiltreAudit) -> QuerySet[Any]:
    if filtre.du:
        qs = qs.filter(**{f"{champ}__date__gte": filtre.du})
    if filtre.au:
        qs = qs.filter(**{f"{champ}__date__lte": filtre.au})
    return qs


def consultations(filtre: FiltreAudit) -> QuerySet[Consultation]:
    qs = Consultation.objects.select_related("utilisateur", "cabinet", "type_objet")
    if filtre.cabinet_id:
        qs = qs.filter(cabinet_id=filtre.cabinet_id)
    if filtre.utilisateur:
        qs = qs.filter(utilisateur__username__iexact=filtre.utilisateur)
    return _periode(qs, "le", filtre).order_by("-le", "-pk")


def modifications(filtre: FiltreAudit) -> QuerySet[LogEntry]:
    """Changes logged by django-auditlog; the cabinet is the one recorded with the entry."""
    qs = LogEntry.objects.select_related("actor", "content_type")
    if filtre.cabinet_id:
        qs = qs.filter(additional_data__cabinet_id=filtre.cabinet_id)
    if filtre.utilisateur:
        qs = qs.filter(actor__username__iexact=filtre.utilisateur)
    return _periode(qs, "timestamp", filtre).order_by("-timestamp", "-pk")


def connexions(filtre: FiltreAudit) -> QuerySet[AccessLog]:
    """Successful logins recorded by django-axes (they belong to no cabinet)."""
    qs = AccessLog.objects.all()
    if filtre.utilisateur:
        qs = qs.filter(username__iexact=filtre.utilisateur)
    return _periode(qs, "attempt_time", filtre).order_by("-attempt_time", "-pk")


def _objet(type_objet: Any, identifiant: Any) -> str:
    nom = type_objet.name if type_objet is not None else "objet"
    return f"{nom} n° {identifiant}"


def _valeur(valeur: Any) -> str:
    texte = "—" if valeur in (None, "None", "") else str(valeur)
    return texte if len(texte) <= 80 else texte[:79] + "…"


def presenter(vue: str, lignes: Iterable[Any]) -> list[dict[str, Any]]:
    """Rows of one page of the audit, ready to show: ids and invoice numbers, no identity."""
    lignes = list(lignes)
    if vue == "connexions":
        return [
            {
                "le": e.attempt_time,
                "utilisateur": e.username or "—",
                "adresse": e.ip_address or "—",
                "fin": e.logout_time,
            }
            for e in lignes
        ]
    noms = dict(Cabinet.objects.values_list("pk", "nom"))
    if vue == "modifications":
        resultat = []
        for e in lignes:
            cabinet_id: Any = (e.additional_data or {}).get("cabinet_id")
            changements = []
            for champ, valeurs in sorted((e.changes_dict or {}).items()):
                avant, apres = [*valeurs, None, None][:2]
                changements.append(
                    {"champ": champ, "avant": _valeur(avant), "apres": _valeur(apres)}
                )
            resultat.append(
                {
                    "le": e.timestamp,
                    "utilisateur": e.actor.get_username() if e.actor else "(commande)",
                    "adresse": e.remote_addr or "—",
                    "action": ACTIONS.get(e.action, str(e.action)),
                    "cabinet": noms.get(cabinet_id, "—"),
                    "objet": _objet(e.content_type, e.object_pk),
                    "changements": changements,
                }
            )
        return resultat
    return [
        {
            "le": e.le,
            "utilisateur": e.utilisateur.get_username(),
            "adresse": e.adresse or "—",
            "cabinet": noms.get(e.cabinet_id, "—"),
            "objet": _objet(e.type_objet, e.objet_id),
            "reference": e.reference or "—",
            "page": e.page,
        }
        for e in lignes
    ]
