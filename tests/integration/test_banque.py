"""Bank matching: transfers announced by the returns (payments with their reference, withheld
indus, parked money), bank statements imported (CSV through a profile, OFX), automatic and
manual matching, ignored lines, the two lists, double import, faulty files, tenant isolation
and the `rejets suivi banque-*` verbs."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from rejets.banque import selectors, services
from rejets.banque.models import (
    CompteBancaire,
    EtatLigne,
    LigneBancaire,
    ProfilReleve,
    Rapprochement,
    ReleveBancaire,
)
from rejets.cabinets.models import Cabinet
from rejets.cabinets.selectors import cabinets_visibles
from rejets.domain.ledger import Payeur
from rejets.domain.lifecycle import TypePartie
from rejets.factures import services as factures
from rejets.formats.releves import ReleveInvalide
from rejets.lots.models import Lot
from rejets.retours import services as retours
from rejets.retours.importation import importer_retour
from rejets.retours.models import PaiementEnAttente
from rejets.transmission import services as transmission

from .conftest import JOUR
from .fichiers_retour import L, fichier_retour

FSE, DRE = TypePartie.FSE, TypePartie.DRE
AVANT = date(2026, 2, 10)
AU = date(2026, 3, 3)
COLONNES = {"date": "Date", "libelle": "Libellé", "montant": "Montant", "reference": "Réf"}


def transmise(monde, *, amo=600, amc=0, patient=400, parties=(FSE,)):
    f = monde.facture(amo=amo, amc=amc, patient=patient)
    factures.preparer(facture=f, utilisateur=monde.utilisateur)
    transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    for partie in parties:
        lot, _ = Lot.objects.get_or_create(
            cabinet=monde.cabinet, professionnel=monde.pro, numero="00001", type_partie=partie
        )
        factures.transmettre(
            facture=f, partie=partie, lot=lot, le=JOUR, utilisateur=monde.utilisateur
        )
    f.refresh_from_db()
    return f


def payee(monde, montant, reference, le=JOUR, payeur=Payeur.AMO):
    if payeur is Payeur.AMO:
        f = transmise(monde, amo=montant, patient=100)
    else:
        f = transmise(monde, amo=100, amc=montant, patient=100, parties=(FSE, DRE))
    factures.enregistrer_paiement(
        facture=f,
        payeur=payeur,
        montant=montant,
        le=le,
        utilisateur=monde.utilisateur,
        moyen="virement",
        reference=reference,
    )
    return f


def un(monde):
    return Cabinet.objects.filter(pk=monde.cabinet.pk)


def profil(monde, nom="banque-test", cabinet=True):
    return services.enregistrer_profil(
        nom=nom,
        colonnes=COLONNES,
        utilisateur=monde.utilisateur,
        cabinet=monde.cabinet if cabinet else None,
    )


def csv(*lignes: str) -> bytes:
    return ("Date;Libellé;Montant;Réf\n" + "".join(x + "\n" for x in lignes)).encode()


def ofx(*operations: tuple[str, str, str, str], compte: str = "FR7630001007941234567890185"):
    """Operations: (FITID, AAAAMMJJ, amount, name)."""
    corps = "".join(
        f"<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>{d}<TRNAMT>{m}<FITID>{f}<NAME>{n}</STMTTRN>\n"
        for f, d, m, n in operations
    )
    return (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nCHARSET:1252\n\n<OFX>\n"
        "<BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR\n"
        f"<BANKACCTFROM><BANKID>30001<ACCTID>{compte}<ACCTTYPE>CHECKING</BANKACCTFROM>\n"
        f"<BANKTRANLIST>\n{corps}</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1>\n</OFX>\n"
    ).encode("cp1252")


def importer(monde, contenu: bytes, nom="releve.ofx", **options):
    return services.importer_releve(
        cabinet=monde.cabinet,
        flux=io.BytesIO(contenu),
        nom=nom,
        utilisateur=monde.utilisateur,
        **options,
    )


def annonces_du_monde(monde):
    """VIR-A0 (10/02, 5,00 €, never credited); VIR-A1 (02/03, 6,00 + 4,00 less a 2,00 € indu
    withheld = 8,00 €); VIR-M1 (02/03, the mutuelle, 3,00 €)."""
    f0 = payee(monde, 500, "VIR-A0", le=AVANT)
    payee(monde, 600, "VIR-A1")
    payee(monde, 400, "VIR-A1")
    factures.enregistrer_indu(
        facture=f0,
        payeur=Payeur.AMO,
        montant=200,
        code="IND",
        libelle="Indu",
        le=JOUR,
        utilisateur=monde.utilisateur,
        retenu=True,
        reference="VIR-A1",
    )
    payee(monde, 300, "VIR-M1", payeur=Payeur.AMC)


RELEVE_CSV = csv(
    "03/03/2026;VIR SEPA CPAM DE PARIS VIR-A1;8,00;",
    "04/03/2026;VIR MUTUELLE EXEMPLE REMB;3,00;",
    "05/03/2026;VIREMENT M. DUPONT;25,00;",
    "05/03/2026;CB PHARMACIE;-12,40;",
    "06/03/2026;VIR MUTUELLE MGEN;12,34;",
)


# ------------------------------------------------------------------------ announced transfers


def test_virements_annonces_derives_des_paiements_nets_des_indus_retenus(monde):
    annonces_du_monde(monde)
    virements = selectors.virements_annonces(un(monde))
    assert [(v.reference, v.date, v.payeur, v.montant, v.paiements) for v in virements] == [
        ("VIR-A0", AVANT, "amo", 500, 1),
        ("VIR-A1", JOUR, "amo", 800, 3),
        ("VIR-M1", JOUR, "amc", 300, 1),
    ]
    assert [v.organisme for v in virements] == ["CPAM de Paris"] * 2 + ["Mutuelle Exemple"]
    assert [v.reference for v in selectors.virements_annonces(un(monde), du=JOUR)] == [
        "VIR-A1",
        "VIR-M1",
    ]
    assert [v.reference for v in selectors.virements_annonces(un(monde), au=AVANT)] == ["VIR-A0"]


def test_un_paiement_sans_reference_ou_du_patient_n_annonce_rien(monde):
    f = transmise(monde)
    factures.enregistrer_paiement(
        facture=f, payeur=Payeur.AMO, montant=600, le=JOUR, utilisateur=monde.utilisateur
    )
    factures.enregistrer_paiement(
        facture=f,
        payeur=Payeur.PATIENT,
        montant=400,
        le=JOUR,
        utilisateur=monde.utilisateur,
        moyen="virement",
        reference="PATIENT-1",
    )
    assert selectors.virements_annonces(un(monde)) == []


def test_l_argent_en_attente_compte_dans_son_virement_une_seule_fois(monde, tmp_path):
    """A return file announces VIR-R1: a known invoice is paid, an unknown one parks its money;
    allocated later, the parked money stays in VIR-R1 at the transfer's date."""
    f = transmise(monde)
    chemin = tmp_path / "retour.txt"
    chemin.write_bytes(fichier_retour(("VIR-R1", [L(f.numero, 600), L("900000777", 500)])))
    importer_retour(chemin=chemin, nom="retour.txt", utilisateur=monde.utilisateur, perimetre=None)
    attendu = [("VIR-R1", date(2026, 3, 9), 1100, 2, "CPAM de Paris")]

    def virements():
        return [
            (v.reference, v.date, v.montant, v.paiements, v.organisme)
            for v in selectors.virements_annonces(un(monde))
        ]

    assert virements() == attendu
    g = transmise(monde, amo=500, patient=100)
    retours.affecter(
        attente=PaiementEnAttente.objects.get(),
        facture=g,
        utilisateur=monde.utilisateur,
        le=date(2026, 3, 20),
    )
    assert g.paiements.get().reference == "VIR-R1"
    assert virements() == attendu


