"""The daily deadline run and the worklist, across the deadlines' boundaries (time-machine)."""

import io
import json
from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from rejets.compta.models import Journal
from rejets.compta.verification import verifier
from rejets.domain.ledger import NatureJournal, Payeur
from rejets.domain.lifecycle import Etat, TypePartie
from rejets.factures import services
from rejets.factures.models import Facture
from rejets.lots.models import Lot
from rejets.recyclage import services as recyclage
from rejets.referentiels.models import Organisme
from rejets.suivi import echeances, selectors
from rejets.suivi import services as suivi
from rejets.suivi.models import ElementATraiter, Motif
from rejets.transmission import services as transmission

from .conftest import JOUR

FSE = TypePartie.FSE


@pytest.fixture(autouse=True)
def _horloge(settings, tmp_path):
    """These tests move the real clock: no fixed day."""
    settings.REJETS_DATE_DU_JOUR = None
    settings.REJETS_FICHIERS_DIR = tmp_path / "fichiers"


def transmise(monde, *, soins=JOUR, arl=True, montant_amo=600):
    f = monde.facture(amo=montant_amo, patient=1000 - montant_amo)
    Facture.objects.filter(pk=f.pk).update(date_soins=soins)
    f.actes.update(date=soins, montant=1000)
    f.refresh_from_db()
    services.preparer(facture=f, utilisateur=monde.utilisateur, forcer="données de test")
    transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=soins)
    lot, _ = Lot.objects.get_or_create(
        cabinet=monde.cabinet, professionnel=monde.pro, numero="00001", type_partie=FSE
    )
    services.transmettre(facture=f, partie=FSE, lot=lot, le=soins, utilisateur=monde.utilisateur)
    if arl:
        services.recevoir_arl(facture=f, partie=FSE, positif=True, utilisateur=monde.utilisateur)
    f.refresh_from_db()
    return f


def echeances_du(jour, *args):
    sortie = io.StringIO()
    with time_machine.travel(jour.isoformat() + " 06:00 +0100", tick=False):
        call_command("suivi", "echeances", "--json", *args, stdout=sortie)
    return json.loads(sortie.getvalue())


def elements(monde, motif=None):
    qs = ElementATraiter.objects.filter(cabinet=monde.cabinet)
    if motif:
        qs = qs.filter(motif=motif)
    return list(qs)


def test_impaye_sans_retour_exactement_au_jour_n_plus_1(monde):
    f = transmise(monde)
    echeances_du(JOUR + timedelta(days=30))
    assert elements(monde, Motif.IMPAYE_SANS_RETOUR) == []
    echeances_du(JOUR + timedelta(days=31))
    (e,) = elements(monde, Motif.IMPAYE_SANS_RETOUR)
    assert e.facture == f and "réclamation" in e.detail and e.montant == 600
    f.refresh_from_db()
    assert f.etat == Etat.LOT_RECU, "un indicateur, pas un état du cycle de vie"


def test_le_delai_sans_retour_se_regle_par_organisme(monde):
    Organisme.objects.filter(pk=monde.cpam.pk).update(delai_sans_retour=45)
    transmise(monde)
    echeances_du(JOUR + timedelta(days=45))
    assert elements(monde, Motif.IMPAYE_SANS_RETOUR) == []
    echeances_du(JOUR + timedelta(days=46))
    assert len(elements(monde, Motif.IMPAYE_SANS_RETOUR)) == 1


def test_forclusion_passee_une_seule_fois_meme_lancee_deux_fois(monde):
    ancienne = date(2024, 2, 15)
    f = transmise(monde, soins=ancienne)
    services.rejeter(
        facture=f,
        partie=FSE,
        code="SD02",
        libelle="DROITS",
        le=ancienne,
        utilisateur=monde.utilisateur,
    )
    en_lot = transmise(monde, soins=ancienne)
    veille = date(2026, 3, 31)
    assert echeances_du(veille)["forcloses"] == []
    premier = echeances_du(date(2026, 4, 1))
    second = echeances_du(date(2026, 4, 1))
    assert premier["forcloses"] == [f"{f.numero} FSE"] and second["forcloses"] == []
    f.refresh_from_db()
    assert f.etat == Etat.FORCLOSE
    assert Journal.objects.filter(facture=f, nature=NatureJournal.PASSAGE_EN_PERTE).count() == 1
    en_lot.refresh_from_db()
    assert en_lot.etat == Etat.LOT_RECU, "la caisse tient la demande d'un lot reçu"
    assert verifier([monde.cabinet]) == []


