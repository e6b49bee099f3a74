"""The whole cycle through the transmission adapter: invoices → secured → lots → the caisse
simulator → files → import → states and ledger; the same through the `fichiers` adapter with a
test double of the certified component; mode dégradé with its SCOR pieces."""

import io
import json
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image
from pypdf import PdfReader

from rejets.cabinets import services as cabinets
from rejets.cabinets.selectors import cabinets_visibles
from rejets.compta.verification import verifier
from rejets.domain.lifecycle import Etat, TypePartie
from rejets.factures import services
from rejets.factures.models import Facture, Rejet, TiersPayant
from rejets.formats.disposition import dispositions_livrees
from rejets.formats.fixe import Enregistrement, lire
from rejets.lots.models import Arl
from rejets.simulateur.caisse import Simulateur
from rejets.transmission import lots, pieces
from rejets.transmission import services as transmission
from rejets.transmission.adaptateurs import (
    DISPOSITION_ACCUSE,
    dossiers_configures,
)
from rejets.transmission.models import Mode, Piece, StatutSecurisation, TypePiece
from rejets.transmission.selectors import (
    CabinetInaccessible,
    files_de_transmission,
    pieces_visibles,
)

from .conftest import DEBUT_DROITS, JOUR, Monde

ENVOI = JOUR + timedelta(days=1)
PLUS_TARD = JOUR + timedelta(days=60)
RACINE = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _dossiers(settings, tmp_path, db):
    settings.REJETS_FICHIERS_DIR = tmp_path / "fichiers"
    settings.REJETS_TRANSMISSION_DIR = tmp_path / "transmission"
    settings.REJETS_TRANSMISSION_ADAPTATEUR = "simulateur"
    call_command("referentiels", "tod", "--exemple", stdout=io.StringIO())


def _facture(monde: Monde, *, numero=None, a_domicile=False):
    """A clean invoice, valued act by act: DI 1 at the cabinet, 10,00 €, AMO 60 %."""
    p = monde.patient()
    return services.creer_facture(
        cabinet=monde.cabinet,
        professionnel=monde.pro,
        patient=p,
        prescription=monde.prescription(p, a_domicile=a_domicile),
        actes=[
            services.LigneActe(
                date=JOUR, lettre_cle="DI", coefficient=Decimal("1"), lieu="cabinet", montant=1000
            )
        ],
        part_amo=600,
        part_amc=0,
        part_patient=400,
        tiers_payant=TiersPayant.AMO,
        organisme_amo=monde.cpam,
        utilisateur=monde.utilisateur,
        numero=numero,
    )


def _inscrire(simulateur: Simulateur, facture: Facture, **changements):
    p = facture.patient
    valeurs = dict(
        nir=p.nir,
        rang=p.rang,
        regime=p.regime,
        caisse=p.caisse,
        centre=p.centre,
        droits_debut=DEBUT_DROITS,
        droits_fin=None,
        exoneration=p.exoneration,
        nature_assurance=p.nature_assurance,
    )
    valeurs.update(changements)
    simulateur.inscrire_assure(**valeurs)


def _simulateur() -> Simulateur:
    return Simulateur(boite=dossiers_configures().entree)


def _pretes(monde, n, simulateur=None):
    simulateur = simulateur or _simulateur()
    factures = []
    for _ in range(n):
        f = _facture(monde)
        services.preparer(facture=f, utilisateur=monde.utilisateur)
        _inscrire(simulateur, f)
        factures.append(f)
    return factures


def _etat(f: Facture, partie=TypePartie.FSE) -> str:
    return f.parties.get(type=partie).etat


def _lire_lot(chemin: Path) -> list[Enregistrement]:
    with chemin.open("rb") as flux:
        return [e for e in lire(flux, dispositions_livrees(), chemin.name)]


# --- Only the adapter secures, and only from prête. ---


