"""Table des Organismes Destinataires in the database: the import replaces the whole table in one
transaction, reports refused lines, keeps the table when the file is refused; the selector's
fallback to centre 0000; the `rejets referentiels tod` command."""

import io
import json

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from rejets.formats.tod import FichierTodInvalide
from rejets.referentiels.models import OrganismeDestinataire
from rejets.referentiels.tod import (
    FICHIER_EXEMPLE,
    importer_tod,
    importer_tod_exemple,
    organisme_destinataire,
)

ENTETE = (
    "Code régime;Caisse gestionnaire;Centre gestionnaire;Libellé;Organisme destinataire;"
    "Code centre informatique"
)
PARIS = "01;751;0000;CPAM DE PARIS;017510000;101"
PARIS_0101 = "01;751;0101;CPAM DE PARIS - CENTRE 0101;017510101;101"
ISERE = "01;381;0000;CPAM DE L'ISÈRE;013810000;212"
MSA = "02;691;0000;MSA AIN-RHÔNE;026910000;822"


def tod(*lignes: str) -> bytes:
    return "".join(ligne + "\n" for ligne in (ENTETE, *lignes)).encode()


def importer(*lignes: str, contenu: bytes | None = None):
    flux = io.BytesIO(tod(*lignes) if contenu is None else contenu)
    return importer_tod(flux=flux, nom_fichier="tod.csv")


def cles():
    return list(OrganismeDestinataire.objects.values_list("regime", "caisse", "centre"))


def commande(*arguments):
    sortie, erreurs = io.StringIO(), io.StringIO()
    call_command("referentiels", "tod", *arguments, stdout=sortie, stderr=erreurs)
    return sortie.getvalue()


@pytest.fixture
def fichier(tmp_path):
    def ecrire(contenu: bytes, nom: str = "tod.csv"):
        chemin = tmp_path / nom
        chemin.write_bytes(contenu)
        return chemin

    return ecrire


# ------------------------------------------------------------------------------ service


def test_import_enregistre_chaque_ligne_lue(db):
    compte_rendu = importer(PARIS, PARIS_0101, ISERE)
    assert (compte_rendu.lues, compte_rendu.importees, compte_rendu.refusees) == (3, 3, ())
    assert (compte_rendu.remplacees, compte_rendu.separateur, compte_rendu.encodage) == (
        0,
        ";",
        "UTF-8",
    )
    isere = OrganismeDestinataire.objects.get(regime="01", caisse="381", centre="0000")
    assert (isere.libelle, isere.organisme_destinataire, isere.centre_informatique) == (
        "CPAM DE L'ISÈRE",
        "013810000",
        "212",
    )


def test_une_nouvelle_tod_remplace_toute_la_table(db):
    importer(PARIS, PARIS_0101, ISERE)
    compte_rendu = importer(MSA, "01;751;0000;CPAM DE PARIS (NOUVEAU LIBELLÉ);017510000;101")
    assert compte_rendu.remplacees == 3 and compte_rendu.importees == 2
    assert sorted(cles()) == [("01", "751", "0000"), ("02", "691", "0000")]
    paris = OrganismeDestinataire.objects.get(regime="01", caisse="751", centre="0000")
    assert paris.libelle == "CPAM DE PARIS (NOUVEAU LIBELLÉ)"


def test_lignes_refusees_rapportees_les_autres_importees(db):
    compte_rendu = importer(PARIS, "01;75A;0000;CPAM;017510000;101", ISERE, PARIS)
    assert (compte_rendu.lues, compte_rendu.importees) == (4, 2)
    assert [(r.ligne, r.champs) for r in compte_rendu.refusees] == [
        (3, ("caisse",)),
        (5, ("regime", "caisse", "centre")),
    ]
    assert compte_rendu.refusees[0].message == (
        "ligne 3 : caisse gestionnaire « 75A » : 3 chiffres attendus"
    )
    assert sorted(cles()) == [("01", "381", "0000"), ("01", "751", "0000")]


