"""The book: journals and their postings, append-only in the database itself."""

from django.conf import settings
from django.db import models

from rejets.cabinets.models import Cabinet
from rejets.domain.ledger import Compte, NatureJournal
from rejets.factures.models import EvenementFacture, Facture


class Journal(models.Model):
    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT)
    facture = models.ForeignKey(
        Facture, on_delete=models.PROTECT, null=True, blank=True, related_name="journaux"
    )
    evenement = models.ForeignKey(EvenementFacture, on_delete=models.PROTECT, null=True, blank=True)
    nature = models.CharField(max_length=30, choices=[(n.value, n.libelle) for n in NatureJournal])
    date = models.DateField()
    libelle = models.CharField(max_length=200)
    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, db_index=False
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "pk"]


class Ecriture(models.Model):
    """A posting: signed centimes, debit positive and credit negative.

    `cabinet` and `facture` repeat the journal's, for scoped reads without a join; the
    journal's foreign keys guard them in the database and `rejets compta verifier` checks they
    agree, so they carry no constraint of their own (half the foreign-key checks of a large
    import on PostgreSQL)."""

    cabinet = models.ForeignKey(
        Cabinet, on_delete=models.PROTECT, db_index=False, db_constraint=False
    )
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="ecritures")
    facture = models.ForeignKey(
        Facture,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ecritures",
        db_constraint=False,
    )
    compte = models.CharField(max_length=12, choices=[(c.value, c.libelle) for c in Compte])
    montant = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["cabinet", "facture"])]
