"""Each path of an invoice through the services, with the book checked after each step."""

from datetime import timedelta

import pytest

from rejets.compta.models import Journal
from rejets.compta.selectors import bilan_facture
from rejets.compta.verification import verifier
from rejets.domain.ledger import Compte, NatureJournal, Payeur
from rejets.domain.lifecycle import Etat, TransitionInterdite, TypePartie
from rejets.factures import services
from rejets.factures.models import Acompte, EvenementFacture, Facture, SuppressionInterdite
from rejets.lots.models import Lot
from rejets.transmission import services as transmission

from .conftest import JOUR

FSE, DRE = TypePartie.FSE, TypePartie.DRE


def livre_propre(monde):
    assert verifier([monde.cabinet]) == []


def transmettre(monde, facture, parties=(FSE,)):
    services.preparer(facture=facture, utilisateur=monde.utilisateur)
    transmission.securiser(facture=facture, utilisateur=monde.utilisateur, le=JOUR)
    for partie in parties:
        lot, _ = Lot.objects.get_or_create(
            cabinet=monde.cabinet, professionnel=monde.pro, numero="001", type_partie=partie
        )
        services.transmettre(
            facture=facture, partie=partie, lot=lot, le=JOUR, utilisateur=monde.utilisateur
        )
    facture.refresh_from_db()
    return facture


def test_numeros_pris_dans_la_plage_du_professionnel_sans_reutilisation(monde):
    numeros = [monde.facture().numero for _ in range(3)]
    assert numeros == ["900000001", "900000002", "900000003"]


def test_facturation_paiement_complet(monde):
    f = transmettre(monde, monde.facture())
    assert f.etat == Etat.TRANSMISE and f.deja_transmise
    services.recevoir_arl(facture=f, partie=FSE, positif=True, utilisateur=monde.utilisateur)
    services.enregistrer_paiement(
        facture=f, payeur=Payeur.AMO, montant=200, le=JOUR, utilisateur=monde.utilisateur
    )
    f.refresh_from_db()
    assert f.etat == Etat.PAYEE_PARTIELLEMENT
    livre_propre(monde)
    services.enregistrer_paiement(
        facture=f, payeur=Payeur.AMO, montant=400, le=JOUR, utilisateur=monde.utilisateur
    )
    services.enregistrer_paiement(
        facture=f, payeur=Payeur.PATIENT, montant=400, le=JOUR, utilisateur=monde.utilisateur
    )
    f.refresh_from_db()
    assert f.etat == Etat.PAYEE
    b = bilan_facture(f)
    assert (b.facture_nette, b.paye, b.reste) == (1000, 1000, 0)
    livre_propre(monde)


def test_un_paiement_au_dela_du_du_est_refuse(monde):
    f = transmettre(monde, monde.facture())
    with pytest.raises(services.OperationRefusee, match="dépasse"):
        services.enregistrer_paiement(
            facture=f, payeur=Payeur.AMO, montant=601, le=JOUR, utilisateur=monde.utilisateur
        )
    livre_propre(monde)


def test_transition_interdite_ne_laisse_aucune_trace(monde):
    f = monde.facture()
    evenements = EvenementFacture.objects.count()
    with pytest.raises(TransitionInterdite, match=f.numero):
        services.rejeter(
            facture=f, partie=FSE, code="X", libelle="Y", le=JOUR, utilisateur=monde.utilisateur
        )
    f.refresh_from_db()
    assert f.etat == Etat.BROUILLON
    assert EvenementFacture.objects.count() == evenements


def test_defacturer_une_facture_transmise_exige_un_rejet(monde):
    f = transmettre(monde, monde.facture())
    with pytest.raises(TransitionInterdite, match="après un rejet"):
        services.defacturer(facture=f, utilisateur=monde.utilisateur, le=JOUR)