# ------------------------------------------------------------------------ import


def test_import_csv_avec_profil_puis_double_import_qui_ne_change_rien(monde):
    p = profil(monde)
    r = importer(monde, RELEVE_CSV, nom="mars.csv", profil=p)
    assert not r.deja_importe
    assert r.resume() == {
        "fichier": "mars.csv",
        "format": "csv",
        "profil": "banque-test",
        "compte": "Compte principal",
        "deja_importe": False,
        "lues": 5,
        "importees": 5,
        "deja_connues": 0,
        "refusees": 0,
        "refus": [],
        "lignes_avant_entete": 0,
        "lignes_vides": 0,
    }
    assert sorted(LigneBancaire.objects.values_list("montant", flat=True)) == [
        -1240,
        300,
        800,
        1234,
        2500,
    ]
    second = importer(monde, RELEVE_CSV, nom="copie.csv", profil=p)
    assert second.deja_importe and second.releve.pk == r.releve.pk
    assert (ReleveBancaire.objects.count(), LigneBancaire.objects.count()) == (1, 5)
    suite = RELEVE_CSV + b"07/03/2026;VIR CPAM;1,00;\n"
    r3 = importer(monde, suite, nom="mars-bis.csv", profil=p)
    assert (r3.releve.lignes_importees, r3.releve.lignes_deja_connues) == (1, 5)
    assert LigneBancaire.objects.count() == 6