def test_seul_le_service_de_transmission_enregistre_une_securisation():
    appelants = subprocess.run(
        ["grep", "-rl", "enregistrer_securisation", "src/rejets"],
        cwd=RACINE,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(appelants) == [
        "src/rejets/factures/services.py",
        "src/rejets/transmission/services.py",
    ]


def test_securiser_une_facture_en_brouillon_est_refuse(monde):
    f = _facture(monde)
    with pytest.raises(transmission.SecurisationRefusee, match="seule une facture prête"):
        transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    assert not f.securisations.exists()
    assert _etat(f) == Etat.BROUILLON


def test_la_securisation_fige_une_empreinte_du_contenu(monde):
    (f,) = _pretes(monde, 1)
    s = transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    assert s.statut == StatutSecurisation.ACCORDEE and len(s.empreinte) == 64
    f.refresh_from_db()
    assert f.etat == Etat.SECURISEE
    evenement = f.evenements.get(evenement="securiser")
    assert evenement.details["empreinte"] == s.empreinte
    with pytest.raises(transmission.SecurisationRefusee):
        transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=JOUR)


# --- The whole cycle through the simulator. ---


def test_cycle_complet_par_le_simulateur(monde):
    simulateur = _simulateur()
    payees = _pretes(monde, 3, simulateur)
    rejetee = _facture(monde)
    services.preparer(facture=rejetee, utilisateur=monde.utilisateur)
    _inscrire(simulateur, rejetee, droits_fin=JOUR - timedelta(days=10))
    u = monde.utilisateur
    for f in [*payees, rejetee]:
        transmission.securiser(facture=f, utilisateur=u, le=JOUR)

    rapport = lots.construire_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI)
    assert not rapport.refus
    (lot,) = rapport.lots
    assert lot.type_partie == TypePartie.FSE and lot.numero == "00001"
    assert lot.organisme.code == "017510000"
    lues = _lire_lot(lots.dossier_des_lots(monde.cabinet) / lot.fichier)
    debuts = [e for e in lues if e.type == "2"]
    assert sorted(e["numero_facture"] for e in debuts) == sorted(
        int(f.numero) for f in [*payees, rejetee]
    )
    files = files_de_transmission(monde.cabinet, parmi=cabinets_visibles(u))
    assert len(files.fse_a_transmettre) == 4 and files.lots_a_envoyer == [lot]

    envoi = lots.envoyer_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI)
    assert envoi.lots == ["00001"] and envoi.factures == 4
    assert all(_etat(f) == Etat.TRANSMISE for f in [*payees, rejetee])

    collecte = lots.collecter(utilisateur=u, le=ENVOI, perimetre=None)
    assert [r.format for r in collecte.retours] and not any(r.refuse for r in collecte.retours)
    lot.refresh_from_db()
    assert lot.arl == Arl.POSITIF
    assert all(_etat(f) == Etat.LOT_RECU for f in payees)

    collecte = lots.collecter(utilisateur=u, le=PLUS_TARD, perimetre=None)
    assert collecte.retours
    for f in payees:
        assert _etat(f) == Etat.PAYEE
        assert f.paiements.get().montant == 600
    assert _etat(rejetee) == Etat.REJETEE
    rejet = Rejet.objects.get(facture=rejetee)
    assert "SIMULATEUR" in rejet.libelle
    assert verifier([monde.cabinet]) == []
    call_command("compta", "verifier", stdout=io.StringIO())  # raises on any anomaly
    traites = dossiers_configures().traites
    assert sorted(p.name for p in traites.rglob("*") if p.is_file())
    assert not [p for p in dossiers_configures().entree.iterdir() if p.is_file()]
    assert lots.collecter(utilisateur=u, le=PLUS_TARD, perimetre=None).retours == []


