"""Classement des rejets : familles, actions suivantes, qualification d'un code, et suggestion
d'une qualification à partir du libellé d'un code jamais qualifié.

Les codes et libellés officiels de rejet NOEMIE ne sont pas publics (DOMAIN.md §4) : un code
est qualifié par une personne (bibliothèque des codes, ``rejets.referentiels.codes``) ; tant
qu'il ne l'est pas, ``suggerer`` propose une qualification d'après son libellé, par des règles
transparentes gardées en données (``data/classement-rejets.toml``) : chaque suggestion nomme
la règle et les mots qui l'ont donnée. Qualifications par défaut des familles : DOMAIN.md §4.

Lecture de texte seulement (aucune E/S ici, hormis les données livrées avec le paquet, lues
par ``importlib.resources``). Règles et format : docs/rejets.md.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from importlib import resources
from typing import Any

__all__ = [
    "ACTIONS_DE_QUALIFICATION",
    "FICHIER_REGLES",
    "FORMAT",
    "VERSION",
    "ActionSuivante",
    "Classement",
    "ClassementInvalide",
    "Famille",
    "Qualification",
    "Regle",
    "Suggestion",
    "classement_par_defaut",
    "normaliser",
    "qualification_de_famille",
    "suggerer",
]

FORMAT = "rejets-classement-rejets"
VERSION = 1
FICHIER_REGLES = "classement-rejets.toml"


class Famille(StrEnum):
    """Familles de causes de rejet (DOMAIN.md §4)."""

    DROITS = "droits"
    AMC = "amc"
    PRESCRIPTION = "prescription"
    COTATION = "cotation"
    TIERS_PAYANT = "tiers_payant"
    DOUBLON = "doublon"
    TECHNIQUE = "technique"

    @property
    def libelle(self) -> str:
        return LIBELLES_FAMILLES[self]


LIBELLES_FAMILLES: Mapping[Famille, str] = {
    Famille.DROITS: "Droits de l'assuré",
    Famille.AMC: "Complémentaire (AMC)",
    Famille.PRESCRIPTION: "Prescription",
    Famille.COTATION: "Cotation",
    Famille.TIERS_PAYANT: "Tiers payant",
    Famille.DOUBLON: "Doublon",
    Famille.TECHNIQUE: "Technique",
}


class ActionSuivante(StrEnum):
    """Ce qu'il faut faire d'un rejet. ``VERIFIER_PAIEMENTS`` : un doublon ne se refacture
    pas, on vérifie les paiements de la première facture (DOMAIN.md §4). ``QUALIFIER`` n'est
    jamais la qualification d'un code : c'est l'action d'un code inconnu, que personne n'a
    qualifié et dont le libellé n'est reconnu par aucune règle."""

    RECYCLER = "recycler"
    RECLAMATION = "reclamation"
    FACTURER_PATIENT = "facturer_patient"
    FACTURER_MUTUELLE = "facturer_mutuelle"
    REEMETTRE = "reemettre"
    VERIFIER_PAIEMENTS = "verifier_paiements"
    ABANDONNER = "abandonner"
    ATTENDRE = "attendre"
    QUALIFIER = "qualifier"

    @property
    def libelle(self) -> str:
        return LIBELLES_ACTIONS[self]


LIBELLES_ACTIONS: Mapping[ActionSuivante, str] = {
    ActionSuivante.RECYCLER: "Recycler (corriger et refacturer)",
    ActionSuivante.RECLAMATION: "Réclamation auprès de l'organisme",
    ActionSuivante.FACTURER_PATIENT: "Facturer le patient",
    ActionSuivante.FACTURER_MUTUELLE: "Facturer la mutuelle",
    ActionSuivante.REEMETTRE: "Ré-émettre",
    ActionSuivante.VERIFIER_PAIEMENTS: "Vérifier les paiements (ne pas refacturer)",
    ActionSuivante.ABANDONNER: "Abandonner",
    ActionSuivante.ATTENDRE: "Attendre la réponse de l'organisme",
    ActionSuivante.QUALIFIER: "Qualifier le code",
}

