"""In a real browser, as the demo biller: every work page opens, in French, with htmx loaded,
and its screenshot is taken."""

import pytest

from rejets.core.demo import IDENTIFIANT_DEMO, MOT_DE_PASSE_DEMO, charger_demo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = (
    ("recyclages", "/recyclages/", "Recyclages — Rejets", "Liste des recyclages"),
    ("teletransmission", "/teletransmission/", "Télétransmission — Rejets", "des Glycines"),
    ("retours", "/retours/", "Retours — Rejets", "Lignes non rapprochées"),
    ("banque", "/banque/", "Banque — Rejets", "Virements jamais crédités"),
    ("relances", "/relances/", "Relances — Rejets", "Actions ouvertes"),
    ("codes", "/referentiels/", "Codes de rejet — Rejets", "Bibliothèque"),
    ("tarifs", "/referentiels/tarifs/", "Tarifs NGAP — Rejets", "Tarifs en vigueur le"),
    ("organismes", "/referentiels/organismes/", "Organismes — Rejets", "(exemple Rejets)"),
)


def test_les_pages_de_travail_de_la_facturiere(live_server, page, tmp_path):
    charger_demo(volume=60)
    page.goto(live_server.url + "/connexion/")
    page.get_by_label("Identifiant").fill(IDENTIFIANT_DEMO)
    page.get_by_label("Mot de passe").fill(MOT_DE_PASSE_DEMO)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    for nom, chemin, titre, attendu in PAGES:
        page.goto(live_server.url + chemin)
        assert page.title() == titre, nom
        contenu = page.locator("main").inner_text()
        assert attendu in contenu, nom
        assert page.evaluate("typeof htmx") == "object", nom
        page.screenshot(path=str(tmp_path / f"{nom}.png"), full_page=True)
        assert (tmp_path / f"{nom}.png").stat().st_size > 1000, nom
    page.goto(live_server.url + "/recyclages/")
    lien = page.get_by_role("link", name="Corriger et recycler").first
    if lien.count():
        lien.click()
        page.wait_for_load_state()
        assert "Cause du rejet" in page.locator("main").inner_text()
        page.screenshot(path=str(tmp_path / "recyclage.png"), full_page=True)
