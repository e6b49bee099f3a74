"""What the transmission adapter records: the securing of an invoice (its frozen digest, the mode,
the answer of the certified component), the digital pieces of a mode dégradé invoice (care
sheet, scanned prescription) and the SCOR lots that carry them (DOMAIN.md sections 2 and 3)."""

from django.conf import settings
from django.db import models

from rejets.cabinets.models import Cabinet, Professionnel
from rejets.factures.models import Facture
from rejets.referentiels.models import Organisme


class Mode(models.TextChoices):
    VITALE = "vitale", "Carte Vitale lue"
    DEGRADE = "degrade", "Mode dégradé (sans carte Vitale)"


class StatutSecurisation(models.TextChoices):
    DEMANDEE = "demandee", "Demandée au composant certifié"
    ACCORDEE = "accordee", "Sécurisée"
    REFUSEE = "refusee", "Refusée par le composant certifié"


class Securisation(models.Model):
    """A request to secure an invoice and its answer. The digest is that of the content sent
    (`rejets.domain.scellement`); at most one request is pending or granted per invoice."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT)
    facture = models.ForeignKey(Facture, on_delete=models.PROTECT, related_name="securisations")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.VITALE)
    empreinte = models.CharField(max_length=64)
    adaptateur = models.CharField(max_length=20)
    statut = models.CharField(
        max_length=10, choices=StatutSecurisation.choices, default=StatutSecurisation.DEMANDEE
    )
    motif = models.CharField(max_length=500, blank=True)
    demandee_le = models.DateField()
    repondue_le = models.DateField(null=True, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["facture"],
                condition=~models.Q(statut="refusee"),
                name="securisation_une_active",
            )
        ]
        indexes = [models.Index(fields=["cabinet", "statut"])]

    def __str__(self) -> str:
        return f"Sécurisation de la facture {self.facture_id} ({self.get_statut_display()})"


class TypePiece(models.TextChoices):
    FEUILLE_DE_SOINS = "feuille_de_soins", "Feuille de soins signée"
    PRESCRIPTION = "prescription", "Prescription numérisée"
    AUTRE = "autre", "Autre pièce justificative"


class LotScor(models.Model):
    """A lot of digital pieces (SCOR) for one destination organisme: PDF files plus a manifest
    (docs/formats/scor-rejets.md), numbered in the professional's sequence of lots."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT, related_name="lots_scor")
    professionnel = models.ForeignKey(Professionnel, on_delete=models.PROTECT)
    numero = models.CharField(max_length=20)
    organisme = models.ForeignKey(Organisme, on_delete=models.PROTECT, null=True, blank=True)
    dossier = models.CharField(max_length=255)
    construit_le = models.DateField()
    date_envoi = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["professionnel", "numero"], name="lot_scor_unique")
        ]

    def __str__(self) -> str:
        return f"Lot SCOR {self.numero}"


class Piece(models.Model):
    """A digital piece of an invoice, stored under REJETS_FICHIERS_DIR by its SHA-256."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT)
    facture = models.ForeignKey(Facture, on_delete=models.PROTECT, related_name="pieces")
    type = models.CharField(max_length=20, choices=TypePiece.choices)
    nom_fichier = models.CharField(max_length=255)
    chemin = models.CharField(max_length=255)
    format = models.CharField(max_length=4)
    sha256 = models.CharField(max_length=64)
    taille = models.PositiveIntegerField()
    lot_scor = models.ForeignKey(
        LotScor, on_delete=models.PROTECT, null=True, blank=True, related_name="pieces"
    )
    ajoutee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ajoutee_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facture", "type", "pk"]
        indexes = [models.Index(fields=["cabinet", "facture"])]

    def __str__(self) -> str:
        return f"{self.get_type_display()} de la facture {self.facture_id}"
