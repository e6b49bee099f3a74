"""Invoice exchange format, version 1: what a billing software knows about its invoices.

Two forms, described in docs/formats/echange-factures.md and in the JSON Schema
`schemas/factures-v1.schema.json`:

- document (`.json`): `{"format": "rejets-factures", "version": 1, "factures": [...]}`;
- JSON Lines (`.jsonl`): a header line `{"format": "rejets-factures", "version": 1}`, then one
  invoice object per line.

Form detection: the first non-blank line, read alone, is a complete JSON object without a
`factures` key → JSON Lines; otherwise the whole file is one JSON document.

The reader checks syntax and schema only (business rules such as NIR keys or amounts adding up
belong to the importer). It yields one outcome per record: `FactureLue`, or
`EnregistrementRefuse` with the record number, the field and a French reason. Faults of the
whole file raise `FichierEchangeInvalide`, always before the first outcome. JSON Lines are read
one line at a time (constant memory); the document form is read whole.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, BinaryIO, Literal, TextIO, TypeAlias, cast

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator

FORMAT = "rejets-factures"
VERSION = 1

TiersPayant: TypeAlias = Literal["aucun", "amo", "amo_amc"]
NatureAssurance: TypeAlias = Literal["10", "13", "30", "41", "90"]
Lieu: TypeAlias = Literal["domicile", "cabinet"]
Zone: TypeAlias = Literal["plaine", "montagne", "pied"]
EtatPartie: TypeAlias = Literal[
    "brouillon",
    "prete",
    "securisee",
    "exportee",
    "transmise",
    "a_retransmettre",
    "lot_recu",
    "en_traitement_caisse",
    "payee_partiellement",
    "payee",
    "rejetee",
    "defacturee",
    "recyclee",
    "annulee",
    "forclose",
    "abandonnee",
    "facturee_patient",
    "facturee_mutuelle",
]
SourceRejet: TypeAlias = Literal["electronique", "papier"]
Payeur: TypeAlias = Literal["amo", "amc", "patient"]
MoyenPaiement: TypeAlias = Literal["virement", "especes", "cheque", "carte"]


# --- Dataclasses: one per object of the schema, same field names, same order. ---


@dataclass(frozen=True)
class ProfessionnelEchange:
    """Professionnel qui facture : n° AM (8 chiffres + clé), RPPS facultatif."""

    numero_am: str
    rpps: str | None
    nom: str
    prenom: str


@dataclass(frozen=True)
class DroitsEchange:
    """Droits AMO du patient ; taux en pourcentage entier ; période de droits facultative."""

    regime: str
    caisse: str
    centre: str
    nature_assurance: NatureAssurance
    exoneration: str
    taux_remboursement: int
    debut: dt.date | None
    fin: dt.date | None


@dataclass(frozen=True)
class AmcEchange:
    """Complémentaire (mutuelle) du patient : n° AMC de 10 caractères."""

    numero: str
    libelle: str
    contrat: str | None
    debut: dt.date | None
    fin: dt.date | None


@dataclass(frozen=True)
class PatientEchange:
    """Patient : NIR (13 + clé 2), rang de naissance 1–9, droits AMO, AMC facultative."""

    nir: str
    rang: int
    nom: str
    prenom: str
    date_naissance: dt.date
    droits: DroitsEchange
    amc: AmcEchange | None


@dataclass(frozen=True)
class PrescripteurEchange:
    """Prescripteur : nom, RPPS facultatif."""

    nom: str
    rpps: str | None


@dataclass(frozen=True)
class PrescriptionEchange:
    """Prescription : prescripteur, date, mention « à domicile », scan facultatif."""

    prescripteur: PrescripteurEchange
    date: dt.date
    a_domicile: bool
    scan: str | None


@dataclass(frozen=True)
class ActeEchange:
    """Acte NGAP : coefficient et distance en Decimal, montant en centimes si valorisé."""

    date: dt.date
    heure: dt.time | None
    heure_appel: dt.time | None
    lettre_cle: str
    coefficient: Decimal
    nature: str | None
    lieu: Lieu
    distance_km: Decimal | None
    zone: Zone | None
    meme_commune: bool | None
    montant: int | None


@dataclass(frozen=True)
class RepartitionEchange:
    """Répartition du total entre AMO, AMC et patient, en centimes."""

    total: int
    amo: int
    amc: int
    patient: int


@dataclass(frozen=True)
class RejetEchange:
    """Rejet tel que reçu : code, libellé inchangé, date, source."""

    code: str
    libelle: str
    date: dt.date
    source: SourceRejet


@dataclass(frozen=True)
class PartieEchange:
    """Partie FSE ou DRE : état, lot et date de transmission, dernier rejet."""

    etat: EtatPartie
    lot: str | None
    date_transmission: dt.date | None
    rejet: RejetEchange | None


@dataclass(frozen=True)
class PaiementEchange:
    """Paiement reçu, en centimes strictement positifs."""

    payeur: Payeur
    montant: int
    date: dt.date
    moyen: MoyenPaiement
    reference: str | None


@dataclass(frozen=True)
class FactureEchange:
    """Facture échangée : au moins un acte ; DRE seulement en tiers payant AMO et AMC."""

    numero: str
    professionnel: ProfessionnelEchange
    patient: PatientEchange
    tiers_payant: TiersPayant
    prescription: PrescriptionEchange | None
    actes: tuple[ActeEchange, ...]
    repartition: RepartitionEchange | None
    fse: PartieEchange
    dre: PartieEchange | None
    paiements: tuple[PaiementEchange, ...]


# --- Outcomes of reading. ---

CHAMP_ENREGISTREMENT = "(enregistrement)"
"""Value of `champ` when the fault concerns the record as a whole (not JSON, not an object)."""


@dataclass(frozen=True)
class FactureLue:
    """Enregistrement lu : numéro d'enregistrement (à partir de 1) et facture."""

    enregistrement: int
    facture: FactureEchange


