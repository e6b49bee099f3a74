"""Bank statements and the matching of announced transfers (docs/banque.md).

A statement is known by its SHA-256 within a cabinet: importing it again changes nothing. An
operation already read from an earlier statement of the same account (same FITID, or for a CSV
the same date, amount, label and reference at the same rank) is counted and not stored twice.
Announced transfers are not stored: they are derived from the payments the returns recorded
(`rejets.banque.selectors.virements_annonces`); a `Rapprochement` names one by its key
(payeur, reference, date) and links it to one bank line.
"""

from django.conf import settings
from django.db import models

from rejets.cabinets.models import Cabinet
from rejets.domain.ledger import Payeur

PAYEURS_ORGANISMES = [(p.value, p.libelle) for p in (Payeur.AMO, Payeur.AMC)]


class ProfilReleve(models.Model):
    """How to read one bank's CSV export: field → column header, separator, encoding, date
    format, decimal comma. A profile without cabinet is shared by all; a cabinet's own profile
    of the same name is used first by that cabinet."""

    cabinet = models.ForeignKey(
        Cabinet, on_delete=models.PROTECT, null=True, blank=True, related_name="profils_releve"
    )
    nom = models.SlugField(max_length=50)
    colonnes = models.JSONField(help_text="champ (date, libelle, montant…) → en-tête de colonne")
    separateur = models.CharField(max_length=1, default=";")
    encodage = models.CharField(max_length=20, default="utf-8")
    format_date = models.CharField(max_length=20, default="%d/%m/%Y")
    virgule_decimale = models.BooleanField(default=True)
    enregistre_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    enregistre_le = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cabinet", "nom"],
                condition=models.Q(cabinet__isnull=False),
                name="profil_releve_unique_cabinet",
            ),
            models.UniqueConstraint(
                fields=["nom"],
                condition=models.Q(cabinet__isnull=True),
                name="profil_releve_unique_partage",
            ),
        ]
        ordering = ["nom", "cabinet_id"]

    def __str__(self) -> str:
        return f"Profil de relevé {self.nom}"


class CompteBancaire(models.Model):
    """A bank account of the cabinet. Its number is never shown whole: only the last four
    characters (`identifiant_masque`) and a SHA-256 of the number, to recognise the account
    named by the next OFX statement."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT, related_name="comptes_bancaires")
    libelle = models.CharField(max_length=100)
    identifiant_masque = models.CharField(max_length=20, blank=True)
    empreinte_identifiant = models.CharField(max_length=64, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cabinet", "libelle"], name="compte_bancaire_unique"),
            models.UniqueConstraint(
                fields=["cabinet", "empreinte_identifiant"],
                condition=~models.Q(empreinte_identifiant=""),
                name="compte_bancaire_identifiant_unique",
            ),
        ]
        ordering = ["libelle"]

    def __str__(self) -> str:
        return f"{self.libelle} {self.identifiant_masque}".strip()


class FormatReleve(models.TextChoices):
    CSV = "csv", "CSV (profil de colonnes)"
    OFX = "ofx", "OFX"


class ReleveBancaire(models.Model):
    """One imported statement file and its report:
    lues = importées + déjà connues + refusées."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT, related_name="releves")
    compte = models.ForeignKey(CompteBancaire, on_delete=models.PROTECT, related_name="releves")
    nom_fichier = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=3, choices=FormatReleve.choices)
    profil = models.CharField("profil utilisé", max_length=50, blank=True)
    importe_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    importe_le = models.DateTimeField(auto_now_add=True)
    lignes_lues = models.PositiveIntegerField(default=0)
    lignes_importees = models.PositiveIntegerField(default=0)
    lignes_deja_connues = models.PositiveIntegerField(default=0)
    lignes_refusees = models.PositiveIntegerField(default=0)
    refus = models.JSONField(
        default=list, blank=True, help_text="lignes refusées : n° de ligne, champ, message"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cabinet", "sha256"], name="releve_unique")]
        ordering = ["-importe_le", "-pk"]

    def __str__(self) -> str:
        return f"Relevé {self.nom_fichier}"


class EtatLigne(models.TextChoices):
    NON_RAPPROCHEE = "non_rapprochee", "Non rapprochée"
    RAPPROCHEE = "rapprochee", "Rapprochée d'un virement annoncé"
    IGNOREE = "ignoree", "Ignorée (avec sa raison)"


class LigneBancaire(models.Model):
    """One operation of a statement; a credit is positive. `cle` tells an operation already
    read from another statement of the account: the FITID of an OFX, or for a CSV an imprint
    of its date, amount, label and reference with its rank among identical operations."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT, db_index=False)
    releve = models.ForeignKey(ReleveBancaire, on_delete=models.PROTECT, related_name="lignes")
    compte = models.ForeignKey(CompteBancaire, on_delete=models.PROTECT, related_name="lignes")
    numero = models.PositiveIntegerField("n° de ligne dans le fichier")
    date = models.DateField()
    date_valeur = models.DateField(null=True, blank=True)
    libelle = models.CharField(max_length=500, blank=True)
    montant = models.BigIntegerField(help_text="en centimes ; crédit positif, débit négatif")
    reference = models.CharField(max_length=100, blank=True)
    fitid = models.CharField("identifiant de l'opération (OFX)", max_length=255, blank=True)
    cle = models.CharField(max_length=300)
    etat = models.CharField(
        max_length=16, choices=EtatLigne.choices, default=EtatLigne.NON_RAPPROCHEE
    )
    raison = models.CharField(max_length=500, blank=True)
    traitee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    traitee_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["compte", "cle"], name="ligne_bancaire_unique"),
            models.UniqueConstraint(
                fields=["compte", "fitid"],
                condition=~models.Q(fitid=""),
                name="ligne_bancaire_fitid_unique",
            ),
            models.CheckConstraint(condition=~models.Q(montant=0), name="ligne_bancaire_non_nulle"),
            models.CheckConstraint(
                condition=~models.Q(etat="ignoree") | ~models.Q(raison=""),
                name="ligne_bancaire_ignoree_avec_raison",
            ),
        ]
        indexes = [models.Index(fields=["cabinet", "etat", "date"])]
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"Ligne {self.numero} du relevé {self.releve_id}"


class Rapprochement(models.Model):
    """A bank line matched to the transfer the returns announced: its key (payeur, reference,
    date), organisme and net amount as known when matched; by whom, when, automatically or by
    hand."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT, db_index=False)
    ligne = models.OneToOneField(
        LigneBancaire, on_delete=models.PROTECT, related_name="rapprochement"
    )
    payeur = models.CharField(max_length=10, choices=PAYEURS_ORGANISMES)
    reference = models.CharField(max_length=50)
    date_virement = models.DateField()
    organisme = models.CharField(max_length=200, blank=True)
    montant = models.BigIntegerField("montant net annoncé")
    automatique = models.BooleanField()
    par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    le = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cabinet", "payeur", "reference", "date_virement"],
                name="rapprochement_un_par_virement",
            )
        ]
        ordering = ["date_virement", "pk"]

    def __str__(self) -> str:
        return f"Virement {self.reference} du {self.date_virement:%d/%m/%Y}"
