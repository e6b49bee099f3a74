"""The dashboard, the worklist and the invoice page: French content and true figures, each
cabinet behind its own walls (404), readers without actions, and the rejection workflow driven
through the pages with a balanced book."""

import html
import io
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from rejets.cabinets import services as cabinets
from rejets.cabinets.models import Cabinet, Role
from rejets.compta.verification import verifier
from rejets.comptes.models import Consultation
from rejets.core import horloge
from rejets.domain.ledger import Payeur
from rejets.domain.lifecycle import Etat, TypePartie
from rejets.factures import services
from rejets.factures.models import Facture
from rejets.recyclage.models import Action, TypeAction
from rejets.suivi import echeances
from rejets.suivi.models import ElementATraiter, Motif
from rejets.web.perimetre import CLE_SESSION

from .conftest import JOUR
from .test_recyclage import rejetee, transmise

FSE, DRE = TypePartie.FSE, TypePartie.DRE
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _dossiers(settings, tmp_path, db):
    settings.REJETS_FICHIERS_DIR = tmp_path / "fichiers"
    settings.REJETS_TRANSMISSION_DIR = tmp_path / "transmission"
    call_command("referentiels", "tod", "--exemple", stdout=io.StringIO())


def texte(reponse) -> str:
    """The visible text of a page, spaces folded (thin and non-breaking spaces kept)."""
    s = reponse.content.decode()
    s = re.sub(r"<(script|style)\b.*?</\1>", " ", s, flags=re.S)
    s = html.unescape(re.sub(r"<[^>]+>", " ", s))
    return re.sub(r"[ \t\r\n]+", " ", s)


def euros(texte_montant: str) -> str:
    """« 6,00 € » as the pages write it (U+00A0 before the euro sign)."""
    return texte_montant.replace(" €", "\u00a0€")


def liste_a_jour(*mondes):
    echeances.executer(
        cabinets=Cabinet.objects.filter(pk__in=[m.cabinet.pk for m in mondes]),
        le=horloge.aujourd_hui(),
        utilisateur=mondes[0].utilisateur,
    )


def lecteur(monde) -> User:
    u = User.objects.create_user(f"lecteur-{monde.cabinet.code}", password="x")
    cabinets.ajouter_membre(utilisateur=u, cabinet=monde.cabinet, role=Role.LECTURE_SEULE)
    return u


def livre_propre(*mondes):
    assert verifier([m.cabinet for m in mondes]) == []


def dre_rejetee_fse_payee(monde) -> Facture:
    """FSE paid by the caisse, DRE rejected by the mutuelle: défacturer is not the way."""
    f = transmise(monde, amc=True)
    services.enregistrer_paiement(
        facture=f,
        payeur=Payeur.AMO,
        montant=600,
        le=JOUR + timedelta(days=5),
        utilisateur=monde.utilisateur,
    )
    services.rejeter(
        facture=f,
        partie=DRE,
        code="SA01",
        libelle="CONTRAT AMC EXPIRE",
        le=JOUR + timedelta(days=6),
        utilisateur=monde.utilisateur,
    )
    f.refresh_from_db()
    return f


# ---------------------------------------------------------------------- tableau de bord


def test_le_tableau_de_bord_en_francais_avec_des_chiffres_justes(client, monde, autre_monde):
    attente = transmise(monde)  # FSE 6,00 € awaiting the caisse, patient paid
    payee = transmise(monde)
    services.enregistrer_paiement(
        facture=payee,
        payeur=Payeur.AMO,
        montant=600,
        le=JOUR + timedelta(days=8),
        utilisateur=monde.utilisateur,
    )
    rejetee(monde)  # 6,00 € rejected
    voisine = autre_monde.facture(amo=987654, patient=0)
    services.preparer(facture=voisine, utilisateur=autre_monde.utilisateur)
    client.force_login(monde.utilisateur)
    reponse = client.get("/")
    assert reponse.status_code == 200
    page = texte(reponse)
    assert "Tableau de bord" in page and monde.cabinet.nom in page
    assert autre_monde.cabinet.nom not in page and "9\u202f876,54" not in page
    assert re.search(r'id="en-attente">6,00\u00a0€<', reponse.content.decode())
    assert re.search(r'id="rejete">6,00\u00a0€<', reponse.content.decode())
    assert "1 partie rejetée" in page
    # Three FSE sent in March 2026, one rejected: 33,3 %; one paid eight days after sending.
    assert "1 rejet pour 3 demandes envoyées, soit 33,3 %" in page
    assert re.search(r'id="delai">8,0 jours<', reponse.content.decode())
    assert "03/2026 3 1 33,3 %" in page
    assert "Droits de l'assuré 1 33,3 %" in page
    assert reponse.context["graphique_mois"]["taux"][-1] == 33.3
    assert 'id="donnees-mois" type="application/json"' in reponse.content.decode()
    assert "rejets/vendor/chart.umd.min.js" in reponse.content.decode()
    assert attente.numero  # the figures above come from these invoices


