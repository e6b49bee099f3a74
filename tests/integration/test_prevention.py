"""Pre-send checks wired into the application: `preparer` blocked by an error unless forced with
a written reason (kept in the event), warnings never blocking, imported tariff files, the
`coter`, `controler` and `preparer` commands, and one cabinet never reaching another's invoice."""

import io
import json
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rejets.domain.lifecycle import Etat
from rejets.factures import services
from rejets.factures.models import EvenementFacture, TiersPayant
from rejets.factures.prevention import catalogue_en_vigueur, constats_de
from rejets.patients.models import PeriodeDroits
from rejets.referentiels.models import CatalogueImporte

from ..unit.test_prevention_echange import facture_echange
from .conftest import JOUR

NEUF_HEURES = time(9, 0)


def visite(monde, lignes, *, part_amo, part_patient, prescription=True, a_domicile=True):
    """A home visit on JOUR at 9 h, lines given as (code, coefficient, amount)."""
    patient = monde.patient()
    return services.creer_facture(
        cabinet=monde.cabinet,
        professionnel=monde.pro,
        patient=patient,
        prescription=monde.prescription(patient, a_domicile=a_domicile) if prescription else None,
        actes=[
            services.LigneActe(
                date=JOUR,
                heure=NEUF_HEURES,
                lettre_cle=code,
                coefficient=Decimal(coefficient),
                meme_commune=True,
                distance_km=Decimal("1.2"),
                montant=montant,
            )
            for code, coefficient, montant in lignes
        ],
        part_amo=part_amo,
        part_amc=0,
        part_patient=part_patient,
        tiers_payant=TiersPayant.AMO,
        organisme_amo=monde.cpam,
        utilisateur=monde.utilisateur,
    )


AMI1_MAU_IFD = [("AMI", "1", 315), ("MAU", "1", 135), ("IFD", "1", 275)]
"""AMI 1 at home: 7,25 €, AMO 60 % line by line = 4,35 €."""


def evenements_preparer(facture):
    return list(EvenementFacture.objects.filter(facture=facture, evenement="preparer"))


def etat(facture):
    facture.refresh_from_db()
    return Etat(facture.etat)


# ------------------------------------------------------------------------------ service


def test_la_facture_du_monde_de_test_passe_les_controles(monde):
    f = services.preparer(facture=monde.facture(), utilisateur=monde.utilisateur)
    assert f.etat == Etat.PRETE
    assert all(c.gravite != "erreur" for c in constats_de(f))
    (evenement,) = evenements_preparer(f)
    assert "forcer" not in evenement.details


def test_droits_fermes_a_la_date_des_soins_bloquent_la_preparation(monde):
    f = monde.facture()
    PeriodeDroits.objects.filter(patient=f.patient).update(fin=JOUR - timedelta(days=1))
    with pytest.raises(services.OperationRefusee) as refus:
        services.preparer(facture=f, utilisateur=monde.utilisateur)
    message = str(refus.value)
    assert f"Facture {f.numero} : préparation refusée" in message
    assert "Droits AMO non ouverts à la date des soins : 02/03/2026" in message
    assert "Champ : patient.droits.periodes" in message
    assert "Correction : Vérifiez les droits" in message and "--forcer" in message
    assert [c.code for c in constats_de(refus.value) if c.gravite == "erreur"] == ["droits.fermes"]
    assert f.patient.nir not in message
    assert etat(f) is Etat.BROUILLON and evenements_preparer(f) == []


def test_chaque_constat_bloquant_est_liste_avec_son_champ_et_sa_correction(monde):
    f = visite(monde, AMI1_MAU_IFD, part_amo=435, part_patient=290, prescription=False)
    PeriodeDroits.objects.filter(patient=f.patient).update(debut=JOUR + timedelta(days=1))
    with pytest.raises(services.OperationRefusee) as refus:
        services.preparer(facture=f, utilisateur=monde.utilisateur)
    message = str(refus.value)
    assert "2 contrôle(s) bloquant(s)" in message
    assert "Aucune prescription" in message and "Champ : prescription." in message
    assert "Correction : Joignez la prescription" in message
    assert "Champ : patient.droits.periodes." in message


