"""Writes about cabinets, members and professionals; keyword-only, one transaction each."""

import hashlib

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction

from .models import Cabinet, Membre, Professionnel, Role, SignatureNumerisee


class PlageEpuisee(Exception):
    """The professional's configured invoice number range has no number left."""


def creer_cabinet(*, code: str, nom: str) -> Cabinet:
    return Cabinet.objects.create(code=code, nom=nom)


@transaction.atomic
def ajouter_membre(*, utilisateur: User, cabinet: Cabinet, role: Role | str) -> Membre:
    membre, _ = Membre.objects.update_or_create(
        utilisateur=utilisateur, cabinet=cabinet, defaults={"role": Role(role)}
    )
    return membre


def creer_professionnel(
    *,
    cabinet: Cabinet,
    nom: str,
    prenom: str,
    numero_am: str,
    rpps: str = "",
    numero_debut: int = 900_000_001,
    numero_fin: int = 999_999_999,
) -> Professionnel:
    return Professionnel.objects.create(
        cabinet=cabinet,
        nom=nom,
        prenom=prenom,
        numero_am=numero_am,
        rpps=rpps,
        numero_debut=numero_debut,
        numero_fin=numero_fin,
    )


@transaction.atomic
def prochain_numero_facture(*, professionnel: Professionnel) -> str:
    """The next free number of the professional's range, never reused: the row is locked, so
    two concurrent callers get two numbers."""
    pro = Professionnel.objects.select_for_update().get(pk=professionnel.pk)
    numero = pro.numero_debut if pro.dernier_numero is None else pro.dernier_numero + 1
    if numero > pro.numero_fin:
        raise PlageEpuisee(
            f"Plus aucun numéro de facture libre pour {pro} : la plage "
            f"{pro.numero_debut:09d}–{pro.numero_fin:09d} est épuisée. Étendez-la."
        )
    pro.dernier_numero = numero
    pro.save(update_fields=["dernier_numero"])
    return f"{numero:09d}"


def utilisateur_systeme() -> User:
    """The named system user written as actor when a command runs without --utilisateur."""
    from django.conf import settings

    modele = get_user_model()
    user, cree = modele.objects.get_or_create(username=settings.REJETS_UTILISATEUR_SYSTEME)
    if cree:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def enregistrer_signature(*, professionnel: Professionnel, image: bytes) -> SignatureNumerisee:
    """Keep the practitioner's digitised signature (PNG or JPEG, checked by
    `rejets.formats.pdf.verifier_image_signature`); it signs the mode dégradé care sheets."""
    from rejets.formats.pdf import verifier_image_signature

    verifiee = verifier_image_signature(image)
    return SignatureNumerisee.objects.create(
        cabinet_id=professionnel.cabinet_id,
        professionnel=professionnel,
        image=image,
        format=str(verifiee.format),
        sha256=hashlib.sha256(image).hexdigest(),
    )
