"""Writes on the worklist: an owner per item (assign to me), and snooze until a date with a
reason. Only in the cabinets where the user may write."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction

from rejets.cabinets.selectors import cabinets_ou_ecrire
from rejets.factures.services import OperationRefusee

from .models import ElementATraiter


def _element(element_id: int, utilisateur: User) -> ElementATraiter:
    element = (
        ElementATraiter.objects.select_for_update()
        .filter(pk=element_id, cabinet__in=cabinets_ou_ecrire(utilisateur))
        .first()
    )
    if element is None:
        raise OperationRefusee(f"Élément n° {element_id} introuvable dans vos cabinets.")
    return element


@transaction.atomic
def assigner(*, element_id: int, utilisateur: User, a: User | None) -> ElementATraiter:
    """Give the item to `a` (None: to nobody); `a` must be able to write in its cabinet."""
    element = _element(element_id, utilisateur)
    if a is not None and not cabinets_ou_ecrire(a).filter(pk=element.cabinet_id).exists():
        raise OperationRefusee(
            f"« {a.username} » ne travaille pas pour ce cabinet : impossible de lui confier."
        )
    element.responsable = a
    element.save(update_fields=["responsable"])
    return element


@transaction.atomic
def reporter(
    *, element_id: int, utilisateur: User, jusqu_au: date | None, raison: str, le: date
) -> ElementATraiter:
    """Snooze the item until a date, with a reason (None: wake it up)."""
    element = _element(element_id, utilisateur)
    if jusqu_au is not None:
        if jusqu_au <= le:
            raise OperationRefusee("La date de report doit être après aujourd'hui.")
        if not raison.strip():
            raise OperationRefusee("Un report porte sa raison.")
    element.reporte_au = jusqu_au
    element.raison_report = raison.strip() if jusqu_au else ""
    element.save(update_fields=["reporte_au", "raison_report"])
    return element
