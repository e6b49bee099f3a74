"""The work pages (recyclages, télétransmission, retours, banque, relances, référentiels): in
French for a member, their main action done through the page, nothing of another cabinet
reachable (404 for every object, download and partial), nothing written by a lecture seule
member, shared reference data qualified and imported by administrators only."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from rejets.banque.models import EtatLigne, LigneBancaire, Rapprochement
from rejets.cabinets.models import Role, SignatureNumerisee
from rejets.cabinets.services import ajouter_membre
from rejets.domain.ledger import Payeur
from rejets.domain.lifecycle import Etat, TypePartie
from rejets.factures import services as factures
from rejets.factures.models import Facture
from rejets.lots.models import Lot
from rejets.recyclage import services as recyclage
from rejets.recyclage.models import Action, StatutAction, TypeAction
from rejets.referentiels.models import CodeRejet, OrganismeDestinataire, StatutCode
from rejets.referentiels.tod import importer_tod_exemple
from rejets.retours.models import FichierRetour, LigneRetour, PaiementEnAttente, StatutLigne
from rejets.transmission.models import LotScor, Piece

from .conftest import JOUR, Monde
from .fichiers_retour import L, fichier_retour

FSE, DRE = TypePartie.FSE, TypePartie.DRE
APRES = JOUR + timedelta(days=10)
PDF_SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _dossiers(settings, tmp_path, db):
    settings.REJETS_FICHIERS_DIR = tmp_path / "fichiers"
    settings.REJETS_TRANSMISSION_DIR = tmp_path / "transmission"
    settings.REJETS_TRANSMISSION_ADAPTATEUR = "simulateur"
    importer_tod_exemple()


@pytest.fixture
def voisin(db):
    """Another cabinet, with its own biller and a professional of another number."""
    return Monde("voisin", numero_am="131000015")


@pytest.fixture
def lecteur(monde):
    """A member of the cabinet who only reads."""
    utilisateur = User.objects.create_user("lecteur-a", password="x")
    ajouter_membre(utilisateur=utilisateur, cabinet=monde.cabinet, role=Role.LECTURE_SEULE)
    return utilisateur


@pytest.fixture
def administrateur(db):
    return User.objects.create_user("admin-plateforme", password="x", is_staff=True)


def connecte(utilisateur: User) -> Client:
    client = Client()
    client.force_login(utilisateur)
    return client


def texte(reponse) -> str:
    return reponse.content.decode()


def messages_de(reponse) -> str:
    return " ".join(str(m) for m in reponse.context["messages"]) if reponse.context else ""


def prete(monde: Monde, *, amc: bool = False) -> Facture:
    """A clean invoice, valued and through the pre-send checks: DI 1 at the cabinet, 10,00 €."""
    f = monde.facture(amo=600, amc=400 if amc else 0, patient=0 if amc else 400)
    f.actes.update(montant=1000)
    factures.preparer(facture=f, utilisateur=monde.utilisateur)
    f.refresh_from_db()
    return f


def transmise(monde: Monde, *, amc: bool = False) -> Facture:
    from rejets.transmission import services as transmission

    f = prete(monde, amc=amc)
    transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    for partie in (FSE, DRE) if amc else (FSE,):
        lot, _ = Lot.objects.get_or_create(
            cabinet=monde.cabinet, professionnel=monde.pro, numero="00001", type_partie=partie
        )
        factures.transmettre(
            facture=f, partie=partie, lot=lot, le=JOUR, utilisateur=monde.utilisateur
        )
    f.refresh_from_db()
    return f


def defacturee(monde: Monde) -> Facture:
    f = transmise(monde)
    factures.rejeter(
        facture=f,
        partie=FSE,
        code="SD02",
        libelle="DROITS FERMES A LA DATE DES SOINS (SIMULATEUR)",
        le=APRES,
        utilisateur=monde.utilisateur,
    )
    recyclage.defacturer(
        facture=f, utilisateur=monde.utilisateur, le=APRES, commentaire="Caisse à corriger"
    )
    f.refresh_from_db()
    return f


def etat(f: Facture, partie=FSE) -> Etat:
    return Etat(f.parties.get(type=partie).etat)


def signature_png() -> bytes:
    image = Image.new("RGB", (240, 80), "white")
    for x in range(20, 220):
        image.putpixel((x, 40 + (x % 17) - 8), (0, 0, 90))
    flux = io.BytesIO()
    image.save(flux, format="PNG")
    return flux.getvalue()


def payee_par_virement(monde: Monde, montant: int, reference: str, le=JOUR) -> Facture:
    f = transmise(monde)
    factures.enregistrer_paiement(
        facture=f,
        payeur=Payeur.AMO,
        montant=montant,
        le=le,
        utilisateur=monde.utilisateur,
        moyen="virement",
        reference=reference,
    )
    return f


def ofx(*operations: tuple[str, str, str, str]) -> bytes:
    """Operations: (FITID, AAAAMMJJ, amount, label)."""
    corps = "".join(
        f"<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>{d}<TRNAMT>{m}<FITID>{f}<NAME>{n}</STMTTRN>\n"
        for f, d, m, n in operations
    )
    return (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nCHARSET:1252\n\n<OFX>\n"
        "<BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR\n"
        "<BANKACCTFROM><BANKID>30001<ACCTID>FR7630001007941234567890185<ACCTTYPE>CHECKING"
        "</BANKACCTFROM>\n"
        f"<BANKTRANLIST>\n{corps}</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1>\n</OFX>\n"
    ).encode("cp1252")


def fichier(nom: str, contenu: bytes, type_mime: str = "application/octet-stream"):
    return SimpleUploadedFile(nom, contenu, content_type=type_mime)


PAGES = {
    "web:recyclages": "Liste des recyclages",
    "web:teletransmission": "Télétransmission",
    "web:retours": "Retours",
    "web:banque": "Banque",
    "web:relances": "Relances et actions suivies",
    "web:referentiels": "Codes à qualifier",
    "web:referentiels_tarifs": "Tarifs en vigueur le 03/03/2026",
    "web:referentiels_organismes": "Table des Organismes Destinataires",
}


# --- Every page: behind a login, in French, with its empty state. ---


def test_chaque_page_exige_une_connexion(client, db):
    for nom in PAGES:
        reponse = client.get(reverse(nom))
        assert reponse.status_code == 302 and "/connexion/" in reponse["Location"], nom


def test_chaque_page_en_francais_avec_ses_listes_vides(monde):
    client = connecte(monde.utilisateur)
    for nom, titre in PAGES.items():
        reponse = client.get(reverse(nom))
        page = texte(reponse)
        assert reponse.status_code == 200, nom
        assert 'lang="fr"' in page and titre in page, nom
    assert "Aucune facture à recycler" in texte(client.get(reverse("web:recyclages")))
    assert "Aucune FSE à sécuriser" in texte(client.get(reverse("web:teletransmission")))
    page = texte(client.get(reverse("web:retours")))
    assert "Aucune ligne à traiter" in page and "Aucun paiement en attente" in page
    page = texte(client.get(reverse("web:banque")))
    assert "Aucun crédit inexpliqué" in page and "Aucun relevé importé" in page
    assert "Aucune action ouverte" in texte(client.get(reverse("web:relances")))
    page = texte(client.get(reverse("web:referentiels_tarifs")))
    assert "AMI" in page and "3,15\u00a0€" in page
    page = texte(client.get(reverse("web:referentiels_organismes")))
    assert "CPAM de Paris" in page and "Importer une Table" not in page


# --- Recyclages. ---


def test_recycler_par_la_page_avec_un_nouveau_numero(monde):
    f = defacturee(monde)
    client = connecte(monde.utilisateur)
    page = texte(client.get(reverse("web:recyclages")))
    assert f.numero in page and "SD02" in page and "Caisse à corriger" in page
    assert "Corriger et recycler" in page
    url = reverse("web:recyclage", args=[f.pk])
    page = texte(client.get(url))
    assert f.patient.nir in page and 'name="caisse"' in page and "Droits de l" in page
    reponse = client.post(url, {"caisse": "921"}, follow=True)
    f.refresh_from_db()
    nouvelle = Facture.objects.get(recyclee_de=f)
    assert etat(f) is Etat.RECYCLEE and nouvelle.caisse == "921"
    annonce = messages_de(reponse)
    assert f"nouveau numéro {nouvelle.numero}" in annonce and "FSE à sécuriser" in annonce
    assert "Aucune facture à recycler" in texte(reponse)


def test_recyclage_refuse_montre_les_controles_puis_passe_outre_avec_une_raison(monde):
    f = defacturee(monde)
    client = connecte(monde.utilisateur)
    url = reverse("web:recyclage", args=[f.pk])
    posterieure = (JOUR + timedelta(days=5)).isoformat()
    page = texte(client.post(url, {"date_prescription": posterieure}))
    assert "Recyclage refusé" in page and "antérieurs à la prescription" in page
    assert "Rien n'a été changé" in page
    assert not Facture.objects.filter(recyclee_de=f).exists()
    page = texte(client.post(url, {"nir": "123"}))
    assert "NIR corrigé refusé" in page
    reponse = client.post(
        url, {"date_prescription": posterieure, "forcer": "Date confirmée par le médecin"}
    )
    assert reponse.status_code == 302
    assert Facture.objects.filter(recyclee_de=f).exists()


# --- Télétransmission. ---


def test_securiser_construire_envoyer_collecter_par_la_page(monde):
    f = prete(monde)
    client = connecte(monde.utilisateur)
    page = texte(client.get(reverse("web:teletransmission")))
    assert f.numero in page and "FSE à sécuriser (1)" in page
    cabinet = monde.cabinet.pk
    reponse = client.post(
        reverse("web:teletransmission_securiser", args=[cabinet]), {"factures": [f.pk]}, **HTMX
    )
    assert reponse.status_code == 200 and "1 facture(s) sécurisée(s)" in texte(reponse)
    assert f"cabinet-{cabinet}" in texte(reponse) and "FSE à transmettre (1)" in texte(reponse)
    assert etat(f) is Etat.SECURISEE
    reponse = client.post(reverse("web:teletransmission_construire", args=[cabinet]), follow=True)
    assert "Lot FSE n°" in messages_de(reponse)
    reponse = client.post(reverse("web:teletransmission_envoyer", args=[cabinet]), follow=True)
    assert "1 lot(s) envoyé(s) (1 partie(s) transmise(s))" in messages_de(reponse)
    assert etat(f) is Etat.TRANSMISE
    reponse = client.post(reverse("web:teletransmission_collecter"), follow=True)
    assert reponse.status_code == 200 and messages_de(reponse)
    rien = client.post(reverse("web:teletransmission_securiser", args=[cabinet]), follow=True)
    assert "Aucune facture prête n'a été choisie" in messages_de(rien)


def test_mode_degrade_signature_carre_rouge_copie_papier_puis_carre_vert(monde):
    f = prete(monde)
    client = connecte(monde.utilisateur)
    cabinet = monde.cabinet.pk
    reponse = client.post(
        reverse("web:teletransmission_securiser", args=[cabinet]),
        {"factures": [f.pk], "degrade": "1"},
        follow=True,
    )
    assert "signature numérisée" in messages_de(reponse) and etat(f) is Etat.PRETE
    url_signature = reverse("web:teletransmission_signature", args=[monde.pro.pk])
    reponse = client.post(
        url_signature, {"image": fichier("sig.txt", b"pas une image")}, follow=True
    )
    assert "PNG" in messages_de(reponse)
    assert not SignatureNumerisee.objects.exists()
    client.post(url_signature, {"image": fichier("signature.png", signature_png(), "image/png")})
    assert SignatureNumerisee.objects.filter(professionnel=monde.pro).exists()
    assert "data:image/png;base64," in texte(client.get(url_signature))
    reponse = client.post(
        reverse("web:teletransmission_securiser", args=[cabinet]),
        {"factures": [f.pk], "degrade": "1"},
        follow=True,
    )
    page = texte(reponse)
    assert "en mode dégradé" in messages_de(reponse)
    assert "carre-rouge" in page and "Prescription numérisée" in page
    copie = client.get(reverse("web:teletransmission_copie_papier", args=[f.pk]))
    assert copie.status_code == 200 and copie["Content-Type"] == "application/pdf"
    assert b"".join(copie.streaming_content).startswith(b"%PDF")
    assert f"copie-papier-{f.numero}.pdf" in copie["Content-Disposition"]
    url_pieces = reverse("web:teletransmission_pieces", args=[f.pk])
    reponse = client.post(url_pieces, {"fichier": fichier("scan.exe", b"MZ\x90")}, follow=True)
    assert "seuls les PDF, PNG et JPEG" in messages_de(reponse)
    reponse = client.post(
        url_pieces, {"fichier": fichier("ordonnance.pdf", PDF_SCAN, "application/pdf")}, follow=True
    )
    assert "Prescription numérisée jointe" in messages_de(reponse) and "carre-vert" in texte(
        reponse
    )
    reponse = client.post(reverse("web:teletransmission_construire", args=[cabinet]), follow=True)
    assert "Lot de pièces SCOR" in messages_de(reponse)
    assert LotScor.objects.filter(cabinet=monde.cabinet).count() == 1


# --- Retours. ---


def test_deposer_un_fichier_de_retour_et_voir_la_facture_payee(monde):
    f = transmise(monde)
    client = connecte(monde.utilisateur)
    contenu = fichier_retour(
        ("VIR-WEB-1", [L(f.numero, 600, montant_demande=600, numero_lot="00001")])
    )
    reponse = client.post(
        reverse("web:retours_importer"), {"fichiers": [fichier("retour.txt", contenu)]}
    )
    fichier_ = FichierRetour.objects.get()
    assert reponse["Location"] == reverse("web:retours_fichier", args=[fichier_.pk])
    page = client.get(reponse["Location"])
    assert "Rapport d'import" in texte(page) and "1 appliquée(s)" in messages_de(page)
    assert etat(f) is Etat.PAYEE
    again = client.post(
        reverse("web:retours_importer"), {"fichiers": [fichier("retour.txt", contenu)]}, follow=True
    )
    assert "déjà importé" in messages_de(again)
    vide = client.post(reverse("web:retours_importer"), {}, follow=True)
    assert "Aucun fichier reçu" in messages_de(vide)
    casse = client.post(
        reverse("web:retours_importer"),
        {"fichiers": [fichier("casse.txt", b"\x00\x01binaire")]},
        follow=True,
    )
    assert "refusé en entier et mis en quarantaine" in messages_de(casse)


def test_lignes_non_rapprochees_suggestion_rapprocher_ecarter_affecter(monde):
    suggeree, a_la_main, a_affecter = transmise(monde), transmise(monde), transmise(monde)
    client = connecte(monde.utilisateur)
    contenu = fichier_retour(
        (
            "VIR-WEB-2",
            [
                L("900000990", 600, montant_demande=600, nir=suggeree.patient.nir),
                L("900000991", 500, montant_demande=500, nir="1" * 15),
                L("900000992", 600, montant_demande=600, nir="1" * 15),
                L("900000993", 0, issue="R", code="SD02", libelle="DROITS FERMES", nir="1" * 15),
            ],
        )
    )
    client.post(reverse("web:retours_importer"), {"fichiers": [fichier("r.txt", contenu)]})
    page = texte(client.get(reverse("web:retours")))
    assert "Lignes non rapprochées (4)" in page and "Paiements en attente d'affectation (3)" in page
    assert f"Rapprocher de la facture {suggeree.numero}" in page
    lignes = {x.numero_facture: x for x in LigneRetour.objects.all()}
    reponse = client.post(
        reverse("web:retours_rapprocher", args=[lignes["900000990"].pk]),
        {"suggestion": "1"},
        **HTMX,
    )
    assert reponse["HX-Refresh"] == "true", "the money left the payments awaiting allocation"
    assert etat(suggeree) is Etat.PAYEE
    assert f"rapprochée de la facture {suggeree.numero}" in messages_de(
        client.get(reverse("web:retours"))
    )
    reponse = client.post(
        reverse("web:retours_rapprocher", args=[lignes["900000991"].pk]),
        {"facture": a_la_main.numero},
        follow=True,
    )
    assert f"rapprochée de la facture {a_la_main.numero}" in messages_de(reponse)
    assert etat(a_la_main) is Etat.PAYEE_PARTIELLEMENT
    inconnue = client.post(
        reverse("web:retours_rapprocher", args=[lignes["900000993"].pk]),
        {"facture": "123"},
        follow=True,
    )
    assert "aucune facture n° 123" in messages_de(inconnue)
    sans_raison = client.post(
        reverse("web:retours_ecarter", args=[lignes["900000993"].pk]), {"raison": ""}, follow=True
    )
    assert "demande une raison" in messages_de(sans_raison)
    ecartee = client.post(
        reverse("web:retours_ecarter", args=[lignes["900000993"].pk]),
        {"raison": "Doublon", "retour": reverse("web:retours")},
        **HTMX,
    )
    assert "Écartée à la main" in texte(ecartee) and f"ligne-{lignes['900000993'].pk}" in texte(
        ecartee
    )
    assert LigneRetour.objects.get(pk=lignes["900000993"].pk).statut == StatutLigne.ECARTEE
    attente = PaiementEnAttente.objects.get(affecte_le__isnull=True)
    reponse = client.post(
        reverse("web:retours_affecter", args=[attente.pk]), {"facture": a_affecter.numero}, **HTMX
    )
    assert reponse["HX-Refresh"] == "true"
    assert etat(a_affecter) is Etat.PAYEE
    page = texte(client.get(reverse("web:retours")))
    assert "Aucune ligne à traiter" in page and "Aucun paiement en attente" in page


# --- Banque. ---


def test_deposer_un_releve_rapprocher_puis_a_la_main_et_ignorer(monde):
    payee_par_virement(monde, 500, "VIR-A0", le=JOUR - timedelta(days=20))
    payee_par_virement(monde, 600, "VIR-A1")
    payee_par_virement(monde, 600, "VIR-B")
    client = connecte(monde.utilisateur)
    releve = ofx(
        ("F1", "20260303", "6.00", "VIR SEPA CPAM DE PARIS VIR-A1"),
        ("F2", "20260304", "5.50", "VIR DIVERS"),
        ("F3", "20260304", "12.00", "REMBOURSEMENT PATIENT"),
    )
    reponse = client.post(
        reverse("web:banque_importer"),
        {"cabinet": monde.cabinet.pk, "fichier": fichier("mars.ofx", releve)},
        follow=True,
    )
    assert "3 opération(s) lue(s), 3 importée(s)" in messages_de(reponse)
    assert "Rapport d'import" in texte(reponse)
    reponse = client.post(reverse("web:banque_rapprocher"), follow=True)
    assert "1 virement(s) rapproché(s)" in messages_de(reponse)
    assert Rapprochement.objects.get().reference == "VIR-A1"
    page = texte(reponse)
    assert "Virements jamais crédités (1)" in page and "VIR-A0" in page
    assert "Crédits inexpliqués (2)" in page and "VIR-B du 02/03/2026" in page
    divers = LigneBancaire.objects.get(fitid="F2")
    patient = LigneBancaire.objects.get(fitid="F3")
    reponse = client.post(
        reverse("web:banque_rapprocher_ligne", args=[divers.pk]),
        {"virement": "amo|VIR-B|2026-03-02"},
        **HTMX,
    )
    assert reponse.status_code == 200
    assert "écart de -0,50" in texte(reponse) and "Rapprochée d" in texte(reponse)
    faux = client.post(
        reverse("web:banque_rapprocher_ligne", args=[patient.pk]),
        {"virement": "amo|VIR-INCONNU|2026-03-02"},
        follow=True,
    )
    assert "Aucun virement « VIR-INCONNU »" in messages_de(faux)
    client.post(reverse("web:banque_ignorer", args=[patient.pk]), {"raison": "Patient"})
    assert LigneBancaire.objects.get(pk=patient.pk).etat == EtatLigne.IGNOREE
    assert "Aucun crédit inexpliqué" in texte(client.get(reverse("web:banque")))
    casse = client.post(
        reverse("web:banque_importer"),
        {"cabinet": monde.cabinet.pk, "fichier": fichier("casse.csv", b"a;b\n1;2\n")},
        follow=True,
    )
    assert "Rien n'a été importé" in messages_de(casse)


# --- Relances. ---


def test_creer_une_relance_telecharger_lettre_et_courriel_puis_repondre(monde):
    f = transmise(monde, amc=True)
    client = connecte(monde.utilisateur)
    reponse = client.post(
        reverse("web:relances_nouvelle"),
        {"cabinet": monde.cabinet.pk, "numero": f.numero, "type": "relance_mutuelle"},
        follow=True,
    )
    assert "échéance le 02/04/2026" in messages_de(reponse)
    action = Action.objects.get(type=TypeAction.RELANCE_MUTUELLE)
    page = texte(reponse)
    assert "Lettre (PDF)" in page and "Courriel (.eml)" in page and "02/04/2026" in page
    lettre = client.get(reverse("web:relances_document", args=[action.pk]))
    assert lettre.status_code == 200 and lettre["Content-Type"] == "application/pdf"
    assert b"".join(lettre.streaming_content).startswith(b"%PDF")
    nom = f"action-{action.pk}-facture-{f.numero}.pdf"
    assert nom in lettre["Content-Disposition"] and "attachment" in lettre["Content-Disposition"]
    brouillon = client.get(reverse("web:relances_courriel", args=[action.pk]))
    assert brouillon["Content-Type"] == "message/rfc822"
    assert f.numero in b"".join(brouillon.streaming_content).decode("utf-8", "replace")
    refus = client.post(
        reverse("web:relances_nouvelle"),
        {"cabinet": monde.cabinet.pk, "numero": f.numero, "type": "rappel_patient"},
    )
    assert "le patient ne doit plus rien" in texte(refus)
    inconnue = client.post(
        reverse("web:relances_nouvelle"),
        {"cabinet": monde.cabinet.pk, "numero": "123", "type": "rappel_patient"},
    )
    assert "Aucune facture n° 123" in texte(inconnue)
    reponse = client.post(
        reverse("web:relances_repondre", args=[action.pk]),
        {"reponse": "Payée le 10/03 par la mutuelle"},
        **HTMX,
    )
    assert "Terminée" in texte(reponse) and "Réponse enregistrée" in texte(reponse)
    action.refresh_from_db()
    assert action.statut == StatutAction.TERMINEE


def test_un_telechargement_ne_sort_jamais_du_dossier_du_cabinet(monde, voisin, settings):
    f = transmise(monde, amc=True)
    client = connecte(monde.utilisateur)
    client.post(
        reverse("web:relances_nouvelle"),
        {"cabinet": monde.cabinet.pk, "numero": f.numero, "type": "relance_mutuelle"},
    )
    action = Action.objects.get()
    ailleurs = settings.REJETS_FICHIERS_DIR / "documents" / str(voisin.cabinet.pk) / "x.pdf"
    ailleurs.parent.mkdir(parents=True)
    ailleurs.write_bytes(b"%PDF-1.4 autre cabinet")
    secret = settings.REJETS_FICHIERS_DIR / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 secret")
    for chemin in (
        f"documents/{voisin.cabinet.pk}/x.pdf",
        f"documents/{monde.cabinet.pk}/../{voisin.cabinet.pk}/x.pdf",
        "../secret.pdf",
        "secret.pdf",
        str(secret),
        f"documents/{monde.cabinet.pk}/absent.pdf",
        "",
    ):
        Action.objects.filter(pk=action.pk).update(document=chemin)
        reponse = client.get(reverse("web:relances_document", args=[action.pk]))
        assert reponse.status_code == 404, chemin


# --- Référentiels. ---


def test_qualifier_un_code_en_administrateur_refuse_aux_autres(monde, administrateur):
    f = transmise(monde)
    factures.rejeter(
        facture=f,
        partie=FSE,
        code="ZZ9",
        libelle="DROITS NON OUVERTS",
        le=APRES,
        utilisateur=monde.utilisateur,
    )
    membre = connecte(monde.utilisateur)
    page = texte(membre.get(reverse("web:referentiels")))
    assert "ZZ9" in page and "DROITS NON OUVERTS" in page and "Qualifier</a>" not in page
    url = reverse("web:referentiels_qualifier")
    refus = membre.get(url, {"code": "ZZ9"})
    assert refus.status_code == 403 and "Seuls les administrateurs" in texte(refus)
    donnees = {
        "code": "ZZ9",
        "famille": "droits",
        "explication": "Droits fermés à la date des soins.",
        "correction": "Consulter les droits, corriger la caisse.",
        "action": "recycler",
        "refacturable": "oui",
    }
    assert membre.post(url, donnees).status_code == 403
    assert not CodeRejet.objects.filter(code="ZZ9", statut=StatutCode.QUALIFIE).exists()
    admin = connecte(administrateur)
    assert "Qualifier</a>" in texte(admin.get(reverse("web:referentiels")))
    formulaire = texte(admin.get(url, {"code": "ZZ9"}))
    assert '<option value="droits" selected>' in formulaire
    reponse = admin.post(url, donnees, follow=True)
    assert "Code ZZ9 « DROITS NON OUVERTS » qualifié" in messages_de(reponse)
    code = CodeRejet.objects.get(code="ZZ9")
    assert code.statut == StatutCode.QUALIFIE and code.qualifie_par == administrateur


def test_importer_la_tod_en_administrateur_refuse_aux_autres(monde, administrateur):
    tod = (
        "Code régime;Caisse gestionnaire;Centre gestionnaire;Libellé;Organisme destinataire;"
        "Code centre informatique\n01;751;0000;CPAM DE TEST;017510000;101\n"
        "01;75A;0000;CAISSE FAUTIVE;017510000;101\n"
    ).encode()
    avant = OrganismeDestinataire.objects.count()
    membre = connecte(monde.utilisateur)
    refus = membre.post(
        reverse("web:referentiels_tod"), {"fichier": fichier("TOD.csv", tod, "text/csv")}
    )
    assert refus.status_code == 403 and OrganismeDestinataire.objects.count() == avant
    admin = connecte(administrateur)
    page = texte(admin.get(reverse("web:referentiels_organismes")))
    assert "Importer une Table des Organismes Destinataires" in page
    reponse = admin.post(
        reverse("web:referentiels_tod"),
        {"fichier": fichier("TOD.csv", tod, "text/csv")},
        follow=True,
    )
    annonce = messages_de(reponse)
    assert "1 importée(s), 1 refusée(s)" in annonce and "ligne 3" in annonce
    assert "CPAM DE TEST" in texte(reponse) and OrganismeDestinataire.objects.count() == 1
    vide = admin.post(
        reverse("web:referentiels_tod"), {"fichier": fichier("vide.csv", b"")}, follow=True
    )
    assert "Rien n'a été importé" in messages_de(vide)
    assert OrganismeDestinataire.objects.count() == 1


# --- Another cabinet sees nothing; a reader writes nothing. ---


@pytest.fixture
def scene(monde):
    """One object of each kind in the cabinet of `monde`, and the URLs that reach them."""
    from rejets.banque import services as banque
    from rejets.cabinets.services import enregistrer_signature
    from rejets.transmission import services as transmission

    a_recycler = defacturee(monde)
    a_securiser = prete(monde)
    enregistrer_signature(professionnel=monde.pro, image=signature_png())
    degradee = prete(monde)
    transmission.securiser(facture=degradee, utilisateur=monde.utilisateur, le=JOUR, mode="degrade")
    payee_par_virement(monde, 600, "VIR-S1")
    retour = transmise(monde, amc=True)
    client = connecte(monde.utilisateur)
    contenu = fichier_retour(
        ("VIR-S2", [L("900000990", 600, montant_demande=600), L("900000991", 0, issue="R")])
    )
    client.post(reverse("web:retours_importer"), {"fichiers": [fichier("s.txt", contenu)]})
    releve = banque.importer_releve(
        cabinet=monde.cabinet,
        flux=io.BytesIO(ofx(("S1", "20260303", "9.99", "VIR INCONNU"))),
        nom="s.ofx",
        utilisateur=monde.utilisateur,
    ).releve
    client.post(
        reverse("web:relances_nouvelle"),
        {"cabinet": monde.cabinet.pk, "numero": retour.numero, "type": "relance_mutuelle"},
    )
    action = Action.objects.get()
    ligne = LigneRetour.objects.get(numero_facture="900000990")
    sans_argent = LigneRetour.objects.get(numero_facture="900000991")
    attente = PaiementEnAttente.objects.get()
    credit = LigneBancaire.objects.get()
    cabinet = monde.cabinet.pk
    lectures = [
        reverse("web:recyclage", args=[a_recycler.pk]),
        reverse("web:teletransmission_files", args=[cabinet]),
        reverse("web:teletransmission_pieces", args=[degradee.pk]),
        reverse("web:teletransmission_copie_papier", args=[degradee.pk]),
        reverse("web:teletransmission_signature", args=[monde.pro.pk]),
        reverse("web:retours_fichier", args=[ligne.fichier_id]),
        reverse("web:banque_releve", args=[releve.pk]),
        reverse("web:relances_action", args=[action.pk]),
        reverse("web:relances_document", args=[action.pk]),
        reverse("web:relances_courriel", args=[action.pk]),
    ]
    ecritures = [
        (reverse("web:recyclage", args=[a_recycler.pk]), {"caisse": "921"}),
        (reverse("web:teletransmission_securiser", args=[cabinet]), {"toutes": "1"}),
        (reverse("web:teletransmission_construire", args=[cabinet]), {}),
        (reverse("web:teletransmission_envoyer", args=[cabinet]), {}),
        (reverse("web:teletransmission_collecter"), {}),
        (
            reverse("web:teletransmission_pieces", args=[degradee.pk]),
            {"fichier": fichier("o.pdf", PDF_SCAN)},
        ),
        (
            reverse("web:teletransmission_signature", args=[monde.pro.pk]),
            {"image": fichier("s.png", signature_png())},
        ),
        (reverse("web:retours_importer"), {"fichiers": [fichier("x.txt", contenu)]}),
        (reverse("web:retours_rapprocher", args=[ligne.pk]), {"facture": retour.numero}),
        (reverse("web:retours_ecarter", args=[sans_argent.pk]), {"raison": "Doublon"}),
        (reverse("web:retours_affecter", args=[attente.pk]), {"facture": retour.numero}),
        (
            reverse("web:banque_importer"),
            {"cabinet": cabinet, "fichier": fichier("b.ofx", ofx(("X", "20260303", "1", "X")))},
        ),
        (reverse("web:banque_rapprocher"), {}),
        (
            reverse("web:banque_rapprocher_ligne", args=[credit.pk]),
            {"virement": "amo|VIR-S1|2026-03-02"},
        ),
        (reverse("web:banque_ignorer", args=[credit.pk]), {"raison": "Patient"}),
        (
            reverse("web:relances_nouvelle"),
            {"cabinet": cabinet, "numero": retour.numero, "type": "relance_mutuelle"},
        ),
        (reverse("web:relances_repondre", args=[action.pk]), {"reponse": "Payée"}),
    ]
    numeros = [a_recycler.numero, a_securiser.numero, degradee.numero, retour.numero]
    return {"lectures": lectures, "ecritures": ecritures, "numeros": numeros}


def _rien_n_a_change():
    return (
        Facture.objects.filter(recyclee_de__isnull=False).count(),
        Piece.objects.count(),
        SignatureNumerisee.objects.count(),
        FichierRetour.objects.count(),
        LigneRetour.objects.filter(
            statut__in=[StatutLigne.RAPPROCHEE, StatutLigne.ECARTEE]
        ).count(),
        PaiementEnAttente.objects.filter(affecte_le__isnull=False).count(),
        LigneBancaire.objects.exclude(etat=EtatLigne.NON_RAPPROCHEE).count(),
        Action.objects.count(),
        Action.objects.filter(statut=StatutAction.TERMINEE).count(),
        Lot.objects.count(),
        list(Facture.objects.order_by("pk").values_list("etat", flat=True)),
    )


def test_l_utilisateur_d_un_autre_cabinet_recoit_404_partout(scene, voisin):
    client = connecte(voisin.utilisateur)
    for url in scene["lectures"]:
        assert client.get(url).status_code == 404, url
        assert client.get(url, **HTMX).status_code == 404, url
    avant = _rien_n_a_change()
    for url, donnees in scene["ecritures"]:
        if url == reverse("web:retours_importer") or url == reverse("web:banque_rapprocher"):
            continue  # his own cabinet: allowed, and it never touches this one
        if url == reverse("web:teletransmission_collecter"):
            continue
        assert client.post(url, donnees).status_code == 404, url
        assert client.post(url, donnees, **HTMX).status_code == 404, url
    assert _rien_n_a_change() == avant
    for nom in PAGES:
        page = texte(client.get(reverse(nom)))
        for numero in scene["numeros"]:
            assert numero not in page, (nom, numero)
        assert "Cabinet a" not in page, nom


def test_un_membre_en_lecture_seule_ne_voit_aucun_formulaire_et_n_ecrit_rien(scene, lecteur):
    client = connecte(lecteur)
    for url in scene["lectures"]:
        assert client.get(url).status_code == 200, url
    pages = {nom: texte(client.get(reverse(nom))).split("<main>", 1)[1] for nom in PAGES}
    assert scene["numeros"][0] in pages["web:recyclages"]
    assert "Corriger et recycler" not in pages["web:recyclages"]
    for nom, page in pages.items():
        assert 'method="post"' not in page, nom
    dossier = texte(client.get(scene["lectures"][0]))
    assert "lecture seule" in dossier and 'name="caisse"' not in dossier
    avant = _rien_n_a_change()
    for url, donnees in scene["ecritures"]:
        assert client.post(url, donnees).status_code == 404, url
    assert _rien_n_a_change() == avant


def test_les_numeros_et_les_pk_seuls_dans_les_adresses(scene, monde):
    patients = {(f.patient.nom, f.patient.nir) for f in Facture.objects.select_related("patient")}
    urls = scene["lectures"] + [url for url, _ in scene["ecritures"]]
    for nom, nir in patients:
        for url in urls:
            assert nir not in url and nom not in url
    client = connecte(monde.utilisateur)
    for nom in PAGES:
        page = texte(client.get(reverse(nom)))
        for _, nir in patients:
            assert f"={nir}" not in page and f"/{nir}" not in page


def test_le_montant_est_affiche_en_francais(monde):
    f = defacturee(monde)
    Facture.objects.filter(pk=f.pk).update(total=123456, part_amo=123456 - 400 - 0, part_amc=0)
    page = texte(connecte(monde.utilisateur).get(reverse("web:recyclages")))
    assert "1\u202f234,56\u00a0€" in page and f.date_soins.strftime("%d/%m/%Y") in page
