"""Invoices (FSE with its DRE), their acts, payments, rejections, deposits and events.

The state of each part follows `rejets.domain.lifecycle`; only `rejets.factures.services`
changes it, in one transaction with the event and the journal.
"""

from typing import Any

from django.conf import settings
from django.db import models

from rejets.cabinets.models import Cabinet, Professionnel
from rejets.domain.ledger import Payeur
from rejets.domain.lifecycle import Etat, Evenement, TypePartie
from rejets.lots.models import Lot
from rejets.patients.models import Patient, Prescription
from rejets.referentiels.models import Organisme

ETATS = [(e.value, e.libelle) for e in Etat]
PARTIES = [(t.value, t.libelle) for t in TypePartie]
PAYEURS = [(p.value, p.libelle) for p in Payeur]


class SuppressionInterdite(Exception):
    """A transmitted invoice is never deleted (DOMAIN.md section 3)."""


class TiersPayant(models.TextChoices):
    AUCUN = "aucun", "Sans tiers payant"
    AMO = "amo", "Tiers payant AMO"
    AMO_AMC = "amo_amc", "Tiers payant AMO et AMC"


class Origine(models.TextChoices):
    IMPORT = "import", "Importée du logiciel de facturation"
    REJETS = "rejets", "Facturée dans Rejets"


class Facture(models.Model):
    cabinet = models.ForeignKey(
        Cabinet, on_delete=models.PROTECT, related_name="factures", db_index=False
    )
    professionnel = models.ForeignKey(Professionnel, on_delete=models.PROTECT, db_index=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="factures")
    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, null=True, blank=True)
    numero = models.CharField(max_length=9)
    origine = models.CharField(max_length=10, choices=Origine.choices, default=Origine.REJETS)
    etat = models.CharField(max_length=24, choices=ETATS, default=Etat.BROUILLON)
    tiers_payant = models.CharField(
        max_length=10, choices=TiersPayant.choices, default=TiersPayant.AUCUN
    )
    regime = models.CharField(max_length=2)
    caisse = models.CharField(max_length=3)
    centre = models.CharField(max_length=4)
    nature_assurance = models.CharField(max_length=2, default="10")
    exoneration = models.CharField(max_length=1, default="0")
    taux_remboursement = models.PositiveSmallIntegerField(default=60)
    date_soins = models.DateField()
    total = models.BigIntegerField(default=0)
    part_amo = models.BigIntegerField(default=0)
    part_amc = models.BigIntegerField(default=0)
    part_patient = models.BigIntegerField(default=0)
    deja_transmise = models.BooleanField(default=False)
    recyclee_de = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="recyclee_en"
    )
    commentaire = models.TextField(blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["professionnel", "numero"], name="facture_unique"),
            models.CheckConstraint(
                condition=models.Q(
                    total=models.F("part_amo") + models.F("part_amc") + models.F("part_patient"),
                    part_amo__gte=0,
                    part_amc__gte=0,
                    part_patient__gte=0,
                ),
                name="facture_repartition",
            ),
        ]
        indexes = [models.Index(fields=["cabinet", "etat"])]
        ordering = ["-date_soins", "numero"]

    def __str__(self) -> str:
        return f"Facture {self.numero}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.deja_transmise:
            raise SuppressionInterdite(
                f"La facture {self.numero} a été transmise : elle ne sera jamais supprimée. "
                "Après un rejet, défacturez-la puis recyclez-la."
            )
        return super().delete(*args, **kwargs)

    def part_de(self, payeur: Payeur) -> int:
        return {Payeur.AMO: self.part_amo, Payeur.AMC: self.part_amc}.get(payeur, self.part_patient)


