"""Back-office import of invoices in the state they have, and export in the same format."""

import copy
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rejets.compta.verification import verifier
from rejets.domain.lifecycle import Etat
from rejets.factures.echange import exporter_factures, importer_factures
from rejets.factures.models import EvenementFacture, Facture
from rejets.formats import echange as fmt

from .conftest import nir_valide


def facture(numero, etat="transmise", **autres):
    f = {
        "numero": numero,
        "professionnel": {
            "numero_am": "751000018",
            "rpps": None,
            "nom": "Roux",
            "prenom": "Claire",
        },
        "patient": {
            "nir": nir_valide(int(numero[-3:])),
            "rang": 1,
            "nom": "Martin",
            "prenom": "Jeanne",
            "date_naissance": "1955-05-01",
            "droits": {
                "regime": "01",
                "caisse": "751",
                "centre": "0000",
                "nature_assurance": "10",
                "exoneration": "0",
                "taux_remboursement": 60,
                "debut": "2025-01-01",
                "fin": None,
            },
            "amc": {
                "numero": "9999000001",
                "libelle": "Mutuelle Exemple",
                "contrat": "C-1",
                "debut": "2025-01-01",
                "fin": "2026-12-31",
            },
        },
        "tiers_payant": "amo_amc",
        "prescription": {
            "prescripteur": {"nom": "Dr Lenoir", "rpps": None},
            "date": "2026-01-10",
            "a_domicile": True,
            "scan": "ordonnance-17.pdf",
        },
        "actes": [
            {
                "date": "2026-02-03",
                "heure": "08:30",
                "heure_appel": None,
                "lettre_cle": "AMI",
                "coefficient": 1.5,
                "nature": None,
                "lieu": "domicile",
                "distance_km": 3.2,
                "zone": "plaine",
                "meme_commune": False,
                "montant": 473,
            },
            {
                "date": "2026-02-03",
                "heure": "08:30",
                "heure_appel": None,
                "lettre_cle": "IFD",
                "coefficient": 1,
                "nature": None,
                "lieu": "domicile",
                "distance_km": None,
                "zone": None,
                "meme_commune": None,
                "montant": 275,
            },
        ],
        "repartition": {"total": 748, "amo": 449, "amc": 299, "patient": 0},
        "fse": {"etat": etat, "lot": "012", "date_transmission": "2026-02-04", "rejet": None},
        "dre": {
            "etat": "transmise",
            "lot": "013",
            "date_transmission": "2026-02-04",
            "rejet": None,
        },
        "paiements": [],
    }
    f.update(autres)
    return f


def document(*factures_):
    return json.dumps({"format": "rejets-factures", "version": 1, "factures": list(factures_)})


def importer(monde, texte, nom="lot.json"):
    return importer_factures(
        flux=io.BytesIO(texte.encode()),
        nom_fichier=nom,
        cabinet=monde.cabinet,
        utilisateur=monde.utilisateur,
    )


def payee():
    f = facture("000000102", etat="payee")
    f["paiements"] = [
        {
            "payeur": "amo",
            "montant": 449,
            "date": "2026-02-20",
            "moyen": "virement",
            "reference": "V1",
        }
    ]
    return f


def rejetee():
    f = facture("000000103", etat="rejetee")
    f["fse"]["rejet"] = {
        "code": "A12",
        "libelle": "DROITS NON OUVERTS",
        "date": "2026-02-18",
        "source": "electronique",
    }
    return f


def test_import_dans_l_etat_d_origine_et_livre_juste(monde):
    rapport = importer(monde, document(facture("000000101"), payee(), rejetee()))
    assert rapport.refus == [] and rapport.importees == ["000000101", "000000102", "000000103"]
    etats = dict(Facture.objects.values_list("numero", "etat"))
    assert etats == {
        "000000101": Etat.TRANSMISE,
        "000000102": Etat.PAYEE_PARTIELLEMENT,
        "000000103": Etat.REJETEE,
    }
    assert all(Facture.objects.values_list("deja_transmise", flat=True))
    assert verifier([monde.cabinet]) == []


def test_le_meme_fichier_deux_fois_n_est_pas_duplique(monde):
    texte = document(facture("000000101"), payee())
    importer(monde, texte)
    evenements = EvenementFacture.objects.count()
    second = importer(monde, texte)
    assert second.importees == [] and second.deja_importees == ["000000101", "000000102"]
    assert Facture.objects.count() == 2 and EvenementFacture.objects.count() == evenements
    assert second.complet


def test_meme_numero_contenu_different_refuse(monde):
    importer(monde, document(facture("000000101")))
    autre = facture("000000101")
    autre["repartition"] = {"total": 748, "amo": 448, "amc": 300, "patient": 0}
    rapport = importer(monde, document(autre))
    assert rapport.refus[0].champ == "numero" and "existe déjà" in rapport.refus[0].raison