def test_deux_operations_identiques_le_meme_jour_sont_deux_lignes(monde):
    p = profil(monde)
    deux = csv("05/03/2026;CB BOULANGERIE;-2,00;", "05/03/2026;CB BOULANGERIE;-2,00;")
    assert importer(monde, deux, nom="a.csv", profil=p).releve.lignes_importees == 2
    trois = deux + b"05/03/2026;CB BOULANGERIE;-2,00;\n"
    r = importer(monde, trois, nom="b.csv", profil=p).releve
    assert (r.lignes_importees, r.lignes_deja_connues) == (1, 2)


def test_import_ofx_compte_reconnu_et_fitid_deja_connus(monde):
    r = importer(monde, ofx(("F1", "20260303", "8.00", "VIR CPAM"), ("F2", "20260304", "3", "X")))
    compte = CompteBancaire.objects.get()
    assert compte.libelle == "Compte •••• 0185" and compte.identifiant_masque == "•••• 0185"
    assert "1234567890185" not in compte.empreinte_identifiant
    assert (r.releve.format, r.releve.lignes_importees) == ("ofx", 2)
    chevauche = ofx(("F2", "20260304", "3", "X"), ("F3", "20260305", "1", "Y"))
    r2 = importer(monde, chevauche, nom="suite.ofx")
    assert r2.releve.compte == compte
    assert (r2.releve.lignes_importees, r2.releve.lignes_deja_connues) == (1, 1)
    assert sorted(LigneBancaire.objects.values_list("fitid", flat=True)) == ["F1", "F2", "F3"]


def test_un_ofx_d_un_autre_compte_que_celui_nomme_est_refuse(monde):
    importer(monde, ofx(("F1", "20260303", "1", "X")), compte="Pro")
    autre = ofx(("G1", "20260303", "1", "X"), compte="FR7699999999999999999999999")
    with pytest.raises(services.OperationBanqueRefusee, match="pas du compte « Pro »"):
        importer(monde, autre, compte="Pro")
    importer(monde, autre, nom="autre.ofx")
    assert CompteBancaire.objects.count() == 2
    p = profil(monde)
    with pytest.raises(services.OperationBanqueRefusee, match="plusieurs comptes"):
        importer(monde, RELEVE_CSV, nom="mars.csv", profil=p)
    assert importer(monde, RELEVE_CSV, nom="mars.csv", profil=p, compte="Pro").releve.compte


def test_fichiers_fautifs_messages_en_francais_avec_la_ligne(monde):
    p = profil(monde)
    fautif = csv("03/03/2026;BON;8,00;", "31/02/2026;DATE;1,00;", "04/03/2026;MONTANT;huit;", "X")
    r = importer(monde, fautif, nom="fautif.csv", profil=p)
    assert (r.releve.lignes_lues, r.releve.lignes_importees, r.releve.lignes_refusees) == (
        4,
        1,
        3,
    )
    assert [x["ligne"] for x in r.refus] == [3, 4, 5]
    assert r.refus[0]["message"].startswith("ligne 3 : date « 31/02/2026 »")
    avant = ReleveBancaire.objects.count()
    usd = ofx(("F1", "20260303", "1", "X")).replace(b"<CURDEF>EUR", b"<CURDEF>USD")
    with pytest.raises(ReleveInvalide, match=r"usd\.ofx », ligne 7 : relevé en « USD »"):
        importer(monde, usd, nom="usd.ofx")
    tronque = ofx(("F1", "20260303", "1", "X"))[:-30]
    with pytest.raises(ReleveInvalide, match="tronqué"):
        importer(monde, tronque, nom="tronque.ofx")
    with pytest.raises(ReleveInvalide, match="ligne 1 : les colonnes du profil « banque-test »"):
        importer(monde, b"Jour;Texte\n", nom="autre.csv", profil=p)
    with pytest.raises(services.OperationBanqueRefusee, match="--profil"):
        importer(monde, RELEVE_CSV, nom="sans-profil.csv")
    assert ReleveBancaire.objects.count() == avant
    assert LigneBancaire.objects.count() == 1