def test_un_lot_illisible_revient_en_arl_negatif_puis_se_retransmet(monde):
    (f,) = _pretes(monde, 1)
    u = monde.utilisateur
    transmission.securiser(facture=f, utilisateur=u, le=JOUR)
    (lot,) = lots.construire_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI).lots
    chemin = lots.dossier_des_lots(monde.cabinet) / lot.fichier
    chemin.write_bytes(chemin.read_bytes().replace(b"\n9", b"\n8", 1))
    lots.envoyer_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI)
    lots.collecter(utilisateur=u, le=ENVOI, perimetre=None)
    lot.refresh_from_db()
    assert lot.arl == Arl.NEGATIF
    assert _etat(f) == Etat.A_RETRANSMETTRE
    (nouveau,) = lots.construire_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI).lots
    assert nouveau.numero == "00002"
    lots.envoyer_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI)
    assert f.evenements.filter(evenement="retransmettre").exists()
    lots.collecter(utilisateur=u, le=PLUS_TARD, perimetre=None)
    assert _etat(f) == Etat.PAYEE
    assert verifier([monde.cabinet]) == []


def test_une_issue_forcee_dans_le_simulateur(monde):
    simulateur = _simulateur()
    a, b = _pretes(monde, 2, simulateur)
    u = monde.utilisateur
    simulateur.forcer(
        partie="FSE",
        numero_ps=monde.pro.numero_am,
        numero_facture=b.numero,
        issue="traitement_caisse",
    )
    for f in (a, b):
        transmission.securiser(facture=f, utilisateur=u, le=JOUR)
    lots.construire_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI)
    lots.envoyer_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI)
    lots.collecter(utilisateur=u, le=ENVOI + timedelta(days=14), perimetre=None)
    assert _etat(a) == Etat.PAYEE
    assert _etat(b) == Etat.EN_TRAITEMENT_CAISSE


def test_une_facture_sans_organisme_destinataire_reste_dans_sa_file(monde):
    (f,) = _pretes(monde, 1)
    u = monde.utilisateur
    transmission.securiser(facture=f, utilisateur=u, le=JOUR)
    Facture.objects.filter(pk=f.pk).update(caisse="999")
    f.parties.update(organisme=None)
    rapport = lots.construire_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI)
    assert rapport.lots == []
    assert "absents de la Table des Organismes Destinataires" in rapport.refus[0]
    files = files_de_transmission(monde.cabinet, parmi=cabinets_visibles(u))
    assert [t.partie.facture_id for t in files.fse_a_transmettre] == [f.pk]


# --- The same through the `fichiers` adapter and a certified component that only reads and
# writes files. ---


class ComposantCertifie:
    """Test double of the certified component: signs what it finds in the outbox, writes the
    acknowledgements, hands the lots to the insurers (the simulator, which writes its ARL and
    returns into the inbox)."""

    def __init__(self, refuser: set[str] = frozenset()):
        self.dossiers = dossiers_configures()
        self.refuser = refuser

    def traiter(self, le):
        demandes = self.dossiers.sortie / "a-securiser"
        for chemin in sorted(demandes.glob("*.json")):
            demande = json.loads(chemin.read_text(encoding="utf-8"))
            refuse = demande["numero_facture"] in self.refuser
            accuse = {
                "disposition": DISPOSITION_ACCUSE,
                "numero_ps": demande["numero_ps"],
                "numero_facture": demande["numero_facture"],
                "empreinte": demande["empreinte"],
                "statut": "refusee" if refuse else "securisee",
                "motif": "carte CPS absente du lecteur" if refuse else "",
                "date": le.isoformat(),
            }
            nom = f"ACCUSE-{demande['numero_ps']}-{demande['numero_facture']}.json"
            (self.dossiers.entree / nom).write_text(json.dumps(accuse), encoding="utf-8")
            chemin.unlink()
        for chemin in sorted((self.dossiers.sortie / "lots").glob("*.txt")):
            Simulateur(boite=self.dossiers.entree).recevoir_lot(chemin, le=le)
            chemin.unlink()