ACTIONS_DE_QUALIFICATION: tuple[ActionSuivante, ...] = tuple(
    a for a in ActionSuivante if a is not ActionSuivante.QUALIFIER
)
"""Les actions qu'une qualification peut porter (toutes sauf ``QUALIFIER``)."""


class ClassementInvalide(ValueError):
    """Fichier de règles ou qualification refusés ; le message dit où et pourquoi."""


@dataclass(frozen=True, slots=True)
class Qualification:
    """Ce qu'un code de rejet veut dire et ce qu'il faut en faire : sa famille, une explication
    en clair, la correction concrète, l'action suivante, et si la refacturation est permise."""

    famille: Famille
    explication: str
    correction: str
    action: ActionSuivante
    refacturable: bool

    def __post_init__(self) -> None:
        if not isinstance(self.famille, Famille):
            raise ClassementInvalide(f"Famille inconnue : « {self.famille} ».")
        if not isinstance(self.action, ActionSuivante) or self.action is ActionSuivante.QUALIFIER:
            raise ClassementInvalide(f"Action suivante non permise : « {self.action} ».")
        if not self.explication.strip() or not self.correction.strip():
            raise ClassementInvalide("L'explication et la correction doivent être renseignées.")


@dataclass(frozen=True, slots=True)
class Regle:
    """Une règle du fichier : elle s'applique à un libellé normalisé où l'on trouve au moins un
    de ses mots ou motifs, au moins un mot de ``avec`` s'il y en a, et aucun mot de ``sauf``."""

    id: str
    famille: Famille
    description: str
    mots: tuple[str, ...]
    motifs: tuple[re.Pattern[str], ...]
    avec: tuple[str, ...]
    sauf: tuple[str, ...]
    qualification: Qualification
    exemples: tuple[str, ...]

    def trouves(self, normalise: str) -> tuple[str, ...] | None:
        """Les mots et passages qui font s'appliquer la règle à ce libellé normalisé (ceux de
        ``avec`` d'abord), ou None si elle ne s'applique pas."""
        if any(_contient(normalise, mot) for mot in self.sauf):
            return None
        avec = tuple(mot for mot in self.avec if _contient(normalise, mot))
        if self.avec and not avec:
            return None
        trouves = [mot for mot in self.mots if _contient(normalise, mot)]
        for motif in self.motifs:
            trouves.extend(m.group(0) for m in motif.finditer(normalise))
        if not trouves:
            return None
        uniques = tuple(dict.fromkeys((*avec, *trouves)))
        return tuple(m for m in uniques if not any(m != n and _contient(n, m) for n in uniques))


@dataclass(frozen=True, slots=True)
class Suggestion:
    """La qualification proposée pour un libellé, et pourquoi : la règle qui s'applique et les
    mots trouvés dans le libellé normalisé."""

    qualification: Qualification
    regle: Regle
    mots: tuple[str, ...]

    @property
    def pourquoi(self) -> str:
        mots = ", ".join(f"« {m} »" for m in self.mots)
        return f"règle « {self.regle.id} » ({self.regle.description.rstrip('.')}) : {mots}"


