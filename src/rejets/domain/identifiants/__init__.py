"""Identifiants du monde de la santé : NIR, RPPS, FINESS.

Chaque module suit l'API de python-stdnum (``compact``, ``validate``, ``is_valid``,
``format``, ``calc_check_digit(s)``). ``validate`` lève les exceptions de
``stdnum.exceptions`` ; ce paquet en fournit des sous-classes qui portent le détail de
l'erreur (longueur attendue, clé attendue…) sans jamais contenir le numéro lui-même, et
``expliquer`` en fait un message en français pour l'utilisateur.

Un NIR est une donnée d'identité de santé : aucun message produit ici ne le cite, sauf si
l'appelant passe explicitement ``valeur_affichee``.
"""

from __future__ import annotations

from collections.abc import Callable

from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

__all__ = [
    "LIBELLES",
    "CleInvalide",
    "ComposanteInvalide",
    "FormatInvalide",
    "LongueurInvalide",
    "expliquer",
]

LIBELLES = {
    "nir": "NIR",
    "rpps": "Numéro RPPS",
    "finess": "Numéro FINESS",
}
"""Libellé affiché pour chaque type d'identifiant, par nom de module."""


class LongueurInvalide(InvalidLength):
    """Le numéro n'a pas le bon nombre de caractères."""

    def __init__(self, attendue: int, recue: int, precision: str = "") -> None:
        self.attendue = attendue
        self.recue = recue
        super().__init__(f"il faut {attendue} caractères{precision}, il y en a {recue}.")


class FormatInvalide(InvalidFormat):
    """Caractère non autorisé ou mal placé ; ``detail`` dit lequel sans citer le numéro."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class CleInvalide(InvalidChecksum):
    """La clé de contrôle lue ne correspond pas à celle calculée sur le reste du numéro."""

    def __init__(self, trouvee: str, attendue: str) -> None:
        self.trouvee = trouvee
        self.attendue = attendue
        super().__init__(f"la clé {trouvee} ne correspond pas (attendue {attendue}).")


class ComposanteInvalide(InvalidComponent):
    """Une partie du numéro (sexe, département…) a une valeur qui n'existe pas."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


_DETAILLEES = (LongueurInvalide, FormatInvalide, CleInvalide, ComposanteInvalide)

_RAISONS_GENERIQUES: tuple[tuple[type[ValidationError], str], ...] = (
    (InvalidLength, "le nombre de caractères n'est pas le bon."),
    (InvalidFormat, "il contient des caractères non autorisés ou mal placés."),
    (InvalidChecksum, "la clé de contrôle ne correspond pas."),
    (InvalidComponent, "une partie du numéro n'existe pas."),
)


def _raison(erreur: ValidationError) -> str:
    if isinstance(erreur, _DETAILLEES):
        return str(erreur)
    for classe, raison in _RAISONS_GENERIQUES:
        if isinstance(erreur, classe):
            return raison
    return "le numéro n'est pas reconnu."


def expliquer(erreur: ValidationError, identifiant: str, valeur_affichee: str | None = None) -> str:
    """Message en français pour une erreur de ``validate``, ex. « NIR invalide : la clé 36 … ».

    ``identifiant`` est le nom du module (« nir », « rpps », « finess ») ou un libellé libre.
    Le numéro n'apparaît que si ``valeur_affichee`` est fourni : c'est à l'appelant de
    décider s'il peut l'afficher (un NIR est une donnée d'identité de santé).
    """
    libelle = LIBELLES.get(identifiant.strip().lower(), identifiant.strip())
    sujet = f"{libelle} invalide"
    if valeur_affichee:
        sujet += f" (« {valeur_affichee} »)"
    return f"{sujet} : {_raison(erreur)}"


def verifier_cle_finale(numero: str, longueur: int, calc_check_digit: Callable[[str], str]) -> str:
    """The common end of `validate` for identifiers keyed by a final check digit (RPPS, FINESS):
    the length, then the key; returns the number."""
    if len(numero) != longueur:
        raise LongueurInvalide(longueur, len(numero))
    attendue = calc_check_digit(numero)
    if numero[-1] != attendue:
        raise CleInvalide(numero[-1], attendue)
    return numero


def est_valide(validate: Callable[[str], str], number: str) -> bool:
    """True when `validate` accepts the number (python-stdnum's `is_valid`)."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False