@dataclass(frozen=True)
class EnregistrementRefuse:
    """Enregistrement refusé : numéro, champ fautif (« actes[0].date »), raison en français."""

    enregistrement: int
    champ: str
    raison: str


Lecture: TypeAlias = FactureLue | EnregistrementRefuse


class FichierEchangeInvalide(Exception):
    """Le fichier entier est illisible ; levée avant tout enregistrement lu."""

    def __init__(self, nom_fichier: str, raison: str, ligne: int | None = None) -> None:
        self.nom_fichier = nom_fichier
        self.raison = raison
        self.ligne = ligne
        lieu = f"Fichier « {nom_fichier} »" + (f", ligne {ligne}" if ligne is not None else "")
        super().__init__(f"{lieu} : {raison}")


# --- Conversion between dataclasses and JSON-ready dicts. ---


def _date_texte(valeur: dt.date | None) -> str | None:
    return None if valeur is None else valeur.isoformat()


def _heure_texte(valeur: dt.time | None) -> str | None:
    """HH:MM ; une heure avec secondes n'est pas représentable et lève ValueError."""
    if valeur is None:
        return None
    if valeur.second or valeur.microsecond or valeur.tzinfo is not None:
        raise ValueError(f"heure {valeur.isoformat()} non représentable : format HH:MM sans fuseau")
    return f"{valeur.hour:02d}:{valeur.minute:02d}"


def _partie_dict(p: PartieEchange | None) -> dict[str, Any] | None:
    if p is None:
        return None
    r = p.rejet
    return {
        "etat": p.etat,
        "lot": p.lot,
        "date_transmission": _date_texte(p.date_transmission),
        "rejet": None
        if r is None
        else {"code": r.code, "libelle": r.libelle, "date": r.date.isoformat(), "source": r.source},
    }


def facture_vers_dict(f: FactureEchange) -> dict[str, Any]:
    """Facture → objet JSON du format, clés dans l'ordre du schéma (Decimal conservés)."""
    pat, droits, amc, pres = f.patient, f.patient.droits, f.patient.amc, f.prescription
    rep = f.repartition
    return {
        "numero": f.numero,
        "professionnel": {
            "numero_am": f.professionnel.numero_am,
            "rpps": f.professionnel.rpps,
            "nom": f.professionnel.nom,
            "prenom": f.professionnel.prenom,
        },
        "patient": {
            "nir": pat.nir,
            "rang": pat.rang,
            "nom": pat.nom,
            "prenom": pat.prenom,
            "date_naissance": pat.date_naissance.isoformat(),
            "droits": {
                "regime": droits.regime,
                "caisse": droits.caisse,
                "centre": droits.centre,
                "nature_assurance": droits.nature_assurance,
                "exoneration": droits.exoneration,
                "taux_remboursement": droits.taux_remboursement,
                "debut": _date_texte(droits.debut),
                "fin": _date_texte(droits.fin),
            },
            "amc": None
            if amc is None
            else {
                "numero": amc.numero,
                "libelle": amc.libelle,
                "contrat": amc.contrat,
                "debut": _date_texte(amc.debut),
                "fin": _date_texte(amc.fin),
            },
        },
        "tiers_payant": f.tiers_payant,
        "prescription": None
        if pres is None
        else {
            "prescripteur": {"nom": pres.prescripteur.nom, "rpps": pres.prescripteur.rpps},
            "date": pres.date.isoformat(),
            "a_domicile": pres.a_domicile,
            "scan": pres.scan,
        },
        "actes": [
            {
                "date": a.date.isoformat(),
                "heure": _heure_texte(a.heure),
                "heure_appel": _heure_texte(a.heure_appel),
                "lettre_cle": a.lettre_cle,
                "coefficient": a.coefficient,
                "nature": a.nature,
                "lieu": a.lieu,
                "distance_km": a.distance_km,
                "zone": a.zone,
                "meme_commune": a.meme_commune,
                "montant": a.montant,
            }
            for a in f.actes
        ],
        "repartition": None
        if rep is None
        else {"total": rep.total, "amo": rep.amo, "amc": rep.amc, "patient": rep.patient},
        "fse": _partie_dict(f.fse),
        "dre": _partie_dict(f.dre),
        "paiements": [
            {
                "payeur": p.payeur,
                "montant": p.montant,
                "date": p.date.isoformat(),
                "moyen": p.moyen,
                "reference": p.reference,
            }
            for p in f.paiements
        ],
    }


