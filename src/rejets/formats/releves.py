"""Bank statements: a CSV reader driven by a column profile and an OFX reader (1.x SGML and 2.x
XML), both streaming, one outcome per line (docs/banque.md).

Each operation read gives a `LigneBancaire` (amount in integer centimes, a credit is positive)
or a `LigneRefusee` (line number and French message); nothing is dropped in silence. Faults of
the whole file (empty, binary, wrong encoding, columns of the profile not found, OFX tags badly
nested or truncated, currency other than the euro, several accounts in one file) raise
`ReleveInvalide`, the only exception the readers raise whatever the bytes. Being streaming, a
late fault is raised late: the caller imports within a transaction.

CSV: the header line is searched among the first lines (banks write the account and the period
above it: those lines are counted, not read); one record per physical line (a field cannot hold
a line break); blank lines are counted, not read. OFX: the `STMTTRN` aggregates (DTPOSTED,
TRNAMT, FITID, NAME or PAYEE, MEMO, REFNUM or CHECKNUM, DTAVAIL), the account of BANKACCTFROM or
CCACCTFROM (ACCTID) and the currency of the statement (CURDEF), which must be EUR; leaf tags may
be left unclosed as OFX 1.x allows.
"""

from __future__ import annotations

import codecs
import csv
import html
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, TypeAlias

__all__ = [
    "CHAMPS_CSV",
    "CHAMPS_CSV_OBLIGATOIRES",
    "LecteurCsv",
    "LecteurOfx",
    "LectureReleve",
    "LigneBancaire",
    "LigneRefusee",
    "ProfilInvalide",
    "ProfilLecture",
    "ReleveInvalide",
    "centimes",
    "est_ofx",
    "masquer_compte",
    "verifier_profil",
]

CHAMPS_CSV_OBLIGATOIRES = ("date", "libelle")
"""Toujours décrits par un profil, avec `montant` ou bien `debit` et `credit`."""
CHAMPS_CSV = ("date", "libelle", "montant", "debit", "credit", "reference", "date_valeur")
SEPARATEUR_LIBELLE = "+"
"""Dans un profil, `libelle` peut nommer plusieurs colonnes : « Libellé+Détail »."""

LIGNES_AVANT_ENTETE = 50
"""Lignes au plus lues pour trouver l'en-tête des colonnes d'un CSV."""
LONGUEUR_MAX_LIGNE = 16384
"""Octets au plus par ligne d'un CSV ; au-delà le fichier est refusé (binaire, ou fins de
ligne \\r seules)."""
LONGUEUR_LIBELLE = 500
LONGUEUR_REFERENCE = 100
LONGUEUR_FITID = 255
CHIFFRES_MAX = 13
"""Chiffres au plus de la partie entière d'un montant en euros."""

_BOM_UTF8 = b"\xef\xbb\xbf"
_BOMS_REFUSES = {b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16"}
_CONTROLES = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0D)) + b"\x7f"
_Jour: TypeAlias = date


class ReleveInvalide(Exception):
    """Le fichier entier est refusé : `message` (en français, avec le fichier et la ligne),
    `raison` seule, `ligne` (None si la faute n'a pas de ligne)."""

    def __init__(self, nom_fichier: str, raison: str, ligne: int | None = None) -> None:
        self.nom_fichier = nom_fichier
        self.raison = raison
        self.ligne = ligne
        lieu = f"Fichier « {nom_fichier} »" + (f", ligne {ligne}" if ligne is not None else "")
        point = "" if raison.endswith((".", "?", "!", "…")) else "."
        self.message = f"{lieu} : {raison}{point}"
        super().__init__(self.message)


class ProfilInvalide(ValueError):
    """Un profil de colonnes inutilisable ; le message dit pourquoi, en français."""


@dataclass(frozen=True, slots=True)
class LigneBancaire:
    """Une opération du relevé : montant en centimes (crédit positif, débit négatif), `fitid`
    l'identifiant de l'opération donné par la banque (OFX), `reference` celle du fichier
    (colonne « référence » d'un CSV, REFNUM ou CHECKNUM d'un OFX)."""

    numero: int
    date: _Jour
    libelle: str
    montant: int
    reference: str = ""
    fitid: str = ""
    date_valeur: _Jour | None = None


@dataclass(frozen=True, slots=True)
class LigneRefusee:
    """Une ligne refusée seule : numéro, champ en faute (vide : la ligne entière), message en
    français commençant par « ligne N : »."""

    numero: int
    champ: str
    message: str


LectureReleve: TypeAlias = LigneBancaire | LigneRefusee