class Classement:
    """Les qualifications par défaut des familles et les règles, dans l'ordre du fichier."""

    def __init__(
        self,
        familles: Mapping[Famille, Qualification],
        regles: Sequence[Regle],
        *,
        nom: str = FICHIER_REGLES,
    ) -> None:
        self.familles = dict(familles)
        self.regles = tuple(regles)
        self.nom = nom

    def suggerer(self, libelle: str) -> Suggestion | None:
        """La première règle qui s'applique au libellé normalisé, ou None."""
        normalise = normaliser(libelle)
        if not normalise:
            return None
        for regle in self.regles:
            mots = regle.trouves(normalise)
            if mots is not None:
                return Suggestion(regle.qualification, regle, mots)
        return None

    def regle(self, identifiant: str) -> Regle:
        for regle in self.regles:
            if regle.id == identifiant:
                return regle
        raise KeyError(identifiant)

    @classmethod
    def depuis_toml(cls, texte: str, *, nom_fichier: str = FICHIER_REGLES) -> Classement:
        """Lit et vérifie un fichier de règles : chaque famille a sa qualification, chaque
        règle est complète et classe chacun de ses exemples (dans l'ordre du fichier)."""
        try:
            donnees = tomllib.loads(texte)
        except tomllib.TOMLDecodeError as erreur:
            raise ClassementInvalide(
                f"Fichier « {nom_fichier} » : TOML illisible ({erreur})."
            ) from None
        if donnees.get("format") != FORMAT or donnees.get("version") != VERSION:
            raise ClassementInvalide(
                f"Fichier « {nom_fichier} » : format « {FORMAT} », version {VERSION} attendus."
            )
        inconnues = set(donnees) - {"format", "version", "famille", "regle"}
        if inconnues:
            raise ClassementInvalide(
                f"Fichier « {nom_fichier} » : clés inconnues {', '.join(sorted(inconnues))}."
            )
        brutes = donnees.get("famille", {})
        if not isinstance(brutes, dict):
            raise ClassementInvalide(f"Fichier « {nom_fichier} » : [famille] doit être une table.")
        familles: dict[Famille, Qualification] = {}
        for famille in Famille:
            entree = brutes.get(famille.value)
            ou = f"Fichier « {nom_fichier} », famille « {famille} »"
            if not isinstance(entree, dict):
                raise ClassementInvalide(f"{ou} : qualification par défaut absente.")
            familles[famille] = _qualification(entree, famille, None, ou)
        en_trop = set(brutes) - {f.value for f in Famille}
        if en_trop:
            raise ClassementInvalide(
                f"Fichier « {nom_fichier} » : familles inconnues {', '.join(sorted(en_trop))}."
            )
        regles = [
            _regle(entree, familles, f"Fichier « {nom_fichier} », règle n° {rang}")
            for rang, entree in enumerate(donnees.get("regle", []), 1)
        ]
        if not regles:
            raise ClassementInvalide(f"Fichier « {nom_fichier} » : aucune règle.")
        vus: set[str] = set()
        for regle in regles:
            if regle.id in vus:
                raise ClassementInvalide(
                    f"Fichier « {nom_fichier} » : règle « {regle.id} » en double."
                )
            vus.add(regle.id)
        classement = cls(familles, regles, nom=nom_fichier)
        for regle in regles:
            for exemple in regle.exemples:
                suggestion = classement.suggerer(exemple)
                if suggestion is None or suggestion.regle.id != regle.id:
                    par = "aucune règle" if suggestion is None else suggestion.regle.id
                    raise ClassementInvalide(
                        f"Fichier « {nom_fichier} », règle « {regle.id} » : l'exemple "
                        f"« {exemple} » est classé par « {par} »."
                    )
        return classement


def normaliser(libelle: str) -> str:
    """Libellé sans accents, en majuscules, où tout ce qui n'est ni lettre latine ni chiffre
    devient une espace, espaces réduites à une : la forme que lisent les règles."""
    texte = unicodedata.normalize("NFKD", libelle.upper())
    texte = texte.replace("Œ", "OE").replace("Æ", "AE")
    sans_accents = "".join(c for c in texte if not unicodedata.combining(c))
    return " ".join(_NON_MOT.sub(" ", sans_accents).split())


_NON_MOT = re.compile(r"[^A-Z0-9]+")


def _contient(normalise: str, mot: str) -> bool:
    """``mot`` (normalisé) est dans ``normalise`` en mots entiers."""
    return f" {mot} " in f" {normalise} "


_CLES_QUALIFICATION = {"explication", "correction", "action", "refacturable"}
_CLES_REGLE = {
    "id",
    "famille",
    "description",
    "mots",
    "motifs",
    "avec",
    "sauf",
    "exemples",
} | _CLES_QUALIFICATION