def test_rejet_defacturation_acompte_et_recyclage(monde):
    f = transmettre(monde, monde.facture())
    services.enregistrer_paiement(
        facture=f, payeur=Payeur.PATIENT, montant=400, le=JOUR, utilisateur=monde.utilisateur
    )
    services.rejeter(
        facture=f,
        partie=FSE,
        code="A12",
        libelle="DROITS FERMES",
        le=JOUR,
        utilisateur=monde.utilisateur,
    )
    resultat = services.defacturer(
        facture=f, utilisateur=monde.utilisateur, le=JOUR, commentaire="Mettre à jour les droits"
    )
    assert any("acompte" in a for a in resultat.avertissements)
    f.refresh_from_db()
    assert f.etat == Etat.DEFACTUREE
    assert Acompte.objects.get(facture_origine=f).montant == 400
    b = bilan_facture(f)
    assert (b.facture_nette, b.paye, b.reste) == (0, 0, 0)
    livre_propre(monde)

    recyclage = services.recycler(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    nouvelle = recyclage.facture
    f.refresh_from_db()
    assert f.etat == Etat.RECYCLEE
    assert nouvelle.numero != f.numero and nouvelle.recyclee_de == f and f.recyclee_en == nouvelle
    assert (
        f.numero in recyclage.avertissements[0] and nouvelle.numero in recyclage.avertissements[0]
    )
    transmettre(monde, nouvelle)
    b2 = bilan_facture(nouvelle)
    assert b2.paye == 400 and b2.reste_du[Payeur.PATIENT] == 0
    livre_propre(monde)
    with pytest.raises(services.OperationRefusee, match="déjà été recyclée"):
        services.recycler(facture=f, utilisateur=monde.utilisateur, le=JOUR)


def test_facture_avec_dre_et_etat_d_ensemble(monde):
    f = transmettre(monde, monde.facture(amo=600, amc=300, patient=100), parties=(FSE, DRE))
    services.enregistrer_paiement(
        facture=f, payeur=Payeur.AMO, montant=600, le=JOUR, utilisateur=monde.utilisateur
    )
    f.refresh_from_db()
    assert f.etat == Etat.PAYEE_PARTIELLEMENT
    services.rejeter(
        facture=f,
        partie=DRE,
        code="M1",
        libelle="CONTRAT EXPIRE",
        le=JOUR,
        utilisateur=monde.utilisateur,
    )
    f.refresh_from_db()
    assert f.etat == Etat.REJETEE
    services.abandonner(
        facture=f,
        partie=DRE,
        motif="Patient facturé à part",
        utilisateur=monde.utilisateur,
        le=JOUR,
    )
    b = bilan_facture(f)
    assert (b.paye, b.perdu, b.reste) == (600, 300, 100)
    livre_propre(monde)


def test_facture_jamais_transmise_annulable_transmise_jamais(monde):
    brouillon = monde.facture()
    services.annuler(facture=brouillon, utilisateur=monde.utilisateur, le=JOUR)
    brouillon.refresh_from_db()
    assert brouillon.etat == Etat.ANNULEE
    securisee = monde.facture()
    services.preparer(facture=securisee, utilisateur=monde.utilisateur)
    transmission.securiser(facture=securisee, utilisateur=monde.utilisateur, le=JOUR)
    services.annuler(facture=securisee, utilisateur=monde.utilisateur, le=JOUR)
    assert bilan_facture(securisee).facture_nette == 0
    transmise = transmettre(monde, monde.facture())
    with pytest.raises(TransitionInterdite, match="annulation à la caisse"):
        services.annuler(facture=transmise, utilisateur=monde.utilisateur, le=JOUR)
    livre_propre(monde)


def test_une_facture_transmise_ne_se_supprime_pas(monde):
    f = transmettre(monde, monde.facture())
    with pytest.raises(SuppressionInterdite, match="jamais supprimée"):
        f.delete()
    assert Facture.objects.filter(pk=f.pk).exists()


def test_forclusion_passe_le_reste_en_perte(monde):
    f = transmettre(monde, monde.facture())
    services.recevoir_arl(facture=f, partie=FSE, positif=False, utilisateur=monde.utilisateur)
    services.forclore(
        facture=f, partie=FSE, utilisateur=monde.utilisateur, le=JOUR + timedelta(days=800)
    )
    f.refresh_from_db()
    assert f.etat == Etat.FORCLOSE
    b = bilan_facture(f)
    assert b.perdu == 600 and b.reste_du[Payeur.AMO] == 0
    perte = Journal.objects.get(facture=f, nature=NatureJournal.PASSAGE_EN_PERTE)
    assert {e.compte for e in perte.ecritures.all()} == {Compte.PERTES, Compte.CREANCE_AMO}
    livre_propre(monde)


def test_retransmission_apres_arl_negatif(monde):
    f = transmettre(monde, monde.facture())
    services.recevoir_arl(facture=f, partie=FSE, positif=False, utilisateur=monde.utilisateur)
    f.refresh_from_db()
    assert f.etat == Etat.A_RETRANSMETTRE
    lot2 = Lot.objects.create(cabinet=monde.cabinet, professionnel=monde.pro, numero="002")
    services.transmettre(facture=f, partie=FSE, lot=lot2, le=JOUR, utilisateur=monde.utilisateur)
    f.refresh_from_db()
    assert f.etat == Etat.TRANSMISE
    assert f.evenements.filter(evenement="retransmettre").count() == 1
