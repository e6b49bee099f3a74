"""Posting journals: the only writer of the book. Called inside the caller's transaction."""

from django.contrib.auth.models import User

from rejets.cabinets.models import Cabinet
from rejets.domain import ledger
from rejets.factures.models import EvenementFacture, Facture

from .models import Ecriture, Journal


def poster(
    *,
    journal: ledger.Journal,
    cabinet: Cabinet,
    facture: Facture | None,
    evenement: EvenementFacture | None,
    utilisateur: User,
) -> Journal:
    """Write a balanced journal and its postings; an unbalanced one never reaches the book."""
    journal.verifie()
    ligne = Journal.objects.create(
        cabinet=cabinet,
        facture=facture,
        evenement=evenement,
        nature=journal.nature,
        date=journal.date,
        libelle=journal.libelle[:200],
        utilisateur=utilisateur,
    )
    Ecriture.objects.bulk_create(
        Ecriture(
            cabinet=cabinet, journal=ligne, facture=facture, compte=e.compte, montant=e.montant
        )
        for e in journal.ecritures
    )
    return ligne
