"""Pages : banque."""

from django.urls import path

from . import banque

urlpatterns = [
    path("", banque.page, name="banque"),
    path("importer/", banque.importer, name="banque_importer"),
    path("rapprocher/", banque.rapprocher, name="banque_rapprocher"),
    path("releves/<int:pk>/", banque.releve, name="banque_releve"),
    path("lignes/<int:pk>/rapprocher/", banque.rapprocher_ligne, name="banque_rapprocher_ligne"),
    path("lignes/<int:pk>/ignorer/", banque.ignorer, name="banque_ignorer"),
]
