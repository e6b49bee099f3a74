"""Follow-up: the stored worklist. Each row is one thing a person must do about an invoice (or
a payment awaiting allocation), with its amount at stake and a stored, indexed priority, kept
up to date by the daily deadline run (`rejets suivi echeances`). Owner and snooze belong to the
person and survive the refreshes."""

from django.conf import settings
from django.db import models

from rejets.cabinets.models import Cabinet
from rejets.factures.models import Facture
from rejets.referentiels.models import Organisme
from rejets.retours.models import PaiementEnAttente


class Motif(models.TextChoices):
    REJET = "rejet", "Rejet à traiter"
    A_RETRANSMETTRE = "a_retransmettre", "Lot à retransmettre (ARL négatif)"
    TRAITEMENT_CAISSE = "traitement_caisse", "Traitement caisse trop long"
    IMPAYE_SANS_RETOUR = "impaye_sans_retour", "Impayé sans retour"
    ENVOI_EN_RETARD = "envoi_en_retard", "Pas encore transmise, délai d'envoi dépassé"
    DEFACTUREE = "defacturee", "Défacturée, à recycler"
    RECYCLEE_NON_RETRANSMISE = "recyclee_non_retransmise", "Recyclée, pas encore retransmise"
    COPIE_DEGRADEE = "copie_degradee", "Copie du mode dégradé à envoyer"
    PART_PATIENT = "part_patient", "Part du patient impayée"
    PAIEMENT_EN_ATTENTE = "paiement_en_attente", "Paiement en attente d'affectation"


class ElementATraiter(models.Model):
    """priorite = amount at stake (centimes) ÷ days left before forclusion (at least 1; 30 when
    there is no forclusion date), stored as an integer so it can be indexed."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.CASCADE, related_name="+")
    cle = models.CharField(max_length=80, unique=True)
    motif = models.CharField(max_length=30, choices=Motif.choices)
    facture = models.ForeignKey(
        Facture, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    partie = models.CharField(max_length=3, blank=True)
    paiement_en_attente = models.ForeignKey(
        PaiementEnAttente, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    organisme = models.ForeignKey(
        Organisme, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    famille = models.CharField(max_length=20, blank=True)
    montant = models.BigIntegerField()
    depuis = models.DateField(help_text="date d'origine : soins, rejet, transmission…")
    date_forclusion = models.DateField(null=True, blank=True)
    priorite = models.BigIntegerField(db_index=True)
    detail = models.CharField(max_length=300, blank=True)
    responsable = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reporte_au = models.DateField(null=True, blank=True)
    raison_report = models.CharField(max_length=300, blank=True)
    rafraichi_le = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["cabinet", "-priorite"], name="a_traiter_cabinet_prio")]

    def __str__(self) -> str:
        return f"{self.get_motif_display()} ({self.cle})"
