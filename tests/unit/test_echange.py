"""Invoice exchange format v1: reading, writing, refusals and whole-file faults."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import json
import re
import typing
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from rejets.formats import echange
from rejets.formats.echange import (
    CHAMP_ENREGISTREMENT,
    ActeEchange,
    AmcEchange,
    DroitsEchange,
    EnregistrementRefuse,
    FactureEchange,
    FactureLue,
    FichierEchangeInvalide,
    PaiementEchange,
    PartieEchange,
    PatientEchange,
    PrescripteurEchange,
    PrescriptionEchange,
    ProfessionnelEchange,
    RejetEchange,
    RepartitionEchange,
    ecrire_factures_json,
    ecrire_factures_jsonl,
    facture_depuis_dict,
    facture_vers_dict,
    lire_factures,
)

RACINE = Path(__file__).resolve().parents[2]
SCHEMA_PAQUET = RACINE / "src/rejets/formats/schemas/factures-v1.schema.json"
SCHEMA_DOCS = RACINE / "docs/formats/factures-v1.schema.json"
DOC = RACINE / "docs/formats/echange-factures.md"

# --- A known invoice, as a JSON object and as dataclasses. ---

FACTURE_JSON: dict[str, Any] = {
    "numero": "000000123",
    "professionnel": {
        "numero_am": "751234567",
        "rpps": "10101234567",
        "nom": "MARTIN",
        "prenom": "Claire",
    },
    "patient": {
        "nir": "185072A12345678",
        "rang": 1,
        "nom": "DUPONT",
        "prenom": "Jean",
        "date_naissance": "1985-07-14",
        "droits": {
            "regime": "01",
            "caisse": "751",
            "centre": "0000",
            "nature_assurance": "10",
            "exoneration": "4",
            "taux_remboursement": 100,
            "debut": "2024-01-01",
            "fin": None,
        },
        "amc": {
            "numero": "0123456789",
            "libelle": "Mutuelle Exemple",
            "contrat": None,
            "debut": None,
            "fin": "2024-12-31",
        },
    },
    "tiers_payant": "amo_amc",
    "prescription": {
        "prescripteur": {"nom": "Dr DURAND", "rpps": None},
        "date": "2024-02-20",
        "a_domicile": True,
        "scan": "ordo-2024-02-20.pdf",
    },
    "actes": [
        {
            "date": "2024-02-29",
            "heure": "07:45",
            "heure_appel": None,
            "lettre_cle": "AMI",
            "coefficient": Decimal("1.5"),
            "nature": "pansement_lourd",
            "lieu": "domicile",
            "distance_km": Decimal("4.2"),
            "zone": "plaine",
            "meme_commune": False,
            "montant": 473,
        },
        {
            "date": "2024-02-29",
            "heure": None,
            "heure_appel": "06:50",
            "lettre_cle": "IK",
            "coefficient": 3,
            "nature": None,
            "lieu": "domicile",
            "distance_km": None,
            "zone": None,
            "meme_commune": None,
            "montant": None,
        },
    ],
    "repartition": {"total": 578, "amo": 347, "amc": 231, "patient": 0},
    "fse": {
        "etat": "rejetee",
        "lot": "042",
        "date_transmission": "2024-03-01",
        "rejet": {
            "code": "A123",
            "libelle": "DROITS NON OUVERTS  ",
            "date": "2024-03-05",
            "source": "electronique",
        },
    },
    "dre": {"etat": "payee", "lot": "043", "date_transmission": "2024-03-01", "rejet": None},
    "paiements": [
        {
            "payeur": "amc",
            "montant": 231,
            "date": "2024-03-10",
            "moyen": "virement",
            "reference": "VIR123",
        }
    ],
}

FACTURE = FactureEchange(
    numero="000000123",
    professionnel=ProfessionnelEchange("751234567", "10101234567", "MARTIN", "Claire"),
    patient=PatientEchange(
        nir="185072A12345678",
        rang=1,
        nom="DUPONT",
        prenom="Jean",
        date_naissance=dt.date(1985, 7, 14),
        droits=DroitsEchange("01", "751", "0000", "10", "4", 100, dt.date(2024, 1, 1), None),
        amc=AmcEchange("0123456789", "Mutuelle Exemple", None, None, dt.date(2024, 12, 31)),
    ),
    tiers_payant="amo_amc",
    prescription=PrescriptionEchange(
        PrescripteurEchange("Dr DURAND", None), dt.date(2024, 2, 20), True, "ordo-2024-02-20.pdf"
    ),
    actes=(
        ActeEchange(
            dt.date(2024, 2, 29),
            dt.time(7, 45),
            None,
            "AMI",
            Decimal("1.5"),
            "pansement_lourd",
            "domicile",
            Decimal("4.2"),
            "plaine",
            False,
            473,
        ),
        ActeEchange(
            dt.date(2024, 2, 29),
            None,
            dt.time(6, 50),
            "IK",
            Decimal(3),
            None,
            "domicile",
            None,
            None,
            None,
            None,
        ),
    ),
    repartition=RepartitionEchange(578, 347, 231, 0),
    fse=PartieEchange(
        "rejetee",
        "042",
        dt.date(2024, 3, 1),
        RejetEchange("A123", "DROITS NON OUVERTS  ", dt.date(2024, 3, 5), "electronique"),
    ),
    dre=PartieEchange("payee", "043", dt.date(2024, 3, 1), None),
    paiements=(PaiementEchange("amc", 231, dt.date(2024, 3, 10), "virement", "VIR123"),),
)


def _dumps(valeur: object) -> str:
    """JSON with Decimals written as numbers (the test's own encoder, independent of echange)."""

    def defaut(o: object) -> object:
        raise TypeError(o)

    texte = json.dumps(
        valeur,
        ensure_ascii=False,
        default=lambda o: f"@@{o}@@" if isinstance(o, Decimal) else defaut(o),
    )
    return re.sub(r'"@@([^@]*)@@"', r"\1", texte)


def _document(*factures: object) -> bytes:
    return _dumps({"format": "rejets-factures", "version": 1, "factures": list(factures)}).encode()


def _jsonl(*lignes: object) -> bytes:
    entete = '{"format": "rejets-factures", "version": 1}\n'
    return (entete + "".join(_dumps(ligne) + "\n" for ligne in lignes)).encode()


def _lire(donnees: bytes, nom: str = "essai.json") -> list[echange.Lecture]:
    return list(lire_factures(io.BytesIO(donnees), nom))


def _ecrire(ecrire: Callable[..., int], factures: list[FactureEchange]) -> tuple[int, bytes]:
    flux = io.StringIO()
    nombre = ecrire(factures, flux)
    return nombre, flux.getvalue().encode("utf-8")


# --- Reading valid files. ---


def test_document_lu_egal_aux_dataclasses() -> None:
    assert _lire(_document(FACTURE_JSON, FACTURE_JSON)) == [
        FactureLue(1, FACTURE),
        FactureLue(2, FACTURE),
    ]


def test_jsonl_lu_egal_aux_dataclasses_numerote_par_ligne() -> None:
    donnees = _jsonl(FACTURE_JSON) + b"\n" + _dumps(FACTURE_JSON).encode() + b"\n"
    assert _lire(donnees, "essai.jsonl") == [FactureLue(2, FACTURE), FactureLue(4, FACTURE)]


def test_jsonl_crlf_bom_et_derniere_ligne_sans_saut() -> None:
    donnees = b"\xef\xbb\xbf" + _jsonl(FACTURE_JSON).replace(b"\n", b"\r\n").rstrip(b"\r\n")
    assert _lire(donnees) == [FactureLue(2, FACTURE)]


def test_document_sur_une_ligne_et_document_vide() -> None:
    assert _lire(_document(FACTURE_JSON)) == [FactureLue(1, FACTURE)]
    assert _lire(b'\n\n{"format": "rejets-factures",\n "version": 1, "factures": []}') == []


def test_entete_jsonl_seul_donne_zero_facture() -> None:
    assert _lire(b'{"format": "rejets-factures", "version": 1}\n\n') == []


def test_nombres_entiers_ecrits_avec_decimales_acceptes() -> None:
    facture = copy.deepcopy(FACTURE_JSON)
    facture["patient"]["rang"] = Decimal("1.0")
    facture["actes"][0]["montant"] = Decimal("4.73E+2")
    (lue,) = _lire(_document(facture))
    assert isinstance(lue, FactureLue)
    assert lue.facture == FACTURE
    assert type(lue.facture.patient.rang) is int
    assert type(lue.facture.actes[0].montant) is int


def test_coefficient_garde_ses_chiffres() -> None:
    facture = copy.deepcopy(FACTURE_JSON)
    facture["actes"][0]["coefficient"] = Decimal("1.50")
    (lue,) = _lire(_document(facture))
    assert isinstance(lue, FactureLue)
    assert str(lue.facture.actes[0].coefficient) == "1.50"
    assert str(lue.facture.actes[1].coefficient) == "3"
    _, sortie = _ecrire(ecrire_factures_jsonl, [lue.facture])
    ligne = sortie.decode().splitlines()[1]
    assert '"coefficient": 1.50,' in ligne
    assert '"coefficient": 3,' in ligne


def test_facture_depuis_dict_accepte_les_float_de_json_loads() -> None:
    d = json.loads(_dumps(FACTURE_JSON))
    assert isinstance(d["actes"][0]["coefficient"], float)
    assert facture_depuis_dict(d) == FACTURE


def test_jsonl_est_lu_en_flux() -> None:
    donnees = _jsonl(*[FACTURE_JSON] * 200)
    flux = io.BytesIO(donnees)
    lectures = lire_factures(flux, "gros.jsonl")
    assert next(lectures) == FactureLue(2, FACTURE)
    assert flux.tell() < len(donnees) // 50


# --- Writing. ---


def test_ecriture_document_relue() -> None:
    nombre, sortie = _ecrire(ecrire_factures_json, [FACTURE, FACTURE])
    assert nombre == 2
    document = json.loads(sortie, parse_float=Decimal)
    assert list(document) == ["format", "version", "factures"]
    assert document["factures"] == [FACTURE_JSON, FACTURE_JSON]
    assert _lire(sortie) == [FactureLue(1, FACTURE), FactureLue(2, FACTURE)]


def test_ecriture_jsonl_relue() -> None:
    nombre, sortie = _ecrire(ecrire_factures_jsonl, [FACTURE])
    assert nombre == 1
    lignes = sortie.decode().splitlines()
    assert lignes[0] == '{"format": "rejets-factures", "version": 1}'
    assert len(lignes) == 2
    assert _lire(sortie, "x.jsonl") == [FactureLue(2, FACTURE)]


def test_ecriture_vide() -> None:
    assert _ecrire(ecrire_factures_json, [])[1] == (
        b'{\n  "format": "rejets-factures",\n  "version": 1,\n  "factures": []\n}\n'
    )
    assert _ecrire(ecrire_factures_jsonl, []) == (
        0,
        b'{"format": "rejets-factures", "version": 1}\n',
    )


def test_ecriture_deterministe_et_utf8() -> None:
    accentuee = dataclasses.replace(
        FACTURE, patient=dataclasses.replace(FACTURE.patient, prenom="Hélène")
    )
    premier = _ecrire(ecrire_factures_json, [accentuee])[1]
    assert premier == _ecrire(ecrire_factures_json, [accentuee])[1]
    assert "Hélène".encode() in premier


def test_ecriture_refuse_une_facture_non_conforme() -> None:
    mauvaise = dataclasses.replace(FACTURE, numero="12")
    with pytest.raises(ValueError, match=r"numero.*9 chiffres"):
        _ecrire(ecrire_factures_jsonl, [FACTURE, mauvaise])
    with pytest.raises(ValueError, match="HH:MM"):
        facture_vers_dict(
            dataclasses.replace(
                FACTURE, actes=(dataclasses.replace(FACTURE.actes[0], heure=dt.time(7, 45, 30)),)
            )
        )


def test_cles_dans_l_ordre_du_schema() -> None:
    schema = json.loads(SCHEMA_PAQUET.read_text(encoding="utf-8"))
    defs = schema["$defs"]

    def verifier(valeur: object, definition: dict[str, Any]) -> None:
        if "$ref" in definition:
            definition = defs[definition["$ref"].removeprefix("#/$defs/")]
        if "anyOf" in definition and valeur is not None:
            definition = definition["anyOf"][0]
            definition = defs[definition["$ref"].removeprefix("#/$defs/")]
        if isinstance(valeur, dict):
            assert list(valeur) == list(definition["properties"])
            for cle, sous in valeur.items():
                verifier(sous, definition["properties"][cle])
        elif isinstance(valeur, list):
            for element in valeur:
                verifier(element, definition["items"])

    verifier(facture_vers_dict(FACTURE), defs["facture"])


# --- Schema. ---


def test_copies_du_schema_identiques() -> None:
    assert SCHEMA_PAQUET.read_bytes() == SCHEMA_DOCS.read_bytes()


def _objets(noeud: object) -> Iterator[dict[str, Any]]:
    if isinstance(noeud, dict):
        if "properties" in noeud:
            yield noeud
        for valeur in noeud.values():
            yield from _objets(valeur)
    elif isinstance(noeud, list):
        for valeur in noeud:
            yield from _objets(valeur)


def test_schema_valide_et_strict() -> None:
    schema = json.loads(SCHEMA_PAQUET.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "https://rejets.invalid/schemas/factures-v1.schema.json"
    objets = list(_objets(schema))
    assert len(objets) == 14  # root, entete and the 12 object definitions
    for objet in objets:
        assert objet["additionalProperties"] is False
        assert objet["required"] == list(objet["properties"])  # every field present


def test_chaque_motif_du_schema_a_sa_description_francaise() -> None:
    motifs = set(re.findall(r'"pattern": "((?:[^"\\]|\\.)*)"', SCHEMA_PAQUET.read_text()))
    motifs = {json.loads(f'"{m}"') for m in motifs}
    assert motifs
    assert motifs <= set(echange.DESCRIPTIONS_MOTIFS)


def test_enumerations_python_conformes_au_schema() -> None:
    defs = json.loads(SCHEMA_PAQUET.read_text(encoding="utf-8"))["$defs"]
    paires = [
        (echange.EtatPartie, defs["etat"]["enum"]),
        (echange.TiersPayant, defs["facture"]["properties"]["tiers_payant"]["enum"]),
        (echange.NatureAssurance, defs["droits"]["properties"]["nature_assurance"]["enum"]),
        (echange.Lieu, defs["acte"]["properties"]["lieu"]["enum"]),
        (echange.Zone, [z for z in defs["acte"]["properties"]["zone"]["enum"] if z]),
        (echange.SourceRejet, defs["rejet"]["properties"]["source"]["enum"]),
        (echange.Payeur, defs["paiement"]["properties"]["payeur"]["enum"]),
        (echange.MoyenPaiement, defs["paiement"]["properties"]["moyen"]["enum"]),
    ]
    for litteral, enum in paires:
        assert list(typing.get_args(litteral)) == enum


def test_etats_du_format_sont_ceux_du_cycle_de_vie() -> None:
    from rejets.domain.lifecycle import Etat

    assert list(typing.get_args(echange.EtatPartie)) == [e.value for e in Etat]


def test_fichiers_ecrits_conformes_au_schema_complet() -> None:
    schema = json.loads(SCHEMA_PAQUET.read_text(encoding="utf-8"))
    validateur = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    document = json.loads(_ecrire(ecrire_factures_json, [FACTURE])[1])
    assert list(validateur.iter_errors(document)) == []
    entete = json.loads(_ecrire(ecrire_factures_jsonl, [FACTURE])[1].splitlines()[0])
    entete_validateur = Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/entete"})
    assert list(entete_validateur.iter_errors(entete)) == []
    assert not entete_validateur.is_valid({**entete, "factures": []})


def test_exemples_de_la_documentation_lisibles() -> None:
    texte = DOC.read_text(encoding="utf-8")
    blocs = re.findall(r"```(json|jsonl)\n(.*?)```", texte, flags=re.S)
    documents = [b for langage, b in blocs if langage == "json" and '"factures"' in b]
    lignes = [b for langage, b in blocs if langage == "jsonl"]
    assert documents and lignes
    for bloc in documents + lignes:
        lectures = _lire(bloc.encode())
        assert lectures
        assert all(isinstance(lu, FactureLue) for lu in lectures), lectures


# --- Refused records: record number, field and French reason. ---


def _modifier(chemin: str, valeur: object) -> Callable[[dict[str, Any]], None]:
    """Set (or delete, for SUPPRIMER) the value at a dotted path such as 'actes.0.date'."""

    def appliquer(facture: dict[str, Any]) -> None:
        *parents, dernier = [int(p) if p.isdigit() else p for p in chemin.split(".")]
        noeud: Any = facture
        for p in parents:
            noeud = noeud[p]
        if valeur is SUPPRIMER:
            del noeud[dernier]
        else:
            noeud[dernier] = valeur

    return appliquer


SUPPRIMER = object()

CAS_REFUSES = [
    ("actes.0.date", "2024-02-30", "actes[0].date", "date invalide"),
    ("actes.1.date", "29/02/2024", "actes[1].date", "AAAA-MM-JJ"),
    ("patient.nir", "185072C12345678", "patient.nir", 'NIR de 15 caractères.*reçu "185072C'),
    ("patient.nir", "585072A12345678", "patient.nir", "valeur attendue : NIR"),
    (
        "patient.droits.regime",
        "1",
        "patient.droits.regime",
        'valeur attendue : 2 chiffres, reçu "1"',
    ),
    ("patient.droits.regime", "01\n", "patient.droits.regime", "2 chiffres"),
    ("patient.droits.regime", SUPPRIMER, "patient.droits.regime", "champ obligatoire manquant"),
    ("patient.amc.contrat", SUPPRIMER, "patient.amc.contrat", "champ obligatoire manquant"),
    ("patient.couleur", "bleu", "patient.couleur", "champ inconnu"),
    ("patient.rang", "1", "patient.rang", "type attendu : entier, reçu chaîne"),
    ("patient.rang", 10, "patient.rang", "au plus 9, reçu 10"),
    ("patient.rang", True, "patient.rang", "type attendu : entier, reçu booléen"),
    ("actes", [], "actes", "au moins 1 élément attendu"),
    ("fse.etat", "perdue", "fse.etat", 'une parmi "brouillon".*reçu "perdue"'),
    ("dre.etat", "rejete", "dre.etat", 'reçu "rejete"'),
    ("dre", "non", "dre", "type attendu : objet ou null, reçu chaîne"),
    ("numero", "000000000", "numero", "pas tous nuls"),
    ("numero", 123456789, "numero", "type attendu : chaîne, reçu entier"),
    ("actes.0.heure", "24:00", "actes[0].heure", "HH:MM"),
    ("actes.0.coefficient", 0, "actes[0].coefficient", "strictement supérieure à 0"),
    ("actes.0.montant", Decimal("4.5"), "actes[0].montant", "entier ou null, reçu nombre"),
    ("paiements.0.montant", 0, "paiements[0].montant", "au moins 1, reçu 0"),
    ("patient.nom", "", "patient.nom", "au moins 1 caractère"),
    ("patient.nom", "x" * 101, "patient.nom", "au plus 100 caractères, reçu 101"),
    ("patient.nom", "A\x00B", "patient.nom", "U\\+0000"),
    ("patient", None, "patient", "type attendu : objet, reçu null"),
]


@pytest.mark.parametrize(("chemin", "valeur", "champ", "raison"), CAS_REFUSES)
def test_enregistrement_refuse_document(
    chemin: str, valeur: object, champ: str, raison: str
) -> None:
    mauvaise = copy.deepcopy(FACTURE_JSON)
    _modifier(chemin, valeur)(mauvaise)
    lectures = _lire(_document(FACTURE_JSON, mauvaise, FACTURE_JSON))
    assert lectures[0] == FactureLue(1, FACTURE)
    assert lectures[2] == FactureLue(3, FACTURE)
    refus = lectures[1]
    assert isinstance(refus, EnregistrementRefuse)
    assert (refus.enregistrement, refus.champ) == (2, champ)
    assert re.search(raison, refus.raison), refus.raison


@pytest.mark.parametrize(("chemin", "valeur", "champ", "raison"), CAS_REFUSES)
def test_enregistrement_refuse_jsonl(chemin: str, valeur: object, champ: str, raison: str) -> None:
    mauvaise = copy.deepcopy(FACTURE_JSON)
    _modifier(chemin, valeur)(mauvaise)
    lectures = _lire(_jsonl(FACTURE_JSON, mauvaise, FACTURE_JSON), "essai.jsonl")
    assert [lu.enregistrement for lu in lectures] == [2, 3, 4]
    refus = lectures[1]
    assert isinstance(refus, EnregistrementRefuse)
    assert (refus.enregistrement, refus.champ) == (3, champ)
    assert re.search(raison, refus.raison), refus.raison


def test_demi_paire_utf16_refusee() -> None:
    ligne = _dumps(FACTURE_JSON).replace('"DUPONT"', '"DUP\\ud800ONT"')
    (refus,) = _lire(_jsonl() + ligne.encode())
    assert isinstance(refus, EnregistrementRefuse)
    assert (refus.champ, refus.enregistrement) == ("patient.nom", 2)
    assert "demi-paire" in refus.raison


def test_plusieurs_erreurs_un_seul_refus() -> None:
    mauvaise = copy.deepcopy(FACTURE_JSON)
    mauvaise["patient"]["droits"]["regime"] = "1"
    mauvaise["actes"][1]["heure"] = "7h"
    del mauvaise["paiements"]
    (refus,) = _lire(_document(mauvaise))
    assert isinstance(refus, EnregistrementRefuse)
    assert refus.champ == "paiements"
    assert refus.raison.startswith("champ obligatoire manquant ; autres erreurs : ")
    assert "patient.droits.regime : valeur attendue : 2 chiffres" in refus.raison
    assert 'actes[1].heure : valeur attendue : une heure HH:MM (00:00 à 23:59), reçu "7h"' in (
        refus.raison
    )


@pytest.mark.parametrize(
    ("ligne", "raison"),
    [
        (b"{pas du json", "JSON invalide : nom de champ entre guillemets attendu"),
        (b'{"numero": 1,}', "JSON invalide"),
        (b"[1, 2]", "type attendu : objet, reçu tableau"),
        (b'"texte"', "type attendu : objet, reçu chaîne"),
        (b'{"a": NaN}', "NaN n'est pas un nombre JSON"),
        (b'{"a": 1, "a": 2}', 'clé "a" en double'),
        (b"\xff\xfe{}", "pas de l'UTF-8"),
        (b"[" * 100_000, "imbrication trop profonde"),
        (b"1" * 5000, "nombre trop long"),
    ],
)
def test_ligne_jsonl_malformee_refusee_seule(ligne: bytes, raison: str) -> None:
    donnees = _jsonl(FACTURE_JSON) + ligne + b"\n" + _dumps(FACTURE_JSON).encode()
    lectures = _lire(donnees, "essai.jsonl")
    assert lectures[0] == FactureLue(2, FACTURE)
    assert lectures[2] == FactureLue(4, FACTURE)
    refus = lectures[1]
    assert isinstance(refus, EnregistrementRefuse)
    assert (refus.enregistrement, refus.champ) == (3, CHAMP_ENREGISTREMENT)
    assert raison in refus.raison


def test_ligne_jsonl_trop_longue_refusee_seule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(echange, "TAILLE_MAX_LIGNE", 5000)
    longue = _dumps({**FACTURE_JSON, "numero": "9" * 6000}).encode()
    lectures = _lire(_jsonl(FACTURE_JSON) + longue + b"\n" + _dumps(FACTURE_JSON).encode())
    assert lectures[0] == FactureLue(2, FACTURE)
    assert lectures[1] == EnregistrementRefuse(
        3, CHAMP_ENREGISTREMENT, "ligne trop longue : plus de 5000 octets"
    )
    assert lectures[2] == FactureLue(4, FACTURE)


def test_document_sur_une_ligne_plus_longue_que_la_limite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(echange, "TAILLE_MAX_LIGNE", 100)
    assert _lire(_document(FACTURE_JSON)) == [FactureLue(1, FACTURE)]


# --- Whole-file faults. ---


@pytest.mark.parametrize(
    ("donnees", "ligne", "message"),
    [
        (b"", None, "fichier vide"),
        (b" \n\r\n\t", None, "fichier vide"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, "pas un texte JSON codé en UTF-8"),
        (b'{"format": "rejets-factures",\n "version": 1,\n "factures": ["\xe9"]}', 3, "UTF-8"),
        (b"<html></html>", 1, "JSON invalide : valeur attendue"),
        (b'{\n "format": "rejets-factures",\n "version": 1\n "factures": []}', 4, "virgule"),
        (b"[]", None, 'objet JSON {"format": "rejets-factures", …} attendu, reçu tableau'),
        (b'{"format": "autre", "version": 1, "factures": []}', None, 'format "autre" inconnu'),
        (b'{"version": 1}\n', 1, "champ « format » manquant"),
        (b'{"format": "rejets-factures"}\n', 1, "champ « version » manquant"),
        (b'{"format": "rejets-factures", "version": "1"}\n', 1, "un entier est attendu"),
        (
            b'\n{"format": "rejets-factures", "version": 2}\n{}',
            2,
            "version 2 du format rejets-factures non prise en charge : "
            "cette version de Rejets lit seulement la version 1",
        ),
        (
            b'{"format": "rejets-factures",\n"version": 2, "factures": []}',
            None,
            "version 2 du format rejets-factures non prise en charge",
        ),
        (b'{\n"format": "rejets-factures", "version": 1}', None, "champ « factures » manquant"),
        (
            b'{"format": "rejets-factures", "version": 1, "factures": {}}',
            None,
            "« factures » doit être un tableau, reçu objet",
        ),
        (
            b'{"format": "rejets-factures", "version": 1, "factures": [], "total": 0}',
            None,
            'champ "total" inconnu',
        ),
        (b'{"format": "rejets-factures", "version": 1, "lot": "1"}\n', 1, 'champ "lot" inconnu'),
        (b"[" * 100_000, None, "imbrication trop profonde"),
    ],
)
def test_fichier_invalide(donnees: bytes, ligne: int | None, message: str) -> None:
    with pytest.raises(FichierEchangeInvalide) as erreur:
        _lire(donnees, "export.json")
    assert erreur.value.ligne == ligne
    assert erreur.value.nom_fichier == "export.json"
    assert message in erreur.value.raison
    assert str(erreur.value).startswith("Fichier « export.json »")


def test_fichier_invalide_leve_avant_toute_issue() -> None:
    lectures = lire_factures(io.BytesIO(b'{"format": "rejets-factures", "version": 3}'), "a.jsonl")
    with pytest.raises(FichierEchangeInvalide, match="version 3"):
        next(lectures)


# --- Property-based: random valid invoices survive a round trip. ---

_LETTRES = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")


def _texte(maximum: int, minimum: int = 1) -> st.SearchStrategy[str]:
    return st.text(alphabet=_LETTRES, min_size=minimum, max_size=maximum)


def _chiffres(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


def _motif(regex: str) -> st.SearchStrategy[str]:
    return st.from_regex(regex, fullmatch=True)


_dates = st.dates()
_heures = st.times().map(lambda t: t.replace(second=0, microsecond=0))
_centimes = st.integers(0, 2**53 - 1)
_nombres = st.decimals(min_value=0, max_value=9999, allow_nan=False, allow_infinity=False)
_coefficients = st.one_of(
    st.sampled_from([Decimal("1"), Decimal("1.5"), Decimal("0.50"), Decimal("1E+1")]),
    st.decimals(min_value="0.001", max_value=9999, allow_nan=False, allow_infinity=False),
)

_parties = st.builds(
    PartieEchange,
    etat=st.sampled_from(typing.get_args(echange.EtatPartie)),
    lot=st.none() | _texte(30),
    date_transmission=st.none() | _dates,
    rejet=st.none()
    | st.builds(
        RejetEchange,
        code=_texte(20),
        libelle=_texte(60, minimum=0),
        date=_dates,
        source=st.sampled_from(["electronique", "papier"]),
    ),
)

factures = st.builds(
    FactureEchange,
    numero=_chiffres(9).filter(lambda n: n != "000000000"),
    professionnel=st.builds(
        ProfessionnelEchange,
        numero_am=_chiffres(9),
        rpps=st.none() | _chiffres(11),
        nom=_texte(100),
        prenom=_texte(100),
    ),
    patient=st.builds(
        PatientEchange,
        nir=_motif(r"[1-478][0-9]{4}(2[AB]|[0-9]{2})[0-9]{8}"),
        rang=st.integers(1, 9),
        nom=_texte(100),
        prenom=_texte(100),
        date_naissance=_dates,
        droits=st.builds(
            DroitsEchange,
            regime=_chiffres(2),
            caisse=_chiffres(3),
            centre=_chiffres(4),
            nature_assurance=st.sampled_from(typing.get_args(echange.NatureAssurance)),
            exoneration=_chiffres(1),
            taux_remboursement=st.integers(0, 100),
            debut=st.none() | _dates,
            fin=st.none() | _dates,
        ),
        amc=st.none()
        | st.builds(
            AmcEchange,
            numero=_motif(r"[0-9A-Z]{10}"),
            libelle=_texte(200),
            contrat=st.none() | _texte(50),
            debut=st.none() | _dates,
            fin=st.none() | _dates,
        ),
    ),
    tiers_payant=st.sampled_from(typing.get_args(echange.TiersPayant)),
    prescription=st.none()
    | st.builds(
        PrescriptionEchange,
        prescripteur=st.builds(
            PrescripteurEchange, nom=_texte(100), rpps=st.none() | _chiffres(11)
        ),
        date=_dates,
        a_domicile=st.booleans(),
        scan=st.none() | _texte(500),
    ),
    actes=st.lists(
        st.builds(
            ActeEchange,
            date=_dates,
            heure=st.none() | _heures,
            heure_appel=st.none() | _heures,
            lettre_cle=_motif(r"[A-Z]{2,4}"),
            coefficient=_coefficients,
            nature=st.none() | _texte(100),
            lieu=st.sampled_from(typing.get_args(echange.Lieu)),
            distance_km=st.none() | _nombres,
            zone=st.none() | st.sampled_from(typing.get_args(echange.Zone)),
            meme_commune=st.none() | st.booleans(),
            montant=st.none() | _centimes,
        ),
        min_size=1,
        max_size=3,
    ).map(tuple),
    repartition=st.none()
    | st.builds(RepartitionEchange, _centimes, _centimes, _centimes, _centimes),
    fse=_parties,
    dre=st.none() | _parties,
    paiements=st.lists(
        st.builds(
            PaiementEchange,
            payeur=st.sampled_from(typing.get_args(echange.Payeur)),
            montant=st.integers(1, 2**53 - 1),
            date=_dates,
            moyen=st.sampled_from(typing.get_args(echange.MoyenPaiement)),
            reference=st.none() | _texte(100),
        ),
        max_size=2,
    ).map(tuple),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(factures, max_size=3))
def test_aller_retour_des_deux_formes(liste: list[FactureEchange]) -> None:
    for ecrire in (ecrire_factures_json, ecrire_factures_jsonl):
        nombre, sortie = _ecrire(ecrire, liste)
        assert nombre == len(liste)
        lectures = _lire(sortie)
        assert all(isinstance(lu, FactureLue) for lu in lectures), lectures
        assert [lu.facture for lu in lectures if isinstance(lu, FactureLue)] == liste


@settings(max_examples=100, deadline=None)
@given(factures)
def test_aller_retour_dict(facture: FactureEchange) -> None:
    assert facture_depuis_dict(facture_vers_dict(facture)) == facture


# --- Fuzz: nothing but FichierEchangeInvalide ever escapes, one outcome per record. ---


def _verifier_issues(donnees: bytes) -> list[echange.Lecture]:
    try:
        lectures = _lire(donnees)
    except FichierEchangeInvalide as erreur:
        str(erreur).encode("utf-8")
        return []
    for lu in lectures:
        assert isinstance(lu, FactureLue | EnregistrementRefuse)
        if isinstance(lu, EnregistrementRefuse):
            assert lu.champ
            assert lu.raison
            (lu.champ + lu.raison).encode("utf-8")
    return lectures


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_octets(donnees: bytes) -> None:
    _verifier_issues(donnees)
    _verifier_issues(b'{"format": "rejets-factures", "version": 1}\n' + donnees)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_texte(texte: str) -> None:
    _verifier_issues(texte.encode("utf-8", "surrogatepass"))
    _verifier_issues(_jsonl() + texte.encode("utf-8", "surrogatepass"))


_json_quelconque = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda enfants: (
        st.lists(enfants, max_size=3) | st.dictionaries(st.text(max_size=8), enfants, max_size=3)
    ),
    max_leaves=8,
)


def _chemins(noeud: object, prefixe: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if prefixe:
        yield prefixe
    if isinstance(noeud, dict):
        for cle, valeur in noeud.items():
            yield from _chemins(valeur, (*prefixe, cle))
    elif isinstance(noeud, list):
        for i, valeur in enumerate(noeud):
            yield from _chemins(valeur, (*prefixe, i))


CHEMINS = list(_chemins(FACTURE_JSON))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CHEMINS), _json_quelconque)
@example(("actes", 0, "montant"), -0.5)
def test_fuzz_valeur_remplacee(chemin: tuple[str | int, ...], valeur: object) -> None:
    mauvaise = copy.deepcopy(FACTURE_JSON)
    noeud: Any = mauvaise
    for cle in chemin[:-1]:
        noeud = noeud[cle]
    noeud[chemin[-1]] = valeur
    attendu = "".join(f"[{c}]" if isinstance(c, int) else f".{c}" for c in chemin).lstrip(".")
    for donnees in (_document(FACTURE_JSON, mauvaise), _jsonl(FACTURE_JSON, mauvaise)):
        premiere, seconde = _verifier_issues(donnees)
        assert isinstance(premiere, FactureLue)
        if isinstance(seconde, EnregistrementRefuse):
            # Only the replaced value is wrong: the refusal names it or a field inside it.
            assert seconde.champ == attendu or seconde.champ.startswith(
                (f"{attendu}.", f"{attendu}[")
            ), (seconde, attendu)
