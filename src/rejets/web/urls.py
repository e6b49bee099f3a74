"""The web application's pages, one module per group (`rejets.web.pages`)."""

from django.urls import include, path

app_name = "web"

urlpatterns = [
    path("", include("rejets.web.pages.urls_tableau")),
    path("a-traiter/", include("rejets.web.pages.urls_a_traiter")),
    path("facture/", include("rejets.web.pages.urls_facture")),
    path("recyclages/", include("rejets.web.pages.urls_recyclages")),
    path("teletransmission/", include("rejets.web.pages.urls_teletransmission")),
    path("retours/", include("rejets.web.pages.urls_retours")),
    path("banque/", include("rejets.web.pages.urls_banque")),
    path("relances/", include("rejets.web.pages.urls_relances")),
    path("referentiels/", include("rejets.web.pages.urls_referentiels")),
]