def test_cycle_complet_par_fichiers_et_composant_certifie(monde, settings):
    settings.REJETS_TRANSMISSION_ADAPTATEUR = "fichiers"
    simulateur = _simulateur()
    a, b = _pretes(monde, 2, simulateur)
    u = monde.utilisateur
    for f in (a, b):
        s = transmission.securiser(facture=f, utilisateur=u, le=JOUR)
        assert s.statut == StatutSecurisation.DEMANDEE and s.adaptateur == "fichiers"
    assert _etat(a) == Etat.PRETE
    demandes = list((dossiers_configures().sortie / "a-securiser").iterdir())
    assert len(demandes) == 2
    assert all(a.patient.nom not in p.name and a.patient.nir not in p.name for p in demandes)

    composant = ComposantCertifie(refuser={b.numero})
    composant.traiter(JOUR)
    collecte = lots.collecter(utilisateur=u, le=JOUR, perimetre=None)
    assert collecte.accuses == [
        f"Facture {a.numero} sécurisée.",
        f"Facture {b.numero} : sécurisation refusée (carte CPS absente du lecteur).",
    ]
    assert _etat(a) == Etat.SECURISEE and _etat(b) == Etat.PRETE

    (lot,) = lots.construire_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI).lots
    lots.envoyer_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI)
    assert (dossiers_configures().sortie / "lots" / lot.fichier).is_file()
    composant.traiter(ENVOI)
    lots.collecter(utilisateur=u, le=ENVOI, perimetre=None)
    lot.refresh_from_db()
    assert lot.arl == Arl.POSITIF
    simulateur.repondre(jusqu_au=PLUS_TARD)
    lots.collecter(utilisateur=u, le=PLUS_TARD, perimetre=None)
    assert _etat(a) == Etat.PAYEE
    assert verifier([monde.cabinet]) == []


def test_un_accuse_qui_ne_correspond_a_rien_est_refuse_sans_rien_changer(monde, settings):
    settings.REJETS_TRANSMISSION_ADAPTATEUR = "fichiers"
    (f,) = _pretes(monde, 1)
    transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    entree = dossiers_configures().entree
    (entree / "ACCUSE-1.json").write_text("{pas du json", encoding="utf-8")
    faux = {
        "disposition": DISPOSITION_ACCUSE,
        "numero_ps": monde.pro.numero_am,
        "numero_facture": f.numero,
        "empreinte": "0" * 64,
        "statut": "securisee",
        "date": JOUR.isoformat(),
    }
    (entree / "ACCUSE-2.json").write_text(json.dumps(faux), encoding="utf-8")
    collecte = lots.collecter(utilisateur=monde.utilisateur, le=JOUR, perimetre=None)
    assert "illisible" in collecte.refus[0]
    assert "l'empreinte ne correspond pas" in collecte.refus[1]
    assert _etat(f) == Etat.PRETE


def test_le_contenu_modifie_apres_la_demande_est_refuse(monde, settings):
    settings.REJETS_TRANSMISSION_ADAPTATEUR = "fichiers"
    (f,) = _pretes(monde, 1)
    transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    f.patient.__class__.objects.filter(pk=f.patient_id).update(nom="Autre")
    ComposantCertifie().traiter(JOUR)
    collecte = lots.collecter(utilisateur=monde.utilisateur, le=JOUR, perimetre=None)
    assert "le contenu de la facture a changé" in collecte.accuses[0]
    assert _etat(f) == Etat.PRETE


# --- Mode dégradé. ---


def _signature_png() -> bytes:
    image = Image.new("RGB", (240, 80), "white")
    for x in range(20, 220):
        image.putpixel((x, 40 + (x % 17) - 8), (0, 0, 90))
    flux = io.BytesIO()
    image.save(flux, format="PNG")
    return flux.getvalue()


def _scan_pdf(tmp_path: Path) -> Path:
    chemin = tmp_path / "ordonnance.pdf"
    Image.new("RGB", (200, 280), "white").save(chemin, format="PDF")
    return chemin


def _degrade(monde):
    (f,) = _pretes(monde, 1)
    cabinets.enregistrer_signature(professionnel=monde.pro, image=_signature_png())
    transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=JOUR, mode=Mode.DEGRADE)
    return f