@dataclass(frozen=True)
class ProfilLecture:
    """Comment lire le CSV d'une banque : champ → en-tête de colonne (`libelle` peut en nommer
    plusieurs, jointes par « + »), séparateur, encodage, format des dates (codes de strptime),
    virgule décimale (sinon point)."""

    colonnes: Mapping[str, str]
    separateur: str = ";"
    encodage: str = "utf-8"
    format_date: str = "%d/%m/%Y"
    virgule_decimale: bool = True
    nom: str = ""


def verifier_profil(profil: ProfilLecture) -> None:
    """Lève `ProfilInvalide` si le profil ne peut pas lire un relevé : champs inconnus, date ou
    libellé non décrits, ni montant ni débit et crédit, séparateur, encodage ou format de date
    inutilisables."""
    colonnes = profil.colonnes
    inconnus = sorted(set(colonnes) - set(CHAMPS_CSV))
    if inconnus:
        raise ProfilInvalide(
            f"champ(s) inconnu(s) : {', '.join(inconnus)} (champs : {', '.join(CHAMPS_CSV)})"
        )
    vides = [c for c, e in colonnes.items() if not e.strip()]
    if vides:
        raise ProfilInvalide(f"en-tête vide pour : {', '.join(vides)}")
    absents = [c for c in CHAMPS_CSV_OBLIGATOIRES if c not in colonnes]
    if absents:
        raise ProfilInvalide(f"colonne(s) obligatoire(s) non décrite(s) : {', '.join(absents)}")
    a_montant = "montant" in colonnes
    a_sens = "debit" in colonnes or "credit" in colonnes
    if a_montant == a_sens:
        raise ProfilInvalide(
            "décrivez soit la colonne montant (crédit positif, débit négatif), soit les deux "
            "colonnes debit et credit"
        )
    if a_sens and not ("debit" in colonnes and "credit" in colonnes):
        raise ProfilInvalide("les colonnes debit et credit vont ensemble : décrivez les deux")
    if len(profil.separateur) != 1 or profil.separateur in '\r\n"' + SEPARATEUR_LIBELLE:
        raise ProfilInvalide(f"séparateur « {profil.separateur} » : un seul caractère attendu")
    try:
        lisible = "Date;Libellé\n".encode(profil.encodage).decode(profil.encodage)
    except LookupError:
        raise ProfilInvalide(f"encodage inconnu : « {profil.encodage} »") from None
    except ValueError:
        lisible = ""
    if lisible != "Date;Libellé\n" or profil.encodage.lower().replace("_", "-").startswith(
        ("utf-16", "utf-32", "utf16", "utf32")
    ):
        raise ProfilInvalide(
            f"encodage « {profil.encodage} » non pris en charge (utf-8, cp1252, latin-1…)"
        )
    exemple = date(2026, 12, 31)
    try:
        relu = datetime.strptime(exemple.strftime(profil.format_date), profil.format_date).date()
    except ValueError:
        relu = None
    if relu != exemple:
        raise ProfilInvalide(
            f"format de date « {profil.format_date} » : il doit donner le jour, le mois et "
            "l'année (par exemple %d/%m/%Y ou %Y-%m-%d)"
        )


def masquer_compte(identifiant: str) -> str:
    """Un n° de compte ou un IBAN n'est montré que par ses 4 derniers caractères."""
    propre = re.sub(r"\s+", "", identifiant)
    if not propre:
        return ""
    return "•••• " + propre[-4:]


def est_ofx(debut: bytes) -> bool:
    """Le fichier commence comme un OFX : en-tête OFXHEADER, prologue XML ou balise <OFX>."""
    tete = debut.removeprefix(_BOM_UTF8).lstrip().upper()
    return tete.startswith((b"OFXHEADER", b"<?XML", b"<OFX>"))


# --- amounts and dates -----------------------------------------------------------------------

_MONTANT_VIRGULE = re.compile(r"([0-9]{1,3}(?:[. ][0-9]{3})+|[0-9]+)(?:,([0-9]+))?")
_MONTANT_POINT = re.compile(r"([0-9]{1,3}(?:[, ][0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")
_MONTANT_OFX = re.compile(r"([0-9]+)(?:[.,]([0-9]*))?|[.,]([0-9]+)")


def centimes(texte: str, virgule_decimale: bool = True) -> int:
    """Un montant en euros écrit par une banque, en centimes : « -1 234,56 € » → -123456.

    Virgule décimale (points ou espaces entre milliers) ou point décimal (virgules ou espaces
    entre milliers) ; signe devant ; « € » ou « EUR » devant ou derrière ; deux décimales
    utiles au plus. Lève ValueError avec un message en français."""
    propre = texte.strip()
    for devise in ("€", "EUR"):
        propre = propre.removesuffix(devise).removeprefix(devise).strip()
    signe = 1
    if propre[:1] in ("-", "+", "\u2212"):
        signe = 1 if propre[0] == "+" else -1
        propre = propre[1:].strip()
    propre = propre.replace("\u00a0", " ").replace("\u202f", " ")
    motif = _MONTANT_VIRGULE if virgule_decimale else _MONTANT_POINT
    trouve = motif.fullmatch(propre)
    exemple = "1 234,56" if virgule_decimale else "1234.56"
    if trouve is None:
        raise ValueError(
            f"« {_extrait(texte, 40)} » : un montant en euros attendu (par exemple {exemple})"
        )
    entier = trouve[1].replace(" ", "").replace(".", "").replace(",", "")
    return signe * _depuis_parties(texte, entier, trouve[2] or "")


