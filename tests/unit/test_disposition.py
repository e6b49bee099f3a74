"""Layouts as data: the shipped TOML files, loading, validation faults, documentation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from rejets.formats.disposition import (
    Champ,
    Disposition,
    DispositionInvalide,
    charger_disposition,
    charger_dispositions,
    dispositions_livrees,
    lire_disposition,
    verifier_ensemble,
)

RACINE = Path(__file__).resolve().parents[2]
DOSSIER = RACINE / "src/rejets/formats/dispositions"
DOCS = RACINE / "docs/formats"

MINIMALE = """
identifiant = "ESSAI-1"
libelle = "Essai"
version = 1
largeur = 30
encodage = "latin-1"
siecle_pivot = 70
position_type = { debut = 1, longueur = 2 }
signature = { type = "00", champ = "marque", valeur = "ESSAI" }

[[niveaux]]
nom = "fichier"
ouvert_par = "00"
ferme_par = "99"

[niveaux.totaux]
nombre = { compte = ["10"] }
total = { somme = "10.montant" }

[[enregistrements]]
code = "00"
nom = "en_tete"
niveau = "fichier"
champs = [{ nom = "marque", debut = 3, longueur = 8, type = "alphanumerique" }]

[[enregistrements]]
code = "10"
nom = "ligne"
niveau = "fichier"
champs = [
  { nom = "date", debut = 3, longueur = 6, type = "date6" },
  { nom = "montant", debut = 9, longueur = 8, type = "montant" },
]

