"""Shared reference data, the same for every cabinet: organismes (caisses and mutuelles), the
tariff files imported by users, the Table des Organismes Destinataires and the library of
rejection codes."""

from django.conf import settings
from django.db import models

from rejets.domain.classement import ACTIONS_DE_QUALIFICATION, Famille


class TypeOrganisme(models.TextChoices):
    CAISSE = "caisse", "Caisse (AMO)"
    MUTUELLE = "mutuelle", "Mutuelle (AMC)"


class Organisme(models.Model):
    """A payer. A caisse is keyed by régime (2) + caisse (3) + centre (4) as in the Table des
    Organismes Destinataires; a mutuelle by its AMC number (10 characters)."""

    type = models.CharField(max_length=10, choices=TypeOrganisme.choices)
    code = models.CharField(max_length=12)
    libelle = models.CharField(max_length=200)
    delai_sans_retour = models.PositiveSmallIntegerField(
        "délai avant « impayé sans retour » (jours)",
        null=True,
        blank=True,
        help_text="vide : REJETS_DELAI_SANS_RETOUR_JOURS (30 jours par défaut)",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["type", "code"], name="organisme_unique")]
        ordering = ["type", "code"]

    def __str__(self) -> str:
        return f"{self.libelle} ({self.code})"


class FormatCatalogue(models.TextChoices):
    TOML = "toml", "TOML"
    CSV = "csv", "CSV"


class CatalogueImporte(models.Model):
    """A tariff file imported by a user (format of docs/cotation.md), kept whole as received.

    Its entries replace those of the shipped catalogue over their periods, files applied in
    import order (`rejets.factures.prevention.catalogue_en_vigueur`). Never edited: a correction
    is a newer file."""

    profession = models.CharField(max_length=50, default="infirmier")
    nom_fichier = models.CharField(max_length=255)
    format = models.CharField(max_length=4, choices=FormatCatalogue.choices)
    contenu = models.TextField()
    importe_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    importe_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["profession", "pk"]
        indexes = [models.Index(fields=["profession", "id"])]

    def __str__(self) -> str:
        return f"Catalogue « {self.nom_fichier} » ({self.profession})"


class OrganismeDestinataire(models.Model):
    """Une ligne de la Table des Organismes Destinataires (TOD, GIE SESAM-Vitale) : à qui
    adresser les factures d'un assuré de ce régime, cette caisse et ce centre. Centre « 0000 » :
    tous les centres de la caisse. Table remplacée en entier à chaque import d'une TOD
    (`rejets.referentiels.tod.importer_tod`) ; docs/formats/tod.md."""

    regime = models.CharField(max_length=2)
    caisse = models.CharField(max_length=3)
    centre = models.CharField(max_length=4)
    libelle = models.CharField(max_length=200)
    organisme_destinataire = models.CharField(max_length=9)
    centre_informatique = models.CharField(max_length=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["regime", "caisse", "centre"], name="organisme_destinataire_unique"
            )
        ]
        ordering = ["regime", "caisse", "centre"]

    def __str__(self) -> str:
        return f"{self.libelle} ({self.regime} {self.caisse} {self.centre})"


FAMILLES = [(f.value, f.libelle) for f in Famille]
ACTIONS = [(a.value, a.libelle) for a in ACTIONS_DE_QUALIFICATION]


class StatutCode(models.TextChoices):
    QUALIFIE = "qualifie", "Qualifié"
    A_QUALIFIER = "a_qualifier", "À qualifier"


class OrigineCode(models.TextChoices):
    LIVRE = "livre", "Livré avec Rejets"
    UTILISATEUR = "utilisateur", "Qualifié par un administrateur"


class CodeRejet(models.Model):
    """Un code de la bibliothèque des codes de rejet, la même pour tous les cabinets : sa
    famille, son explication, sa correction, l'action suivante et si la refacturation est
    permise (DOMAIN.md §4). Les codes NOEMIE officiels ne sont pas publics : un code est
    qualifié par un administrateur de la plateforme (`rejets.referentiels.codes.qualifier`) ;
    un code livré (`data/codes-rejets.toml`) n'écrase jamais celui qu'une personne a qualifié.
    docs/rejets.md."""

    code = models.CharField(max_length=20)
    libelle_reference = models.CharField(max_length=500)
    famille = models.CharField(max_length=20, choices=FAMILLES, blank=True)
    explication = models.TextField(blank=True)
    correction = models.TextField(blank=True)
    action = models.CharField(max_length=20, choices=ACTIONS, blank=True)
    refacturable = models.BooleanField(default=False)
    statut = models.CharField(
        max_length=12, choices=StatutCode.choices, default=StatutCode.A_QUALIFIER
    )
    origine = models.CharField(max_length=12, choices=OrigineCode.choices)
    qualifie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    qualifie_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code"], name="code_rejet_unique"),
            models.CheckConstraint(
                condition=models.Q(statut=StatutCode.A_QUALIFIER)
                | (~models.Q(famille="") & ~models.Q(action="")),
                name="code_rejet_qualifie_complet",
            ),
        ]
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.libelle_reference}"
