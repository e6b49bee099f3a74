"""Tracked actions: every step of the rejection workflow that waits on someone else (a
réclamation, a cancellation request, a duplicata, the paper copy of a recycled mode dégradé
invoice, a patient invoice, a paper claim to a mutuelle). The follow-up builds its reminders
on them."""

from django.conf import settings
from django.db import models

from rejets.cabinets.models import Cabinet
from rejets.domain.lifecycle import TypePartie
from rejets.factures.models import Facture


class TypeAction(models.TextChoices):
    RECLAMATION = "reclamation", "Réclamation"
    ANNULATION = "annulation", "Demande d'annulation le jour même"
    DUPLICATA = "duplicata", "Duplicata demandé par la caisse"
    COPIE_DEGRADEE = "copie_degradee", "Copie de la feuille de soins et bordereau (mode dégradé)"
    FACTURE_PATIENT = "facture_patient", "Facture au patient"
    DEMANDE_MUTUELLE = "demande_mutuelle", "Demande papier à la mutuelle"
    RELANCE_MUTUELLE = "relance_mutuelle", "Relance de la mutuelle"
    RAPPEL_PATIENT = "rappel_patient", "Rappel au patient"
    MISE_A_JOUR_VITALE = "mise_a_jour_vitale", "Demande de mise à jour de la carte Vitale"


class StatutAction(models.TextChoices):
    A_FAIRE = "a_faire", "À faire"
    EN_ATTENTE = "en_attente", "Envoyée, en attente de réponse"
    TERMINEE = "terminee", "Terminée"
    ABANDONNEE = "abandonnee", "Abandonnée"


STATUTS_OUVERTS = (StatutAction.A_FAIRE, StatutAction.EN_ATTENTE)


class Action(models.Model):
    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT, related_name="actions")
    facture = models.ForeignKey(Facture, on_delete=models.PROTECT, related_name="actions")
    partie = models.CharField(
        max_length=3, choices=[(t.value, t.libelle) for t in TypePartie], blank=True
    )
    type = models.CharField(max_length=20, choices=TypeAction.choices)
    statut = models.CharField(
        max_length=12, choices=StatutAction.choices, default=StatutAction.A_FAIRE
    )
    echeance = models.DateField(null=True, blank=True)
    reponse = models.TextField(blank=True)
    responsable = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions_confiees",
    )
    creee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    document = models.CharField(
        max_length=255, blank=True, help_text="document produit, sous REJETS_FICHIERS_DIR"
    )
    details = models.JSONField(default=dict, blank=True)
    creee_le = models.DateTimeField(auto_now_add=True)
    modifiee_le = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["echeance", "pk"]
        indexes = [models.Index(fields=["cabinet", "statut"])]

    def __str__(self) -> str:
        return f"{self.get_type_display()} — facture {self.facture_id}"