def test_le_tableau_de_bord_montre_ce_qui_approche_de_la_forclusion(client, monde, settings):
    rejetee(monde)  # soins du 02/03/2026 : forclos le 01/04/2028
    settings.REJETS_DATE_DU_JOUR = date(2028, 2, 15)  # 46 jours avant
    client.force_login(monde.utilisateur)
    page = texte(client.get("/"))
    assert "Menacé de forclusion" in page
    assert euros("Sous 30 jours : 0,00 €") in page
    assert euros("Sous 60 jours : 6,00 €") in page
    assert euros("Sous 90 jours : 6,00 €") in page


def test_le_tableau_de_bord_exige_une_connexion(client, db):
    reponse = client.get("/")
    assert reponse.status_code == 302 and "/connexion/" in reponse["Location"]


# ---------------------------------------------------------------------- à traiter


def test_la_liste_a_traiter_par_priorite_avec_ses_filtres(client, monde, autre_monde):
    r = rejetee(monde)
    dre = dre_rejetee_fse_payee(monde)
    chez_le_voisin = rejetee(autre_monde)
    liste_a_jour(monde, autre_monde)
    client.force_login(monde.utilisateur)
    reponse = client.get("/a-traiter/")
    page = texte(reponse)
    assert "À traiter" in page and "2 éléments à traiter" in page
    assert r.numero in page and dre.numero in page
    assert autre_monde.cabinet.nom not in page
    assert f'href="/facture/{chez_le_voisin.pk}/"' not in reponse.content.decode()
    assert "Rejet à traiter" in page and "[SD02] DROITS FERMES" in page
    assert f'href="/facture/{r.pk}/"' in reponse.content.decode()
    assert r.numero in texte(client.get("/a-traiter/?famille=droits"))
    assert dre.numero not in texte(client.get("/a-traiter/?famille=droits"))
    assert dre.numero in texte(client.get("/a-traiter/?organisme=9999000001"))
    vide = texte(client.get("/a-traiter/?motif=impaye_sans_retour"))
    assert "Rien à traiter : aucun élément ne correspond à ces filtres." in vide
    assert r.numero not in texte(client.get("/a-traiter/?age=30"))
    assert "Rien à traiter" in texte(client.get("/a-traiter/?qui=moi"))
    assert r.numero in texte(client.get(f"/a-traiter/?cabinet={monde.cabinet.code}"))
    partiel = client.get("/a-traiter/?famille=droits", HTTP_HX_TARGET="liste", **HTMX)
    assert partiel.status_code == 200 and b"<html" not in partiel.content
    assert r.numero.encode() in partiel.content


def test_rien_a_traiter_le_dit_en_francais(client, monde):
    client.force_login(monde.utilisateur)
    page = texte(client.get("/a-traiter/"))
    assert "Rien à traiter : aucun rejet, aucun impayé ni aucun délai dépassé" in page


