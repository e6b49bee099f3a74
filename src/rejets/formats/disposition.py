"""Fixed-width record layouts ("dispositions"), described as data and compiled for speed.

A layout is a TOML file (docs/formats/dispositions.md): record width, single-byte encoding,
where the record type sits, the signature that recognises the layout from the first record,
the record types with their fields, and the levels (file, transfer, invoice…) with the totals
their closing record carries. `charger_disposition` reads and validates one file; every fault
raises `DispositionInvalide` naming the file and the fault.

Each record type is compiled once (`Disposition.compilee`) into a generated converter per
level: one precompiled `struct.Struct` over the bytes of the line (fields, and the free zones
between them, which are checked too), then inline conversions, no per-field interpretation
loop. Values that repeat (dates, codes, labels) are converted once and memoised in a small
per-field cache; adjacent text fields share one cache entry. Memoisation adapts: a field or
group whose cache overflows twice is recompiled to a direct conversion, mid-file. Writing uses
a generated formatter per record type. The reading and writing loops live in
`rejets.formats.fixe`.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import struct
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, TypeAlias, cast

TypeChamp: TypeAlias = Literal["numerique", "alphanumerique", "date8", "date6", "montant"]
TYPES_CHAMP: tuple[TypeChamp, ...] = ("numerique", "alphanumerique", "date8", "date6", "montant")

CHAMPS_IDENTITE = frozenset({"nir", "nom", "prenom"})
"""Field names whose content never appears in a message nor in a cache (identity data)."""

ENCODAGES: Mapping[str, str] = {"latin-1": "ISO-8859-1", "cp1252": "Windows-1252", "ascii": "ASCII"}
"""Accepted encodings (Python codec → name shown to users): one byte per character."""

_CODECS = {"iso8859-1": "latin-1", "cp1252": "cp1252", "ascii": "ascii"}

_INTERDITS: Mapping[str, bytes] = {
    "latin-1": bytes(range(0x20)) + bytes(range(0x7F, 0xA0)),
    "cp1252": bytes(range(0x20)) + b"\x7f\x81\x8d\x8f\x90\x9d",
    "ascii": bytes(range(0x20)) + bytes(range(0x7F, 0x100)),
}
"""Bytes that never occur in a text field: controls, and bytes the encoding does not define."""

LARGEUR_MAX = 4096
CHIFFRES_MAX = 100
TAILLE_CACHE = 2048
"""Entries per memoised field or group; the cache is emptied when full, and a field or group
that fills it twice is converted directly from then on."""

_NOM = re.compile(r"[a-z][a-z0-9_]*\Z")
_CODE = re.compile(r"[!-~]+\Z")


class DispositionInvalide(Exception):
    """Fichier de disposition refusé : la source (fichier) et la faute, en français."""

    def __init__(self, source: str, raison: str) -> None:
        self.source = source
        self.raison = raison
        super().__init__(f"Disposition « {source} » : {raison}")


# --- The layout, as declared. ---


@dataclass(frozen=True)
class Champ:
    """Champ d'un enregistrement : position à partir de 1, longueur en caractères, type.

    Alphanumérique seulement : `valeurs` restreint les valeurs brutes permises ; `traduction`
    change une valeur brute en la valeur donnée au programme (et l'inverse à l'écriture).
    `identite` marque un champ dont le contenu n'apparaît jamais dans un message (toujours vrai
    pour nir, nom, prenom)."""

    nom: str
    debut: int
    longueur: int
    type: TypeChamp
    obligatoire: bool = True
    libelle: str = ""
    valeurs: tuple[str, ...] = ()
    identite: bool = False
    traduction: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.nom in CHAMPS_IDENTITE and not self.identite:
            object.__setattr__(self, "identite", True)

    @property
    def fin(self) -> int:
        """Dernière position occupée (à partir de 1)."""
        return self.debut + self.longueur - 1


@dataclass(frozen=True)
class TypeEnregistrement:
    """Type d'enregistrement : code (ex. « 200 »), nom, niveau où il vit, champs."""

    code: str
    nom: str
    libelle: str
    niveau: str | None
    champs: tuple[Champ, ...]

    def champ(self, nom: str) -> Champ:
        """Le champ de ce nom (KeyError sinon)."""
        for c in self.champs:
            if c.nom == nom:
                return c
        raise KeyError(nom)


@dataclass(frozen=True)
class Total:
    """Champ de l'enregistrement de fin : nombre d'enregistrements des types `codes` dans le
    niveau (somme None), ou somme du champ `somme` des enregistrements `codes[0]`."""

    champ: str
    codes: tuple[str, ...]
    somme: str | None = None

    def decrire(self) -> str:
        """« compte de 200 » ou « somme de 200.montant_paye »."""
        if self.somme is None:
            return "nombre d'enregistrements " + ", ".join(self.codes)
        return f"somme de {self.codes[0]}.{self.somme}"


@dataclass(frozen=True)
class Niveau:
    """Niveau d'imbrication : ouvert par un type, fermé par un autre, totaux à la fermeture."""

    nom: str
    ouvert_par: str
    ferme_par: str
    parent: str | None
    totaux: tuple[Total, ...] = ()
    libelle: str = ""


@dataclass(frozen=True)
class Signature:
    """Reconnaissance : le premier enregistrement est du type `type` et son champ `champ`
    vaut `valeur`."""

    type: str
    champ: str
    valeur: str


@dataclass(frozen=True)
class Disposition:
    """Disposition d'un fichier à largeur fixe, validée à la construction.

    `encodage` est un nom de codec Python normalisé (« latin-1 », « cp1252 », « ascii ») ;
    `siecle_pivot` : une année AA sur deux chiffres inférieure au pivot est 20AA, sinon 19AA.
    """

    identifiant: str
    libelle: str
    version: int
    largeur: int
    encodage: str
    type_debut: int
    type_longueur: int
    siecle_pivot: int | None
    signature: Signature
    enregistrements: tuple[TypeEnregistrement, ...]
    niveaux: tuple[Niveau, ...]
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        _valider(self)

    @property
    def nom_encodage(self) -> str:
        """Nom de l'encodage pour un message (« ISO-8859-1 »)."""
        return ENCODAGES[self.encodage]

    def enregistrement(self, code: str) -> TypeEnregistrement:
        """Le type d'enregistrement de ce code (KeyError sinon)."""
        for t in self.enregistrements:
            if t.code == code:
                return t
        raise KeyError(code)

    def niveau(self, nom: str) -> Niveau:
        """Le niveau de ce nom (KeyError sinon)."""
        for n in self.niveaux:
            if n.nom == nom:
                return n
        raise KeyError(nom)

    @cached_property
    def compilee(self) -> Compilation:
        """Structures et fonctions de lecture et d'écriture, compilées une fois."""
        return Compilation(self)


# --- Validation. ---


