"""The tenant (cabinet), who may see it (membership with a role), and its professionals."""

from django.conf import settings
from django.db import models


class Cabinet(models.Model):
    """A practice: the tenant every other record belongs to, and the security boundary."""

    code = models.SlugField(max_length=50, unique=True)
    nom = models.CharField(max_length=200)
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["nom"]

    def __str__(self) -> str:
        return self.nom


class Role(models.TextChoices):
    FACTURIERE = "facturiere", "Facturière"
    PRATICIEN = "praticien", "Praticien"
    LECTURE_SEULE = "lecture_seule", "Lecture seule"


ROLES_QUI_ECRIVENT = frozenset({Role.FACTURIERE, Role.PRATICIEN})


class Membre(models.Model):
    """A user's access to one cabinet. Platform administrators are users with is_staff: they
    manage accounts and shared reference data, and see a cabinet only if they are members."""

    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="adhesions"
    )
    cabinet = models.ForeignKey(Cabinet, on_delete=models.CASCADE, related_name="membres")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["utilisateur", "cabinet"], name="membre_unique")
        ]

    def __str__(self) -> str:
        return f"{self.utilisateur} — {self.cabinet} ({self.get_role_display()})"


class Professionnel(models.Model):
    """A health professional who bills; invoices Rejets numbers itself come from the range
    [numero_debut, numero_fin], apart from the billing software's own sequence (DOMAIN.md 10)."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT, related_name="professionnels")
    nom = models.CharField(max_length=100)
    prenom = models.CharField(max_length=100)
    profession = models.CharField(max_length=50, default="infirmier")
    numero_am = models.CharField("n° de facturation AM", max_length=9)
    rpps = models.CharField(max_length=11, blank=True)
    numero_debut = models.PositiveIntegerField(default=900_000_001)
    numero_fin = models.PositiveIntegerField(default=999_999_999)
    dernier_numero = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cabinet", "numero_am"], name="professionnel_unique"),
            models.CheckConstraint(
                condition=models.Q(numero_debut__gte=1, numero_fin__gte=models.F("numero_debut"))
                & models.Q(numero_fin__lte=999_999_999),
                name="professionnel_plage_valide",
            ),
        ]
        ordering = ["nom", "prenom"]

    def __str__(self) -> str:
        return f"{self.prenom} {self.nom}"


class SignatureNumerisee(models.Model):
    """The practitioner's digitised signature, printed on the care sheets made in mode dégradé
    (DOMAIN.md section 2). The latest one is used; older ones stay for the sheets they signed."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT)
    professionnel = models.ForeignKey(
        Professionnel, on_delete=models.PROTECT, related_name="signatures"
    )
    image = models.BinaryField()
    format = models.CharField(max_length=4)
    sha256 = models.CharField(max_length=64)
    enregistree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["professionnel", "-enregistree_le", "-pk"]
