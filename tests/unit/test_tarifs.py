"""Catalogue des tarifs : valeurs datées, sourcées, absentes quand aucune source ne les donne."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rejets.domain.tarifs import (
    Catalogue,
    CatalogueInvalide,
    NatureCode,
    TarifManquant,
    ZoneTarifaire,
    catalogue_par_defaut,
)

CAT = catalogue_par_defaut()
LE = date(2025, 3, 1)

ENTETE = 'format = "rejets-catalogue"\nversion = 1\nprofession = "infirmier"\n'
TARIF = """
[[tarif]]
code = "AMI"
libelle = "Acte médico-infirmier"
nature = "acte"
zone = "metropole"
centimes = 350
du = 2026-07-01
source = "Avenant imaginaire des tests"
confirme = true
"""


@pytest.mark.parametrize(
    ("code", "centimes"),
    [
        ("AMI", 315),
        ("AMX", 315),
        ("AIS", 265),
        ("BSA", 1300),
        ("BSB", 1820),
        ("BSC", 2870),
        ("DI", 1000),
        ("IFD", 275),
        ("IK", 35),
        ("IKM", 50),
        ("NUIT", 915),
        ("NUIP", 1830),
        ("DIM", 800),
        ("MAU", 135),
        ("MCI", 500),
    ],
)
def test_valeurs_metropole_2025(code: str, centimes: int) -> None:
    """DOMAIN.md §7 : NGAP infirmier, métropole, 2024–2025 [C]."""
    tarif = CAT.valeur(code, LE, ZoneTarifaire.METROPOLE)
    assert tarif.centimes == centimes
    assert tarif.code == code
    assert tarif.source.strip()
    assert tarif.profession == "infirmier"


def test_ami_et_amx_drom() -> None:
    """DOMAIN.md §7 : AMI/AMX 3,30 € dans les DROM."""
    assert CAT.valeur("AMI", LE, ZoneTarifaire.DROM).centimes == 330
    assert CAT.valeur("AMX", LE, "drom").centimes == 330


def test_dimanche_non_confirme() -> None:
    """DOMAIN.md §7 : 8,00 € dans des sources anciennes, valeur actuelle non confirmée."""
    tarif = CAT.valeur("DIM", LE)
    assert tarif.confirme is False
    assert "non confirmée" in tarif.source


def test_ifd_change_de_valeur_le_28_janvier_2024() -> None:
    """FNI : IFD 2,50 € → 2,75 € au 28/01/2024 (avenant 10, L.162-14-1-1 CSS) ; DOMAIN.md §7
    donne le 28/08/2023 : la période contestée est marquée non confirmée."""
    avant = CAT.valeur("IFD", date(2024, 1, 27))
    apres = CAT.valeur("IFD", date(2024, 1, 28))
    assert (avant.centimes, avant.confirme) == (250, False)
    assert (apres.centimes, apres.confirme) == (275, True)
    assert "28/08/2023" in avant.source


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("MIE", ZoneTarifaire.METROPOLE),
        ("IKS", ZoneTarifaire.METROPOLE),
        ("BSA", ZoneTarifaire.DROM),
    ],
)
def test_valeur_sans_source_absente(code: str, zone: ZoneTarifaire) -> None:
    """DOMAIN.md §7 : une valeur qu'aucune source ne donne est absente, jamais inventée."""
    with pytest.raises(TarifManquant) as erreur:
        CAT.valeur(code, LE, zone)
    message = str(erreur.value)
    assert f"« {code} »" in message
    assert "01/03/2025" in message
    assert zone.libelle in message
    assert erreur.value.code == code


def test_tarif_manquant_avant_la_premiere_date() -> None:
    with pytest.raises(TarifManquant, match="Acte médico-infirmier"):
        CAT.valeur("AMI", date(2012, 5, 26))


def test_tous_les_codes_de_la_nomenclature_infirmiere() -> None:
    assert CAT.codes() == {
        "AMI",
        "AMX",
        "AIS",
        "BSA",
        "BSB",
        "BSC",
        "DI",
        "IFD",
        "IK",
        "IKM",
        "NUIT",
        "NUIP",
        "DIM",
        "MAU",
        "MCI",
    }
    assert CAT.nature("AMI") is NatureCode.ACTE
    assert CAT.nature("BSA") is NatureCode.FORFAIT
    assert CAT.nature("IFD") is NatureCode.DEPLACEMENT
    assert CAT.nature("MAU") is NatureCode.MAJORATION
    assert CAT.nature("XYZ") is None


