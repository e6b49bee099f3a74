"""Reads of the book, always scoped to a cabinet or an invoice of it."""

from django.db.models import Sum

from rejets.domain import ledger
from rejets.factures.models import Facture

from .models import Ecriture, Journal


def mouvements_facture(facture: Facture) -> list[ledger.Mouvement]:
    lignes = (
        Ecriture.objects.filter(cabinet_id=facture.cabinet_id, facture=facture)
        .values("journal__nature", "compte")
        .annotate(montant=Sum("montant"))
    )
    return [
        ledger.Mouvement(
            ledger.NatureJournal(r["journal__nature"]), ledger.Compte(r["compte"]), r["montant"]
        )
        for r in lignes
    ]


def bilan_facture(facture: Facture) -> ledger.BilanFacture:
    return ledger.bilan(mouvements_facture(facture))


def journaux_facture(facture: Facture) -> list[Journal]:
    return list(
        Journal.objects.filter(cabinet_id=facture.cabinet_id, facture=facture)
        .prefetch_related("ecritures")
        .order_by("pk")
    )
