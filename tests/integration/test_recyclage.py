"""Each path of the rejection workflow (DOMAIN.md section 3), every refusal, the book checked
after each step."""

import email
import email.policy
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from PIL import Image
from pypdf import PdfReader

from rejets.cabinets.selectors import cabinets_visibles
from rejets.cabinets.services import enregistrer_signature
from rejets.compta.models import Journal
from rejets.compta.selectors import bilan_facture
from rejets.compta.verification import verifier
from rejets.domain.ledger import NatureJournal, Payeur
from rejets.domain.lifecycle import Etat, TransitionInterdite, TypePartie
from rejets.factures import services
from rejets.factures.models import Acompte, Facture, Rejet, SourceRejet
from rejets.lots.models import Lot
from rejets.recyclage import documents, selectors
from rejets.recyclage import services as recyclage
from rejets.recyclage.models import Action, StatutAction, TypeAction
from rejets.transmission import services as transmission
from rejets.transmission.models import Mode

from .conftest import JOUR, Monde

FSE, DRE = TypePartie.FSE, TypePartie.DRE
APRES = JOUR + timedelta(days=20)


@pytest.fixture(autouse=True)
def _dossiers(settings, tmp_path, db):
    settings.REJETS_FICHIERS_DIR = tmp_path / "fichiers"
    settings.REJETS_TRANSMISSION_DIR = tmp_path / "transmission"
    call_command("referentiels", "tod", "--exemple", stdout=io.StringIO())


def livre_propre(monde):
    assert verifier([monde.cabinet]) == []


def facture(monde: Monde, *, amc: bool = False) -> Facture:
    """A clean invoice with valued acts: DI 1 at the cabinet, 10,00 € (AMO 60 %; with a
    mutuelle, the AMC takes the rest)."""
    f = monde.facture(amo=600, amc=400 if amc else 0, patient=0 if amc else 400)
    f.actes.update(montant=1000)
    return f


def signature_png() -> bytes:
    image = Image.new("RGB", (240, 80), "white")
    for x in range(20, 220):
        image.putpixel((x, 40 + (x % 17) - 8), (0, 0, 90))
    flux = io.BytesIO()
    image.save(flux, format="PNG")
    return flux.getvalue()


def transmise(monde: Monde, *, amc: bool = False, patient_paie: bool = True, mode=Mode.VITALE):
    f = facture(monde, amc=amc)
    services.preparer(facture=f, utilisateur=monde.utilisateur)
    if mode == Mode.DEGRADE:
        enregistrer_signature(professionnel=monde.pro, image=signature_png())
    transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=JOUR, mode=mode)
    for partie in (FSE, DRE) if amc else (FSE,):
        lot, _ = Lot.objects.get_or_create(
            cabinet=monde.cabinet, professionnel=monde.pro, numero="00001", type_partie=partie
        )
        services.transmettre(
            facture=f, partie=partie, lot=lot, le=JOUR, utilisateur=monde.utilisateur
        )
    if patient_paie and f.part_patient:
        services.enregistrer_paiement(
            facture=f,
            payeur=Payeur.PATIENT,
            montant=f.part_patient,
            le=JOUR,
            utilisateur=monde.utilisateur,
        )
    f.refresh_from_db()
    return f


def rejetee(monde, partie=FSE, **kw):
    f = transmise(monde, **kw)
    services.rejeter(
        facture=f,
        partie=partie,
        code="SD02",
        libelle="DROITS FERMES A LA DATE DES SOINS (SIMULATEUR)",
        le=JOUR + timedelta(days=10),
        utilisateur=monde.utilisateur,
    )
    f.refresh_from_db()
    return f


def etat(f, partie=FSE):
    return Etat(f.parties.get(type=partie).etat)


# --- Paper rejection. ---


def test_rejet_papier_avec_son_moyen_et_son_auteur(monde):
    f = transmise(monde)
    r = recyclage.rejet_papier(
        facture=f,
        partie=FSE,
        le=APRES,
        utilisateur=monde.utilisateur,
        libelle="Refus après traitement manuel : ordonnance illisible",
        moyen="telephone",
    )
    assert r.source == SourceRejet.PAPIER and r.code == "PAPIER"
    evenement = f.evenements.get(evenement="rejeter")
    assert evenement.details["moyen"] == "telephone" and evenement.utilisateur == monde.utilisateur
    assert evenement.details["organisme"] == monde.cpam.code
    assert etat(f) is Etat.REJETEE
    livre_propre(monde)