def test_profil_du_cabinet_avant_le_profil_partage(monde, autre_monde):
    partage = services.enregistrer_profil(
        nom="commun", colonnes=COLONNES, utilisateur=monde.utilisateur, separateur=","
    )
    propre = profil(monde, nom="commun")
    assert selectors.profil_releve("commun", monde.cabinet) == propre
    assert selectors.profil_releve("commun", autre_monde.cabinet) == partage
    assert selectors.profil_releve("commun", None) == partage
    with pytest.raises(services.OperationBanqueRefusee, match="debit et credit"):
        services.enregistrer_profil(
            nom="faux",
            colonnes={"date": "D", "libelle": "L", "debit": "Db"},
            utilisateur=monde.utilisateur,
        )


# ------------------------------------------------------------------------ matching


def test_rapprochement_automatique_et_les_deux_listes(monde):
    annonces_du_monde(monde)
    importer(monde, RELEVE_CSV, nom="mars.csv", profil=profil(monde))
    rapport = services.rapprocher(cabinet=monde.cabinet, utilisateur=monde.utilisateur)
    assert sorted((r.reference, r.ligne.libelle, r.automatique) for r in rapport.rapproches) == [
        ("VIR-A1", "VIR SEPA CPAM DE PARIS VIR-A1", True),
        ("VIR-M1", "VIR MUTUELLE EXEMPLE REMB", True),
    ]
    assert rapport.a_decider == []
    assert {r.par for r in Rapprochement.objects.all()} == {monde.utilisateur}
    assert (
        services.rapprocher(cabinet=monde.cabinet, utilisateur=monde.utilisateur).rapproches == []
    )

    jamais = selectors.virements_jamais_credites(un(monde), au=AU)
    assert [(v.reference, v.montant) for v in jamais] == [("VIR-A0", 500)]
    assert selectors.virements_jamais_credites(un(monde), au=AVANT) == []

    inexpliques = selectors.credits_inexpliques(un(monde))
    assert [(c.ligne.libelle, c.organisme) for c in inexpliques] == [
        ("VIREMENT M. DUPONT", ""),
        ("VIR MUTUELLE MGEN", "MUTUELLE"),
    ]
    seuls = selectors.credits_inexpliques(un(monde), organismes_seulement=True)
    assert [c.ligne.montant for c in seuls] == [1234]

    dupont = inexpliques[0].ligne
    services.ignorer(
        cabinet=monde.cabinet,
        ligne=dupont,
        raison="Virement d'un patient, réglé à part",
        utilisateur=monde.utilisateur,
    )
    dupont.refresh_from_db()
    assert (dupont.etat, dupont.traitee_par) == (EtatLigne.IGNOREE, monde.utilisateur)
    assert [c.ligne.montant for c in selectors.credits_inexpliques(un(monde))] == [1234]
    with pytest.raises(services.OperationBanqueRefusee, match="déjà « ignorée"):
        services.ignorer(
            cabinet=monde.cabinet, ligne=dupont, raison="x", utilisateur=monde.utilisateur
        )

    etat = selectors.etat_banque(un(monde), au=AU)
    assert (etat.virements, etat.virements_rapproches) == (3, 2)
    assert etat.lignes == {"non_rapprochee": 2, "rapprochee": 2, "ignoree": 1}
    assert (etat.total_jamais_credites, etat.total_inexpliques) == (500, 1234)


