"""What a matched return line does to its part (DOMAIN.md sections 2 and 9)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rejets.domain.lifecycle import Etat, TypePartie, est_permise
from rejets.domain.rapprochement import (
    EVENEMENT_DE_L_ACTION,
    Action,
    Issue,
    LigneRetour,
    Situation,
    decider,
)


def ligne(montant: int, issue: Issue = Issue.PAYEE, partie: str = "AMO") -> LigneRetour:
    return LigneRetour(1, partie, "751000018", "900000001", issue, montant)


def test_paiement_du_reste_solde_la_partie():
    """A payment equal to what the payer still owes pays the part in full."""
    assert decider(ligne(600), Situation(Etat.LOT_RECU, 600, 0)).action is Action.PAYER


def test_paiement_inferieur_au_reste_est_partiel():
    assert (
        decider(ligne(250), Situation(Etat.TRANSMISE, 600, 0)).action is Action.PAYER_PARTIELLEMENT
    )


def test_paiement_au_dela_du_reste_va_en_attente():
    """Money is never refused: more than owed is parked for a person (DOMAIN.md section 9)."""
    d = decider(ligne(700), Situation(Etat.TRANSMISE, 600, 0))
    assert d.action is Action.ATTENTE
    assert "dépasse le reste dû" in d.motif


def test_paiement_sur_facture_defacturee_va_en_attente():
    d = decider(ligne(600), Situation(Etat.DEFACTUREE, 0, 0))
    assert d.action is Action.ATTENTE
    assert "Défacturée" in d.motif


def test_paiement_sans_partie_correspondante_va_en_attente():
    assert decider(ligne(300, partie="AMC"), None).action is Action.ATTENTE


def test_rejet_et_traitement_caisse():
    assert decider(ligne(0, Issue.REJETEE), Situation(Etat.LOT_RECU, 600, 0)).action is (
        Action.REJETER
    )
    assert decider(ligne(0, Issue.TRAITEMENT_CAISSE), Situation(Etat.TRANSMISE, 600, 0)).action is (
        Action.TRAITEMENT_CAISSE
    )


def test_rejet_sur_facture_payee_est_a_examiner():
    d = decider(ligne(0, Issue.REJETEE), Situation(Etat.PAYEE, 0, 600))
    assert d.action is Action.A_EXAMINER
    assert "Payée" in d.motif


def test_indu_sur_partie_payee():
    """A negative amount takes back money the organisme paid."""
    assert decider(ligne(-200, Issue.REJETEE), Situation(Etat.PAYEE, 0, 600)).action is Action.INDU


def test_indu_superieur_au_paye_va_en_attente():
    d = decider(ligne(-700), Situation(Etat.PAYEE, 0, 600))
    assert d.action is Action.ATTENTE


situations = st.builds(
    Situation,
    st.sampled_from(list(Etat)),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
)
lignes = st.builds(
    LigneRetour,
    st.integers(1, 10**6),
    st.sampled_from(["AMO", "AMC"]),
    st.just("751000018"),
    st.just("900000001"),
    st.sampled_from(list(Issue)),
    st.integers(-10_000, 10_000),
)


@given(lignes, st.one_of(st.none(), situations))
def test_une_decision_est_toujours_permise_et_l_argent_jamais_perdu(lue, situation):
    """Every decision is a move the lifecycle allows, or it parks the money (if any) or queues
    the line; a payment never exceeds what is owed, an indu never what was paid."""
    d = decider(lue, situation)
    evenement = EVENEMENT_DE_L_ACTION.get(d.action)
    if evenement is not None:
        assert situation is not None
        partie = TypePartie.FSE if lue.partie == "AMO" else TypePartie.DRE
        assert est_permise(evenement, {partie: situation.etat}, partie)
        if d.action in {Action.PAYER, Action.PAYER_PARTIELLEMENT}:
            assert 0 < lue.montant_paye <= situation.reste_du
        if d.action is Action.INDU:
            assert 0 < -lue.montant_paye <= situation.paye
    elif lue.montant_paye:
        assert d.action is Action.ATTENTE and d.motif
    else:
        assert d.action is Action.A_EXAMINER and d.motif


@given(
    st.dictionaries(
        st.text(max_size=8),
        st.one_of(st.integers(-(10**12), 10**12), st.text(max_size=20), st.booleans()),
        max_size=6,
    )
)
def test_le_json_des_evenements_est_celui_de_json_dumps(details):
    """The batch path writes event details with its own encoder: the same text as json.dumps."""
    import json

    from rejets.retours.ingestion import en_json

    assert en_json(details) == json.dumps(details)
