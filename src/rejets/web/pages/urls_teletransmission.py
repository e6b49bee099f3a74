"""Pages : teletransmission."""

from django.urls import path

from . import teletransmission as t

urlpatterns = [
    path("", t.page, name="teletransmission"),
    path("collecter/", t.collecter, name="teletransmission_collecter"),
    path("cabinets/<int:cabinet_pk>/files/", t.files, name="teletransmission_files"),
    path("cabinets/<int:cabinet_pk>/securiser/", t.securiser, name="teletransmission_securiser"),
    path(
        "cabinets/<int:cabinet_pk>/lots/construire/",
        t.construire,
        name="teletransmission_construire",
    ),
    path("cabinets/<int:cabinet_pk>/lots/envoyer/", t.envoyer, name="teletransmission_envoyer"),
    path("factures/<int:pk>/pieces/", t.pieces_facture, name="teletransmission_pieces"),
    path(
        "factures/<int:pk>/copie-papier.pdf",
        t.copie_papier,
        name="teletransmission_copie_papier",
    ),
    path("professionnels/<int:pk>/signature/", t.signature, name="teletransmission_signature"),
]
