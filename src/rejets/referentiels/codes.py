"""Bibliothèque des codes de rejet, la même pour tous les cabinets : le chargement des codes
livrés, la qualification d'un code par un administrateur (écritures), l'analyse d'un rejet
reçu et la liste des codes à qualifier (lectures).

Les codes NOEMIE officiels ne sont pas publics (DOMAIN.md §4) : le code et le libellé d'un
rejet sont gardés tels que reçus (`rejets.factures.models.Rejet`) ; un code que personne n'a
qualifié reçoit une suggestion tirée de son libellé (`rejets.domain.classement`) et reste « à
qualifier ». docs/rejets.md."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from rejets.domain.classement import (
    ACTIONS_DE_QUALIFICATION,
    ActionSuivante,
    ClassementInvalide,
    Famille,
    Qualification,
    Suggestion,
    suggerer,
)

from .models import CodeRejet, OrigineCode, StatutCode

__all__ = [
    "FICHIER_LIVRE",
    "Analyse",
    "Bibliotheque",
    "ChargementCodes",
    "CodeAQualifier",
    "CodeLivre",
    "CodesLivresInvalides",
    "QualificationRefusee",
    "SourceAnalyse",
    "analyser",
    "analyser_en_lot",
    "bibliotheque",
    "charger_codes_livres",
    "codes_a_qualifier",
    "codes_de_la_bibliotheque",
    "codes_livres",
    "lire_codes_livres",
    "qualifier",
]

FICHIER_LIVRE = "codes-rejets.toml"
"""Bibliothèque livrée avec Rejets (`data/`) : codes du simulateur et exemples propres au
projet ; aucun code NOEMIE officiel (ils ne sont pas publics)."""

FORMAT = "rejets-codes-rejets"
VERSION = 1
LONGUEUR_CODE = 20
LONGUEUR_LIBELLE = 500


class CodesLivresInvalides(ValueError):
    """Fichier de codes livrés refusé ; le message dit où et pourquoi."""


class QualificationRefusee(Exception):
    """Qualification refusée (droits ou valeurs) ; message en français qui dit quoi faire."""


# ------------------------------------------------------------------ codes livrés


@dataclass(frozen=True)
class CodeLivre:
    """Un code du fichier livré, avec sa qualification ; ``exemple`` : exemple propre au
    projet, pas un code d'une vraie caisse."""

    code: str
    libelle: str
    qualification: Qualification
    exemple: bool


_CLES_CODE = {
    "code",
    "libelle",
    "famille",
    "explication",
    "correction",
    "action",
    "refacturable",
    "exemple",
}


def lire_codes_livres(texte: str, *, nom_fichier: str = FICHIER_LIVRE) -> tuple[CodeLivre, ...]:
    """Lit et vérifie un fichier de codes (format ``rejets-codes-rejets``, version 1)."""
    try:
        donnees = tomllib.loads(texte)
    except tomllib.TOMLDecodeError as erreur:
        raise CodesLivresInvalides(
            f"Fichier « {nom_fichier} » : TOML illisible ({erreur})."
        ) from None
    if donnees.get("format") != FORMAT or donnees.get("version") != VERSION:
        raise CodesLivresInvalides(
            f"Fichier « {nom_fichier} » : format « {FORMAT} », version {VERSION} attendus."
        )
    inconnues = set(donnees) - {"format", "version", "code"}
    if inconnues:
        raise CodesLivresInvalides(
            f"Fichier « {nom_fichier} » : clés inconnues {', '.join(sorted(inconnues))}."
        )
    codes: list[CodeLivre] = []
    vus: set[str] = set()
    for rang, entree in enumerate(donnees.get("code", []), 1):
        livre = _code_livre(entree, f"Fichier « {nom_fichier} », code n° {rang}")
        if livre.code in vus:
            raise CodesLivresInvalides(
                f"Fichier « {nom_fichier} » : code « {livre.code} » en double."
            )
        vus.add(livre.code)
        codes.append(livre)
    return tuple(codes)


