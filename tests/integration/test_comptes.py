"""Accounts and access: Argon2, lockout, optional TOTP, cabinet switcher, admin for staff only,
the audit trail of changes and of reads of health data."""

import json

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from rejets.cabinets import services as cabinets
from rejets.cabinets.models import Cabinet, Membre, Role
from rejets.comptes.audit import MASQUE, noter_consultation, noter_consultations
from rejets.comptes.models import Consultation
from rejets.factures.models import Facture
from rejets.patients.models import Patient
from rejets.web.perimetre import CLE_SESSION, cabinets_de

MOT_DE_PASSE = "un-long-mot-de-passe"


@pytest.fixture
def claire(monde):
    utilisateur = User.objects.create_user("claire", password=MOT_DE_PASSE)
    cabinets.ajouter_membre(utilisateur=utilisateur, cabinet=monde.cabinet, role=Role.PRATICIEN)
    return utilisateur


@pytest.fixture
def administrateur(db):
    return User.objects.create_user("admin-plateforme", password=MOT_DE_PASSE, is_staff=True)


def _connexion(client, identifiant, mot_de_passe, **extra):
    return client.post("/connexion/", {"username": identifiant, "password": mot_de_passe}, **extra)


def _appareil(utilisateur, confirme=True):
    return TOTPDevice.objects.create(user=utilisateur, name="téléphone", confirmed=confirme)


def _code(appareil, decalage=0):
    """The code the application shows now (decalage 1: the next 30-second step, for a second
    code in the same step, since a code is accepted once)."""
    return f"{totp(appareil.bin_key, drift=decalage):06d}"


def _sans_attente(appareil):
    """Lift django-otp's growing delay after a wrong code, to type the next one at once."""
    appareil.refresh_from_db()
    appareil.throttle_reset()


# ----------------------------------------------------------------------------- settings


def test_argon2_en_premier_et_axes_avant_le_mot_de_passe_dans_les_profils_reels():
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from rejets.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert base.AUTHENTICATION_BACKENDS[0].startswith("axes.backends.")
    assert base.AXES_FAILURE_LIMIT == 5
    assert base.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert base.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert base.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert base.SESSION_COOKIE_AGE == 10 * 3600
    for intercalaire in (
        "django_otp.middleware.OTPMiddleware",
        "axes.middleware.AxesMiddleware",
    ):
        assert intercalaire in base.MIDDLEWARE
    assert any(m.endswith("AuditlogMiddleware") for m in base.MIDDLEWARE)
    hacheur = Argon2PasswordHasher()
    empreinte = hacheur.encode(MOT_DE_PASSE, hacheur.salt())
    assert empreinte.startswith("argon2$") and hacheur.verify(MOT_DE_PASSE, empreinte)


# ------------------------------------------------------------------------ login, lockout


def test_connexion_simple_sans_double_authentification(client, claire):
    reponse = _connexion(client, "claire", MOT_DE_PASSE)
    assert reponse.status_code == 302 and reponse["Location"] == "/factures/"
    assert client.get("/factures/").status_code == 200


def test_verrouillage_apres_cinq_echecs_pour_cet_identifiant_et_cette_adresse(client, claire):
    for _ in range(4):
        reponse = _connexion(client, "claire", "faux")
        assert reponse.status_code == 200
        assert "Identifiant ou mot de passe incorrect." in reponse.content.decode()
    reponse = _connexion(client, "claire", "faux")
    assert reponse.status_code == 429
    page = reponse.content.decode()
    assert "Compte verrouillé" in page and "30 minutes" in page
    # Even the right password is refused from this address…
    reponse = _connexion(client, "claire", MOT_DE_PASSE)
    assert reponse.status_code == 429 and "_auth_user_id" not in client.session
    # …but not from another one (lockout by identifier and address together).
    reponse = _connexion(client, "claire", MOT_DE_PASSE, REMOTE_ADDR="10.9.8.7")
    assert reponse.status_code == 302


