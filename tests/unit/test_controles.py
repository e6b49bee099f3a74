"""Contrôles avant envoi : chaque règle rend des constats, jamais d'exception."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rejets.domain.controles import (
    CONTROLES,
    Constat,
    ContexteControle,
    ContratAmc,
    DonneesInvalides,
    DroitsAControler,
    FactureAControler,
    Gravite,
    LigneFacturee,
    Parts,
    PatientAControler,
    Periode,
    PrescriptionAControler,
    SeanceFacturee,
    ajouter_jours_ouvres,
    controle_numero_am,
    controler,
    facture_depuis_json,
    signature_facture,
)
from rejets.domain.cotation import Lieu, ZoneDeplacement
from rejets.domain.repartition import CouvertureAmc, TiersPayant, repartir
from rejets.domain.tarifs import ZoneTarifaire

D = Decimal
MARDI = date(2025, 3, 11)
NIR = "295109912611193"
NUMERO_AM = "123456782"
CONTEXTE = ContexteControle(aujourd_hui=date(2025, 3, 12))


def ligne(
    code: str,
    coefficient: str = "1",
    pourcentage: int = 100,
    montant: int | None = None,
    nature: str | None = None,
) -> LigneFacturee:
    return LigneFacturee(code, D(coefficient), pourcentage, montant, nature)


LIGNES = (ligne("AMI", "2", 100, 630), ligne("AMI", "1", 50, 158), ligne("IFD", "1", 100, 275))


def avec_parts(facture: FactureAControler) -> FactureAControler:
    """Parts calculées comme le ferait le logiciel, à partir des lignes facturées."""
    montants = [
        ligne.montant or 0 for s in facture.seances for ligne in s.lignes if ligne.pourcentage
    ]
    droits = facture.patient.droits
    amc = facture.patient.amc
    r = repartir(
        montants,
        nature_assurance=droits.nature_assurance,
        exoneration=droits.exoneration,
        le=facture.seances[0].date,
        taux_droits=droits.taux_remboursement,
        amc=None if amc is None else CouvertureAmc(amc.taux_ticket_moderateur),
        tiers_payant=facture.tiers_payant,
    )
    return replace(facture, parts=Parts(r.total, r.amo, r.amc, r.assure))


def facture(
    lignes: tuple[LigneFacturee, ...] = LIGNES, parts: bool = True, **champs: object
) -> FactureAControler:
    seance_champs = {k: champs.pop(k) for k in list(champs) if k in SEANCE}
    seance = SeanceFacturee(
        date=MARDI,
        lignes=lignes,
        heure=time(10, 0),
        lieu=Lieu.DOMICILE,
        distance_km=D("1.5"),
        meme_commune=True,
    )
    valeurs: dict[str, object] = {
        "numero": "000000001",
        "numero_am": NUMERO_AM,
        "patient": PatientAControler(
            nir=NIR,
            droits=DroitsAControler("10", "0", 60, (Periode(date(2024, 1, 1), None),)),
            amc=ContratAmc("0123456789", date(2024, 1, 1), None),
        ),
        "seances": (replace(seance, **seance_champs),),  # type: ignore[arg-type]
        "prescription": PrescriptionAControler(date(2025, 3, 1), a_domicile=True),
        "tiers_payant": TiersPayant.AMO_AMC,
        "date_transmission": date(2025, 3, 12),
    }
    valeurs.update(champs)
    resultat = FactureAControler(**valeurs)  # type: ignore[arg-type]
    return avec_parts(resultat) if parts else resultat


SEANCE = {"date", "heure", "heure_appel", "lieu", "distance_km", "meme_commune", "zone_deplacement"}


def codes(constats: list[Constat]) -> dict[str, Gravite]:
    return {constat.code: constat.gravite for constat in constats}


def test_facture_correcte_sans_constat() -> None:
    assert controler(facture(), CONTEXTE) == []


# ---------------------------------------------------------------- identifiants


def test_nir_invalide() -> None:
    """DOMAIN.md §6 : clé du NIR = 97 − (N mod 97) ; le message ne cite pas le NIR."""
    mauvais = replace(facture().patient, nir=NIR[:13] + "94")
    constats = controler(facture(patient=mauvais), CONTEXTE)
    constat = next(c for c in constats if c.code == "patient.nir")
    assert constat.gravite is Gravite.ERREUR
    assert constat.message.startswith("NIR invalide : la clé 94")
    assert NIR[:13] not in constat.message
    assert constat.champ == "patient.nir"


def test_numero_am_mal_forme() -> None:
    """DOMAIN.md §6 : n° de facturation AM = 8 chiffres + clé (9 chiffres)."""
    assert codes(controler(facture(numero_am="12345678"), CONTEXTE)) == {
        "numero_am.format": Gravite.ERREUR
    }


def test_cle_am_avertissement_seulement() -> None:
    """DOMAIN.md §6 : l'algorithme de la clé n'est pas confirmé : avertir, jamais bloquer."""
    assert codes(controler(facture(numero_am="123456789"), CONTEXTE)) == {
        "numero_am.cle": Gravite.AVERTISSEMENT
    }
    sans_cle = replace(CONTEXTE, verifier_cle_am=False)
    assert controler(facture(numero_am="123456789"), sans_cle) == []


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_cle_am_jamais_bloquante(numero: str) -> None:
    """DOMAIN.md §6 : aucun numéro de 9 chiffres n'est refusé sur sa clé."""
    constats = controle_numero_am(replace(facture(parts=False), numero_am=numero), CONTEXTE)
    assert all(constat.gravite is Gravite.AVERTISSEMENT for constat in constats)