def _date(valeur: str | None) -> dt.date | None:
    return None if valeur is None else dt.date.fromisoformat(valeur)


def _heure(valeur: str | None) -> dt.time | None:
    return None if valeur is None else dt.time.fromisoformat(valeur)


def _decimal(valeur: object) -> Decimal:
    """Nombre JSON → Decimal sans perte (un float passe par son écriture décimale)."""
    if isinstance(valeur, Decimal):
        return valeur
    if isinstance(valeur, int | float) and not isinstance(valeur, bool):
        return Decimal(str(valeur))
    raise TypeError(f"nombre attendu, reçu {valeur!r}")


def _entier(valeur: object) -> int:
    """Entier JSON (1 ou 1.0) → int."""
    if isinstance(valeur, int | float | Decimal) and not isinstance(valeur, bool):
        return int(valeur)
    raise TypeError(f"entier attendu, reçu {valeur!r}")


def _partie(d: Mapping[str, Any] | None) -> PartieEchange | None:
    if d is None:
        return None
    r = d["rejet"]
    return PartieEchange(
        etat=d["etat"],
        lot=d["lot"],
        date_transmission=_date(d["date_transmission"]),
        rejet=None
        if r is None
        else RejetEchange(
            code=r["code"],
            libelle=r["libelle"],
            date=dt.date.fromisoformat(r["date"]),
            source=r["source"],
        ),
    )


def facture_depuis_dict(d: Mapping[str, Any]) -> FactureEchange:
    """Objet JSON déjà conforme au schéma → facture (dates, heures, Decimal, tuples)."""
    pro, pat, pres, rep = d["professionnel"], d["patient"], d["prescription"], d["repartition"]
    droits, amc = pat["droits"], pat["amc"]
    fse = _partie(d["fse"])
    assert fse is not None  # required and not nullable in the schema
    return FactureEchange(
        numero=d["numero"],
        professionnel=ProfessionnelEchange(
            numero_am=pro["numero_am"], rpps=pro["rpps"], nom=pro["nom"], prenom=pro["prenom"]
        ),
        patient=PatientEchange(
            nir=pat["nir"],
            rang=_entier(pat["rang"]),
            nom=pat["nom"],
            prenom=pat["prenom"],
            date_naissance=dt.date.fromisoformat(pat["date_naissance"]),
            droits=DroitsEchange(
                regime=droits["regime"],
                caisse=droits["caisse"],
                centre=droits["centre"],
                nature_assurance=droits["nature_assurance"],
                exoneration=droits["exoneration"],
                taux_remboursement=_entier(droits["taux_remboursement"]),
                debut=_date(droits["debut"]),
                fin=_date(droits["fin"]),
            ),
            amc=None
            if amc is None
            else AmcEchange(
                numero=amc["numero"],
                libelle=amc["libelle"],
                contrat=amc["contrat"],
                debut=_date(amc["debut"]),
                fin=_date(amc["fin"]),
            ),
        ),
        tiers_payant=d["tiers_payant"],
        prescription=None
        if pres is None
        else PrescriptionEchange(
            prescripteur=PrescripteurEchange(
                nom=pres["prescripteur"]["nom"], rpps=pres["prescripteur"]["rpps"]
            ),
            date=dt.date.fromisoformat(pres["date"]),
            a_domicile=pres["a_domicile"],
            scan=pres["scan"],
        ),
        actes=tuple(
            ActeEchange(
                date=dt.date.fromisoformat(a["date"]),
                heure=_heure(a["heure"]),
                heure_appel=_heure(a["heure_appel"]),
                lettre_cle=a["lettre_cle"],
                coefficient=_decimal(a["coefficient"]),
                nature=a["nature"],
                lieu=a["lieu"],
                distance_km=None if a["distance_km"] is None else _decimal(a["distance_km"]),
                zone=a["zone"],
                meme_commune=a["meme_commune"],
                montant=None if a["montant"] is None else _entier(a["montant"]),
            )
            for a in d["actes"]
        ),
        repartition=None
        if rep is None
        else RepartitionEchange(
            total=_entier(rep["total"]),
            amo=_entier(rep["amo"]),
            amc=_entier(rep["amc"]),
            patient=_entier(rep["patient"]),
        ),
        fse=fse,
        dre=_partie(d["dre"]),
        paiements=tuple(
            PaiementEchange(
                payeur=p["payeur"],
                montant=_entier(p["montant"]),
                date=dt.date.fromisoformat(p["date"]),
                moyen=p["moyen"],
                reference=p["reference"],
            )
            for p in d["paiements"]
        ),
    )


# --- Schema and validator. ---


@cache
def schema_v1() -> Mapping[str, Any]:
    """Le schéma JSON du format, version 1, tel qu'il est livré avec le paquet."""
    texte = (
        resources.files("rejets.formats")
        .joinpath("schemas/factures-v1.schema.json")
        .read_text(encoding="utf-8")
    )
    return cast(Mapping[str, Any], json.loads(texte))


