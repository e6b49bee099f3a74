"""Numéro FINESS (Fichier national des établissements sanitaires et sociaux).

Identifie une entité juridique (FINESS EJ) ou un établissement géographique (FINESS ET) :
9 caractères, les 2 premiers étant le département (2A ou 2B en Corse), le dernier une clé
de Luhn. Le schéma officiel du flux FINESS de l'ANS le décrit comme « numéro FINESS
alphanumérique sur 9 caractères » (motif ``^[A-Za-z0-9]{9}$``,
github.com/ansforge/finess, ``flux/out/data.gouv/structure/schema/schema-structures-v1.json``) ;
les numéros de son fichier d'exemple (010000016, 010780195…) vérifient tous la clé de Luhn
sur les 9 chiffres.

Clé des numéros corses (2A, 2B) : NON CONFIRMÉE. Aucune source publique trouvée ne
décrit son calcul. Ce module suit Mediboard (logiciel hospitalier libre, source [D]) : son
champ FINESS admet une lettre en 2e position (masque ``9xS9S99999S9``) et son contrôle
de Luhn ignore tout caractère non numérique ; la lettre est donc retirée et la clé de Luhn
calculée sur les 8 chiffres restants, ce qui revient à remplacer 2A ou 2B par 02.
``CLE_CORSE_CONFIRMEE`` vaut ``False`` : pour un numéro dont ``est_corse`` est vrai, une
``InvalidChecksum`` devrait produire un avertissement, pas un blocage.

python-stdnum n'a pas de module FINESS ; celui-ci en reprend l'API.

>>> validate('010780195')
'010780195'
>>> calc_check_digit('01078019')
'5'
>>> calc_check_digit('2A000001')
'4'
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

__all__ = [
    "CLE_CORSE_CONFIRMEE",
    "calc_check_digit",
    "compact",
    "est_corse",
    "format",
    "is_valid",
    "validate",
]

LONGUEUR = 9
CLE_CORSE_CONFIRMEE = False
"""La règle de clé des FINESS 2A/2B vient d'un logiciel tiers, pas d'une source officielle."""

_CARACTERES = re.compile(r"[0-9AB]*")
_CORPS = re.compile(r"(?:[0-9]{2}|2[AB])[0-9]{6}")
_SEPARATEURS = re.compile(r"[\s.\-]")
_DEPARTEMENTS_CORSES = ("2A", "2B")


def compact(number: str) -> str:
    """Retire espaces (y compris insécables), points et tirets ; met en majuscules."""
    return _SEPARATEURS.sub("", number).upper()


def est_corse(number: str) -> bool:
    """Vrai pour un numéro des départements 2A ou 2B, dont la clé n'est pas confirmée."""
    return compact(number)[:2] in _DEPARTEMENTS_CORSES


def _verifier_caracteres(number: str) -> None:
    if not _CARACTERES.fullmatch(number):
        raise FormatInvalide(
            "seuls des chiffres sont autorisés (et 2A ou 2B pour un département de Corse)."
        )


def calc_check_digit(number: str) -> str:
    """Clé de Luhn des 8 premiers caractères ; en 2A et 2B, la lettre est ignorée (non confirmé)."""
    corps = compact(number)[: LONGUEUR - 1]
    _verifier_caracteres(corps)
    if len(corps) != LONGUEUR - 1:
        raise LongueurInvalide(LONGUEUR - 1, len(corps), " sans la clé")
    if not _CORPS.fullmatch(corps):
        raise FormatInvalide(
            "les lettres A et B ne sont admises qu'en 2e position, "
            "pour les départements de Corse 2A et 2B."
        )
    return luhn.calc_check_digit(corps.replace("A", "").replace("B", ""))


def validate(number: str) -> str:
    """Vérifie le numéro FINESS et rend sa forme compacte, ou lève une exception ``stdnum``."""
    finess = compact(number)
    _verifier_caracteres(finess)
    return verifier_cle_finale(finess, LONGUEUR, calc_check_digit)


def is_valid(number: str) -> bool:
    """Vrai si ``validate`` accepte le numéro."""
    return est_valide(validate, number)


def format(number: str) -> str:
    """Le FINESS s'écrit sans séparateur : la forme compacte."""
    return compact(number)