def _code_livre(entree: Any, ou: str) -> CodeLivre:
    if not isinstance(entree, dict):
        raise CodesLivresInvalides(f"{ou} : une table est attendue.")
    inconnues = set(entree) - _CLES_CODE
    if inconnues:
        raise CodesLivresInvalides(f"{ou} : clés inconnues {', '.join(sorted(inconnues))}.")
    code, libelle = entree.get("code"), entree.get("libelle")
    if not isinstance(code, str) or not code.strip() or len(code.strip()) > LONGUEUR_CODE:
        raise CodesLivresInvalides(f"{ou} : « code » de 1 à {LONGUEUR_CODE} caractères.")
    if not isinstance(libelle, str) or not libelle.strip() or len(libelle) > LONGUEUR_LIBELLE:
        raise CodesLivresInvalides(
            f"{ou} ({code}) : « libelle » de 1 à {LONGUEUR_LIBELLE} caractères."
        )
    exemple = entree.get("exemple", False)
    if not isinstance(exemple, bool):
        raise CodesLivresInvalides(f"{ou} ({code}) : « exemple » vaut true ou false.")
    try:
        qualification = _qualification(
            famille=entree.get("famille"),
            explication=entree.get("explication"),
            correction=entree.get("correction"),
            action=entree.get("action"),
            refacturable=entree.get("refacturable"),
        )
    except QualificationRefusee as refus:
        raise CodesLivresInvalides(f"{ou} ({code}) : {refus}") from None
    return CodeLivre(code.strip(), libelle.strip(), qualification, exemple)


@cache
def codes_livres() -> tuple[CodeLivre, ...]:
    """La bibliothèque livrée avec Rejets (``data/codes-rejets.toml``)."""
    fichier = resources.files("rejets.referentiels.data").joinpath(FICHIER_LIVRE)
    return lire_codes_livres(fichier.read_text(encoding="utf-8"), nom_fichier=FICHIER_LIVRE)


@dataclass(frozen=True)
class ChargementCodes:
    """Compte rendu d'un chargement : codes ajoutés, mis à jour (codes livrés que personne n'a
    qualifiés), conservés (qualifiés par une personne, jamais écrasés), inchangés ; nombre
    d'exemples propres au projet parmi les codes livrés."""

    ajoutes: tuple[str, ...]
    mis_a_jour: tuple[str, ...]
    conserves: tuple[str, ...]
    inchanges: tuple[str, ...]
    exemples: int

    @property
    def livres(self) -> int:
        return len(self.ajoutes) + len(self.mis_a_jour) + len(self.conserves) + len(self.inchanges)


def charger_codes_livres() -> ChargementCodes:
    """Charge la bibliothèque livrée : ajoute les codes absents, met à jour un code livré que
    personne n'a qualifié, ne touche jamais un code qualifié par une personne. Rejouer le
    chargement ne change rien."""
    livres = codes_livres()
    ajoutes: list[str] = []
    mis_a_jour: list[str] = []
    conserves: list[str] = []
    inchanges: list[str] = []
    with transaction.atomic():
        en_place = {
            c.code: c
            for c in CodeRejet.objects.select_for_update().filter(
                code__in=[livre.code for livre in livres]
            )
        }
        nouveaux: list[CodeRejet] = []
        for livre in livres:
            valeurs = _valeurs(livre.qualification)
            valeurs.update(
                libelle_reference=livre.libelle,
                statut=StatutCode.QUALIFIE,
                origine=OrigineCode.LIVRE,
            )
            existant = en_place.get(livre.code)
            if existant is None:
                nouveaux.append(CodeRejet(code=livre.code, **valeurs))
                ajoutes.append(livre.code)
            elif _qualifie_par_une_personne(existant):
                conserves.append(livre.code)
            elif all(getattr(existant, champ) == valeur for champ, valeur in valeurs.items()):
                inchanges.append(livre.code)
            else:
                for champ, valeur in valeurs.items():
                    setattr(existant, champ, valeur)
                existant.save(update_fields=list(valeurs))
                mis_a_jour.append(livre.code)
        CodeRejet.objects.bulk_create(nouveaux, ignore_conflicts=True)
    return ChargementCodes(
        ajoutes=tuple(ajoutes),
        mis_a_jour=tuple(mis_a_jour),
        conserves=tuple(conserves),
        inchanges=tuple(inchanges),
        exemples=sum(livre.exemple for livre in livres),
    )


def _qualifie_par_une_personne(c: CodeRejet) -> bool:
    return c.statut == StatutCode.QUALIFIE and c.origine == OrigineCode.UTILISATEUR