# ------------------------------------------------------------- droits et AMC


def test_droits_fermes_a_la_date_des_soins() -> None:
    """DOMAIN.md §4, famille droits : droits fermés à la date des soins → rejet."""
    patient = facture().patient
    droits = replace(patient.droits, periodes=(Periode(date(2024, 1, 1), date(2025, 3, 10)),))
    constats = controler(facture(patient=replace(patient, droits=droits)), CONTEXTE)
    constat = next(c for c in constats if c.code == "droits.fermes")
    assert constat.gravite is Gravite.ERREUR
    assert "11/03/2025" in constat.message


def test_droits_non_renseignes() -> None:
    patient = facture().patient
    droits = replace(patient.droits, periodes=(Periode(),))
    constats = controler(facture(patient=replace(patient, droits=droits)), CONTEXTE)
    assert codes(constats) == {"droits.inconnus": Gravite.AVERTISSEMENT}


def test_contrat_amc_expire_avec_dre() -> None:
    """DOMAIN.md §4, famille amc : contrat expiré à la date des soins quand une DRE part."""
    patient = facture().patient
    expire = replace(patient, amc=ContratAmc("0123456789", None, date(2025, 2, 28)))
    constats = controler(facture(patient=expire), CONTEXTE)
    constat = next(c for c in constats if c.code == "amc.contrat_hors_periode")
    assert constat.gravite is Gravite.ERREUR
    assert constat.champ == "patient.amc.fin"
    assert "fin le 28/02/2025" in constat.message
    sans_dre = facture(patient=expire, tiers_payant=TiersPayant.AMO)
    assert "amc.contrat_hors_periode" not in codes(controler(sans_dre, CONTEXTE))


def test_tiers_payant_amc_sans_complementaire() -> None:
    patient = replace(facture().patient, amc=None)
    constats = controler(facture(patient=patient, parts=False), CONTEXTE)
    assert codes(constats) == {"amc.absente": Gravite.ERREUR}


def test_numero_amc_de_10_caracteres() -> None:
    """DOMAIN.md §6 : n° AMC de 10 caractères."""
    patient = replace(facture().patient, amc=ContratAmc("12345"))
    assert codes(controler(facture(patient=patient), CONTEXTE)) == {"amc.numero": Gravite.ERREUR}


# ---------------------------------------------------------------- prescription