def test_mode_degrade_sans_signature_est_refuse(monde):
    (f,) = _pretes(monde, 1)
    with pytest.raises(transmission.SecurisationRefusee, match="signature numérisée"):
        transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=JOUR, mode=Mode.DEGRADE)
    assert _etat(f) == Etat.PRETE and not f.securisations.exists()


def test_mode_degrade_feuille_signee_lot_scor_puis_paiement(monde, tmp_path):
    u = monde.utilisateur
    f = _degrade(monde)
    feuille = f.pieces.get(type=TypePiece.FEUILLE_DE_SOINS)
    lecteur = PdfReader(pieces.chemin_piece(feuille))
    texte = "".join(page.extract_text() for page in lecteur.pages)
    assert f.numero in texte and "dégradé" in texte
    assert lecteur.pages[0].images, "la signature numérisée est dans la feuille"
    assert f.patient.nir not in (lecteur.metadata.title or "")
    etat = pieces.etat_des_pieces(f)
    assert etat.degrade and not etat.complet and etat.manquantes == ("Prescription numérisée",)

    call_command(
        "factures",
        "pieces",
        f.numero,
        "--cabinet",
        monde.cabinet.code,
        "--prescription",
        str(_scan_pdf(tmp_path)),
        stdout=io.StringIO(),
    )
    assert pieces.etat_des_pieces(f).complet
    files = files_de_transmission(monde.cabinet, parmi=cabinets_visibles(u))
    assert [(p.facture.pk, p.pieces.complet) for p in files.pieces] == [(f.pk, True)]

    rapport = lots.construire_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI)
    (scor,) = rapport.lots_scor
    (lot,) = rapport.lots
    assert scor.numero == "00001" and lot.numero == "00002"
    dossier = lots.dossier_des_lots(monde.cabinet) / scor.dossier
    manifeste = json.loads((dossier / "manifeste.json").read_text(encoding="utf-8"))
    assert sorted(p["type"] for p in manifeste["pieces"]) == ["feuille_de_soins", "prescription"]
    assert all(
        (dossier / p["fichier"]).read_bytes().startswith(b"%PDF-") for p in manifeste["pieces"]
    )
    lues = _lire_lot(lots.dossier_des_lots(monde.cabinet) / lot.fichier)
    assert [e["mode"] for e in lues if e.type == "2"] == ["D"]

    envoi = lots.envoyer_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI)
    assert envoi.lots_scor == ["00001"] and envoi.lots == ["00002"]
    assert pieces.etat_des_pieces(f).envoyees
    lots.collecter(utilisateur=u, le=PLUS_TARD, perimetre=None)
    assert _etat(f) == Etat.PAYEE
    assert verifier([monde.cabinet]) == []


def test_mode_degrade_pieces_incompletes_copie_papier_et_rejet(monde, tmp_path):
    u = monde.utilisateur
    f = _degrade(monde)
    rapport = lots.construire_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI)
    assert rapport.lots_scor == [] and len(rapport.lots) == 1
    assert "copie papier" in rapport.avertissements[0]
    files = files_de_transmission(monde.cabinet, parmi=cabinets_visibles(u))
    assert [(p.facture.pk, p.pieces.complet) for p in files.pieces] == [(f.pk, False)]

    sortie = tmp_path / "copie.pdf"
    call_command(
        "factures",
        "copie-papier",
        f.numero,
        "--cabinet",
        monde.cabinet.code,
        "--sortie",
        str(sortie),
        stdout=io.StringIO(),
    )
    lecteur = PdfReader(sortie)
    texte = "".join(page.extract_text() for page in lecteur.pages)
    assert len(lecteur.pages) >= 2 and f.numero in texte and "ordereau" in texte

    lots.envoyer_lots(cabinet=monde.cabinet, utilisateur=u, le=ENVOI)
    lots.collecter(utilisateur=u, le=PLUS_TARD, perimetre=None)
    assert _etat(f) == Etat.REJETEE
    assert "SIMULATEUR" in Rejet.objects.get(facture=f).libelle


