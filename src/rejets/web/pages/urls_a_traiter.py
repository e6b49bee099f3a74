"""Pages : a_traiter."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