def _valider(d: Disposition) -> None:
    """Règles d'une disposition ; DispositionInvalide à la première faute."""
    source = d.source or d.identifiant

    def faute(raison: str) -> DispositionInvalide:
        return DispositionInvalide(source, raison)

    if not d.identifiant.strip():
        raise faute("identifiant vide")
    if d.version < 1:
        raise faute(f"version {d.version} : un entier positif est attendu")
    if not 1 <= d.largeur <= LARGEUR_MAX:
        raise faute(f"largeur {d.largeur} : de 1 à {LARGEUR_MAX} caractères attendus")
    if d.encodage not in ENCODAGES:
        raise faute(_raison_encodage(d.encodage))
    if d.type_debut < 1 or d.type_longueur < 1 or d.type_debut + d.type_longueur - 1 > d.largeur:
        raise faute(
            f"position_type (début {d.type_debut}, longueur {d.type_longueur}) hors de la "
            f"largeur {d.largeur}"
        )
    if d.siecle_pivot is not None and not 0 <= d.siecle_pivot <= 100:
        raise faute(f"siecle_pivot {d.siecle_pivot} : un entier de 0 à 100 est attendu")
    codes: set[str] = set()
    noms: set[str] = set()
    for t in d.enregistrements:
        lieu = f"enregistrement {t.code}"
        if not _CODE.match(t.code) or not t.code.isascii() or len(t.code) != d.type_longueur:
            raise faute(
                f"{lieu} : code de {d.type_longueur} caractère(s) ASCII imprimables attendu "
                "(position_type)"
            )
        if t.code in codes:
            raise faute(f"{lieu} : code déclaré deux fois")
        codes.add(t.code)
        if not _NOM.match(t.nom):
            raise faute(f"{lieu} : nom « {t.nom} » invalide (minuscules, chiffres, _)")
        if t.nom in noms:
            raise faute(f"{lieu} : nom « {t.nom} » déjà pris par un autre enregistrement")
        noms.add(t.nom)
        _valider_champs(d, t, faute)
    if not d.enregistrements:
        raise faute("aucun enregistrement déclaré")
    _valider_niveaux(d, codes, faute)
    _valider_signature(d, faute)


def _raison_encodage(nom: str) -> str:
    permis = "latin-1 (ISO-8859-1), cp1252 (Windows-1252) ou ascii"
    try:
        normal = codecs.lookup(nom).name
    except LookupError:
        return f"encodage « {nom} » inconnu : {permis} attendu"
    if normal.startswith(("utf", "gb", "big5", "euc", "shift", "iso2022", "cp9", "hz")):
        return (
            f"encodage « {nom} » refusé : il code certains caractères sur plusieurs octets, or "
            f"une disposition à largeur fixe compte un octet par caractère ; {permis} attendu"
        )
    return f"encodage « {nom} » non pris en charge : {permis} attendu"


def _valider_champs(
    d: Disposition, t: TypeEnregistrement, faute: Callable[[str], DispositionInvalide]
) -> None:
    occupe: list[tuple[int, int, str]] = [
        (d.type_debut, d.type_debut + d.type_longueur - 1, "type d'enregistrement")
    ]
    vus: set[str] = set()
    for c in t.champs:
        lieu = f"enregistrement {t.code}, champ {c.nom}"
        if not _NOM.match(c.nom):
            raise faute(f"{lieu} : nom invalide (minuscules, chiffres, _ ; une lettre d'abord)")
        if c.nom in vus:
            raise faute(f"{lieu} : champ déclaré deux fois")
        vus.add(c.nom)
        if c.type not in TYPES_CHAMP:
            raise faute(f"{lieu} : type « {c.type} » inconnu ({', '.join(TYPES_CHAMP)})")
        if c.debut < 1 or c.longueur < 1:
            raise faute(f"{lieu} : début et longueur doivent être au moins 1")
        if c.fin > d.largeur:
            raise faute(
                f"{lieu} : positions {c.debut} à {c.fin}, au-delà de la largeur {d.largeur}"
            )
        for debut, fin, autre in occupe:
            if c.debut <= fin and debut <= c.fin:
                raise faute(
                    f"{lieu} : positions {c.debut} à {c.fin} chevauchant {autre} "
                    f"(positions {debut} à {fin})"
                )
        occupe.append((c.debut, c.fin, f"le champ {c.nom}"))
        attendue = {"date8": 8, "date6": 6}.get(c.type)
        if attendue is not None and c.longueur != attendue:
            raise faute(f"{lieu} : un champ {c.type} a une longueur de {attendue}")
        if c.type == "montant" and not 2 <= c.longueur <= CHIFFRES_MAX + 1:
            raise faute(f"{lieu} : un montant a de 2 à {CHIFFRES_MAX + 1} caractères")
        if c.type == "numerique" and c.longueur > CHIFFRES_MAX:
            raise faute(f"{lieu} : un champ numérique a au plus {CHIFFRES_MAX} chiffres")
        if c.type == "date6" and d.siecle_pivot is None:
            raise faute(f"{lieu} : un champ date6 exige siecle_pivot dans la disposition")
        if c.valeurs:
            if c.type != "alphanumerique" or c.identite:
                raise faute(f"{lieu} : « valeurs » s'applique aux champs alphanumériques")
            for v in c.valeurs:
                if not v.strip(" ") or v != v.rstrip(" ") or len(v) > c.longueur:
                    raise faute(
                        f"{lieu} : valeur permise « {v} » invalide (non vide, sans espace final, "
                        f"{c.longueur} caractères au plus)"
                    )
                if not _encodable(v, d.encodage):
                    raise faute(f"{lieu} : valeur permise « {v} » non représentable")
        if c.traduction:
            if c.type != "alphanumerique" or c.identite:
                raise faute(f"{lieu} : « traduction » s'applique aux champs alphanumériques")
            for brute, traduite in c.traduction:
                if not brute.strip(" ") or brute != brute.rstrip(" ") or len(brute) > c.longueur:
                    raise faute(
                        f"{lieu} : valeur brute « {brute} » invalide (non vide, sans espace "
                        f"final, {c.longueur} caractères au plus)"
                    )
                if not _encodable(brute, d.encodage):
                    raise faute(f"{lieu} : valeur brute « {brute} » non représentable")
                if not traduite:
                    raise faute(f"{lieu} : traduction vide pour « {brute} »")
            traduites = [t for _, t in c.traduction]
            if len(set(traduites)) != len(traduites):
                raise faute(f"{lieu} : deux valeurs brutes ont la même traduction")


def _valider_niveaux(
    d: Disposition, codes: set[str], faute: Callable[[str], DispositionInvalide]
) -> None:
    if not d.niveaux:
        raise faute("aucun niveau déclaré")
    noms = [n.nom for n in d.niveaux]
    ouvrants: dict[str, str] = {}
    fermants: set[str] = set()
    racines = [n.nom for n in d.niveaux if n.parent is None]
    if len(racines) != 1:
        raise faute(f"un seul niveau sans parent (la racine) attendu, trouvé {len(racines)}")
    for n in d.niveaux:
        lieu = f"niveau {n.nom}"
        if not _NOM.match(n.nom):
            raise faute(f"{lieu} : nom invalide (minuscules, chiffres, _)")
        if noms.count(n.nom) > 1:
            raise faute(f"{lieu} : niveau déclaré deux fois")
        if n.parent is not None and n.parent not in noms:
            raise faute(f"{lieu} : parent « {n.parent} » inconnu")
        for role, code in (("ouvert_par", n.ouvert_par), ("ferme_par", n.ferme_par)):
            if code not in codes:
                raise faute(f"{lieu} : {role} « {code} », enregistrement inconnu")
        if n.ouvert_par in ouvrants:
            raise faute(
                f"{lieu} : l'enregistrement {n.ouvert_par} ouvre déjà le niveau "
                f"{ouvrants[n.ouvert_par]}"
            )
        ouvrants[n.ouvert_par] = n.nom
        fermants.add(n.ferme_par)
    for n in d.niveaux:
        vus = {n.nom}
        parent = n.parent
        while parent is not None:
            if parent in vus:
                raise faute(f"niveau {n.nom} : les parents forment une boucle")
            vus.add(parent)
            parent = d.niveau(parent).parent
    for code in ouvrants.keys() & fermants:
        raise faute(f"enregistrement {code} : il ne peut à la fois ouvrir et fermer un niveau")
    for t in d.enregistrements:
        lieu = f"enregistrement {t.code}"
        if t.code in ouvrants:
            if t.niveau is not None and t.niveau != ouvrants[t.code]:
                raise faute(
                    f"{lieu} : niveau « {t.niveau} », or il ouvre le niveau {ouvrants[t.code]}"
                )
        elif t.code in fermants:
            fermes = [n.nom for n in d.niveaux if n.ferme_par == t.code]
            if t.niveau is not None and t.niveau not in fermes:
                raise faute(f"{lieu} : niveau « {t.niveau} », or il ferme {', '.join(fermes)}")
        elif t.niveau is None:
            raise faute(f"{lieu} : niveau manquant")
        elif t.niveau not in noms:
            raise faute(f"{lieu} : niveau « {t.niveau} » inconnu")
    for n in d.niveaux:
        fin = d.enregistrement(n.ferme_par)
        vus_totaux: set[str] = set()
        for total in n.totaux:
            lieu = f"niveau {n.nom}, total {total.champ}"
            if total.champ in vus_totaux:
                raise faute(f"{lieu} : total déclaré deux fois")
            vus_totaux.add(total.champ)
            cible = _champ_ou_none(fin, total.champ)
            if cible is None:
                raise faute(f"{lieu} : pas de champ {total.champ} dans l'enregistrement {fin.code}")
            if cible.type not in ("numerique", "montant") or not cible.obligatoire:
                raise faute(f"{lieu} : le champ doit être numerique ou montant, et obligatoire")
            if not total.codes:
                raise faute(f"{lieu} : aucun enregistrement à compter")
            for code in total.codes:
                if code not in codes:
                    raise faute(f"{lieu} : enregistrement {code} inconnu")
            if total.somme is not None:
                somme = _champ_ou_none(d.enregistrement(total.codes[0]), total.somme)
                if somme is None or somme.type not in ("numerique", "montant"):
                    raise faute(
                        f"{lieu} : somme de {total.codes[0]}.{total.somme}, champ inconnu ou "
                        "ni numerique ni montant"
                    )