def test_cas_ambigu_laisse_a_une_personne_puis_rapprochement_a_la_main(monde):
    payee(monde, 600, "VIR-B1")
    payee(monde, 600, "VIR-B2")
    importer(
        monde,
        ofx(("B1", "20260303", "6.00", "VIR CPAM PARIS"), ("B2", "20260304", "6.00", "VIR CPAM")),
    )
    rapport = services.rapprocher(cabinet=monde.cabinet, utilisateur=monde.utilisateur)
    assert rapport.rapproches == []
    assert [(a.virement.reference, [c.fitid for c in a.candidates]) for a in rapport.a_decider] == [
        ("VIR-B1", ["B1", "B2"]),
        ("VIR-B2", ["B1", "B2"]),
    ]
    assert len(selectors.a_decider(un(monde))) == 2
    b1 = LigneBancaire.objects.get(fitid="B1")
    r = services.rapprocher_a_la_main(
        cabinet=monde.cabinet,
        ligne=b1.pk,
        reference="VIR-B1",
        le=JOUR,
        utilisateur=monde.utilisateur,
    )
    assert (r.automatique, r.par, r.montant, r.organisme) == (
        False,
        monde.utilisateur,
        600,
        "CPAM de Paris",
    )
    suite = services.rapprocher(cabinet=monde.cabinet, utilisateur=monde.utilisateur)
    assert [(x.reference, x.ligne.fitid) for x in suite.rapproches] == [("VIR-B2", "B2")]
    assert selectors.a_decider(un(monde)) == []
    with pytest.raises(services.OperationBanqueRefusee, match="déjà « rapprochée"):
        services.rapprocher_a_la_main(
            cabinet=monde.cabinet,
            ligne=b1.pk,
            reference="VIR-B2",
            le=JOUR,
            utilisateur=monde.utilisateur,
        )


def test_la_reference_dans_le_libelle_departage(monde):
    payee(monde, 700, "VIR-C1")
    payee(monde, 700, "VIR-C2")
    importer(
        monde,
        ofx(("C2", "20260303", "7.00", "VIR CPAM VIR C2"), ("C1", "20260303", "7.00", "VIR-C1")),
    )
    rapport = services.rapprocher(cabinet=monde.cabinet, utilisateur=monde.utilisateur)
    assert sorted((r.reference, r.ligne.fitid) for r in rapport.rapproches) == [
        ("VIR-C1", "C1"),
        ("VIR-C2", "C2"),
    ]


def test_hors_fenetre_ou_montant_different_rien_n_est_rapproche(monde):
    payee(monde, 600, "VIR-D1")
    importer(
        monde,
        ofx(
            ("D1", "20260301", "6.00", "AVANT LE VIREMENT"),
            ("D2", "20260308", "6.00", "SIX JOURS APRES"),
            ("D3", "20260303", "6.01", "UN CENTIME DE PLUS"),
        ),
    )
    assert (
        services.rapprocher(cabinet=monde.cabinet, utilisateur=monde.utilisateur).rapproches == []
    )
    assert [
        x.reference
        for x in services.rapprocher(
            cabinet=monde.cabinet, utilisateur=monde.utilisateur, fenetre=6
        ).rapproches
    ] == ["VIR-D1"]


def test_rapprochement_a_la_main_refus(monde):
    payee(monde, 600, "VIR-E1")
    payee(monde, 300, "VIR-E1", payeur=Payeur.AMC)
    importer(monde, ofx(("E1", "20260303", "6.00", "X"), ("E2", "20260303", "-6.00", "Y")))
    credit, debit = (LigneBancaire.objects.get(fitid=f) for f in ("E1", "E2"))

    def a_la_main(ligne, reference="VIR-E1", le=JOUR, payeur=None):
        return services.rapprocher_a_la_main(
            cabinet=monde.cabinet,
            ligne=ligne,
            reference=reference,
            le=le,
            payeur=payeur,
            utilisateur=monde.utilisateur,
        )

    with pytest.raises(services.OperationBanqueRefusee, match="débit"):
        a_la_main(debit.pk)
    with pytest.raises(services.OperationBanqueRefusee, match="Aucun virement"):
        a_la_main(credit.pk, reference="VIR-ZZ")
    with pytest.raises(services.OperationBanqueRefusee, match="précisez le payeur"):
        a_la_main(credit.pk)
    with pytest.raises(services.OperationBanqueRefusee, match="introuvable"):
        a_la_main(999_999)
    r = a_la_main(credit.pk, payeur="amc")
    assert (r.payeur, r.montant, r.ligne.montant) == ("amc", 300, 600)
    with pytest.raises(services.OperationBanqueRefusee, match="raison"):
        services.ignorer(
            cabinet=monde.cabinet, ligne=debit, raison="  ", utilisateur=monde.utilisateur
        )


