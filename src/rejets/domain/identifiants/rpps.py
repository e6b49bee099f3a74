"""Numéro RPPS (Répertoire partagé des professionnels intervenant dans le système de santé).

Identifiant national d'un professionnel de santé, inscrit par l'Agence du numérique en
santé : 11 chiffres, dont le dernier est une clé de Luhn calculée sur les 10 premiers
(``stdnum.luhn``). Sur la carte CPS, l'« identifiant national PP » le précède d'un 8
(12 caractères) : ce module attend le numéro RPPS seul.

python-stdnum n'a pas de module RPPS ; celui-ci en reprend l'API. La clé de Luhn est
celle du contrôle ``control|luhn`` des champs RPPS de Mediboard (logiciel hospitalier
libre), à défaut d'un document public de l'ANS qui la décrive.

>>> validate('1000 000 000 9')
'10000000009'
>>> calc_check_digit('1000000000')
'9'
"""

from __future__ import annotations

import re

from stdnum import luhn

from rejets.domain.identifiants import (
    FormatInvalide,
    LongueurInvalide,
    est_valide,
    verifier_cle_finale,
)

__all__ = ["calc_check_digit", "compact", "format", "is_valid", "validate"]

LONGUEUR = 11

_CHIFFRES = re.compile(r"[0-9]*")
_SEPARATEURS = re.compile(r"[\s.\-]")


def compact(number: str) -> str:
    """Retire espaces (y compris insécables), points et tirets."""
    return _SEPARATEURS.sub("", number)


def _verifier_chiffres(number: str) -> None:
    if not _CHIFFRES.fullmatch(number):
        raise FormatInvalide("seuls des chiffres sont autorisés.")


def calc_check_digit(number: str) -> str:
    """Clé de Luhn des 10 premiers chiffres."""
    corps = compact(number)[: LONGUEUR - 1]
    _verifier_chiffres(corps)
    if len(corps) != LONGUEUR - 1:
        raise LongueurInvalide(LONGUEUR - 1, len(corps), " sans la clé")
    return luhn.calc_check_digit(corps)


def validate(number: str) -> str:
    """Vérifie le numéro RPPS et rend sa forme compacte, ou lève une exception ``stdnum``."""
    rpps = compact(number)
    _verifier_chiffres(rpps)
    return verifier_cle_finale(rpps, LONGUEUR, calc_check_digit)


def is_valid(number: str) -> bool:
    """Vrai si ``validate`` accepte le numéro."""
    return est_valide(validate, number)


def format(number: str) -> str:
    """Le RPPS s'écrit sans séparateur : la forme compacte."""
    return compact(number)
