"""Pages : retours."""

from django.urls import path

from . import retours

urlpatterns = [
    path("", retours.page, name="retours"),
    path("importer/", retours.importer, name="retours_importer"),
    path("fichiers/<int:pk>/", retours.fichier, name="retours_fichier"),
    path("lignes/<int:pk>/rapprocher/", retours.rapprocher, name="retours_rapprocher"),
    path("lignes/<int:pk>/ecarter/", retours.ecarter, name="retours_ecarter"),
    path("attentes/<int:pk>/affecter/", retours.affecter, name="retours_affecter"),
]