def test_fichier_refuse_en_cours_de_lecture_la_table_en_place_est_conservee(db):
    importer(PARIS, ISERE)
    avant = list(OrganismeDestinataire.objects.values())
    contenu = tod(MSA, *(f"01;{c:03d};0000;CPAM {c};01{c:03d}0000;101" for c in range(1500)))
    with pytest.raises(FichierTodInvalide, match="ligne 1503 : contenu binaire"):
        importer(contenu=contenu + b"\x00\x00\n")
    assert list(OrganismeDestinataire.objects.values()) == avant


def test_fichier_sans_ligne_lisible_refuse_la_table_en_place_est_conservee(db):
    importer(PARIS)
    with pytest.raises(FichierTodInvalide) as faute:
        importer("01;751;0000;;017510000;101", "X;751;0000;CPAM;017510000;101")
    assert faute.value.message == (
        "Fichier « tod.csv » : aucune ligne de données lisible : 2 ligne(s) refusée(s), dont "
        "ligne 2 : libellé vide ; ligne 3 : code régime « X » : 2 chiffres attendus"
    )
    with pytest.raises(FichierTodInvalide, match=r"aucune ligne de données lisible$"):
        importer()
    assert cles() == [("01", "751", "0000")]


def test_tod_d_exemple_livree(db):
    compte_rendu = importer_tod_exemple()
    assert compte_rendu.nom_fichier == FICHIER_EXEMPLE
    assert compte_rendu.refusees == () and 30 <= compte_rendu.importees <= 40
    assert not OrganismeDestinataire.objects.exclude(libelle__endswith="(exemple Rejets)").exists()


# ------------------------------------------------------------------------------ selector


def test_selecteur_centre_precis_puis_repli_sur_0000(db, django_assert_num_queries):
    importer(PARIS, PARIS_0101, ISERE)
    with django_assert_num_queries(1):
        precis = organisme_destinataire(regime="01", caisse="751", centre="0101")
    assert precis is not None and precis.organisme_destinataire == "017510101"
    repli = organisme_destinataire(regime="01", caisse="751", centre="0456")
    assert repli is not None and (repli.centre, repli.organisme_destinataire) == (
        "0000",
        "017510000",
    )
    tous = organisme_destinataire(regime="01", caisse="381", centre="0000")
    assert tous is not None and tous.libelle == "CPAM DE L'ISÈRE"
    assert organisme_destinataire(regime="01", caisse="921", centre="0000") is None
    assert organisme_destinataire(regime="02", caisse="751", centre="0101") is None


def test_selecteur_sur_la_tod_d_exemple(db):
    importer_tod_exemple()
    for regime, caisse, centre, attendu in [
        ("01", "751", "0101", "017510101"),
        ("01", "751", "0202", "017510000"),
        ("01", "131", "0201", "011310201"),
        ("01", "931", "0333", "019310000"),
        ("02", "691", "0000", "026910000"),
        ("90", "751", "0001", "907510000"),
    ]:
        trouve = organisme_destinataire(regime=regime, caisse=caisse, centre=centre)
        assert trouve is not None and trouve.organisme_destinataire == attendu


# ------------------------------------------------------------------------------ command


def test_commande_importe_et_liste_les_refus(db, fichier):
    lignes = (ENTETE, PARIS, "01;751;0101;;017510101;101", ISERE)
    chemin = fichier("".join(ligne.replace(";", ",") + "\n" for ligne in lignes).encode())
    sortie = commande(str(chemin))
    assert sortie.splitlines() == [
        "Table des organismes destinataires « tod.csv » importée (séparateur « , », "
        "encodage UTF-8) : 3 ligne(s) lue(s), 2 importée(s), 1 refusée(s). Elle remplace la "
        "table précédente (0 entrée(s)).",
        "Lignes refusées :",
        "  ligne 3 : libellé vide",
    ]
    assert sorted(cles()) == [("01", "381", "0000"), ("01", "751", "0000")]


