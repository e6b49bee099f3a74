"""Catalogue des tarifs : valeurs datées, chacune avec sa source et son degré de confirmation.

Une valeur (lettre clé, majoration, indemnité, taux, paramètre de règle) n'est jamais une
constante du code : c'est une entrée datée (``du`` inclus, ``au`` inclus ou ouvert), pour
une zone tarifaire (métropole, DROM), avec sa source en clair et ``confirme`` qui dit si les
sources citées la donnent sans réserve. Une valeur qu'aucune source ne donne est absente :
la demander lève ``TarifManquant``, qui nomme la valeur, la date et la zone.

Le catalogue livré (``data/ngap-infirmier.toml``) suit DOMAIN.md §7 ; un fichier utilisateur
au même format (TOML, ou CSV pour les tarifs et paramètres) le complète avec ``avec`` : ses
entrées remplacent celles du catalogue sur leurs périodes. Un catalogue est propre à une
profession (clé ``profession``) ; les autres professions auront leur fichier
``ngap-<profession>.toml``. Format décrit dans docs/cotation.md.

Lecture de texte seulement : l'appelant lit les fichiers (aucune E/S ici, hormis les
données livrées avec le paquet, lues par ``importlib.resources``).
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, Literal, TypeAlias

__all__ = [
    "FORMAT",
    "VERSION",
    "Catalogue",
    "CatalogueInvalide",
    "Exception11B",
    "NatureCode",
    "Parametre",
    "Tarif",
    "TarifManquant",
    "ZoneTarifaire",
    "catalogue_par_defaut",
]

FORMAT = "rejets-catalogue"
VERSION = 1

ValeurParametre: TypeAlias = Decimal | bool | str
EffetException: TypeAlias = Literal["groupe", "hors_article"]


class ZoneTarifaire(StrEnum):
    """Zone où s'applique une valeur : la métropole ou les DROM (DOM et Mayotte)."""

    METROPOLE = "metropole"
    DROM = "drom"

    @property
    def libelle(self) -> str:
        return "métropole" if self is ZoneTarifaire.METROPOLE else "DROM"


class NatureCode(StrEnum):
    """Ce que désigne un code du catalogue ; le moteur de cotation calcule lui-même les
    majorations et les indemnités de déplacement, il ne reçoit que des actes et forfaits."""

    ACTE = "acte"
    FORFAIT = "forfait"
    MAJORATION = "majoration"
    DEPLACEMENT = "deplacement"


class CatalogueInvalide(ValueError):
    """Fichier de catalogue illisible ou incohérent ; le message dit où et pourquoi."""


class TarifManquant(LookupError):
    """Aucune valeur du catalogue pour ce code à cette date dans cette zone."""

    def __init__(self, code: str, le: date, zone: str, libelle: str = "") -> None:
        self.code = code
        self.le = le
        self.zone = zone
        nom = f"« {code} »" + (f" ({libelle})" if libelle else "")
        super().__init__(
            f"Valeur manquante : le catalogue n'a pas de valeur {nom} au "
            f"{le:%d/%m/%Y} pour {zone}. Aucune source ne la donne : ajoutez-la par un "
            "fichier de tarifs (rejets referentiels tarifs) avant de valoriser cet acte."
        )


@dataclass(frozen=True, slots=True)
class Tarif:
    """Valeur d'un code en centimes, valable du ``du`` au ``au`` inclus (``None`` : ouvert)."""

    code: str
    libelle: str
    nature: NatureCode
    zone: ZoneTarifaire
    centimes: int
    du: date
    au: date | None
    source: str
    confirme: bool
    profession: str

    def couvre(self, le: date) -> bool:
        return self.du <= le and (self.au is None or le <= self.au)