def _valider_signature(d: Disposition, faute: Callable[[str], DispositionInvalide]) -> None:
    s = d.signature
    racine = next(n for n in d.niveaux if n.parent is None)
    if s.type != racine.ouvert_par:
        raise faute(
            f"signature : type {s.type}, or le premier enregistrement est celui qui ouvre le "
            f"niveau {racine.nom} ({racine.ouvert_par})"
        )
    champ = _champ_ou_none(d.enregistrement(s.type), s.champ)
    if champ is None or champ.type != "alphanumerique":
        raise faute(f"signature : {s.type}.{s.champ} n'est pas un champ alphanumérique")
    if not s.valeur.strip(" ") or len(s.valeur) > champ.longueur or s.valeur != s.valeur.rstrip():
        raise faute(
            f"signature : valeur « {s.valeur} » vide, avec espace final ou plus longue que le "
            f"champ ({champ.longueur} caractères)"
        )
    if not _encodable(s.valeur, d.encodage):
        raise faute(f"signature : valeur « {s.valeur} » non représentable en {d.nom_encodage}")


def _champ_ou_none(t: TypeEnregistrement, nom: str) -> Champ | None:
    try:
        return t.champ(nom)
    except KeyError:
        return None


def _encodable(texte: str, encodage: str) -> bool:
    try:
        brut = texte.encode(encodage)
    except UnicodeEncodeError:
        return False
    return len(brut.translate(None, _INTERDITS[encodage])) == len(brut)


# --- Loading TOML. ---


class _Table:
    """Table TOML lue avec des messages qui nomment le lieu ; refuse les clés inconnues."""

    def __init__(self, source: str, lieu: str, valeur: object, cles: Sequence[str]) -> None:
        self.source, self.lieu = source, lieu
        if not isinstance(valeur, dict):
            raise self.faute("une table est attendue")
        inconnues = [c for c in valeur if c not in cles]
        if inconnues:
            raise self.faute(f"clé inconnue « {inconnues[0]} » (clés permises : {', '.join(cles)})")
        self.valeurs: dict[str, object] = valeur

    def faute(self, raison: str, cle: str | None = None) -> DispositionInvalide:
        lieu = ", ".join(x for x in (self.lieu, cle) if x)
        return DispositionInvalide(self.source, f"{lieu} : {raison}" if lieu else raison)

    def brut(self, cle: str) -> object:
        if cle not in self.valeurs:
            raise self.faute("clé obligatoire manquante", cle)
        return self.valeurs[cle]

    def texte(self, cle: str, defaut: str | None = None) -> str:
        if defaut is not None and cle not in self.valeurs:
            return defaut
        valeur = self.brut(cle)
        if not isinstance(valeur, str):
            raise self.faute("une chaîne est attendue", cle)
        return valeur

    def texte_ou_none(self, cle: str) -> str | None:
        return self.texte(cle) if cle in self.valeurs else None

    def entier(self, cle: str) -> int:
        valeur = self.brut(cle)
        if not isinstance(valeur, int) or isinstance(valeur, bool):
            raise self.faute("un entier est attendu", cle)
        return valeur

    def entier_ou_none(self, cle: str) -> int | None:
        return self.entier(cle) if cle in self.valeurs else None

    def booleen(self, cle: str, defaut: bool) -> bool:
        valeur = self.valeurs.get(cle, defaut)
        if not isinstance(valeur, bool):
            raise self.faute("true ou false est attendu", cle)
        return valeur

    def liste(self, cle: str) -> list[object]:
        valeur = self.brut(cle)
        if not isinstance(valeur, list):
            raise self.faute("une liste est attendue", cle)
        return valeur

    def correspondance(self, cle: str) -> tuple[tuple[str, str], ...]:
        valeur = self.valeurs.get(cle, {})
        if not isinstance(valeur, dict) or not all(isinstance(v, str) for v in valeur.values()):
            raise self.faute('une table { "brut" = "valeur" } est attendue', cle)
        return tuple(cast(dict[str, str], valeur).items())

    def textes(self, cle: str) -> tuple[str, ...]:
        if cle not in self.valeurs:
            return ()
        liste = self.liste(cle)
        if not all(isinstance(v, str) for v in liste):
            raise self.faute("une liste de chaînes est attendue", cle)
        return tuple(cast(list[str], liste))


_CLES_DISPOSITION = (
    "identifiant",
    "libelle",
    "version",
    "largeur",
    "encodage",
    "siecle_pivot",
    "position_type",
    "signature",
    "niveaux",
    "enregistrements",
)


def lire_disposition(texte: str, source: str) -> Disposition:
    """Disposition depuis le texte TOML ; `source` nomme le fichier dans les messages."""
    try:
        donnees = tomllib.loads(texte)
    except tomllib.TOMLDecodeError as e:
        raise DispositionInvalide(source, f"TOML invalide : {e}") from None
    racine = _Table(source, "", donnees, _CLES_DISPOSITION)
    encodage = racine.texte("encodage")
    try:
        codec = _CODECS.get(codecs.lookup(encodage).name, encodage)
    except LookupError:
        codec = encodage
    position = _Table(source, "position_type", racine.brut("position_type"), ("debut", "longueur"))
    signature = _Table(source, "signature", racine.brut("signature"), ("type", "champ", "valeur"))
    niveaux = [_lire_niveau(source, i, n) for i, n in enumerate(racine.liste("niveaux"), 1)]
    enregistrements = [
        _lire_enregistrement(source, i, e) for i, e in enumerate(racine.liste("enregistrements"), 1)
    ]
    return Disposition(
        identifiant=racine.texte("identifiant"),
        libelle=racine.texte("libelle", ""),
        version=racine.entier("version"),
        largeur=racine.entier("largeur"),
        encodage=codec,
        type_debut=position.entier("debut"),
        type_longueur=position.entier("longueur"),
        siecle_pivot=racine.entier_ou_none("siecle_pivot"),
        signature=Signature(
            type=signature.texte("type"),
            champ=signature.texte("champ"),
            valeur=signature.texte("valeur"),
        ),
        enregistrements=tuple(enregistrements),
        niveaux=tuple(niveaux),
        source=source,
    )