def test_piece_refusee_si_ce_n_est_ni_pdf_ni_image(monde):
    (f,) = _pretes(monde, 1)
    with pytest.raises(pieces.PieceRefusee, match="seuls les PDF, PNG et JPEG"):
        pieces.attacher_piece(
            facture=f,
            type=TypePiece.PRESCRIPTION,
            octets=b"GIF89a....",
            nom_fichier="scan.gif",
            utilisateur=monde.utilisateur,
        )
    assert not Piece.objects.exists()


# --- Isolation between cabinets. ---


def test_un_cabinet_ne_voit_ni_les_files_ni_les_pieces_d_un_autre(monde, autre_monde):
    f = _degrade(monde)
    assert pieces_visibles(monde.utilisateur).filter(facture=f).count() == 1
    assert not pieces_visibles(autre_monde.utilisateur).exists()
    with pytest.raises(CabinetInaccessible):
        files_de_transmission(monde.cabinet, parmi=cabinets_visibles(autre_monde.utilisateur))
    with pytest.raises(CommandError):
        call_command(
            "lots",
            "construire",
            "--cabinet",
            monde.cabinet.code,
            "--utilisateur",
            autre_monde.utilisateur.username,
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError):
        call_command(
            "lots",
            "files",
            "--cabinet",
            monde.cabinet.code,
            "--utilisateur",
            autre_monde.utilisateur.username,
            stdout=io.StringIO(),
        )


# --- The commands, as the README shows them. ---


def test_les_commandes_du_cycle(monde, tmp_path):
    simulateur = _simulateur()
    a, b = _pretes(monde, 2, simulateur)
    image = tmp_path / "signature.png"
    image.write_bytes(_signature_png())
    code = monde.cabinet.code
    sortie = io.StringIO()
    call_command(
        "cabinets",
        "signature",
        "--cabinet",
        code,
        "--professionnel",
        monde.pro.numero_am,
        "--image",
        str(image),
        stdout=sortie,
    )
    assert "Signature de Claire Roux enregistrée" in sortie.getvalue()
    sortie = io.StringIO()
    call_command("lots", "files", "--cabinet", code, "--json", stdout=sortie)
    assert len(json.loads(sortie.getvalue())["fse_a_securiser"]) == 2
    call_command(
        "factures",
        "securiser",
        "--cabinet",
        code,
        "--toutes",
        "--le",
        str(JOUR),
        stdout=io.StringIO(),
    )
    sortie = io.StringIO()
    call_command("lots", "construire", "--cabinet", code, "--le", str(ENVOI), stdout=sortie)
    assert "Lot FSE n° 00001" in sortie.getvalue()
    sortie = io.StringIO()
    call_command("lots", "envoyer", "--cabinet", code, "--le", str(ENVOI), stdout=sortie)
    assert "1 lot(s) envoyé(s) (2 partie(s) transmise(s))" in sortie.getvalue()
    sortie = io.StringIO()
    call_command("retours", "collecter", "--le", str(PLUS_TARD), "--json", stdout=sortie)
    resume = json.loads(sortie.getvalue())
    assert sum(r["appliquees"] for r in resume["retours"]) >= 3
    assert _etat(a) == Etat.PAYEE and _etat(b) == Etat.PAYEE
    sortie = io.StringIO()
    call_command("retours", "collecter", "--le", str(PLUS_TARD), stdout=sortie)
    assert "Rien de nouveau" in sortie.getvalue()
    with pytest.raises(CommandError, match="introuvable"):
        call_command(
            "cabinets",
            "signature",
            "--cabinet",
            code,
            "--professionnel",
            "000000000",
            "--image",
            str(image),
            stdout=io.StringIO(),
        )
    image.write_bytes(b"pas une image")
    with pytest.raises(CommandError, match="Image de signature refusée"):
        call_command(
            "cabinets",
            "signature",
            "--cabinet",
            code,
            "--professionnel",
            monde.pro.numero_am,
            "--image",
            str(image),
            stdout=io.StringIO(),
        )