def test_defacturee_non_recyclee_forclose_sans_perte_nouvelle(monde):
    ancienne = date(2024, 1, 10)
    f = transmise(monde, soins=ancienne)
    services.rejeter(
        facture=f, partie=FSE, code="X", libelle="X", le=ancienne, utilisateur=monde.utilisateur
    )
    recyclage.defacturer(facture=f, utilisateur=monde.utilisateur, le=ancienne)
    echeances_du(date(2026, 4, 1))
    f.refresh_from_db()
    assert f.etat == Etat.FORCLOSE
    assert verifier([monde.cabinet]) == []


def test_liste_par_priorite_filtres_responsable_et_report(monde, autre_monde):
    proche = transmise(monde, soins=date(2024, 12, 1), montant_amo=600)
    loin = transmise(monde, soins=date(2026, 2, 1), montant_amo=300)
    for f in (proche, loin):
        services.rejeter(
            facture=f,
            partie=FSE,
            code="SD02",
            libelle="DROITS FERMES",
            le=date(2026, 2, 20),
            utilisateur=monde.utilisateur,
        )
    rapport = echeances_du(date(2026, 3, 1))
    assert rapport["a_traiter_par_motif"]["rejet"] == 2
    qs = selectors.a_traiter(
        monde.cabinet.__class__.objects.filter(pk=monde.cabinet.pk),
        aujourd_hui=date(2026, 3, 1),
        filtres=selectors.Filtres(motif="rejet"),
    )
    premiers, total = selectors.premiere_page(qs)
    assert total == 2 and [e.facture for e in premiers] == [proche, loin]
    assert premiers[0].famille == "droits"
    e = premiers[1]
    suivi.assigner(element_id=e.pk, utilisateur=monde.utilisateur, a=monde.utilisateur)
    suivi.reporter(
        element_id=e.pk,
        utilisateur=monde.utilisateur,
        jusqu_au=date(2026, 3, 10),
        raison="Attestation de droits demandée au patient",
        le=date(2026, 3, 1),
    )
    echeances_du(date(2026, 3, 2))
    e.refresh_from_db()
    assert e.responsable == monde.utilisateur and e.reporte_au == date(2026, 3, 10)
    sortie = io.StringIO()
    with time_machine.travel("2026-03-05 09:00 +0100", tick=False):
        call_command(
            "suivi",
            "a-traiter",
            "--json",
            "--motif",
            "rejet",
            "--utilisateur",
            monde.utilisateur.username,
            stdout=sortie,
        )
    assert [x["facture"] for x in json.loads(sortie.getvalue())["elements"]] == [proche.numero]
    sortie = io.StringIO()
    with time_machine.travel("2026-03-11 09:00 +0100", tick=False):
        call_command(
            "suivi",
            "a-traiter",
            "--json",
            "--a-moi",
            "--motif",
            "rejet",
            "--utilisateur",
            monde.utilisateur.username,
            stdout=sortie,
        )
    assert [x["facture"] for x in json.loads(sortie.getvalue())["elements"]] == [loin.numero]
    with pytest.raises(Exception, match="introuvable"):
        suivi.assigner(element_id=e.pk, utilisateur=autre_monde.utilisateur, a=None)
    sortie = io.StringIO()
    call_command(
        "suivi",
        "a-traiter",
        "--json",
        "--utilisateur",
        autre_monde.utilisateur.username,
        stdout=sortie,
    )
    assert json.loads(sortie.getvalue())["total"] == 0


