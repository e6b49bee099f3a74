"""Lots: the files that carry invoices to one destination organisme."""

from django.db import models

from rejets.cabinets.models import Cabinet, Professionnel
from rejets.domain.lifecycle import TypePartie
from rejets.referentiels.models import Organisme


class Arl(models.TextChoices):
    ATTENDU = "attendu", "ARL attendu"
    POSITIF = "positif", "ARL positif"
    NEGATIF = "negatif", "ARL négatif"


class Lot(models.Model):
    """A lot is numbered per professional; an imported invoice brings the number it had. A lot
    built by Rejets has its file (REJETS-LOT-1) and is sent once (`date_envoi`)."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT, related_name="lots")
    professionnel = models.ForeignKey(Professionnel, on_delete=models.PROTECT)
    numero = models.CharField(max_length=20)
    type_partie = models.CharField(
        max_length=3, choices=[(t.value, t.libelle) for t in TypePartie], default=TypePartie.FSE
    )
    organisme = models.ForeignKey(Organisme, on_delete=models.PROTECT, null=True, blank=True)
    date_envoi = models.DateField(null=True, blank=True)
    arl = models.CharField(max_length=10, choices=Arl.choices, default=Arl.ATTENDU)
    fichier = models.CharField(
        max_length=255, blank=True, help_text="fichier du lot construit par Rejets"
    )
    construit_le = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["professionnel", "type_partie", "numero"], name="lot_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Lot {self.numero}"