def _lire_niveau(source: str, rang: int, valeur: object) -> Niveau:
    table = _Table(
        source,
        f"niveau n° {rang}",
        valeur,
        ("nom", "libelle", "ouvert_par", "ferme_par", "parent", "totaux"),
    )
    nom = table.texte("nom")
    table.lieu = f"niveau {nom}"
    totaux_bruts = table.valeurs.get("totaux", {})
    if not isinstance(totaux_bruts, dict):
        raise table.faute("une table est attendue", "totaux")
    totaux = []
    for champ, regle in totaux_bruts.items():
        t = _Table(source, f"niveau {nom}, total {champ}", regle, ("compte", "somme"))
        if ("compte" in t.valeurs) == ("somme" in t.valeurs):
            raise t.faute('une seule règle attendue : compte = [codes] ou somme = "CODE.champ"')
        if "compte" in t.valeurs:
            totaux.append(Total(champ=champ, codes=t.textes("compte")))
            continue
        code, point, nom_somme = t.texte("somme").partition(".")
        if not point:
            raise t.faute("« CODE.champ » attendu", "somme")
        totaux.append(Total(champ=champ, codes=(code,), somme=nom_somme))
    return Niveau(
        nom=nom,
        ouvert_par=table.texte("ouvert_par"),
        ferme_par=table.texte("ferme_par"),
        parent=table.texte_ou_none("parent"),
        totaux=tuple(totaux),
        libelle=table.texte("libelle", ""),
    )


def _lire_enregistrement(source: str, rang: int, valeur: object) -> TypeEnregistrement:
    table = _Table(
        source, f"enregistrement n° {rang}", valeur, ("code", "nom", "libelle", "niveau", "champs")
    )
    code = table.texte("code")
    table.lieu = f"enregistrement {code}"
    champs = []
    for valeur_champ in table.liste("champs") if "champs" in table.valeurs else []:
        c = _Table(
            source,
            f"enregistrement {code}, champ",
            valeur_champ,
            (
                "nom",
                "debut",
                "longueur",
                "type",
                "obligatoire",
                "libelle",
                "valeurs",
                "traduction",
                "identite",
            ),
        )
        nom = c.texte("nom")
        c.lieu = f"enregistrement {code}, champ {nom}"
        if nom in CHAMPS_IDENTITE and not c.booleen("identite", True):
            raise c.faute(f"le champ {nom} est toujours un champ d'identité", "identite")
        champs.append(
            Champ(
                nom=nom,
                debut=c.entier("debut"),
                longueur=c.entier("longueur"),
                type=cast(TypeChamp, c.texte("type")),
                obligatoire=c.booleen("obligatoire", True),
                libelle=c.texte("libelle", ""),
                valeurs=c.textes("valeurs"),
                traduction=c.correspondance("traduction"),
                identite=c.booleen("identite", False),
            )
        )
    return TypeEnregistrement(
        code=code,
        nom=table.texte("nom"),
        libelle=table.texte("libelle", ""),
        niveau=table.texte_ou_none("niveau"),
        champs=tuple(champs),
    )


def charger_disposition(chemin: Path | Traversable) -> Disposition:
    """Lit et valide un fichier de disposition (TOML, UTF-8)."""
    try:
        texte = chemin.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise DispositionInvalide(chemin.name, "le fichier TOML doit être en UTF-8") from None
    except OSError as e:
        raise DispositionInvalide(chemin.name, f"lecture impossible ({e.strerror})") from None
    return lire_disposition(texte, str(chemin) if isinstance(chemin, Path) else chemin.name)


def charger_dispositions(dossier: Path | Traversable) -> list[Disposition]:
    """Toutes les dispositions `*.toml` d'un dossier, par nom de fichier ; identifiants et
    signatures distincts."""
    fichiers = sorted(
        (f for f in dossier.iterdir() if f.name.endswith(".toml") and f.is_file()),
        key=lambda f: f.name,
    )
    dispositions = [charger_disposition(f) for f in fichiers]
    verifier_ensemble(dispositions)
    return dispositions


@cache
def _livrees() -> tuple[Disposition, ...]:
    return tuple(charger_dispositions(resources.files("rejets.formats").joinpath("dispositions")))


def dispositions_livrees() -> list[Disposition]:
    """Les dispositions livrées avec Rejets (REJETS-RETOURS-1, REJETS-ARL-1, REJETS-LOT-1)."""
    return list(_livrees())


def verifier_ensemble(dispositions: Sequence[Disposition]) -> None:
    """Deux dispositions d'un même ensemble n'ont ni le même identifiant ni la même
    signature (le fichier serait ambigu)."""
    vues: dict[object, Disposition] = {}
    for d in dispositions:
        for cle, quoi in ((d.identifiant, "identifiant"), (_cle_signature(d), "signature")):
            autre = vues.get(cle)
            if autre is not None:
                raise DispositionInvalide(
                    d.source or d.identifiant,
                    f"même {quoi} que la disposition {autre.identifiant} ({autre.source})",
                )
            vues[cle] = d


def _cle_signature(d: Disposition) -> tuple[object, ...]:
    c = d.enregistrement(d.signature.type).champ(d.signature.champ)
    return ("signature", d.type_debut, d.signature.type, c.debut, d.signature.valeur)


# --- Reading results. ---


@dataclass(frozen=True, eq=False)
class Modele:
    """Ce que partagent les enregistrements lus d'un type dans un niveau : disposition, code,
    nom, niveau, noms des champs."""

    disposition: str
    code: str
    nom: str
    niveau: str
    champs: tuple[str, ...]
    index: Mapping[str, int]
    identite: frozenset[str]


class Enregistrement(Mapping[str, Any]):
    """Enregistrement lu : numéro de ligne, modèle (type, niveau), valeurs par nom de champ.

    `e["montant_paye"]`, `e.get("code")`, `dict(e)` ; `e.type`, `e.nom`, `e.niveau`,
    `e.disposition` viennent du modèle. Un champ facultatif blanc vaut None ("" s'il est
    alphanumérique)."""

    __slots__ = ("ligne", "modele", "valeurs")

    ligne: int
    modele: Modele
    valeurs: tuple[Any, ...]

    def __init__(self, ligne: int, modele: Modele, valeurs: tuple[Any, ...]) -> None:
        self.ligne = ligne
        self.modele = modele
        self.valeurs = valeurs

    @property
    def type(self) -> str:
        """Code du type d'enregistrement (« 200 »)."""
        return self.modele.code

    @property
    def nom(self) -> str:
        """Nom du type d'enregistrement (« ligne_facture »)."""
        return self.modele.nom

    @property
    def niveau(self) -> str:
        """Niveau où vit l'enregistrement (celui qu'il ouvre ou ferme, le cas échéant)."""
        return self.modele.niveau

    @property
    def disposition(self) -> str:
        """Identifiant de la disposition (« REJETS-RETOURS-1 »)."""
        return self.modele.disposition

    def __getitem__(self, champ: str) -> Any:
        return self.valeurs[self.modele.index[champ]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.modele.champs)

    def __len__(self) -> int:
        return len(self.valeurs)

    def __contains__(self, champ: object) -> bool:
        return champ in self.modele.index

    def __eq__(self, autre: object) -> bool:
        if not isinstance(autre, Enregistrement):
            return NotImplemented
        m, n = self.modele, autre.modele
        return (self.ligne, m.disposition, m.code, m.niveau, m.champs, self.valeurs) == (
            autre.ligne,
            n.disposition,
            n.code,
            n.niveau,
            n.champs,
            autre.valeurs,
        )

    def __repr__(self) -> str:
        identite = self.modele.identite
        valeurs = ", ".join(
            f"{nom}={'***' if nom in identite else repr(v)}"
            for nom, v in zip(self.modele.champs, self.valeurs, strict=True)
        )
        quoi = f"{self.type} {self.nom} ({self.niveau})"
        return f"<Enregistrement ligne {self.ligne}, {quoi} : {valeurs}>"