def test_je_le_prends_et_je_reporte(client, monde):
    r = rejetee(monde)
    liste_a_jour(monde)
    element = ElementATraiter.objects.get(facture=r, motif=Motif.REJET)
    client.force_login(monde.utilisateur)
    reponse = client.post(f"/a-traiter/{element.pk}/responsable/", **HTMX)
    assert reponse.status_code == 200 and b"<html" not in reponse.content
    ligne = texte(reponse)
    assert monde.utilisateur.username in ligne and "Vous avez pris cet élément." in ligne
    assert "Rendre" in ligne
    element.refresh_from_db()
    assert element.responsable == monde.utilisateur
    assert r.numero in texte(client.get("/a-traiter/?qui=moi"))
    assert "Rien à traiter" in texte(client.get("/a-traiter/?qui=sans"))
    refus = client.post(
        f"/a-traiter/{element.pk}/reporter/", {"au": "2026-03-01", "raison": "x"}, **HTMX
    )
    assert "La date de report doit être après aujourd'hui." in texte(refus)
    reponse = client.post(
        f"/a-traiter/{element.pk}/reporter/",
        {"au": "2026-04-10", "raison": "Attestation demandée au patient"},
        **HTMX,
    )
    assert "Reporté au 10/04/2026" in texte(reponse)
    element.refresh_from_db()
    assert element.reporte_au == date(2026, 4, 10)
    assert element.raison_report == "Attestation demandée au patient"
    assert r.numero not in texte(client.get("/a-traiter/"))
    avec = texte(client.get("/a-traiter/?reportes=1"))
    assert r.numero in avec and "Attestation demandée au patient" in avec
    # Without htmx: the page again, with the message.
    reponse = client.post(f"/a-traiter/{element.pk}/reporter/", {"reveiller": "1"}, follow=True)
    assert "Report annulé" in texte(reponse)
    assert r.numero in texte(client.get("/a-traiter/"))


def test_defacturer_une_selection_dit_ce_qui_est_fait_et_refuse(client, monde):
    r = rejetee(monde)
    dre = dre_rejetee_fse_payee(monde)
    liste_a_jour(monde)
    ids = list(ElementATraiter.objects.filter(facture__in=[r, dre]).values_list("pk", flat=True))
    client.force_login(monde.utilisateur)
    reponse = client.post(
        "/a-traiter/selection/",
        {"operation": "defacturer", "element": ids, "commentaire": "Mettre la carte à jour"},
        **HTMX,
    )
    assert reponse.status_code == 200 and reponse["HX-Trigger"] == "liste-a-jour"
    rapport = texte(reponse)
    assert f"Facture {r.numero} défacturée" in rapport
    assert f"Facture {dre.numero} :" in rapport and "Refusé (1)" in rapport
    r.refresh_from_db()
    dre.refresh_from_db()
    assert r.etat == Etat.DEFACTUREE and r.commentaire == "Mettre la carte à jour"
    assert dre.etat == Etat.REJETEE
    livre_propre(monde)
    # The worklist follows at once: the unbilled invoice is now to recycle.
    assert ElementATraiter.objects.filter(facture=r, motif=Motif.DEFACTUREE).exists()
    element = ElementATraiter.objects.get(facture=r, motif=Motif.DEFACTUREE)
    suite = client.post(
        "/a-traiter/selection/", {"operation": "recycler", "element": [element.pk]}, follow=True
    )
    assert f"La facture {r.numero} est recyclée sous le nouveau numéro" in texte(suite)
    r.refresh_from_db()
    assert r.etat == Etat.RECYCLEE and r.recyclee_en.etat == Etat.PRETE
    livre_propre(monde)


# ---------------------------------------------------------------------- facture


def test_la_page_d_une_facture_rejetee(client, monde):
    f = rejetee(monde)
    client.force_login(monde.utilisateur)
    avant = Consultation.objects.count()
    reponse = client.get(f"/facture/{f.pk}/")
    assert reponse.status_code == 200
    page = texte(reponse)
    assert f"Facture {f.numero}" in page and monde.cabinet.nom in page
    assert "Claire Roux" in page and "Rejetée" in page
    assert euros("10,00 €") in page and euros("6,00 €") in page and euros("4,00 €") in page
    for attendu in (
        "Historique",
        "Création",
        "Sécuriser",
        "Transmettre dans un lot",
        "Lot n° 00001",
        "Rejet [SD02] DROITS FERMES A LA DATE DES SOINS (SIMULATEUR)",
        "Reçu le 12/03/2026",
        "Paiement du patient",
        "Journaux comptables",
        "Créances sur les caisses (AMO)",
        "Équilibré : facturé = payé + perdu + reste dû.",
    ):
        assert attendu in page, attendu
    assert euros("Reste dû 6,00 €") in page
    contenu = reponse.content.decode()
    assert f"/facture/{f.pk}/action/defacturer/" in contenu
    assert f"/facture/{f.pk}/action/recycler/" not in contenu
    assert f"/facture/{f.pk}/action/facturer_patient/" in contenu
    assert f"/facture/{f.pk}/action/abandonner/" in contenu
    assert f"/facture/{f.pk}/action/reclamation/" not in contenu
    assert f.patient.nir not in contenu
    consultation = Consultation.objects.latest("pk")
    assert Consultation.objects.count() == avant + 1
    assert consultation.reference == f.numero and consultation.utilisateur == monde.utilisateur