def test_prescription_absente() -> None:
    """DOMAIN.md §4, famille prescription : prescription manquante → rejet."""
    constats = controler(facture(prescription=None), CONTEXTE)
    assert codes(constats)["prescription.absente"] is Gravite.ERREUR
    assert "cotation.supplement_injustifie" not in codes(constats)


def test_prescription_posterieure_aux_soins() -> None:
    prescription = PrescriptionAControler(date(2025, 3, 12), a_domicile=True)
    constats = controler(facture(prescription=prescription), CONTEXTE)
    assert codes(constats) == {"prescription.posterieure": Gravite.ERREUR}


def test_prescription_ancienne_avertissement_regle_non_confirmee() -> None:
    """Validité : 12 mois, paramètre du catalogue non confirmé → avertissement seulement."""
    prescription = PrescriptionAControler(date(2024, 3, 10), a_domicile=True)
    constats = controler(facture(prescription=prescription), CONTEXTE)
    assert codes(constats) == {"prescription.ancienne": Gravite.AVERTISSEMENT}
    limite = PrescriptionAControler(date(2024, 3, 11), a_domicile=True)
    assert controler(facture(prescription=limite), CONTEXTE) == []


def test_soins_apres_la_duree_prescrite() -> None:
    prescription = PrescriptionAControler(
        date(2025, 3, 1), a_domicile=True, fin_soins=date(2025, 3, 10)
    )
    constats = controler(facture(prescription=prescription), CONTEXTE)
    assert codes(constats) == {"prescription.duree_depassee": Gravite.ERREUR}


def test_deplacement_sans_mention_a_domicile() -> None:
    """DOMAIN.md §7 : IFD/IK seulement si la prescription dit « à domicile » ; un seul
    constat (la cotation ne le répète pas)."""
    prescription = PrescriptionAControler(date(2025, 3, 1), a_domicile=False)
    constats = controler(facture(prescription=prescription), CONTEXTE)
    assert codes(constats) == {"prescription.domicile": Gravite.ERREUR}


# --------------------------------------------------------------------- cotation


def test_deuxieme_acte_a_taux_plein() -> None:
    """NGAP art. 11B : le deuxième acte à 50 % ; facturé à 100 % → rejet."""
    lignes = (ligne("AMI", "2", 100, 630), ligne("AMI", "1", 100, 315), LIGNES[2])
    constats = controler(facture(lignes), CONTEXTE)
    constat = next(c for c in constats if c.code == "cotation.article_11b")
    assert constat.gravite is Gravite.ERREUR
    assert constat.champ == "seances[0].lignes[1].pourcentage"
    assert "attendu 50 %" in constat.message
    assert "11B" in constat.source


def test_acte_oublie_au_second_rang() -> None:
    """Sous-facturation (acte à 0 % au lieu de 50 %) : avertissement, argent perdu."""
    lignes = (LIGNES[0], ligne("AMI", "1", 0, 0), LIGNES[2])
    constats = controler(facture(lignes), CONTEXTE)
    assert codes(constats) == {"cotation.article_11b": Gravite.AVERTISSEMENT}


def test_montant_faux() -> None:
    lignes = (ligne("AMI", "2", 100, 640), *LIGNES[1:])
    constats = controler(facture(lignes), CONTEXTE)
    constat = next(c for c in constats if c.code == "cotation.montant")
    assert constat.gravite is Gravite.ERREUR
    assert "6,40" in constat.message and "6,30" in constat.message


def test_majoration_de_nuit_injustifiee() -> None:
    """NGAP art. 14 : pas de majoration de nuit à 10 h."""
    lignes = (*LIGNES, ligne("NUIT", "1", 100, 915))
    constats = controler(facture(lignes), CONTEXTE)
    constat = next(c for c in constats if c.code == "cotation.supplement_injustifie")
    assert constat.gravite is Gravite.ERREUR
    assert "entre 8 h et 20 h" in constat.message