def _depuis_parties(texte: str, entier: str, decimales: str) -> int:
    if len(entier.lstrip("0")) > CHIFFRES_MAX:
        raise ValueError(f"« {_extrait(texte, 40)} » : montant trop grand")
    if len(decimales.rstrip("0")) > 2:
        raise ValueError(f"« {texte} » : plus de deux chiffres utiles après la virgule")
    return int(entier or "0") * 100 + int(decimales[:2].ljust(2, "0"))


def _centimes_ofx(texte: str) -> int:
    """TRNAMT : signe, chiffres, point (ou virgule) décimal."""
    propre = texte.strip()
    signe = 1
    if propre[:1] in ("-", "+"):
        signe = -1 if propre[0] == "-" else 1
        propre = propre[1:]
    trouve = _MONTANT_OFX.fullmatch(propre)
    if trouve is None:
        raise ValueError(f"« {_extrait(texte, 40)} » : un montant attendu (par exemple -12.50)")
    if trouve[3] is not None:
        return signe * _depuis_parties(texte, "0", trouve[3])
    return signe * _depuis_parties(texte, trouve[1], trouve[2] or "")


_DATE_OFX = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")


def _date_ofx(texte: str) -> date:
    """AAAAMMJJ suivi ou non de l'heure et du fuseau : la date telle qu'écrite."""
    trouve = _DATE_OFX.match(texte.strip())
    if trouve is None:
        raise ValueError(f"« {_extrait(texte, 40)} » : une date AAAAMMJJ attendue")
    try:
        return date(int(trouve[1]), int(trouve[2]), int(trouve[3]))
    except ValueError:
        raise ValueError(f"« {texte} » : date impossible") from None


def _normaliser(entete: str) -> str:
    """En-tête comparé sans casse, accents ni espaces autour : « Libellé » = « LIBELLE »."""
    sans_accents = unicodedata.normalize("NFKD", entete)
    sans_accents = "".join(c for c in sans_accents if not unicodedata.combining(c))
    return " ".join(sans_accents.casefold().split())


def _extrait(texte: str, longueur: int = 80) -> str:
    return texte if len(texte) <= longueur else texte[: longueur - 1] + "…"


# --- CSV -------------------------------------------------------------------------------------


