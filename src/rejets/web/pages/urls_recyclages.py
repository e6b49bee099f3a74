"""Pages : recyclages."""

from django.urls import path

from . import recyclages

urlpatterns = [
    path("", recyclages.liste, name="recyclages"),
    path("<int:pk>/", recyclages.dossier, name="recyclage"),
]
