"""Montants en centimes : affichage français, saisie, règle d'arrondi."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rejets.domain.money import (
    MontantInvalide,
    appliquer_taux,
    centimes_depuis_decimal,
    format_euros,
    parse_euros,
)

NNBSP = "\u202f"
NBSP = "\u00a0"

centimes = st.integers(min_value=-(10**18), max_value=10**18)
taux = st.one_of(
    st.integers(min_value=0, max_value=200),
    st.decimals(min_value=0, max_value=200, places=2, allow_nan=False, allow_infinity=False),
)


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        (123456, f"1{NNBSP}234,56{NBSP}€"),
        (0, f"0,00{NBSP}€"),
        (5, f"0,05{NBSP}€"),
        (100, f"1,00{NBSP}€"),
        (99999, f"999,99{NBSP}€"),
        (100000, f"1{NNBSP}000,00{NBSP}€"),
        (123456789012, f"1{NNBSP}234{NNBSP}567{NNBSP}890,12{NBSP}€"),
        (-123456, f"-1{NNBSP}234,56{NBSP}€"),
        (-5, f"-0,05{NBSP}€"),
    ],
)
def test_format_euros(valeur: int, attendu: str) -> None:
    assert format_euros(valeur) == attendu


@pytest.mark.parametrize("valeur", [1.5, Decimal("1.50"), True, "150"])
def test_format_euros_refuse_ce_qui_n_est_pas_des_centimes(valeur: object) -> None:
    with pytest.raises(TypeError):
        format_euros(valeur)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("1 234,56", 123456),
        ("1234.56", 123456),
        ("1234,56", 123456),
        ("1 234,56 €", 123456),
        ("1 234,56€", 123456),
        (f"1{NBSP}234,56{NBSP}€", 123456),
        (f"1{NNBSP}234,56{NBSP}€", 123456),
        ("12", 1200),
        ("12 €", 1200),
        ("-3,5", -350),
        ("3,5", 350),
        ("0,05", 5),
        ("+7,10", 710),
        ("\u22122,00", -200),
        ("  42,1  ", 4210),
        ("1 000 000", 100000000),
        ("0", 0),
        ("-0,00", 0),
    ],
)
def test_parse_euros(texte: str, attendu: int) -> None:
    assert parse_euros(texte) == attendu


@pytest.mark.parametrize(
    "texte",
    [
        "",
        "   ",
        "€",
        "abc",
        "12,345",
        "1.234,56",
        "1,234.56",
        "12 34,56",
        "1234 567",
        "12,",
        ",50",
        "1 2",
        "3,5 EUR",
        "€ 12",
        "- 3,5",
        "--3",
        "1e3",
        "12,5,0",
        "\u0663",
    ],
)
def test_parse_euros_refuse(texte: str) -> None:
    with pytest.raises(MontantInvalide) as erreur:
        parse_euros(texte)
    assert f"« {texte} »" in str(erreur.value)
    assert str(erreur.value).startswith("Montant invalide")


def test_montant_invalide_est_une_value_error() -> None:
    with pytest.raises(ValueError, match="deux chiffres après la virgule"):
        parse_euros("1,234")


@given(centimes)
@example(0)
@example(-1)
@example(99)
@example(-100000)
def test_aller_retour_format_parse(valeur: int) -> None:
    assert parse_euros(format_euros(valeur)) == valeur


@given(st.integers())
def test_aller_retour_sans_borne(valeur: int) -> None:
    assert parse_euros(format_euros(valeur)) == valeur


@given(centimes)
def test_format_euros_forme(valeur: int) -> None:
    texte = format_euros(valeur)
    assert texte.endswith(f"{NBSP}€")
    assert texte.startswith("-") == (valeur < 0)
    entier, decimales = texte.removesuffix(f"{NBSP}€").lstrip("-").split(",")
    assert len(decimales) == 2
    groupes = entier.split(NNBSP)
    assert 1 <= len(groupes[0]) <= 3
    assert all(len(groupe) == 3 for groupe in groupes[1:])


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        (Decimal("12.34"), 1234),
        (Decimal("12.345"), 1235),
        (Decimal("12.3449"), 1234),
        (Decimal("0.005"), 1),
        (Decimal("0.0049"), 0),
        (Decimal("-0.005"), -1),
        (Decimal("-12.345"), -1235),
        (Decimal("3"), 300),
        (Decimal("1E+2"), 10000),
        (Decimal("123456789012345678901234567890.125"), 12345678901234567890123456789013),
    ],
)
def test_centimes_depuis_decimal(valeur: Decimal, attendu: int) -> None:
    assert centimes_depuis_decimal(valeur) == attendu


@pytest.mark.parametrize("valeur", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_centimes_depuis_decimal_refuse_non_fini(valeur: Decimal) -> None:
    with pytest.raises(MontantInvalide):
        centimes_depuis_decimal(valeur)


def test_centimes_depuis_decimal_refuse_float() -> None:
    with pytest.raises(TypeError):
        centimes_depuis_decimal(12.34)  # type: ignore[arg-type]


@given(centimes)
def test_centimes_depuis_decimal_exact(valeur: int) -> None:
    assert centimes_depuis_decimal(Decimal(valeur).scaleb(-2)) == valeur


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_centimes_depuis_decimal_au_plus_proche(valeur: Decimal) -> None:
    resultat = centimes_depuis_decimal(valeur)
    exact = Fraction(valeur) * 100
    assert abs(resultat - exact) <= Fraction(1, 2)
    if abs(resultat - exact) == Fraction(1, 2):
        assert abs(resultat) > abs(exact)


@pytest.mark.parametrize(
    ("montant", "pourcent", "attendu"),
    [
        (315, 60, 189),
        (315, 70, 221),
        (-315, 70, -221),
        (315, Decimal("70"), 221),
        (1000, Decimal("33.33"), 333),
        (1, 50, 1),
        (1, Decimal("49.99"), 0),
        (2550, 100, 2550),
        (2550, 0, 0),
        (0, 60, 0),
        (10**30, 60, 6 * 10**29),
    ],
)
def test_appliquer_taux(montant: int, pourcent: Decimal | int, attendu: int) -> None:
    assert appliquer_taux(montant, pourcent) == attendu


@pytest.mark.parametrize("pourcent", [60.0, True, "60"])
def test_appliquer_taux_refuse_les_taux_mal_types(pourcent: object) -> None:
    with pytest.raises(TypeError):
        appliquer_taux(315, pourcent)  # type: ignore[arg-type]


def test_appliquer_taux_refuse_un_montant_decimal() -> None:
    with pytest.raises(TypeError):
        appliquer_taux(Decimal("3.15"), 60)  # type: ignore[arg-type]


def test_appliquer_taux_refuse_un_taux_non_fini() -> None:
    with pytest.raises(ValueError, match="Taux invalide"):
        appliquer_taux(315, Decimal("NaN"))


@given(centimes, taux)
def test_appliquer_taux_arrondi_au_plus_proche(montant: int, pourcent: Decimal | int) -> None:
    resultat = appliquer_taux(montant, pourcent)
    exact = Fraction(montant) * Fraction(pourcent) / 100
    assert abs(resultat - exact) <= Fraction(1, 2)
    if abs(resultat - exact) == Fraction(1, 2):
        assert abs(resultat) > abs(exact)


@given(centimes, taux)
def test_appliquer_taux_symetrique(montant: int, pourcent: Decimal | int) -> None:
    assert appliquer_taux(-montant, pourcent) == -appliquer_taux(montant, pourcent)


@given(centimes)
def test_appliquer_taux_bornes(montant: int) -> None:
    assert appliquer_taux(montant, 100) == montant
    assert appliquer_taux(montant, 0) == 0