def test_nuit_et_dimanche_facturees_ensemble() -> None:
    """NGAP art. 14 : nuit et dimanche ne se cumulent pas."""
    lignes = (*LIGNES, ligne("NUIT", "1", 100, 915), ligne("DIM", "1", 100, 800))
    dimanche = facture(lignes, date=date(2025, 3, 9), heure=time(21, 30), heure_appel=time(21, 0))
    constats = controler(dimanche, ContexteControle(aujourd_hui=date(2025, 3, 10)))
    assert codes(constats) == {"cotation.nuit_et_dimanche": Gravite.ERREUR}


def test_mau_et_mci_facturees_ensemble() -> None:
    """Décision UNCAM du 20/12/2011 : la MAU ne se cumule pas avec la MCI."""
    lignes = (
        ligne("AMI", "1", 100, 315, "pansement_lourd"),
        ligne("MAU", "1", 100, 135),
        ligne("MCI", "1", 100, 500),
        LIGNES[2],
    )
    assert codes(controler(facture(lignes), CONTEXTE)) == {"cotation.mau_et_mci": Gravite.ERREUR}


def test_ifd_oubliee() -> None:
    """NGAP art. 13 : IFD due à domicile sur prescription « à domicile » ; oubliée → argent
    perdu, avertissement."""
    constat = next(iter(controler(facture(LIGNES[:2]), CONTEXTE)))
    assert (constat.code, constat.gravite) == ("cotation.oubli", Gravite.AVERTISSEMENT)
    assert "2,75" in constat.correction


def test_regle_non_confirmee_jamais_en_erreur() -> None:
    """IFD + IK : le cumul est un paramètre non confirmé → avertissement, pas erreur."""
    lignes = (*LIGNES, ligne("IK", "8.6", 100, 301))
    constats = controler(facture(lignes, meme_commune=False, distance_km=D("6.3")), CONTEXTE)
    assert codes(constats) == {"cotation.supplement_injustifie": Gravite.AVERTISSEMENT}


def test_ik_kilometres_en_trop() -> None:
    lignes = (*LIGNES[:2], ligne("IK", "12.6", 100, 441))
    constats = controler(facture(lignes, meme_commune=False, distance_km=D("6.3")), CONTEXTE)
    constat = next(c for c in constats if c.code == "cotation.supplement_montant")
    assert constat.gravite is Gravite.AVERTISSEMENT
    assert constat.champ == "seances[0].lignes[2].coefficient"


def test_code_inconnu_et_seance_sans_acte() -> None:
    assert "cotation.lettre_cle_inconnue" in codes(
        controler(facture((*LIGNES, ligne("ZZZ")), parts=False), CONTEXTE)
    )
    assert "cotation.sans_acte" in codes(controler(facture((LIGNES[2],)), CONTEXTE))


def test_tarif_manquant_devient_un_constat() -> None:
    lignes = (ligne("BSA", "1", 100, 1300),)
    constats = controler(facture(lignes, parts=False, zone=ZoneTarifaire.DROM), CONTEXTE)
    constat = next(c for c in constats if c.code == "cotation.tarif_manquant")
    assert "BSA" in constat.message and "DROM" in constat.message


def test_cotation_invalide_devient_un_constat() -> None:
    lignes = (ligne("AMI", "-1", 100, 315),)
    constats = controler(facture(lignes, parts=False), CONTEXTE)
    assert codes(constats)["cotation.invalide"] is Gravite.ERREUR


# ------------------------------------------------------------------------ parts


def test_parts_qui_ne_s_additionnent_pas() -> None:
    f = facture()
    assert f.parts is not None
    constats = controler(replace(f, parts=replace(f.parts, assure=f.parts.assure + 1)), CONTEXTE)
    assert codes(constats)["parts.somme"] is Gravite.ERREUR


def test_part_amo_fausse() -> None:
    """DOMAIN.md §4, famille tiers_payant : parts AMO/AMC incohérentes → rejet."""
    f = facture()
    assert f.parts is not None
    faux = replace(f.parts, amo=f.parts.amo + 10, amc=f.parts.amc - 10)
    constats = controler(replace(f, parts=faux), CONTEXTE)
    assert codes(constats) == {"parts.amo": Gravite.ERREUR, "parts.amc": Gravite.ERREUR}