[[enregistrements]]
code = "99"
nom = "fin"
champs = [
  { nom = "nombre", debut = 3, longueur = 4, type = "numerique" },
  { nom = "total", debut = 7, longueur = 10, type = "montant" },
]
"""


def test_dispositions_livrees() -> None:
    livrees = {d.identifiant: d for d in dispositions_livrees()}
    assert sorted(livrees) == ["REJETS-ARL-1", "REJETS-LOT-1", "REJETS-RETOURS-1"]
    retours, arl, lot = (livrees[x] for x in ("REJETS-RETOURS-1", "REJETS-ARL-1", "REJETS-LOT-1"))
    assert (retours.largeur, retours.encodage, retours.siecle_pivot) == (160, "latin-1", 70)
    assert (arl.largeur, lot.largeur, lot.type_longueur) == (128, 128, 1)
    assert [t.code for t in retours.enregistrements] == ["000", "100", "200", "990"]
    assert [(n.nom, n.parent) for n in retours.niveaux] == [
        ("fichier", None),
        ("bordereau", "fichier"),
    ]
    assert [(n.nom, n.ouvert_par, n.ferme_par) for n in lot.niveaux] == [
        ("fichier", "0", "9"),
        ("facture", "2", "5"),
    ]
    ligne = retours.enregistrement("200")
    assert [(c.nom, c.debut, c.longueur) for c in ligne.champs][-3:] == [
        ("issue", 84, 1),
        ("code", 85, 5),
        ("libelle", 90, 60),
    ]
    assert ligne.champ("nir").identite and not ligne.champ("numero_ps").identite
    assert dispositions_livrees() == dispositions_livrees()


def test_champs_contigus_des_dispositions_livrees() -> None:
    """The shipped layouts place their fields one after the other, from the type on."""
    for d in dispositions_livrees():
        for t in d.enregistrements:
            position = d.type_debut + d.type_longueur
            for c in t.champs:
                assert c.debut == position, (d.identifiant, t.code, c.nom)
                position = c.fin + 1
            assert position - 1 <= d.largeur


def test_disposition_minimale() -> None:
    d = lire_disposition(MINIMALE, "essai.toml")
    assert d.identifiant == "ESSAI-1" and d.source == "essai.toml"
    assert d.enregistrement("10").champ("montant") == Champ("montant", 9, 8, "montant")
    assert d.niveau("fichier").totaux[1].decrire() == "somme de 10.montant"
    assert d.nom_encodage == "ISO-8859-1"


def test_champ_nommé_nir_toujours_d_identite() -> None:
    assert Champ("nir", 1, 15, "alphanumerique").identite
    assert Champ("nom", 1, 15, "alphanumerique", identite=False).identite
    assert Champ("nom_usage", 1, 15, "alphanumerique", identite=True).identite
    assert not Champ("ville", 1, 15, "alphanumerique").identite


def _remplacer(avant: str, apres: str, texte: str = MINIMALE) -> str:
    assert texte.count(avant) == 1, avant
    return texte.replace(avant, apres)


@pytest.mark.parametrize(
    ("texte", "message"),
    [
        ("largeur = = 3", "TOML invalide : "),
        (_remplacer("largeur = 30", 'largeur = "30"'), "largeur : un entier est attendu"),
        (_remplacer("largeur = 30", "largeur = true"), "largeur : un entier est attendu"),
        (_remplacer("largeur = 30\n", ""), "largeur : clé obligatoire manquante"),
        (_remplacer("version = 1", "versoin = 1"), "clé inconnue « versoin »"),
        (_remplacer("largeur = 30", "largeur = 5000"), "largeur 5000 : de 1 à 4096"),
        (
            _remplacer('"latin-1"', '"utf-8"'),
            "encodage « utf-8 » refusé : il code certains caractères sur plusieurs octets",
        ),
        (_remplacer('"latin-1"', '"utf-16"'), "refusé : il code certains caractères"),
        (_remplacer('"latin-1"', '"klingon"'), "encodage « klingon » inconnu"),
        (_remplacer('"latin-1"', '"cp850"'), "encodage « cp850 » non pris en charge"),
        (
            _remplacer("debut = 9, longueur = 8", "debut = 8, longueur = 8"),
            "enregistrement 10, champ montant : positions 8 à 15 chevauchant le champ date "
            "(positions 3 à 8)",
        ),
        (
            _remplacer("debut = 9, longueur = 8", "debut = 25, longueur = 8"),
            "enregistrement 10, champ montant : positions 25 à 32, au-delà de la largeur 30",
        ),
        (
            _remplacer("debut = 3, longueur = 6", "debut = 2, longueur = 6"),
            "champ date : positions 2 à 7 chevauchant type d'enregistrement (positions 1 à 2)",
        ),
        (
            _remplacer('type = "date6"', 'type = "date"'),
            "enregistrement 10, champ date : type « date » inconnu",
        ),
        (
            _remplacer("longueur = 6, type", "longueur = 7, type"),
            "champ date : un champ date6 a une longueur de 6",
        ),
        (_remplacer("siecle_pivot = 70\n", ""), "un champ date6 exige siecle_pivot"),
        (_remplacer("siecle_pivot = 70", "siecle_pivot = 170"), "siecle_pivot 170"),
        (
            _remplacer('ferme_par = "99"', 'ferme_par = "98"'),
            "niveau fichier : ferme_par « 98 », enregistrement inconnu",
        ),
        (
            _remplacer('compte = ["10"]', 'compte = ["11"]'),
            "niveau fichier, total nombre : enregistrement 11 inconnu",
        ),
        (
            _remplacer('somme = "10.montant"', 'somme = "10.prix"'),
            "somme de 10.prix, champ inconnu ou ni numerique ni montant",
        ),
        (_remplacer('somme = "10.montant"', 'somme = "montant"'), "« CODE.champ » attendu"),
        (
            _remplacer('somme = "10.montant"', 'somme = "10.montant", compte = ["10"]'),
            "une seule règle attendue",
        ),
        (
            _remplacer("total = { somme", "prix = { somme"),
            "niveau fichier, total prix : pas de champ prix dans l'enregistrement 99",
        ),
        (
            _remplacer(
                'code = "10"\nnom = "ligne"\nniveau = "fichier"', 'code = "10"\nnom = "ligne"'
            ),
            "enregistrement 10 : niveau manquant",
        ),
        (
            _remplacer('nom = "ligne"\nniveau = "fichier"', 'nom = "ligne"\nniveau = "lot"'),
            "enregistrement 10 : niveau « lot » inconnu",
        ),
        (_remplacer('code = "10"', 'code = "100"'), "enregistrement 100 : code de 2 caractère(s)"),
        (_remplacer('code = "10"', 'code = "00"'), "enregistrement 00 : code déclaré deux fois"),
        (_remplacer('nom = "ligne"', 'nom = "en_tete"'), "nom « en_tete » déjà pris"),
        (_remplacer('nom = "ligne"', 'nom = "Ligne"'), "nom « Ligne » invalide"),
        (
            _remplacer('{ nom = "date",', '{ nom = "date", obligatoire = "oui",'),
            "champ date, obligatoire : true ou false est attendu",
        ),
        (
            _remplacer('{ nom = "date",', '{ nom = "nir", identite = false,'),
            "le champ nir est toujours un champ d'identité",
        ),
        (
            _remplacer('type = "date6" }', 'type = "date6", valeurs = ["240101"] }'),
            "« valeurs » s'applique aux champs alphanumériques",
        ),
        (
            _remplacer('type = "alphanumerique" }', 'type = "alphanumerique", valeurs = ["A "] }'),
            "valeur permise « A  » invalide (non vide, sans espace final",
        ),
        (
            _remplacer('valeur = "ESSAI"', 'valeur = "ESSAI-TROP-LONG"'),
            "signature : valeur « ESSAI-TROP-LONG » vide, avec espace final ou plus longue",
        ),
        (
            _remplacer('champ = "marque"', 'champ = "autre"'),
            "signature : 00.autre n'est pas un champ alphanumérique",
        ),
        (
            _remplacer('signature = { type = "00"', 'signature = { type = "10"'),
            "signature : type 10, or le premier enregistrement est celui qui ouvre le niveau "
            "fichier (00)",
        ),
        (
            _remplacer('ferme_par = "99"', 'ferme_par = "99"\nparent = "fichier"'),
            "un seul niveau sans parent (la racine) attendu, trouvé 0",
        ),
        (
            MINIMALE
            + '\n[[niveaux]]\nnom = "lot"\nouvert_par = "10"\nferme_par = "99"'
            + '\nparent = "fichier"\n',
            "enregistrement 10 : niveau « fichier », or il ouvre le niveau lot",
        ),
        (
            _remplacer('ouvert_par = "00"', 'ouvert_par = "99"'),
            "enregistrement 99 : il ne peut à la fois ouvrir et fermer un niveau",
        ),
        (_remplacer("[[niveaux]]", "[[niveau]]"), "clé inconnue « niveau » (clés permises : "),
        (
            _remplacer('type = "date6" }', 'type = "date6", traduction = { "1" = "P" } }'),
            "« traduction » s'applique aux champs alphanumériques",
        ),
        (
            _remplacer(
                'type = "alphanumerique" }',
                'type = "alphanumerique", traduction = { "1" = "P", "2" = "P" } }',
            ),
            "deux valeurs brutes ont la même traduction",
        ),
        (
            _remplacer(
                'type = "alphanumerique" }', 'type = "alphanumerique", traduction = ["1", "P"] }'
            ),
            'traduction : une table { "brut" = "valeur" } est attendue',
        ),
    ],
)
def test_disposition_refusee(texte: str, message: str) -> None:
    with pytest.raises(DispositionInvalide) as erreur:
        lire_disposition(texte, "essai.toml")
    assert message in erreur.value.raison, erreur.value.raison
    assert erreur.value.source == "essai.toml"
    assert str(erreur.value).startswith("Disposition « essai.toml » : ")


def test_boucle_de_niveaux_refusee() -> None:
    texte = MINIMALE + (
        '\n[[niveaux]]\nnom = "a"\nouvert_par = "10"\nferme_par = "99"\nparent = "b"\n'
        '\n[[niveaux]]\nnom = "b"\nouvert_par = "20"\nferme_par = "99"\nparent = "a"\n'
        '\n[[enregistrements]]\ncode = "20"\nnom = "deux"\n'
    )
    texte = _remplacer('nom = "ligne"\nniveau = "fichier"', 'nom = "ligne"', texte)
    with pytest.raises(DispositionInvalide, match="les parents forment une boucle"):
        lire_disposition(texte, "boucle.toml")


def test_charger_un_dossier_utilisateur(tmp_path: Path) -> None:
    (tmp_path / "b.toml").write_text(MINIMALE, encoding="utf-8")
    autre = MINIMALE.replace('"ESSAI-1"', '"ESSAI-2"').replace(
        'valeur = "ESSAI"', 'valeur = "AUTRE"'
    )
    (tmp_path / "a.toml").write_text(autre, encoding="utf-8")
    (tmp_path / "lisez-moi.txt").write_text("pas une disposition", encoding="utf-8")
    assert [d.identifiant for d in charger_dispositions(tmp_path)] == ["ESSAI-2", "ESSAI-1"]
    assert charger_disposition(tmp_path / "b.toml").source == str(tmp_path / "b.toml")
    (tmp_path / "c.toml").write_text(MINIMALE.replace('"ESSAI-1"', '"ESSAI-3"'), encoding="utf-8")
    with pytest.raises(DispositionInvalide, match="même signature que la disposition ESSAI-1"):
        charger_dispositions(tmp_path)
    (tmp_path / "c.toml").write_bytes(MINIMALE.replace("Essai", "Ess\xe9").encode("latin-1"))
    with pytest.raises(DispositionInvalide, match="le fichier TOML doit être en UTF-8"):
        charger_dispositions(tmp_path)


def test_identifiants_distincts() -> None:
    d = lire_disposition(MINIMALE, "a.toml")
    with pytest.raises(DispositionInvalide, match="même identifiant que la disposition ESSAI-1"):
        verifier_ensemble([d, lire_disposition(MINIMALE, "b.toml")])
    verifier_ensemble(dispositions_livrees())


def test_disposition_construite_en_python_validee() -> None:
    d = lire_disposition(MINIMALE, "a.toml")
    with pytest.raises(DispositionInvalide, match="largeur 0 : de 1 à 4096"):
        dataclasses.replace(d, largeur=0)


# --- The documentation describes the shipped layouts field by field. ---

DOCS_PAR_DISPOSITION = {
    "REJETS-RETOURS-1": "retours-rejets.md",
    "REJETS-ARL-1": "arl-rejets.md",
    "REJETS-LOT-1": "lot-rejets.md",
}


def _lignes_de_table(d: Disposition) -> list[str]:
    lignes = []
    for t in d.enregistrements:
        for c in t.champs:
            oui = "oui" if c.obligatoire else "non"
            lignes.append(
                f"| {t.code} | `{c.nom}` | {c.debut} | {c.fin} | {c.longueur} | {c.type} | {oui} |"
            )
    return lignes


@pytest.mark.parametrize("identifiant", sorted(DOCS_PAR_DISPOSITION))
def test_documentation_des_dispositions_livrees(identifiant: str) -> None:
    d = next(x for x in dispositions_livrees() if x.identifiant == identifiant)
    texte = (DOCS / DOCS_PAR_DISPOSITION[identifiant]).read_text(encoding="utf-8")
    lignes = texte.splitlines()
    for attendue in _lignes_de_table(d):
        assert any(x.startswith(attendue) for x in lignes), attendue
    assert "n'est pas la norme" in texte
    assert f"`{identifiant}`" in texte