def test_rejet_papier_refuse_sans_motif_ou_sur_une_facture_non_transmise(monde):
    f = transmise(monde)
    with pytest.raises(recyclage.OperationRefusee, match="code ou un motif"):
        recyclage.rejet_papier(facture=f, partie=FSE, le=APRES, utilisateur=monde.utilisateur)
    brouillon = facture(monde)
    with pytest.raises(TransitionInterdite, match="Rejet"):
        recyclage.rejet_papier(
            facture=brouillon, partie=FSE, le=APRES, utilisateur=monde.utilisateur, code="X1"
        )
    assert not Rejet.objects.exists()


# --- Défacturer. ---


def test_defacturer_exige_un_rejet_sur_une_facture_transmise(monde):
    f = transmise(monde)
    with pytest.raises(TransitionInterdite, match="ne se défacture qu'après un rejet"):
        recyclage.defacturer(facture=f, utilisateur=monde.utilisateur, le=APRES)
    jamais = facture(monde)
    services.preparer(facture=jamais, utilisateur=monde.utilisateur)
    recyclage.defacturer(facture=jamais, utilisateur=monde.utilisateur, le=APRES)
    jamais.refresh_from_db()
    assert jamais.etat == Etat.DEFACTUREE
    livre_propre(monde)


def test_defacturer_transfere_le_paiement_du_patient_en_acompte(monde):
    f = rejetee(monde)
    r = recyclage.defacturer(
        facture=f, utilisateur=monde.utilisateur, le=APRES, commentaire="Mettre à jour la carte"
    )
    assert "devient un acompte" in r.avertissements[0]
    assert Acompte.objects.get(facture_origine=f).montant == 400
    f.refresh_from_db()
    assert f.etat == Etat.DEFACTUREE and f.commentaire == "Mettre à jour la carte"
    assert bilan_facture(f).reste == 0
    livre_propre(monde)
    (dossier,) = selectors.liste_des_recyclages(cabinets_visibles(monde.utilisateur))
    assert dossier.facture == f and dossier.acompte == 400
    assert dossier.rejets[0].code == "SD02" and dossier.commentaire == "Mettre à jour la carte"


def test_en_traitement_caisse_on_attend_et_on_sait_qui_contacter(monde):
    f = transmise(monde)
    services.mettre_en_traitement_caisse(facture=f, partie=FSE, utilisateur=monde.utilisateur)
    with pytest.raises(recyclage.OperationRefusee, match="CPAM DE PARIS") as refus:
        recyclage.defacturer(facture=f, utilisateur=monde.utilisateur, le=APRES)
    assert "Attendez" in str(refus.value)
    (attente,) = selectors.en_traitement_caisse(cabinets_visibles(monde.utilisateur))
    assert "017510000" in attente.organisme
    assert selectors.rejets_a_traiter(cabinets_visibles(monde.utilisateur)) == []


# --- Recycler. ---


def test_recycler_sous_un_nouveau_numero_l_acompte_paie_la_part_patient(monde):
    f = rejetee(monde)
    recyclage.defacturer(facture=f, utilisateur=monde.utilisateur, le=APRES)
    r = recyclage.recycler(facture=f, utilisateur=monde.utilisateur, le=APRES)
    f.refresh_from_db()
    nouvelle = r.nouvelle
    assert f.etat == Etat.RECYCLEE and nouvelle.recyclee_de == f and f.recyclee_en == nouvelle
    assert nouvelle.numero != f.numero and nouvelle.etat == Etat.PRETE
    assert any("FSE à sécuriser" in m for m in r.messages)
    transmission.securiser(facture=nouvelle, utilisateur=monde.utilisateur, le=APRES)
    assert bilan_facture(nouvelle).reste_du[Payeur.PATIENT] == 0
    assert Journal.objects.filter(facture=nouvelle, nature=NatureJournal.ACOMPTE_UTILISE).exists()
    livre_propre(monde)
    with pytest.raises(recyclage.OperationRefusee, match="déjà été recyclée"):
        recyclage.recycler(facture=f, utilisateur=monde.utilisateur, le=APRES)