@dataclass(frozen=True, slots=True)
class Parametre:
    """Paramètre daté d'une règle (taux, seuil, abattement…) ; ``variante`` le précise
    (« plaine », « exonere »…), chaîne vide s'il n'y en a pas."""

    code: str
    variante: str
    libelle: str
    valeur: ValeurParametre
    du: date
    au: date | None
    source: str
    confirme: bool
    profession: str

    def couvre(self, le: date) -> bool:
        return self.du <= le and (self.au is None or le <= self.au)

    def decimal(self) -> Decimal:
        if isinstance(self.valeur, Decimal):
            return self.valeur
        raise CatalogueInvalide(
            f"Le paramètre « {self.code} » ({self.variante or 'sans variante'}) doit être un "
            f"nombre, il vaut « {self.valeur} »."
        )

    def booleen(self) -> bool:
        if isinstance(self.valeur, bool):
            return self.valeur
        raise CatalogueInvalide(
            f"Le paramètre « {self.code} » doit valoir true ou false, il vaut « {self.valeur} »."
        )

    def texte(self) -> str:
        return str(self.valeur)


@dataclass(frozen=True, slots=True)
class Exception11B:
    """Exception à l'article 11B (actes multiples d'une séance), décrite comme donnée.

    ``effet`` « groupe » : les actes visés se cumulent à taux plein entre eux et comptent
    ensemble pour un seul acte dans la règle 11B ; « hors_article » : facturés à taux plein
    et hors du classement 11B. Un acte est visé si sa nature est dans ``natures`` ou sa
    lettre clé dans ``lettres`` ; ``toutes_requises`` exige chaque nature listée dans la
    séance ; ``condition`` (« insulino_traite ») porte sur le patient.
    """

    code: str
    libelle: str
    effet: EffetException
    natures: tuple[str, ...]
    lettres: tuple[str, ...]
    toutes_requises: bool
    condition: str | None
    source: str
    confirme: bool


CONDITIONS_EXCEPTION = frozenset({"insulino_traite"})

_CLES_TARIF = {
    "code",
    "libelle",
    "nature",
    "zone",
    "centimes",
    "du",
    "au",
    "source",
    "confirme",
}
_CLES_PARAMETRE = {"code", "variante", "libelle", "valeur", "du", "au", "source", "confirme"}
_CLES_EXCEPTION = {
    "code",
    "libelle",
    "effet",
    "natures",
    "lettres",
    "toutes_requises",
    "condition",
    "source",
    "confirme",
}
_CLES_RACINE = {"format", "version", "profession", "nom", "tarif", "parametre", "exception_11b"}

Entree: TypeAlias = Tarif | Parametre