class _EnregistrementLu(Enregistrement):
    """Enregistrement créé par les convertisseurs générés, sans appel d'__init__."""

    __slots__ = ()
    __init__ = object.__init__


class Faute(Exception):
    """Un segment de la ligne est illisible (levée par les fonctions compilées)."""

    def __init__(self, rang: int) -> None:
        super().__init__(rang)
        self.rang = rang


class EcritureRefusee(ValueError):
    """Valeur impossible à écrire (type, longueur, encodage…), raison en français."""


Convertisseur: TypeAlias = Callable[[bytes, int, list[int]], Enregistrement]
Formateur: TypeAlias = Callable[[dict[str, object], list[int]], bytes]


@dataclass(frozen=True, eq=False)
class Segment:
    """Morceau de ligne extrait par la struct : un champ, ou une zone libre (champ None)."""

    code: str
    rang: int
    debut: int
    longueur: int
    champ: Champ | None

    @cached_property
    def traduction(self) -> dict[str, str]:
        """Valeur brute → valeur donnée au programme."""
        return dict(self.champ.traduction) if self.champ is not None else {}

    @cached_property
    def inverse(self) -> dict[str, str]:
        """Valeur donnée au programme → valeur brute écrite."""
        return {t: b for b, t in self.traduction.items()}

    @property
    def blanc(self) -> bytes:
        return b" " * self.longueur


# --- Compilation. ---


def semble_utf8(brut: bytes) -> bool:
    """Vrai si ces octets, non ASCII, forment de l'UTF-8 valide (encodage probablement erroné).

    Sans exception (une exception par valeur coûterait cher) : un octet invalide devient
    U+FFFD au décodage."""
    return not brut.isascii() and "\ufffd" not in brut.decode("utf-8", "replace")


_DESCRIPTIONS_DATE = {"date8": "une date AAAAMMJJ", "date6": "une date AAMMJJ"}


class TypeCompile:
    """Un type d'enregistrement compilé : segments (champs et zones libres, le code du type
    exclu), convertisseurs par niveau, formateur."""

    def __init__(self, comp: Compilation, t: TypeEnregistrement) -> None:
        d = comp.disposition
        self.enregistrement = t
        self.code = t.code
        self.code_octets = t.code.encode("ascii")
        bornes: list[tuple[int, int, Champ | None]] = sorted(
            [(c.debut - 1, c.longueur, c) for c in t.champs]
            + [(d.type_debut - 1, d.type_longueur, None)],
            key=lambda x: x[0],
        )
        position = 0
        segments: list[Segment] = []
        for debut, longueur, champ in bornes:
            if debut > position:
                segments.append(Segment(t.code, len(segments), position, debut - position, None))
            if champ is not None:
                segments.append(Segment(t.code, len(segments), debut, longueur, champ))
            position = debut + longueur
        if position < d.largeur:
            segments.append(Segment(t.code, len(segments), position, d.largeur - position, None))
        self.segments: tuple[Segment, ...] = tuple(segments)
        self.champs = tuple(s for s in self.segments if s.champ is not None)
        self.slot_compte = comp.slots.get((t.code, None))
        self.slots_somme = tuple(
            (s, comp.slots[(t.code, s.champ.nom)])
            for s in self.champs
            if s.champ is not None and (t.code, s.champ.nom) in comp.slots
        )
        self.convertisseurs: dict[str, Convertisseur] = {}
        self.modeles: dict[str, Modele] = {}
        self.formater: Formateur = _generer_formateur(comp, self)

    def modele(self, comp: Compilation, niveau: str) -> Modele:
        """Modèle des enregistrements de ce type dans ce niveau (un seul par niveau)."""
        if niveau in self.modeles:
            return self.modeles[niveau]
        noms = tuple(s.champ.nom for s in self.champs if s.champ is not None)
        self.modeles[niveau] = Modele(
            disposition=comp.disposition.identifiant,
            code=self.code,
            nom=self.enregistrement.nom,
            niveau=niveau,
            champs=noms,
            index={nom: i for i, nom in enumerate(noms)},
            identite=frozenset(c.nom for c in self.enregistrement.champs if c.identite),
        )
        return self.modeles[niveau]


