"""Pages : a_traiter."""

from django.urls import URLPattern, path

from . import a_traiter

urlpatterns: list[URLPattern] = [
    path("", a_traiter.liste, name="a_traiter"),
    path("selection/", a_traiter.selection, name="a_traiter_selection"),
    path("<int:pk>/responsable/", a_traiter.responsable, name="a_traiter_responsable"),
    path("<int:pk>/reporter/", a_traiter.reporter, name="a_traiter_reporter"),
]
