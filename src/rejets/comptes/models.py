"""Who read which invoice or patient: the consultation trail, append-only in the database.

A row names the object by its type and id (and an invoice by its number), never by a patient's
name or NIR; the page is the path of the URL, without its query string.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from rejets.cabinets.models import Cabinet


class Consultation(models.Model):
    """One display of health data (an invoice, a patient) to one user."""

    le = models.DateTimeField(default=timezone.now)
    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations"
    )
    adresse = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    cabinet = models.ForeignKey(
        Cabinet, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    type_objet = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    objet_id = models.CharField("identifiant de l'objet", max_length=64)
    reference = models.CharField(
        "référence", max_length=64, blank=True, help_text="numéro de facture, jamais un nom"
    )
    page = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-le", "-pk"]
        indexes = [
            models.Index(fields=["cabinet", "le"]),
            models.Index(fields=["utilisateur", "le"]),
            models.Index(fields=["type_objet", "objet_id"]),
        ]

    def __str__(self) -> str:
        return f"Consultation n° {self.pk}"