def test_import_export_import_a_l_identique(monde, autre_monde):
    originaux = [facture("000000101"), payee(), rejetee(), facture("000000104", etat="brouillon")]
    originaux[3]["fse"] = {
        "etat": "brouillon",
        "lot": None,
        "date_transmission": None,
        "rejet": None,
    }
    originaux[3]["dre"]["etat"] = "brouillon"
    originaux[3]["dre"].update(lot=None, date_transmission=None)
    assert importer(monde, document(*originaux)).refus == []
    sortie = io.StringIO()
    fmt.ecrire_factures_json(exporter_factures(Facture.objects.order_by("pk")), sortie)
    exporte = json.loads(sortie.getvalue())
    assert exporte["factures"] == json.loads(document(*originaux))["factures"]
    rapport = importer_factures(
        flux=io.BytesIO(sortie.getvalue().encode()),
        nom_fichier="export.json",
        cabinet=autre_monde.cabinet,
        utilisateur=autre_monde.utilisateur,
    )
    assert rapport.refus == [] and len(rapport.importees) == 4
    encore = io.StringIO()
    fmt.ecrire_factures_json(
        exporter_factures(Facture.objects.filter(cabinet=autre_monde.cabinet).order_by("pk")),
        encore,
    )
    assert encore.getvalue() == sortie.getvalue()


@pytest.mark.parametrize(
    ("modifier", "champ", "extrait"),
    [
        (lambda f: f["patient"].update(nir=f["patient"]["nir"][:13] + "00"), "patient.nir", "clé"),
        (lambda f: f["repartition"].update(total=1), "repartition", "≠"),
        (lambda f: f["fse"].update(etat="defacturee"), "fse.etat", "ne s'importe pas"),
        (lambda f: f["fse"].update(etat="rejetee"), "fse.rejet", "rejet"),
        (lambda f: f["fse"].update(etat="payee"), "paiements", "incohérents"),
        (lambda f: f["fse"].update(lot=None), "fse", "lot"),
        (lambda f: f.update(numero="12"), "numero", ""),
    ],
)
def test_chaque_enregistrement_refuse_dit_ou_et_pourquoi(monde, modifier, champ, extrait):
    mauvaise = copy.deepcopy(facture("000000109"))
    modifier(mauvaise)
    rapport = importer(monde, document(facture("000000101"), mauvaise))
    assert rapport.importees == ["000000101"]
    assert len(rapport.refus) == 1
    refus = rapport.refus[0]
    assert (refus.fichier, refus.enregistrement, refus.champ) == ("lot.json", 2, champ)
    assert extrait in refus.raison
    assert "Martin" not in refus.raison and mauvaise["patient"]["nir"] not in refus.raison
    assert rapport.complet


def test_commande_import_puis_export(monde, tmp_path):
    fichier = tmp_path / "factures.json"
    fichier.write_text(document(facture("000000101"), rejetee()), encoding="utf-8")
    sortie = io.StringIO()
    call_command(
        "factures",
        "import",
        str(fichier),
        "--cabinet",
        monde.cabinet.code,
        "--utilisateur",
        monde.utilisateur.username,
        stdout=sortie,
    )
    assert "2 lue(s), 2 importée(s)" in sortie.getvalue()
    evenement = EvenementFacture.objects.filter(evenement="import").first()
    assert evenement.utilisateur == monde.utilisateur
    assert "Martin" not in json.dumps(evenement.details)
    with pytest.raises(CommandError, match="1 enregistrement"):
        mauvais = tmp_path / "mauvais.json"
        f = facture("000000105")
        f["repartition"]["total"] = 5
        mauvais.write_text(document(f), encoding="utf-8")
        call_command(
            "factures",
            "import",
            str(mauvais),
            "--cabinet",
            monde.cabinet.code,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    export = tmp_path / "export.jsonl"
    call_command(
        "factures",
        "export",
        "--cabinet",
        monde.cabinet.code,
        "--jsonl",
        "--sortie",
        str(export),
        stderr=io.StringIO(),
    )
    lignes = export.read_text(encoding="utf-8").splitlines()
    assert len(lignes) == 3 and json.loads(lignes[1])["numero"] == "000000101"


def test_fichier_illisible_refuse_en_entier(monde, tmp_path):
    fichier = tmp_path / "vide.json"
    fichier.write_bytes(b"")
    erreurs = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "factures",
            "import",
            str(fichier),
            "--cabinet",
            monde.cabinet.code,
            stdout=io.StringIO(),
            stderr=erreurs,
        )
    assert "vide.json" in erreurs.getvalue()
    assert Facture.objects.count() == 0