def test_ifd_sans_prescription_a_domicile_bloque(monde):
    f = visite(monde, AMI1_MAU_IFD, part_amo=435, part_patient=290, a_domicile=False)
    with pytest.raises(services.OperationRefusee) as refus:
        services.preparer(facture=f, utilisateur=monde.utilisateur)
    message = str(refus.value)
    assert "IFD ou IK facturées alors que la prescription ne précise pas « à domicile »" in message
    assert "Champ : prescription.a_domicile." in message
    assert "Obtenez une prescription portant « à domicile »" in message


def test_forcer_avec_une_raison_ecrite_passe_et_la_garde_dans_l_historique(monde):
    f = visite(monde, AMI1_MAU_IFD, part_amo=435, part_patient=290, prescription=False)
    with pytest.raises(services.OperationRefusee):
        services.preparer(facture=f, utilisateur=monde.utilisateur, forcer="   ")
    raison = "Ordonnance reçue par courrier, scan à venir."
    f = services.preparer(facture=f, utilisateur=monde.utilisateur, forcer=raison)
    assert f.etat == Etat.PRETE
    (evenement,) = evenements_preparer(f)
    assert evenement.details["forcer"] == raison
    assert "prescription.absente" in evenement.details["constats"]
    assert evenement.utilisateur == monde.utilisateur


def test_un_avertissement_ne_bloque_jamais(monde):
    f = visite(monde, [("AMI", "1", 315), ("IFD", "1", 275)], part_amo=354, part_patient=236)
    f = services.preparer(facture=f, utilisateur=monde.utilisateur)
    assert f.etat == Etat.PRETE
    oublis = [c for c in constats_de(f) if c.code == "cotation.oubli"]
    assert oublis and oublis[0].gravite == "avertissement" and "MAU" in oublis[0].message
    (evenement,) = evenements_preparer(f)
    assert "cotation.oubli" in evenement.details["constats"] and "forcer" not in evenement.details


def test_une_facture_en_double_bloque_tant_que_l_autre_facture_ses_actes(monde):
    premiere = visite(monde, AMI1_MAU_IFD, part_amo=435, part_patient=290)
    services.preparer(facture=premiere, utilisateur=monde.utilisateur)
    seconde = services.creer_facture(
        cabinet=monde.cabinet,
        professionnel=monde.pro,
        patient=premiere.patient,
        prescription=premiere.prescription,
        actes=[
            services.LigneActe(
                date=a.date,
                heure=a.heure,
                lettre_cle=a.lettre_cle,
                coefficient=a.coefficient,
                meme_commune=True,
                distance_km=a.distance_km,
                montant=a.montant,
            )
            for a in premiere.actes.all()
        ],
        part_amo=435,
        part_amc=0,
        part_patient=290,
        tiers_payant=TiersPayant.AMO,
        organisme_amo=monde.cpam,
        utilisateur=monde.utilisateur,
    )
    with pytest.raises(services.OperationRefusee, match="Facture en double"):
        services.preparer(facture=seconde, utilisateur=monde.utilisateur)
    services.annuler(facture=premiere, utilisateur=monde.utilisateur, le=JOUR)
    assert services.preparer(facture=seconde, utilisateur=monde.utilisateur).etat == Etat.PRETE


# ------------------------------------------------------------------- tarifs importés


def commande(*arguments, **options):
    sortie, erreurs = io.StringIO(), io.StringIO()
    call_command(*arguments, stdout=sortie, stderr=erreurs, **options)
    return sortie.getvalue(), erreurs.getvalue()


AVENANT = """\
format = "rejets-catalogue"
version = 1
profession = "infirmier"
nom = "Avenant de test"

[[tarif]]
code = "AMI"
libelle = "Acte médico-infirmier"
nature = "acte"
zone = "metropole"
centimes = 350
du = 2026-07-01
source = "Avenant de test, JO du 01/06/2026"
confirme = true
"""


def test_tarifs_liste_le_catalogue_en_vigueur(db):
    sortie, _ = commande("referentiels", "tarifs")
    assert "Catalogue « NGAP infirmier" in sortie and "livré avec Rejets" in sortie
    assert "Acte médico-infirmier" in sortie and "3,15 €" in sortie and "27/05/2012" in sortie
    assert "Paramètres des règles" in sortie
    donnees = json.loads(commande("referentiels", "tarifs", "--json")[0])
    ami = [t for t in donnees["tarifs"] if (t["code"], t["zone"]) == ("AMI", "metropole")]
    assert ami[0]["centimes"] == 315 and ami[0]["valeur"] == "3,15\u00a0€"
    assert ami[0]["confirme"] is True and ami[0]["source"]
    ancien = json.loads(commande("referentiels", "tarifs", "--date", "2023-06-01", "--json")[0])
    ifd = [t for t in ancien["tarifs"] if (t["code"], t["zone"]) == ("IFD", "metropole")]
    assert [t["centimes"] for t in ifd] == [250]


