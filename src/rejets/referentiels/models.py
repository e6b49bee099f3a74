"""Shared reference data, the same for every cabinet: organismes (caisses and mutuelles)."""

from django.db import models


class TypeOrganisme(models.TextChoices):
    CAISSE = "caisse", "Caisse (AMO)"
    MUTUELLE = "mutuelle", "Mutuelle (AMC)"


class Organisme(models.Model):
    """A payer. A caisse is keyed by régime (2) + caisse (3) + centre (4) as in the Table des
    Organismes Destinataires; a mutuelle by its AMC number (10 characters)."""

    type = models.CharField(max_length=10, choices=TypeOrganisme.choices)
    code = models.CharField(max_length=12)
    libelle = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["type", "code"], name="organisme_unique")]
        ordering = ["type", "code"]

    def __str__(self) -> str:
        return f"{self.libelle} ({self.code})"