def test_total_different_des_lignes() -> None:
    f = facture()
    assert f.parts is not None
    faux = Parts(f.parts.total + 100, f.parts.amo, f.parts.amc, f.parts.assure + 100)
    assert codes(controler(replace(f, parts=faux), CONTEXTE)) == {"parts.total": Gravite.ERREUR}


def test_part_amc_sans_dre() -> None:
    f = facture(tiers_payant=TiersPayant.AMO)
    assert f.parts is not None
    faux = replace(f.parts, amc=f.parts.amc - 5, assure=f.parts.assure + 5)
    assert codes(controler(replace(f, parts=faux), CONTEXTE)) == {
        "parts.amc": Gravite.AVERTISSEMENT
    }


# ---------------------------------------------------------------------- doublon


def test_doublon() -> None:
    """DOMAIN.md §4, famille doublon : même patient, même date et heure, mêmes actes."""
    f = facture()
    contexte = replace(CONTEXTE, signatures_existantes=frozenset({signature_facture(f)}))
    assert codes(controler(f, contexte)) == {"doublon": Gravite.ERREUR}
    autre_heure = facture(heure=time(18, 0))
    assert controler(autre_heure, contexte) == []


def test_doublon_sans_heure_avertissement() -> None:
    f = facture(heure=None)
    contexte = replace(CONTEXTE, signatures_existantes=frozenset({signature_facture(f)}))
    assert codes(controler(f, contexte)) == {"doublon": Gravite.AVERTISSEMENT}


def test_signature_independante_des_majorations_et_de_l_ecriture() -> None:
    f = facture()
    g = facture((ligne("AMI", "1.0", 50, 158), ligne("AMI", "2.00", 100, 630)))
    assert signature_facture(f) == signature_facture(g)


# ----------------------------------------------------------------------- délais


@pytest.mark.parametrize(
    ("jour", "nombre", "attendu"),
    [
        (date(2025, 3, 11), 3, date(2025, 3, 14)),
        (date(2025, 3, 11), 8, date(2025, 3, 21)),
        (date(2025, 3, 14), 1, date(2025, 3, 17)),
        (date(2025, 5, 7), 3, date(2025, 5, 13)),
        (date(9999, 12, 30), 3, None),
    ],
)
def test_jours_ouvres(jour: date, nombre: int, attendu: date | None) -> None:
    """Jours ouvrés : hors samedis, dimanches et jours fériés (holidays.France : 8 mai)."""
    assert ajouter_jours_ouvres(jour, nombre) == attendu


@pytest.mark.parametrize(
    ("mode", "transmission", "retard"),
    [
        (TiersPayant.AUCUN, date(2025, 3, 14), False),
        (TiersPayant.AUCUN, date(2025, 3, 17), True),
        (TiersPayant.AMO, date(2025, 3, 21), False),
        (TiersPayant.AMO, date(2025, 3, 24), True),
    ],
)
def test_delai_de_transmission(mode: TiersPayant, transmission: date, retard: bool) -> None:
    """Art. R.161-47 CSS : 3 jours ouvrés si l'assuré paie, 8 en tiers payant ;
    avertissement seulement (Cass. 2e civ., 8 oct. 2015)."""
    f = facture(tiers_payant=mode, date_transmission=transmission)
    attendu = {"delai.transmission": Gravite.AVERTISSEMENT} if retard else {}
    assert codes(controler(f, CONTEXTE)) == attendu


def test_pas_encore_transmise_et_en_retard() -> None:
    f = facture(tiers_payant=TiersPayant.AMO, date_transmission=None)
    constats = controler(f, replace(CONTEXTE, aujourd_hui=date(2025, 4, 1)))
    constat = next(c for c in constats if c.code == "delai.transmission")
    assert constat.message.startswith("Pas encore transmise le 01/04/2025")


