"""Forclusion des prestations (L.332-1 CSS) : deux ans après le trimestre suivant les soins."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rejets.domain.delais import (
    DUREE_PRESCRIPTION_ANNEES,
    date_forclusion,
    date_limite_envoi,
    dernier_jour_utile,
    est_forclos,
    jours_avant_forclusion,
    soins_forclos_avant,
)

dates_soins = st.dates(min_value=date(1950, 1, 1), max_value=date(9000, 12, 31))
durees = st.integers(min_value=1, max_value=50)


def ajouter_mois(jour: date, mois: int) -> date:
    """Ajoute des mois civils ; un jour qui n'existe pas devient le dernier du mois."""
    index = jour.year * 12 + jour.month - 1 + mois
    annee, mois_cible = divmod(index, 12)
    dernier = calendar.monthrange(annee, mois_cible + 1)[1]
    return date(annee, mois_cible + 1, min(jour.day, dernier))


@pytest.mark.parametrize(
    ("soins", "forclusion"),
    [
        (date(2024, 2, 15), date(2026, 4, 1)),
        (date(2024, 1, 1), date(2026, 4, 1)),
        (date(2024, 3, 31), date(2026, 4, 1)),
        (date(2024, 4, 1), date(2026, 7, 1)),
        (date(2024, 6, 30), date(2026, 7, 1)),
        (date(2024, 7, 1), date(2026, 10, 1)),
        (date(2024, 9, 30), date(2026, 10, 1)),
        (date(2024, 10, 1), date(2027, 1, 1)),
        (date(2024, 12, 31), date(2027, 1, 1)),
        (date(2024, 2, 29), date(2026, 4, 1)),
        (date(2023, 12, 31), date(2026, 1, 1)),
        (date(2025, 1, 1), date(2027, 4, 1)),
    ],
)
def test_date_forclusion(soins: date, forclusion: date) -> None:
    assert date_forclusion(soins) == forclusion


@pytest.mark.parametrize(
    ("soins", "annees", "forclusion"),
    [
        (date(2024, 2, 15), 1, date(2025, 4, 1)),
        (date(2024, 2, 29), 4, date(2028, 4, 1)),
        (date(2024, 11, 30), 3, date(2028, 1, 1)),
    ],
)
def test_date_forclusion_duree_parametrable(soins: date, annees: int, forclusion: date) -> None:
    assert date_forclusion(soins, annees=annees) == forclusion


def test_duree_par_defaut_deux_ans() -> None:
    assert DUREE_PRESCRIPTION_ANNEES == 2
    assert date_forclusion(date(2024, 5, 10)) == date_forclusion(date(2024, 5, 10), annees=2)


@pytest.mark.parametrize("annees", [0, -1])
def test_duree_nulle_ou_negative_refusee(annees: int) -> None:
    with pytest.raises(ValueError, match="au moins un an"):
        date_forclusion(date(2024, 2, 15), annees=annees)


@pytest.mark.parametrize("annees", [True, 2.0, "2"])
def test_duree_non_entiere_refusee(annees: object) -> None:
    with pytest.raises(TypeError):
        date_forclusion(date(2024, 2, 15), annees=annees)  # type: ignore[arg-type]


def test_datetime_refuse() -> None:
    with pytest.raises(TypeError, match="date_soins"):
        date_forclusion(datetime(2024, 2, 15, 10, 30))
    with pytest.raises(TypeError, match="aujourd_hui"):
        jours_avant_forclusion(date(2024, 2, 15), datetime(2026, 3, 31, 23, 59))


def test_dernier_jour_utile() -> None:
    assert dernier_jour_utile(date(2024, 2, 15)) == date(2026, 3, 31)
    assert dernier_jour_utile(date(2024, 12, 31)) == date(2026, 12, 31)
    assert dernier_jour_utile(date(2023, 11, 2)) == date(2025, 12, 31)
    assert dernier_jour_utile(date(2024, 2, 15), annees=1) == date(2025, 3, 31)