class Catalogue:
    """Valeurs datées d'une profession ; recherche indexée et mise en cache par date."""

    __slots__ = (
        "_cache_parametres",
        "_cache_valeurs",
        "_index_parametres",
        "_index_tarifs",
        "_natures",
        "cibles_11b",
        "exceptions_11b",
        "natures",
        "nom",
        "parametres",
        "profession",
        "tarifs",
    )

    def __init__(
        self,
        profession: str,
        tarifs: Iterable[Tarif] = (),
        parametres: Iterable[Parametre] = (),
        exceptions_11b: Iterable[Exception11B] = (),
        *,
        nom: str = "",
    ) -> None:
        self.profession = profession
        self.nom = nom or profession
        self.tarifs: tuple[Tarif, ...] = tuple(sorted(tarifs, key=lambda t: (t.code, t.zone, t.du)))
        self.parametres: tuple[Parametre, ...] = tuple(
            sorted(parametres, key=lambda p: (p.code, p.variante, p.du))
        )
        self.exceptions_11b: tuple[Exception11B, ...] = tuple(exceptions_11b)
        self._natures: dict[str, NatureCode] = {}
        self._index_tarifs: dict[tuple[str, str], tuple[Tarif, ...]] = {}
        self._index_parametres: dict[tuple[str, str], tuple[Parametre, ...]] = {}
        self._cache_valeurs: dict[tuple[str, date, str], Tarif | None] = {}
        self._cache_parametres: dict[tuple[str, date, str], Parametre | None] = {}
        self._indexer()
        self.natures: Mapping[str, NatureCode] = self._natures
        self.cibles_11b: tuple[frozenset[str | None], frozenset[str]] = (
            frozenset(n for e in self.exceptions_11b for n in e.natures),
            frozenset(lettre for e in self.exceptions_11b for lettre in e.lettres),
        )

    def _indexer(self) -> None:
        tarifs: dict[tuple[str, str], list[Tarif]] = {}
        for tarif in self.tarifs:
            if tarif.profession != self.profession:
                raise CatalogueInvalide(
                    f"Le tarif « {tarif.code} » est de la profession « {tarif.profession} », "
                    f"le catalogue de « {self.profession} »."
                )
            nature = self._natures.setdefault(tarif.code, tarif.nature)
            if nature is not tarif.nature:
                raise CatalogueInvalide(
                    f"Le code « {tarif.code} » a deux natures : « {nature} » et « {tarif.nature} »."
                )
            tarifs.setdefault((tarif.code, tarif.zone), []).append(tarif)
        parametres: dict[tuple[str, str], list[Parametre]] = {}
        for parametre in self.parametres:
            parametres.setdefault((parametre.code, parametre.variante), []).append(parametre)
        for (code, zone), liste in tarifs.items():
            _verifier_periodes(liste, f"« {code} » ({zone})")
        for (code, variante), liste_p in parametres.items():
            _verifier_periodes(liste_p, f"paramètre « {code} » ({variante or 'sans variante'})")
        self._index_tarifs = {cle: tuple(liste) for cle, liste in tarifs.items()}
        self._index_parametres = {cle: tuple(liste) for cle, liste in parametres.items()}
        codes = set()
        for exception in self.exceptions_11b:
            if exception.code in codes:
                raise CatalogueInvalide(f"Exception 11B « {exception.code} » en double.")
            codes.add(exception.code)

    def nature(self, code: str) -> NatureCode | None:
        """Nature du code, ou ``None`` si le catalogue ne le connaît pas du tout."""
        return self._natures.get(code)

    def codes(self) -> frozenset[str]:
        return frozenset(self._natures)

    def valeur(
        self, code: str, le: date, zone: ZoneTarifaire | str = ZoneTarifaire.METROPOLE
    ) -> Tarif:
        """Valeur de ``code`` en vigueur le ``le`` dans ``zone`` ; ``TarifManquant`` sinon."""
        cle = (code, le, zone)
        try:
            trouve = self._cache_valeurs[cle]
        except KeyError:
            trouve = None
            for tarif in self._index_tarifs.get((code, zone), ()):
                if tarif.couvre(le):
                    trouve = tarif
                    break
            self._cache_valeurs[cle] = trouve
        if trouve is None:
            raise TarifManquant(code, le, _libelle_zone(zone), self._libelle(code))
        return trouve

    def parametre(self, code: str, le: date, variante: str = "") -> Parametre:
        """Paramètre ``code`` (``variante``) en vigueur le ``le`` ; ``TarifManquant`` sinon."""
        cle = (code, le, variante)
        try:
            trouve = self._cache_parametres[cle]
        except KeyError:
            trouve = None
            for parametre in self._index_parametres.get((code, variante), ()):
                if parametre.couvre(le):
                    trouve = parametre
                    break
            self._cache_parametres[cle] = trouve
        if trouve is None:
            nom = f"{code} ({variante})" if variante else code
            raise TarifManquant(nom, le, "toutes zones")
        return trouve

    def entrees(self) -> tuple[Entree, ...]:
        """Toutes les entrées datées : tarifs puis paramètres, triés par code et date."""
        return (*self.tarifs, *self.parametres)

    def avec(self, autre: Catalogue) -> Catalogue:
        """Catalogue où les entrées d'``autre`` remplacent celles-ci sur leurs périodes.

        Une entrée existante qui chevauche une entrée d'``autre`` (même code, même zone ou
        variante) est raccourcie ou coupée en deux ; les exceptions 11B d'``autre``
        remplacent celles de même code. Sert à importer un fichier de tarifs utilisateur.
        """
        if autre.profession != self.profession:
            raise CatalogueInvalide(
                f"Impossible de compléter le catalogue « {self.profession} » avec un catalogue "
                f"« {autre.profession} »."
            )
        tarifs = _remplacer(self.tarifs, autre.tarifs, lambda t: (t.code, t.zone))
        parametres = _remplacer(self.parametres, autre.parametres, lambda p: (p.code, p.variante))
        remplacees = {exception.code for exception in autre.exceptions_11b}
        exceptions = [e for e in self.exceptions_11b if e.code not in remplacees]
        return Catalogue(
            self.profession,
            tarifs,
            parametres,
            [*exceptions, *autre.exceptions_11b],
            nom=self.nom,
        )

    def _libelle(self, code: str) -> str:
        for tarif in self.tarifs:
            if tarif.code == code:
                return tarif.libelle
        return ""

    @classmethod
    def depuis_toml(cls, texte: str, *, nom_fichier: str = "catalogue") -> Catalogue:
        """Lit un catalogue TOML (format ``rejets-catalogue`` version 1, docs/cotation.md)."""
        try:
            donnees = tomllib.loads(texte)
        except tomllib.TOMLDecodeError as erreur:
            raise CatalogueInvalide(
                f"Fichier « {nom_fichier} » : TOML invalide ({erreur})."
            ) from None
        return _catalogue_depuis_donnees(donnees, nom_fichier)

    @classmethod
    def depuis_csv(
        cls, texte: str, *, profession: str = "infirmier", nom_fichier: str = "catalogue"
    ) -> Catalogue:
        """Lit des tarifs et paramètres en CSV (séparateur « ; » ou « , », en-tête obligatoire).

        Colonnes : ``type`` (tarif ou parametre), ``code``, ``libelle``, ``nature``, ``zone``,
        ``variante``, ``valeur`` (centimes pour un tarif), ``du``, ``au`` (AAAA-MM-JJ, vide si
        ouvert), ``source``, ``confirme`` (oui/non). Les exceptions 11B ne se donnent qu'en TOML.
        """
        return _catalogue_depuis_csv(texte, profession, nom_fichier)


