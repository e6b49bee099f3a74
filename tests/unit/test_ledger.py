from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rejets.domain import ledger
from rejets.domain.ledger import (
    Compte,
    Ecriture,
    Journal,
    JournalDesequilibre,
    NatureJournal,
    Payeur,
)

J = date(2026, 3, 2)
montants = st.integers(min_value=1, max_value=10_000_000)


def test_un_journal_desequilibre_est_refuse_avec_un_message_clair():
    j = Journal(NatureJournal.FACTURATION, J, (Ecriture(Compte.CREANCE_AMO, 100),))
    assert not j.balanced()
    with pytest.raises(JournalDesequilibre, match="déséquilibré"):
        j.verifie()
    assert not Journal(NatureJournal.FACTURATION, J, ()).balanced()


def test_les_journaux_sont_immuables():
    j = ledger.paiement("1", J, Payeur.AMO, 500)
    with pytest.raises(AttributeError):
        j.nature = NatureJournal.PAIEMENT_PATIENT  # type: ignore[misc]


def test_facturation_puis_paiements_soldent_la_facture():
    journaux = [
        ledger.facturation("1", J, {Payeur.AMO: 600, Payeur.AMC: 0, Payeur.PATIENT: 400}),
        ledger.paiement("1", J, Payeur.AMO, 600),
        ledger.paiement("1", J, Payeur.PATIENT, 400),
    ]
    b = ledger.bilan(ledger.mouvements(journaux))
    assert (b.facture_nette, b.paye, b.perdu, b.reste) == (1000, 1000, 0, 0)
    assert b.conserve
    assert ledger.soldes(ledger.mouvements(journaux))[Compte.BANQUE] == 1000


def test_defacturation_avec_paiement_patient_transfere_en_acompte():
    journaux = [
        ledger.facturation("1", J, {Payeur.AMO: 600, Payeur.PATIENT: 400}),
        ledger.paiement("1", J, Payeur.PATIENT, 400),
        ledger.paiement_vers_acompte("1", J, 400),
        ledger.defacturation("1", J, {Payeur.AMO: 600, Payeur.PATIENT: 400}),
    ]
    b = ledger.bilan(ledger.mouvements(journaux))
    assert (b.facture_nette, b.paye, b.reste) == (0, 0, 0)
    assert ledger.soldes(ledger.mouvements(journaux))[Compte.ACOMPTES] == -400
    recyclee = [
        ledger.facturation("2", J, {Payeur.AMO: 600, Payeur.PATIENT: 400}),
        ledger.acompte_utilise("2", J, 400),
    ]
    b2 = ledger.bilan(ledger.mouvements(recyclee))
    assert (b2.paye, b2.reste_du[Payeur.PATIENT], b2.reste_du[Payeur.AMO]) == (400, 0, 600)
    assert ledger.soldes(ledger.mouvements(journaux + recyclee))[Compte.ACOMPTES] == 0


def test_un_paiement_mal_impute_casse_la_conservation():
    mal = Journal(
        NatureJournal.PAIEMENT_CAISSE,
        J,
        (Ecriture(Compte.BANQUE, 600), Ecriture(Compte.HONORAIRES, -600)),
        facture="1",
    )
    journaux = [ledger.facturation("1", J, {Payeur.AMO: 600}), mal]
    assert not ledger.bilan(ledger.mouvements(journaux)).conserve


def test_la_contre_passation_annule_exactement():
    f = ledger.facturation("1", J, {Payeur.AMO: 700, Payeur.PATIENT: 300})
    b = ledger.bilan(ledger.mouvements([f, ledger.contre_passation(f, J, "erreur de saisie")]))
    assert (b.facture_nette, b.paye, b.reste) == (0, 0, 0)


@pytest.mark.parametrize("montant", [0, -5])
def test_montants_nuls_ou_negatifs_refuses(montant):
    with pytest.raises(ValueError):
        ledger.paiement("1", J, Payeur.AMO, montant)


@given(
    amo=montants,
    amc=st.integers(0, 1_000_000),
    patient=st.integers(0, 1_000_000),
    fraction=st.fractions(0, 1),
    issue=st.sampled_from(["paye", "perte", "defacture"]),
)
def test_conservation_et_equilibre_sur_tout_parcours(amo, amc, patient, fraction, issue):
    parts = {Payeur.AMO: amo, Payeur.AMC: amc, Payeur.PATIENT: patient}
    journaux = [ledger.facturation("1", J, parts)]
    paye_amo = int(amo * fraction)
    if paye_amo:
        journaux.append(ledger.paiement("1", J, Payeur.AMO, paye_amo))
    if patient:
        journaux.append(ledger.paiement("1", J, Payeur.PATIENT, patient))
    reste_amo = amo - paye_amo
    if issue == "perte" and reste_amo:
        journaux.append(ledger.passage_en_perte("1", J, Payeur.AMO, reste_amo, "abandon"))
    if issue == "defacture" and not paye_amo:
        if patient:
            journaux.append(ledger.paiement_vers_acompte("1", J, patient))
        journaux.append(ledger.defacturation("1", J, {p: m for p, m in parts.items() if m}))
    assert all(j.balanced() for j in journaux)
    b = ledger.bilan(ledger.mouvements(journaux))
    assert b.conserve
    assert all(v >= 0 for v in b.reste_du.values())
    assert sum(ledger.soldes(ledger.mouvements(journaux)).values()) == 0
