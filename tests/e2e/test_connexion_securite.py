"""In a real browser: turn the second factor on, sign in again with the code; the lockout page
after five wrong passwords."""

import pytest
from django.contrib.auth.models import User
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOT_DE_PASSE = "un-long-mot-de-passe"


def _se_connecter(page, url, identifiant, mot_de_passe):
    page.goto(url + "/connexion/")
    page.get_by_label("Identifiant").fill(identifiant)
    page.get_by_label("Mot de passe").fill(mot_de_passe)
    page.get_by_role("button", name="Se connecter").click()


def test_activer_la_double_authentification_puis_se_reconnecter(live_server, page):
    User.objects.create_user("claire", password=MOT_DE_PASSE)
    _se_connecter(page, live_server.url, "claire", MOT_DE_PASSE)
    page.wait_for_url("**/factures/")

    page.get_by_role("link", name="Sécurité du compte").click()
    page.get_by_role("button", name="Activer la double authentification").click()
    assert page.locator(".qr svg").is_visible()
    cle = TOTPDevice.objects.get(user__username="claire").bin_key
    page.get_by_label("Code à 6 chiffres").fill(f"{totp(cle):06d}")
    page.get_by_role("button", name="Confirmer et activer").click()
    message = page.get_by_role("status").filter(has_text="Double authentification activée")
    assert message.is_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/connexion/")
    _se_connecter(page, live_server.url, "claire", MOT_DE_PASSE)
    page.wait_for_url("**/connexion/code/")
    # A code is accepted once: the next 30-second step's code, which is also accepted.
    page.get_by_label("Code à 6 chiffres").fill(f"{totp(cle, drift=1):06d}")
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url("**/factures/")


def test_verrouillage_apres_cinq_mots_de_passe_faux(live_server, page):
    User.objects.create_user("hugo", password=MOT_DE_PASSE)
    for _ in range(4):
        _se_connecter(page, live_server.url, "hugo", "faux")
        assert page.get_by_text("Identifiant ou mot de passe incorrect.").is_visible()
    _se_connecter(page, live_server.url, "hugo", "faux")
    assert page.get_by_role("heading", name="Compte verrouillé").is_visible()
    assert page.get_by_text("bloquée pendant 30 minutes").is_visible()