def test_commande_latin_1(db, fichier):
    chemin = fichier(
        "".join(ligne + "\r\n" for ligne in (ENTETE, ISERE, MSA)).encode("latin-1"), "tod.txt"
    )
    sortie = commande(str(chemin))
    assert "(séparateur « ; », encodage ISO-8859-1) : 2 ligne(s) lue(s), 2 importée(s)" in sortie
    assert "Lignes refusées" not in sortie
    (isere,) = OrganismeDestinataire.objects.filter(caisse="381")
    assert isere.libelle == "CPAM DE L'ISÈRE"


def test_commande_exemple(db):
    importer(PARIS)
    sortie = commande("--exemple")
    lignes = sortie.splitlines()
    assert lignes[0].startswith(f"Table des organismes destinataires « {FICHIER_EXEMPLE} » ")
    assert "0 refusée(s). Elle remplace la table précédente (1 entrée(s))." in lignes[0]
    assert "ce n'est pas la table officielle du GIE SESAM-Vitale" in lignes[1]
    assert OrganismeDestinataire.objects.count() >= 30


def test_commande_json(db, fichier):
    chemin = fichier(tod(PARIS, "1A;751;0000;CPAM;017510000;101"))
    resume = json.loads(commande(str(chemin), "--json"))
    assert resume == {
        "fichier": "tod.csv",
        "exemple": False,
        "separateur": ";",
        "encodage": "UTF-8",
        "lues": 2,
        "importees": 1,
        "refusees": 1,
        "remplacees": 0,
        "refus": [
            {
                "ligne": 3,
                "champs": ["regime"],
                "message": "ligne 3 : code régime « 1A » : 2 chiffres attendus",
            }
        ],
    }
    exemple = json.loads(commande("--exemple", "--json"))
    assert exemple["exemple"] is True and exemple["remplacees"] == 1
    assert exemple["refus"] == [] and exemple["importees"] == exemple["lues"]


def test_commande_fichier_refuse_message_en_francais_et_table_conservee(db, fichier):
    importer(PARIS)
    chemin = fichier(b"regime;caisse;libelle\n01;751;CPAM\n")
    with pytest.raises(CommandError) as refus:
        commande(str(chemin))
    assert str(refus.value) == (
        "Fichier « tod.csv », ligne 1 : colonne(s) manquante(s) : centre gestionnaire, "
        "organisme destinataire, code centre informatique ; colonnes lues avec le séparateur "
        "« ; » : « regime », « caisse », « libelle » (attendues : code régime, caisse "
        "gestionnaire, centre gestionnaire, libellé, organisme destinataire, code centre "
        "informatique ; séparateur « ; » ou « , »). Rien n'a été importé : la table en place "
        "est conservée."
    )
    assert cles() == [("01", "751", "0000")]


@pytest.mark.parametrize(
    ("arguments", "extrait"),
    [
        ((), "Donnez un fichier TOD, ou --exemple"),
        (("tod.csv", "--exemple"), "Donnez un fichier TOD, ou --exemple"),
        (("absent.csv",), "Fichier introuvable"),
        ((".",), "illisible"),
    ],
)
def test_commande_arguments_refuses(db, tmp_path, monkeypatch, arguments, extrait):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=extrait):
        commande(*arguments)


def test_commande_refusee_sort_en_erreur(db, fichier, capsys):
    chemin = fichier(b"")
    with pytest.raises(SystemExit) as sortie:
        execute_from_command_line(["rejets", "referentiels", "tod", str(chemin)])
    assert sortie.value.code != 0
    assert "Fichier « tod.csv » : fichier vide. Rien n'a été importé" in capsys.readouterr().err


def test_commande_tarifs_toujours_disponible(db):
    sortie = io.StringIO()
    call_command("referentiels", "tarifs", "--json", stdout=sortie)
    assert json.loads(sortie.getvalue())["profession"] == "infirmier"
