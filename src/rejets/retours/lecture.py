"""Reading a return file into return lines: fixed-width files through their layout (recognised
from the header), spreadsheets (CSV) through a saved column-mapping profile.

Structural faults raise `FichierRetourInvalide` (the whole file is refused and kept in
quarantine); a field fault yields a `Refus` for that line only.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from rejets.domain.rapprochement import Issue, LigneArl, LigneRetour
from rejets.formats import fixe
from rejets.formats.disposition import (
    Disposition,
    DispositionInvalide,
    charger_dispositions,
    dispositions_livrees,
)

from .models import ProfilCsv

journal = logging.getLogger(__name__)


class FichierRetourInvalide(Exception):
    """The whole file is refused: what is wrong and where, in French."""

    def __init__(self, message: str, ligne: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.ligne = ligne


@dataclass(slots=True)
class Refus:
    numero: int
    champ: str
    motif: str
    arl: bool = False


@dataclass
class Lecture:
    format: str
    date: date | None
    lignes: Iterator[LigneRetour | LigneArl | Refus]


def dispositions() -> list[Disposition]:
    """The shipped layouts, then the users' (REJETS_DISPOSITIONS_DIRS). A folder whose layout
    file is broken is skipped with a warning naming the file and the fault, so the other
    layouts still read."""
    resultat = list(dispositions_livrees())
    for dossier in getattr(settings, "REJETS_DISPOSITIONS_DIRS", []):
        if Path(dossier).is_dir():
            try:
                resultat += charger_dispositions(Path(dossier))
            except DispositionInvalide as exc:
                journal.warning("Dispositions de %s ignorées : %s", dossier, exc)
    return resultat


ISSUES = {i.value: i for i in Issue}
PARTIES_RETOUR = {"AMO", "AMC"}
PARTIES_ARL = {"FSE", "DRE"}


def lire_fichier(flux: IO[bytes], nom: str, profil: ProfilCsv | None) -> Lecture:
    if profil is not None:
        return lire_csv(flux, nom, profil)
    return lire_fixe(flux, nom)


def lire_fixe(flux: IO[bytes], nom: str) -> Lecture:
    try:
        enregistrements = fixe.lire(flux, dispositions(), nom)
        premier = next(enregistrements)
    except StopIteration as exc:
        raise FichierRetourInvalide(f"{nom} : fichier vide.", None) from exc
    except fixe.FichierInvalide as exc:
        raise FichierRetourInvalide(exc.message, exc.ligne) from exc
    if isinstance(premier, fixe.LigneRefusee):
        raise FichierRetourInvalide(f"{nom}, ligne 1 : en-tête illisible ({premier.message}).", 1)
    disposition = premier.disposition
    date_fichier = premier.get("date_creation")
    return Lecture(disposition, date_fichier, _lignes_fixes(enregistrements, nom))


CHAMPS_200 = (
    "partie",
    "numero_ps",
    "numero_facture",
    "issue",
    "montant_paye",
    "montant_demande",
    "numero_lot",
    "nir",
    "date_soins",
    "organisme",
    "code",
    "libelle",
)


def _lignes_fixes(
    enregistrements: Iterator[fixe.Enregistrement | fixe.LigneRefusee], nom: str
) -> Iterator[LigneRetour | LigneArl | Refus]:
    reference, date_virement = "", None
    extraire: dict[int, Any] = {}
    try:
        for e in enregistrements:
            if isinstance(e, fixe.LigneRefusee):
                yield Refus(e.ligne, e.champ or "", e.message, arl=e.type == "300")
                continue
            nom_type = e.nom
            if nom_type == "ligne_facture":
                modele = e.modele
                f = extraire.get(id(modele))
                if f is None:
                    f = extraire[id(modele)] = itemgetter(*(modele.index[c] for c in CHAMPS_200))
                yield _ligne_retour(e.ligne, f(e.valeurs), reference, date_virement)
            elif nom_type == "virement":
                reference, date_virement = e["reference_virement"], e["date_virement"]
            elif nom_type == "arl":
                yield _ligne_arl(e)
    except fixe.FichierInvalide as exc:
        raise FichierRetourInvalide(exc.message, exc.ligne) from exc


def _ligne_retour(
    numero: int, valeurs: tuple[Any, ...], reference: str, date_virement: date | None
) -> LigneRetour | Refus:
    partie, ps, facture, lu, paye, demande, lot, nir, soins, organisme, code, libelle = valeurs
    issue = ISSUES.get(lu)
    if partie not in PARTIES_RETOUR:
        return Refus(numero, "partie", f"« {partie} » : AMO ou AMC attendu.")
    if issue is None:
        return Refus(numero, "issue", f"« {lu} » : P (payée), R (rejetée) ou T attendu.")
    return LigneRetour(
        numero,
        partie,
        ps,
        f"{facture:09d}",
        issue,
        paye,
        demande,
        lot,
        nir,
        soins,
        organisme,
        code,
        libelle,
        reference,
        date_virement,
    )


def _ligne_arl(e: Any) -> LigneArl | Refus:
    partie, statut = e["partie"], e["statut"]
    if partie not in PARTIES_ARL:
        return Refus(e.ligne, "partie", f"« {partie} » : FSE ou DRE attendu.", arl=True)
    if statut not in {"+", "-"}:
        return Refus(
            e.ligne, "statut", f"« {statut} » : + (positif) ou - (négatif) attendu.", arl=True
        )
    return LigneArl(
        numero=e.ligne,
        numero_ps=e["numero_ps"],
        partie=partie,
        numero_lot=e["numero_lot"],
        positif=statut == "+",
        code=e["code_motif"],
        motif=e["motif"],
    )


# --- spreadsheets ----------------------------------------------------------------------------

CHAMPS_CSV_OBLIGATOIRES = ("partie", "numero_ps", "numero_facture", "issue", "montant_paye")
CHAMPS_CSV = (
    *CHAMPS_CSV_OBLIGATOIRES,
    "montant_demande",
    "numero_lot",
    "nir",
    "date_soins",
    "organisme",
    "code",
    "libelle",
    "reference_virement",
    "date_virement",
)


class ValeurInvalide(ValueError):
    pass


def lire_csv(flux: IO[bytes], nom: str, profil: ProfilCsv) -> Lecture:
    """A spreadsheet export: one return line per row, columns named by the profile."""
    try:
        codecs.lookup(profil.encodage)
    except LookupError as exc:
        raise FichierRetourInvalide(
            f"{nom} : le profil {profil.nom} nomme un encodage inconnu, « {profil.encodage} »."
        ) from exc
    debut = flux.read(4096)
    if not debut.strip():
        raise FichierRetourInvalide(f"{nom} : fichier vide.")
    if b"\x00" in debut:
        raise FichierRetourInvalide(
            f"{nom} : fichier binaire, un tableur exporté en CSV est attendu.", 1
        )
    flux.seek(0)
    texte = io.TextIOWrapper(flux, encoding=profil.encodage, errors="strict", newline="")
    lecteur = csv.reader(texte, delimiter=profil.separateur)
    try:
        entetes = [h.strip() for h in next(lecteur)]
    except UnicodeDecodeError as exc:
        raise FichierRetourInvalide(
            f"{nom}, ligne 1 : le fichier n'est pas encodé en {profil.encodage} ({exc.reason})."
        ) from exc
    colonnes: dict[str, int] = {}
    manquantes = []
    for champ, entete in profil.colonnes.items():
        if entete in entetes:
            colonnes[champ] = entetes.index(entete)
        elif champ in CHAMPS_CSV_OBLIGATOIRES:
            manquantes.append(f"« {entete} » ({champ})")
    absents = [c for c in CHAMPS_CSV_OBLIGATOIRES if c not in profil.colonnes]
    if absents or manquantes:
        raise FichierRetourInvalide(
            f"{nom}, ligne 1 : colonnes attendues par le profil {profil.nom} absentes : "
            + ", ".join(manquantes + [f"({c} non décrit par le profil)" for c in absents])
            + ".",
            1,
        )
    return Lecture(f"CSV ({profil.nom})", None, _lignes_csv(lecteur, colonnes, profil, nom))


def _lignes_csv(
    lecteur: Any, colonnes: dict[str, int], profil: ProfilCsv, nom: str
) -> Iterator[LigneRetour | Refus]:
    try:
        for ligne in lecteur:
            numero = lecteur.line_num
            if not any(c.strip() for c in ligne):
                continue
            valeurs = {
                champ: (ligne[i].strip() if i < len(ligne) else "") for champ, i in colonnes.items()
            }
            try:
                yield _ligne_csv(numero, valeurs, profil)
            except ValeurInvalide as exc:
                champ, motif = exc.args
                yield Refus(numero, champ, motif)
    except UnicodeDecodeError as exc:
        raise FichierRetourInvalide(
            f"{nom}, vers la ligne {lecteur.line_num + 1} : le fichier n'est pas encodé en "
            f"{profil.encodage}."
        ) from exc
    except csv.Error as exc:
        raise FichierRetourInvalide(f"{nom}, ligne {lecteur.line_num} : {exc}.") from exc


def _montant(champ: str, texte: str, en_euros: bool) -> int:
    propre = texte.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace("€", "")
    try:
        if en_euros:
            valeur = Decimal(propre.replace(",", ".")) * 100
            if valeur != valeur.to_integral_value():
                raise InvalidOperation
            return int(valeur)
        return int(propre)
    except (InvalidOperation, ValueError) as exc:
        attendu = "un montant en euros (1234,56)" if en_euros else "un montant en centimes"
        raise ValeurInvalide(champ, f"« {texte} » : {attendu} attendu.") from exc


def _date(champ: str, texte: str, format_date: str) -> date | None:
    if not texte:
        return None
    try:
        return datetime.strptime(texte, format_date).date()
    except ValueError as exc:
        raise ValeurInvalide(
            champ, f"« {texte} » : une date au format {format_date} attendue."
        ) from exc


def _ligne_csv(numero: int, v: dict[str, str], profil: ProfilCsv) -> LigneRetour:
    for champ in CHAMPS_CSV_OBLIGATOIRES:
        if not v.get(champ):
            raise ValeurInvalide(champ, "valeur obligatoire absente.")
    partie = v["partie"].upper()
    if partie not in PARTIES_RETOUR:
        raise ValeurInvalide("partie", f"« {v['partie']} » : AMO ou AMC attendu.")
    lu = v["issue"]
    issue = ISSUES.get(profil.issues.get(lu, lu).upper())
    if issue is None:
        raise ValeurInvalide("issue", f"« {lu} » : une issue connue du profil ou P, R, T attendue.")
    numero_facture = v["numero_facture"]
    if not numero_facture.isdigit() or len(numero_facture) > 9:
        raise ValeurInvalide(
            "numero_facture", f"« {numero_facture} » : 9 chiffres au plus attendus."
        )
    demande = v.get("montant_demande", "")
    return LigneRetour(
        numero=numero,
        partie=partie,
        numero_ps=v["numero_ps"],
        numero_facture=numero_facture.zfill(9),
        issue=issue,
        montant_paye=_montant("montant_paye", v["montant_paye"], profil.montants_en_euros),
        montant_demande=_montant("montant_demande", demande, profil.montants_en_euros)
        if demande
        else None,
        numero_lot=v.get("numero_lot", ""),
        nir=v.get("nir", ""),
        date_soins=_date("date_soins", v.get("date_soins", ""), profil.format_date),
        organisme=v.get("organisme", ""),
        code=v.get("code", ""),
        libelle=v.get("libelle", ""),
        reference_virement=v.get("reference_virement", ""),
        date_virement=_date("date_virement", v.get("date_virement", ""), profil.format_date),
    )
