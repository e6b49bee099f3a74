"""Montants en centimes entiers : affichage, saisie et règle d'arrondi du projet.

Tout montant du domaine est un ``int`` de centimes d'euro ; les ``float`` sont refusés.
L'affichage suit la convention française de CLDR (locale ``fr_FR``, comme Babel) :
espace fine insécable (U+202F) entre les milliers, virgule décimale, espace insécable
(U+00A0) avant le symbole €.

Règle d'arrondi du projet : au centime le plus proche, un demi-centime s'arrondissant en
s'éloignant de zéro (``decimal.ROUND_HALF_UP``). Elle s'applique à toute conversion d'un
montant décimal et à tout calcul de taux (part obligatoire, ticket modérateur…).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

__all__ = [
    "MontantInvalide",
    "appliquer_taux",
    "centimes_depuis_decimal",
    "format_euros",
    "parse_euros",
]

ESPACE_FINE_INSECABLE = "\u202f"
ESPACE_INSECABLE = "\u00a0"
_ESPACES = " " + ESPACE_INSECABLE + ESPACE_FINE_INSECABLE

_MONTANT = re.compile(
    rf"""
    (?P<signe>[-+\u2212]?)
    (?P<entier>[0-9]{{1,3}}(?:[{_ESPACES}][0-9]{{3}})+|[0-9]+)
    (?:[.,](?P<decimales>[0-9]+))?
    """,
    re.VERBOSE,
)


class MontantInvalide(ValueError):
    """Texte ou valeur qui ne peut pas être lu comme un montant en euros."""


def _verifier_centimes(centimes: int) -> None:
    if isinstance(centimes, bool) or not isinstance(centimes, int):
        raise TypeError(
            f"Un montant doit être un nombre entier de centimes, pas {type(centimes).__name__}."
        )


def format_euros(centimes: int) -> str:
    """Affiche un montant en centimes à la française : 123456 -> « 1 234,56 € ».

    Séparateurs de CLDR ``fr_FR`` (ceux de Babel) : U+202F pour les milliers, U+00A0
    avant « € » ; le signe moins est le trait d'union ASCII.
    """
    _verifier_centimes(centimes)
    signe = "-" if centimes < 0 else ""
    euros, reste = divmod(abs(centimes), 100)
    entier = f"{euros:,}".replace(",", ESPACE_FINE_INSECABLE)
    return f"{signe}{entier},{reste:02d}{ESPACE_INSECABLE}€"


def parse_euros(texte: str) -> int:
    """Lit un montant saisi en euros et le rend en centimes : « 1 234,56 € » -> 123456.

    Accepte la virgule ou le point décimal (deux décimales au plus), des espaces
    ordinaires, insécables ou fines insécables entre groupes de trois chiffres, un signe
    et le symbole « € » final. Tout autre texte lève ``MontantInvalide``.
    """
    nettoye = texte.strip(_ESPACES + "\t\n\r")
    if nettoye.endswith("€"):
        nettoye = nettoye[:-1].rstrip(_ESPACES)
    correspondance = _MONTANT.fullmatch(nettoye)
    if correspondance is None:
        raise MontantInvalide(
            f"Montant invalide : « {texte} ». Saisissez par exemple 1 234,56 ou 1234.56."
        )
    decimales = correspondance["decimales"] or ""
    if len(decimales) > 2:
        raise MontantInvalide(
            f"Montant invalide : « {texte} » a plus de deux chiffres après la virgule."
        )
    entier = int(re.sub(f"[{_ESPACES}]", "", correspondance["entier"]))
    centimes = entier * 100 + int(decimales.ljust(2, "0"))
    return -centimes if correspondance["signe"] in ("-", "\u2212") else centimes


def _arrondir_au_centime(valeur_en_centimes: Decimal) -> int:
    return int(valeur_en_centimes.to_integral_value(rounding=ROUND_HALF_UP))


def _precision_exacte(*valeurs: Decimal) -> int:
    """Précision qui garde exacts le produit de ces valeurs et son décalage de virgule."""
    return 28 + sum(len(valeur.as_tuple().digits) for valeur in valeurs)


def centimes_depuis_decimal(valeur: Decimal) -> int:
    """Convertit des euros décimaux en centimes selon la règle d'arrondi du projet.

    Demi-centime arrondi en s'éloignant de zéro (``ROUND_HALF_UP``) : 0,005 -> 1 centime,
    -0,005 -> -1 centime. Les ``float`` sont refusés (valeur binaire inexacte).
    """
    if not isinstance(valeur, Decimal):
        raise TypeError(f"Un montant décimal doit être un Decimal, pas {type(valeur).__name__}.")
    if not valeur.is_finite():
        raise MontantInvalide(f"Montant invalide : « {valeur} » n'est pas un nombre fini.")
    with localcontext() as contexte:
        contexte.prec = _precision_exacte(valeur)
        return _arrondir_au_centime(valeur.scaleb(2))


def appliquer_taux(montant: int, taux_pourcent: Decimal | int) -> int:
    """Applique un taux en pourcentage à un montant en centimes, arrondi selon la règle du projet.

    Exemple : 60 % de 315 centimes -> 189 ; 70 % de 315 -> 220,5 -> 221 (``ROUND_HALF_UP``,
    demi-centime arrondi en s'éloignant de zéro, donc 70 % de -315 -> -221).
    """
    _verifier_centimes(montant)
    if isinstance(taux_pourcent, bool) or not isinstance(taux_pourcent, Decimal | int):
        raise TypeError(
            f"Un taux doit être un Decimal ou un entier, pas {type(taux_pourcent).__name__}."
        )
    taux = Decimal(taux_pourcent)
    if not taux.is_finite():
        raise ValueError(f"Taux invalide : « {taux_pourcent} » n'est pas un nombre fini.")
    montant_decimal = Decimal(montant)
    with localcontext() as contexte:
        contexte.prec = _precision_exacte(montant_decimal, taux)
        return _arrondir_au_centime((montant_decimal * taux).scaleb(-2))