class LecteurCsv:
    """Lecture en flux du CSV d'une banque selon un profil : itérer donne une `LectureReleve`
    par ligne d'opération. À la fin : `lignes_avant_entete` (lignes de la banque au-dessus des
    colonnes) et `lignes_vides` sont connues."""

    def __init__(self, flux: IO[bytes], nom_fichier: str, profil: ProfilLecture) -> None:
        self.flux = flux
        self.nom_fichier = nom_fichier
        self.profil = profil
        self.lignes_avant_entete = 0
        self.lignes_vides = 0
        self._lu = False

    def _faute(self, raison: str, ligne: int | None = None) -> ReleveInvalide:
        return ReleveInvalide(self.nom_fichier, raison, ligne)

    @property
    def _nom_profil(self) -> str:
        return f" « {self.profil.nom} »" if self.profil.nom else ""

    def _lignes(self) -> Iterator[tuple[int, str]]:
        """(numéro, texte décodé sans fin de ligne) ; une ligne binaire ou d'un autre encodage
        que celui du profil lève ReleveInvalide."""
        encodage = self.profil.encodage
        numero = 0
        while True:
            brut = self.flux.readline(LONGUEUR_MAX_LIGNE)
            if not brut:
                return
            numero += 1
            if not brut.endswith(b"\n") and len(brut) >= LONGUEUR_MAX_LIGNE:
                raise self._faute(
                    f"ligne trop longue ({LONGUEUR_MAX_LIGNE} octets ou plus) : ce n'est pas un "
                    "relevé CSV (fichier binaire, ou fins de ligne \\r seules ?)",
                    numero,
                )
            if numero == 1:
                for bom, nom in _BOMS_REFUSES.items():
                    if brut.startswith(bom):
                        raise self._faute(
                            f"fichier encodé en {nom}, le profil attend {encodage}", 1
                        )
                brut = brut.removeprefix(_BOM_UTF8)
            brut = brut.removesuffix(b"\n").removesuffix(b"\r")
            if b"\r" in brut:
                colonne = brut.index(b"\r") + 1
                raise self._faute(
                    f"retour chariot (\\r) isolé en colonne {colonne} : les fins "
                    "de ligne acceptées sont \\n et \\r\\n (un champ ne peut pas tenir sur "
                    "deux lignes)",
                    numero,
                )
            if len(brut.translate(None, _CONTROLES)) != len(brut):
                colonne, octet = next((i, o) for i, o in enumerate(brut, 1) if o in _CONTROLES)
                raise self._faute(
                    f"contenu binaire : octet de contrôle 0x{octet:02X} en colonne {colonne} (un "
                    "fichier texte CSV est attendu)",
                    numero,
                )
            try:
                texte = brut.decode(encodage)
            except UnicodeDecodeError as exc:
                raise self._faute(
                    f"octet 0x{brut[exc.start]:02X} en colonne {exc.start + 1} illisible en "
                    f"{encodage}, l'encodage du profil{self._nom_profil} : enregistrez le "
                    "relevé dans cet encodage ou changez le profil",
                    numero,
                ) from None
            except (LookupError, ValueError):
                raise self._faute(f"encodage du profil inutilisable : « {encodage} »") from None
            yield numero, texte

    def _cellules(self, texte: str) -> list[str] | None:
        try:
            return next(csv.reader([texte], delimiter=self.profil.separateur, strict=True), [])
        except csv.Error:
            return None

    def _entete(self, lignes: Iterator[tuple[int, str]]) -> dict[str, list[int]]:
        """Position de chaque champ, lue sur la première ligne qui porte toutes les colonnes du
        profil (parmi les LIGNES_AVANT_ENTETE premières)."""
        attendues = {
            champ: [e.strip() for e in entete.split(SEPARATEUR_LIBELLE)]
            if champ == "libelle"
            else [entete.strip()]
            for champ, entete in self.profil.colonnes.items()
        }
        premiere: str | None = None
        for numero, texte in lignes:
            if premiere is None:
                premiere = texte
            cellules = self._cellules(texte)
            if cellules is not None:
                index: dict[str, int] = {}
                for i, cellule in enumerate(cellules):
                    index.setdefault(_normaliser(cellule), i)
                if all(_normaliser(e) in index for es in attendues.values() for e in es):
                    self.lignes_avant_entete = numero - 1
                    return {
                        champ: [index[_normaliser(e)] for e in es]
                        for champ, es in attendues.items()
                    }
            if numero >= LIGNES_AVANT_ENTETE:
                break
        if premiere is None:
            raise self._faute("fichier vide")
        noms = ", ".join(f"« {e} »" for es in attendues.values() for e in es)
        raise self._faute(
            f"les colonnes du profil{self._nom_profil} ({noms}) ne sont pas dans les "
            f"{LIGNES_AVANT_ENTETE} premières lignes, lues avec le séparateur "
            f"« {self.profil.separateur} » ; première ligne : « {_extrait(premiere)} »",
            1,
        )

    def __iter__(self) -> Iterator[LectureReleve]:
        if self._lu:
            raise RuntimeError("un relevé ne se lit qu'une fois")
        self._lu = True
        lignes = self._lignes()
        positions = self._entete(lignes)
        for numero, texte in lignes:
            if not texte.strip(" \t" + self.profil.separateur):
                self.lignes_vides += 1
                continue
            yield self._ligne(numero, texte, positions)

    def _ligne(self, numero: int, texte: str, positions: dict[str, list[int]]) -> LectureReleve:
        cellules = self._cellules(texte)
        if cellules is None:
            return LigneRefusee(
                numero, "", f"ligne {numero} : illisible, guillemets mal placés ou non fermés"
            )
        manquent = [c for c, ps in positions.items() if any(p >= len(cellules) for p in ps)]
        if manquent:
            return LigneRefusee(
                numero,
                manquent[0],
                f"ligne {numero} : {len(cellules)} valeur(s), il manque : {', '.join(manquent)}",
            )
        v = {c: [cellules[p].strip() for p in ps] for c, ps in positions.items()}
        fautes: list[tuple[str, str]] = []
        quand = self._date(v["date"][0], "date", fautes, obligatoire=True)
        valeur = self._date(v.get("date_valeur", [""])[0], "date_valeur", fautes)
        montant = self._montant(v, fautes)
        reference = v.get("reference", [""])[0]
        if len(reference) > LONGUEUR_REFERENCE:
            fautes.append(("reference", f"référence de plus de {LONGUEUR_REFERENCE} caractères"))
        if fautes or quand is None or montant is None:
            return LigneRefusee(
                numero, fautes[0][0], f"ligne {numero} : " + " ; ".join(f for _, f in fautes)
            )
        libelle = " ".join(" ".join(p for p in v["libelle"] if p).split())
        return LigneBancaire(
            numero=numero,
            date=quand,
            libelle=libelle[:LONGUEUR_LIBELLE],
            montant=montant,
            reference=reference,
            date_valeur=valeur,
        )

    def _date(
        self, texte: str, champ: str, fautes: list[tuple[str, str]], obligatoire: bool = False
    ) -> date | None:
        if not texte:
            if obligatoire:
                fautes.append((champ, f"{champ} absente"))
            return None
        try:
            return datetime.strptime(texte, self.profil.format_date).date()
        except ValueError:
            fautes.append(
                (
                    champ,
                    f"{champ} « {_extrait(texte, 40)} » : une date au format "
                    f"{self.profil.format_date} attendue",
                )
            )
            return None

    def _montant(self, v: dict[str, list[str]], fautes: list[tuple[str, str]]) -> int | None:
        """Le montant signé : colonne montant, ou crédit moins débit (un seul des deux rempli ;
        le signe écrit dans la colonne débit est ignoré)."""
        lus: dict[str, int] = {}
        illisible = False
        for champ in ("montant", "debit", "credit"):
            texte = v[champ][0] if champ in v else ""
            if texte:
                try:
                    lus[champ] = centimes(texte, self.profil.virgule_decimale)
                except ValueError as exc:
                    fautes.append((champ, f"{champ} {exc}"))
                    illisible = True
        if illisible:
            return None
        if "montant" in v:
            champ, montant = "montant", lus.get("montant", 0)
        else:
            debit, credit = abs(lus.get("debit", 0)), abs(lus.get("credit", 0))
            if debit and credit:
                fautes.append(("credit", "débit et crédit tous deux remplis"))
                return None
            champ, montant = ("credit", credit) if credit else ("debit", -debit)
        if not montant:
            fautes.append((champ, "montant absent ou nul : ce n'est pas une opération"))
            return None
        return montant


