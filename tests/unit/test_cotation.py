"""Moteur de cotation : art. 11B, majorations (art. 14, décision UNCAM), déplacements (art. 13)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rejets.domain.cotation import (
    Acte,
    Cotation,
    CotationInvalide,
    Lieu,
    Prescription,
    Seance,
    ZoneDeplacement,
    coter,
    est_ferie,
    montant_ligne,
)
from rejets.domain.money import centimes_depuis_decimal
from rejets.domain.tarifs import Catalogue, TarifManquant, ZoneTarifaire, catalogue_par_defaut

MARDI = date(2025, 3, 11)
DIMANCHE = date(2025, 3, 9)
SAMEDI = date(2025, 3, 8)
A_DOMICILE = Prescription(a_domicile=True)
D = Decimal


def seance(*actes: Acte, **champs: object) -> Seance:
    valeurs: dict[str, object] = {"actes": actes, "date": MARDI, "heure": time(10, 0)}
    valeurs.update(champs)
    return Seance(**valeurs)  # type: ignore[arg-type]


def ami(coefficient: str, nature: str | None = None) -> Acte:
    return Acte("AMI", D(coefficient), nature)


def lignes(cotation: Cotation) -> list[tuple[str, str, int, int]]:
    return [
        (ligne.code, str(ligne.coefficient), ligne.pourcentage, ligne.montant)
        for ligne in cotation.lignes
    ]


def codes(cotation: Cotation) -> list[str]:
    return [ligne.code for ligne in cotation.lignes]


# ------------------------------------------------------------------ article 11B


def test_acte_unique_taux_plein() -> None:
    """NGAP art. 11B : un acte seul est facturé à taux plein."""
    cotation = coter(seance(ami("1.5")))
    assert lignes(cotation)[0] == ("AMI", "1.5", 100, 473)
    assert cotation.lignes[0].decision.regle == "ngap.11b.seul"


def test_deuxieme_acte_a_50_pour_cent_les_suivants_non_factures() -> None:
    """NGAP art. 11B : le plus important à taux plein, le deuxième à 50 %, les suivants non
    facturés (CPAM, « Actes multiples au cours d'une même séance »)."""
    cotation = coter(seance(ami("1"), ami("4"), ami("2")))
    assert lignes(cotation)[:3] == [
        ("AMI", "1", 0, 0),
        ("AMI", "4", 100, 1260),
        ("AMI", "2", 50, 315),
    ]
    assert "3e acte" in cotation.lignes[0].decision.explication
    assert cotation.total == 1260 + 315 + 135 * 0


def test_classement_par_montant_entre_lettres_cles() -> None:
    """NGAP art. 11B : AIS 3 (7,95 €) passe devant AMI 2 (6,30 €) ; le classement se fait
    sur le montant, les lettres clés n'ayant pas la même valeur."""
    cotation = coter(seance(ami("2"), Acte("AIS", D(3))))
    assert [(ligne.code, ligne.pourcentage) for ligne in cotation.lignes[:2]] == [
        ("AMI", 50),
        ("AIS", 100),
    ]


def test_arrondi_du_demi_acte() -> None:
    """Arrondi de Rejets (money) : 3,15 × 1 × 50 % = 1,575 → 1,58 € ; 2,65 × 3 × 50 % =
    3,975 → 3,98 € (ROUND_HALF_UP, par ligne)."""
    cotation = coter(seance(Acte("AIS", D(4)), ami("1"), Acte("AIS", D(3))))
    assert [ligne.montant for ligne in cotation.lignes[:3]] == [1060, 0, 398]
    cotation = coter(seance(ami("2"), ami("1")))
    assert cotation.lignes[1].montant == 158


def test_perfusions_cumulees_a_taux_plein() -> None:
    """NGAP titre XVI chap. I art. 9 : les stades d'une perfusion se cumulent à taux plein ;
    le groupe compte pour un acte face aux autres (art. 11B)."""
    cotation = coter(seance(ami("3", "perfusion"), ami("3", "perfusion"), ami("1.5")))
    assert [ligne.pourcentage for ligne in cotation.lignes[:3]] == [100, 100, 50]
    assert "perfusion" in cotation.lignes[0].decision.explication
    assert "NGAP titre XVI" in cotation.lignes[0].decision.source


def test_insulino_traite_exemple_cpam() -> None:
    """NGAP titre XVI chap. II art. 5 bis, exemple CPAM : (AMI 1 + AMI 1) + AMI 1,5 / 2."""
    actes = (ami("1", "insuline"), ami("1", "insuline"), ami("1.5"))
    cotation = coter(seance(*actes, insulino_traite=True))
    assert [ligne.pourcentage for ligne in cotation.lignes[:3]] == [100, 100, 50]
    assert cotation.lignes[2].montant == montant_ligne(315, D("1.5"), 50)


def test_insulino_traite_groupe_au_second_rang() -> None:
    """Exemple CPAM : AMI 3 + (AMI 1 + AMI 1) / 2, le groupe étant le deuxième acte."""
    actes = (ami("3"), ami("1", "insuline"), ami("1", "insuline"))
    cotation = coter(seance(*actes, insulino_traite=True))
    assert [ligne.pourcentage for ligne in cotation.lignes[:3]] == [100, 50, 50]


def test_insuline_sans_patient_insulino_traite() -> None:
    """L'exception 5 bis ne vaut que pour un patient insulino-traité ; à montant égal, l'ordre
    de saisie départage."""
    cotation = coter(seance(ami("1", "insuline"), ami("1", "insuline"), ami("1.5")))
    assert [ligne.pourcentage for ligne in cotation.lignes[:3]] == [50, 0, 100]


def test_seance_de_soins_et_pansement_lourd() -> None:
    """NGAP titre XVI chap. I art. 11 : la séance de soins infirmiers se cumule avec un
    pansement lourd et complexe ; sans pansement lourd, l'art. 11B s'applique."""
    cumul = coter(seance(Acte("AIS", D(3), "seance_soins_infirmiers"), ami("4", "pansement_lourd")))
    assert [ligne.pourcentage for ligne in cumul.lignes[:2]] == [100, 100]
    seule = coter(seance(Acte("AIS", D(3), "seance_soins_infirmiers"), ami("2")))
    assert [ligne.pourcentage for ligne in seule.lignes[:2]] == [100, 50]


def test_forfaits_hors_article_11b_non_confirme() -> None:
    """Forfaits BSI et DI hors art. 11B : pratique des logiciels, non confirmée."""
    cotation = coter(seance(Acte("BSA", D(1)), ami("2"), ami("1")))
    assert [ligne.pourcentage for ligne in cotation.lignes[:3]] == [100, 100, 50]
    assert cotation.lignes[0].decision.confirme is False


def test_montant_ligne_egal_a_la_regle_du_projet() -> None:
    assert montant_ligne(315, D("1.5")) == 473
    assert montant_ligne(35, D("8.6")) == 301


@given(
    st.integers(min_value=0, max_value=10**7),
    st.decimals(min_value=D("0.01"), max_value=D(9999), places=2),
    st.sampled_from([100, 50, 0]),
)
def test_montant_ligne_arrondi_half_up(
    centimes: int, coefficient: Decimal, pourcentage: int
) -> None:
    """Règle d'arrondi de Rejets (money, ROUND_HALF_UP) appliquée au produit exact."""
    exact = D(centimes) * coefficient * pourcentage / 10000
    assert montant_ligne(centimes, coefficient, pourcentage) == centimes_depuis_decimal(exact)


# ---------------------------------------------------------------- nuit, dimanche


@pytest.mark.parametrize(
    ("heure", "appel", "attendu"),
    [
        (time(21, 30), time(20, 0), "NUIT"),
        (time(20, 0), time(19, 0), "NUIT"),
        (time(22, 59), time(22, 0), "NUIT"),
        (time(23, 0), time(22, 45), "NUIP"),
        (time(2, 0), time(1, 30), "NUIP"),
        (time(4, 59), time(4, 0), "NUIP"),
        (time(5, 0), time(4, 30), "NUIT"),
        (time(7, 59), time(6, 59), "NUIT"),
        (time(7, 59), time(7, 0), None),
        (time(8, 0), time(6, 0), None),
        (time(19, 59), time(19, 30), None),
        (time(21, 0), time(18, 59), None),
        (time(21, 0), None, None),
    ],
)
def test_majoration_de_nuit(heure: time, appel: time | None, attendu: str | None) -> None:
    """NGAP art. 14 (DOMAIN.md §7) : soins entre 20 h et 8 h (23 h–5 h : nuit profonde),
    majorés seulement si l'appel est venu entre 19 h et 7 h (bornes : [19 h, 7 h[)."""
    cotation = coter(seance(ami("1"), heure=heure, heure_appel=appel))
    nuits = [code for code in codes(cotation) if code in ("NUIT", "NUIP")]
    assert nuits == ([attendu] if attendu else [])
    if attendu is None:
        decision = cotation.decision_pour("NUIT")
        assert decision is not None
        assert decision.source.startswith("NGAP")


def test_nuit_sur_prescription() -> None:
    """NGAP art. 14 ; CE 26/07/2018 n° 409361 : prescription d'exécution de nuit."""
    cotation = coter(
        seance(ami("1"), heure=time(6, 30), prescription=Prescription(soins_de_nuit=True))
    )
    assert "NUIT" in codes(cotation)
    assert "prescription" in cotation.decision_pour("NUIT").explication  # type: ignore[union-attr]


def test_nuit_sans_heure() -> None:
    cotation = coter(seance(ami("1"), heure=None, heure_appel=time(22, 0)))
    assert "Heure des soins inconnue" in cotation.decision_pour("NUIP").explication  # type: ignore[union-attr]


def test_dimanche_justifie() -> None:
    """NGAP art. 14 : dimanche en urgence (appel) ou sur prescription d'exécution quotidienne ;
    valeur de 8,00 € non confirmée (DOMAIN.md §7)."""
    quotidienne = Prescription(execution_quotidienne=True)
    cotation = coter(seance(ami("2"), date=DIMANCHE, prescription=quotidienne))
    ligne = cotation.lignes[-1]
    assert (ligne.code, ligne.montant) == ("DIM", 800)
    assert ligne.decision.confirme is False
    assert "Valeur non confirmée" in ligne.decision.explication


def test_dimanche_non_justifie() -> None:
    cotation = coter(seance(ami("1"), date=DIMANCHE))
    assert "DIM" not in codes(cotation)
    assert "ni appel" in cotation.decision_pour("DIM").explication  # type: ignore[union-attr]


def test_jour_ferie_national() -> None:
    """Jours fériés : holidays.France (14 juillet 2025, un lundi)."""
    assert est_ferie(date(2025, 7, 14))
    cotation = coter(seance(ami("1"), date=date(2025, 7, 14), heure_appel=time(9, 0)))
    assert "DIM" in codes(cotation)
    assert "jour férié" in cotation.decision_pour("DIM").explication  # type: ignore[union-attr]


def test_jour_ferie_local_alsace_moselle() -> None:
    """holidays.France, subdivision 57 : Vendredi saint férié en Moselle seulement."""
    vendredi_saint = date(2025, 4, 18)
    national = coter(seance(ami("1"), date=vendredi_saint, heure_appel=time(9, 0)))
    moselle = coter(seance(ami("1"), date=vendredi_saint, heure_appel=time(9, 0), subdivision="57"))
    assert "DIM" not in codes(national)
    assert "DIM" in codes(moselle)


@pytest.mark.parametrize(("appel", "attendu"), [(time(10, 0), True), (time(7, 59), False)])
def test_samedi_a_partir_de_8_heures(appel: time, attendu: bool) -> None:
    """Convention nationale, annexe I (citée par ONSIL et L'Infirmière libérale magazine) :
    majoration de dimanche dès le samedi 8 h pour les appels d'urgence — non confirmée."""
    cotation = coter(seance(ami("2"), date=SAMEDI, heure=time(11, 0), heure_appel=appel))
    assert ("DIM" in codes(cotation)) is attendu
    if attendu:
        assert cotation.lignes[-1].decision.confirme is False


def test_nuit_et_dimanche_jamais_cumules() -> None:
    """NGAP art. 14 : nuit et dimanche ne se cumulent pas ; la plus élevée est gardée
    (choix de Rejets, décision marquée non confirmée)."""
    cotation = coter(seance(ami("1"), date=DIMANCHE, heure=time(21, 30), heure_appel=time(21, 0)))
    assert "NUIT" in codes(cotation)
    assert "DIM" not in codes(cotation)
    decision = cotation.decision_pour("DIM")
    assert decision is not None
    assert decision.regle == "ngap.14.non_cumul"
    assert not decision.confirme


def test_dimanche_plus_eleve_garde_si_catalogue_le_dit() -> None:
    texte = (
        'format = "rejets-catalogue"\nversion = 1\nprofession = "infirmier"\n'
        '[[tarif]]\ncode = "DIM"\nlibelle = "Dimanche"\nnature = "majoration"\n'
        'zone = "metropole"\ncentimes = 2000\ndu = 2025-01-01\nsource = "Tests"\n'
        "confirme = true\n"
    )
    catalogue = catalogue_par_defaut().avec(Catalogue.depuis_toml(texte))
    cotation = coter(
        seance(ami("1"), date=DIMANCHE, heure=time(21, 30), heure_appel=time(21, 0)), catalogue
    )
    assert [c for c in codes(cotation) if c in ("NUIT", "NUIP", "DIM")] == ["DIM"]


# ------------------------------------------------------------------- MAU, MCI


@pytest.mark.parametrize(
    ("actes", "mau"),
    [
        ((ami("1"),), True),
        ((ami("1.5"),), True),
        ((ami("1.50"),), True),
        ((ami("2"),), False),
        ((Acte("AMX", D(1)),), False),
        ((Acte("AIS", D(1)),), False),
        ((ami("1"), ami("1")), False),
    ],
)
def test_majoration_acte_unique(actes: tuple[Acte, ...], mau: bool) -> None:
    """Décision UNCAM du 20/12/2011 : MAU pour un acte unique AMI 1 ou 1,5."""
    cotation = coter(seance(*actes))
    assert ("MAU" in codes(cotation)) is mau


def test_mci_pansement_lourd_a_domicile_une_fois() -> None:
    """Décision UNCAM du 20/12/2011 : MCI à domicile pour un pansement lourd et complexe,
    une fois par séance ; jamais avec la MAU."""
    actes = (ami("1", "pansement_lourd"),)
    cotation = coter(seance(*actes, lieu=Lieu.DOMICILE))
    assert codes(cotation).count("MCI") == 1
    assert "MAU" not in codes(cotation)
    assert cotation.decision_pour("MAU").regle == "uncam.mau.avec_mci"  # type: ignore[union-attr]
    deux = coter(seance(ami("4", "pansement_lourd"), ami("4", "pansement_lourd"), lieu="domicile"))
    assert codes(deux).count("MCI") == 1


def test_mci_soins_palliatifs_et_cabinet() -> None:
    """Décision UNCAM du 20/12/2011 : soins palliatifs à domicile ; jamais au cabinet."""
    assert "MCI" in codes(coter(seance(ami("2"), lieu=Lieu.DOMICILE, soins_palliatifs=True)))
    cabinet = coter(seance(ami("2"), soins_palliatifs=True))
    assert "MCI" not in codes(cabinet)
    assert cabinet.decision_pour("MCI").regle == "uncam.mci.cabinet"  # type: ignore[union-attr]


# ------------------------------------------------------------------ déplacement


def test_ifd_a_domicile_dans_la_commune() -> None:
    """NGAP art. 13 : IFD pour un déplacement à domicile prescrit « à domicile »."""
    cotation = coter(
        seance(
            ami("2"),
            lieu=Lieu.DOMICILE,
            prescription=A_DOMICILE,
            meme_commune=True,
            distance_km=D(5),
        )
    )
    assert lignes(cotation)[-1] == ("IFD", "1", 100, 275)


@pytest.mark.parametrize(
    ("lieu", "prescription", "regle"),
    [
        (Lieu.CABINET, A_DOMICILE, "ngap.13.cabinet"),
        (Lieu.DOMICILE, Prescription(a_domicile=False), "ngap.13.prescription"),
        (Lieu.DOMICILE, None, "ngap.13.prescription"),
    ],
)
def test_pas_de_deplacement(lieu: Lieu, prescription: Prescription | None, regle: str) -> None:
    """DOMAIN.md §7 : la prescription doit dire « à domicile » ; rien au cabinet."""
    cotation = coter(
        seance(ami("2"), lieu=lieu, prescription=prescription, meme_commune=False, distance_km=D(9))
    )
    assert not {"IFD", "IK"} & set(codes(cotation))
    assert cotation.decision_pour("IFD").regle == regle  # type: ignore[union-attr]


def test_ik_plaine_abattement_par_trajet() -> None:
    """DOMAIN.md §7 : IK hors de la commune au-delà de 2 km en plaine, abattement de 2 km
    par trajet (paramètre non confirmé) : 6,3 km → (6,3 − 2) × 2 = 8,6 km × 0,35 € = 3,01 € ;
    IFD ou IK (paramètre ik_cumul_ifd, non confirmé)."""
    cotation = coter(
        seance(
            ami("2"),
            lieu=Lieu.DOMICILE,
            prescription=A_DOMICILE,
            meme_commune=False,
            distance_km=D("6.3"),
        )
    )
    assert lignes(cotation)[-1] == ("IK", "8.6", 100, 301)
    assert "IFD" not in codes(cotation)
    assert cotation.lignes[-1].decision.confirme is False
    assert cotation.decision_pour("IFD").regle == "ngap.13.ifd.remplacee_par_ik"  # type: ignore[union-attr]


def test_ik_montagne() -> None:
    """DOMAIN.md §7 : 1 km en montagne, 0,50 €/km : 3 km → (3 − 1) × 2 = 4 km = 2,00 €."""
    cotation = coter(
        seance(
            ami("2"),
            lieu=Lieu.DOMICILE,
            prescription=A_DOMICILE,
            meme_commune=False,
            distance_km=D(3),
            zone_deplacement=ZoneDeplacement.MONTAGNE,
        )
    )
    assert lignes(cotation)[-1] == ("IKM", "4", 100, 200)


@pytest.mark.parametrize(("distance", "ik"), [("2", False), ("2.1", True)])
def test_seuil_des_ik(distance: str, ik: bool) -> None:
    """DOMAIN.md §7 : IK seulement au-delà de 2 km en plaine."""
    cotation = coter(
        seance(
            ami("2"),
            lieu=Lieu.DOMICILE,
            prescription=A_DOMICILE,
            meme_commune=False,
            distance_km=D(distance),
        )
    )
    assert ("IK" in codes(cotation)) is ik
    assert ("IFD" in codes(cotation)) is not ik


def test_ik_mode_aller_retour_et_cumul_configurables() -> None:
    """Abattement « aller_retour » (Jungloo) et IFD + IK : paramètres datés remplaçables."""
    texte = (
        'format = "rejets-catalogue"\nversion = 1\nprofession = "infirmier"\n'
        "[[parametre]]\ncode = 'ik_abattement_mode'\nvaleur = 'aller_retour'\n"
        "du = 2025-01-01\nsource = 'Tests'\nconfirme = false\n"
        "[[parametre]]\ncode = 'ik_cumul_ifd'\nvaleur = true\n"
        "du = 2025-01-01\nsource = 'Tests'\nconfirme = false\n"
    )
    catalogue = catalogue_par_defaut().avec(Catalogue.depuis_toml(texte))
    cotation = coter(
        seance(
            ami("2"),
            lieu=Lieu.DOMICILE,
            prescription=A_DOMICILE,
            meme_commune=False,
            distance_km=D("6.3"),
        ),
        catalogue,
    )
    assert codes(cotation)[-2:] == ["IFD", "IK"]
    assert cotation.lignes[-1].coefficient == D("10.6")


def test_ik_a_pied_sans_valeur() -> None:
    """IK à pied ou à ski : aucune valeur dans DOMAIN.md, la valorisation s'arrête."""
    with pytest.raises(TarifManquant, match="IKS"):
        coter(
            seance(
                ami("2"),
                lieu=Lieu.DOMICILE,
                prescription=A_DOMICILE,
                meme_commune=False,
                distance_km=D(4),
                zone_deplacement="pied",
            )
        )


def test_ik_inconnues() -> None:
    cotation = coter(seance(ami("2"), lieu=Lieu.DOMICILE, prescription=A_DOMICILE))
    assert "IFD" in codes(cotation)
    assert cotation.decision_pour("IK").regle == "ngap.13.ik.inconnu"  # type: ignore[union-attr]


# ------------------------------------------------------------- zones, erreurs


def test_drom() -> None:
    """DOMAIN.md §7 : AMI 3,30 € dans les DROM ; AIS DROM seulement d'une source de 2012."""
    cotation = coter(seance(ami("1"), Acte("AIS", D(3)), zone=ZoneTarifaire.DROM))
    assert cotation.lignes[0].valeur_unitaire == 330
    assert cotation.lignes[1].tarif.confirme is False


def test_tarif_manquant_drom() -> None:
    with pytest.raises(TarifManquant, match="BSA"):
        coter(seance(Acte("BSA", D(1)), zone="drom"))


@pytest.mark.parametrize(
    ("modification", "attendu"),
    [
        ({"actes": (Acte("XYZ", D(1)),)}, "lettre clé inconnue « XYZ »"),
        ({"actes": (Acte("IFD", D(1)),)}, "le moteur la calcule lui-même"),
        ({"actes": (ami("0"),)}, "coefficient invalide"),
        ({"actes": (ami("-1"),)}, "coefficient invalide"),
        ({"actes": (Acte("AMI", D("NaN")),)}, "coefficient invalide"),
        ({"actes": (Acte("AMI", 1.5),)}, "coefficient invalide"),  # type: ignore[arg-type]
        ({"actes": ()}, "aucun acte"),
        ({"date": datetime(2025, 3, 11, 10, 0)}, "date"),
        ({"heure": "10:00"}, "heure"),
        ({"distance_km": D(-1)}, "Distance invalide"),
        ({"distance_km": 3.5}, "Distance invalide"),
        ({"zone": "mars"}, "Zone tarifaire invalide"),
        ({"lieu": "rue"}, "Lieu des soins invalide"),
        ({"subdivision": "ZZ", "date": DIMANCHE}, "Subdivision inconnue"),
    ],
)
def test_entree_invalide(modification: dict[str, object], attendu: str) -> None:
    base = seance(ami("1"))
    with pytest.raises(CotationInvalide, match=attendu):
        coter(replace(base, **modification))  # type: ignore[arg-type]


# ------------------------------------------------------------------ propriétés


ACTES_SIMPLES = st.builds(
    Acte,
    st.sampled_from(["AMI", "AMX", "AIS"]),
    st.decimals(min_value=D("0.5"), max_value=D(20), places=1),
)
ACTES_VARIES = st.builds(
    Acte,
    st.sampled_from(["AMI", "AMX", "AIS", "BSA", "BSB", "BSC", "DI"]),
    st.decimals(min_value=D("0.5"), max_value=D(20), places=1),
    st.sampled_from([None, "perfusion", "insuline", "seance_soins_infirmiers", "pansement_lourd"]),
)
SEANCES = st.builds(
    Seance,
    actes=st.lists(ACTES_VARIES, min_size=1, max_size=5).map(tuple),
    date=st.dates(min_value=date(2024, 2, 1), max_value=date(2030, 12, 31)),
    heure=st.none() | st.times(),
    heure_appel=st.none() | st.times(),
    lieu=st.sampled_from(Lieu),
    prescription=st.none() | st.builds(Prescription, st.booleans(), st.booleans(), st.booleans()),
    distance_km=st.none() | st.decimals(min_value=0, max_value=80, places=1),
    meme_commune=st.none() | st.booleans(),
    zone_deplacement=st.sampled_from([ZoneDeplacement.PLAINE, ZoneDeplacement.MONTAGNE]),
    insulino_traite=st.booleans(),
    soins_palliatifs=st.booleans(),
)


@given(st.lists(ACTES_SIMPLES, min_size=2, max_size=6))
def test_l_acte_a_50_pour_cent_n_est_jamais_le_plus_eleve(actes: list[Acte]) -> None:
    """NGAP art. 11B : l'acte à 50 % n'a jamais un montant plein supérieur à l'acte à
    taux plein ; exactement un acte à 100 % et un à 50 %."""
    cotation = coter(seance(*actes))
    actes_cotes = cotation.lignes[: len(actes)]
    plein = {
        ligne.pourcentage: montant_ligne(ligne.valeur_unitaire, ligne.coefficient)
        for ligne in actes_cotes
    }
    assert sorted(ligne.pourcentage for ligne in actes_cotes)[-2:] == [50, 100]
    assert plein[50] <= plein[100]
    for ligne in actes_cotes:
        if ligne.pourcentage == 0:
            assert montant_ligne(ligne.valeur_unitaire, ligne.coefficient) <= plein[50]


@given(SEANCES)
def test_majorations_jamais_cumulees(seance_: Seance) -> None:
    """Art. 14 NGAP : nuit et dimanche exclusives, une fois par séance ; décision UNCAM :
    MAU et MCI jamais ensemble ; IFD ou IK (catalogue livré) ; total = somme des lignes."""
    cotation = coter(seance_)
    supplements = codes(cotation)[len(seance_.actes) :]
    assert len(supplements) == len(set(supplements))
    assert len({"NUIT", "NUIP", "DIM"} & set(supplements)) <= 1
    assert not {"MAU", "MCI"} <= set(supplements)
    assert len({"IFD", "IK", "IKM"} & set(supplements)) <= 1
    assert cotation.total == sum(ligne.montant for ligne in cotation.lignes)
    for ligne in cotation.lignes:
        assert ligne.decision.source
        assert ligne.decision.explication
        assert ligne.montant >= 0
    for decision in cotation.ecartees:
        assert decision.codes and decision.source and decision.explication
