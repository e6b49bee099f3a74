"""Pages : relances."""

from django.urls import path

from . import relances

urlpatterns = [
    path("", relances.page, name="relances"),
    path("nouvelle/", relances.nouvelle, name="relances_nouvelle"),
    path("actions/<int:pk>/", relances.ligne, name="relances_action"),
    path("actions/<int:pk>/repondre/", relances.repondre_action, name="relances_repondre"),
    path("actions/<int:pk>/document/", relances.document, name="relances_document"),
    path("actions/<int:pk>/courriel/", relances.courriel, name="relances_courriel"),
]
