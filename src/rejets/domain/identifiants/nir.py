"""NIR (numéro d'inscription au répertoire national d'identification des personnes physiques).

Le NIR, dit « numéro de sécurité sociale », identifie l'assuré et le bénéficiaire sur une
FSE. Il compte 13 caractères suivis d'une clé de 2 chiffres :

* 1 chiffre : 1 ou 2 (sexe), 3 ou 4 (personne étrangère en cours d'immatriculation),
  7 ou 8 (numéro provisoire) ;
* 2 chiffres : année de naissance ; 2 chiffres : mois de naissance (ou mois fictif) ;
* 5 caractères : lieu de naissance (département + commune, 99 + pays à l'étranger) ;
  en Corse le département est 2A ou 2B (20 pour les naissances avant 1976) ;
* 3 chiffres : numéro d'ordre ;
* clé = 97 − (N mod 97), où N est le nombre formé par les 13 premiers caractères, 2A
  étant remplacé par 19 et 2B par 18 pour le calcul.

Ce module s'appuie sur ``stdnum.fr.nir`` (python-stdnum), qui calcule la clé corse comme
ci-dessus mais accepte n'importe quel premier chiffre. Ici, en plus :

* le premier chiffre doit être 1, 2, 3, 4, 7 ou 8 (``InvalidComponent`` sinon) ;
* les erreurs portent leur détail (``LongueurInvalide``, ``CleInvalide``…) ;
* la longueur est signalée comme telle même pour un numéro trop court ;
* les espaces insécables, points et tirets sont ignorés.

Le mois (pseudo-mois 20, 30 à 42, 50 et plus) et le lieu de naissance ne sont pas
contrôlés : trop d'exceptions légitimes pour bloquer une facture dessus.

Sources :

* https://www.insee.fr/fr/metadonnees/definition/c1409
* https://fr.wikipedia.org/wiki/Numéro_de_sécurité_sociale_en_France
* https://xml.insee.fr/schema/nir.html

>>> validate('2 95 10 99 126 111 93')
'295109912611193'
>>> validate('253072A07300443')
'253072A07300443'
>>> calc_check_digits('2530720730004')
'94'
>>> format('185057800608491')
'1 85 05 78 006 084 91'
"""

from __future__ import annotations

import re

from stdnum.exceptions import ValidationError
from stdnum.fr import nir as _stdnum_nir

from rejets.domain.identifiants import (
    CleInvalide,
    ComposanteInvalide,
    FormatInvalide,
    LongueurInvalide,
)

__all__ = ["calc_check_digits", "compact", "format", "is_valid", "validate"]

LONGUEUR = 15
LONGUEUR_SANS_CLE = 13
PREMIERS_CHIFFRES_ADMIS = "123478"

_CARACTERES = re.compile(r"[0-9AB]*")
_CORPS = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{6}")
_SEPARATEURS = re.compile(r"[\s.\-]")

_LETTRES_MAL_PLACEES = (
    "les lettres A et B ne sont admises qu'en 6e et 7e positions, "
    "pour les départements de Corse 2A et 2B."
)


def compact(number: str) -> str:
    """Retire espaces (y compris insécables), points et tirets ; met en majuscules."""
    return _SEPARATEURS.sub("", number).upper()


def _verifier_caracteres(number: str) -> None:
    if not _CARACTERES.fullmatch(number):
        raise FormatInvalide(
            "seuls des chiffres sont autorisés (et 2A ou 2B pour un département de Corse)."
        )


def calc_check_digits(number: str) -> str:
    """Clé (2 chiffres) des 13 premiers caractères : 97 − (N mod 97), 2A -> 19, 2B -> 18."""
    corps = compact(number)[:LONGUEUR_SANS_CLE]
    _verifier_caracteres(corps)
    if len(corps) != LONGUEUR_SANS_CLE:
        raise LongueurInvalide(LONGUEUR_SANS_CLE, len(corps), " sans la clé")
    if not _CORPS.fullmatch(corps):
        raise FormatInvalide(_LETTRES_MAL_PLACEES)
    return _stdnum_nir.calc_check_digits(corps)


def validate(number: str) -> str:
    """Vérifie le NIR et rend sa forme compacte, ou lève une exception ``stdnum``."""
    nir = compact(number)
    _verifier_caracteres(nir)
    if len(nir) != LONGUEUR:
        raise LongueurInvalide(LONGUEUR, len(nir), " (13 et une clé de 2 chiffres)")
    if not _CORPS.fullmatch(nir[:LONGUEUR_SANS_CLE]):
        raise FormatInvalide(_LETTRES_MAL_PLACEES)
    if nir[0] not in PREMIERS_CHIFFRES_ADMIS:
        raise ComposanteInvalide(
            "le premier chiffre doit être 1 ou 2 (sexe), 3 ou 4 (personne étrangère en "
            "cours d'immatriculation), 7 ou 8 (numéro provisoire)."
        )
    attendue = calc_check_digits(nir)
    if nir[LONGUEUR_SANS_CLE:] != attendue:
        raise CleInvalide(nir[LONGUEUR_SANS_CLE:], attendue)
    return _stdnum_nir.validate(nir)


def is_valid(number: str) -> bool:
    """Vrai si ``validate`` accepte le numéro."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str, separator: str = " ") -> str:
    """Présentation usuelle : « 1 85 05 78 006 084 91 »."""
    return _stdnum_nir.format(compact(number), separator)
