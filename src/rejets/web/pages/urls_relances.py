"""Pages : relances."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