@pytest.mark.parametrize(
    ("aujourd_hui", "transmission", "attendu"),
    [
        (date(2026, 4, 1), None, Gravite.ERREUR),
        (date(2026, 4, 2), date(2026, 3, 31), None),
        (date(2026, 3, 10), None, Gravite.AVERTISSEMENT),
        (date(2026, 2, 1), None, None),
    ],
)
def test_forclusion(aujourd_hui: date, transmission: date | None, attendu: Gravite | None) -> None:
    """Art. L.332-1 CSS (DOMAIN.md §8) : soins du 15/02/2024 forclos le 01/04/2026."""
    f = facture(date=date(2024, 2, 15), date_transmission=transmission)
    f = replace(f, prescription=PrescriptionAControler(date(2024, 2, 1), a_domicile=True))
    constats = controler(f, ContexteControle(aujourd_hui=aujourd_hui))
    trouves = {c.gravite for c in constats if c.code.startswith("forclusion.")}
    assert trouves == ({attendu} if attendu else set())


# ---------------------------------------------------------------------- ensemble


def test_erreurs_d_abord() -> None:
    lignes = (*LIGNES, ligne("NUIT", "1", 100, 915))
    f = facture(lignes, numero_am="123456789")
    graves = [c.gravite for c in controler(f, CONTEXTE)]
    assert graves == sorted(graves, key=lambda g: g is not Gravite.ERREUR)
    assert Gravite.ERREUR in graves and Gravite.AVERTISSEMENT in graves


def test_facture_sans_seance() -> None:
    f = replace(facture(), seances=())
    assert codes(controler(f, CONTEXTE)) == {"facture.sans_seance": Gravite.ERREUR}
    for controle in CONTROLES:
        controle(f, CONTEXTE)


def test_constats_en_francais_avec_correction() -> None:
    lignes = (ligne("AMI", "2", 100, 630), ligne("AMI", "1", 100, 315), ligne("NUIT"))
    f = facture(lignes, numero_am="12", prescription=None)
    for constat in controler(f, CONTEXTE):
        assert constat.message and constat.correction and constat.champ and constat.source


# -------------------------------------------------------------------------- JSON


FACTURE_JSON = """
{
  "numero": "000000001",
  "numero_am": "123456782",
  "patient": {
    "nir": "295109912611193",
    "droits": {"nature_assurance": "10", "exoneration": "0", "taux_remboursement": 60,
               "periodes": [{"debut": "2024-01-01", "fin": null}]},
    "amc": {"numero": "0123456789", "debut": "2024-01-01"}
  },
  "seances": [{
    "date": "2025-03-11", "heure": "10:00", "lieu": "domicile", "distance_km": 1.5,
    "meme_commune": true,
    "lignes": [
      {"lettre_cle": "AMI", "coefficient": 2, "montant": 630},
      {"lettre_cle": "AMI", "coefficient": 1, "pourcentage": 50, "montant": 158},
      {"lettre_cle": "IFD", "coefficient": 1, "montant": 275}
    ]
  }],
  "prescription": {"date": "2025-03-01", "a_domicile": true},
  "tiers_payant": "amo_amc",
  "parts": {"total": 1063, "amo": 638, "amc": 425, "assure": 0},
  "date_transmission": "2025-03-12"
}
"""


def test_facture_depuis_json() -> None:
    f = facture_depuis_json(json.loads(FACTURE_JSON, parse_float=Decimal))
    assert f == facture()
    assert controler(f, CONTEXTE) == []