def test_un_element_resolu_quitte_la_liste(monde):
    f = transmise(monde)
    services.rejeter(
        facture=f, partie=FSE, code="X", libelle="X", le=JOUR, utilisateur=monde.utilisateur
    )
    echeances_du(JOUR + timedelta(days=1))
    assert [e.motif for e in elements(monde)] == [Motif.REJET]
    recyclage.defacturer(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    echeances_du(JOUR + timedelta(days=2))
    assert [e.motif for e in elements(monde)] == [Motif.DEFACTUREE]
    recyclage.recycler(facture=f, utilisateur=monde.utilisateur, le=JOUR, forcer="test")
    echeances_du(JOUR + timedelta(days=3))
    assert [e.motif for e in elements(monde)] == [Motif.RECYCLEE_NON_RETRANSMISE]


def test_envoi_en_retard_et_part_patient_impayee(monde):
    brouillon = monde.facture()
    echeances_du(JOUR + timedelta(days=7))
    assert elements(monde, Motif.ENVOI_EN_RETARD) == []
    echeances_du(JOUR + timedelta(days=30))
    (e,) = elements(monde, Motif.ENVOI_EN_RETARD)
    assert e.facture == brouillon and "R.161-47" in e.detail
    payee = transmise(monde)
    services.enregistrer_paiement(
        facture=payee, payeur=Payeur.AMO, montant=600, le=JOUR, utilisateur=monde.utilisateur
    )
    echeances_du(JOUR + timedelta(days=40))
    (p,) = elements(monde, Motif.PART_PATIENT)
    assert p.facture == payee and p.montant == 400 and p.date_forclusion is None


def test_echeances_d_un_cabinet_refuse_a_qui_ne_peut_y_ecrire(monde, autre_monde):
    with pytest.raises(CommandError, match="introuvable"):
        call_command(
            "suivi",
            "echeances",
            "--cabinet",
            monde.cabinet.code,
            "--utilisateur",
            autre_monde.utilisateur.username,
            stdout=io.StringIO(),
        )


def test_priorite_montant_sur_jours_restants():
    assert echeances.priorite(60000, date(2026, 1, 31), date(2026, 1, 1)) == 2_000_000
    assert echeances.priorite(60000, date(2025, 12, 1), date(2026, 1, 1)) == 60_000_000
    assert echeances.priorite(3000, None, date(2026, 1, 1)) == 100_000


# --- Relances. ---


def test_relances_lettre_pdf_et_brouillon_sans_nom_ni_nir_dans_l_objet(monde, tmp_path):
    import email
    import email.policy

    from pypdf import PdfReader

    from rejets.recyclage.documents import chemin_document
    from rejets.recyclage.models import Action, TypeAction

    f = monde.facture(amo=600, amc=400, patient=0)
    f.actes.update(montant=1000)
    services.preparer(facture=f, utilisateur=monde.utilisateur)
    transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    sortie = io.StringIO()
    call_command(
        "suivi",
        "relancer",
        f.numero,
        "--cabinet",
        monde.cabinet.code,
        "--type",
        "relance_mutuelle",
        "--le",
        str(JOUR),
        "--json",
        stdout=sortie,
    )
    resume = json.loads(sortie.getvalue())
    texte = "".join(p.extract_text() for p in PdfReader(chemin_document(resume["document"])).pages)
    assert f.numero in texte and "Relance" in texte and "4,00" in texte
    message = email.message_from_bytes(
        chemin_document(resume["courriel"]).read_bytes(), policy=email.policy.default
    )
    assert f.numero in message["Subject"] and monde.pro.numero_am in message["Subject"]
    assert f.patient.nom not in message["Subject"] and f.patient.nir not in message["Subject"]
    action = Action.objects.get(pk=resume["action"])
    assert action.type == TypeAction.RELANCE_MUTUELLE and action.echeance == JOUR + timedelta(
        days=30
    )
    with pytest.raises(CommandError, match="ne doit plus rien"):
        call_command(
            "suivi",
            "relancer",
            f.numero,
            "--cabinet",
            monde.cabinet.code,
            "--type",
            "rappel_patient",
            stdout=io.StringIO(),
        )
    call_command(
        "suivi",
        "relancer",
        f.numero,
        "--cabinet",
        monde.cabinet.code,
        "--type",
        "mise_a_jour_vitale",
        stdout=io.StringIO(),
    )
    assert Action.objects.filter(type=TypeAction.MISE_A_JOUR_VITALE).count() == 1