def _est_entier(_checker: object, valeur: object) -> bool:
    """Entier au sens de JSON Schema : nombre sans partie décimale (3 ou 3.0), jamais booléen."""
    if isinstance(valeur, bool):
        return False
    if isinstance(valeur, Decimal):
        return valeur.is_finite() and valeur == valeur.to_integral_value()
    if isinstance(valeur, float):
        return valeur.is_integer()
    return isinstance(valeur, int)


@cache
def _regex(motif: str) -> re.Pattern[str]:
    """Motif ECMA-262 → Python : le `$` final ne tolère pas de saut de ligne après lui."""
    if motif.endswith("$") and not motif.endswith("\\$"):
        motif = motif[:-1] + r"\Z"
    return re.compile(motif)


def _motif(
    validator: Validator, motif: str, valeur: object, _schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """Mot-clé `pattern`, avec la sémantique ECMA-262 du `$` final."""
    if isinstance(valeur, str) and not _regex(motif).search(valeur):
        yield ValidationError(f"{valeur!r} does not match {motif!r}")


_Validateur = validators.create(
    meta_schema=Draft202012Validator.META_SCHEMA,
    validators={**Draft202012Validator.VALIDATORS, "pattern": _motif},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _est_entier),
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)


def _sans_references(noeud: object, defs: Mapping[str, Any]) -> object:
    """Remplace chaque `{"$ref": "#/$defs/x"}` par sa définition (le schéma n'est pas récursif).

    Même résultat de validation, sans la résolution des références à chaque facture (~30 %).
    """
    if isinstance(noeud, list):
        return [_sans_references(n, defs) for n in noeud]
    if not isinstance(noeud, dict):
        return noeud
    copie = {cle: _sans_references(valeur, defs) for cle, valeur in noeud.items()}
    ref = copie.pop("$ref", None)
    if ref is None:
        return copie
    definition = _sans_references(defs[str(ref).removeprefix("#/$defs/")], defs)
    assert isinstance(definition, dict) and set(definition) & set(copie) <= {"description"}
    return {**definition, **copie}