def test_une_facture_transmise_n_offre_pas_de_defacturer(client, monde):
    f = transmise(monde)
    client.force_login(monde.utilisateur)
    contenu = client.get(f"/facture/{f.pk}/").content.decode()
    assert f"/facture/{f.pk}/action/defacturer/" not in contenu
    assert f"/facture/{f.pk}/action/recycler/" not in contenu
    assert f"/facture/{f.pk}/action/facturer_patient/" not in contenu
    assert f"/facture/{f.pk}/action/reclamation/" in contenu
    assert f"/facture/{f.pk}/action/demande_annulation/" in contenu
    assert f"/facture/{f.pk}/action/rejet_papier/" in contenu
    # Posted anyway: refused in French, nothing moves.
    reponse = client.post(f"/facture/{f.pk}/action/defacturer/", follow=True)
    assert "cette action n'est pas possible à l'état « Transmise »" in texte(reponse)
    f.refresh_from_db()
    assert f.etat == Etat.TRANSMISE


def test_defacturer_puis_recycler_par_la_page(client, monde):
    f = rejetee(monde)
    client.force_login(monde.utilisateur)
    reponse = client.post(
        f"/facture/{f.pk}/action/defacturer/",
        {"commentaire": "Carte Vitale à mettre à jour"},
        follow=True,
    )
    assert reponse.redirect_chain == [(f"/facture/{f.pk}/", 302)]
    page = texte(reponse)
    assert f"Facture {f.numero} défacturée" in page
    assert "ce paiement devient un acompte" in page
    assert "Commentaire : Carte Vitale à mettre à jour" in page
    assert f"/facture/{f.pk}/action/recycler/" in reponse.content.decode()
    assert f"/facture/{f.pk}/action/defacturer/" not in reponse.content.decode()
    livre_propre(monde)
    reponse = client.post(f"/facture/{f.pk}/action/recycler/", follow=True)
    f.refresh_from_db()
    nouvelle = f.recyclee_en
    assert f.etat == Etat.RECYCLEE and nouvelle.etat == Etat.PRETE
    assert reponse.redirect_chain[-1] == (f"/facture/{nouvelle.pk}/", 302)
    page = texte(reponse)
    assert f"La facture {f.numero} est recyclée sous le nouveau numéro {nouvelle.numero}" in page
    assert f"Facture {nouvelle.numero} prête" in page
    assert f"Refacturation de la facture {f.numero}" in page
    assert f'href="/facture/{f.pk}/"' in reponse.content.decode()
    ancienne = texte(client.get(f"/facture/{f.pk}/"))
    assert f"Recyclée sous le numéro {nouvelle.numero}" in ancienne
    livre_propre(monde)
    encore = client.post(f"/facture/{f.pk}/action/recycler/", follow=True)
    assert "n'est pas possible" in texte(encore)
    assert Facture.objects.filter(recyclee_de=f).count() == 1


def test_un_refus_du_service_est_dit_en_francais(client, monde):
    f = rejetee(monde)
    client.force_login(monde.utilisateur)
    reponse = client.post(
        f"/facture/{f.pk}/action/facturer_patient/", {"partie": "fse", "motif": " "}, follow=True
    )
    assert "Refusé : Facturer le patient demande le motif à lui expliquer." in texte(reponse)
    f.refresh_from_db()
    assert f.etat == Etat.REJETEE


def test_reclamation_et_son_document(client, monde, autre_monde):
    f = transmise(monde)
    client.force_login(monde.utilisateur)
    reponse = client.post(
        f"/facture/{f.pk}/action/reclamation/",
        {"partie": "fse", "motif": "Aucun retour après l'ARL positif"},
        follow=True,
    )
    assert "Réclamation (FSE) enregistrée" in texte(reponse)
    action = Action.objects.get(facture=f, type=TypeAction.RECLAMATION)
    assert "Actions suivies" in texte(reponse) and "Réclamation" in texte(reponse)
    document = client.get(f"/facture/{f.pk}/document/{action.pk}/")
    assert document.status_code == 200
    assert b"".join(document.streaming_content).startswith(b"%PDF")
    client.force_login(autre_monde.utilisateur)
    assert client.get(f"/facture/{f.pk}/document/{action.pk}/").status_code == 404