class Compilation:
    """Disposition compilée : dispatch par code (en octets), types compilés, emplacements
    des totaux, aides de conversion. Utilisée par rejets.formats.fixe."""

    def __init__(self, d: Disposition) -> None:
        self.disposition = d
        self.largeur = d.largeur
        self.codec = d.encodage
        self.interdits = _INTERDITS[d.encodage]
        self.type_debut = d.type_debut - 1
        self.type_fin = d.type_debut - 1 + d.type_longueur
        self.pivot = d.siecle_pivot if d.siecle_pivot is not None else 0
        self.slots: dict[tuple[str, str | None], int] = {}
        for n in d.niveaux:
            for total in n.totaux:
                for code in total.codes:
                    self.slots.setdefault((code, total.somme), len(self.slots))
        self.verifications: dict[str, tuple[tuple[Total, tuple[int, ...]], ...]] = {
            n.nom: tuple(
                (t, tuple(self.slots[(code, t.somme)] for code in t.codes)) for t in n.totaux
            )
            for n in d.niveaux
        }
        self.directs: set[tuple[str, int]] = set()
        self.separes: set[tuple[str, tuple[int, ...]]] = set()
        self.remplissages: dict[tuple[str, object], int] = {}
        self.types: dict[bytes, TypeCompile] = {}
        self.par_code: dict[str, TypeCompile] = {}
        for t in d.enregistrements:
            tc = TypeCompile(self, t)
            self.types[tc.code_octets] = tc
            self.par_code[t.code] = tc
        self.ouvrants: dict[bytes, Niveau] = {}
        self.fermants: dict[bytes, tuple[str, ...]] = {}
        for n in d.niveaux:
            self.ouvrants[n.ouvert_par.encode("ascii")] = n
            fin = n.ferme_par.encode("ascii")
            self.fermants[fin] = (*self.fermants.get(fin, ()), n.nom)
        self.ordinaires: dict[bytes, str] = {}
        self.par_niveau: dict[str | None, dict[bytes, Convertisseur]] = {None: {}}
        for n in d.niveaux:
            self.par_niveau[n.nom] = {}
        for octets, tc in self.types.items():
            niveaux: tuple[str, ...]
            if octets in self.ouvrants:
                niveaux = (self.ouvrants[octets].nom,)
            elif octets in self.fermants:
                niveaux = self.fermants[octets]
            else:
                niveaux = (cast(str, tc.enregistrement.niveau),)
            for niveau in niveaux:
                tc.convertisseurs[niveau] = _generer_convertisseur(self, tc, niveau)
            if octets not in self.ouvrants and octets not in self.fermants:
                self.ordinaires[octets] = niveaux[0]
                self.par_niveau[niveaux[0]][octets] = tc.convertisseurs[niveaux[0]]
        s = d.signature
        champ = d.enregistrement(s.type).champ(s.champ)
        self.signature = (
            s.type.encode("ascii"),
            champ.debut - 1,
            champ.fin,
            s.valeur.encode(d.encodage),
        )

    def reconnait(self, contenu: bytes) -> bool:
        """Vrai si cette ligne (sans fin de ligne) porte la signature de la disposition."""
        code, debut, fin, valeur = self.signature
        return (
            contenu[self.type_debut : self.type_fin] == code
            and contenu[debut:fin].rstrip(b" ") == valeur
        )

    def nouveaux_totaux(self) -> list[int]:
        return [0] * len(self.slots)

    # Helpers called by the generated functions on a cache miss (or a fault).

    def texte(self, brut: bytes, cache: dict[bytes, str] | None, segment: Segment) -> str:
        """Texte d'un champ alphanumérique (espaces finaux ôtés) ; Faute si illisible."""
        if len(brut.translate(None, self.interdits)) != len(brut) or (
            self.codec != "ascii" and semble_utf8(brut)
        ):
            raise Faute(segment.rang)
        valeur = brut.rstrip(b" ").decode(self.codec)
        champ = cast(Champ, segment.champ)
        if (not valeur and champ.obligatoire) or (
            valeur and champ.valeurs and valeur not in champ.valeurs
        ):
            raise Faute(segment.rang)
        if champ.traduction:
            valeur = segment.traduction.get(valeur, valeur)
        if cache is not None:
            if len(cache) >= TAILLE_CACHE:
                cache.clear()
                self.cache_plein(segment)
            cache[brut] = valeur
        return valeur

    def groupe(
        self, brut: bytes, cache: dict[bytes, tuple[str, ...]], segments: tuple[Segment, ...]
    ) -> tuple[str, ...]:
        """Champs alphanumériques contigus lus ensemble ; Faute au premier champ illisible."""
        base = segments[0].debut
        valeurs = tuple(
            self.texte(brut[s.debut - base : s.debut - base + s.longueur], None, s)
            for s in segments
        )
        if len(cache) >= TAILLE_CACHE:
            cache.clear()
            cle = (segments[0].code, tuple(s.rang for s in segments))
            self.remplissages[cle] = self.remplissages.get(cle, 0) + 1
            if self.remplissages[cle] >= 2 and cle not in self.separes:
                self.separes.add(cle)
                self.recompiler(self.par_code[cle[0]])
        cache[brut] = valeurs
        return valeurs

    def recompiler(self, tc: TypeCompile) -> None:
        """Régénère les convertisseurs d'un type (mémoïsation adaptée) ; la lecture en cours
        les prend dès la ligne suivante."""
        for niveau in tc.convertisseurs:
            tc.convertisseurs[niveau] = _generer_convertisseur(self, tc, niveau)
        niveau_ordinaire = self.ordinaires.get(tc.code_octets)
        if niveau_ordinaire is not None:
            self.par_niveau[niveau_ordinaire][tc.code_octets] = tc.convertisseurs[niveau_ordinaire]

    def cache_plein(self, segment: Segment) -> None:
        """Un champ qui remplit deux fois son cache a trop de valeurs distinctes pour la
        mémoïsation : son type est recompilé avec une conversion directe de ce champ."""
        cle = (segment.code, segment.rang)
        self.remplissages[cle] = self.remplissages.get(cle, 0) + 1
        if self.remplissages[cle] < 2 or cle in self.directs:
            return
        self.directs.add(cle)
        self.recompiler(self.par_code[segment.code])

    def zone(self, brut: bytes, vus: dict[bytes, bool], segment: Segment) -> None:
        """Zone libre entre les champs : tout texte est permis, rien de binaire."""
        if len(brut.translate(None, self.interdits)) != len(brut) or (
            self.codec != "ascii" and semble_utf8(brut)
        ):
            raise Faute(segment.rang)
        if len(vus) >= TAILLE_CACHE:
            vus.clear()
        vus[brut] = True

    def date8(self, brut: bytes, cache: dict[bytes, dt.date], segment: Segment) -> dt.date | None:
        """Date AAAAMMJJ ; None si blanche et facultative ; Faute sinon."""
        if brut.isdigit():
            try:
                date = dt.date(int(brut[:4]), int(brut[4:6]), int(brut[6:]))
            except ValueError:
                raise Faute(segment.rang) from None
            if len(cache) >= TAILLE_CACHE:
                cache.clear()
            cache[brut] = date
            return date
        if brut == b"        " and not cast(Champ, segment.champ).obligatoire:
            return None
        raise Faute(segment.rang)

    def date6(self, brut: bytes, cache: dict[bytes, dt.date], segment: Segment) -> dt.date | None:
        """Date AAMMJJ (siècle par siecle_pivot) ; None si blanche et facultative ; Faute
        sinon."""
        if brut.isdigit():
            aa = int(brut[:2])
            try:
                date = dt.date(
                    (2000 if aa < self.pivot else 1900) + aa, int(brut[2:4]), int(brut[4:])
                )
            except ValueError:
                raise Faute(segment.rang) from None
            if len(cache) >= TAILLE_CACHE:
                cache.clear()
            cache[brut] = date
            return date
        if brut == b"      " and not cast(Champ, segment.champ).obligatoire:
            return None
        raise Faute(segment.rang)

    def lire_segment(self, segment: Segment, brut: bytes) -> Any:
        """Conversion d'un segment seul, hors chemin rapide ; Faute si illisible."""
        champ = segment.champ
        if champ is None:
            self.zone(brut, {}, segment)
            return None
        blanc = brut == segment.blanc
        if champ.type == "alphanumerique":
            return self.texte(brut, None, segment)
        if champ.type == "date8":
            return self.date8(brut, {}, segment)
        if champ.type == "date6":
            return self.date6(brut, {}, segment)
        if champ.type == "numerique" and brut.isdigit():
            return int(brut)
        if champ.type == "montant" and brut[:1] in (b"+", b"-") and brut[1:].isdigit():
            return int(brut)
        if blanc and not champ.obligatoire:
            return None
        raise Faute(segment.rang)

    def attendu(self, champ: Champ) -> str:
        """Ce que le champ attend, en français (« une date AAMMJJ »)."""
        if champ.type == "numerique":
            return f"un nombre de {champ.longueur} chiffre" + ("s" if champ.longueur > 1 else "")
        if champ.type == "montant":
            return f"un montant signé (+ ou - puis {champ.longueur - 1} chiffres)"
        if champ.type in _DESCRIPTIONS_DATE:
            return _DESCRIPTIONS_DATE[champ.type]
        if champ.valeurs:
            return "une valeur parmi " + ", ".join(champ.valeurs)
        return f"un texte en {self.disposition.nom_encodage}"

    def raison(self, segment: Segment, brut: bytes) -> tuple[str, str]:
        """(attendu, raison) pour un segment illisible ; le contenu d'un champ d'identité
        n'est jamais cité."""
        champ = segment.champ
        if champ is None:
            return "du texte", "zone libre illisible"
        attendu = self.attendu(champ)
        if brut == segment.blanc and champ.obligatoire:
            return attendu, "champ obligatoire vide"
        texte = brut.decode(self.codec, "replace")
        if champ.type == "alphanumerique":
            texte = texte.rstrip(" ")
        montre = "la valeur" if champ.identite else f"« {texte} »"
        if champ.type == "alphanumerique" and self.codec != "ascii" and semble_utf8(brut):
            return (
                attendu,
                f"{montre} semble encodée en UTF-8, pas en {self.disposition.nom_encodage}",
            )
        return attendu, f"{montre} n'est pas {attendu}"


def _unites(comp: Compilation, tc: TypeCompile) -> list[list[Segment]]:
    """Segments lus ensemble : des champs alphanumériques mémoïsés et contigus forment un
    groupe (une seule recherche dans le cache), sauf un groupe qui a débordé son cache."""
    unites: list[list[Segment]] = []
    precedent_groupable = False
    for s in tc.segments:
        c = s.champ
        groupable = (
            c is not None
            and c.type == "alphanumerique"
            and not c.identite
            and (tc.code, s.rang) not in comp.directs
        )
        if groupable and precedent_groupable:
            unites[-1].append(s)
        else:
            unites.append([s])
        precedent_groupable = groupable
    separees: list[list[Segment]] = []
    for unite in unites:
        if (tc.code, tuple(s.rang for s in unite)) in comp.separes:
            separees += [[s] for s in unite]
        else:
            separees.append(unite)
    return separees