@pytest.mark.parametrize(
    ("aujourd_hui", "jours", "forclos"),
    [
        (date(2024, 2, 15), 776, False),
        (date(2026, 3, 30), 2, False),
        (date(2026, 3, 31), 1, False),
        (date(2026, 4, 1), 0, True),
        (date(2026, 4, 2), -1, True),
        (date(2027, 4, 1), -365, True),
    ],
)
def test_jours_et_forclusion_autour_du_terme(aujourd_hui: date, jours: int, forclos: bool) -> None:
    soins = date(2024, 2, 15)
    assert jours_avant_forclusion(soins, aujourd_hui) == jours
    assert est_forclos(soins, aujourd_hui) is forclos


def test_annees_transmises_aux_jours_et_a_la_forclusion() -> None:
    soins = date(2024, 2, 15)
    assert jours_avant_forclusion(soins, date(2025, 3, 31), annees=1) == 1
    assert est_forclos(soins, date(2025, 4, 1), annees=1)
    assert not est_forclos(soins, date(2025, 4, 1), annees=2)


@given(dates_soins, durees)
def test_forclusion_un_premier_de_trimestre(soins: date, annees: int) -> None:
    forclusion = date_forclusion(soins, annees=annees)
    assert forclusion.day == 1
    assert forclusion.month in (1, 4, 7, 10)


@given(dates_soins, durees)
def test_forclusion_entre_n_ans_et_n_ans_trois_mois(soins: date, annees: int) -> None:
    forclusion = date_forclusion(soins, annees=annees)
    assert forclusion > ajouter_mois(soins, 12 * annees)
    assert forclusion <= ajouter_mois(soins, 12 * annees + 3)


@given(dates_soins, dates_soins, durees)
def test_forclusion_croissante(premiere: date, seconde: date, annees: int) -> None:
    avant, apres = sorted((premiere, seconde))
    assert date_forclusion(avant, annees=annees) <= date_forclusion(apres, annees=annees)


@given(dates_soins, durees)
def test_meme_trimestre_meme_forclusion(soins: date, annees: int) -> None:
    debut_trimestre = date(soins.year, (soins.month - 1) // 3 * 3 + 1, 1)
    assert date_forclusion(soins, annees=annees) == date_forclusion(debut_trimestre, annees=annees)
    if debut_trimestre > date(1950, 1, 1):
        veille = debut_trimestre - timedelta(days=1)
        assert date_forclusion(veille, annees=annees) < date_forclusion(soins, annees=annees)


@given(dates_soins, st.dates(), durees)
def test_jours_et_forclos_coherents(soins: date, aujourd_hui: date, annees: int) -> None:
    jours = jours_avant_forclusion(soins, aujourd_hui, annees=annees)
    forclusion = date_forclusion(soins, annees=annees)
    assert aujourd_hui + timedelta(days=jours) == forclusion
    assert est_forclos(soins, aujourd_hui, annees=annees) == (aujourd_hui >= forclusion)
    assert est_forclos(soins, aujourd_hui, annees=annees) == (jours <= 0)


@given(dates_soins, durees)
def test_dernier_jour_utile_recevable_lendemain_forclos(soins: date, annees: int) -> None:
    dernier = dernier_jour_utile(soins, annees=annees)
    assert not est_forclos(soins, dernier, annees=annees)
    assert jours_avant_forclusion(soins, dernier, annees=annees) == 1
    assert est_forclos(soins, dernier + timedelta(days=1), annees=annees)


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    st.dates(min_value=date(1993, 1, 1), max_value=date(2095, 12, 31)),
)
def test_soins_forclos_avant_est_la_frontiere_de_est_forclos(soins, aujourd_hui):
    assert (soins < soins_forclos_avant(aujourd_hui)) == est_forclos(soins, aujourd_hui)


def test_date_limite_envoi_en_jours_ouvres():
    vendredi = date(2026, 11, 20)
    assert date_limite_envoi(vendredi, tiers_payant=False) == date(2026, 11, 25)
    assert date_limite_envoi(vendredi, tiers_payant=True) == date(2026, 12, 2)
    assert date_limite_envoi(
        date(2026, 12, 24), tiers_payant=False, feries=frozenset({date(2026, 12, 25)})
    ) == date(2026, 12, 30)
