"""In a real browser, the biller's day on a rejection: log in, read the dashboard, open the
worklist, open a rejected invoice, défacturer it with a comment, recycler it, find the new
invoice prête, secure it, send it in a lot, collect the caisse simulator's return: paid. A
screenshot of each page; with REJETS_CAPTURES set, three of them are copied to docs/captures/
for the README."""

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from rejets.core import horloge
from rejets.core.demo import IDENTIFIANT_DEMO, MOT_DE_PASSE_DEMO, charger_demo
from rejets.factures.models import Facture
from rejets.simulateur.caisse import Simulateur
from rejets.transmission.adaptateurs import dossiers_configures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CAPTURES = Path(__file__).resolve().parents[2] / "docs" / "captures"
POUR_LE_README = ("tableau-de-bord.png", "a-traiter.png", "facture-rejetee.png")


def capture(page, dossier: Path, nom: str) -> Path:
    chemin = dossier / nom
    page.screenshot(path=str(chemin), full_page=True)
    assert chemin.stat().st_size > 1000
    return chemin


def test_parcours_d_un_rejet_jusqu_a_la_facture_recyclee_puis_payee(
    live_server, page, tmp_path, settings
):
    charger_demo(volume=60)
    page.goto(live_server.url + "/")
    assert "/connexion/" in page.url
    page.get_by_label("Identifiant").fill(IDENTIFIANT_DEMO)
    page.get_by_label("Mot de passe").fill(MOT_DE_PASSE_DEMO)
    page.get_by_role("button", name="Se connecter").click()

    # Tableau de bord.
    page.wait_for_url(live_server.url + "/")
    assert page.title() == "Tableau de bord — Rejets"
    tableau = page.locator("main").inner_text()
    for attendu in ("En attente de paiement", "Rejeté, à traiter", "Menacé de forclusion"):
        assert attendu in tableau
    assert "€" in page.locator("#en-attente").inner_text()
    assert page.evaluate("typeof Chart") == "function"
    page.wait_for_function(
        "() => Chart.getChart(document.getElementById('graphique-mois')) !== undefined"
    )
    capture(page, tmp_path, "tableau-de-bord.png")

    # À traiter.
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="À traiter"
    ).click()
    page.wait_for_url("**/a-traiter/")
    lignes = page.locator("#liste tbody tr")
    assert lignes.count() > 3
    assert "Rejet à traiter" in lignes.first.inner_text()
    # Row actions by htmx: the row alone changes, the page stays.
    lignes.first.get_by_role("button", name="Je le prends").click()
    lignes.first.get_by_text("Vous avez pris cet élément.").wait_for()
    assert IDENTIFIANT_DEMO in lignes.first.inner_text()
    assert page.url.endswith("/a-traiter/")
    # Filters by htmx: the list follows, the address too.
    page.get_by_label("Motif").select_option("rejet")
    page.wait_for_url("**/a-traiter/?motif=rejet")
    page.locator("#liste tbody tr").first.wait_for()
    assert "Impayé sans retour" not in page.locator("#liste").inner_text()
    capture(page, tmp_path, "a-traiter.png")

    # A rejected invoice that may be unbilled: the first one, in priority order, offering it.
    numeros = [
        lien.inner_text()
        for lien in page.locator("#liste tbody tr", has_text="Rejet à traiter")
        .locator("a[href^='/facture/']")
        .all()
    ]
    for numero in numeros:
        page.locator("#liste").get_by_role("link", name=numero, exact=True).click()
        page.wait_for_url("**/facture/*/")
        if page.locator("summary", has_text="Défacturer").count():
            break
        page.go_back()
    else:
        pytest.fail("Aucune facture rejetée à défacturer dans la démonstration.")
    assert page.get_by_role("heading", level=1).inner_text().startswith(f"Facture {numero}")
    assert "Rejetée" in page.get_by_role("heading", level=1).inner_text()
    assert "Rejet [" in page.locator("#historique").inner_text()
    capture(page, tmp_path, "facture-rejetee.png")

    # Défacturer, with what to correct.
    page.locator("summary", has_text="Défacturer").click()
    page.get_by_label("Commentaire : ce qu'il faudra corriger").fill(
        "Joindre la prescription lisible"
    )
    page.get_by_role("button", name="Défacturer").click()
    page.get_by_role("status").filter(has_text=f"Facture {numero} défacturée").wait_for()
    assert "Défacturée" in page.get_by_role("heading", level=1).inner_text()
    assert (
        "Commentaire : Joindre la prescription lisible" in page.locator("#historique").inner_text()
    )
    capture(page, tmp_path, "facture-defacturee.png")

    # Recycler: the new invoice, under a new number, prête.
    page.locator("summary", has_text="Recycler").click()
    page.get_by_role("button", name="Recycler (refacturer sous un nouveau numéro)").click()
    page.get_by_role("status").filter(
        has_text=f"La facture {numero} est recyclée sous le nouveau numéro"
    ).wait_for()
    titre = page.get_by_role("heading", level=1).inner_text()
    assert "Prête" in titre and numero not in titre
    assert f"Refacturation de la facture {numero}" in page.locator("#historique").inner_text()
    capture(page, tmp_path, "facture-recyclee.png")

    # Télétransmission: secure the new invoice, build and send its lot, then, once the caisse
    # simulator has answered, collect its return: the invoice is paid.
    nouveau = titre.split()[1]
    nouvelle = Facture.objects.select_related("professionnel").get(
        numero=nouveau, professionnel__cabinet__code__in=["tilleuls", "glycines", "oliviers"]
    )
    simulateur = Simulateur(boite=dossiers_configures().entree)
    for partie in ("FSE", "DRE"):
        simulateur.forcer(
            partie=partie,
            numero_ps=nouvelle.professionnel.numero_am,
            numero_facture=nouveau,
            issue="paiement",
        )
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Télétransmission"
    ).click()
    page.wait_for_url("**/teletransmission/")
    bloc = page.locator(f"#cabinet-{nouvelle.cabinet_id}")
    bloc.get_by_label(f"Sécuriser la facture {nouveau}").first.check()
    bloc.get_by_role("button", name="Sécuriser la sélection").click()
    page.get_by_text("sécurisée(s)").first.wait_for()
    page.locator(f"#cabinet-{nouvelle.cabinet_id}").get_by_role(
        "button", name="Construire les lots"
    ).click()
    page.get_by_text("construit pour").first.wait_for()
    page.locator(f"#cabinet-{nouvelle.cabinet_id}").get_by_role(
        "button", name="Envoyer les lots"
    ).click()
    page.get_by_text("lot(s) envoyé(s)").first.wait_for()
    capture(page, tmp_path, "teletransmission.png")
    settings.REJETS_DATE_DU_JOUR = horloge.aujourd_hui() + timedelta(days=20)
    page.get_by_role("button", name="Collecter les retours").click()
    page.wait_for_load_state()
    page.goto(live_server.url + f"/facture/{nouvelle.pk}/")
    assert "Payée" in page.get_by_role("heading", level=1).inner_text()
    capture(page, tmp_path, "facture-payee.png")

    if os.environ.get("REJETS_CAPTURES"):
        CAPTURES.mkdir(parents=True, exist_ok=True)
        for nom in POUR_LE_README:
            shutil.copyfile(tmp_path / nom, CAPTURES / nom)
