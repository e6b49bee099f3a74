"""Exchange invoice → pre-send checks, without a database: visits grouped by date and hour,
the 11B percentage read from each line's amount, rights and AMC contract as received."""

from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest

from rejets.domain.controles import ContexteControle, Gravite, Periode, controler
from rejets.domain.cotation import CotationInvalide, coter
from rejets.domain.identifiants import nir
from rejets.domain.repartition import TiersPayant
from rejets.domain.tarifs import catalogue_par_defaut
from rejets.factures.prevention import depuis_echange, grouper_seances, seances_a_coter
from rejets.formats import echange as fmt

SOINS = "2026-02-03"
LE_LENDEMAIN = date(2026, 2, 4)


def acte(lettre_cle: str, coefficient: str, montant: int | None, **autres: Any) -> dict:
    return {
        "date": SOINS,
        "heure": "08:30",
        "heure_appel": None,
        "lettre_cle": lettre_cle,
        "coefficient": Decimal(coefficient),
        "nature": None,
        "lieu": "domicile",
        "distance_km": None,
        "zone": None,
        "meme_commune": None,
        "montant": montant,
        **autres,
    }


def facture_echange(numero: str = "000000101", **autres: Any) -> dict:
    """A correct home visit: AMI 1,5 with its MAU and IFD (8,83 €), tiers payant AMO and AMC,
    parts as `repartir` computes them, transmitted the next day."""
    corps = f"2550575056{int(numero[-3:]):03d}"
    f = {
        "numero": numero,
        "professionnel": {"numero_am": "751000019", "rpps": None, "nom": "Roux", "prenom": "C"},
        "patient": {
            "nir": corps + nir.calc_check_digits(corps),
            "rang": 1,
            "nom": "Martin",
            "prenom": "Jeanne",
            "date_naissance": "1955-05-01",
            "droits": {
                "regime": "01",
                "caisse": "751",
                "centre": "0000",
                "nature_assurance": "10",
                "exoneration": "0",
                "taux_remboursement": 60,
                "debut": "2025-01-01",
                "fin": None,
            },
            "amc": {
                "numero": "9999000001",
                "libelle": "Mutuelle Exemple",
                "contrat": "C-1",
                "debut": "2025-01-01",
                "fin": "2026-12-31",
            },
        },
        "tiers_payant": "amo_amc",
        "prescription": {
            "prescripteur": {"nom": "Dr Lenoir", "rpps": None},
            "date": "2026-01-10",
            "a_domicile": True,
            "scan": None,
        },
        "actes": [
            acte(
                "AMI",
                "1.5",
                473,
                distance_km=Decimal("1.2"),
                zone="plaine",
                meme_commune=True,
            ),
            acte("MAU", "1", 135, heure=None),
            acte("IFD", "1", 275, heure=None),
        ],
        "repartition": {"total": 883, "amo": 530, "amc": 353, "patient": 0},
        "fse": {
            "etat": "transmise",
            "lot": "012",
            "date_transmission": "2026-02-04",
            "rejet": None,
        },
        "dre": {
            "etat": "transmise",
            "lot": "013",
            "date_transmission": "2026-02-04",
            "rejet": None,
        },
        "paiements": [],
    }
    f.update(autres)
    return f


def lue(**autres: Any) -> fmt.FactureEchange:
    return fmt.facture_depuis_dict(facture_echange(**autres))


def constats(f: fmt.FactureEchange) -> list:
    return controler(depuis_echange(f), ContexteControle(aujourd_hui=LE_LENDEMAIN))


def test_une_facture_juste_ne_donne_aucun_constat():
    f = depuis_echange(lue())
    assert constats(lue()) == []
    assert f.numero_am == "751000019" and f.tiers_payant is TiersPayant.AMO_AMC
    assert f.patient.droits.periodes == (Periode(date(2025, 1, 1), None),)
    assert f.patient.amc is not None and f.patient.amc.numero == "9999000001"
    assert f.prescription is not None and f.prescription.a_domicile
    assert (f.parts.total, f.parts.amo, f.parts.amc, f.parts.assure) == (883, 530, 353, 0)
    assert f.date_transmission == LE_LENDEMAIN