def test_un_autre_cabinet_recoit_404_partout(client, monde, autre_monde):
    f = rejetee(monde)
    liste_a_jour(monde)
    element = ElementATraiter.objects.get(facture=f, motif=Motif.REJET)
    client.force_login(autre_monde.utilisateur)
    assert client.get(f"/facture/{f.pk}/").status_code == 404
    assert client.get(f"/facture/{f.pk}/historique/", **HTMX).status_code == 404
    assert client.post(f"/facture/{f.pk}/action/defacturer/").status_code == 404
    assert client.post(f"/facture/{f.pk}/action/inconnue/").status_code == 404
    assert client.post(f"/a-traiter/{element.pk}/responsable/", **HTMX).status_code == 404
    assert (
        client.post(
            f"/a-traiter/{element.pk}/reporter/", {"au": "2026-04-01", "raison": "x"}, **HTMX
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/a-traiter/selection/", {"operation": "defacturer", "element": [element.pk]}, **HTMX
        ).status_code
        == 404
    )
    assert f.numero not in texte(client.get("/a-traiter/"))
    f.refresh_from_db()
    element.refresh_from_db()
    assert f.etat == Etat.REJETEE and element.responsable is None


def test_la_lecture_seule_ne_voit_aucune_action(client, monde):
    f = rejetee(monde)
    liste_a_jour(monde)
    element = ElementATraiter.objects.get(facture=f, motif=Motif.REJET)
    client.force_login(lecteur(monde))
    reponse = client.get(f"/facture/{f.pk}/")
    assert reponse.status_code == 200 and f.numero in texte(reponse)
    assert "/action/" not in reponse.content.decode()
    assert "Actions possibles" not in texte(reponse)
    liste = client.get("/a-traiter/")
    assert f.numero in texte(liste)
    assert "Je le prends" not in texte(liste) and 'id="selection"' not in liste.content.decode()
    assert client.post(f"/facture/{f.pk}/action/defacturer/").status_code == 404
    assert client.post(f"/a-traiter/{element.pk}/responsable/", **HTMX).status_code == 404
    assert client.get(f"/facture/{f.pk}/historique/?filtre=rejets", **HTMX).status_code == 200


def test_l_historique_se_filtre_par_htmx(client, monde):
    f = rejetee(monde)
    client.force_login(monde.utilisateur)
    reponse = client.get(f"/facture/{f.pk}/historique/?filtre=rejets", **HTMX)
    assert reponse.status_code == 200 and b"<html" not in reponse.content
    page = texte(reponse)
    assert "Rejet [SD02]" in page and "Transmettre dans un lot" not in page
    paiements = texte(client.get(f"/facture/{f.pk}/historique/?filtre=paiements", **HTMX))
    assert "Paiement du patient" in paiements and "Rejet [SD02]" not in paiements


def test_la_liste_des_factures_mene_a_la_page_de_chaque_facture(client, monde):
    f = monde.facture()
    client.force_login(monde.utilisateur)
    contenu = client.get("/factures/").content.decode()
    assert f'<a href="/facture/{f.pk}/">{f.numero}</a>' in contenu
    assert f.patient.nir not in contenu


def test_le_selecteur_de_cabinet_restreint_les_trois_pages(client, monde, autre_monde):
    cabinets.ajouter_membre(
        utilisateur=monde.utilisateur, cabinet=autre_monde.cabinet, role=Role.FACTURIERE
    )
    ici = rejetee(monde)
    la_bas = dre_rejetee_fse_payee(autre_monde)
    liste_a_jour(monde, autre_monde)
    client.force_login(monde.utilisateur)
    tout = texte(client.get("/"))
    assert monde.cabinet.nom in tout and autre_monde.cabinet.nom in tout
    assert "2 parties rejetées" in tout
    session = client.session
    session[CLE_SESSION] = autre_monde.cabinet.pk
    session.save()
    seul = texte(client.get("/"))
    assert autre_monde.cabinet.nom in seul and "1 partie rejetée" in seul
    assert re.search(r'id="rejete">4,00\u00a0€<', client.get("/").content.decode())
    liste = client.get("/a-traiter/").content.decode()
    assert f'href="/facture/{la_bas.pk}/"' in liste and f'href="/facture/{ici.pk}/"' not in liste
    assert client.get(f"/facture/{la_bas.pk}/").status_code == 200
    assert client.get(f"/facture/{ici.pk}/").status_code == 404
    assert client.post(f"/facture/{ici.pk}/action/defacturer/").status_code == 404
