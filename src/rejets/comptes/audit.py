"""The audit trail: who saw or changed what, when and from where.

Changes to the tenant models are logged by django-auditlog (one `auditlog.LogEntry` per
creation, change or deletion, with the acting user and the client's address set by the
middleware); identity fields are masked in those entries. Reads of health data are logged by
the pages themselves with `noter_consultation` (one `Consultation` row per invoice or patient
shown). Both tables are append-only in the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

from .adresse import adresse_client
from .models import Consultation

MASQUE = "(masqué)"

CHAMPS_MASQUES: dict[str, tuple[str, ...]] = {
    "factures.Facture": ("commentaire",),
    "factures.Partie": (),
    "factures.Paiement": ("reference",),
    "factures.Rejet": (),
    "patients.Patient": ("nir", "nom", "prenom", "date_naissance"),
    "patients.PeriodeDroits": (),
    "patients.ContratAMC": ("contrat",),
    "patients.Prescription": ("scan",),
    "cabinets.Membre": (),
    "recyclage.Action": ("reponse", "details", "document"),
}
"""The tenant models whose changes are logged, and for each the fields whose values never
reach the log (identity, free text that may name a patient): the log says the field changed,
not to what. Each entry also records the object's cabinet (`additional_data`)."""

CHAMPS_DES_COMPTES: dict[str, tuple[str, ...]] = {
    "auth.User": ("username", "first_name", "last_name", "email", "is_active", "is_staff"),
    "otp_totp.TOTPDevice": ("user", "name", "confirmed"),
}
"""Accounts: only these fields are logged (never a password hash, a login time nor a TOTP
key); who was made administrator, deactivated, who turned the second factor on or off."""


def masquer(valeur: str) -> str:
    """Mask callable for django-auditlog: nothing of the value is kept."""
    return MASQUE


def _cabinet_de_l_objet(objet: Any) -> dict[str, Any]:
    return {"cabinet_id": objet.cabinet_id}


def enregistrer_modeles_suivis() -> None:
    """Register the tenant models and the accounts with django-auditlog (once, when the apps
    are ready)."""
    from auditlog.registry import auditlog
    from django.apps import apps

    for etiquette, masques in CHAMPS_MASQUES.items():
        modele = apps.get_model(etiquette)
        if auditlog.contains(modele):
            continue
        if not hasattr(modele, "get_additional_data"):
            modele.get_additional_data = _cabinet_de_l_objet
        auditlog.register(
            modele, mask_fields=list(masques), mask_callable="rejets.comptes.audit.masquer"
        )
    for etiquette, champs in CHAMPS_DES_COMPTES.items():
        modele = apps.get_model(etiquette)
        if not auditlog.contains(modele):
            auditlog.register(modele, include_fields=list(champs))


def _reference(objet: models.Model) -> str:
    """What identifies the object to a person without naming a patient: an invoice's number."""
    from rejets.factures.models import Facture

    if isinstance(objet, Facture):
        return str(objet.numero)
    return ""


def _consultation(request: HttpRequest, objet: models.Model) -> Consultation:
    return Consultation(
        utilisateur=request.user,  # type: ignore[misc]
        adresse=adresse_client(request),
        cabinet_id=getattr(objet, "cabinet_id", None),
        type_objet=ContentType.objects.get_for_model(objet, for_concrete_model=True),
        objet_id=str(objet.pk),
        reference=_reference(objet),
        page=request.path[:300],
    )


def noter_consultation(request: HttpRequest, objet: models.Model) -> Consultation | None:
    """Record that the user of `request` was shown `objet` (an invoice, a patient…).

    Call it from every page that shows an invoice or a patient, after the object was found
    through a selector scoped to the user's cabinets. The row keeps who, when, the client's
    address, the object's type, id and cabinet, an invoice's number and the page's path (never
    the query string). Anonymous requests record nothing."""
    if not request.user.is_authenticated:
        return None
    consultation = _consultation(request, objet)
    consultation.save(force_insert=True)
    return consultation


def noter_consultations(request: HttpRequest, objets: Iterable[models.Model]) -> int:
    """`noter_consultation` for several objects shown on one page, in one INSERT; returns the
    number of rows written."""
    if not request.user.is_authenticated:
        return 0
    lignes = [_consultation(request, objet) for objet in objets]
    return len(Consultation.objects.bulk_create(lignes))
