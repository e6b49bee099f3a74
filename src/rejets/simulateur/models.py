"""The simulator's registers: what the simulated caisses and mutuelles know and received.

These tables belong to the simulator alone: no cabinet, no link to the practice's tables,
which the simulator never reads nor writes. It talks to the practice only through files
(docs/simulateur.md).
"""

from django.db import models

from .jugement import Issue

PARTIES = [("FSE", "FSE (caisse)"), ("DRE", "DRE (mutuelle)")]
ISSUES = [(i.value, i.libelle) for i in Issue]


class TypePiece(models.TextChoices):
    FEUILLE_DE_SOINS = "feuille_de_soins", "Feuille de soins"
    PRESCRIPTION = "prescription", "Prescription"
    AUTRE = "autre", "Autre pièce"


class NatureFichier(models.TextChoices):
    ARL = "arl", "ARL"
    RETOUR = "retour", "Retour"


class NatureReponse(models.TextChoices):
    PREMIERE = "premiere", "Première réponse"
    FINALE = "finale", "Réponse après traitement caisse"
    INDU = "indu", "Indu"


class AssureConnu(models.Model):
    """A beneficiary as the caisse knows him (ADRi): affiliation, rights, exonération."""

    nir = models.CharField(max_length=15)
    rang = models.PositiveSmallIntegerField(default=1)
    nom = models.CharField(max_length=100, blank=True)
    regime = models.CharField(max_length=2)
    caisse = models.CharField(max_length=3)
    centre = models.CharField(max_length=4)
    droits_debut = models.DateField()
    droits_fin = models.DateField(null=True, blank=True)
    exoneration = models.CharField(max_length=1, default="0")
    nature_assurance = models.CharField(max_length=2, default="10")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["nir", "rang"], name="simulateur_assure_unique")
        ]

    def __str__(self) -> str:
        return f"Assuré de rang {self.rang} ({self.regime} {self.caisse} {self.centre})"


class ContratConnu(models.Model):
    """A complementary contract as the mutuelle knows it."""

    nir = models.CharField(max_length=15)
    rang = models.PositiveSmallIntegerField(default=1)
    numero_amc = models.CharField(max_length=10)
    debut = models.DateField()
    fin = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["nir", "rang", "numero_amc"], name="simulateur_contrat_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Contrat AMC {self.numero_amc}"


class FichierEmis(models.Model):
    """A file written into the practice's inbox; `numero` is the emitter's sequence."""

    nom = models.CharField(max_length=200, unique=True)
    nature = models.CharField(max_length=10, choices=NatureFichier.choices)
    emetteur = models.CharField(max_length=9)
    destinataire = models.CharField(max_length=9)
    numero = models.PositiveIntegerField()
    date = models.DateField()
    sha256 = models.CharField(max_length=64)
    lignes = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["emetteur", "numero"], name="simulateur_fichier_sequence"
            )
        ]
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.nom


class LotRecu(models.Model):
    """A lot received: accepted (positive ARL) or refused whole (negative ARL)."""

    nom_fichier = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    numero_ps = models.CharField(max_length=9)
    partie = models.CharField(max_length=3, choices=PARTIES)
    numero_lot = models.CharField(max_length=5)
    organisme = models.CharField(max_length=10, blank=True)
    recu_le = models.DateField()
    accepte = models.BooleanField()
    code_motif = models.CharField(max_length=5, blank=True)
    motif = models.TextField(blank=True)
    nombre_factures = models.PositiveIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    arl = models.ForeignKey(FichierEmis, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Lot {self.numero_lot} ({self.partie})"


class FactureConnue(models.Model):
    """An invoice received in an accepted lot, and what the simulator decided for it.

    One row per reception: an invoice number received again (after a rejection, or as a
    doublon) gets `reception` 2, 3…"""

    lot = models.ForeignKey(LotRecu, on_delete=models.PROTECT, related_name="factures")
    partie = models.CharField(max_length=3, choices=PARTIES)
    numero_ps = models.CharField(max_length=9)
    numero_lot = models.CharField(max_length=5)
    organisme = models.CharField(max_length=10, blank=True)
    numero_facture = models.CharField(max_length=9)
    reception = models.PositiveSmallIntegerField(default=1)
    nir = models.CharField(max_length=15)
    rang = models.PositiveSmallIntegerField(default=1)
    date_soins = models.DateField()
    montant_total = models.BigIntegerField()
    montant_demande = models.BigIntegerField()
    scellement = models.CharField(max_length=16, db_index=True)
    mode = models.CharField(max_length=1)
    recue_le = models.DateField()
    issue = models.CharField(max_length=20, choices=ISSUES)
    issue_finale = models.CharField(max_length=20, choices=ISSUES)
    famille = models.CharField(max_length=20, blank=True)
    code = models.CharField(max_length=5, blank=True)
    libelle = models.CharField(max_length=60, blank=True)
    detail = models.TextField(blank=True)
    forcee = models.BooleanField(default=False)
    montant_paye = models.BigIntegerField(default=0)
    indu = models.BigIntegerField(default=0)
    date_reponse = models.DateField(null=True, blank=True)
    date_finale = models.DateField(null=True, blank=True)
    date_indu = models.DateField(null=True, blank=True)
    repondue = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partie", "numero_ps", "numero_facture", "reception"],
                name="simulateur_facture_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["numero_ps", "nir", "date_soins", "montant_total"],
                name="simulateur_facture_identique",
            )
        ]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.partie} {self.numero_facture} ({self.numero_ps})"


class ReponsePrevue(models.Model):
    """A line 200 to write on its date: the first answer, the final one after a traitement
    caisse, or an indu. `fichier` is set once written."""

    facture = models.ForeignKey(FactureConnue, on_delete=models.PROTECT, related_name="reponses")
    nature = models.CharField(max_length=10, choices=NatureReponse.choices)
    issue = models.CharField(max_length=1)
    montant_paye = models.BigIntegerField(default=0)
    code = models.CharField(max_length=5, blank=True)
    libelle = models.CharField(max_length=60, blank=True)
    date_prevue = models.DateField()
    fichier = models.ForeignKey(
        FichierEmis, on_delete=models.PROTECT, null=True, blank=True, related_name="reponses"
    )

    class Meta:
        indexes = [models.Index(fields=["fichier", "date_prevue"], name="simulateur_a_ecrire")]
        ordering = ["date_prevue", "pk"]

    def __str__(self) -> str:
        return f"Réponse {self.issue} du {self.date_prevue:%d/%m/%Y}"


class PieceRecue(models.Model):
    """A SCOR piece received and checked (docs/formats/scor-rejets.md)."""

    numero_ps = models.CharField(max_length=9)
    numero_lot = models.CharField(max_length=5, blank=True)
    numero_facture = models.CharField(max_length=9)
    type = models.CharField(max_length=20, choices=TypePiece.choices)
    fichier = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    recue_le = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["numero_ps", "numero_facture", "type", "sha256"],
                name="simulateur_piece_unique",
            )
        ]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} de la facture {self.numero_facture}"


class IssueForcee(models.Model):
    """An outcome imposed on an invoice (tests, demonstrations): it overrides every rule."""

    partie = models.CharField(max_length=3, choices=PARTIES)
    numero_ps = models.CharField(max_length=9)
    numero_facture = models.CharField(max_length=9)
    issue = models.CharField(max_length=20, choices=ISSUES)
    code = models.CharField(max_length=5, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partie", "numero_ps", "numero_facture"], name="simulateur_forcage_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partie} {self.numero_facture} : {self.issue}"