def test_recycler_avec_corrections_du_patient_et_des_droits(monde):
    f = rejetee(monde)
    recyclage.defacturer(facture=f, utilisateur=monde.utilisateur, le=APRES)
    r = recyclage.recycler(
        facture=f,
        utilisateur=monde.utilisateur,
        le=APRES,
        corrections=recyclage.Corrections(
            caisse="921", exoneration="4", taux_remboursement=100, nom="Nouveau"
        ),
    )
    n = r.nouvelle
    assert (n.caisse, n.exoneration) == ("921", "4")
    assert (n.part_amo, n.part_amc, n.part_patient) == (1000, 0, 0)
    f.patient.refresh_from_db()
    assert f.patient.nom == "Nouveau"
    assert any("Dossier du patient corrigé" in m for m in r.messages)
    transmission.securiser(facture=n, utilisateur=monde.utilisateur, le=APRES)
    livre_propre(monde)


def test_recycler_refuse_un_nir_invalide_sans_le_montrer(monde):
    f = rejetee(monde)
    recyclage.defacturer(facture=f, utilisateur=monde.utilisateur, le=APRES)
    faux = "255057505600100"
    with pytest.raises(recyclage.OperationRefusee, match="NIR corrigé refusé") as refus:
        recyclage.recycler(
            facture=f,
            utilisateur=monde.utilisateur,
            le=APRES,
            corrections=recyclage.Corrections(nir=faux),
        )
    assert faux not in str(refus.value)
    f.refresh_from_db()
    assert f.etat == Etat.DEFACTUREE and not Facture.objects.filter(recyclee_de=f).exists()


def test_recycler_relance_les_controles(monde):
    f = rejetee(monde)
    recyclage.defacturer(facture=f, utilisateur=monde.utilisateur, le=APRES)
    actes = (
        services.LigneActe(
            date=JOUR, lettre_cle="DI", coefficient=Decimal("1"), lieu="cabinet", montant=1200
        ),
    )
    with pytest.raises(recyclage.OperationRefusee):
        recyclage.recycler(
            facture=f,
            utilisateur=monde.utilisateur,
            le=APRES,
            corrections=recyclage.Corrections(actes=actes),
        )
    f.refresh_from_db()
    assert f.etat == Etat.DEFACTUREE
    r = recyclage.recycler(
        facture=f,
        utilisateur=monde.utilisateur,
        le=APRES,
        corrections=recyclage.Corrections(actes=actes),
        forcer="Tarif négocié, vérifié avec la caisse",
    )
    assert r.nouvelle.total == 1200
    preparer = r.nouvelle.evenements.get(evenement="preparer")
    assert preparer.details["forcer"] == "Tarif négocié, vérifié avec la caisse"


def test_une_facture_payee_ne_se_recycle_pas_on_reclame(monde):
    f = transmise(monde)
    services.enregistrer_paiement(
        facture=f, payeur=Payeur.AMO, montant=300, le=APRES, utilisateur=monde.utilisateur
    )
    with pytest.raises(recyclage.OperationRefusee, match="réclamation"):
        recyclage.recycler(facture=f, utilisateur=monde.utilisateur, le=APRES)
    with pytest.raises(recyclage.OperationRefusee, match="réclamation"):
        recyclage.defacturer(facture=f, utilisateur=monde.utilisateur, le=APRES)
    action = recyclage.reclamation(
        facture=f,
        partie=FSE,
        motif="Paiement partiel sans explication",
        utilisateur=monde.utilisateur,
        le=APRES,
    )
    assert action.type == TypeAction.RECLAMATION and action.statut == StatutAction.EN_ATTENTE
    texte = "".join(
        p.extract_text() for p in PdfReader(documents.chemin_document(action.document)).pages
    )
    assert f.numero in texte and "Paiement partiel sans explication" in texte
    assert f.patient.nir not in action.document
    livre_propre(monde)


