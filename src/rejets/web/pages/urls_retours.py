"""Pages : retours."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