@cache
def _validateur_facture() -> Validator:
    """Validateur compilé une fois pour `$defs/facture` (avec le contrôle des dates)."""
    defs = schema_v1()["$defs"]
    return _Validateur(
        cast(Mapping[str, Any], _sans_references(defs["facture"], defs)),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


# --- Schema errors in French. ---

_NOMS_TYPES = {
    "string": "chaîne",
    "integer": "entier",
    "number": "nombre",
    "boolean": "booléen",
    "object": "objet",
    "array": "tableau",
    "null": "null",
}

DESCRIPTIONS_MOTIFS: Mapping[str, str] = {
    "^(?!0{9})[0-9]{9}$": "9 chiffres, pas tous nuls",
    "^[0-9]{9}$": "9 chiffres (8 chiffres et la clé)",
    "^[0-9]{11}$": "11 chiffres",
    "^[1-478][0-9]{2}[0-9]{2}(2[AB]|[0-9]{2})[0-9]{6}[0-9]{2}$": (
        "NIR de 15 caractères (13 + clé de 2 chiffres, 2A ou 2B pour la Corse), "
        "commençant par 1, 2, 3, 4, 7 ou 8"
    ),
    "^[0-9]{2}$": "2 chiffres",
    "^[0-9]{3}$": "3 chiffres",
    "^[0-9]{4}$": "4 chiffres",
    "^[0-9]$": "1 chiffre",
    "^[0-9A-Z]{10}$": "10 caractères, chiffres ou lettres majuscules",
    "^([01][0-9]|2[0-3]):[0-5][0-9]$": "une heure HH:MM (00:00 à 23:59)",
    "^[A-Z]{2,4}$": "2 à 4 lettres majuscules",
}
"""French description of every `pattern` of the schema (a test checks none is missing)."""

_LONGUEUR_MONTREE = 40


def _montrer(valeur: object) -> str:
    """Valeur reçue, courte et imprimable, pour un message."""
    if isinstance(valeur, str):
        court = valeur if len(valeur) <= _LONGUEUR_MONTREE else valeur[:_LONGUEUR_MONTREE] + "…"
        return _imprimable(json.dumps(court, ensure_ascii=False))
    if isinstance(valeur, dict):
        return "un objet"
    if isinstance(valeur, list):
        return "un tableau"
    if valeur is None or isinstance(valeur, bool):
        return json.dumps(valeur)
    texte = str(valeur)
    return texte if len(texte) <= _LONGUEUR_MONTREE else texte[:_LONGUEUR_MONTREE] + "…"


def _imprimable(texte: str) -> str:
    """Échappe ce qui ne s'écrit pas en UTF-8 (demi-paires UTF-16 isolées)."""
    return texte.encode("utf-8", "backslashreplace").decode("utf-8")


def _type_recu(valeur: object) -> str:
    if isinstance(valeur, bool):
        return "booléen"
    if isinstance(valeur, int):
        return "entier"
    if isinstance(valeur, float | Decimal):
        return "nombre"
    return {str: "chaîne", list: "tableau", dict: "objet", type(None): "null"}.get(
        type(valeur), type(valeur).__name__
    )


def _types_attendus(types: object) -> str:
    liste = [types] if isinstance(types, str) else list(cast(Iterable[str], types))
    return " ou ".join(_NOMS_TYPES.get(t, t) for t in liste)


def _types_des_branches(e: ValidationError) -> str:
    """anyOf dont chaque branche refuse le type : les types permis, réunis."""
    types: list[str] = []
    for sous in e.context:
        if sous.validator != "type":
            continue
        v = sous.validator_value
        for t in [v] if isinstance(v, str) else cast(Iterable[str], v):
            if t not in types:
                types.append(t)
    return _types_attendus(types)


def _pluriel(n: object, mot: str) -> str:
    return f"{n} {mot}" + ("s" if isinstance(n, int) and n > 1 else "")


_RAISONS: Mapping[str, Callable[[ValidationError], str]] = {
    "required": lambda e: "champ obligatoire manquant",
    "additionalProperties": lambda e: f"champ inconnu (absent de la version {VERSION} du format)",
    "type": lambda e: (
        f"type attendu : {_types_attendus(e.validator_value)}, reçu {_type_recu(e.instance)}"
    ),
    "anyOf": lambda e: f"type attendu : {_types_des_branches(e)}, reçu {_type_recu(e.instance)}",
    "pattern": lambda e: (
        "valeur attendue : "
        f"{DESCRIPTIONS_MOTIFS.get(str(e.validator_value), f'motif {e.validator_value}')}, "
        f"reçu {_montrer(e.instance)}"
    ),
    "enum": lambda e: (
        "valeur attendue : une parmi "
        f"{', '.join(_montrer(v) for v in cast(Iterable[object], e.validator_value))}, "
        f"reçu {_montrer(e.instance)}"
    ),
    "const": lambda e: (
        f"valeur attendue : {_montrer(e.validator_value)}, reçu {_montrer(e.instance)}"
    ),
    "minimum": lambda e: (
        f"valeur attendue : au moins {e.validator_value}, reçu {_montrer(e.instance)}"
    ),
    "maximum": lambda e: (
        f"valeur attendue : au plus {e.validator_value}, reçu {_montrer(e.instance)}"
    ),
    "exclusiveMinimum": lambda e: (
        f"valeur attendue : strictement supérieure à {e.validator_value}, "
        f"reçu {_montrer(e.instance)}"
    ),
    "minLength": lambda e: (
        f"longueur attendue : au moins {_pluriel(e.validator_value, 'caractère')}, "
        f"reçu {_montrer(e.instance)}"
    ),
    "maxLength": lambda e: (
        f"longueur attendue : au plus {_pluriel(e.validator_value, 'caractère')}, "
        f"reçu {_pluriel(len(cast(str, e.instance)), 'caractère')}"
    ),
    "minItems": lambda e: (
        f"au moins {_pluriel(e.validator_value, 'élément')} attendu, "
        f"reçu {_pluriel(len(cast(list[object], e.instance)), 'élément')}"
    ),
    "format": lambda e: (
        "date invalide : une date réelle au format AAAA-MM-JJ est attendue, "
        f"reçu {_montrer(e.instance)}"
        if e.validator_value == "date"
        else f"format {e.validator_value} attendu, reçu {_montrer(e.instance)}"
    ),
}
"""French reason for each kind of schema error (jsonschema's `validator` keyword)."""


def _champ(chemin: Iterable[str | int]) -> str:
    """Chemin lisible : `patient.droits.regime`, `actes[0].coefficient` (indices depuis 0)."""
    texte = ""
    for element in chemin:
        if isinstance(element, int):
            texte += f"[{element}]"
        else:
            texte += f".{element}" if texte else element
    return _imprimable(texte) if texte else CHAMP_ENREGISTREMENT


def _feuilles(e: ValidationError) -> list[ValidationError]:
    """Descend dans un anyOf « valeur ou null » jusqu'aux erreurs utiles."""
    if e.validator not in ("anyOf", "oneOf") or not e.context:
        return [e]
    meme_niveau = [s for s in e.context if s.validator == "type" and not s.path]
    branches = cast(list[object], e.validator_value)
    if len(meme_niveau) == len(branches):
        return [e]  # every branch refuses the type: one "type attendu" message
    ignorees = {id(s) for s in meme_niveau}
    return [f for s in e.context if id(s) not in ignorees for f in _feuilles(s)]


def _traduire(e: ValidationError) -> list[tuple[str, str]]:
    """Erreur jsonschema → (champ, raison) ; required et additionalProperties nomment le fils."""
    chemin = list(e.absolute_path)
    traduction = _RAISONS.get(str(e.validator))
    raison = traduction(e) if traduction else f"refusé par le schéma ({e.validator})"
    instance = e.instance if isinstance(e.instance, dict) else {}
    if e.validator == "required":
        noms = [n for n in cast(list[str], e.validator_value) if n not in instance]
    elif e.validator == "additionalProperties":
        prevus = cast(Mapping[str, object], e.schema).get("properties", {})
        noms = [n for n in instance if n not in cast(Mapping[str, object], prevus)]
    else:
        return [(_champ(chemin), raison)]
    return [(_champ([*chemin, n]), raison) for n in noms]


_AUTRES_MAX = 10


def _refus(numero: int, erreurs: list[ValidationError]) -> EnregistrementRefuse:
    """Une issue par enregistrement : l'erreur principale (best_match), puis les autres."""
    principale = best_match(erreurs)
    paires: dict[str, str] = {}
    for e in [principale, *erreurs]:
        for f in _feuilles(e):
            for champ, raison in _traduire(f):
                paires.setdefault(champ, raison)
    if not paires:  # defensive: every error yields a pair with this schema
        paires[_champ(principale.absolute_path)] = "refusé par le schéma"
    (champ, raison), *autres = paires.items()
    if autres:
        details = [f"{c} : {r}" for c, r in autres[:_AUTRES_MAX]]
        if len(autres) > _AUTRES_MAX:
            details.append(f"et {len(autres) - _AUTRES_MAX} autres")
        raison += " ; autres erreurs : " + " ; ".join(details)
    return EnregistrementRefuse(numero, champ, raison)


def _chaine_fautive(valeur: object, chemin: list[str | int]) -> tuple[str, str] | None:
    """Premier texte contenant U+0000 ou une demi-paire UTF-16 isolée (inscriptible nulle part)."""
    if isinstance(valeur, str):
        if "\x00" in valeur:
            return _champ(chemin), "caractère nul (U+0000) interdit"
        try:
            valeur.encode("utf-8")
        except UnicodeEncodeError:
            return _champ(chemin), "demi-paire UTF-16 isolée (\\uD800 à \\uDFFF) interdite"
        return None
    if isinstance(valeur, dict):
        enfants: Iterable[tuple[str | int, object]] = valeur.items()
    elif isinstance(valeur, list):
        enfants = enumerate(valeur)
    else:
        return None
    for cle, enfant in enfants:
        trouve = _chaine_fautive(enfant, [*chemin, cle])
        if trouve:
            return trouve
    return None


def _lire_enregistrement(valeur: Any, numero: int) -> Lecture:
    """Un enregistrement décodé → facture lue, ou refus (champ, raison)."""
    erreurs = list(_validateur_facture().iter_errors(valeur))
    if erreurs:
        return _refus(numero, erreurs)
    fautive = _chaine_fautive(valeur, [])
    if fautive:
        return EnregistrementRefuse(numero, *fautive)
    return FactureLue(numero, facture_depuis_dict(cast(Mapping[str, Any], valeur)))


# --- JSON decoding. ---


class _JsonRefuse(ValueError):
    """Refus de décodage, avec une raison en français et la ligne si elle est connue."""

    def __init__(self, raison: str, ligne: int | None = None) -> None:
        super().__init__(raison)
        self.raison = raison
        self.ligne = ligne


def _constante_refusee(nom: str) -> object:
    raise _JsonRefuse(f"JSON refusé : {nom} n'est pas un nombre JSON")


def _objet_sans_doublon(paires: list[tuple[str, Any]]) -> dict[str, Any]:
    objet: dict[str, Any] = {}
    for cle, valeur in paires:
        if cle in objet:
            raise _JsonRefuse(f"JSON refusé : clé {_montrer(cle)} en double dans un même objet")
        objet[cle] = valeur
    return objet


_MESSAGES_JSON: Mapping[str, str] = {
    "Expecting value": "valeur attendue",
    "Expecting property name enclosed in double quotes": "nom de champ entre guillemets attendu",
    "Expecting ',' delimiter": "virgule attendue",
    "Expecting ':' delimiter": "deux-points attendu",
    "Unterminated string starting at": "chaîne non terminée",
    "Invalid control character": "caractère de contrôle dans une chaîne",
    "Invalid \\uXXXX escape": "séquence \\uXXXX invalide",
    "Invalid \\escape": "séquence d'échappement invalide",
    "Extra data": "données en trop après la fin de la valeur JSON",
    "Illegal trailing comma": "virgule en trop",
}
"""French for the messages of Python's JSON decoder (matched on their beginning)."""


def _decoder(texte: str) -> object:
    """Texte JSON → valeur (nombres à virgule en Decimal) ; _JsonRefuse sinon."""
    try:
        return json.loads(
            texte,
            parse_float=Decimal,
            parse_constant=_constante_refusee,
            object_pairs_hook=_objet_sans_doublon,
        )
    except json.JSONDecodeError as e:
        motif = next((fr for en, fr in _MESSAGES_JSON.items() if e.msg.startswith(en)), None)
        raise _JsonRefuse(
            f"JSON invalide : {motif or 'syntaxe incorrecte'} (colonne {e.colno})", e.lineno
        ) from None
    except _JsonRefuse:
        raise
    except ValueError:  # int() refuses more than sys.get_int_max_str_digits() digits
        raise _JsonRefuse("JSON refusé : nombre trop long") from None
    except RecursionError:
        raise _JsonRefuse("JSON refusé : imbrication trop profonde") from None


# --- Reading. ---

_BLANCS = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
TAILLE_MAX_LIGNE = 1 << 20
"""Longest JSON Lines line, in bytes (newline excluded); a longer line is refused."""


def _verifier_entete(
    entete: Mapping[str, Any], cles: tuple[str, ...], nom_fichier: str, ligne: int | None
) -> None:
    """Format, version (une version inconnue est refusée), puis clés présentes et permises."""
    if "format" not in entete:
        raise FichierEchangeInvalide(
            nom_fichier, f"champ « format » manquant : « {FORMAT} » attendu", ligne
        )
    if entete["format"] != FORMAT:
        raise FichierEchangeInvalide(
            nom_fichier,
            f"format {_montrer(entete['format'])} inconnu : « {FORMAT} » attendu",
            ligne,
        )
    if "version" not in entete:
        raise FichierEchangeInvalide(nom_fichier, "champ « version » manquant", ligne)
    version = entete["version"]
    if not _est_entier(None, version):
        raise FichierEchangeInvalide(
            nom_fichier, f"version {_montrer(version)} invalide : un entier est attendu", ligne
        )
    if version != VERSION:
        raise FichierEchangeInvalide(
            nom_fichier,
            f"version {_montrer(version)} du format {FORMAT} non prise en charge : cette version "
            f"de Rejets lit seulement la version {VERSION} (mettez Rejets à jour, ou exportez en "
            f"version {VERSION} depuis le logiciel de facturation)",
            ligne,
        )
    manquants = [c for c in cles if c not in entete]
    if manquants:
        raise FichierEchangeInvalide(nom_fichier, f"champ « {manquants[0]} » manquant", ligne)
    inconnus = [c for c in entete if c not in cles]
    if inconnus:
        permis = ", ".join(f"« {c} »" for c in cles)
        raise FichierEchangeInvalide(
            nom_fichier,
            f"champ {_montrer(inconnus[0])} inconnu (champs permis : {permis})",
            ligne,
        )


def lire_factures(flux: BinaryIO, nom_fichier: str) -> Iterator[Lecture]:
    """Lit un fichier d'échange, document ou JSON Lines : une issue par enregistrement.

    Forme : si la première ligne non vide, lue seule, est un objet JSON complet sans clé
    `factures`, c'est l'en-tête d'un fichier JSON Lines ; sinon le fichier est un document.
    Enregistrements numérotés à partir de 1 : rang dans `factures` pour le document, numéro de
    ligne du fichier pour JSON Lines. Les défauts du fichier entier lèvent
    FichierEchangeInvalide avant toute issue.
    """
    lu = bytearray()
    numero, debut_de_ligne = 0, True
    while True:
        ligne = flux.readline(TAILLE_MAX_LIGNE + 1)
        if not ligne:
            raise FichierEchangeInvalide(nom_fichier, "fichier vide : aucune donnée JSON")
        if not lu and ligne.startswith(_BOM):
            ligne = ligne[len(_BOM) :]
        numero += debut_de_ligne
        debut_de_ligne = ligne.endswith(b"\n")
        lu += ligne
        if ligne.strip(_BLANCS):
            break
    if debut_de_ligne or len(ligne) <= TAILLE_MAX_LIGNE:  # the whole line was read
        try:
            texte = ligne.decode("utf-8")
        except UnicodeDecodeError:
            raise FichierEchangeInvalide(
                nom_fichier, "le fichier n'est pas un texte JSON codé en UTF-8", numero
            ) from None
        entete = _objet_seul(texte)
        if entete is not None and "factures" not in entete:
            _verifier_entete(entete, ("format", "version"), nom_fichier, numero)
            yield from _lire_lignes(flux, numero)
            return
    yield from _lire_document(bytes(lu) + flux.read(), nom_fichier)


def _objet_seul(texte: str) -> dict[str, Any] | None:
    """Le texte, lu seul, est un objet JSON complet → cet objet ; sinon None."""
    try:
        valeur = _decoder(texte)
    except _JsonRefuse:
        return None
    return valeur if isinstance(valeur, dict) else None


def _ligne(flux: BinaryIO) -> tuple[bytes, bool]:
    """Ligne suivante (b"" en fin de fichier) et vrai si elle dépasse TAILLE_MAX_LIGNE."""
    ligne = flux.readline(TAILLE_MAX_LIGNE + 1)
    if len(ligne) <= TAILLE_MAX_LIGNE or ligne.endswith(b"\n"):
        return ligne, False
    reste = ligne
    while reste and not reste.endswith(b"\n"):  # skip the rest of the line, in bounded reads
        reste = flux.readline(TAILLE_MAX_LIGNE + 1)
    return ligne, True


def _lire_lignes(flux: BinaryIO, numero: int) -> Iterator[Lecture]:
    """JSON Lines après l'en-tête : une ligne à la fois ; une ligne fautive est refusée seule."""
    while True:
        ligne, trop_longue = _ligne(flux)
        if not ligne:
            return
        numero += 1
        if trop_longue:
            yield EnregistrementRefuse(
                numero,
                CHAMP_ENREGISTREMENT,
                f"ligne trop longue : plus de {TAILLE_MAX_LIGNE} octets",
            )
            continue
        if not ligne.strip(_BLANCS):
            continue
        try:
            texte = ligne.decode("utf-8")
        except UnicodeDecodeError as e:
            yield EnregistrementRefuse(
                numero,
                CHAMP_ENREGISTREMENT,
                f"ligne illisible : pas de l'UTF-8 (octet {e.start + 1} de la ligne)",
            )
            continue
        try:
            valeur = _decoder(texte)
        except _JsonRefuse as e:
            yield EnregistrementRefuse(numero, CHAMP_ENREGISTREMENT, e.raison)
            continue
        yield _lire_enregistrement(valeur, numero)


def _lire_document(donnees: bytes, nom_fichier: str) -> Iterator[Lecture]:
    """Document lu en entier : enveloppe vérifiée, puis une issue par élément de `factures`."""
    try:
        texte = donnees.decode("utf-8")
    except UnicodeDecodeError as e:
        ligne = donnees.count(b"\n", 0, e.start) + 1
        raise FichierEchangeInvalide(
            nom_fichier, "le fichier n'est pas un texte JSON codé en UTF-8", ligne
        ) from None
    try:
        valeur = _decoder(texte)
    except _JsonRefuse as e:
        raise FichierEchangeInvalide(nom_fichier, e.raison, e.ligne) from None
    if not isinstance(valeur, dict):
        raise FichierEchangeInvalide(
            nom_fichier,
            f'objet JSON {{"format": "{FORMAT}", …}} attendu, reçu {_type_recu(valeur)}',
        )
    _verifier_entete(valeur, ("format", "version", "factures"), nom_fichier, None)
    factures = valeur["factures"]
    if not isinstance(factures, list):
        raise FichierEchangeInvalide(
            nom_fichier, f"« factures » doit être un tableau, reçu {_type_recu(factures)}"
        )
    for numero, element in enumerate(factures, start=1):
        yield _lire_enregistrement(element, numero)


# --- Writing. ---


def _en_json(valeur: object, retrait: int | None = None, niveau: int = 0) -> str:
    """Sérialisation déterministe ; Decimal écrit comme nombre JSON sans perte (1.50 reste 1.50)."""
    if isinstance(valeur, Decimal):
        if not valeur.is_finite():
            raise ValueError(f"nombre {valeur} non représentable en JSON")
        return str(valeur)
    if valeur is None or isinstance(valeur, bool | int | float | str):
        return json.dumps(valeur, ensure_ascii=False, allow_nan=False)
    if isinstance(valeur, Mapping):
        elements = [
            f"{json.dumps(str(k), ensure_ascii=False)}: {_en_json(v, retrait, niveau + 1)}"
            for k, v in valeur.items()
        ]
        ouvrant, fermant = "{", "}"
    elif isinstance(valeur, list | tuple):
        elements = [_en_json(v, retrait, niveau + 1) for v in valeur]
        ouvrant, fermant = "[", "]"
    else:
        raise TypeError(f"valeur non sérialisable en JSON : {valeur!r}")
    if not elements:
        return ouvrant + fermant
    if retrait is None:
        return ouvrant + ", ".join(elements) + fermant
    dedans = "\n" + " " * (retrait * (niveau + 1))
    return (
        ouvrant + dedans + ("," + dedans).join(elements) + "\n" + " " * (retrait * niveau) + fermant
    )


def _objet_verifie(f: FactureEchange, rang: int) -> dict[str, Any]:
    """Objet de la facture, refusé (ValueError) s'il n'est pas conforme au schéma."""
    d = facture_vers_dict(f)
    erreurs = list(_validateur_facture().iter_errors(d))
    if erreurs:
        refus = _refus(rang, erreurs)
        raise ValueError(
            f"facture n° {rang} ({f.numero!r}) non conforme au format : {refus.champ} : "
            f"{refus.raison}"
        )
    return d


def ecrire_factures_json(factures: Iterable[FactureEchange], flux: TextIO) -> int:
    """Écrit la forme document (clés dans l'ordre du schéma) ; rend le nombre de factures.

    Chaque facture est vérifiée contre le schéma avant d'être écrite (ValueError sinon).
    Ouvrir `flux` en UTF-8.
    """
    flux.write(f'{{\n  "format": {json.dumps(FORMAT)},\n  "version": {VERSION},\n  "factures": [')
    nombre = 0
    for nombre, f in enumerate(factures, start=1):
        flux.write(
            ("\n    " if nombre == 1 else ",\n    ") + _en_json(_objet_verifie(f, nombre), 2, 2)
        )
    flux.write(("\n  ]" if nombre else "]") + "\n}\n")
    return nombre


def ecrire_factures_jsonl(factures: Iterable[FactureEchange], flux: TextIO) -> int:
    """Écrit la forme JSON Lines (en-tête puis une facture par ligne) ; rend le nombre.

    Chaque facture est vérifiée contre le schéma avant d'être écrite (ValueError sinon).
    Ouvrir `flux` en UTF-8.
    """
    flux.write(_en_json({"format": FORMAT, "version": VERSION}) + "\n")
    nombre = 0
    for nombre, f in enumerate(factures, start=1):
        flux.write(_en_json(_objet_verifie(f, nombre)) + "\n")
    return nombre