def test_x_forwarded_for_n_est_pas_cru_sans_proxy_de_confiance(client, claire):
    for i in range(5):
        _connexion(client, "claire", "faux", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    assert _connexion(client, "claire", MOT_DE_PASSE).status_code == 429


# ---------------------------------------------------------------------- second factor


def test_connexion_en_deux_etapes_avec_un_appareil_confirme(client, claire):
    appareil = _appareil(claire)
    reponse = _connexion(client, "claire", MOT_DE_PASSE)
    assert reponse.status_code == 302 and reponse["Location"] == "/connexion/code/"
    # The password alone signs nobody in.
    assert "_auth_user_id" not in client.session
    assert client.get("/factures/").status_code == 302
    page = client.get("/connexion/code/").content.decode()
    assert "Code à 6 chiffres" in page

    reponse = client.post("/connexion/code/", {"code": "000000"})
    assert reponse.status_code == 200
    assert "Code incorrect ou expiré" in reponse.content.decode()
    assert "_auth_user_id" not in client.session
    _sans_attente(appareil)

    reponse = client.post("/connexion/code/", {"code": _code(appareil)})
    assert reponse.status_code == 302 and reponse["Location"] == "/factures/"
    assert client.session["_auth_user_id"] == str(claire.pk)
    assert client.get("/factures/").status_code == 200


def test_la_seconde_etape_sans_mot_de_passe_renvoie_a_la_connexion(client, claire):
    _appareil(claire)
    reponse = client.post("/connexion/code/", {"code": "123456"})
    assert reponse.status_code == 302 and reponse["Location"] == "/connexion/"


def test_cinq_codes_faux_verrouillent_comme_cinq_mots_de_passe_faux(client, claire):
    appareil = _appareil(claire)
    _connexion(client, "claire", MOT_DE_PASSE)
    for _ in range(4):
        assert client.post("/connexion/code/", {"code": "000000"}).status_code == 200
        _sans_attente(appareil)
    reponse = client.post("/connexion/code/", {"code": "000000"})
    assert reponse.status_code == 429 and "Compte verrouillé" in reponse.content.decode()
    _sans_attente(appareil)
    assert _connexion(client, "claire", MOT_DE_PASSE).status_code == 429


def test_page_securite_active_puis_desactive_la_double_authentification(client, claire):
    client.force_login(claire)
    page = client.get("/compte/securite/").content.decode()
    assert "Sécurité du compte" in page and "Désactivée" in page

    client.post("/compte/securite/", {"action": "preparer"})
    appareil = TOTPDevice.objects.get(user=claire)
    assert not appareil.confirmed
    page = client.get("/compte/securite/").content.decode()
    assert "<svg" in page and "Confirmer et activer" in page
    assert "otpauth" not in page and "<img" not in page  # drawn inline, no outside service

    reponse = client.post("/compte/securite/", {"action": "confirmer", "code": "000000"})
    assert "Code incorrect ou expiré" in reponse.content.decode()
    _sans_attente(appareil)
    reponse = client.post(
        "/compte/securite/", {"action": "confirmer", "code": _code(appareil)}, follow=True
    )
    assert "Double authentification activée" in reponse.content.decode()
    appareil.refresh_from_db()
    assert appareil.confirmed

    reponse = client.post(
        "/compte/securite/",
        {"action": "desactiver", "code": _code(appareil, decalage=1)},
        follow=True,
    )
    assert "Double authentification désactivée" in reponse.content.decode()
    assert not TOTPDevice.objects.filter(user=claire).exists()


def test_la_cle_totp_n_entre_jamais_dans_le_journal(client, claire):
    client.force_login(claire)
    client.post("/compte/securite/", {"action": "preparer"})
    appareil = TOTPDevice.objects.get(user=claire)
    entrees = LogEntry.objects.get_for_object(appareil)
    assert entrees.exists()
    assert all(appareil.key not in json.dumps(e.changes) for e in entrees)


# ------------------------------------------------------------------------ cabinet switcher


def test_le_selecteur_restreint_aux_cabinets_du_membre(client, monde, autre_monde):
    facturiere = monde.utilisateur
    cabinets.ajouter_membre(
        utilisateur=facturiere, cabinet=autre_monde.cabinet, role=Role.LECTURE_SEULE
    )
    etranger = Cabinet.objects.create(code="c", nom="Cabinet étranger")
    client.force_login(facturiere)
    page = client.get("/compte/securite/").content.decode()
    assert "Tous mes cabinets" in page and "Cabinet étranger" not in page

    def perimetre():
        requete = RequestFactory().get("/")
        requete.user = facturiere
        requete.session = client.session
        return set(cabinets_de(requete))

    assert perimetre() == {monde.cabinet, autre_monde.cabinet}
    reponse = client.post(
        "/compte/cabinet/", {"cabinet": autre_monde.cabinet.pk, "suite": "/compte/securite/"}
    )
    assert reponse.status_code == 302 and reponse["Location"] == "/compte/securite/"
    assert client.session[CLE_SESSION] == autre_monde.cabinet.pk
    assert perimetre() == {autre_monde.cabinet}
    page = client.get("/compte/securite/").content.decode()
    assert f'<option value="{autre_monde.cabinet.pk}" selected>' in page

    for refuse in (etranger.pk, "abc", 10**9):
        assert client.post("/compte/cabinet/", {"cabinet": refuse}).status_code == 404
    assert client.session[CLE_SESSION] == autre_monde.cabinet.pk

    reponse = client.post("/compte/cabinet/", {"cabinet": "", "suite": "https://ailleurs.example/"})
    assert reponse["Location"] == "/factures/"
    assert CLE_SESSION not in client.session
    assert perimetre() == {monde.cabinet, autre_monde.cabinet}


def test_pas_de_selecteur_pour_un_seul_cabinet_et_pas_de_get(client, monde):
    client.force_login(monde.utilisateur)
    assert "Tous mes cabinets" not in client.get("/compte/securite/").content.decode()
    assert client.get("/compte/cabinet/").status_code == 405


# ---------------------------------------------------------------------------------- admin


def test_admin_reserve_aux_administrateurs_de_la_plateforme(client, monde, administrateur):
    reponse = client.get("/admin/", follow=True)
    assert reponse.redirect_chain[-1][0].startswith("/connexion/?next=/admin/")
    client.force_login(monde.utilisateur)
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/auth/user/").status_code == 404
    assert client.get("/admin/login/").status_code == 404
    client.force_login(administrateur)
    page = client.get("/admin/").content.decode()
    assert "Administration de la plateforme Rejets" in page
    for chemin in (
        "/admin/auth/user/",
        "/admin/cabinets/membre/",
        "/admin/referentiels/coderejet/",
        "/admin/referentiels/catalogueimporte/",
        "/admin/referentiels/organismedestinataire/",
        "/admin/referentiels/organisme/",
    ):
        assert client.get(chemin).status_code == 200, chemin
    inscrits = {m._meta.label for m in admin.site._registry}
    assert {"factures.Facture", "patients.Patient", "factures.Paiement"}.isdisjoint(inscrits)


def test_un_administrateur_a_double_authentification_doit_l_avoir_passee(client, administrateur):
    appareil = _appareil(administrateur)
    client.force_login(administrateur)
    assert client.get("/admin/").status_code == 404
    assert client.get("/audit/").status_code == 404
    client.logout()
    reponse = client.post(
        "/connexion/?next=/admin/",
        {"username": administrateur.username, "password": MOT_DE_PASSE, "next": "/admin/"},
    )
    assert reponse["Location"] == "/connexion/code/"
    reponse = client.post("/connexion/code/", {"code": _code(appareil)})
    assert reponse["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/audit/").status_code == 200


# ---------------------------------------------------------------------------- audit trail


def test_une_modification_de_facture_est_journalisee_avec_auteur_et_adresse(monde):
    f = monde.facture()
    type_facture = ContentType.objects.get_for_model(Facture)
    creation = LogEntry.objects.get(
        content_type=type_facture, object_pk=str(f.pk), action=LogEntry.Action.CREATE
    )
    assert creation.additional_data == {"cabinet_id": monde.cabinet.pk}
    with set_actor(monde.utilisateur, remote_addr="192.0.2.10"):
        f.commentaire = "Appeler M. Dupont"
        f.save(update_fields=["commentaire"])
    entree = LogEntry.objects.filter(content_type=type_facture, object_pk=str(f.pk)).latest("pk")
    assert entree.action == LogEntry.Action.UPDATE
    assert entree.actor == monde.utilisateur and entree.remote_addr == "192.0.2.10"
    assert entree.changes_dict["commentaire"][1] == MASQUE
    assert "Dupont" not in json.dumps(entree.changes)


def test_le_journal_ne_garde_ni_nir_ni_nom_de_patient(monde):
    patient = monde.patient()
    patient.nom = "Durand"
    patient.save()
    entrees = LogEntry.objects.get_for_object(patient)
    assert entrees.count() == 2
    for entree in entrees:
        texte = json.dumps(entree.changes) + entree.object_repr
        assert patient.nir not in texte and "Durand" not in texte and "Prénom" not in texte


def test_par_une_page_l_auteur_et_l_adresse_viennent_de_la_requete(client, monde, administrateur):
    membre = Membre.objects.get(utilisateur=monde.utilisateur)
    client.force_login(administrateur)
    reponse = client.post(
        f"/admin/cabinets/membre/{membre.pk}/change/",
        {
            "utilisateur": monde.utilisateur.pk,
            "cabinet": monde.cabinet.pk,
            "role": Role.LECTURE_SEULE,
        },
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="203.0.113.66",
    )
    assert reponse.status_code == 302
    entree = LogEntry.objects.get_for_object(membre).latest("pk")
    assert entree.actor == administrateur
    assert entree.remote_addr == "198.51.100.7"
    assert entree.changes_dict["role"] == [Role.FACTURIERE, Role.LECTURE_SEULE]


def _requete(utilisateur, chemin="/facture/1/"):
    requete = RequestFactory().get(chemin + "?q=Dupont", REMOTE_ADDR="192.0.2.44")
    requete.user = utilisateur
    return requete


def refuse(sql, params=()):
    with pytest.raises(DatabaseError) as refus, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    return str(refus.value)


def test_noter_consultation_ecrit_une_ligne_en_ajout_seul(monde):
    f = monde.facture()
    consultation = noter_consultation(_requete(monde.utilisateur, f"/facture/{f.pk}/"), f)
    assert consultation is not None
    consultation.refresh_from_db()
    assert consultation.utilisateur == monde.utilisateur
    assert consultation.adresse == "192.0.2.44"
    assert consultation.cabinet == monde.cabinet
    assert consultation.type_objet.model_class() is Facture
    assert consultation.objet_id == str(f.pk) and consultation.reference == f.numero
    assert consultation.page == f"/facture/{f.pk}/"

    assert "immuable" in refuse(
        "UPDATE comptes_consultation SET objet_id = '0' WHERE id = %s", [consultation.pk]
    )
    refuse("DELETE FROM comptes_consultation WHERE id = %s", [consultation.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        Consultation.objects.filter(pk=consultation.pk).update(reference="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        consultation.delete()
    assert Consultation.objects.filter(pk=consultation.pk, reference=f.numero).exists()

    entree = LogEntry.objects.filter(object_pk=str(f.pk)).first()
    refuse("DELETE FROM auditlog_logentry WHERE id = %s", [entree.pk])
    refuse("UPDATE auditlog_logentry SET changes_text = '' WHERE id = %s", [entree.pk])


def test_consultation_d_un_patient_sans_son_nom(monde):
    patient = monde.patient()
    consultation = noter_consultation(_requete(monde.utilisateur), patient)
    assert consultation.type_objet.model_class() is Patient
    assert consultation.reference == "" and consultation.objet_id == str(patient.pk)
    assert noter_consultations(_requete(monde.utilisateur), [patient, patient]) == 2


def test_page_audit_pour_les_administrateurs_seulement(client, monde, autre_monde, administrateur):
    f = monde.facture()
    g = autre_monde.facture(numero="900000555")
    noter_consultation(_requete(monde.utilisateur), f)
    noter_consultation(_requete(autre_monde.utilisateur), g)

    assert client.get("/audit/").status_code == 302
    client.force_login(monde.utilisateur)
    assert client.get("/audit/").status_code == 404

    client.force_login(administrateur)
    page = client.get("/audit/").content.decode()
    assert f.numero in page and g.numero in page and "facturiere-a" in page
    for secret in (f.patient.nir, g.patient.nir, "Prénom", "Dupont"):
        assert secret not in page
    page = client.get("/audit/", {"cabinet": monde.cabinet.pk}).content.decode()
    assert f.numero in page and g.numero not in page
    page = client.get("/audit/", {"utilisateur": "facturiere-b"}).content.decode()
    assert g.numero in page and f.numero not in page
    page = client.get("/audit/", {"vue": "modifications", "cabinet": monde.cabinet.pk})
    texte = page.content.decode()
    assert "Création" in texte and f"facture n° {f.pk}" in texte
    assert f.patient.nir not in texte
    page = client.get("/audit/", {"du": "2000-01-02", "au": "2000-01-01"}).content.decode()
    assert "La fin de la période précède son début." in page
    assert 'method="post"' not in page.split("<main>", 1)[1]
