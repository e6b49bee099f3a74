"""Received return files (ARL, NOEMIE-like returns, spreadsheets), every line read from them,
and the money awaiting allocation.

A file is known by its SHA-256: importing it again returns the first import's report. Its
lines are kept per cabinet: those of a cabinet the importing user may not act for stay pending
until a user who may imports the file. Lines and parked payments hold identity (NIR): they are
read only through the selectors, scoped to the user's cabinets.
"""

from django.conf import settings
from django.db import models

from rejets.cabinets.models import Cabinet
from rejets.compta.models import Journal
from rejets.domain.ledger import Payeur
from rejets.factures.models import Facture


class StatutFichier(models.TextChoices):
    IMPORTE = "importe", "Importé"
    QUARANTAINE = "quarantaine", "Refusé, en quarantaine"


class FichierRetour(models.Model):
    sha256 = models.CharField(max_length=64, unique=True)
    nom = models.CharField(max_length=255)
    taille = models.BigIntegerField()
    format = models.CharField(max_length=40, blank=True)
    date = models.DateField(
        "date du fichier", null=True, blank=True, help_text="celle de l'en-tête, si elle y est"
    )
    statut = models.CharField(max_length=12, choices=StatutFichier.choices)
    motif = models.TextField(blank=True)
    ligne_fautive = models.PositiveIntegerField(null=True, blank=True)
    chemin = models.CharField("copie conservée", max_length=500)
    lignes_lues = models.PositiveIntegerField(default=0)
    importe_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    importe_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-importe_le", "-pk"]

    def __str__(self) -> str:
        return f"Fichier de retour {self.nom}"


class ImportRetour(models.Model):
    """The share of a file that concerns one cabinet, and its report once applied."""

    fichier = models.ForeignKey(FichierRetour, on_delete=models.PROTECT, related_name="imports")
    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT, related_name="imports_retours")
    applique = models.BooleanField(default=False)
    applique_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    applique_le = models.DateTimeField(null=True, blank=True)
    lues = models.PositiveIntegerField(default=0)
    appliquees = models.PositiveIntegerField(default=0)
    en_attente_affectation = models.PositiveIntegerField(default=0)
    non_rapprochees = models.PositiveIntegerField(default=0)
    suggestions = models.PositiveIntegerField(default=0)
    refusees = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fichier", "cabinet"], name="import_retour_unique")
        ]


class StatutLigne(models.TextChoices):
    APPLIQUEE = "appliquee", "Appliquée"
    EN_ATTENTE_AFFECTATION = "attente", "Appliquée en paiement en attente d'affectation"
    NON_RAPPROCHEE = "non_rapprochee", "Non rapprochée"
    REFUSEE = "refusee", "Refusée"
    EN_ATTENTE_CABINET = "en_attente", "En attente d'un utilisateur du cabinet"
    RAPPROCHEE = "rapprochee", "Rapprochée à la main"
    ECARTEE = "ecartee", "Écartée à la main"


class TypeLigne(models.TextChoices):
    RETOUR = "retour", "Retour de facture"
    ARL = "arl", "ARL de lot"


class LigneRetour(models.Model):
    """One line of a return file and what became of it."""

    fichier = models.ForeignKey(
        FichierRetour, on_delete=models.PROTECT, related_name="lignes", db_index=False
    )
    cabinet = models.ForeignKey(
        Cabinet, on_delete=models.PROTECT, null=True, blank=True, db_index=False
    )
    numero = models.PositiveIntegerField("n° de ligne")
    type = models.CharField(max_length=6, choices=TypeLigne.choices)
    statut = models.CharField(max_length=16, choices=StatutLigne.choices)
    motif = models.CharField(max_length=500, blank=True)
    champ = models.CharField("champ en faute", max_length=40, blank=True)
    facture = models.ForeignKey(
        Facture, on_delete=models.PROTECT, null=True, blank=True, related_name="lignes_retour"
    )
    suggestion = models.ForeignKey(
        Facture, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    partie = models.CharField(max_length=3, blank=True)
    numero_ps = models.CharField(max_length=9, blank=True)
    numero_facture = models.CharField(max_length=9, blank=True)
    numero_lot = models.CharField(max_length=20, blank=True)
    nir = models.CharField(max_length=15, blank=True)
    date_soins = models.DateField(null=True, blank=True)
    organisme = models.CharField(max_length=9, blank=True)
    montant_demande = models.BigIntegerField(null=True, blank=True)
    montant_paye = models.BigIntegerField(default=0)
    issue = models.CharField(max_length=1, blank=True)
    code = models.CharField(max_length=20, blank=True)
    libelle = models.CharField(max_length=500, blank=True)
    reference_virement = models.CharField(max_length=50, blank=True)
    date_virement = models.DateField(null=True, blank=True)
    traitee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, db_index=False
    )
    traitee_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["fichier", "numero"]
        indexes = [
            models.Index(fields=["cabinet", "statut"]),
            models.Index(fields=["fichier", "statut"]),
        ]


class PaiementEnAttente(models.Model):
    """Money received that no invoice could take (unknown invoice, or one that cannot take it):
    posted to the suspense account, listed for a person, allocated later. A negative amount is
    an indu that could not be applied."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT, related_name="paiements_attente")
    ligne = models.OneToOneField(
        LigneRetour, on_delete=models.PROTECT, null=True, blank=True, related_name="attente"
    )
    payeur = models.CharField(max_length=10, choices=[(p.value, p.libelle) for p in Payeur])
    montant = models.BigIntegerField()
    date = models.DateField()
    reference = models.CharField(max_length=50, blank=True)
    motif = models.CharField(max_length=500)
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="+")
    facture = models.ForeignKey(
        Facture, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    affecte_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(montant=0), name="attente_non_nulle")
        ]


class ProfilCsv(models.Model):
    """A saved column mapping for returns exported as spreadsheets: which column holds which
    field of a return line, and how dates, amounts and outcomes are written."""

    nom = models.SlugField(max_length=50, unique=True)
    separateur = models.CharField(max_length=1, default=";")
    encodage = models.CharField(max_length=20, default="utf-8")
    colonnes = models.JSONField(help_text="champ de la ligne de retour → en-tête de colonne")
    format_date = models.CharField(max_length=20, default="%d/%m/%Y")
    montants_en_euros = models.BooleanField(default=True)
    issues = models.JSONField(
        default=dict, blank=True, help_text="valeur lue → issue (P payée, R rejetée, T traitement)"
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Profil CSV {self.nom}"
