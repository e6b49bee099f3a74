from django.urls import path

from . import views

app_name = "factures"
urlpatterns = [path("", views.liste, name="liste")]