# ------------------------------------------------------------------------ tenants


def test_un_autre_cabinet_ne_voit_rien_et_ne_peut_rien_rapprocher(monde, autre_monde):
    annonces_du_monde(monde)
    importer(monde, RELEVE_CSV, nom="mars.csv", profil=profil(monde))
    ligne = LigneBancaire.objects.get(montant=800)
    visibles_b = cabinets_visibles(autre_monde.utilisateur)
    assert selectors.virements_annonces(visibles_b) == []
    assert not selectors.lignes_visibles(visibles_b).exists()
    assert not selectors.releves_visibles(visibles_b).exists()
    assert selectors.credits_inexpliques(visibles_b) == []
    assert selectors.virements_jamais_credites(visibles_b, au=AU) == []
    etat = selectors.etat_banque(visibles_b, au=AU)
    assert (etat.virements, sum(etat.lignes.values()), etat.a_decider) == (0, 0, [])
    with pytest.raises(services.OperationBanqueRefusee, match="introuvable"):
        services.rapprocher_a_la_main(
            cabinet=autre_monde.cabinet,
            ligne=ligne.pk,
            reference="VIR-A1",
            le=JOUR,
            utilisateur=autre_monde.utilisateur,
        )
    with pytest.raises(services.OperationBanqueRefusee, match="introuvable"):
        services.ignorer(
            cabinet=autre_monde.cabinet,
            ligne=ligne,
            raison="x",
            utilisateur=autre_monde.utilisateur,
        )
    assert (
        services.rapprocher(
            cabinet=autre_monde.cabinet, utilisateur=autre_monde.utilisateur
        ).rapproches
        == []
    )
    # The same statement in the other cabinet is another import; it cannot meet cabinet a's
    # transfers.
    b = services.importer_releve(
        cabinet=autre_monde.cabinet,
        flux=io.BytesIO(RELEVE_CSV),
        nom="mars.csv",
        utilisateur=autre_monde.utilisateur,
        profil=services.enregistrer_profil(
            nom="banque-test",
            colonnes=COLONNES,
            utilisateur=autre_monde.utilisateur,
            cabinet=autre_monde.cabinet,
        ),
    )
    assert not b.deja_importe
    with pytest.raises(services.OperationBanqueRefusee, match="Aucun virement"):
        services.rapprocher_a_la_main(
            cabinet=autre_monde.cabinet,
            ligne=LigneBancaire.objects.get(cabinet=autre_monde.cabinet, montant=800).pk,
            reference="VIR-A1",
            le=JOUR,
            utilisateur=autre_monde.utilisateur,
        )
    ligne.refresh_from_db()
    assert ligne.etat == EtatLigne.NON_RAPPROCHEE


# ------------------------------------------------------------------------ commands


def suivi(*args, capsys=None):
    call_command("suivi", *args)
    return capsys.readouterr().out if capsys else None


