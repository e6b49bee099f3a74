"""Reads about cabinets. Every other selector starts from `cabinets_visibles`."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from .models import ROLES_QUI_ECRIVENT, Cabinet, Membre


def cabinets_visibles(utilisateur: User | AnonymousUser) -> QuerySet[Cabinet]:
    """The cabinets a user may see: those they are a member of, and no other."""
    if not utilisateur.is_authenticated or not utilisateur.is_active:
        return Cabinet.objects.none()
    return Cabinet.objects.filter(membres__utilisateur=utilisateur).distinct()


def peut_ecrire(utilisateur: User, cabinet: Cabinet) -> bool:
    return Membre.objects.filter(
        utilisateur=utilisateur, cabinet=cabinet, role__in=ROLES_QUI_ECRIVENT
    ).exists()