def test_chaque_entree_cite_sa_source() -> None:
    entrees = CAT.entrees()
    assert len(entrees) == len(CAT.tarifs) + len(CAT.parametres)
    assert all(entree.source.strip() for entree in entrees)
    assert all(exception.source.strip() for exception in CAT.exceptions_11b)


def test_taux_amo_dates() -> None:
    """ameli [A] (DOMAIN.md §7) : 60 % pour les auxiliaires médicaux, 100 % si exonéré."""
    assert CAT.parametre("taux_amo", LE, "auxiliaire_medical").decimal() == 60
    assert CAT.parametre("taux_amo", LE, "exonere").decimal() == 100


def test_abattement_ik_non_confirme_et_parametrable() -> None:
    """DOMAIN.md §7 : abattement 2 km plaine / 1 km montagne, par trajet ou par aller-retour
    selon les sources : donnée datée, non confirmée."""
    plaine = CAT.parametre("ik_abattement_km", LE, "plaine")
    montagne = CAT.parametre("ik_abattement_km", LE, "montagne")
    mode = CAT.parametre("ik_abattement_mode", LE)
    assert (plaine.decimal(), montagne.decimal()) == (2, 1)
    assert mode.texte() == "par_trajet"
    assert not (plaine.confirme or montagne.confirme or mode.confirme)
    assert CAT.parametre("ik_cumul_ifd", LE).booleen() is False


def test_parametre_manquant() -> None:
    with pytest.raises(TarifManquant, match=r"ik_seuil_km \(pied\)"):
        CAT.parametre("ik_seuil_km", LE, "pied")


def test_parametre_mal_type() -> None:
    with pytest.raises(CatalogueInvalide, match="nombre"):
        CAT.parametre("ik_abattement_mode", LE).decimal()
    with pytest.raises(CatalogueInvalide, match="true ou false"):
        CAT.parametre("taux_amo", LE, "exonere").booleen()


def test_exceptions_11b_en_donnees() -> None:
    """NGAP art. 11B, exceptions listées par la CPAM : perfusions, insulino-traités,
    séance + pansement lourd et complexe ; forfaits (non confirmé)."""
    exceptions = {e.code: e for e in CAT.exceptions_11b}
    assert set(exceptions) == {"perfusion", "insulino_traite", "seance_pansement_lourd", "forfaits"}
    assert exceptions["insulino_traite"].condition == "insulino_traite"
    assert exceptions["seance_pansement_lourd"].toutes_requises
    assert exceptions["forfaits"].effet == "hors_article"
    assert not exceptions["forfaits"].confirme


@given(st.dates(min_value=date(2024, 1, 28), max_value=date(2040, 12, 31)))
def test_metropole_sans_trou_depuis_2024(jour: date) -> None:
    for code in CAT.codes():
        assert CAT.valeur(code, jour).couvre(jour)


def test_fichier_utilisateur_remplace_sur_sa_periode() -> None:
    utilisateur = Catalogue.depuis_toml(ENTETE + TARIF, nom_fichier="avenant.toml")
    fusion = CAT.avec(utilisateur)
    assert fusion.valeur("AMI", date(2026, 6, 30)).centimes == 315
    assert fusion.valeur("AMI", date(2026, 6, 30)).au == date(2026, 6, 30)
    assert fusion.valeur("AMI", date(2026, 7, 1)).centimes == 350
    assert fusion.valeur("AMI", date(2030, 1, 1)).source == "Avenant imaginaire des tests"
    assert fusion.valeur("AMI", date(2026, 7, 1), "drom").centimes == 330
    assert CAT.valeur("AMI", date(2026, 7, 1)).centimes == 315


def test_fichier_utilisateur_coupe_une_periode_en_deux() -> None:
    texte = ENTETE + TARIF.replace("du = 2026-07-01", "du = 2025-01-01\nau = 2025-01-31")
    fusion = CAT.avec(Catalogue.depuis_toml(texte))
    assert fusion.valeur("AMI", date(2024, 12, 31)).centimes == 315
    assert fusion.valeur("AMI", date(2025, 1, 15)).centimes == 350
    assert fusion.valeur("AMI", date(2025, 2, 1)).centimes == 315