# --- OFX -------------------------------------------------------------------------------------

TAILLE_BLOC = 65536
LONGUEUR_MAX_BALISE = 200
LONGUEUR_MAX_TEXTE = 4096
PROFONDEUR_MAX = 64
_NOM_BALISE = re.compile(r"[A-Za-z][A-Za-z0-9._]*")
_CHARSETS = {
    "1252": "cp1252",
    "WINDOWS-1252": "cp1252",
    "CP1252": "cp1252",
    "ISO-8859-1": "latin-1",
    "8859-1": "latin-1",
    "LATIN1": "latin-1",
    "ISO-8859-15": "iso8859-15",
    "8859-15": "iso8859-15",
    "NONE": "cp1252",
    "UTF-8": "utf-8",
}
"""CHARSET de l'en-tête OFX 1.x → encodage ; NONE (ou absent) : Windows-1252, qui comprend
l'ASCII."""
_AGREGATS_COMPTE = ("BANKACCTFROM", "CCACCTFROM")
_CHAMPS_TRN = (
    "TRNTYPE",
    "DTPOSTED",
    "DTUSER",
    "DTAVAIL",
    "TRNAMT",
    "FITID",
    "NAME",
    "MEMO",
    "REFNUM",
    "CHECKNUM",
)
_FEUILLES = (*_CHAMPS_TRN, "CURDEF", "ACCTID", "CURSYM")
"""Balises toujours lues comme des valeurs, même vides."""


@dataclass(frozen=True, slots=True)
class _Jeton:
    ligne: int
    ouvre: bool
    nom: str
    texte: str = ""


