"""The platform administrators' site: Django's admin, for staff only.

It manages accounts (users, their cabinet memberships, lockouts, second-factor devices) and the
shared reference data; it holds no tenant data (invoices, patients). Signing in goes through
the application's login page, so the lockout and the second factor apply; a signed-in user who
is not staff gets a 404, as for any page outside what they may see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse


def est_administrateur(utilisateur: Any) -> bool:
    """A platform administrator: an active staff user, who passed the second factor if they
    have one."""
    if not (utilisateur.is_authenticated and utilisateur.is_active and utilisateur.is_staff):
        return False
    verifie = getattr(utilisateur, "is_verified", None)
    if verifie is None or verifie():
        return True
    from django_otp import user_has_device  # type: ignore[import-untyped]

    return not user_has_device(utilisateur, confirmed=True)


class SiteAdministration(admin.AdminSite):
    site_header = "Administration de la plateforme Rejets"
    site_title = "Administration Rejets"
    index_title = "Comptes et référentiels partagés"
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        return est_administrateur(request.user)

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Any:
        protegee = super().admin_view(view, cacheable)

        def vue(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404("Page introuvable")
            return protegee(request, *args, **kwargs)

        vue.__dict__.update(protegee.__dict__)
        return vue

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """The application's login page (lockout, second factor), then back to the admin."""
        from django.contrib.auth.views import redirect_to_login

        if request.user.is_authenticated and not self.has_permission(request):
            raise Http404("Page introuvable")
        suite = request.GET.get("next") or reverse("admin:index")
        return redirect_to_login(suite, reverse("connexion"))


class AdministrationConfig(AdminConfig):
    default_site = "rejets.comptes.site_admin.SiteAdministration"
