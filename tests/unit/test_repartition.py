"""Répartition AMO / AMC / assuré selon nature d'assurance, exonération, contrat et tiers payant."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rejets.domain.money import appliquer_taux
from rejets.domain.repartition import (
    CouvertureAmc,
    NatureAssurance,
    RepartitionInvalide,
    TiersPayant,
    appliquer_pourcentage,
    repartir,
    taux_amo,
)

LE = date(2025, 3, 11)


def test_auxiliaire_medical_60_pour_cent() -> None:
    """ameli [A] (DOMAIN.md §7) : actes des auxiliaires médicaux remboursés à 60 %."""
    r = repartir([315], nature_assurance="10", exoneration="0", le=LE)
    assert (r.total, r.amo, r.amc, r.assure) == (315, 189, 0, 126)
    assert r.taux_amo == 60
    assert "auxiliaire médical" in r.motif_taux
    assert "ameli" in r.source_taux


@pytest.mark.parametrize(
    ("nature", "exoneration"),
    [("10", "4"), ("10", "3"), ("10", "9"), ("10", "8"), ("30", "0"), ("41", "0"), ("90", "0")],
)
def test_exoneration_100_pour_cent(nature: str, exoneration: str) -> None:
    """ameli [A] : 100 % en cas d'exonération (ALD, maternité, AT/MP, prévention…)."""
    r = repartir([315, 275], nature_assurance=nature, exoneration=exoneration, le=LE)
    assert (r.amo, r.assure, r.taux_amo) == (590, 0, 100)
    assert "exonéré" in r.motif_taux


def test_taux_des_droits() -> None:
    """Sans exonération, le taux des droits du patient prime sur le taux par défaut."""
    r = repartir([1000], nature_assurance="13", exoneration="0", le=LE, taux_droits=90)
    assert (r.amo, r.assure) == (900, 100)
    assert "droits" in r.motif_taux


def test_alsace_moselle_sans_taux_refuse() -> None:
    """Régime local : aucun taux par défaut n'est sourcé, il doit venir des droits."""
    with pytest.raises(RepartitionInvalide, match="Alsace-Moselle"):
        repartir([1000], nature_assurance=NatureAssurance.ALSACE_MOSELLE, exoneration="0", le=LE)


def test_amc_couvre_le_ticket_moderateur() -> None:
    """DOMAIN.md §2 : part AMC = ticket modérateur × couverture du contrat (100 % par défaut)."""
    pleine = repartir(
        [630, 158], nature_assurance="10", exoneration="0", le=LE, amc=CouvertureAmc()
    )
    assert (pleine.total, pleine.amo, pleine.amc, pleine.assure) == (788, 473, 315, 0)
    moitie = repartir(
        [630, 158],
        nature_assurance="10",
        exoneration="0",
        le=LE,
        amc=CouvertureAmc(Decimal(50)),
    )
    assert (moitie.amc, moitie.assure) == (158, 157)


def test_arrondi_par_ligne() -> None:
    """Part AMO arrondie ligne par ligne (chaque prestation de la FSE porte sa part), demi-
    centime vers le haut (money) : 2 lignes de 1 centime à 50 % → 1 + 1."""
    r = repartir([1, 1], nature_assurance="10", exoneration="0", le=LE, taux_droits=50)
    assert r.amo == 2
    assert r.assure == 0


@pytest.mark.parametrize(
    ("mode", "demandes"),
    [
        (TiersPayant.AUCUN, (0, 0, 788)),
        (TiersPayant.AMO, (473, 0, 315)),
        (TiersPayant.AMO_AMC, (473, 315, 0)),
        ("amo_amc", (473, 315, 0)),
    ],
)
def test_mode_de_tiers_payant(mode: TiersPayant | str, demandes: tuple[int, int, int]) -> None:
    """DOMAIN.md §1–2 : ce que le cabinet demande à la caisse, à la mutuelle (DRE), et
    encaisse auprès du patient."""
    r = repartir(
        [630, 158],
        nature_assurance="10",
        exoneration="0",
        le=LE,
        amc=CouvertureAmc(),
        tiers_payant=mode,
    )
    assert (r.demande_amo, r.demande_amc, r.a_encaisser_patient) == demandes
    assert (r.amo, r.amc, r.assure) == (473, 315, 0)


