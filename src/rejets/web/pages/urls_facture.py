"""Pages : facture."""

from django.urls import URLPattern, path

from . import facture

urlpatterns: list[URLPattern] = [
    path("<int:pk>/", facture.facture, name="facture"),
    path("<int:pk>/historique/", facture.historique, name="facture_historique"),
    path("<int:pk>/action/<slug:code>/", facture.action, name="facture_action"),
    path("<int:pk>/document/<int:action_pk>/", facture.document, name="facture_document"),
]
