"""What the platform administrator manages in /admin/: accounts and shared reference data.

No tenant data (invoices, patients, payments) is registered here: an administrator sees a
cabinet's invoices only as a member of that cabinet, through the application's pages.
"""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from axes.admin import AccessAttemptAdmin, AccessLogAdmin  # type: ignore[import-untyped]
from axes.models import AccessAttempt, AccessFailureLog, AccessLog  # type: ignore[import-untyped]
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice  # type: ignore[import-untyped]

from rejets.cabinets.models import Cabinet, Membre
from rejets.referentiels.models import (
    CatalogueImporte,
    CodeRejet,
    Organisme,
    OrganismeDestinataire,
)

from .site_admin import est_administrateur

for modele in (Group, User, LogEntry, TOTPDevice, AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(modele):
        admin.site.unregister(modele)


class PourAdministrateurs:
    """Every platform administrator (active staff) manages what is registered here, with no
    per-model permission to hand out; a class narrows it by overriding a method."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return est_administrateur(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return est_administrateur(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return est_administrateur(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return est_administrateur(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return est_administrateur(request.user)


class MembreEnLigne(PourAdministrateurs, admin.TabularInline):
    model = Membre
    extra = 0
    autocomplete_fields = ["cabinet"]
    verbose_name = "accès à un cabinet"
    verbose_name_plural = "accès aux cabinets"


@admin.register(User)
class UtilisateurAdmin(PourAdministrateurs, UserAdmin):
    """Accounts: never deleted (the audit trail names them); deactivate instead."""

    inlines = [MembreEnLigne]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "is_active",
        "is_staff",
        "double_authentification",
        "last_login",
    ]
    list_filter = ["is_active", "is_staff", "adhesions__cabinet"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name", "email"]}),
        (
            "Rôle sur la plateforme",
            {
                "fields": ["is_active", "is_staff"],
                "description": (
                    "« Équipe » fait de ce compte un administrateur de la plateforme : comptes "
                    "et référentiels partagés, journal d'audit. Il ne voit les factures d'un "
                    "cabinet que s'il en est membre. Pour retirer l'accès, décochez « Actif »."
                ),
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    @admin.display(boolean=True, description="double authentification")
    def double_authentification(self, obj: User) -> bool:
        return TOTPDevice.objects.filter(user=obj, confirmed=True).exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Cabinet)
class CabinetAdmin(PourAdministrateurs, admin.ModelAdmin):
    list_display = ["code", "nom", "cree_le"]
    search_fields = ["code", "nom"]
    inlines = [MembreEnLigne]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membre)
class MembreAdmin(PourAdministrateurs, admin.ModelAdmin):
    list_display = ["utilisateur", "cabinet", "role"]
    list_filter = ["role", "cabinet"]
    search_fields = ["utilisateur__username", "cabinet__nom", "cabinet__code"]
    autocomplete_fields = ["utilisateur", "cabinet"]


@admin.register(TOTPDevice)
class AppareilTOTPAdmin(PourAdministrateurs, admin.ModelAdmin):
    """A user's second-factor device: seen and removed (lost phone), never shown nor edited:
    its key stays with its owner."""

    list_display = ["user", "name", "confirmed"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = ["user", "name", "confirmed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisme)
class OrganismeAdmin(PourAdministrateurs, admin.ModelAdmin):
    list_display = ["type", "code", "libelle", "delai_sans_retour"]
    list_filter = ["type"]
    search_fields = ["code", "libelle"]


@admin.register(OrganismeDestinataire)
class OrganismeDestinataireAdmin(PourAdministrateurs, admin.ModelAdmin):
    list_display = ["regime", "caisse", "centre", "libelle", "organisme_destinataire"]
    list_filter = ["regime"]
    search_fields = ["caisse", "centre", "libelle", "organisme_destinataire"]


class CodeRejetForm(forms.ModelForm):
    """A qualification checked by the reference data's own rules (`qualifier`)."""

    class Meta:
        model = CodeRejet
        fields = [
            "code",
            "libelle_reference",
            "famille",
            "explication",
            "correction",
            "action",
            "refacturable",
        ]

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        for champ in ("famille", "action"):
            if not donnees.get(champ):
                self.add_error(champ, "Obligatoire pour qualifier le code.")
        return donnees


@admin.register(CodeRejet)
class CodeRejetAdmin(PourAdministrateurs, admin.ModelAdmin):
    """The library of rejection codes; saving qualifies the code in the administrator's name
    (`rejets.referentiels.codes.qualifier`)."""

    form = CodeRejetForm
    list_display = ["code", "libelle_reference", "famille", "action", "refacturable", "statut"]
    list_filter = ["statut", "famille", "origine", "refacturable"]
    search_fields = ["code", "libelle_reference"]
    readonly_fields = ["statut", "origine", "qualifie_par", "qualifie_le"]

    def save_model(self, request: HttpRequest, obj: CodeRejet, form: Any, change: bool) -> None:
        from rejets.referentiels.codes import qualifier

        code = qualifier(
            code=obj.code,
            famille=obj.famille,
            explication=obj.explication,
            correction=obj.correction,
            action=obj.action,
            refacturable=obj.refacturable,
            utilisateur=request.user,
            libelle_reference=obj.libelle_reference,
        )
        obj.pk = code.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CatalogueImporte)
class CatalogueImporteAdmin(PourAdministrateurs, admin.ModelAdmin):
    """Imported tariff catalogues: read, never rewritten (a new import makes a new row)."""

    list_display = ["nom_fichier", "profession", "format", "importe_par", "importe_le"]
    list_filter = ["profession", "format"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccessAttempt)
class TentativeAdmin(AccessAttemptAdmin):
    """Failed logins per identifier and address (django-axes); deleting one unlocks it."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return est_administrateur(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return est_administrateur(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return est_administrateur(request.user)


@admin.register(AccessLog)
class JournalDesConnexionsAdmin(AccessLogAdmin):
    """Successful logins and logouts (django-axes): read only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return est_administrateur(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return est_administrateur(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