def test_verbes_de_la_commande(monde, tmp_path, capsys):
    annonces_du_monde(monde)
    qui = ("--utilisateur", monde.utilisateur.username)
    call_command(
        "suivi", "banque-profil", "banque-test", "--colonne", "date=Date",
        "--colonne", "libelle=Libellé", "--colonne", "montant=Montant",
        "--colonne", "reference=Réf", "--cabinet", "a", *qui,
    )  # fmt: skip
    assert "Profil de relevé « banque-test » du cabinet « a » enregistré" in capsys.readouterr().out
    chemin = tmp_path / "mars.csv"
    chemin.write_bytes(RELEVE_CSV)
    sortie = suivi(
        "banque-import", str(chemin), "--cabinet", "a", "--profil", "banque-test", *qui,
        capsys=capsys,
    )  # fmt: skip
    assert "lignes lues : 5" in sortie and "importées : 5" in sortie
    sortie = suivi(
        "banque-import", str(chemin), "--cabinet", "a", "--profil", "banque-test", *qui,
        capsys=capsys,
    )  # fmt: skip
    assert "déjà importé" in sortie and LigneBancaire.objects.count() == 5

    sortie = suivi("banque-rapprocher", "--cabinet", "a", *qui, capsys=capsys)
    assert "2 virement(s) rapproché(s)" in sortie and "8,00\u00a0€" in sortie

    call_command("suivi", "banque-etat", "--cabinet", "a", "--au", "2026-03-03", "--json", *qui)
    etat = json.loads(capsys.readouterr().out)
    assert etat["virements_annonces"] == 3 and etat["virements_rapproches"] == 2
    assert etat["jamais_credites"]["total"] == 500
    assert [v["reference"] for v in etat["jamais_credites"]["virements"]] == ["VIR-A0"]
    assert etat["credits_inexpliques"]["total"] == 2500 + 1234
    dupont = next(x["ligne"] for x in etat["credits_inexpliques"]["lignes"] if x["montant"] == 2500)

    sortie = suivi(
        "banque-rapprocher", "--cabinet", "a", "--ignorer", str(dupont), "--raison",
        "Virement d'un patient", *qui, capsys=capsys,
    )  # fmt: skip
    assert f"Ligne n° {dupont} ignorée" in sortie
    sortie = suivi("banque-etat", "--cabinet", "a", "--au", "2026-03-03", *qui, capsys=capsys)
    assert "Virements jamais crédités : 1 pour 5,00\u00a0€" in sortie
    assert "VIR-A0 du 10/02/2026" in sortie
    assert "Crédits inexpliqués : 1 pour 12,34\u00a0€" in sortie
    assert "semble venir de : MUTUELLE" in sortie

    mgen = LigneBancaire.objects.get(montant=1234)
    sortie = suivi(
        "banque-rapprocher", "--cabinet", "a", "--ligne", str(mgen.pk), "--virement", "VIR-A0",
        "--le", "2026-02-10", *qui, capsys=capsys,
    )  # fmt: skip
    assert "Rapproché à la main : virement VIR-A0" in sortie and "écart de 7,34\u00a0€" in sortie

    with pytest.raises(CommandError, match="demande une raison"):
        call_command("suivi", "banque-rapprocher", "--cabinet", "a", "--ignorer", "1", *qui)
    with pytest.raises(CommandError, match="--ligne N, --virement REF et --le DATE"):
        call_command("suivi", "banque-rapprocher", "--cabinet", "a", "--ligne", "1", *qui)
    with pytest.raises(CommandError, match="1 relevé"):
        faux = tmp_path / "faux.ofx"
        faux.write_bytes(b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><STMTTRN>")
        call_command("suivi", "banque-import", str(faux), "--cabinet", "a", *qui)
    assert "faux.ofx" in capsys.readouterr().err


def test_verbes_et_isolation_des_cabinets(monde, autre_monde, tmp_path, capsys):
    annonces_du_monde(monde)
    chemin = tmp_path / "releve.ofx"
    chemin.write_bytes(ofx(("F1", "20260303", "8.00", "VIR CPAM VIR-A1")))
    call_command(
        "suivi", "banque-import", str(chemin), "--cabinet", "a", "--utilisateur",
        monde.utilisateur.username,
    )  # fmt: skip
    ligne = LigneBancaire.objects.get()
    b = ("--utilisateur", autre_monde.utilisateur.username)
    with pytest.raises(CommandError, match="introuvable"):
        call_command("suivi", "banque-import", str(chemin), "--cabinet", "a", *b)
    with pytest.raises(CommandError, match="introuvable"):
        call_command(
            "suivi", "banque-rapprocher", "--cabinet", "a", "--ignorer", str(ligne.pk),
            "--raison", "x", *b,
        )  # fmt: skip
    with pytest.raises(CommandError, match="introuvable"):
        call_command("suivi", "banque-etat", "--cabinet", "a", *b)
    with pytest.raises(CommandError, match="introuvable"):
        call_command(
            "suivi", "banque-rapprocher", "--cabinet", "b", "--ligne", str(ligne.pk),
            "--virement", "VIR-A1", "--le", "2026-03-02", *b,
        )  # fmt: skip
    capsys.readouterr()
    call_command("suivi", "banque-etat", "--json", *b)
    etat = json.loads(capsys.readouterr().out)
    assert etat["virements_annonces"] == 0 and etat["credits_inexpliques"]["lignes"] == []
    with pytest.raises(CommandError, match="administrateur"):
        call_command("suivi", "banque-profil", "partage", "--colonne", "date=D", *b)
    assert not ProfilReleve.objects.filter(nom="partage").exists()
    ligne.refresh_from_db()
    assert ligne.etat == EtatLigne.NON_RAPPROCHEE
