"""The cross-tenant matrix: for every page of the web application that names an object, a user
of cabinet A asking for cabinet B's object gets 404 — pages, downloads, htmx partials and
forms alike (a method the page does not take answers 405, which tells nothing) — and nothing
changes. A new URL pattern must be added here to pass."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver

from rejets.banque.models import CompteBancaire, LigneBancaire, ReleveBancaire
from rejets.factures.models import EvenementFacture
from rejets.recyclage import services as recyclage
from rejets.recyclage.models import Action
from rejets.retours.importation import importer_retour
from rejets.retours.models import FichierRetour, LigneRetour, PaiementEnAttente
from rejets.suivi.echeances import executer
from rejets.suivi.models import ElementATraiter

from .fichiers_retour import L, fichier_retour
from .test_recyclage import APRES, rejetee


def _motifs_web():
    def parcourir(motifs, espace=""):
        for m in motifs:
            if isinstance(m, URLResolver):
                yield from parcourir(m.url_patterns, m.namespace or espace)
            elif isinstance(m, URLPattern) and espace == "web" and m.pattern.converters:
                yield m.name, sorted(m.pattern.converters)

    return dict(parcourir(get_resolver().url_patterns))


@pytest.fixture
def objets_de_b(autre_monde, settings, tmp_path):
    """One of each object of cabinet B that a page can name."""
    settings.REJETS_FICHIERS_DIR = tmp_path / "fichiers"
    call_command("referentiels", "tod", "--exemple", stdout=io.StringIO())
    b = autre_monde
    b.pro.numero_am = "751000026"
    b.pro.save(update_fields=["numero_am"])
    f = rejetee(b)
    action = recyclage.duplicata(facture=f, utilisateur=b.utilisateur, le=APRES, demande="CPAM")
    executer(le=APRES + timedelta(days=1), utilisateur=b.utilisateur)
    chemin = tmp_path / "retour.txt"
    chemin.write_bytes(fichier_retour(("VIR-B", [L("999999999", 600, numero_ps=b.pro.numero_am)])))
    importer_retour(
        chemin=chemin, nom="retour.txt", utilisateur=b.utilisateur, perimetre={b.cabinet.pk}
    )
    compte = CompteBancaire.objects.create(cabinet=b.cabinet, libelle="Compte B")
    releve = ReleveBancaire.objects.create(
        cabinet=b.cabinet,
        compte=compte,
        nom_fichier="releve.csv",
        sha256="0" * 64,
        format="csv",
        importe_par=b.utilisateur,
    )
    ligne = LigneBancaire.objects.create(
        cabinet=b.cabinet,
        releve=releve,
        compte=compte,
        numero=2,
        date=APRES,
        libelle="VIR CPAM",
        montant=600,
        cle="b-1",
    )
    return {
        "facture": f.pk,
        "action": action.pk,
        "element": ElementATraiter.objects.filter(cabinet=b.cabinet).first().pk,
        "cabinet": b.cabinet.pk,
        "professionnel": b.pro.pk,
        "fichier_retour": FichierRetour.objects.get().pk,
        "ligne_retour": LigneRetour.objects.get(cabinet=b.cabinet).pk,
        "attente": PaiementEnAttente.objects.get(cabinet=b.cabinet).pk,
        "releve": releve.pk,
        "ligne_bancaire": ligne.pk,
    }


PARAMETRES = {
    "a_traiter_responsable": {"pk": "element"},
    "a_traiter_reporter": {"pk": "element"},
    "facture": {"pk": "facture"},
    "facture_historique": {"pk": "facture"},
    "facture_action": {"pk": "facture", "code": "defacturer"},
    "facture_document": {"pk": "facture", "action_pk": "action"},
    "recyclage": {"pk": "facture"},
    "teletransmission_files": {"cabinet_pk": "cabinet"},
    "teletransmission_securiser": {"cabinet_pk": "cabinet"},
    "teletransmission_construire": {"cabinet_pk": "cabinet"},
    "teletransmission_envoyer": {"cabinet_pk": "cabinet"},
    "teletransmission_pieces": {"pk": "facture"},
    "teletransmission_copie_papier": {"pk": "facture"},
    "teletransmission_signature": {"pk": "professionnel"},
    "retours_fichier": {"pk": "fichier_retour"},
    "retours_rapprocher": {"pk": "ligne_retour"},
    "retours_ecarter": {"pk": "ligne_retour"},
    "retours_affecter": {"pk": "attente"},
    "banque_releve": {"pk": "releve"},
    "banque_rapprocher_ligne": {"pk": "ligne_bancaire"},
    "banque_ignorer": {"pk": "ligne_bancaire"},
    "relances_action": {"pk": "action"},
    "relances_repondre": {"pk": "action"},
    "relances_document": {"pk": "action"},
    "relances_courriel": {"pk": "action"},
}


def test_chaque_page_qui_nomme_un_objet_est_dans_la_matrice():
    assert set(_motifs_web()) == set(PARAMETRES)


def test_un_cabinet_n_atteint_aucun_objet_d_un_autre(client, monde, objets_de_b):
    client.force_login(monde.utilisateur)
    evenements = EvenementFacture.objects.count()
    actions = Action.objects.count()
    for nom, parametres in PARAMETRES.items():
        kwargs = {cle: objets_de_b.get(valeur, valeur) for cle, valeur in parametres.items()}
        url = reverse(f"web:{nom}", kwargs=kwargs)
        for entetes in ({}, {"HX-Request": "true"}):
            codes = {
                m: getattr(client, m)(url, headers=entetes).status_code for m in ("get", "post")
            }
            assert set(codes.values()) <= {404, 405} and 404 in codes.values(), (nom, codes)
    assert EvenementFacture.objects.count() == evenements
    assert Action.objects.count() == actions
