"""Table des Organismes Destinataires (TOD) in the database: the import that replaces the whole
table (write) and the lookup of a caisse's organisme destinataire with the « all centres »
fallback (read). Reading the file: `rejets.formats.tod`; docs/formats/tod.md."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import IO

from django.db import connection, transaction

from rejets.formats.tod import (
    TOUS_CENTRES,
    EntreeTod,
    FichierTodInvalide,
    LecteurTod,
    LigneTodRefusee,
    rechercher,
)

from .models import OrganismeDestinataire

FICHIER_EXEMPLE = "tod-exemple.csv"
"""TOD d'exemple livrée avec Rejets (`data/`), propre au projet : pas la table officielle."""

_PAR_LOT = 1000


@dataclass(frozen=True)
class ImportTod:
    """Compte rendu d'un import : lignes de données lues, importées, refusées (avec leur
    message), entrées de la table remplacée, séparateur et encodage reconnus."""

    nom_fichier: str
    lues: int
    importees: int
    refusees: tuple[LigneTodRefusee, ...]
    remplacees: int
    separateur: str
    encodage: str


def importer_tod(*, flux: IO[bytes], nom_fichier: str) -> ImportTod:
    """Remplace toute la table des organismes destinataires par les lignes lues de ce fichier,
    en une transaction : une nouvelle version de la TOD annule la précédente. Les lignes
    refusées sont rapportées, les autres importées. Fichier refusé en entier, ou sans aucune
    ligne lisible : ``FichierTodInvalide`` (message en français), la table en place est
    conservée."""
    lecteur = LecteurTod(flux, nom_fichier)
    refusees: list[LigneTodRefusee] = []
    importees = 0
    with transaction.atomic():
        _verrouiller_la_table()
        remplacees, _ = OrganismeDestinataire.objects.all().delete()
        lot: list[OrganismeDestinataire] = []
        for lecture in lecteur:
            if isinstance(lecture, LigneTodRefusee):
                refusees.append(lecture)
                continue
            lot.append(_organisme(lecture))
            if len(lot) >= _PAR_LOT:
                importees += _enregistrer(lot)
        importees += _enregistrer(lot)
        if not importees:
            exemples = " ; ".join(r.message for r in refusees[:3])
            raise FichierTodInvalide(
                nom_fichier,
                "aucune ligne de données lisible"
                + (f" : {len(refusees)} ligne(s) refusée(s), dont {exemples}" if refusees else ""),
            )
    return ImportTod(
        nom_fichier=nom_fichier,
        lues=importees + len(refusees),
        importees=importees,
        refusees=tuple(refusees),
        remplacees=remplacees,
        separateur=lecteur.separateur or ";",
        encodage=lecteur.encodage,
    )


@contextmanager
def ouvrir_exemple() -> Iterator[IO[bytes]]:
    """La TOD d'exemple livrée avec Rejets, ouverte en binaire."""
    fichier = resources.files("rejets.referentiels.data").joinpath(FICHIER_EXEMPLE)
    with fichier.open("rb") as flux:
        yield flux


def importer_tod_exemple() -> ImportTod:
    """Importe la TOD d'exemple livrée avec Rejets (propre au projet, pas la table officielle)."""
    with ouvrir_exemple() as flux:
        return importer_tod(flux=flux, nom_fichier=FICHIER_EXEMPLE)


def organisme_destinataire(
    *, regime: str, caisse: str, centre: str
) -> OrganismeDestinataire | None:
    """L'entrée de la TOD pour (régime, caisse, centre), sinon celle de (régime, caisse, 0000)
    qui vaut pour tous les centres de la caisse (TOD, GIE SESAM-Vitale) ; None si la table n'a
    ni l'une ni l'autre. Une requête."""
    candidats = OrganismeDestinataire.objects.filter(
        regime=regime, caisse=caisse, centre__in={centre, TOUS_CENTRES}
    )
    return rechercher(
        {(o.regime, o.caisse, o.centre): o for o in candidats},
        regime=regime,
        caisse=caisse,
        centre=centre,
    )


def _organisme(entree: EntreeTod) -> OrganismeDestinataire:
    return OrganismeDestinataire(
        regime=entree.regime,
        caisse=entree.caisse,
        centre=entree.centre,
        libelle=entree.libelle,
        organisme_destinataire=entree.organisme_destinataire,
        centre_informatique=entree.centre_informatique,
    )


def _enregistrer(lot: list[OrganismeDestinataire]) -> int:
    """Écrit le lot et le vide ; rend le nombre de lignes écrites."""
    OrganismeDestinataire.objects.bulk_create(lot)
    nombre = len(lot)
    lot.clear()
    return nombre


def _verrouiller_la_table() -> None:
    """Deux imports simultanés se suivent au lieu de se heurter sur la clé unique (PostgreSQL ;
    SQLite n'admet qu'une transaction d'écriture à la fois)."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(OrganismeDestinataire._meta.db_table)
        with connection.cursor() as curseur:
            curseur.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
