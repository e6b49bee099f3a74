"""Account pages (/compte/…) and the audit page (/audit/)."""

from django.urls import path

from . import views

app_name = "comptes"

urlpatterns = [
    path("compte/securite/", views.securite, name="securite"),
    path("compte/cabinet/", views.changer_cabinet, name="cabinet"),
    path("audit/", views.audit, name="audit"),
]
