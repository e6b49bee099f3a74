from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rejets.domain import lifecycle
from rejets.domain.lifecycle import (
    ETATS_FINAUX,
    TRANSITIONS,
    Etat,
    Evenement,
    Niveau,
    TransitionInterdite,
    TypePartie,
    appliquer,
    etat_facture,
    evenements_permis,
)

FSE, DRE = TypePartie.FSE, TypePartie.DRE
DOC = Path(__file__).resolve().parents[2] / "docs" / "lifecycle.md"

etats = st.sampled_from(list(Etat))
parties = st.one_of(
    st.builds(lambda f: {FSE: f}, etats), st.builds(lambda f, d: {FSE: f, DRE: d}, etats, etats)
)


def test_les_etats_demandes_existent_avec_un_libelle_francais():
    attendus = {
        "brouillon",
        "prete",
        "securisee",
        "transmise",
        "a_retransmettre",
        "lot_recu",
        "payee",
        "payee_partiellement",
        "rejetee",
        "en_traitement_caisse",
        "defacturee",
        "recyclee",
        "annulee",
        "exportee",
        "forclose",
        "abandonnee",
    }
    assert attendus <= {e.value for e in Etat}
    assert all(e.value.isascii() and e.libelle for e in Etat)
    assert Etat.PRETE.libelle == "Prête"


def test_chaque_etat_est_atteignable_depuis_le_brouillon():
    atteints, a_voir = {Etat.BROUILLON}, [Etat.BROUILLON]
    while a_voir:
        etat = a_voir.pop()
        for t in TRANSITIONS.values():
            if etat in t.depuis and t.vers not in atteints:
                atteints.add(t.vers)
                a_voir.append(t.vers)
    assert atteints == set(Etat)


def test_aucune_transition_ne_quitte_un_etat_final():
    for t in TRANSITIONS.values():
        assert not (t.depuis & ETATS_FINAUX), t.evenement


def test_transition_interdite_nomme_la_facture_l_etat_et_le_mouvement():
    with pytest.raises(TransitionInterdite) as refus:
        appliquer("900000123", Evenement.PAYER, {FSE: Etat.BROUILLON}, FSE)
    message = str(refus.value)
    assert "900000123" in message
    assert "Brouillon" in message
    assert "Paiement" in message
    assert refus.value.etat is Etat.BROUILLON


def test_une_transition_de_partie_ne_bouge_que_sa_partie():
    nouveaux = appliquer(
        "1", Evenement.ARL_POSITIF, {FSE: Etat.TRANSMISE, DRE: Etat.TRANSMISE}, DRE
    )
    assert nouveaux == {FSE: Etat.TRANSMISE, DRE: Etat.LOT_RECU}


def test_une_transition_de_facture_bouge_toutes_les_parties_ou_aucune():
    assert appliquer("1", Evenement.DEFACTURER, {FSE: Etat.REJETEE, DRE: Etat.REJETEE}) == {
        FSE: Etat.DEFACTUREE,
        DRE: Etat.DEFACTUREE,
    }
    with pytest.raises(TransitionInterdite) as refus:
        appliquer("1", Evenement.DEFACTURER, {FSE: Etat.REJETEE, DRE: Etat.LOT_RECU})
    assert refus.value.partie is DRE


@pytest.mark.parametrize(
    ("fse", "dre", "attendu"),
    [
        (Etat.PAYEE, None, Etat.PAYEE),
        (Etat.PAYEE, Etat.PAYEE, Etat.PAYEE),
        (Etat.PAYEE, Etat.LOT_RECU, Etat.PAYEE_PARTIELLEMENT),
        (Etat.PAYEE, Etat.REJETEE, Etat.REJETEE),
        (Etat.LOT_RECU, Etat.EN_TRAITEMENT_CAISSE, Etat.EN_TRAITEMENT_CAISSE),
        (Etat.SECURISEE, Etat.PRETE, Etat.PRETE),
        (Etat.PAYEE, Etat.ABANDONNEE, Etat.PAYEE),
    ],
)
def test_etat_de_la_facture_deduit_des_parties(fse, dre, attendu):
    etats = {FSE: fse} if dre is None else {FSE: fse, DRE: dre}
    assert etat_facture(etats) is attendu


@given(parties)
def test_l_etat_deduit_est_celui_d_une_partie_ou_payee_partiellement(etats_parties):
    etat = etat_facture(etats_parties)
    assert etat in set(etats_parties.values()) | {Etat.PAYEE_PARTIELLEMENT}


@given(parties, st.sampled_from(list(Evenement)), st.sampled_from([FSE, DRE]))
def test_appliquer_suit_exactement_la_table(etats_parties, evenement, partie):
    t = TRANSITIONS[evenement]
    permis = lifecycle.est_permise(evenement, etats_parties, partie)
    if t.niveau is Niveau.PARTIE and partie not in etats_parties:
        return
    if not permis:
        with pytest.raises(TransitionInterdite):
            appliquer("1", evenement, etats_parties, partie)
        return
    nouveaux = appliquer("1", evenement, etats_parties, partie)
    changes = {p for p in etats_parties if nouveaux[p] != etats_parties[p] or p == partie}
    if t.niveau is Niveau.PARTIE:
        assert nouveaux[partie] is t.vers
        assert all(nouveaux[p] is etats_parties[p] for p in etats_parties if p != partie)
    else:
        assert set(nouveaux.values()) == {t.vers}
    assert changes


@given(parties)
def test_les_actions_proposees_sont_exactement_les_permises(etats_parties):
    proposes = set(evenements_permis(etats_parties))
    for evenement, t in TRANSITIONS.items():
        cibles = [None] if t.niveau is Niveau.FACTURE else list(etats_parties)
        for p in cibles:
            assert ((evenement, p) in proposes) == lifecycle.est_permise(
                evenement, etats_parties, p
            )


def test_la_documentation_publie_toute_la_table():
    texte = DOC.read_text(encoding="utf-8")
    for t in TRANSITIONS.values():
        assert f"`{t.evenement.value}`" in texte, t.evenement
        for etat in t.depuis | {t.vers}:
            assert f"`{etat.value}`" in texte
    assert "stateDiagram" in texte