def test_autre_profession_refusee() -> None:
    autre = Catalogue.depuis_toml(ENTETE.replace("infirmier", "kine"))
    with pytest.raises(CatalogueInvalide, match="kine"):
        CAT.avec(autre)
    with pytest.raises(CatalogueInvalide, match="kine"):
        catalogue_par_defaut("kine")


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("format = 'x'\nversion = 1\nprofession = 'infirmier'\n", "format"),
        (ENTETE.replace("version = 1", "version = 2"), "version"),
        (ENTETE + "couleur = 'bleu'\n", "champ inconnu « couleur »"),
        (
            ENTETE + TARIF.replace('source = "Avenant imaginaire des tests"', 'source = " "'),
            "source",
        ),
        (ENTETE + TARIF.replace("centimes = 350", "centimes = 3.5"), "centimes"),
        (ENTETE + TARIF.replace("centimes = 350", "centimes = -1"), "négatif"),
        (ENTETE + TARIF.replace('zone = "metropole"', 'zone = "lune"'), "zone"),
        (ENTETE + TARIF.replace("du = 2026-07-01", "du = 2026-07-01\nau = 2026-01-01"), "précède"),
        (ENTETE + TARIF + TARIF.replace("du = 2026-07-01", "du = 2027-01-01"), "chevauchent"),
        (ENTETE + TARIF.replace("confirme = true", ""), "confirme"),
        (
            ENTETE
            + "[[parametre]]\ncode='x'\nvaleur=0.5\ndu=2024-01-01\nsource='s'\nconfirme=true\n",
            "guillemets",
        ),
        (
            ENTETE
            + "[[exception_11b]]\ncode='x'\nlibelle='l'\neffet='tout'\nnatures=['a']\n"
            + "source='s'\nconfirme=true\n",
            "effet",
        ),
        (
            ENTETE
            + "[[exception_11b]]\ncode='x'\nlibelle='l'\neffet='groupe'\n"
            + "source='s'\nconfirme=true\n",
            "natures",
        ),
        ("ceci n'est pas du TOML", "TOML invalide"),
    ],
)
def test_toml_invalide(texte: str, attendu: str) -> None:
    with pytest.raises(CatalogueInvalide, match=attendu) as erreur:
        Catalogue.depuis_toml(texte, nom_fichier="tarifs.toml")
    assert "« tarifs.toml »" in str(erreur.value)


CSV = (
    "type;code;libelle;nature;zone;variante;valeur;du;au;source;confirme\n"
    "tarif;AMI;Acte médico-infirmier;acte;metropole;;350;2026-07-01;;Avenant des tests;oui\n"
    "parametre;ik_abattement_mode;;;;;aller_retour;2026-07-01;;Décision des tests;non\n"
    ";;;;;;;;;;\n"
)


def test_csv_point_virgule() -> None:
    catalogue = Catalogue.depuis_csv(CSV, nom_fichier="tarifs.csv")
    assert catalogue.valeur("AMI", date(2026, 7, 1)).centimes == 350
    mode = catalogue.parametre("ik_abattement_mode", date(2026, 7, 1))
    assert (mode.texte(), mode.confirme) == ("aller_retour", False)
    fusion = CAT.avec(catalogue)
    assert fusion.parametre("ik_abattement_mode", date(2026, 6, 30)).texte() == "par_trajet"
    assert fusion.parametre("ik_abattement_mode", date(2026, 7, 1)).texte() == "aller_retour"


def test_csv_virgule_et_bom() -> None:
    texte = "\ufeff" + CSV.replace(";", ",")
    assert Catalogue.depuis_csv(texte).valeur("AMI", date(2027, 1, 1)).centimes == 350


@pytest.mark.parametrize(
    ("remplacement", "attendu"),
    [
        (("350", "3,50"), "centimes"),
        (("tarif;AMI", "taux;AMI"), "type"),
        ((";oui\n", ";peut-être\n"), "oui ou non"),
        (("type;", "genre;"), "colonne « type »"),
        (("2026-07-01;;Avenant", "01/07/2026;;Avenant"), "AAAA-MM-JJ"),
    ],
)
def test_csv_invalide(remplacement: tuple[str, str], attendu: str) -> None:
    with pytest.raises(CatalogueInvalide, match=attendu):
        Catalogue.depuis_csv(CSV.replace(*remplacement, 1), nom_fichier="tarifs.csv")


def test_cache_de_recherche_coherent() -> None:
    premier = CAT.valeur("AIS", LE)
    assert CAT.valeur("AIS", LE) is premier
    with pytest.raises(TarifManquant):
        CAT.valeur("AIS", LE - timedelta(days=5000))
    with pytest.raises(TarifManquant):
        CAT.valeur("AIS", LE - timedelta(days=5000))


def test_parametre_decimal_en_texte() -> None:
    texte = (
        ENTETE + "[[parametre]]\ncode='x'\nvaleur='0,5'\ndu=2024-01-01\nsource='s'\nconfirme=true\n"
    )
    assert Catalogue.depuis_toml(texte).parametre("x", LE).decimal() == Decimal("0.5")
