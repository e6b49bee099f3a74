"""Patients of a cabinet, their rights (AMO periods, AMC contract) and their prescriptions.

These rows hold identity (NIR, names, birth date); events and audit rows only ever reference a
patient by id.
"""

from django.db import models

from rejets.cabinets.models import Cabinet
from rejets.referentiels.models import Organisme


class Patient(models.Model):
    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT, related_name="patients")
    nir = models.CharField("NIR", max_length=15)
    rang = models.PositiveSmallIntegerField(default=1)
    nom = models.CharField(max_length=100)
    prenom = models.CharField(max_length=100)
    date_naissance = models.DateField()
    regime = models.CharField(max_length=2)
    caisse = models.CharField(max_length=3)
    centre = models.CharField(max_length=4)
    nature_assurance = models.CharField(max_length=2, default="10")
    exoneration = models.CharField(max_length=1, default="0")
    taux_remboursement = models.PositiveSmallIntegerField(default=60)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cabinet", "nir", "rang", "date_naissance"], name="patient_unique"
            )
        ]
        ordering = ["nom", "prenom"]

    def __str__(self) -> str:
        return f"Patient n° {self.pk}"


class PeriodeDroits(models.Model):
    """A period during which the patient's AMO rights are open (fin empty: still open)."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="droits")
    debut = models.DateField(null=True, blank=True)
    fin = models.DateField(null=True, blank=True)


class ContratAMC(models.Model):
    """The patient's complementary insurance contract (mutuelle), valid between two dates."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="contrats_amc")
    organisme = models.ForeignKey(Organisme, on_delete=models.PROTECT)
    contrat = models.CharField(max_length=50, blank=True)
    debut = models.DateField(null=True, blank=True)
    fin = models.DateField(null=True, blank=True)


class Prescription(models.Model):
    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="prescriptions")
    prescripteur_nom = models.CharField(max_length=100)
    prescripteur_rpps = models.CharField(max_length=11, blank=True)
    date = models.DateField()
    a_domicile = models.BooleanField(default=False)
    scan = models.CharField("référence du scan", max_length=200, blank=True)