def _libelle_zone(zone: str) -> str:
    try:
        return ZoneTarifaire(zone).libelle
    except ValueError:
        return f"la zone « {zone} »"


def _verifier_periodes(entrees: Sequence[Tarif | Parametre], nom: str) -> None:
    precedente: Tarif | Parametre | None = None
    for entree in sorted(entrees, key=lambda e: e.du):
        if entree.au is not None and entree.au < entree.du:
            raise CatalogueInvalide(
                f"{nom} : la fin ({entree.au:%d/%m/%Y}) précède le début ({entree.du:%d/%m/%Y})."
            )
        if precedente is not None and (precedente.au is None or precedente.au >= entree.du):
            raise CatalogueInvalide(
                f"{nom} : deux valeurs se chevauchent à partir du {entree.du:%d/%m/%Y}."
            )
        precedente = entree


def _remplacer(base: Sequence[Any], nouvelles: Sequence[Any], cle: Any) -> list[Any]:
    resultat = list(base)
    for nouvelle in nouvelles:
        suivant = []
        for entree in resultat:
            if cle(entree) != cle(nouvelle):
                suivant.append(entree)
                continue
            suivant.extend(_soustraire(entree, nouvelle.du, nouvelle.au))
        resultat = suivant
    resultat.extend(nouvelles)
    return resultat


def _soustraire(entree: Any, du: date, au: date | None) -> list[Any]:
    """Parties de la période d'``entree`` hors de [du, au]."""
    restes = []
    if entree.du < du:
        fin = du - timedelta(days=1)
        restes.append(
            replace(entree, au=fin if entree.au is None or entree.au > fin else entree.au)
        )
    if au is not None and (entree.au is None or entree.au > au):
        debut = au + timedelta(days=1)
        restes.append(replace(entree, du=max(entree.du, debut)))
    return restes


def _erreur(fichier: str, ou: str, message: str) -> CatalogueInvalide:
    return CatalogueInvalide(f"Fichier « {fichier} », {ou} : {message}")