def test_importer_un_fichier_de_tarifs_le_valide_et_le_garde(monde, tmp_path):
    fichier = tmp_path / "avenant.toml"
    fichier.write_text(AVENANT, encoding="utf-8")
    sortie, _ = commande(
        "referentiels",
        "tarifs",
        "--importer",
        str(fichier),
        "--utilisateur",
        monde.utilisateur.username,
    )
    assert "Fichier « avenant.toml » importé (infirmier) : 1 tarif(s)" in sortie
    (importe,) = CatalogueImporte.objects.all()
    assert importe.importe_par == monde.utilisateur and importe.contenu == AVENANT
    catalogue = catalogue_en_vigueur()
    assert catalogue.valeur("AMI", date(2026, 7, 1)).centimes == 350
    assert catalogue.valeur("AMI", date(2026, 6, 30)).centimes == 315
    donnees = json.loads(commande("referentiels", "tarifs", "--date", "2026-08-01", "--json")[0])
    ami = [t for t in donnees["tarifs"] if (t["code"], t["zone"]) == ("AMI", "metropole")]
    assert [t["centimes"] for t in ami] == [350]
    assert [f["nom_fichier"] for f in donnees["fichiers_importes"]] == ["avenant.toml"]
    csv = tmp_path / "ik.csv"
    csv.write_text(
        "type;code;libelle;nature;zone;variante;valeur;du;au;source;confirme\n"
        "parametre;ik_abattement_mode;;;;;aller_retour;2026-07-01;;Décision de test;non\n",
        encoding="utf-8",
    )
    sortie, _ = commande("referentiels", "tarifs", "--importer", str(csv))
    assert "1 paramètre(s)" in sortie and "1 valeur(s) non confirmée(s)" in sortie
    assert catalogue_en_vigueur().parametre("ik_abattement_mode", date(2026, 7, 1)).texte() == (
        "aller_retour"
    )


@pytest.mark.parametrize(
    ("nom", "contenu", "extrait"),
    [
        (
            "vide-source.toml",
            AVENANT.replace('"Avenant de test, JO du 01/06/2026"', '""'),
            "source",
        ),
        ("inconnu.toml", AVENANT + 'couleur = "bleu"\n', "champ inconnu « couleur »"),
        ("nature.toml", AVENANT.replace('nature = "acte"', 'nature = "forfait"'), "deux natures"),
        ("tarifs.txt", AVENANT, "format inconnu"),
    ],
)
def test_un_fichier_de_tarifs_invalide_est_refuse_sans_rien_garder(
    db, tmp_path, nom, contenu, extrait
):
    fichier = tmp_path / nom
    fichier.write_text(contenu, encoding="utf-8")
    with pytest.raises(CommandError, match=extrait) as refus:
        commande("referentiels", "tarifs", "--importer", str(fichier))
    assert nom in str(refus.value)
    assert CatalogueImporte.objects.count() == 0


# ------------------------------------------------------------- commandes coter et controler


def document(*factures):
    return json.dumps(
        {"format": "rejets-factures", "version": 1, "factures": list(factures)}, default=float
    )


def test_coter_un_fichier_d_echange(db, tmp_path):
    fichier = tmp_path / "lot.json"
    f = facture_echange()
    fichier.write_text(document(f), encoding="utf-8")
    sortie, _ = commande("factures", "coter", str(fichier))
    assert "Facture 000000101 (lot.json, enregistrement 1) : 8,83\u00a0€" in sortie
    for attendu in ("AMI", "1,5", "4,73\u00a0€", "ngap.11b.seul", "uncam.mau", "ngap.13.ifd"):
        assert attendu in sortie
    assert f["patient"]["nir"] not in sortie and "Martin" not in sortie
    donnees = json.loads(commande("factures", "coter", str(fichier), "--json")[0])
    (facture,) = donnees["factures"]
    assert facture["total"] == 883
    assert [ligne["code"] for ligne in facture["seances"][0]["lignes"]] == ["AMI", "MAU", "IFD"]
    assert facture["seances"][0]["lignes"][0]["regle"] == "ngap.11b.seul"