class Partie(models.Model):
    """The FSE (claim on the caisse) or the DRE (claim on the mutuelle) of an invoice."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT)
    facture = models.ForeignKey(
        Facture, on_delete=models.CASCADE, related_name="parties", db_index=False
    )
    type = models.CharField(max_length=3, choices=PARTIES)
    etat = models.CharField(max_length=24, choices=ETATS, default=Etat.BROUILLON)
    organisme = models.ForeignKey(Organisme, on_delete=models.PROTECT, null=True, blank=True)
    montant = models.BigIntegerField(default=0)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True)
    date_transmission = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["facture", "type"], name="partie_unique")]
        ordering = ["type"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} de la facture {self.facture_id}"


class Acte(models.Model):
    """A raw act of a visit, as coded by the billing software, with its valued line if any."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT)
    facture = models.ForeignKey(Facture, on_delete=models.CASCADE, related_name="actes")
    ordre = models.PositiveSmallIntegerField()
    date = models.DateField()
    heure = models.TimeField(null=True, blank=True)
    heure_appel = models.TimeField(null=True, blank=True)
    lettre_cle = models.CharField(max_length=4)
    coefficient = models.DecimalField(max_digits=7, decimal_places=3)
    nature = models.CharField(max_length=50, blank=True)
    lieu = models.CharField(max_length=10, default="domicile")
    distance_km = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    zone = models.CharField(max_length=10, blank=True)
    meme_commune = models.BooleanField(null=True, blank=True)
    montant = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["ordre"]


class SourceRejet(models.TextChoices):
    ELECTRONIQUE = "electronique", "Électronique (retour NOEMIE)"
    PAPIER = "papier", "Papier ou téléphone (saisi à la main)"


class Rejet(models.Model):
    """A rejection of one part, with its code and label exactly as received."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT)
    facture = models.ForeignKey(Facture, on_delete=models.PROTECT, related_name="rejets")
    partie = models.CharField(max_length=3, choices=PARTIES)
    code = models.CharField(max_length=20)
    libelle = models.CharField(max_length=500)
    date = models.DateField()
    source = models.CharField(max_length=15, choices=SourceRejet.choices)
    cree_le = models.DateTimeField(auto_now_add=True)


class MoyenPaiement(models.TextChoices):
    VIREMENT = "virement", "Virement"
    ESPECES = "especes", "Espèces"
    CHEQUE = "cheque", "Chèque"
    CARTE = "carte", "Carte"


class Paiement(models.Model):
    """Money received for an invoice from the caisse, the mutuelle or the patient; a negative
    amount is an indu, taken back by the caisse or the mutuelle."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT)
    facture = models.ForeignKey(Facture, on_delete=models.PROTECT, related_name="paiements")
    payeur = models.CharField(max_length=10, choices=PAYEURS)
    moyen = models.CharField(max_length=10, choices=MoyenPaiement.choices)
    montant = models.BigIntegerField()
    date = models.DateField()
    reference = models.CharField(max_length=50, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(montant=0), name="paiement_non_nul")
        ]
        ordering = ["date", "pk"]


class Acompte(models.Model):
    """A patient deposit: the patient's payment on an invoice that was unbilled, kept to pay the
    patient part of the recycled invoice."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="acomptes")
    facture_origine = models.ForeignKey(
        Facture, on_delete=models.PROTECT, related_name="acomptes_crees"
    )
    montant = models.BigIntegerField()
    date = models.DateField()


class UtilisationAcompte(models.Model):
    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT)
    acompte = models.ForeignKey(Acompte, on_delete=models.PROTECT, related_name="utilisations")
    facture = models.ForeignKey(Facture, on_delete=models.PROTECT, related_name="acomptes_utilises")
    montant = models.BigIntegerField()
    date = models.DateField()


class EvenementFacture(models.Model):
    """What happened to an invoice, who did it and when. Append-only; never holds identity
    fields (the patient is reached through the invoice, by id)."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT, db_index=False)
    facture = models.ForeignKey(Facture, on_delete=models.PROTECT, related_name="evenements")
    evenement = models.CharField(max_length=40)
    partie = models.CharField(max_length=3, choices=PARTIES, blank=True)
    etat_avant = models.CharField(max_length=24, choices=ETATS, blank=True)
    etat_apres = models.CharField(max_length=24, choices=ETATS, blank=True)
    details = models.JSONField(default=dict, blank=True)
    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, db_index=False
    )
    horodatage = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["horodatage", "pk"]
        indexes = [models.Index(fields=["cabinet", "facture"])]

    @property
    def libelle(self) -> str:
        try:
            return Evenement(self.evenement).libelle
        except ValueError:
            return LIBELLES_AUTRES_EVENEMENTS.get(self.evenement, self.evenement)


LIBELLES_AUTRES_EVENEMENTS = {
    "creation": "Création",
    "import": "Import depuis le logiciel de facturation",
    "paiement_patient": "Paiement du patient",
    "acompte_utilise": "Acompte utilisé",
    "action": "Action de suivi (réclamation, duplicata, annulation, facture au patient…)",
}