@pytest.mark.parametrize(
    ("arguments", "attendu"),
    [
        ({"tiers_payant": "amo_amc"}, "sans contrat complémentaire"),
        ({"tiers_payant": "tout"}, "Mode de tiers payant inconnu"),
        ({"nature_assurance": "11"}, "Nature d'assurance inconnue"),
        ({"exoneration": ""}, "Code d'exonération invalide"),
        ({"exoneration": "44"}, "Code d'exonération invalide"),
        ({"taux_droits": 101}, "Le taux de remboursement"),
        ({"taux_droits": True}, "Le taux de remboursement"),
        ({"amc": CouvertureAmc(Decimal(-1))}, "couverture AMC"),
        ({"amc": CouvertureAmc(Decimal("NaN"))}, "couverture AMC"),
    ],
)
def test_donnees_invalides(arguments: dict[str, object], attendu: str) -> None:
    valeurs: dict[str, object] = {"nature_assurance": "10", "exoneration": "0", "le": LE}
    valeurs.update(arguments)
    with pytest.raises(RepartitionInvalide, match=attendu):
        repartir([315], **valeurs)  # type: ignore[arg-type]


@pytest.mark.parametrize("montant", [-1, True, 3.15])
def test_montant_invalide(montant: object) -> None:
    with pytest.raises(RepartitionInvalide, match="Montant de ligne invalide"):
        repartir([montant], nature_assurance="10", exoneration="0", le=LE)  # type: ignore[list-item]


def test_taux_amo_seul() -> None:
    taux, motif, source = taux_amo("30", "0", LE)
    assert taux == 100
    assert "maternité" in motif
    assert source


@given(
    st.integers(min_value=0, max_value=10**12),
    st.one_of(
        st.integers(min_value=0, max_value=100),
        st.decimals(min_value=0, max_value=100, places=2),
    ),
)
def test_appliquer_pourcentage_egal_a_money(centimes: int, taux: int | Decimal) -> None:
    """Même règle d'arrondi que money.appliquer_taux (ROUND_HALF_UP)."""
    assert appliquer_pourcentage(centimes, Decimal(taux)) == appliquer_taux(centimes, taux)


@given(
    montants=st.lists(st.integers(min_value=0, max_value=10**7), max_size=8),
    nature=st.sampled_from(NatureAssurance),
    exoneration=st.sampled_from(["0", "3", "4", "5", "6", "7", "9"]),
    taux_droits=st.none() | st.integers(min_value=0, max_value=100),
    couverture=st.none() | st.decimals(min_value=0, max_value=100, places=2),
    mode=st.sampled_from(TiersPayant),
)
def test_les_parts_s_additionnent_toujours(
    montants: list[int],
    nature: NatureAssurance,
    exoneration: str,
    taux_droits: int | None,
    couverture: Decimal | None,
    mode: TiersPayant,
) -> None:
    """AMO + AMC + assuré = total, et demandes + encaissement = total, toujours."""
    amc = None if couverture is None else CouvertureAmc(couverture)
    try:
        r = repartir(
            montants,
            nature_assurance=nature,
            exoneration=exoneration,
            le=LE,
            taux_droits=taux_droits,
            amc=amc,
            tiers_payant=mode,
        )
    except RepartitionInvalide:
        assert (mode is TiersPayant.AMO_AMC and amc is None) or (
            nature is NatureAssurance.ALSACE_MOSELLE and exoneration == "0" and taux_droits is None
        )
        return
    assert r.amo + r.amc + r.assure == r.total == sum(montants)
    assert r.demande_amo + r.demande_amc + r.a_encaisser_patient == r.total
    assert min(r.amo, r.amc, r.assure, r.demande_amo, r.demande_amc, r.a_encaisser_patient) >= 0
    if amc is None:
        assert r.amc == 0