def _valeurs(q: Qualification) -> dict[str, Any]:
    return {
        "famille": q.famille.value,
        "explication": q.explication,
        "correction": q.correction,
        "action": q.action.value,
        "refacturable": q.refacturable,
    }


# ------------------------------------------------------------------ analyse d'un rejet reçu


class SourceAnalyse(StrEnum):
    """D'où vient l'analyse d'un rejet : la bibliothèque (code qualifié), une suggestion tirée
    du libellé (code à qualifier), ou rien (code inconnu, libellé non reconnu)."""

    BIBLIOTHEQUE = "bibliotheque"
    SUGGESTION = "suggestion"
    INCONNU = "inconnu"

    @property
    def libelle(self) -> str:
        return {"bibliotheque": "bibliothèque", "suggestion": "suggestion", "inconnu": "inconnu"}[
            self.value
        ]


@dataclass(frozen=True)
class Analyse:
    """Ce que dit un rejet (code et libellé tels que reçus) et ce qu'il faut en faire.

    ``famille`` et ``refacturable`` valent None pour un code inconnu, dont l'action est
    ``ActionSuivante.QUALIFIER`` ; ``regle`` et ``mots`` : la règle de classement et les mots
    du libellé qui ont donné une suggestion ; ``texte`` : le tout en une phrase."""

    code: str
    libelle: str
    source: SourceAnalyse
    famille: Famille | None
    explication: str
    correction: str
    action: ActionSuivante
    refacturable: bool | None
    regle: str | None = None
    mots: tuple[str, ...] = ()
    pourquoi: str = ""

    @property
    def a_qualifier(self) -> bool:
        """Vrai tant qu'aucune personne n'a qualifié le code."""
        return self.source is not SourceAnalyse.BIBLIOTHEQUE

    @property
    def texte(self) -> str:
        if self.source is SourceAnalyse.INCONNU or self.famille is None:
            return f"Code {self.code} : {self.explication} {self.correction}"
        refacturer = "refacturation permise" if self.refacturable else "ne pas refacturer"
        corps = (
            f"{self.famille.libelle}. {self.explication} Correction : {self.correction} "
            f"Action suivante : {self.action.libelle} ; {refacturer}."
        )
        if self.source is SourceAnalyse.BIBLIOTHEQUE:
            return f"Code {self.code} (bibliothèque) : {corps}"
        return (
            f"Code {self.code} à qualifier ; suggestion d'après le libellé, {self.pourquoi}. "
            f"{corps}"
        )


class Bibliotheque:
    """Les qualifications des codes qualifiés, lues une fois : analyser autant de rejets qu'on
    veut sans autre requête (une liste de rejets, un import)."""

    def __init__(self, qualifications: Mapping[str, Qualification]) -> None:
        self.qualifications = dict(qualifications)

    def analyser(self, *, code: str, libelle: str) -> Analyse:
        """Code qualifié : la bibliothèque ; sinon la suggestion tirée du libellé ; sinon
        « inconnu », à qualifier."""
        qualification = self.qualifications.get(code.strip())
        if qualification is not None:
            return _analyse(code, libelle, SourceAnalyse.BIBLIOTHEQUE, qualification)
        suggestion = suggerer(libelle)
        if suggestion is not None:
            return _analyse(
                code, libelle, SourceAnalyse.SUGGESTION, suggestion.qualification, suggestion
            )
        return Analyse(
            code=code,
            libelle=libelle,
            source=SourceAnalyse.INCONNU,
            famille=None,
            explication=(
                "code inconnu de la bibliothèque des codes de rejet, et aucune règle de "
                "classement ne reconnaît son libellé."
            ),
            correction=(
                "Lisez le libellé reçu ; le code reste à qualifier par un administrateur de la "
                "plateforme."
            ),
            action=ActionSuivante.QUALIFIER,
            refacturable=None,
        )


def _analyse(
    code: str,
    libelle: str,
    source: SourceAnalyse,
    q: Qualification,
    suggestion: Suggestion | None = None,
) -> Analyse:
    return Analyse(
        code=code,
        libelle=libelle,
        source=source,
        famille=q.famille,
        explication=q.explication,
        correction=q.correction,
        action=q.action,
        refacturable=q.refacturable,
        regle=None if suggestion is None else suggestion.regle.id,
        mots=() if suggestion is None else suggestion.mots,
        pourquoi="" if suggestion is None else suggestion.pourquoi,
    )