def test_controler_un_fichier_d_echange(db, tmp_path):
    juste = facture_echange("000000101")
    fermee = facture_echange("000000102")
    fermee["patient"]["droits"]["fin"] = "2026-01-31"
    sans_numero = facture_echange("000000103")
    del sans_numero["numero"]
    fichier = tmp_path / "lot.json"
    fichier.write_text(document(juste, fermee, sans_numero), encoding="utf-8")
    sortie, erreurs = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 facture"):
        call_command("factures", "controler", str(fichier), stdout=sortie, stderr=erreurs)
    texte = sortie.getvalue()
    assert "Facture 000000101 (lot.json, enregistrement 1) : aucun constat." in texte
    assert "Facture 000000102 (lot.json, enregistrement 2) : 1 erreur(s)" in texte
    assert "droits.fermes" in texte and "patient.droits.periodes" in texte
    assert "Refusé : lot.json, enregistrement 3, champ numero" in erreurs.getvalue()
    for nir_ in (juste["patient"]["nir"], fermee["patient"]["nir"]):
        assert nir_ not in texte and nir_ not in erreurs.getvalue()
    assert "Martin" not in texte
    sortie = io.StringIO()
    with pytest.raises(CommandError):
        call_command("factures", "controler", str(fichier), "--json", stdout=sortie)
    donnees = json.loads(sortie.getvalue())
    assert [f["erreurs"] for f in donnees["factures"]] == [0, 1]
    assert donnees["factures"][1]["constats"][0]["code"] == "droits.fermes"
    assert donnees["refus"][0]["champ"] == "numero"
    propre = tmp_path / "propre.jsonl"
    propre.write_text(
        '{"format": "rejets-factures", "version": 1}\n' + json.dumps(juste, default=float) + "\n",
        encoding="utf-8",
    )
    assert "aucun constat" in commande("factures", "controler", str(propre))[0]


def test_controler_repere_un_doublon_dans_le_fichier(db, tmp_path):
    fichier = tmp_path / "lot.json"
    fichier.write_text(
        document(facture_echange("000000101"), facture_echange("000000101")), encoding="utf-8"
    )
    with pytest.raises(CommandError):
        commande("factures", "controler", str(fichier))
    sortie = io.StringIO()
    with pytest.raises(CommandError):
        call_command("factures", "controler", str(fichier), "--json", stdout=sortie)
    codes = [[c["code"] for c in f["constats"]] for f in json.loads(sortie.getvalue())["factures"]]
    assert codes == [[], ["doublon"]]


# --------------------------------------------------------------------- commande preparer


def test_preparer_en_ligne_de_commande(monde):
    f = monde.facture()
    sortie, _ = commande(
        "factures",
        "preparer",
        f.numero,
        "--cabinet",
        monde.cabinet.code,
        "--utilisateur",
        monde.utilisateur.username,
    )
    assert f"Facture {f.numero} préparée" in sortie
    assert "avertissement(s)" in sortie and "numero_am.cle" in sortie
    assert etat(f) is Etat.PRETE
    assert evenements_preparer(f)[0].utilisateur == monde.utilisateur


def test_preparer_bloque_puis_force_en_ligne_de_commande(monde):
    f = visite(monde, AMI1_MAU_IFD, part_amo=435, part_patient=290, prescription=False)
    arguments = ["factures", "preparer", f.numero, "--cabinet", monde.cabinet.code]
    with pytest.raises(CommandError, match="Aucune prescription") as refus:
        commande(*arguments)
    assert "Champ : prescription." in str(refus.value) and f.patient.nir not in str(refus.value)
    assert etat(f) is Etat.BROUILLON
    sortie, _ = commande(*arguments, "--forcer", "Ordonnance envoyée par le médecin")
    assert "Préparée malgré 1 erreur(s)" in sortie and "prescription.absente" in sortie
    assert evenements_preparer(f)[0].details["forcer"] == "Ordonnance envoyée par le médecin"


def test_un_autre_cabinet_n_atteint_pas_la_facture(monde, autre_monde):
    f = monde.facture()
    for cabinet in (monde.cabinet.code, autre_monde.cabinet.code):
        with pytest.raises(CommandError, match="introuvable"):
            commande(
                "factures",
                "preparer",
                f.numero,
                "--cabinet",
                cabinet,
                "--utilisateur",
                autre_monde.utilisateur.username,
            )
    assert etat(f) is Etat.BROUILLON and evenements_preparer(f) == []
