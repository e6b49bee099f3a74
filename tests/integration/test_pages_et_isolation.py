"""One practice never sees another's invoices; the list page is in French, behind a login."""

from rejets.cabinets.models import Cabinet
from rejets.cabinets.selectors import cabinets_visibles
from rejets.compta.verification import verifier
from rejets.core.demo import IDENTIFIANT_DEMO, MOT_DE_PASSE_DEMO, charger_demo
from rejets.factures.selectors import factures_visibles


def test_les_selecteurs_ne_montrent_que_les_cabinets_du_membre(monde, autre_monde):
    a = monde.facture()
    b = autre_monde.facture()
    assert list(cabinets_visibles(monde.utilisateur)) == [monde.cabinet]
    assert list(factures_visibles(monde.utilisateur)) == [a]
    assert list(factures_visibles(autre_monde.utilisateur)) == [b]


def test_la_page_des_factures_exige_une_connexion(client, db):
    reponse = client.get("/factures/")
    assert reponse.status_code == 302 and "/connexion/" in reponse["Location"]
    page = client.get("/connexion/").content.decode()
    assert "Mot de passe" in page and 'lang="fr"' in page


def test_la_page_liste_les_factures_du_cabinet_et_pas_celles_du_voisin(client, monde, autre_monde):
    a = monde.facture(amo=123456, patient=0)
    b = autre_monde.facture(numero="900000777")
    client.force_login(monde.utilisateur)
    page = client.get("/factures/").content.decode()
    assert a.numero in page and "1\u202f234,56\u00a0€" in page and "Brouillon" in page
    assert autre_monde.cabinet.nom not in page
    assert b.numero not in page


def test_la_demo_se_charge_une_fois_et_son_livre_est_juste(client, db):
    rapport = charger_demo(volume=150)
    assert rapport is not None and rapport.factures > 100 and rapport.cabinets == 3
    assert charger_demo(volume=150) is None
    assert verifier(Cabinet.objects.all()) == []
    assert client.login(username=IDENTIFIANT_DEMO, password=MOT_DE_PASSE_DEMO)
    page = client.get("/factures/").content.decode()
    for nom in ("Tilleuls", "Glycines", "Oliviers"):
        assert f"Cabinet infirmier des {nom}" in page
    for libelle in ("Payée", "Rejetée", "Recyclée", "Sécurisée"):
        assert libelle in page
    client.logout()
    assert client.login(username="sophie", password=MOT_DE_PASSE_DEMO)
    page = client.get("/factures/").content.decode()
    assert "Cabinet infirmier des Glycines" in page
    assert "Cabinet infirmier des Tilleuls" not in page
    assert "Cabinet infirmier des Oliviers" not in page