def bibliotheque(codes: Iterable[str] | None = None) -> Bibliotheque:
    """Les codes qualifiés de la bibliothèque (ceux de ``codes`` seulement si donnés), en une
    requête."""
    qualifies = CodeRejet.objects.filter(statut=StatutCode.QUALIFIE)
    if codes is not None:
        qualifies = qualifies.filter(code__in={c.strip() for c in codes})
    return Bibliotheque({c.code: _qualification_de(c) for c in qualifies})


def analyser(*, code: str, libelle: str) -> Analyse:
    """L'analyse d'un rejet tel que reçu (une requête) ; pour une liste : ``analyser_en_lot``
    ou ``bibliotheque().analyser``."""
    return bibliotheque([code]).analyser(code=code, libelle=libelle)


def analyser_en_lot(paires: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Analyse]:
    """L'analyse de chaque (code, libellé) distinct, en une requête."""
    distinctes = list(dict.fromkeys(paires))
    if not distinctes:
        return {}
    biblio = bibliotheque(code for code, _ in distinctes)
    return {(c, lib): biblio.analyser(code=c, libelle=lib) for c, lib in distinctes}


def _qualification_de(c: CodeRejet) -> Qualification:
    return Qualification(
        famille=Famille(c.famille),
        explication=c.explication,
        correction=c.correction,
        action=ActionSuivante(c.action),
        refacturable=c.refacturable,
    )


# ------------------------------------------------------------------ lectures de la bibliothèque


def codes_de_la_bibliotheque() -> list[CodeRejet]:
    """Tous les codes de la bibliothèque, par code."""
    return list(CodeRejet.objects.select_related("qualifie_par").order_by("code"))


@dataclass(frozen=True)
class CodeAQualifier:
    """Un code reçu dans des rejets (ou inscrit dans la bibliothèque) que personne n'a
    qualifié : le libellé du rejet le plus récent, le nombre de libellés différents et de
    rejets, la date du dernier, et la suggestion tirée du libellé. Aucune donnée de patient
    ni de facture."""

    code: str
    libelle: str
    libelles: int
    occurrences: int
    derniere_date: date | None
    suggestion: Suggestion | None


def codes_a_qualifier() -> list[CodeAQualifier]:
    """Les codes des rejets reçus, tous cabinets confondus (référentiel partagé : code, libellé
    et nombres seulement), qui ne sont pas qualifiés dans la bibliothèque, plus les codes de la
    bibliothèque encore « à qualifier » ; les plus fréquents d'abord. Une requête par table."""
    from rejets.factures.models import Rejet

    qualifies = set(
        CodeRejet.objects.filter(statut=StatutCode.QUALIFIE).values_list("code", flat=True)
    )
    vus: dict[str, dict[str, Any]] = {}
    groupes = (
        Rejet.objects.values("code", "libelle")
        .annotate(nombre=Count("id"), derniere=Max("date"))
        .order_by()
    )
    for groupe in groupes:
        code = groupe["code"].strip()
        if code in qualifies:
            continue
        vu = vus.setdefault(code, {"libelles": {}, "occurrences": 0, "derniere": None})
        vu["occurrences"] += groupe["nombre"]
        vu["libelles"][groupe["libelle"]] = (groupe["derniere"], groupe["nombre"])
        if vu["derniere"] is None or groupe["derniere"] > vu["derniere"]:
            vu["derniere"] = groupe["derniere"]
    a_qualifier: list[CodeAQualifier] = []
    for code, vu in vus.items():
        libelle = _libelle_le_plus_recent(vu["libelles"])
        a_qualifier.append(
            CodeAQualifier(
                code=code,
                libelle=libelle,
                libelles=len(vu["libelles"]),
                occurrences=vu["occurrences"],
                derniere_date=vu["derniere"],
                suggestion=suggerer(libelle),
            )
        )
    for inscrit in CodeRejet.objects.filter(statut=StatutCode.A_QUALIFIER).exclude(
        code__in=list(vus)
    ):
        a_qualifier.append(
            CodeAQualifier(
                code=inscrit.code,
                libelle=inscrit.libelle_reference,
                libelles=1,
                occurrences=0,
                derniere_date=None,
                suggestion=suggerer(inscrit.libelle_reference),
            )
        )
    a_qualifier.sort(key=lambda c: (-c.occurrences, c.code))
    return a_qualifier