def test_une_ligne_sans_heure_rejoint_la_seule_seance_horodatee_de_sa_date():
    (seance,) = depuis_echange(lue()).seances
    assert seance.heure == time(8, 30) and [ligne.lettre_cle for ligne in seance.lignes] == [
        "AMI",
        "MAU",
        "IFD",
    ]
    assert seance.meme_commune is True and seance.distance_km == Decimal("1.2")


def test_deux_seances_horodatees_le_meme_jour_laissent_la_ligne_sans_heure_a_part():
    actes = [
        acte("AMI", "1", 315),
        acte("AMI", "1", 315, heure="19:00"),
        acte("IFD", "1", 275, heure=None),
    ]
    groupes = grouper_seances(fmt.facture_depuis_dict(facture_echange(actes=actes)).actes)
    assert [[a.heure for a in g] for g in groupes] == [[time(8, 30)], [time(19, 0)], [None]]


@pytest.mark.parametrize(
    ("montants", "attendus"),
    [
        ((630, 158), (100, 50)),
        ((None, None), (100, 50)),
        ((630, 0), (100, 0)),
        ((630, 315), (100, 100)),
    ],
)
def test_le_pourcentage_d_un_acte_se_lit_dans_son_montant(montants, attendus):
    actes = [acte("AMI", "2", montants[0]), acte("AMI", "1", montants[1])]
    (seance,) = depuis_echange(lue(actes=actes)).seances
    assert tuple(ligne.pourcentage for ligne in seance.lignes) == attendus


def test_un_second_acte_facture_a_taux_plein_est_une_erreur_11b():
    actes = [acte("AMI", "2", 630), acte("AMI", "1", 315), acte("IFD", "1", 275)]
    trouves = constats(
        lue(actes=actes, repartition={"total": 1220, "amo": 732, "amc": 488, "patient": 0})
    )
    article = [c for c in trouves if c.code == "cotation.article_11b"]
    assert article and article[0].gravite is Gravite.ERREUR
    assert article[0].champ == "seances[0].lignes[1].pourcentage"


def test_un_montant_faux_garde_le_pourcentage_attendu_et_est_signale():
    actes = [acte("AMI", "1.5", 500), acte("MAU", "1", 135), acte("IFD", "1", 275)]
    trouves = constats(lue(actes=actes))
    (seance,) = depuis_echange(lue(actes=actes)).seances
    assert seance.lignes[0].pourcentage == 100
    assert any(c.code == "cotation.montant" and c.gravite is Gravite.ERREUR for c in trouves)


def test_droits_sans_periode_et_sans_prescription():
    f = facture_echange(prescription=None)
    f["patient"]["droits"]["debut"] = None
    trouves = {c.code: c for c in constats(fmt.facture_depuis_dict(f))}
    assert trouves["droits.inconnus"].gravite is Gravite.AVERTISSEMENT
    assert trouves["prescription.absente"].gravite is Gravite.ERREUR


def test_droits_fermes_a_la_date_des_soins():
    f = facture_echange()
    f["patient"]["droits"]["fin"] = "2026-01-31"
    trouves = {c.code: c for c in constats(fmt.facture_depuis_dict(f))}
    assert trouves["droits.fermes"].champ == "patient.droits.periodes"


def test_seances_a_coter_laissent_le_moteur_calculer_majorations_et_deplacements():
    (seance,) = seances_a_coter(lue())
    assert [a.lettre_cle for a in seance.actes] == ["AMI"]
    cotation = coter(seance, catalogue_par_defaut())
    assert [(ligne.code, ligne.montant) for ligne in cotation.lignes] == [
        ("AMI", 473),
        ("MAU", 135),
        ("IFD", 275),
    ]
    assert cotation.total == 883


def test_un_code_inconnu_est_garde_pour_que_le_moteur_le_nomme():
    (seance,) = seances_a_coter(lue(actes=[acte("XYZ", "1", None)]))
    with pytest.raises(CotationInvalide, match="XYZ"):
        coter(seance, catalogue_par_defaut())
