"""Reads about cabinets. Every other selector starts from `cabinets_visibles`."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from .models import ROLES_QUI_ECRIVENT, Cabinet


def cabinets_visibles(utilisateur: User | AnonymousUser) -> QuerySet[Cabinet]:
    """The cabinets a user may see: those they are a member of, and no other."""
    if not utilisateur.is_authenticated or not utilisateur.is_active:
        return Cabinet.objects.none()
    return Cabinet.objects.filter(membres__utilisateur=utilisateur).distinct()


def cabinets_ou_ecrire(utilisateur: User) -> QuerySet[Cabinet]:
    """The cabinets where the user holds a role that writes (facturière, praticien)."""
    return cabinets_visibles(utilisateur).filter(
        membres__utilisateur=utilisateur, membres__role__in=ROLES_QUI_ECRIVENT
    )


def peut_ecrire(utilisateur: User, cabinet: Cabinet) -> bool:
    return cabinets_ou_ecrire(utilisateur).filter(pk=cabinet.pk).exists()
