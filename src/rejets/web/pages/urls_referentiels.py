"""Pages : referentiels."""

from django.urls import path

from . import referentiels

urlpatterns = [
    path("", referentiels.codes_de_rejet, name="referentiels"),
    path("codes/qualifier/", referentiels.qualifier, name="referentiels_qualifier"),
    path("tarifs/", referentiels.tarifs, name="referentiels_tarifs"),
    path("organismes/", referentiels.organismes, name="referentiels_organismes"),
    path("organismes/tod/", referentiels.importer_la_tod, name="referentiels_tod"),
]
