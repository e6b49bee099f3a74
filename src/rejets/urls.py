from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(), name="connexion"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="deconnexion"),
    path("factures/", include("rejets.factures.urls")),
    path("", include("rejets.web.urls")),
    path("", RedirectView.as_view(pattern_name="factures:liste", permanent=False)),
]