def _libelle_le_plus_recent(libelles: Mapping[str, tuple[date, int]]) -> str:
    """Le libellé du rejet le plus récent ; à date égale, le plus fréquent."""
    return max(libelles, key=lambda libelle: (*libelles[libelle], libelle))


# ------------------------------------------------------------------ qualification


def qualifier(
    *,
    code: str,
    famille: Famille | str,
    explication: str,
    correction: str,
    action: ActionSuivante | str,
    refacturable: bool,
    utilisateur: AbstractBaseUser | AnonymousUser,
    libelle_reference: str = "",
) -> CodeRejet:
    """Qualifie un code (nouveau, à qualifier ou déjà qualifié) : réservé à un administrateur
    de la plateforme (``is_staff``), seul à modifier les référentiels partagés. Le libellé de
    référence est, dans l'ordre : celui de la bibliothèque, celui donné, celui du rejet reçu le
    plus récent. Refus : ``QualificationRefusee``, message en français."""
    if not getattr(utilisateur, "is_staff", False):
        nom = utilisateur.get_username() or "anonyme"
        raise QualificationRefusee(
            f"Seul un administrateur de la plateforme peut qualifier un code de rejet : "
            f"« {nom} » ne l'est pas."
        )
    code = code.strip()
    if not code or len(code) > LONGUEUR_CODE:
        raise QualificationRefusee(
            f"Code « {code} » : de 1 à {LONGUEUR_CODE} caractères, tel que reçu."
        )
    qualification = _qualification(
        famille=famille,
        explication=explication,
        correction=correction,
        action=action,
        refacturable=refacturable,
    )
    valeurs = _valeurs(qualification)
    valeurs.update(
        statut=StatutCode.QUALIFIE,
        origine=OrigineCode.UTILISATEUR,
        qualifie_par=utilisateur,
        qualifie_le=timezone.now(),
    )
    with transaction.atomic():
        existant = CodeRejet.objects.select_for_update().filter(code=code).first()
        if existant is not None:
            if libelle_reference.strip() and not existant.libelle_reference:
                existant.libelle_reference = libelle_reference.strip()
            for champ, valeur in valeurs.items():
                setattr(existant, champ, valeur)
            existant.save()
            return existant
        libelle = libelle_reference.strip() or _dernier_libelle(code)
        if not libelle:
            raise QualificationRefusee(
                f"Code « {code} » : jamais reçu dans un rejet ni inscrit dans la bibliothèque ; "
                "donnez son libellé de référence."
            )
        if len(libelle) > LONGUEUR_LIBELLE:
            raise QualificationRefusee(
                f"Code « {code} » : libellé de référence de {LONGUEUR_LIBELLE} caractères au plus."
            )
        return CodeRejet.objects.create(code=code, libelle_reference=libelle, **valeurs)


def _dernier_libelle(code: str) -> str:
    from rejets.factures.models import Rejet

    dernier = (
        Rejet.objects.filter(code=code).order_by("-date", "-pk").values_list("libelle", flat=True)
    ).first()
    return dernier or ""


def _qualification(
    *, famille: Any, explication: Any, correction: Any, action: Any, refacturable: Any
) -> Qualification:
    """Valide les valeurs d'une qualification ; refus en français."""
    try:
        famille = Famille(famille)
    except ValueError:
        raise QualificationRefusee(
            f"Famille « {famille} » inconnue : {', '.join(f.value for f in Famille)}."
        ) from None
    permises = {a.value for a in ACTIONS_DE_QUALIFICATION}
    if action not in permises:
        raise QualificationRefusee(
            f"Action suivante « {action} » inconnue : "
            f"{', '.join(a.value for a in ACTIONS_DE_QUALIFICATION)}."
        )
    if not isinstance(explication, str) or not explication.strip():
        raise QualificationRefusee("Donnez l'explication du code, en clair.")
    if not isinstance(correction, str) or not correction.strip():
        raise QualificationRefusee("Donnez la correction à faire.")
    if not isinstance(refacturable, bool):
        raise QualificationRefusee("Dites si la refacturation est permise (oui ou non).")
    try:
        return Qualification(
            famille=famille,
            explication=explication.strip(),
            correction=correction.strip(),
            action=ActionSuivante(action),
            refacturable=refacturable,
        )
    except ClassementInvalide as erreur:
        raise QualificationRefusee(str(erreur)) from None