def _generer_convertisseur(comp: Compilation, tc: TypeCompile, niveau: str) -> Convertisseur:
    """Fonction Python générée pour un type dans un niveau : une struct, des conversions en
    ligne, les totaux du niveau, l'enregistrement."""
    unites = _unites(comp, tc)
    format_struct, position, brutes = "", 0, []
    for unite in unites:
        premier, dernier = unite[0], unite[-1]
        if premier.debut > position:
            format_struct += f"{premier.debut - position}x"
        if premier.champ is not None and premier.champ.type == "montant":
            format_struct += f"b{premier.longueur - 1}s"
            brutes.append(f"g{premier.rang}, f{premier.rang}")
        else:
            format_struct += f"{dernier.debut + dernier.longueur - premier.debut}s"
            brutes.append(f"f{premier.rang}")
        position = dernier.debut + dernier.longueur
    ns: dict[str, Any] = {
        "U": struct.Struct(format_struct).unpack_from,
        "E": _EnregistrementLu,
        "M": tc.modele(comp, niveau),
        "Faute": Faute,
        "texte": comp.texte,
        "groupe": comp.groupe,
        "zone": comp.zone,
        "date8": comp.date8,
        "date6": comp.date6,
        "CODEC": comp.codec,
        "R": "\ufffd",
    }
    corps: list[str] = []
    if brutes:
        corps.append(f"{', '.join(brutes)}, = U(ligne)")
    for unite in unites:
        s = unite[0]
        i, f, v = s.rang, f"f{s.rang}", f"v{s.rang}"
        ns[f"S{i}"], ns[f"B{i}"] = s, s.blanc
        c = s.champ
        if len(unite) > 1:
            ns[f"G{i}"], ns[f"GS{i}"] = {}, tuple(unite)
            cibles = ", ".join(f"v{x.rang}" for x in unite)
            corps.append(f"{cibles}, = G{i}.get({f}) or groupe({f}, G{i}, GS{i})")
            continue
        if c is None:
            ns[f"C{i}"] = {}
            corps += [f"if {f} != B{i} and {f} not in C{i}:", f"    zone({f}, C{i}, S{i})"]
            continue
        direct = c.identite or (tc.code, i) in comp.directs
        if c.type == "alphanumerique" and direct:
            # Printable ASCII is read inline; anything else goes through the full check.
            refus = [f"not {v}"] if c.obligatoire else []
            if c.valeurs:
                ns[f"P{i}"] = frozenset(c.valeurs)
                refus.append(f"{v} not in P{i}")
            refus.append(f"not {v}.isprintable()")
            corps += [f"if {f}.isalnum():", f"    {v} = {f}.decode(CODEC)"] if c.identite else []
            traduire = []
            if c.traduction:
                ns[f"T{i}"] = s.traduction
                traduire = ["    else:", f"        {v} = T{i}.get({v}, {v})"]
            corps += [
                f"{'el' if c.identite else ''}if {f}.isascii():",
                f"    {v} = {f}.decode(CODEC).rstrip(' ')",
                f"    if {' or '.join(refus)}:",
                f"        {v} = texte({f}, None, S{i})",
                *traduire,
            ]
            if comp.codec == "latin-1":
                # Every byte decodes in ISO-8859-1; C1 controls are not printable.
                corps += [
                    "else:",
                    f"    {v} = {f}.rstrip(b' ').decode(CODEC)",
                    f"    if {' or '.join(refus)} or R not in {f}.decode('utf-8', 'replace'):",
                    f"        {v} = texte({f}, None, S{i})",
                    *traduire,
                ]
            else:
                corps += ["else:", f"    {v} = texte({f}, None, S{i})"]
        elif c.type in ("alphanumerique", "date8", "date6"):
            ns[f"C{i}"] = {}
            aide = "texte" if c.type == "alphanumerique" else c.type
            memo = [
                f"{v} = C{i}.get({f})",
                f"if {v} is None:",
                f"    {v} = {aide}({f}, C{i}, S{i})",
            ]
            if c.type == "alphanumerique" and not c.obligatoire:
                memo = [f"if {f} == B{i}:", f'    {v} = ""', "else:", *(f"    {x}" for x in memo)]
            corps += memo
        elif c.type == "numerique":
            corps += [f"if {f}.isdigit():", f"    {v} = int({f})"]
            if not c.obligatoire:
                corps += [f"elif {f} == B{i}:", f"    {v} = None"]
            corps += ["else:", f"    raise Faute({i})"]
        else:
            ns[f"B{i}"] = s.blanc[1:]
            corps += [
                f"if {f}.isdigit():",
                f"    if g{i} == 43:",
                f"        {v} = int({f})",
                f"    elif g{i} == 45:",
                f"        {v} = -int({f})",
                "    else:",
                f"        raise Faute({i})",
            ]
            if not c.obligatoire:
                corps += [f"elif g{i} == 32 and {f} == B{i}:", f"    {v} = None"]
            corps += ["else:", f"    raise Faute({i})"]
    if tc.slot_compte is not None:
        corps.append(f"t[{tc.slot_compte}] += 1")
    for s, slot in tc.slots_somme:
        if cast(Champ, s.champ).obligatoire:
            corps.append(f"t[{slot}] += v{s.rang}")
        else:
            corps.append(f"if v{s.rang} is not None: t[{slot}] += v{s.rang}")
    valeurs = "".join(f"v{s.rang}, " for s in tc.champs)
    corps += ["e = E()", "e.ligne = numero", "e.modele = M", f"e.valeurs = ({valeurs})", "return e"]
    source = "def convertir(ligne, numero, t):\n" + "".join(f"    {x}\n" for x in corps)
    exec(compile(source, f"<disposition {comp.disposition.identifiant} {tc.code}>", "exec"), ns)
    return cast(Convertisseur, ns["convertir"])


# --- Writing. ---


