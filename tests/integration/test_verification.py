"""`rejets compta verifier` finds and lists every kind of discrepancy in the book."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rejets.compta.models import Ecriture, Journal
from rejets.compta.verification import verifier
from rejets.domain.ledger import Compte, NatureJournal
from rejets.factures import services
from rejets.factures.models import Facture
from rejets.transmission import services as transmission

from .conftest import JOUR


def facturee(monde):
    f = monde.facture()
    services.preparer(facture=f, utilisateur=monde.utilisateur)
    transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    return f


def test_livre_propre_puis_commande_verte(monde):
    facturee(monde)
    assert verifier([monde.cabinet]) == []
    sortie = io.StringIO()
    call_command("compta", "verifier", stdout=sortie)
    assert "aucune anomalie" in sortie.getvalue()


def test_journal_desequilibre_et_paiement_mal_impute(monde):
    f = facturee(monde)
    mal = Journal.objects.create(
        cabinet=monde.cabinet,
        facture=f,
        nature=NatureJournal.PAIEMENT_CAISSE,
        date=JOUR,
        libelle="saisie directe",
        utilisateur=monde.utilisateur,
    )
    Ecriture.objects.create(
        cabinet=monde.cabinet, journal=mal, facture=f, compte=Compte.BANQUE, montant=100
    )
    Ecriture.objects.create(
        cabinet=monde.cabinet, journal=mal, facture=f, compte=Compte.HONORAIRES, montant=-90
    )
    messages = [str(a) for a in verifier([monde.cabinet])]
    assert any("déséquilibré de 0,10" in m for m in messages)
    assert any("facturé" in m and "≠ payé" in m for m in messages)
    with pytest.raises(CommandError, match="anomalie"):
        call_command("compta", "verifier", "--cabinet", monde.cabinet.code, stdout=io.StringIO())


def test_etat_incoherent_avec_les_parties_et_les_ecritures(monde):
    f = facturee(monde)
    Facture.objects.filter(pk=f.pk).update(etat="payee")
    f.parties.update(etat="payee")
    messages = [str(a) for a in verifier([monde.cabinet])]
    assert any("reste dû 6,00" in m and "Payée" in m for m in messages)
    Facture.objects.filter(pk=f.pk).update(etat="rejetee")
    assert any("état déduit" in str(a) for a in verifier([monde.cabinet]))