def _champ(
    donnees: Mapping[str, Any], nom: str, types: type | tuple[type, ...], fichier: str, ou: str
) -> Any:
    if nom not in donnees:
        raise _erreur(fichier, ou, f"champ « {nom} » manquant.")
    valeur = donnees[nom]
    if isinstance(valeur, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise _erreur(fichier, ou, f"champ « {nom} » : type inattendu (booléen).")
    if not isinstance(valeur, types):
        raise _erreur(fichier, ou, f"champ « {nom} » : type inattendu ({type(valeur).__name__}).")
    return valeur


def _verifier_cles(donnees: Mapping[str, Any], admises: set[str], fichier: str, ou: str) -> None:
    inconnues = sorted(set(donnees) - admises)
    if inconnues:
        raise _erreur(fichier, ou, f"champ inconnu « {inconnues[0]} ».")


def _date(valeur: Any, nom: str, fichier: str, ou: str) -> date:
    if isinstance(valeur, date) and type(valeur) is date:
        return valeur
    if isinstance(valeur, str):
        try:
            return date.fromisoformat(valeur)
        except ValueError:
            pass
    raise _erreur(fichier, ou, f"« {nom} » doit être une date AAAA-MM-JJ, reçu « {valeur} ».")


def _enum(classe: Any, valeur: Any, nom: str, fichier: str, ou: str) -> Any:
    try:
        return classe(valeur)
    except ValueError:
        admises = ", ".join(f"« {membre.value} »" for membre in classe)
        raise _erreur(fichier, ou, f"« {nom} » doit valoir {admises}, reçu « {valeur} ».") from None


def _tarif(donnees: Mapping[str, Any], profession: str, fichier: str, ou: str) -> Tarif:
    _verifier_cles(donnees, _CLES_TARIF, fichier, ou)
    centimes = _champ(donnees, "centimes", int, fichier, ou)
    if centimes < 0:
        raise _erreur(fichier, ou, "« centimes » ne peut pas être négatif.")
    au = donnees.get("au")
    return Tarif(
        code=_code(_champ(donnees, "code", str, fichier, ou), fichier, ou),
        libelle=_champ(donnees, "libelle", str, fichier, ou),
        nature=_enum(
            NatureCode, _champ(donnees, "nature", str, fichier, ou), "nature", fichier, ou
        ),
        zone=_enum(ZoneTarifaire, _champ(donnees, "zone", str, fichier, ou), "zone", fichier, ou),
        centimes=centimes,
        du=_date(_champ(donnees, "du", (date, str), fichier, ou), "du", fichier, ou),
        au=None if au is None else _date(au, "au", fichier, ou),
        source=_source(donnees, fichier, ou),
        confirme=_champ(donnees, "confirme", bool, fichier, ou),
        profession=profession,
    )


def _source(donnees: Mapping[str, Any], fichier: str, ou: str) -> str:
    source = _champ(donnees, "source", str, fichier, ou).strip()
    if not source:
        raise _erreur(fichier, ou, "« source » est vide : toute valeur doit citer sa source.")
    return str(source)


def _code(code: str, fichier: str, ou: str) -> str:
    code = code.strip()
    if not code:
        raise _erreur(fichier, ou, "« code » est vide.")
    return code


def _valeur_parametre(valeur: Any, fichier: str, ou: str) -> ValeurParametre:
    if isinstance(valeur, bool):
        return valeur
    if isinstance(valeur, int):
        return Decimal(valeur)
    if isinstance(valeur, float):
        raise _erreur(
            fichier, ou, '« valeur » : écrivez un nombre décimal entre guillemets ("0.5").'
        )
    if isinstance(valeur, str):
        texte = valeur.strip()
        try:
            nombre = Decimal(texte.replace(",", "."))
        except InvalidOperation:
            return texte
        if nombre.is_finite():
            return nombre
        return texte
    raise _erreur(fichier, ou, f"« valeur » : type inattendu ({type(valeur).__name__}).")


def _parametre(donnees: Mapping[str, Any], profession: str, fichier: str, ou: str) -> Parametre:
    _verifier_cles(donnees, _CLES_PARAMETRE, fichier, ou)
    if "valeur" not in donnees:
        raise _erreur(fichier, ou, "champ « valeur » manquant.")
    au = donnees.get("au")
    variante = donnees.get("variante", "")
    if not isinstance(variante, str):
        raise _erreur(fichier, ou, "« variante » doit être du texte.")
    return Parametre(
        code=_code(_champ(donnees, "code", str, fichier, ou), fichier, ou),
        variante=variante.strip(),
        libelle=str(donnees.get("libelle", "")),
        valeur=_valeur_parametre(donnees["valeur"], fichier, ou),
        du=_date(_champ(donnees, "du", (date, str), fichier, ou), "du", fichier, ou),
        au=None if au is None else _date(au, "au", fichier, ou),
        source=_source(donnees, fichier, ou),
        confirme=_champ(donnees, "confirme", bool, fichier, ou),
        profession=profession,
    )


def _liste_textes(donnees: Mapping[str, Any], nom: str, fichier: str, ou: str) -> tuple[str, ...]:
    valeur = donnees.get(nom, [])
    if not isinstance(valeur, list) or not all(isinstance(v, str) for v in valeur):
        raise _erreur(fichier, ou, f"« {nom} » doit être une liste de textes.")
    return tuple(valeur)


def _exception(donnees: Mapping[str, Any], fichier: str, ou: str) -> Exception11B:
    _verifier_cles(donnees, _CLES_EXCEPTION, fichier, ou)
    effet = _champ(donnees, "effet", str, fichier, ou)
    if effet not in ("groupe", "hors_article"):
        raise _erreur(
            fichier, ou, f"« effet » doit valoir « groupe » ou « hors_article », reçu « {effet} »."
        )
    condition = donnees.get("condition")
    if condition is not None and condition not in CONDITIONS_EXCEPTION:
        admises = ", ".join(sorted(CONDITIONS_EXCEPTION))
        raise _erreur(fichier, ou, f"« condition » inconnue « {condition} » (admises : {admises}).")
    natures = _liste_textes(donnees, "natures", fichier, ou)
    lettres = _liste_textes(donnees, "lettres", fichier, ou)
    if not natures and not lettres:
        raise _erreur(fichier, ou, "l'exception doit viser des « natures » ou des « lettres ».")
    toutes = donnees.get("toutes_requises", False)
    if not isinstance(toutes, bool):
        raise _erreur(fichier, ou, "« toutes_requises » doit valoir true ou false.")
    return Exception11B(
        code=_code(_champ(donnees, "code", str, fichier, ou), fichier, ou),
        libelle=_champ(donnees, "libelle", str, fichier, ou),
        effet="groupe" if effet == "groupe" else "hors_article",
        natures=natures,
        lettres=lettres,
        toutes_requises=toutes,
        condition=condition,
        source=_source(donnees, fichier, ou),
        confirme=_champ(donnees, "confirme", bool, fichier, ou),
    )


def _tables(donnees: Mapping[str, Any], nom: str, fichier: str) -> list[Mapping[str, Any]]:
    tables = donnees.get(nom, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise _erreur(fichier, nom, f"« {nom} » doit être une liste de tables [[{nom}]].")
    return tables


def _catalogue_depuis_donnees(donnees: Mapping[str, Any], fichier: str) -> Catalogue:
    _verifier_cles(donnees, _CLES_RACINE, fichier, "en-tête")
    if donnees.get("format") != FORMAT:
        raise _erreur(fichier, "en-tête", f"« format » doit valoir « {FORMAT} ».")
    if donnees.get("version") != VERSION:
        raise _erreur(
            fichier, "en-tête", f"version « {donnees.get('version')} » non prise en charge (1)."
        )
    profession = _champ(donnees, "profession", str, fichier, "en-tête").strip()
    if not profession:
        raise _erreur(fichier, "en-tête", "« profession » est vide.")
    tarifs = [
        _tarif(t, profession, fichier, f"tarif n° {i}")
        for i, t in enumerate(_tables(donnees, "tarif", fichier), start=1)
    ]
    parametres = [
        _parametre(p, profession, fichier, f"paramètre n° {i}")
        for i, p in enumerate(_tables(donnees, "parametre", fichier), start=1)
    ]
    exceptions = [
        _exception(e, fichier, f"exception 11B n° {i}")
        for i, e in enumerate(_tables(donnees, "exception_11b", fichier), start=1)
    ]
    nom = donnees.get("nom", "")
    try:
        return Catalogue(profession, tarifs, parametres, exceptions, nom=str(nom))
    except CatalogueInvalide as erreur:
        raise CatalogueInvalide(f"Fichier « {fichier} » : {erreur}") from None


_COLONNES_CSV = ("type", "code", "valeur", "du", "source", "confirme")
_OUI = {"oui", "true", "vrai", "1", "o", "yes"}
_NON = {"non", "false", "faux", "0", "n", "no"}


def _catalogue_depuis_csv(texte: str, profession: str, fichier: str) -> Catalogue:
    texte = texte.removeprefix("\ufeff")
    premiere = texte.split("\n", 1)[0]
    separateur = ";" if premiere.count(";") >= premiere.count(",") else ","
    lecteur = csv.DictReader(io.StringIO(texte), delimiter=separateur)
    entetes = set(lecteur.fieldnames or ())
    manquantes = [c for c in _COLONNES_CSV if c not in entetes]
    if manquantes:
        raise _erreur(fichier, "ligne 1", f"colonne « {manquantes[0]} » manquante.")
    tarifs: list[Tarif] = []
    parametres: list[Parametre] = []
    for numero, ligne in enumerate(lecteur, start=2):
        ou = f"ligne {numero}"
        if not any((v or "").strip() for v in ligne.values() if isinstance(v, str)):
            continue
        valeurs = {k: (v or "").strip() for k, v in ligne.items() if isinstance(k, str)}
        confirme_texte = valeurs.get("confirme", "").lower()
        if confirme_texte not in _OUI | _NON:
            raise _erreur(fichier, ou, "« confirme » doit valoir oui ou non.")
        commun: dict[str, Any] = {
            "code": valeurs.get("code", ""),
            "libelle": valeurs.get("libelle", ""),
            "du": valeurs.get("du", ""),
            "source": valeurs.get("source", ""),
            "confirme": confirme_texte in _OUI,
        }
        if valeurs.get("au"):
            commun["au"] = valeurs["au"]
        genre = valeurs.get("type", "").lower()
        if genre == "tarif":
            try:
                centimes = int(valeurs.get("valeur", ""))
            except ValueError:
                raise _erreur(
                    fichier, ou, "« valeur » d'un tarif : un nombre entier de centimes."
                ) from None
            commun |= {
                "nature": valeurs.get("nature", ""),
                "zone": valeurs.get("zone", "") or ZoneTarifaire.METROPOLE.value,
                "centimes": centimes,
            }
            tarifs.append(_tarif(commun, profession, fichier, ou))
        elif genre == "parametre":
            commun |= {"variante": valeurs.get("variante", ""), "valeur": valeurs.get("valeur", "")}
            parametres.append(_parametre(commun, profession, fichier, ou))
        else:
            raise _erreur(fichier, ou, "« type » doit valoir « tarif » ou « parametre ».")
    try:
        return Catalogue(profession, tarifs, parametres, nom=fichier)
    except CatalogueInvalide as erreur:
        raise CatalogueInvalide(f"Fichier « {fichier} » : {erreur}") from None


@cache
def catalogue_par_defaut(profession: str = "infirmier") -> Catalogue:
    """Catalogue livré avec Rejets pour ``profession`` (``data/ngap-<profession>.toml``)."""
    nom = f"ngap-{profession}.toml"
    fichier = resources.files("rejets.domain.data").joinpath(nom)
    if not fichier.is_file():
        raise CatalogueInvalide(f"Aucun catalogue livré pour la profession « {profession} ».")
    return Catalogue.depuis_toml(fichier.read_text(encoding="utf-8"), nom_fichier=nom)