class _Ecriture:
    """Mise en forme lente (valeurs inhabituelles ou fautives) d'un type d'enregistrement."""

    def __init__(self, comp: Compilation, tc: TypeCompile) -> None:
        self.comp, self.tc = comp, tc

    def refus(self, segment: Segment, raison: str) -> EcritureRefusee:
        champ = cast(Champ, segment.champ)
        t = self.tc.enregistrement
        return EcritureRefusee(f"enregistrement {t.code} ({t.nom}), champ {champ.nom} : {raison}")

    def montrer(self, champ: Champ, valeur: object) -> str:
        return "la valeur" if champ.identite else f"« {valeur} »"

    def alpha(self, valeur: object, segment: Segment) -> str:
        champ = cast(Champ, segment.champ)
        if valeur is None or valeur == "":
            if champ.obligatoire:
                raise self.refus(segment, "champ obligatoire manquant")
            return " " * segment.longueur
        if not isinstance(valeur, str):
            raise self.refus(segment, f"un texte est attendu, reçu {type(valeur).__name__}")
        if len(valeur) > segment.longueur:
            raise self.refus(segment, f"{len(valeur)} caractères pour {segment.longueur} places")
        try:
            brut = valeur.encode(self.comp.codec)
        except UnicodeEncodeError as e:
            raise self.refus(
                segment,
                f"caractère « {valeur[e.start]} » non représentable en "
                f"{self.comp.disposition.nom_encodage}",
            ) from None
        if len(brut.translate(None, self.comp.interdits)) != len(brut):
            raise self.refus(segment, "caractère de contrôle interdit")
        if self.comp.codec != "ascii" and semble_utf8(brut):
            raise self.refus(
                segment,
                f"{self.montrer(champ, valeur)} serait lue comme de l'UTF-8 (séquence de "
                "caractères qui forme de l'UTF-8 valide)",
            )
        if champ.obligatoire and not valeur.strip(" "):
            raise self.refus(segment, "champ obligatoire vide")
        if champ.valeurs and valeur.rstrip(" ") not in champ.valeurs:
            raise self.refus(
                segment,
                f"{self.montrer(champ, valeur)} : une valeur parmi {', '.join(champ.valeurs)} "
                "est attendue",
            )
        return valeur.ljust(segment.longueur)

    def entier(self, valeur: object, segment: Segment) -> str:
        champ = cast(Champ, segment.champ)
        if valeur is None and not champ.obligatoire:
            return " " * segment.longueur
        if valeur is None:
            raise self.refus(segment, "champ obligatoire manquant")
        if not isinstance(valeur, int) or isinstance(valeur, bool):
            raise self.refus(segment, f"un entier est attendu, reçu {type(valeur).__name__}")
        if champ.type == "numerique":
            if valeur < 0:
                raise self.refus(
                    segment, f"{self.montrer(champ, valeur)} : un entier positif est attendu"
                )
            if len(str(valeur)) > segment.longueur:
                raise self.refus(
                    segment, f"{self.montrer(champ, valeur)} dépasse {segment.longueur} chiffres"
                )
            return f"{valeur:0{segment.longueur}d}"
        if len(str(abs(valeur))) > segment.longueur - 1:
            raise self.refus(
                segment, f"{self.montrer(champ, valeur)} dépasse {segment.longueur - 1} chiffres"
            )
        return f"{valeur:+0{segment.longueur}d}"

    def date(self, valeur: object, segment: Segment, cache: dict[dt.date, str]) -> str:
        champ = cast(Champ, segment.champ)
        if valeur is None and not champ.obligatoire:
            return " " * segment.longueur
        if valeur is None:
            raise self.refus(segment, "champ obligatoire manquant")
        if not isinstance(valeur, dt.date) or isinstance(valeur, dt.datetime):
            raise self.refus(segment, f"une date est attendue, reçu {type(valeur).__name__}")
        if champ.type == "date8":
            texte = f"{valeur.year:04d}{valeur.month:02d}{valeur.day:02d}"
        else:
            pivot = self.comp.pivot
            if not (1900 + pivot <= valeur.year < 2000 + pivot and valeur.year <= 2099):
                raise self.refus(
                    segment,
                    f"{self.montrer(champ, valeur.isoformat())} hors de la fenêtre AAMMJJ "
                    f"(siecle_pivot {pivot} : de {1900 + pivot} à {min(2099, 1999 + pivot)})",
                )
            texte = f"{valeur.year % 100:02d}{valeur.month:02d}{valeur.day:02d}"
        if len(cache) >= TAILLE_CACHE:
            cache.clear()
        cache[valeur] = texte
        return texte

    def inconnus(self, valeurs: Mapping[str, object]) -> None:
        t = self.tc.enregistrement
        noms = {c.nom for c in t.champs}
        inconnus = [n for n in valeurs if n not in noms]
        raise EcritureRefusee(
            f"enregistrement {t.code} ({t.nom}) : champ « {inconnus[0]} » inconnu"
        )

    def non_ascii(self, valeurs: Mapping[str, object]) -> None:
        """Ligne non ASCII : chaque texte non ASCII est vérifié en détail."""
        for s in self.tc.champs:
            champ = cast(Champ, s.champ)
            valeur = valeurs.get(champ.nom)
            if champ.type == "alphanumerique" and isinstance(valeur, str):
                valeur = s.inverse.get(valeur, valeur)
                if not valeur.isascii():
                    self.alpha(valeur, s)

    def illisible(self, valeurs: Mapping[str, object]) -> None:
        """Ligne non encodable : le champ fautif lève EcritureRefusee."""
        self.non_ascii(valeurs)
        raise EcritureRefusee(f"enregistrement {self.tc.code} : ligne non représentable")


def _generer_formateur(comp: Compilation, tc: TypeCompile) -> Formateur:
    """Fonction Python générée : valeurs (par nom) → ligne en octets, fin de ligne \\n."""
    aide = _Ecriture(comp, tc)
    noms = frozenset(cast(Champ, s.champ).nom for s in tc.champs)
    ns: dict[str, Any] = {
        "NOMS": noms,
        "inconnus": aide.inconnus,
        "illisible": aide.illisible,
        "alpha": aide.alpha,
        "entier": aide.entier,
        "date": aide.date,
        "D": dt.date,
        "CODEC": comp.codec,
        "non_ascii": aide.non_ascii,
    }
    corps = ["if not v.keys() <= NOMS:", "    inconnus(v)"]
    sommes: list[str] = []
    for s in tc.champs:
        c = cast(Champ, s.champ)
        i, x, n = s.rang, f"x{s.rang}", s.longueur
        ns[f"S{i}"], ns[f"K{i}"] = s, c.nom
        corps.append(f"{x} = v.get(K{i})")
        if c.traduction:
            ns[f"T{i}"] = s.inverse
            corps += [f"if type({x}) is str:", f"    {x} = T{i}.get({x}, {x})"]
        if c.type == "alphanumerique":
            condition = f"type({x}) is str and len({x}) <= {n} and {x}.isprintable()"
            if c.obligatoire:
                condition += f" and {x}.strip(' ')"
            if c.valeurs:
                ns[f"P{i}"] = frozenset(c.valeurs)
                condition += f" and {x} in P{i}"
            rapide, lent = (condition, f"{x}.ljust({n})"), f"alpha({x}, S{i})"
        elif c.type in ("numerique", "montant"):
            if c.type == "numerique":
                bornes, ns[f"F{i}"] = f"0 <= {x} < {10**n}", f"%0{n}d"
            else:
                bornes, ns[f"F{i}"] = f"-{10 ** (n - 1)} < {x} < {10 ** (n - 1)}", f"%+0{n}d"
            rapide, lent = (f"type({x}) is int and {bornes}", f"F{i} % {x}"), f"entier({x}, S{i})"
        else:
            ns[f"C{i}"] = {}
            rapide = (f"type({x}) is D and {x} in C{i}", f"C{i}[{x}]")
            lent = f"date({x}, S{i}, C{i})"
        branches = [rapide] if c.obligatoire else [(f"{x} is None", repr(" " * n)), rapide]
        for k, (condition, valeur) in enumerate(branches):
            corps += [f"{'el' if k else ''}if {condition}:", f"    s{i} = {valeur}"]
        corps += ["else:", f"    s{i} = {lent}"]
    pieces, position = [], 0
    for segment in tc.segments:
        if segment.debut > position:
            pieces.append(repr(tc.code))
        pieces.append(f"s{segment.rang}" if segment.champ else repr(" " * segment.longueur))
        position = segment.debut + segment.longueur
    if position < comp.largeur:
        pieces.append(repr(tc.code))
    corps += [
        "try:",
        f"    b = ({' + '.join(pieces)} + '\\n').encode(CODEC)",
        "except UnicodeEncodeError:",
        "    illisible(v)",
        "if not b.isascii():",
        "    non_ascii(v)",
    ]
    if tc.slot_compte is not None:
        sommes.append(f"t[{tc.slot_compte}] += 1")
    for s, slot in tc.slots_somme:
        sommes.append(f"if x{s.rang} is not None: t[{slot}] += x{s.rang}")
    corps += [*sommes, "return b"]
    source = "def formater(v, t):\n" + "".join(f"    {x}\n" for x in corps)
    exec(compile(source, f"<écriture {comp.disposition.identifiant} {tc.code}>", "exec"), ns)
    return cast(Formateur, ns["formater"])
