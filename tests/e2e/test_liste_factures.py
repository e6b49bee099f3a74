"""In a real browser: log in with the demo account and read the invoice list."""

import pytest

from rejets.core.demo import IDENTIFIANT_DEMO, MOT_DE_PASSE_DEMO, charger_demo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_connexion_demo_et_liste_des_factures(live_server, page, tmp_path):
    charger_demo(volume=60)
    page.goto(live_server.url + "/factures/")
    assert "/connexion/" in page.url
    page.get_by_label("Identifiant").fill(IDENTIFIANT_DEMO)
    page.get_by_label("Mot de passe").fill(MOT_DE_PASSE_DEMO)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/factures/")
    assert page.title() == "Factures — Rejets"
    lignes = page.locator("tbody tr")
    assert lignes.count() > 50
    texte = page.locator("table").inner_text()
    assert "Cabinet infirmier des Tilleuls" in texte
    assert "Cabinet infirmier des Glycines" in texte
    assert "Payée" in texte and "Rejetée" in texte and "€" in texte
    page.screenshot(path=str(tmp_path / "factures.png"), full_page=True)
    assert (tmp_path / "factures.png").stat().st_size > 1000


def test_mauvais_mot_de_passe_message_francais(live_server, page):
    charger_demo(volume=10)
    page.goto(live_server.url + "/connexion/")
    page.get_by_label("Identifiant").fill(IDENTIFIANT_DEMO)
    page.get_by_label("Mot de passe").fill("faux")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_text("Identifiant ou mot de passe incorrect.").is_visible()