def _qualification(
    entree: Mapping[str, Any], famille: Famille, defaut: Qualification | None, ou: str
) -> Qualification:
    if defaut is None:
        manquantes = _CLES_QUALIFICATION - set(entree)
        if manquantes:
            raise ClassementInvalide(f"{ou} : clés manquantes {', '.join(sorted(manquantes))}.")
        inconnues = set(entree) - _CLES_QUALIFICATION
        if inconnues:
            raise ClassementInvalide(f"{ou} : clés inconnues {', '.join(sorted(inconnues))}.")

    def texte(cle: str) -> str:
        valeur = entree.get(cle, None if defaut is None else getattr(defaut, cle))
        if not isinstance(valeur, str) or not valeur.strip():
            raise ClassementInvalide(f"{ou} : « {cle} » doit être un texte non vide.")
        return valeur.strip()

    action = entree.get("action", None if defaut is None else defaut.action.value)
    if action not in {a.value for a in ACTIONS_DE_QUALIFICATION}:
        raise ClassementInvalide(
            f"{ou} : action parmi {', '.join(a.value for a in ACTIONS_DE_QUALIFICATION)}."
        )
    refacturable = entree.get("refacturable", None if defaut is None else defaut.refacturable)
    if not isinstance(refacturable, bool):
        raise ClassementInvalide(f"{ou} : « refacturable » doit valoir true ou false.")
    return Qualification(
        famille=famille,
        explication=texte("explication"),
        correction=texte("correction"),
        action=ActionSuivante(action),
        refacturable=refacturable,
    )


def _regle(entree: Any, familles: Mapping[Famille, Qualification], ou: str) -> Regle:
    if not isinstance(entree, dict):
        raise ClassementInvalide(f"{ou} : une table est attendue.")
    inconnues = set(entree) - _CLES_REGLE
    if inconnues:
        raise ClassementInvalide(f"{ou} : clés inconnues {', '.join(sorted(inconnues))}.")
    identifiant = entree.get("id")
    if not isinstance(identifiant, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", identifiant):
        raise ClassementInvalide(f"{ou} : « id » en minuscules, chiffres et tirets attendu.")
    ou = f"{ou} ({identifiant})"
    try:
        famille = Famille(str(entree.get("famille")))
    except ValueError:
        raise ClassementInvalide(
            f"{ou} : famille parmi {', '.join(f.value for f in Famille)}."
        ) from None
    description = entree.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ClassementInvalide(f"{ou} : « description » doit être un texte non vide.")

    def liste(cle: str) -> tuple[str, ...]:
        valeur = entree.get(cle, [])
        if not isinstance(valeur, list) or not all(isinstance(v, str) for v in valeur):
            raise ClassementInvalide(f"{ou} : « {cle} » doit être une liste de textes.")
        return tuple(valeur)

    def mots(cle: str) -> tuple[str, ...]:
        normalises = tuple(normaliser(m) for m in liste(cle))
        if not all(normalises):
            raise ClassementInvalide(f"{ou} : « {cle} » contient un mot vide.")
        return normalises

    motifs: list[re.Pattern[str]] = []
    for motif in liste("motifs"):
        try:
            motifs.append(re.compile(motif))
        except re.error as erreur:
            raise ClassementInvalide(f"{ou} : motif « {motif} » invalide ({erreur}).") from None
    regle_mots = mots("mots")
    if not regle_mots and not motifs:
        raise ClassementInvalide(f"{ou} : au moins un mot ou un motif.")
    exemples = liste("exemples")
    if not exemples:
        raise ClassementInvalide(f"{ou} : au moins un exemple de libellé.")
    return Regle(
        id=identifiant,
        famille=famille,
        description=description.strip(),
        mots=regle_mots,
        motifs=tuple(motifs),
        avec=mots("avec"),
        sauf=mots("sauf"),
        qualification=_qualification(entree, famille, familles[famille], ou),
        exemples=exemples,
    )


@cache
def classement_par_defaut() -> Classement:
    """Les règles livrées avec Rejets (``data/classement-rejets.toml``)."""
    fichier = resources.files("rejets.domain.data").joinpath(FICHIER_REGLES)
    return Classement.depuis_toml(fichier.read_text(encoding="utf-8"), nom_fichier=FICHIER_REGLES)


def qualification_de_famille(famille: Famille) -> Qualification:
    """La qualification par défaut d'une famille (DOMAIN.md §4), celle des règles livrées."""
    return classement_par_defaut().familles[famille]


@lru_cache(maxsize=4096)
def suggerer(libelle: str) -> Suggestion | None:
    """La qualification que les règles livrées proposent pour ce libellé, avec la règle et les
    mots trouvés ; None si aucune règle ne s'applique. Ne lève jamais pour un texte."""
    return classement_par_defaut().suggerer(libelle)