def test_recycler_en_back_office_exporte_la_nouvelle_facture(monde):
    f = facture(monde)
    services.preparer(facture=f, utilisateur=monde.utilisateur)
    services.exporter(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    lot = Lot.objects.create(
        cabinet=monde.cabinet, professionnel=monde.pro, numero="00007", type_partie=FSE
    )
    services.transmettre(facture=f, partie=FSE, lot=lot, le=JOUR, utilisateur=monde.utilisateur)
    services.rejeter(
        facture=f, partie=FSE, code="X", libelle="X", le=APRES, utilisateur=monde.utilisateur
    )
    recyclage.defacturer(facture=f, utilisateur=monde.utilisateur, le=APRES)
    r = recyclage.recycler(facture=f, utilisateur=monde.utilisateur, le=APRES)
    assert r.nouvelle.etat == Etat.EXPORTEE
    assert any("logiciel de facturation" in m for m in r.messages)
    livre_propre(monde)


# --- FSE before DRE, and the other ways. ---


def test_la_dre_attend_que_la_fse_soit_traitee(monde):
    f = rejetee(monde, amc=True)
    services.rejeter(
        facture=f,
        partie=DRE,
        code="SA02",
        libelle="CONTRAT",
        le=APRES,
        utilisateur=monde.utilisateur,
    )
    a_traiter = selectors.rejets_a_traiter(cabinets_visibles(monde.utilisateur))
    assert [(r.partie.type, r.bloque_par_fse) for r in a_traiter] == [
        ("dre", True),
        ("fse", False),
    ] or [(r.partie.type, r.bloque_par_fse) for r in a_traiter] == [("fse", False), ("dre", True)]
    with pytest.raises(recyclage.OperationRefusee, match="traitez d'abord le rejet de la FSE"):
        recyclage.facturer_patient(
            facture=f, partie=DRE, motif="Contrat résilié", utilisateur=monde.utilisateur, le=APRES
        )
    with pytest.raises(recyclage.OperationRefusee, match="traitez d'abord"):
        recyclage.abandonner(
            facture=f, partie=DRE, motif="x", utilisateur=monde.utilisateur, le=APRES
        )
    recyclage.facturer_patient(
        facture=f, partie=FSE, motif="Droits fermés", utilisateur=monde.utilisateur, le=APRES
    )
    recyclage.facturer_mutuelle(
        facture=f,
        motif="Contrat renouvelé, demande papier",
        utilisateur=monde.utilisateur,
        le=APRES,
    )
    assert etat(f, DRE) is Etat.FACTUREE_MUTUELLE
    services.enregistrer_paiement(
        facture=f, payeur=Payeur.AMC, montant=400, le=APRES, utilisateur=monde.utilisateur
    )
    assert etat(f, DRE) is Etat.PAYEE
    livre_propre(monde)


def test_facturer_le_patient_reporte_la_creance_et_produit_sa_facture(monde):
    f = rejetee(monde)
    action = recyclage.facturer_patient(
        facture=f,
        partie=FSE,
        motif="La caisse a refusé : droits fermés à la date des soins",
        utilisateur=monde.utilisateur,
        le=APRES,
    )
    assert etat(f) is Etat.FACTUREE_PATIENT
    bilan = bilan_facture(f)
    assert bilan.reste_du[Payeur.AMO] == 0 and bilan.reste_du[Payeur.PATIENT] == 600
    assert Journal.objects.filter(facture=f, nature=NatureJournal.REPORT).exists()
    lecteur = PdfReader(documents.chemin_document(action.document))
    texte = "".join(p.extract_text() for p in lecteur.pages)
    assert f.numero in texte and "6,00" in texte and "droits fermés" in texte
    assert f.patient.nir not in (lecteur.metadata.title or "")
    livre_propre(monde)
    services.enregistrer_paiement(
        facture=f, payeur=Payeur.PATIENT, montant=600, le=APRES, utilisateur=monde.utilisateur
    )
    assert bilan_facture(f).reste == 0
    livre_propre(monde)


def test_facturer_la_mutuelle_seulement_pour_une_dre(monde):
    f = rejetee(monde)
    with pytest.raises(recyclage.OperationRefusee, match="ne se facture pas à la mutuelle"):
        recyclage.facturer_mutuelle(facture=f, motif="x", utilisateur=monde.utilisateur, le=APRES)


def test_abandonner_avec_une_raison_passe_en_perte(monde):
    f = rejetee(monde)
    with pytest.raises(recyclage.OperationRefusee, match="raison"):
        recyclage.abandonner(
            facture=f, partie=FSE, motif=" ", utilisateur=monde.utilisateur, le=APRES
        )
    recyclage.abandonner(
        facture=f, partie=FSE, motif="Patient décédé", utilisateur=monde.utilisateur, le=APRES
    )
    assert etat(f) is Etat.ABANDONNEE and bilan_facture(f).perdu == 600
    livre_propre(monde)


def test_duplicata_seulement_a_la_demande_de_la_caisse(monde):
    f = transmise(monde)
    with pytest.raises(recyclage.OperationRefusee, match="si la caisse le demande"):
        recyclage.duplicata(facture=f, utilisateur=monde.utilisateur, le=APRES, demande="")
    action = recyclage.duplicata(
        facture=f, utilisateur=monde.utilisateur, le=APRES, demande="Courrier CPAM du 20/03"
    )
    assert action.type == TypeAction.DUPLICATA and action.statut == StatutAction.TERMINEE
    texte = "".join(
        p.extract_text() for p in PdfReader(documents.chemin_document(action.document)).pages
    )
    assert "DUPLICATA" in texte and f.numero in texte
    assert f.evenements.filter(evenement="action").exists()


# --- Same-day cancellation. ---


def test_demande_d_annulation_puis_confirmation_puis_recyclage(monde):
    f = transmise(monde)
    action, avertissements = recyclage.demande_annulation(
        facture=f, motif="Erreur de coefficient", utilisateur=monde.utilisateur, le=JOUR
    )
    assert avertissements == []
    message = email.message_from_bytes(
        documents.chemin_document(action.document).read_bytes(), policy=email.policy.default
    )
    sujet = message["Subject"]
    assert sujet.startswith("URGENT / ANNULATION DE FACTURE")
    assert monde.pro.numero_am in sujet and f.numero in sujet and "00001" in sujet
    assert f.patient.nir not in sujet and f.patient.nom not in sujet
    assert message["X-Unsent"] == "1"
    with pytest.raises(recyclage.OperationRefusee, match="déjà demandée"):
        recyclage.demande_annulation(facture=f, motif="x", utilisateur=monde.utilisateur, le=JOUR)
    rejet = recyclage.confirmer_annulation(action=action, utilisateur=monde.utilisateur, le=JOUR)
    assert rejet.libelle == "ANNULÉE À LA DEMANDE DU PROFESSIONNEL"
    action.refresh_from_db()
    assert action.statut == StatutAction.TERMINEE
    recyclage.defacturer(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    recyclage.recycler(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    livre_propre(monde)


def test_demande_d_annulation_refusee_si_payee_avertie_si_pas_le_jour_meme(monde):
    f = transmise(monde)
    _, avertissements = recyclage.demande_annulation(
        facture=f, motif="Erreur", utilisateur=monde.utilisateur, le=APRES
    )
    assert "le jour même" in avertissements[0]
    g = transmise(monde)
    services.enregistrer_paiement(
        facture=g, payeur=Payeur.AMO, montant=600, le=APRES, utilisateur=monde.utilisateur
    )
    with pytest.raises(recyclage.OperationRefusee, match="réclamation"):
        recyclage.demande_annulation(facture=g, motif="x", utilisateur=monde.utilisateur, le=APRES)


# --- Mode dégradé. ---


def test_un_recyclage_en_mode_degrade_reste_signale_jusqu_a_la_copie_envoyee(monde):
    f = transmise(monde, mode=Mode.DEGRADE)
    services.rejeter(
        facture=f,
        partie=FSE,
        code="SP05",
        libelle="PIECES",
        le=APRES,
        utilisateur=monde.utilisateur,
    )
    recyclage.defacturer(facture=f, utilisateur=monde.utilisateur, le=APRES)
    r = recyclage.recycler(facture=f, utilisateur=monde.utilisateur, le=APRES)
    (action,) = Action.objects.filter(type=TypeAction.COPIE_DEGRADEE)
    assert action.facture == r.nouvelle and action.statut == StatutAction.A_FAIRE
    action = recyclage.copie_degradee(
        action=action, utilisateur=monde.utilisateur, le=APRES, envoyee=False
    )
    lecteur = PdfReader(documents.chemin_document(action.document))
    texte = "".join(p.extract_text() for p in lecteur.pages)
    assert r.nouvelle.numero in texte and "ordereau" in texte
    assert action.statut == StatutAction.A_FAIRE
    action = recyclage.copie_degradee(
        action=action, utilisateur=monde.utilisateur, le=APRES, envoyee=True
    )
    assert action.statut == StatutAction.TERMINEE


# --- In bulk, and from the command line. ---


def test_defacturer_et_recycler_une_selection(monde):
    a, b = rejetee(monde), rejetee(monde)
    c = transmise(monde)
    rapport = recyclage.defacturer_selection(
        factures_=[a, b, c], utilisateur=monde.utilisateur, le=APRES
    )
    assert len(rapport.faites) == 2
    assert [n for n, _ in rapport.refusees] == [c.numero]
    rapport = recyclage.recycler_selection(
        factures_=[a, b, c], utilisateur=monde.utilisateur, le=APRES
    )
    assert len(rapport.faites) == 2 and "recyclée sous le nouveau numéro" in rapport.faites[0]
    assert rapport.refusees[0][0] == c.numero
    livre_propre(monde)


def _commande(*args):
    sortie = io.StringIO()
    call_command(*args, stdout=sortie, stderr=io.StringIO())
    return sortie.getvalue()


def test_les_commandes_du_recyclage(monde, autre_monde):
    f = transmise(monde)
    code = monde.cabinet.code
    user = ["--utilisateur", monde.utilisateur.username]
    sortie = _commande(
        "recyclage",
        "rejet-papier",
        f.numero,
        "--cabinet",
        code,
        "--motif",
        "Refus tél.",
        "--moyen",
        "telephone",
        "--le",
        str(APRES),
        *user,
    )
    assert "Rejet papier enregistré" in sortie
    resume = json.loads(_commande("recyclage", "a-traiter", "--json", *user))
    assert resume["rejets"][0]["facture"] == f.numero
    _commande("recyclage", "defacturer", f.numero, "--cabinet", code, "--le", str(APRES), *user)
    assert json.loads(_commande("recyclage", "liste", "--json", *user))[0]["facture"] == f.numero
    sortie = _commande(
        "recyclage",
        "recycler",
        f.numero,
        "--cabinet",
        code,
        "--le",
        str(APRES),
        "--caisse",
        "921",
        *user,
    )
    assert f"La facture {f.numero} est recyclée sous le nouveau numéro" in sortie
    with pytest.raises(CommandError, match="introuvable"):
        _commande(
            "recyclage",
            "defacturer",
            f.numero,
            "--cabinet",
            code,
            "--utilisateur",
            autre_monde.utilisateur.username,
        )
    assert (
        json.loads(
            _commande(
                "recyclage", "liste", "--json", "--utilisateur", autre_monde.utilisateur.username
            )
        )
        == []
    )
    livre_propre(monde)


def test_un_cabinet_ne_voit_pas_les_actions_ni_les_documents_d_un_autre(monde, autre_monde):
    f = transmise(monde)
    action = recyclage.duplicata(
        facture=f, utilisateur=monde.utilisateur, le=APRES, demande="Demande de la caisse"
    )
    assert list(
        selectors.actions_visibles(cabinets_visibles(monde.utilisateur), ouvertes=False)
    ) == [action]
    assert not selectors.actions_visibles(
        cabinets_visibles(autre_monde.utilisateur), ouvertes=False
    ).exists()
    with pytest.raises(CommandError, match="introuvable"):
        _commande(
            "recyclage",
            "repondre",
            str(action.pk),
            "--reponse",
            "x",
            "--utilisateur",
            autre_monde.utilisateur.username,
        )
    assert str(monde.cabinet.pk) in action.document
    assert f.patient.nom not in action.document and f.patient.nir not in action.document
