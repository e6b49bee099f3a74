from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from rejets.comptes import views as comptes

urlpatterns = [
    path("connexion/", comptes.connexion, name="connexion"),
    path("connexion/code/", comptes.connexion_code, name="connexion_code"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="deconnexion"),
    path("admin/", admin.site.urls),
    path("", include("rejets.comptes.urls")),
    path("factures/", include("rejets.factures.urls")),
    path("", include("rejets.web.urls")),
    path("", RedirectView.as_view(pattern_name="factures:liste", permanent=False)),
]
