"""The boundary with teletransmission. Real sending needs certified SESAM-Vitale components and a
CPS card, which Rejets does not replace: it hands them what to secure and send, and collects
what comes back (docs/transmission.md).

- `fichiers`: a folder exchange with a certified component. Rejets writes the invoices to secure
  and the lots to send into the outbox (`sortie/`); the component writes its acknowledgements
  (`ACCUSE-*.json`), ARL and return files into the inbox (`entree/`).
- `simulateur`: the caisse simulator (`rejets.simulateur`) secures at once by freezing the
  digest, judges each lot and writes its ARL and return files into the same inbox.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

PREFIXE_ACCUSE = "ACCUSE-"
DISPOSITION_ACCUSE = "REJETS-ACCUSE-1"
DISPOSITION_DEMANDE = "REJETS-SECURISER-1"


class AdaptateurIndisponible(Exception):
    """The adapter cannot take the request (unknown name, folder not writable…)."""


@dataclass(frozen=True)
class Reponse:
    """The certified component's answer to a request to secure."""

    accordee: bool
    motif: str = ""


@dataclass(frozen=True)
class Dossiers:
    """Outbox and inbox of the adapter; processed inbox files are kept under `traites/`."""

    racine: Path

    @property
    def sortie(self) -> Path:
        return self.racine / "sortie"

    @property
    def entree(self) -> Path:
        return self.racine / "entree"

    @property
    def traites(self) -> Path:
        return self.entree / "traites"

    def creer(self) -> None:
        for d in (self.sortie, self.entree, self.traites):
            d.mkdir(parents=True, exist_ok=True)


def dossiers_configures() -> Dossiers:
    racine = getattr(settings, "REJETS_TRANSMISSION_DIR", None)
    return Dossiers(Path(racine) if racine else Path(settings.REJETS_FICHIERS_DIR) / "transmission")


def ecrire_atomiquement(chemin: Path, contenu: bytes) -> None:
    """Write beside, then rename: a reader of the folder never sees half a file."""
    chemin.parent.mkdir(parents=True, exist_ok=True)
    fd, temporaire = tempfile.mkstemp(dir=chemin.parent, prefix=".en-cours-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(contenu)
        os.replace(temporaire, chemin)
    except BaseException:
        Path(temporaire).unlink(missing_ok=True)
        raise


def copier_dossier_atomiquement(source: Path, cible: Path) -> None:
    cible.parent.mkdir(parents=True, exist_ok=True)
    temporaire = Path(tempfile.mkdtemp(dir=cible.parent, prefix=".en-cours-"))
    try:
        for f in sorted(source.iterdir()):
            shutil.copy2(f, temporaire / f.name)
        os.replace(temporaire, cible)
    except BaseException:
        shutil.rmtree(temporaire, ignore_errors=True)
        raise


def fichiers_recus(dossier: Path) -> list[Path]:
    """Files waiting in the inbox: acknowledgements first, then ARL, then returns, by name."""
    if not dossier.is_dir():
        return []
    fichiers = [f for f in dossier.iterdir() if f.is_file() and not f.name.startswith(".")]

    def rang(f: Path) -> tuple[int, str]:
        if f.name.startswith(PREFIXE_ACCUSE):
            return (0, f.name)
        return (1 if f.name.startswith("ARL") else 2, f.name)

    return sorted(fichiers, key=rang)


class Adaptateur(Protocol):
    nom: str
    dossiers: Dossiers

    def demander_securisation(
        self, *, numero_ps: str, numero_facture: str, contenu: dict[str, Any], empreinte: str
    ) -> Reponse | None:
        """The answer when the component gives it at once; None when it comes as a file."""

    def envoyer_lot(self, *, chemin: Path, le: date) -> None: ...

    def envoyer_pieces(self, *, dossier: Path, le: date) -> None: ...

    def collecter(self, *, le: date) -> list[Path]:
        """Files that came back and wait in the inbox, in the order to process them."""


class AdaptateurFichiers:
    """Folder exchange with a certified component (docs/transmission.md)."""

    nom = "fichiers"

    def __init__(self, dossiers: Dossiers) -> None:
        self.dossiers = dossiers

    def demander_securisation(
        self, *, numero_ps: str, numero_facture: str, contenu: dict[str, Any], empreinte: str
    ) -> Reponse | None:
        demande = {
            "disposition": DISPOSITION_DEMANDE,
            "numero_ps": numero_ps,
            "numero_facture": numero_facture,
            "empreinte": empreinte,
            "contenu": contenu,
        }
        nom = f"SECURISER-{numero_ps}-{numero_facture}.json"
        texte = json.dumps(demande, ensure_ascii=False, indent=1, sort_keys=True)
        ecrire_atomiquement(self.dossiers.sortie / "a-securiser" / nom, texte.encode("utf-8"))
        return None

    def envoyer_lot(self, *, chemin: Path, le: date) -> None:
        ecrire_atomiquement(self.dossiers.sortie / "lots" / chemin.name, chemin.read_bytes())

    def envoyer_pieces(self, *, dossier: Path, le: date) -> None:
        copier_dossier_atomiquement(dossier, self.dossiers.sortie / "scor" / dossier.name)

    def collecter(self, *, le: date) -> list[Path]:
        return fichiers_recus(self.dossiers.entree)


class AdaptateurSimulateur:
    """The caisse simulator plays the certified component and the insurers."""

    nom = "simulateur"

    def __init__(self, dossiers: Dossiers, graine: int = 0) -> None:
        self.dossiers = dossiers
        self.graine = graine

    @cached_property
    def simulateur(self) -> Any:
        from rejets.simulateur.caisse import Simulateur

        return Simulateur(boite=self.dossiers.entree, graine=self.graine)

    def demander_securisation(
        self, *, numero_ps: str, numero_facture: str, contenu: dict[str, Any], empreinte: str
    ) -> Reponse | None:
        return Reponse(accordee=True)

    def envoyer_lot(self, *, chemin: Path, le: date) -> None:
        self.simulateur.recevoir_lot(chemin, le=le)

    def envoyer_pieces(self, *, dossier: Path, le: date) -> None:
        self.simulateur.recevoir_pieces(dossier / "manifeste.json", le=le)

    def collecter(self, *, le: date) -> list[Path]:
        self.simulateur.repondre(jusqu_au=le)
        return fichiers_recus(self.dossiers.entree)


def adaptateur_configure(nom: str | None = None) -> Adaptateur:
    """The adapter named in settings (REJETS_TRANSMISSION_ADAPTATEUR), or `nom`."""
    nom = nom or settings.REJETS_TRANSMISSION_ADAPTATEUR
    dossiers = dossiers_configures()
    dossiers.creer()
    if nom == "fichiers":
        return AdaptateurFichiers(dossiers)
    if nom == "simulateur":
        return AdaptateurSimulateur(
            dossiers, graine=getattr(settings, "REJETS_SIMULATEUR_GRAINE", 0)
        )
    raise AdaptateurIndisponible(
        f"Adaptateur de transmission inconnu : « {nom} » (attendu : fichiers ou simulateur)."
    )