class LecteurOfx:
    """Lecture en flux d'un relevé OFX : itérer donne une `LectureReleve` par `STMTTRN`, numérotée
    par la ligne de sa balise ouvrante. Pendant et après la lecture : `version` (« 1.x (SGML) »
    ou « 2.x (XML) »), `compte` (ACCTID ; vide s'il manque), `devise` (EUR)."""

    def __init__(self, flux: IO[bytes], nom_fichier: str) -> None:
        self.flux = flux
        self.nom_fichier = nom_fichier
        self.version = ""
        self.compte = ""
        self.devise = ""
        self._encodage = "utf-8"
        self._lignes_decodees = 0
        self._derniere_ligne = 1
        self._lu = False

    def _faute(self, raison: str, ligne: int | None = None) -> ReleveInvalide:
        return ReleveInvalide(self.nom_fichier, raison, ligne)

    # The header is read as bytes: it names the encoding of the body.

    def _entete(self) -> tuple[bytes, int]:
        """Choisit l'encodage ; rend le début du corps (en octets) et son n° de ligne."""
        debut = self.flux.read(TAILLE_BLOC)
        if not debut.strip():
            raise self._faute("fichier vide")
        for marque, nom in _BOMS_REFUSES.items():
            if debut.startswith(marque):
                raise self._faute(f"fichier encodé en {nom} : UTF-8 ou Windows-1252 attendu", 1)
        bom = debut.startswith(_BOM_UTF8)
        debut = debut.removeprefix(_BOM_UTF8)
        tete = debut.lstrip().upper()
        if tete.startswith(b"OFXHEADER"):
            return self._entete_sgml(debut, bom)
        if tete.startswith(b"<?XML"):
            self.version = "2.x (XML)"
            prologue = re.match(
                rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)", debut, re.I
            )
            self._encodage = self._codec(prologue[1].decode() if prologue else "utf-8", 1)
            return debut, 1
        if tete.startswith(b"<OFX>"):
            self.version = "1.x (SGML)"
            self._encodage = "utf-8"
            return debut, 1
        raise self._faute(
            "ce n'est pas un relevé OFX : il doit commencer par l'en-tête OFXHEADER, le prologue "
            "<?xml ou la balise <OFX>",
            1,
        )

    def _codec(self, nom: str, ligne: int) -> str:
        """Un encodage de texte qui écrit l'ASCII comme l'ASCII (pas UTF-16)."""
        try:
            lisible = b"<OFX>\n".decode(nom) == "<OFX>\n"
        except LookupError:
            raise self._faute(f"encodage inconnu : « {_extrait(nom, 40)} »", ligne) from None
        except ValueError:
            lisible = False
        if not lisible:
            raise self._faute(f"encodage « {_extrait(nom, 40)} » non pris en charge", ligne)
        return nom

    def _entete_sgml(self, debut: bytes, bom: bool) -> tuple[bytes, int]:
        self.version = "1.x (SGML)"
        valeurs: dict[str, str] = {}
        position, numero = 0, 0
        while True:
            fin = debut.find(b"\n", position)
            brut = (debut[position:] if fin < 0 else debut[position:fin]).strip()
            if brut.startswith(b"<"):
                break
            if fin < 0:
                raise self._faute(
                    "en-tête OFX sans la balise <OFX> qui doit le suivre",
                    max(1, numero + (1 if brut else 0)),
                )
            numero += 1
            position = fin + 1
            if not brut:
                continue
            cle, deux_points, valeur = brut.partition(b":")
            if not deux_points or not cle.isascii() or not valeur.isascii():
                raise self._faute(
                    "en-tête OFX illisible : des lignes CLÉ:VALEUR sont attendues", numero
                )
            valeurs[cle.decode().strip().upper()] = valeur.decode().strip().upper()
        if valeurs.get("DATA", "OFXSGML") != "OFXSGML":
            raise self._faute(
                f"en-tête DATA « {_extrait(valeurs['DATA'], 20)} » : OFXSGML attendu", 1
            )
        if bom or valeurs.get("ENCODING") in ("UTF-8", "UNICODE"):
            self._encodage = "utf-8"
        else:
            charset = valeurs.get("CHARSET", "NONE")
            if charset not in _CHARSETS:
                raise self._faute(
                    f"jeu de caractères CHARSET « {_extrait(charset, 40)} » inconnu (1252, "
                    "ISO-8859-1, NONE ou UTF-8 attendu)",
                    1,
                )
            self._encodage = _CHARSETS[charset]
        return debut[position:], numero + 1

    def _blocs(self) -> Iterator[tuple[str, int]]:
        """Le corps décodé, bloc par bloc, avec le n° de ligne où commence le premier."""
        entete, ligne = self._entete()
        brut: bytes | None = entete
        decodeur = codecs.getincrementaldecoder(self._encodage)(errors="strict")
        self._lignes_decodees = ligne - 1
        fini = False
        while not fini:
            suite = self.flux.read(TAILLE_BLOC) if brut is None else brut
            brut = None
            fini = not suite
            try:
                texte = str(decodeur.decode(suite, fini))
            except UnicodeDecodeError as exc:
                ligne_faute = self._lignes_decodees + suite[: exc.start].count(b"\n") + 1
                raise self._faute(
                    f"octet 0x{suite[exc.start]:02X} illisible en {self._encodage} (l'encodage "
                    "annoncé par l'en-tête)"
                    if exc.start < len(suite)
                    else f"fichier tronqué au milieu d'un caractère {self._encodage}",
                    ligne_faute,
                ) from None
            except ValueError:
                raise self._faute(
                    f"illisible en {self._encodage} (l'encodage annoncé par l'en-tête)",
                    self._lignes_decodees + 1,
                ) from None
            self._lignes_decodees += texte.count("\n")
            yield texte, ligne

    def _jetons(self) -> Iterator[_Jeton]:
        """Balises ouvrantes (avec le texte qui les suit) et fermantes, dans l'ordre du fichier ;
        commentaires <!-- -->, instructions <?…?> et déclarations <!…> sont sautés."""
        blocs = self._blocs()
        tampon, ligne = next(blocs)
        position = 0
        ouverte: tuple[int, str] | None = None
        texte: list[str] = []
        taille_texte = 0

        def suite() -> bool:
            """Ajoute le bloc suivant au tampon ; False à la fin du fichier."""
            nonlocal tampon, position
            for bloc, _ in blocs:
                if bloc:
                    tampon, position = tampon[position:] + bloc, 0
                    return True
            return False

        while True:
            debut = tampon.find("<", position)
            morceau = tampon[position:] if debut < 0 else tampon[position:debut]
            if morceau:
                if ouverte is None and morceau.strip():
                    raise self._faute(
                        f"texte hors balise : « {_extrait(morceau.strip(), 40)} »", ligne
                    )
                texte.append(morceau)
                taille_texte += len(morceau)
                ligne += morceau.count("\n")
                if taille_texte > LONGUEUR_MAX_TEXTE:
                    raise self._faute(f"valeur de plus de {LONGUEUR_MAX_TEXTE} caractères", ligne)
            if debut < 0:
                position = len(tampon)
                if suite():
                    continue
                break
            position = debut
            while len(tampon) - position < 4 and suite():
                pass
            marque = "-->" if tampon.startswith("<!--", position) else ">"
            fin = tampon.find(marque, position + 1)
            while fin < 0:
                quoi = (
                    "commentaire <!-- jamais fermé" if marque == "-->" else "balise jamais fermée"
                )
                if len(tampon) - position > LONGUEUR_MAX_TEXTE:
                    raise self._faute(f"{quoi} (« {marque} » oublié ?)", ligne)
                if not suite():
                    raise self._faute(f"{quoi} : fichier tronqué ?", ligne)
                fin = tampon.find(marque, position + 1)
            if ouverte is not None:
                yield _Jeton(ouverte[0], True, ouverte[1], html.unescape("".join(texte)).strip())
                ouverte = None
            texte, taille_texte = [], 0
            balise = tampon[position + 1 : fin]
            ligne_balise = ligne
            ligne += balise.count("\n")
            position = fin + len(marque)
            if balise.startswith(("?", "!")):
                continue
            if len(balise) > LONGUEUR_MAX_BALISE:
                raise self._faute("balise trop longue (« > » oublié ?)", ligne_balise)
            ferme = balise.startswith("/")
            nom = _NOM_BALISE.match(balise.removeprefix("/").strip())
            if nom is None:
                raise self._faute(f"balise illisible : <{_extrait(balise, 40)}>", ligne_balise)
            if ferme:
                yield _Jeton(ligne_balise, False, nom[0].upper())
            elif balise.rstrip().endswith("/"):
                yield _Jeton(ligne_balise, True, nom[0].upper())
                yield _Jeton(ligne_balise, False, nom[0].upper())
            else:
                ouverte = (ligne_balise, nom[0].upper())
        self._derniere_ligne = ligne - (1 if tampon.endswith("\n") and ligne > 1 else 0)
        if ouverte is not None:
            yield _Jeton(ouverte[0], True, ouverte[1], html.unescape("".join(texte)).strip())

    def __iter__(self) -> Iterator[LectureReleve]:
        if self._lu:
            raise RuntimeError("un relevé ne se lit qu'une fois")
        self._lu = True
        pile: list[str] = []
        operation: dict[str, list[str]] | None = None
        debut_operation = 0
        etat = "avant"
        for j in self._jetons():
            if etat == "avant":
                if not (j.ouvre and j.nom == "OFX"):
                    raise self._faute(f"balise <{j.nom}> avant <OFX>", j.ligne)
                etat = "dedans"
            elif etat == "apres":
                raise self._faute(f"balise <{j.nom}> après </OFX>", j.ligne)
            if j.ouvre and (j.texte or j.nom in _FEUILLES):
                self._valeur(j, pile, operation)
            elif j.ouvre:
                if j.nom == "STMTTRN":
                    if operation is not None:
                        raise self._faute(
                            f"opération <STMTTRN> de la ligne {debut_operation} non fermée avant "
                            "la suivante",
                            j.ligne,
                        )
                    operation, debut_operation = {}, j.ligne
                pile.append(j.nom)
                if len(pile) > PROFONDEUR_MAX:
                    raise self._faute("balises imbriquées trop profondément", j.ligne)
            elif j.nom in pile:
                while True:
                    sortie = pile.pop()
                    if sortie == "STMTTRN" and operation is not None:
                        if j.nom != "STMTTRN":
                            raise self._faute(
                                f"opération <STMTTRN> de la ligne {debut_operation} non fermée "
                                f"avant </{j.nom}>",
                                j.ligne,
                            )
                        yield self._operation(debut_operation, operation)
                        operation = None
                    if sortie == j.nom:
                        break
                if j.nom == "OFX":
                    etat = "apres"
            elif j.nom in ("STMTTRN", "OFX"):
                raise self._faute(f"</{j.nom}> sans <{j.nom}>", j.ligne)
        fin = self._derniere_ligne
        if etat == "avant":
            raise self._faute("aucune balise <OFX> : ce n'est pas un relevé OFX", fin)
        if operation is not None:
            raise self._faute(
                f"opération <STMTTRN> de la ligne {debut_operation} jamais fermée : fichier "
                "tronqué ?",
                fin,
            )
        if etat != "apres":
            raise self._faute("</OFX> absent à la fin du fichier : fichier tronqué ?", fin)

    def _valeur(self, j: _Jeton, pile: list[str], operation: dict[str, list[str]] | None) -> None:
        """Une valeur : un champ de l'opération ouverte, le compte ou la devise du relevé."""
        if operation is not None:
            dedans = pile[pile.index("STMTTRN") + 1 :]
            if not dedans and j.nom in _CHAMPS_TRN:
                operation.setdefault(j.nom, []).append(j.texte)
            elif dedans[-1:] == ["PAYEE"] and j.nom == "NAME":
                operation.setdefault("PAYEE", []).append(j.texte)
            elif dedans[-1:] in (["CURRENCY"], ["ORIGCURRENCY"]) and j.nom == "CURSYM":
                operation.setdefault("CURSYM", []).append(j.texte)
            return
        if j.nom == "CURDEF":
            devise = j.texte.upper()
            if devise != "EUR":
                raise self._faute(
                    f"relevé en « {_extrait(devise, 10)} » : seuls les relevés en euros (EUR) "
                    "sont lus",
                    j.ligne,
                )
            self.devise = devise
        elif j.nom == "ACCTID" and pile[-1:] and pile[-1] in _AGREGATS_COMPTE:
            if self.compte and self.compte != j.texte:
                raise self._faute(
                    "plusieurs comptes dans un même fichier : exportez un relevé par compte",
                    j.ligne,
                )
            self.compte = j.texte

    def _operation(self, numero: int, champs: dict[str, list[str]]) -> LectureReleve:
        def refus(champ: str, raison: str) -> LigneRefusee:
            return LigneRefusee(numero, champ, f"ligne {numero} : {raison}")

        if not self.devise:
            raise self._faute(
                "devise du relevé (CURDEF) absente avant la première opération", numero
            )
        doubles = [c for c, vs in champs.items() if len(set(vs)) > 1]
        if doubles:
            return refus(doubles[0].lower(), f"{doubles[0]} donné deux fois, avec deux valeurs")
        v = {c: vs[0] for c, vs in champs.items()}
        for obligatoire in ("DTPOSTED", "TRNAMT"):
            if not v.get(obligatoire):
                return refus(obligatoire.lower(), f"{obligatoire} absent")
        devise = v.get("CURSYM", "EUR").upper()
        if devise != "EUR":
            return refus("cursym", f"opération en « {_extrait(devise, 10)} », pas en euros")
        try:
            quand = _date_ofx(v["DTPOSTED"])
        except ValueError as exc:
            return refus("dtposted", f"DTPOSTED {exc}")
        valeur = None
        if v.get("DTAVAIL"):
            try:
                valeur = _date_ofx(v["DTAVAIL"])
            except ValueError as exc:
                return refus("dtavail", f"DTAVAIL {exc}")
        try:
            montant = _centimes_ofx(v["TRNAMT"])
        except ValueError as exc:
            return refus("trnamt", f"TRNAMT {exc}")
        if not montant:
            return refus("trnamt", "montant nul : ce n'est pas une opération")
        fitid = v.get("FITID", "")
        if len(fitid) > LONGUEUR_FITID:
            return refus("fitid", f"FITID de plus de {LONGUEUR_FITID} caractères")
        reference = v.get("REFNUM") or v.get("CHECKNUM") or ""
        if len(reference) > LONGUEUR_REFERENCE:
            return refus("refnum", f"référence de plus de {LONGUEUR_REFERENCE} caractères")
        nom = v.get("NAME") or v.get("PAYEE") or ""
        memo = v.get("MEMO", "")
        libelle = nom if memo in nom else f"{nom} {memo}"
        return LigneBancaire(
            numero=numero,
            date=quand,
            libelle=" ".join(libelle.split())[:LONGUEUR_LIBELLE],
            montant=montant,
            reference=reference,
            fitid=fitid,
            date_valeur=valeur,
        )