@pytest.mark.parametrize(
    ("remplacement", "attendu"),
    [
        (('"numero": "000000001",', ""), "« numero » : champ obligatoire manquant"),
        (('"heure": "10:00"', '"heure": "10h"'), "« seances[0].heure » : une heure HH:MM"),
        (('"date": "2025-03-11"', '"date": "2025-02-30"'), "« seances[0].date » : une date"),
        (('"lieu": "domicile"', '"lieu": "rue"'), "« seances[0].lieu »"),
        (('"coefficient": 2', '"coefficient": "deux"'), "coefficient » : nombre illisible"),
        (('"montant": 630', '"montant": 6.3'), "montant » : un nombre entier"),
        (
            ('"a_domicile": true', '"a_domicile": true, "couleur": 1'),
            "« prescription.couleur » : champ inconnu",
        ),
        (('"meme_commune": true', '"meme_commune": "oui"'), "true ou false"),
    ],
)
def test_json_invalide(remplacement: tuple[str, str], attendu: str) -> None:
    texte = FACTURE_JSON.replace(*remplacement, 1)
    with pytest.raises(DonneesInvalides, match=re.escape(attendu)):
        facture_depuis_json(json.loads(texte, parse_float=Decimal))


# -------------------------------------------------------------------- propriété


CODES = st.sampled_from(
    [
        "AMI",
        "AMX",
        "AIS",
        "BSA",
        "DI",
        "IFD",
        "IK",
        "IKM",
        "NUIT",
        "NUIP",
        "DIM",
        "MAU",
        "MCI",
        "MIE",
    ]
) | st.text(max_size=4)
DECIMAUX = st.decimals(allow_nan=False, allow_infinity=False, min_value=-100, max_value=10**6)
DATES = st.dates()
LIGNES_ARBITRAIRES = st.builds(
    LigneFacturee,
    CODES,
    DECIMAUX,
    st.integers(min_value=-200, max_value=200),
    st.none() | st.integers(min_value=-(10**6), max_value=10**9),
    st.none()
    | st.sampled_from(["perfusion", "insuline", "seance_soins_infirmiers", "pansement_lourd", "x"]),
)
SEANCES_ARBITRAIRES = st.builds(
    SeanceFacturee,
    DATES,
    st.lists(LIGNES_ARBITRAIRES, max_size=5).map(tuple),
    st.none() | st.times(),
    st.none() | st.times(),
    st.sampled_from(Lieu),
    st.none() | DECIMAUX,
    st.none() | st.booleans(),
    st.sampled_from(ZoneDeplacement),
)
FACTURES_ARBITRAIRES = st.builds(
    FactureAControler,
    st.text(max_size=10),
    st.text(max_size=12),
    st.builds(
        PatientAControler,
        st.text(max_size=16) | st.just(NIR),
        st.integers(min_value=-3, max_value=12),
        st.builds(
            DroitsAControler,
            st.sampled_from(["10", "13", "30", "41", "90", "99", ""]),
            st.text(max_size=2),
            st.none() | st.integers(min_value=-10, max_value=200),
            st.lists(st.builds(Periode, st.none() | DATES, st.none() | DATES), max_size=3).map(
                tuple
            ),
        ),
        st.none()
        | st.builds(
            ContratAmc, st.text(max_size=12), st.none() | DATES, st.none() | DATES, DECIMAUX
        ),
        st.booleans(),
        st.booleans(),
    ),
    st.lists(SEANCES_ARBITRAIRES, max_size=3).map(tuple),
    st.none()
    | st.builds(
        PrescriptionAControler,
        DATES,
        st.booleans(),
        st.booleans(),
        st.booleans(),
        st.none() | DATES,
    ),
    st.sampled_from(TiersPayant),
    st.none() | st.builds(Parts, st.integers(), st.integers(), st.integers(), st.integers()),
    st.sampled_from(ZoneTarifaire),
    st.none() | st.sampled_from(["57", "971", "ZZ"]),
    st.none() | DATES,
)


@given(FACTURES_ARBITRAIRES, DATES, st.booleans())
def test_les_controles_ne_levent_jamais(
    f: FactureAControler, aujourd_hui: date, doublon: bool
) -> None:
    """Sur toute entrée bien typée, les contrôles rendent des constats, sans exception."""
    signatures = frozenset({signature_facture(f)}) if doublon else frozenset()
    contexte = ContexteControle(aujourd_hui=aujourd_hui, signatures_existantes=signatures)
    constats = controler(f, contexte)
    for constat in constats:
        assert isinstance(constat, Constat)
        assert constat.message and constat.code and constat.champ
