"""Table des Organismes Destinataires (TOD) of the GIE SESAM-Vitale: streaming CSV reader and
lookup with the « all centres » fallback (docs/formats/tod.md).

The TOD (CSV, v3.70 of 28/01/2025) gives, for each régime (2 digits), caisse gestionnaire (3)
and centre gestionnaire (4), a label, the organisme destinataire and the code of the centre
informatique. Centre `0000` stands for every centre of the caisse: look up (régime, caisse,
centre), then (régime, caisse, 0000) (DOMAIN.md §5).

The official header text and separator are not known here, so the reader is tolerant:

- separator `;` (default) or `,`, chosen from the header line unless given;
- UTF-8 (with or without BOM) or ISO-8859-1, recognised at the first non-ASCII line;
- columns recognised by their header, whatever the case, accents, spaces, underscores and a
  leading « code » (« Code régime », « code_regime », « Régime »); unknown columns are ignored;
- numeric codes shorter than their length are padded with zeros on the left (a spreadsheet
  drops them: `1` → `01`, `17510000` → `017510000`); longer ones are refused.

Assumed, not confirmed by a public source: the organisme destinataire is 9 digits (régime 2 +
caisse 3 + centre 4 of the destination organisme) and the code centre informatique 3 digits.

Each data line gives an `EntreeTod` or a `LigneTodRefusee` (line number and French message):
wrong length, non-digit code, empty label, key already read on an earlier line… Faults of the
whole file (empty, binary, unknown or mixed encoding, missing column) raise
`FichierTodInvalide`, the only exception the reader raises whatever the bytes. Being
streaming, a late fault is raised late: the caller imports within a transaction.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, TypeAlias, TypeVar

__all__ = [
    "COLONNES",
    "SEPARATEURS",
    "TOUS_CENTRES",
    "EntreeTod",
    "FichierTodInvalide",
    "LecteurTod",
    "LectureTod",
    "LigneTodRefusee",
    "lire_tod",
    "rechercher",
]

TOUS_CENTRES = "0000"
"""Centre gestionnaire valant pour tous les centres de la caisse (TOD, GIE SESAM-Vitale)."""

SEPARATEURS = (";", ",")
LONGUEUR_LIBELLE = 200
LONGUEUR_MAX_LIGNE = 4096
"""Octets au plus par ligne, fin de ligne comprise ; au-delà la ligne est refusée sans être
gardée en mémoire."""

_BOM_UTF8 = b"\xef\xbb\xbf"
_BOMS_REFUSES = {b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16"}
_CONTROLES = bytes(b for b in range(0x20) if b != 0x09) + b"\x7f"
_C1 = bytes(range(0x80, 0xA0))
_MOTS_VIDES = frozenset({"code", "cod", "du", "de", "d", "la", "le", "l", "des", "n", "no"})


class FichierTodInvalide(Exception):
    """Le fichier entier est refusé : `message` (en français, avec le fichier et la ligne),
    `raison` seule, `ligne` (None si la faute n'a pas de ligne)."""

    def __init__(self, nom_fichier: str, raison: str, ligne: int | None = None) -> None:
        self.nom_fichier = nom_fichier
        self.raison = raison
        self.ligne = ligne
        lieu = f"Fichier « {nom_fichier} »" + (f", ligne {ligne}" if ligne is not None else "")
        self.message = f"{lieu} : {raison}"
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class EntreeTod:
    """Une ligne de la TOD : codes complétés à leur longueur, libellé sans espaces autour."""

    regime: str
    caisse: str
    centre: str
    libelle: str
    organisme_destinataire: str
    centre_informatique: str

    @property
    def cle(self) -> tuple[str, str, str]:
        return (self.regime, self.caisse, self.centre)


@dataclass(frozen=True, slots=True)
class LigneTodRefusee:
    """Ligne refusée seule : numéro, colonnes fautives (vide : la ligne entière), message en
    français commençant par « ligne N : »."""

    ligne: int
    champs: tuple[str, ...]
    message: str


LectureTod: TypeAlias = EntreeTod | LigneTodRefusee


@dataclass(frozen=True)
class Colonne:
    """Colonne de la TOD : attribut d'`EntreeTod`, nom pour les messages, longueur des codes
    (None : texte libre), en-têtes reconnus une fois normalisés (voir `normaliser_entete`)."""

    champ: str
    nom: str
    longueur: int | None
    entetes: frozenset[str]


COLONNES: tuple[Colonne, ...] = (
    Colonne("regime", "code régime", 2, frozenset({"regime", "grandregime", "reg"})),
    Colonne(
        "caisse",
        "caisse gestionnaire",
        3,
        frozenset({"caisse", "caissegestionnaire", "caissegestion"}),
    ),
    Colonne(
        "centre",
        "centre gestionnaire",
        4,
        frozenset({"centre", "centregestionnaire", "centregestion"}),
    ),
    Colonne(
        "libelle",
        "libellé",
        None,
        frozenset({"libelle", "libelleorganisme", "libellecaisse", "nom", "nomorganisme"}),
    ),
    Colonne(
        "organisme_destinataire",
        "organisme destinataire",
        9,
        frozenset({"organismedestinataire", "destinataire", "orgdestinataire", "orgdest"}),
    ),
    Colonne(
        "centre_informatique",
        "code centre informatique",
        3,
        frozenset({"centreinformatique", "cti", "centretraitementinformatique"}),
    ),
)


def normaliser_entete(entete: str) -> str:
    """En-tête sans casse, accents, espaces ni ponctuation, et sans « code », « de »… :
    « Code régime », « code_regime » et « RÉGIME » donnent tous « regime »."""
    ascii_seul = unicodedata.normalize("NFKD", entete).encode("ascii", "ignore").decode()
    mots = re.findall(r"[a-z0-9]+", ascii_seul.lower())
    return "".join(m for m in mots if m not in _MOTS_VIDES)


_PAR_ENTETE = {e: c for c in COLONNES for e in c.entetes}


def _sans_fin(ligne: bytes) -> bytes:
    return ligne.removesuffix(b"\n").removesuffix(b"\r")


def _semble_utf8(brut: bytes) -> bool:
    return not brut.isascii() and "\ufffd" not in brut.decode("utf-8", "replace")


class LecteurTod:
    """Lecture en flux d'une TOD CSV : itérer donne une `LectureTod` par ligne de données
    (lignes 2 et suivantes). Après l'en-tête, `separateur` et `colonnes_ignorees` sont connus ;
    `encodage` (« ASCII », « UTF-8 » ou « ISO-8859-1 ») l'est à la fin de la lecture."""

    def __init__(self, flux: IO[bytes], nom_fichier: str, *, separateur: str | None = None) -> None:
        if separateur is not None and separateur not in SEPARATEURS:
            raise ValueError(f"séparateur « {separateur} » : « ; » ou « , » attendu")
        self.flux = flux
        self.nom_fichier = nom_fichier
        self.separateur = separateur
        self.colonnes_ignorees: tuple[str, ...] = ()
        self._encodage: str | None = None
        self._premiere_non_ascii = 0
        self._bom = False
        self._nb_colonnes = 0
        self._lu = False

    @property
    def encodage(self) -> str:
        return {"utf-8": "UTF-8", "latin-1": "ISO-8859-1"}.get(self._encodage or "", "ASCII")

    def _faute(self, raison: str, ligne: int | None = None) -> FichierTodInvalide:
        return FichierTodInvalide(self.nom_fichier, raison, ligne)

    def _lignes(self) -> Iterator[tuple[int, bytes | None]]:
        """(numéro, contenu sans fin de ligne) ; None pour une ligne trop longue, lue jusqu'au
        bout sans être gardée."""
        numero = 0
        while True:
            ligne = self.flux.readline(LONGUEUR_MAX_LIGNE)
            if not ligne:
                return
            numero += 1
            complete = ligne.endswith(b"\n") or len(ligne) < LONGUEUR_MAX_LIGNE
            if numero == 1:
                for bom, nom in _BOMS_REFUSES.items():
                    if ligne.startswith(bom):
                        raise self._faute(
                            f"fichier encodé en {nom} : UTF-8 ou ISO-8859-1 attendu", 1
                        )
                if ligne.startswith(_BOM_UTF8):
                    self._encodage, self._bom = "utf-8", True
                    ligne = ligne[len(_BOM_UTF8) :]
            if complete:
                yield numero, _sans_fin(ligne)
                continue
            while ligne and not ligne.endswith(b"\n"):
                ligne = self.flux.readline(LONGUEUR_MAX_LIGNE)
            yield numero, None

    def _texte(self, contenu: bytes, numero: int) -> str:
        """La ligne décodée ; FichierTodInvalide si elle est binaire ou d'un autre encodage que
        les lignes précédentes."""
        if len(contenu.translate(None, _CONTROLES)) != len(contenu):
            colonne, octet = next((i, o) for i, o in enumerate(contenu, 1) if o in _CONTROLES)
            if octet == 0x0D:
                raise self._faute(
                    f"retour chariot (\\r) isolé en colonne {colonne} : les fins de ligne "
                    "acceptées sont \\n et \\r\\n",
                    numero,
                )
            raise self._faute(
                f"contenu binaire : octet de contrôle 0x{octet:02X} en colonne {colonne} (un "
                "fichier texte CSV est attendu)",
                numero,
            )
        if contenu.isascii():
            return contenu.decode("ascii")
        depuis = (
            "(le fichier commence par la marque UTF-8)"
            if self._bom
            else f"(lu en {self.encodage} depuis la ligne {self._premiere_non_ascii})"
        )
        if self._encodage == "utf-8":
            try:
                return contenu.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise self._faute(
                    f"octet 0x{contenu[exc.start]:02X} en colonne {exc.start + 1} invalide en "
                    f"UTF-8 {depuis} : le fichier mêle deux encodages",
                    numero,
                ) from None
        if self._encodage == "latin-1":
            if _semble_utf8(contenu):
                raise self._faute(
                    f"cette ligne est en UTF-8, les précédentes en ISO-8859-1 {depuis} : le "
                    "fichier mêle deux encodages",
                    numero,
                )
        elif _semble_utf8(contenu):
            self._encodage, self._premiere_non_ascii = "utf-8", numero
            return contenu.decode("utf-8")
        if len(contenu.translate(None, _C1)) != len(contenu):
            colonne, octet = next((i, o) for i, o in enumerate(contenu, 1) if o in _C1)
            raise self._faute(
                f"encodage non reconnu : octet 0x{octet:02X} en colonne {colonne}, ni UTF-8 ni "
                "ISO-8859-1 (Windows-1252 ? contenu binaire ?) ; enregistrez le fichier en "
                "UTF-8",
                numero,
            )
        if self._encodage is None:
            self._encodage, self._premiere_non_ascii = "latin-1", numero
        return contenu.decode("latin-1")

    def _entete(self, lignes: Iterator[tuple[int, bytes | None]]) -> dict[Colonne, int]:
        """Position de chaque colonne, lue sur la première ligne."""
        premiere = next(lignes, None)
        if premiere is None or premiere[1] == b"":
            if premiere is None or next(lignes, None) is None:
                raise self._faute("fichier vide")
            raise self._faute("première ligne vide : l'en-tête des colonnes est attendu", 1)
        if premiere[1] is None:
            raise self._faute(
                f"première ligne trop longue ({LONGUEUR_MAX_LIGNE} octets ou plus) : ce "
                "n'est pas un en-tête de TOD (fins de ligne \\r seules, ou fichier binaire ?)",
                1,
            )
        texte = self._texte(premiere[1], 1)
        if not texte.strip():
            raise self._faute("première ligne vide : l'en-tête des colonnes est attendu", 1)
        if self.separateur is None:
            self.separateur = "," if texte.count(",") > texte.count(";") else ";"
        try:
            entetes = next(csv.reader([texte], delimiter=self.separateur, strict=True))
        except csv.Error:
            raise self._faute(
                "en-tête illisible : guillemets mal placés ou non fermés", 1
            ) from None
        positions: dict[Colonne, int] = {}
        ignorees: list[str] = []
        for position, entete in enumerate(entetes):
            colonne = _PAR_ENTETE.get(normaliser_entete(entete))
            if colonne is None:
                if entete.strip():
                    ignorees.append(entete.strip())
                continue
            if colonne in positions:
                raise self._faute(
                    f"les colonnes « {entetes[positions[colonne]].strip()} » et "
                    f"« {entete.strip()} » désignent toutes deux la colonne « {colonne.nom} »",
                    1,
                )
            positions[colonne] = position
        manquantes = [c.nom for c in COLONNES if c not in positions]
        if manquantes:
            lues = ", ".join(f"« {e.strip()} »" for e in entetes if e.strip()) or "aucune"
            raise self._faute(
                f"colonne(s) manquante(s) : {', '.join(manquantes)} ; colonnes lues avec le "
                f"séparateur « {self.separateur} » : {lues} (attendues : "
                f"{', '.join(c.nom for c in COLONNES)} ; séparateur « ; » ou « , »)",
                1,
            )
        self.colonnes_ignorees = tuple(ignorees)
        self._nb_colonnes = len(entetes)
        return positions

    def __iter__(self) -> Iterator[LectureTod]:
        if self._lu:
            raise RuntimeError("une TOD ne se lit qu'une fois")
        self._lu = True
        lignes = self._lignes()
        positions = self._entete(lignes)
        separateur = self.separateur or ";"
        deja_lues: dict[tuple[str, str, str], int] = {}
        for numero, contenu in lignes:
            if contenu is None:
                yield LigneTodRefusee(
                    numero,
                    (),
                    f"ligne {numero} : trop longue ({LONGUEUR_MAX_LIGNE} octets ou plus), ce "
                    "n'est pas une ligne de TOD",
                )
                continue
            texte = self._texte(contenu, numero)
            lecture = _ligne(texte, numero, separateur, positions, self._nb_colonnes)
            if isinstance(lecture, EntreeTod):
                premiere = deja_lues.setdefault(lecture.cle, numero)
                if premiere != numero:
                    lecture = LigneTodRefusee(
                        numero,
                        ("regime", "caisse", "centre"),
                        f"ligne {numero} : régime {lecture.regime}, caisse {lecture.caisse}, "
                        f"centre {lecture.centre} déjà lus ligne {premiere} ; la première "
                        "ligne est gardée",
                    )
            yield lecture


def _ligne(
    texte: str, numero: int, separateur: str, positions: Mapping[Colonne, int], nb_colonnes: int
) -> LectureTod:
    """Une ligne de données : une entrée, ou un refus qui dit tout ce qui est faux."""
    if not texte.strip(" \t" + separateur):
        return LigneTodRefusee(numero, (), f"ligne {numero} : ligne vide")
    try:
        valeurs = next(csv.reader([texte], delimiter=separateur, strict=True))
    except csv.Error:
        return LigneTodRefusee(
            numero, (), f"ligne {numero} : illisible, guillemets mal placés ou non fermés"
        )
    if len(valeurs) > nb_colonnes and any(v.strip() for v in valeurs[nb_colonnes:]):
        return LigneTodRefusee(
            numero,
            (),
            f"ligne {numero} : {len(valeurs)} valeurs, l'en-tête annonce {nb_colonnes} "
            f"colonnes (un « {separateur} » dans un libellé doit être entre guillemets)",
        )
    if len(valeurs) <= max(positions.values()):
        manquent = ", ".join(c.nom for c, p in positions.items() if p >= len(valeurs))
        return LigneTodRefusee(
            numero,
            (),
            f"ligne {numero} : {len(valeurs)} valeur(s), il manque : {manquent}",
        )
    champs: dict[str, str] = {}
    fautes: list[tuple[str, str]] = []
    for colonne, position in positions.items():
        valeur, faute = _valeur(colonne, valeurs[position])
        if faute is None:
            champs[colonne.champ] = valeur
        else:
            fautes.append((colonne.champ, faute))
    if fautes:
        return LigneTodRefusee(
            numero,
            tuple(champ for champ, _ in fautes),
            f"ligne {numero} : " + " ; ".join(faute for _, faute in fautes),
        )
    return EntreeTod(**champs)


def _valeur(colonne: Colonne, brute: str) -> tuple[str, str | None]:
    """(valeur normalisée, None) ou ("", raison du refus)."""
    valeur = brute.strip()
    if not valeur:
        return "", f"{colonne.nom} vide"
    if colonne.longueur is None:
        if len(valeur) > LONGUEUR_LIBELLE:
            return "", f"{colonne.nom} de {len(valeur)} caractères, {LONGUEUR_LIBELLE} au plus"
        return valeur, None
    n = colonne.longueur
    if not (valeur.isascii() and valeur.isdigit()):
        return "", f"{colonne.nom} « {valeur} » : {n} chiffres attendus"
    if len(valeur) > n:
        return "", f"{colonne.nom} « {valeur} » : {len(valeur)} chiffres, {n} attendus"
    return valeur.zfill(n), None


def lire_tod(
    flux: IO[bytes], nom_fichier: str, *, separateur: str | None = None
) -> Iterator[LectureTod]:
    """Les lectures d'une TOD CSV, une par ligne de données (voir `LecteurTod`)."""
    return iter(LecteurTod(flux, nom_fichier, separateur=separateur))


V = TypeVar("V")


def rechercher(
    table: Mapping[tuple[str, str, str], V], *, regime: str, caisse: str, centre: str
) -> V | None:
    """L'entrée de (régime, caisse, centre), sinon celle de (régime, caisse, 0000) qui vaut pour
    tous les centres de la caisse (TOD, GIE SESAM-Vitale) ; None si aucune."""
    cle = (regime, caisse, centre)
    if cle in table:
        return table[cle]
    tous = (regime, caisse, TOUS_CENTRES)
    if tous in table:
        return table[tous]
    return None
