"""NIR, RPPS et FINESS : formes valides, erreurs détaillées, messages en français."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.fr import nir as stdnum_nir

from rejets.domain.identifiants import (
    CleInvalide,
    ComposanteInvalide,
    FormatInvalide,
    LongueurInvalide,
    expliquer,
    finess,
    nir,
    rpps,
)

CHIFFRES = "0123456789"

# Numéros réels du fichier d'exemple du flux FINESS de l'ANS (github.com/ansforge/finess).
FINESS_DU_FICHIER_EXEMPLE_ANS = ["010000016", "010000156", "010780195", "010000164", "010787190"]


def cle_nir_selon_la_regle(corps: str) -> str:
    """Clé recalculée ici depuis la règle publiée, sans passer par le code testé."""
    departement = {"2A": "19", "2B": "18"}.get(corps[5:7], corps[5:7])
    return f"{97 - int(corps[:5] + departement + corps[7:]) % 97:02d}"


corps_nir = st.builds(
    lambda premier, naissance, departement, reste: premier + naissance + departement + reste,
    st.sampled_from("123478"),
    st.text(CHIFFRES, min_size=4, max_size=4),
    st.one_of(st.text(CHIFFRES, min_size=2, max_size=2), st.sampled_from(["2A", "2B"])),
    st.text(CHIFFRES, min_size=6, max_size=6),
)


@pytest.mark.parametrize("module", [nir, rpps, finess])
def test_exemples_des_docstrings(module: ModuleType) -> None:
    resultat = doctest.testmod(module)
    assert resultat.attempted > 0
    assert resultat.failed == 0


# NIR


@pytest.mark.parametrize(
    ("saisie", "compact"),
    [
        ("2 95 10 99 126 111 93", "295109912611193"),
        ("295109912611193", "295109912611193"),
        ("2.95.10.99.126.111.93", "295109912611193"),
        ("2-95-10-99-126-111-93", "295109912611193"),
        ("2\u00a095\u202f10 99 126 111 93", "295109912611193"),
        ("253072b07300470", "253072B07300470"),
        ("253072A07300443", "253072A07300443"),
        ("1 85 05 78 006 084 91", "185057800608491"),
    ],
)
def test_nir_valides(saisie: str, compact: str) -> None:
    assert nir.validate(saisie) == compact
    assert nir.is_valid(saisie)
    assert nir.compact(saisie) == compact


def test_nir_format() -> None:
    assert nir.format("185057800608491") == "1 85 05 78 006 084 91"
    assert nir.format("253072A07300443") == "2 53 07 2A 073 004 43"
    assert nir.format("185057800608491", separator="") == "185057800608491"


def test_nir_mauvaise_cle() -> None:
    with pytest.raises(CleInvalide) as erreur:
        nir.validate("1 85 05 78 006 084 36")
    assert (erreur.value.trouvee, erreur.value.attendue) == ("36", "91")
    assert isinstance(erreur.value, InvalidChecksum)
    assert not nir.is_valid("185057800608436")


@pytest.mark.parametrize(("saisie", "longueur"), [("1850578006084", 13), ("1850578006084911", 16)])
def test_nir_mauvaise_longueur(saisie: str, longueur: int) -> None:
    with pytest.raises(LongueurInvalide) as erreur:
        nir.validate(saisie)
    assert (erreur.value.attendue, erreur.value.recue) == (15, longueur)
    assert isinstance(erreur.value, InvalidLength)


@pytest.mark.parametrize(
    "saisie",
    ["18505780060849X", "1850578006084é1", "185057A00608491", "A85057800608491", "1850529006084٣1"],
)
def test_nir_lettres_refusees(saisie: str) -> None:
    with pytest.raises(FormatInvalide):
        nir.validate(saisie)
    assert not nir.is_valid(saisie)


@pytest.mark.parametrize("premier", "05669")
def test_nir_premier_chiffre_inconnu(premier: str) -> None:
    corps = premier + "850578006084"
    numero = corps + cle_nir_selon_la_regle(corps)
    assert stdnum_nir.is_valid(numero)
    with pytest.raises(ComposanteInvalide):
        nir.validate(numero)


@pytest.mark.parametrize("premier", "123478")
def test_nir_premiers_chiffres_admis(premier: str) -> None:
    corps = premier + "850578006084"
    assert nir.is_valid(corps + cle_nir_selon_la_regle(corps))


def test_nir_corse_2a_2b() -> None:
    corps_2a = "185052A006084"
    corps_2b = "185052B006084"
    cle_2a = f"{97 - int('18505' + '19' + '006084') % 97:02d}"
    cle_2b = f"{97 - int('18505' + '18' + '006084') % 97:02d}"
    assert cle_2a != cle_2b
    assert nir.calc_check_digits(corps_2a) == cle_2a
    assert nir.calc_check_digits(corps_2b) == cle_2b
    for numero in (corps_2a + cle_2a, corps_2b + cle_2b):
        assert nir.validate(numero) == numero
        assert stdnum_nir.validate(numero) == numero
    for numero in (corps_2a + cle_2b, corps_2b + cle_2a):
        with pytest.raises(CleInvalide):
            nir.validate(numero)
        with pytest.raises(InvalidChecksum):
            stdnum_nir.validate(numero)


def test_nir_corse_avant_1976_departement_20() -> None:
    corps = "1650520006084"
    assert nir.is_valid(corps + cle_nir_selon_la_regle(corps))


def test_nir_calc_check_digits_refuse_un_corps_invalide() -> None:
    with pytest.raises(LongueurInvalide):
        nir.calc_check_digits("18505780060")
    with pytest.raises(FormatInvalide):
        nir.calc_check_digits("185052C006084")


@given(corps_nir)
def test_nir_corps_plus_cle_calculee_valide(corps: str) -> None:
    cle = nir.calc_check_digits(corps)
    assert cle == cle_nir_selon_la_regle(corps)
    assert nir.validate(corps + cle) == corps + cle
    assert stdnum_nir.is_valid(corps + cle)


@given(corps_nir, st.integers(min_value=0, max_value=99))
def test_nir_toute_autre_cle_refusee(corps: str, autre: int) -> None:
    cle = nir.calc_check_digits(corps)
    autre_cle = f"{autre:02d}"
    assume(autre_cle != cle)
    with pytest.raises(CleInvalide) as erreur:
        nir.validate(corps + autre_cle)
    assert erreur.value.attendue == cle
    assert not stdnum_nir.is_valid(corps + autre_cle)


@given(corps_nir, st.integers(min_value=0, max_value=99))
def test_nir_jamais_cite_dans_le_message(corps: str, autre: int) -> None:
    numero = corps + f"{autre:02d}"
    try:
        nir.validate(numero)
    except ValidationError as erreur:
        message = expliquer(erreur, "nir")
        assert corps not in message
        assert corps[:7] not in message
        assert expliquer(erreur, "nir", valeur_affichee=numero).count(numero) == 1


# RPPS


def test_rpps_valide() -> None:
    numero = "1000000000" + luhn.calc_check_digit("1000000000")
    assert rpps.validate(numero) == numero
    assert rpps.validate(" 10000 00000 9 ") == "10000000009"
    assert rpps.format("1000-000-000-9") == "10000000009"
    assert rpps.calc_check_digit("1000000000") == "9"


def test_rpps_mauvaise_cle() -> None:
    with pytest.raises(CleInvalide) as erreur:
        rpps.validate("10000000008")
    assert (erreur.value.trouvee, erreur.value.attendue) == ("8", "9")


@pytest.mark.parametrize(
    ("saisie", "exception"),
    [
        ("1000000000", LongueurInvalide),
        ("100000000091", LongueurInvalide),
        ("", LongueurInvalide),
        ("1000000000A", FormatInvalide),
        ("10000000٠09", FormatInvalide),
    ],
)
def test_rpps_invalides(saisie: str, exception: type[ValidationError]) -> None:
    with pytest.raises(exception):
        rpps.validate(saisie)
    assert not rpps.is_valid(saisie)


@given(st.text(CHIFFRES, min_size=10, max_size=10), st.sampled_from(CHIFFRES))
def test_rpps_seule_la_cle_de_luhn_passe(corps: str, chiffre: str) -> None:
    cle = rpps.calc_check_digit(corps)
    assert luhn.is_valid(corps + cle)
    assert rpps.is_valid(corps + chiffre) == (chiffre == cle)


# FINESS


@pytest.mark.parametrize("numero", FINESS_DU_FICHIER_EXEMPLE_ANS)
def test_finess_publies_valides(numero: str) -> None:
    assert finess.validate(numero) == numero
    assert not finess.est_corse(numero)


def test_finess_mauvaise_cle() -> None:
    with pytest.raises(CleInvalide) as erreur:
        finess.validate("010780194")
    assert (erreur.value.trouvee, erreur.value.attendue) == ("4", "5")


@pytest.mark.parametrize(
    ("saisie", "exception"),
    [
        ("01078019", LongueurInvalide),
        ("0107801955", LongueurInvalide),
        ("01078019X", FormatInvalide),
        ("2C0000014", FormatInvalide),
        ("A20000014", FormatInvalide),
        ("0A0000014", FormatInvalide),
        ("2A000A014", FormatInvalide),
    ],
)
def test_finess_invalides(saisie: str, exception: type[ValidationError]) -> None:
    with pytest.raises(exception):
        finess.validate(saisie)
    assert not finess.is_valid(saisie)


def test_finess_corse_regle_retenue() -> None:
    assert not finess.CLE_CORSE_CONFIRMEE
    for departement in ("2A", "2B", "2a"):
        corps = departement + "000001"
        cle = luhn.calc_check_digit("2000001")
        assert finess.calc_check_digit(corps) == cle
        assert finess.validate(corps + cle) == corps.upper() + cle
        assert finess.est_corse(corps + cle)
        mauvaise = str((int(cle) + 1) % 10)
        with pytest.raises(CleInvalide):
            finess.validate(corps + mauvaise)


@given(
    st.one_of(st.text(CHIFFRES, min_size=2, max_size=2), st.sampled_from(["2A", "2B"])),
    st.text(CHIFFRES, min_size=6, max_size=6),
    st.sampled_from(CHIFFRES),
)
def test_finess_une_seule_cle_par_corps(departement: str, ordre: str, chiffre: str) -> None:
    corps = departement + ordre
    cle = finess.calc_check_digit(corps)
    assert finess.is_valid(corps + chiffre) == (chiffre == cle)
    if not finess.est_corse(corps):
        assert luhn.is_valid(corps + cle)


# Messages


@pytest.mark.parametrize(
    ("erreur", "identifiant", "message"),
    [
        (
            CleInvalide("36", "37"),
            "nir",
            "NIR invalide : la clé 36 ne correspond pas (attendue 37).",
        ),
        (
            LongueurInvalide(15, 13, " (13 et une clé de 2 chiffres)"),
            "NIR",
            "NIR invalide : il faut 15 caractères (13 et une clé de 2 chiffres), il y en a 13.",
        ),
        (
            LongueurInvalide(11, 10),
            "rpps",
            "Numéro RPPS invalide : il faut 11 caractères, il y en a 10.",
        ),
        (
            FormatInvalide("seuls des chiffres sont autorisés."),
            "finess",
            "Numéro FINESS invalide : seuls des chiffres sont autorisés.",
        ),
        (
            ComposanteInvalide("le premier chiffre doit être 1 ou 2."),
            "nir",
            "NIR invalide : le premier chiffre doit être 1 ou 2.",
        ),
        (InvalidChecksum(), "nir", "NIR invalide : la clé de contrôle ne correspond pas."),
        (
            InvalidLength(),
            "N° AM",
            "N° AM invalide : le nombre de caractères n'est pas le bon.",
        ),
        (
            InvalidFormat(),
            "rpps",
            "Numéro RPPS invalide : il contient des caractères non autorisés ou mal placés.",
        ),
        (
            InvalidComponent(),
            "finess",
            "Numéro FINESS invalide : une partie du numéro n'existe pas.",
        ),
        (ValidationError(), "nir", "NIR invalide : le numéro n'est pas reconnu."),
    ],
)
def test_expliquer(erreur: ValidationError, identifiant: str, message: str) -> None:
    assert expliquer(erreur, identifiant) == message


def test_expliquer_avec_valeur_affichee() -> None:
    assert (
        expliquer(CleInvalide("8", "9"), "rpps", valeur_affichee="10000000008")
        == "Numéro RPPS invalide (« 10000000008 ») : la clé 8 ne correspond pas (attendue 9)."
    )


@pytest.mark.parametrize(
    ("module", "saisie", "debut"),
    [
        (nir, "185057800608436", "NIR invalide : la clé 36"),
        (nir, "18505780060843", "NIR invalide : il faut 15 caractères"),
        (nir, "18505780060843X", "NIR invalide : seuls des chiffres"),
        (nir, "585057800608491", "NIR invalide : le premier chiffre"),
        (rpps, "10000000008", "Numéro RPPS invalide : la clé 8"),
        (finess, "2C0000014", "Numéro FINESS invalide : seuls des chiffres"),
        (finess, "0A0000014", "Numéro FINESS invalide : les lettres A et B"),
    ],
)
def test_expliquer_les_erreurs_de_validate(module: ModuleType, saisie: str, debut: str) -> None:
    with pytest.raises(ValidationError) as erreur:
        module.validate(saisie)
    message = expliquer(erreur.value, module.__name__.rsplit(".", 1)[-1])
    assert message.startswith(debut)
    assert saisie not in message
    assert "number" not in message
