"""Pages : tableau."""

from django.urls import URLPattern, path

from . import tableau

urlpatterns: list[URLPattern] = [path("", tableau.tableau, name="tableau")]
