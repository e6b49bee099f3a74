"""Return files applied to invoices: every outcome, every malformed case, double import, other
cabinets' lines, manual matching, and the set-based path against the line-by-line services."""

from __future__ import annotations

from pathlib import Path

import pytest

from rejets.compta.models import Ecriture, Journal
from rejets.compta.verification import verifier
from rejets.domain.ledger import Compte, NatureJournal
from rejets.domain.lifecycle import Etat, TypePartie
from rejets.factures import services
from rejets.factures.models import EvenementFacture, Facture, Paiement, Partie, Rejet
from rejets.lots.models import Arl, Lot
from rejets.retours import services as retours
from rejets.retours.importation import importer_retour
from rejets.retours.models import (
    FichierRetour,
    LigneRetour,
    PaiementEnAttente,
    ProfilCsv,
    StatutFichier,
    StatutLigne,
)
from rejets.transmission import services as transmission

from .conftest import JOUR, Monde
from .fichiers_retour import L, en_tete, fichier_arl, fichier_retour, fin, virement

FSE, DRE = TypePartie.FSE, TypePartie.DRE


def transmise(monde, *, amo=600, amc=0, patient=400, lot="00001", parties=(FSE,)):
    f = monde.facture(amo=amo, amc=amc, patient=patient)
    services.preparer(facture=f, utilisateur=monde.utilisateur)
    transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    for partie in parties:
        lot_, _ = Lot.objects.get_or_create(
            cabinet=monde.cabinet, professionnel=monde.pro, numero=lot, type_partie=partie
        )
        services.transmettre(
            facture=f, partie=partie, lot=lot_, le=JOUR, utilisateur=monde.utilisateur
        )
    f.refresh_from_db()
    return f


def importer(tmp_path: Path, contenu: bytes, monde=None, nom="retour.txt", **kw):
    chemin = tmp_path / nom
    chemin.write_bytes(contenu)
    perimetre = {monde.cabinet.pk} if monde else None
    utilisateur = monde.utilisateur if monde else kw.pop("utilisateur")
    return importer_retour(
        chemin=chemin, nom=nom, utilisateur=utilisateur, perimetre=perimetre, **kw
    )


def etat(f: Facture, partie=FSE) -> Etat:
    return Etat(f.parties.get(type=partie).etat)


def propre(*mondes):
    assert verifier([m.cabinet for m in mondes]) == []


def equation(r):
    assert r.lues == r.appliquees + r.non_rapprochees + r.refusees + r.en_attente_autres_cabinets


def test_paiement_complet_partiel_rejet_et_traitement_caisse(monde, tmp_path):
    payee, partielle, rejetee, etudiee = (transmise(monde) for _ in range(4))
    contenu = fichier_retour(
        (
            "VIR-2026-0001",
            [
                L(payee.numero, 600, montant_demande=600),
                L(partielle.numero, 250, montant_demande=600),
            ],
        ),
        (
            "",
            [
                L(rejetee.numero, 0, "R", code="A21", libelle="Droits AMO fermés à la date"),
                L(etudiee.numero, 0, "T"),
            ],
        ),
    )
    r = importer(tmp_path, contenu, monde)
    assert (r.lues, r.appliquees, r.non_rapprochees, r.refusees) == (4, 4, 0, 0)
    equation(r)
    for f in (payee, partielle, rejetee, etudiee):
        f.refresh_from_db()
    assert etat(payee) is Etat.PAYEE
    assert etat(partielle) is Etat.PAYEE_PARTIELLEMENT
    assert etat(rejetee) is Etat.REJETEE
    assert etat(etudiee) is Etat.EN_TRAITEMENT_CAISSE
    paiement = Paiement.objects.get(facture=payee)
    assert (paiement.montant, paiement.reference, str(paiement.date)) == (
        600,
        "VIR-2026-0001",
        "2026-03-09",
    )
    rejet = Rejet.objects.get(facture=rejetee)
    assert (rejet.code, rejet.libelle, rejet.partie) == (
        "A21",
        "Droits AMO fermés à la date",
        "fse",
    )
    assert Journal.objects.filter(facture=payee, nature=NatureJournal.PAIEMENT_CAISSE).count() == 1
    paye = EvenementFacture.objects.get(facture=payee, evenement="payer")
    assert (paye.details["fichier"], paye.details["ligne"]) == (FichierRetour.objects.get().pk, 3)
    assert not LigneRetour.objects.exists()
    propre(monde)


def test_indu_apres_paiement(monde, tmp_path):
    f = transmise(monde)
    importer(tmp_path, fichier_retour(("VIR-1", [L(f.numero, 600)])), monde, nom="a.txt")
    r = importer(
        tmp_path,
        fichier_retour(("VIR-2", [L(f.numero, -200, "R", code="IN01", libelle="Acte non dû")])),
        monde,
        nom="b.txt",
    )
    assert r.appliquees == 1
    f.refresh_from_db()
    assert etat(f) is Etat.REJETEE
    assert sorted(Paiement.objects.filter(facture=f).values_list("montant", flat=True)) == [
        -200,
        600,
    ]
    indu = Journal.objects.get(facture=f, nature=NatureJournal.INDU)
    assert {(e.compte, e.montant) for e in indu.ecritures.all()} == {
        (Compte.CREANCE_AMO, 200),
        (Compte.BANQUE, -200),
    }
    propre(monde)


def test_paiement_apres_defacturation_va_en_attente(monde, tmp_path):
    f = transmise(monde)
    services.rejeter(
        facture=f, partie=FSE, code="X", libelle="x", le=JOUR, utilisateur=monde.utilisateur
    )
    services.defacturer(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    r = importer(tmp_path, fichier_retour(("VIR-3", [L(f.numero, 600)])), monde)
    assert (r.appliquees, r.en_attente_affectation) == (1, 1)
    f.refresh_from_db()
    assert Etat(f.etat) is Etat.DEFACTUREE
    attente = PaiementEnAttente.objects.get()
    assert (attente.montant, attente.reference, attente.facture) == (600, "VIR-3", None)
    assert "n'attend pas de paiement" in attente.motif
    solde = sum(Ecriture.objects.filter(compte=Compte.ATTENTE).values_list("montant", flat=True))
    assert solde == -600
    propre(monde)


def test_ligne_inconnue_en_attente_et_non_rapprochee_comptee_une_fois(monde, tmp_path):
    r = importer(tmp_path, fichier_retour(("VIR-4", [L("900000777", 500)])), monde)
    assert (r.lues, r.appliquees, r.non_rapprochees) == (1, 0, 1)
    equation(r)
    ligne = LigneRetour.objects.get()
    assert ligne.statut == StatutLigne.NON_RAPPROCHEE
    assert PaiementEnAttente.objects.get().ligne == ligne
    propre(monde)


def test_repli_nir_date_montant_seulement_suggere(monde, tmp_path):
    f = transmise(monde)
    nir = f.patient.nir
    r = importer(
        tmp_path,
        fichier_retour(("VIR-5", [L("900000999", 600, montant_demande=600, nir=nir)])),
        monde,
    )
    assert (r.non_rapprochees, r.suggestions) == (1, 1)
    ligne = LigneRetour.objects.get()
    assert ligne.suggestion == f
    f.refresh_from_db()
    assert etat(f) is Etat.TRANSMISE
    retours.rapprocher(ligne=ligne, facture=f, utilisateur=monde.utilisateur)
    f.refresh_from_db()
    assert etat(f) is Etat.PAYEE
    assert PaiementEnAttente.objects.get().affecte_le is not None
    assert Journal.objects.filter(facture=f, nature=NatureJournal.AFFECTATION).count() == 1
    propre(monde)


def test_correspondance_par_le_lot(monde, tmp_path):
    f = transmise(monde, lot="00042")
    ligne = L("000000000", 600, montant_demande=600, nir=f.patient.nir, numero_lot="00042")
    r = importer(tmp_path, fichier_retour(("VIR-6", [ligne])), monde)
    assert r.appliquees == 1
    f.refresh_from_db()
    assert etat(f) is Etat.PAYEE


def test_facture_exportee_recoit_son_lot_et_son_paiement(monde, tmp_path):
    f = monde.facture()
    services.preparer(facture=f, utilisateur=monde.utilisateur)
    services.exporter(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    importer(tmp_path, fichier_retour(("VIR-7", [L(f.numero, 600, numero_lot="00777")])), monde)
    f.refresh_from_db()
    partie = f.parties.get(type=FSE)
    assert (Etat(partie.etat), partie.lot.numero, f.deja_transmise) == (Etat.PAYEE, "00777", True)
    assert list(EvenementFacture.objects.filter(facture=f).values_list("evenement", flat=True))[
        -2:
    ] == ["transmettre", "payer"]
    propre(monde)


def test_arl_positif_et_negatif(monde, tmp_path):
    a = transmise(monde, lot="00010")
    b = transmise(monde, lot="00011")
    r = importer(
        tmp_path,
        fichier_arl(("00010", "FSE", True, ""), ("00011", "FSE", False, "Fichier illisible")),
        monde,
        nom="arl.txt",
    )
    assert r.appliquees == 2
    a.refresh_from_db()
    b.refresh_from_db()
    assert (etat(a), etat(b)) == (Etat.LOT_RECU, Etat.A_RETRANSMETTRE)
    assert Lot.objects.get(numero="00011").arl == Arl.NEGATIF


def test_double_import_rend_le_premier_rapport_et_ne_change_rien(monde, tmp_path):
    f = transmise(monde)
    contenu = fichier_retour(("VIR-8", [L(f.numero, 600)]))
    premier = importer(tmp_path, contenu, monde)
    compte = (Journal.objects.count(), EvenementFacture.objects.count(), Paiement.objects.count())
    second = importer(tmp_path, contenu, monde, nom="copie.txt")
    assert second.deja_importe and not premier.deja_importe
    assert (second.lues, second.appliquees) == (premier.lues, premier.appliquees)
    assert compte == (
        Journal.objects.count(),
        EvenementFacture.objects.count(),
        Paiement.objects.count(),
    )
    assert FichierRetour.objects.count() == 1


@pytest.mark.parametrize(
    ("contenu", "attendu"),
    [
        (b"", "vide"),
        (b"\x00\x01\x02binaire\xff\n", "binaire"),
        ((en_tete() + "\n" + "777".ljust(160) + "\n").encode(), "777"),
        (
            (
                "\n".join([en_tete(), virement("V", 600), L("900000001", 600).texte(), fin([])])
                + "\n"
            ).encode("latin-1"),
            "",
        ),
        (
            fichier_retour(("V", [L("900000001", 0, "R", libelle="Droits fermés")]))
            .decode("latin-1")
            .encode("utf-8"),
            "UTF-8",
        ),
    ],
    ids=["vide", "binaire", "type-inconnu", "totaux-faux", "mauvais-encodage"],
)
def test_faute_de_structure_refuse_tout_le_fichier_en_quarantaine(
    monde, tmp_path, contenu, attendu
):
    f = transmise(monde)
    avant = EvenementFacture.objects.count()
    r = importer(tmp_path, contenu, monde)
    assert r.refuse and r.statut == StatutFichier.QUARANTAINE
    assert attendu in r.motif
    assert EvenementFacture.objects.count() == avant
    assert LigneRetour.objects.count() == 0
    fichier = FichierRetour.objects.get()
    assert Path(fichier.chemin).read_bytes() == contenu
    assert "quarantaine" in fichier.chemin
    f.refresh_from_db()
    assert etat(f) is Etat.TRANSMISE
    assert importer(tmp_path, contenu, monde).refuse


def test_faute_de_champ_refuse_la_ligne_seulement(monde, tmp_path):
    f = transmise(monde)
    bonne = L(f.numero, 600)
    date_fausse = L("900000002", 0, "R").texte()
    date_fausse = date_fausse[:53] + "991340" + date_fausse[59:]
    montant_faux = L("900000003", 0, "R").texte()
    montant_faux = montant_faux[:71] + "+0000012a45 " + montant_faux[83:]
    courte = L("900000004", 0, "R").texte()[:150]
    lignes = [virement("V", 600), bonne.texte(), date_fausse, montant_faux, courte]
    factices = [bonne, L("900000002"), L("900000003"), L("900000004")]
    contenu = ("\n".join([en_tete(), *lignes, fin(factices), fin(factices)]) + "\n").encode(
        "latin-1"
    )
    r = importer(tmp_path, contenu, monde)
    assert (r.lues, r.appliquees, r.refusees) == (4, 1, 3), r
    equation(r)
    assert len(r.refus) == 3
    assert any("date_soins" in x for x in r.refus)
    assert any("montant_paye" in x for x in r.refus)
    f.refresh_from_db()
    assert etat(f) is Etat.PAYEE


def test_les_lignes_d_un_autre_cabinet_attendent_un_utilisateur_qui_peut_les_voir(db, tmp_path):
    a, b = Monde("a"), Monde("b", numero_am="751000026")
    fa, fb = transmise(a), transmise(b)
    contenu = fichier_retour(
        ("VIR-9", [L(fa.numero, 600), L(fb.numero, 600, numero_ps="751000026")])
    )
    ra = importer(tmp_path, contenu, a)
    assert (ra.lues, ra.appliquees, ra.en_attente_autres_cabinets) == (2, 1, 1)
    equation(ra)
    fb.refresh_from_db()
    assert etat(fb) is Etat.TRANSMISE
    assert not LigneRetour.objects.filter(cabinet=a.cabinet, numero_ps="751000026").exists()
    rb = importer(tmp_path, contenu, b)
    assert rb.deja_importe and (rb.appliquees, rb.en_attente_autres_cabinets) == (1, 1)
    fb.refresh_from_db()
    assert etat(fb) is Etat.PAYEE
    assert importer(tmp_path, contenu, a).appliquees == 1
    propre(a, b)


def test_import_csv_avec_profil(monde, tmp_path):
    f, g = transmise(monde), transmise(monde)
    profil = ProfilCsv.objects.create(
        nom="tableur",
        colonnes={
            "partie": "Part",
            "numero_ps": "N° PS",
            "numero_facture": "Facture",
            "issue": "Statut",
            "montant_paye": "Payé",
            "code": "Motif",
            "reference_virement": "Virement",
            "date_virement": "Date",
        },
        issues={"Payé": "P", "Rejeté": "R"},
    )
    contenu = (
        "Part;N° PS;Facture;Statut;Payé;Motif;Virement;Date\n"
        f"AMO;751000018;{f.numero};Payé;6,00;;V-10;09/03/2026\n"
        f"AMO;751000018;{g.numero};Rejeté;0;B12;;\n"
        "AMO;751000018;900000555;Payé;six euros;;;\n"
    ).encode()
    r = importer(tmp_path, contenu, monde, nom="retours.csv", profil=profil)
    assert (r.lues, r.appliquees, r.refusees) == (3, 2, 1)
    assert "montant_paye" in r.refus[0]
    f.refresh_from_db()
    g.refresh_from_db()
    assert (etat(f), etat(g)) == (Etat.PAYEE, Etat.REJETEE)
    propre(monde)


def trier(lignes):
    return sorted(lignes, key=repr)


def sans_fichier(evenement):
    """The event's details, the file's id and the secured content's digest aside (each cabinet
    imports its own file, for its own patients)."""
    return repr({k: v for k, v in evenement.details.items() if k not in ("fichier", "empreinte")})


def _photo(monde):
    """Everything the import wrote for one cabinet, without ids nor times."""
    par_numero = {f.pk: f.numero for f in Facture.objects.filter(cabinet=monde.cabinet)}

    def n(pk):
        return par_numero.get(pk)

    return {
        "factures": trier(
            (f.numero, f.etat, f.deja_transmise)
            for f in Facture.objects.filter(cabinet=monde.cabinet)
        ),
        "parties": trier(
            (n(p.facture_id), p.type, p.etat, p.lot.numero if p.lot else None, p.date_transmission)
            for p in Partie.objects.filter(cabinet=monde.cabinet)
        ),
        "evenements": trier(
            (n(e.facture_id), e.evenement, e.partie, e.etat_avant, e.etat_apres, sans_fichier(e))
            for e in EvenementFacture.objects.filter(cabinet=monde.cabinet)
        ),
        "journaux": trier(
            (
                n(j.facture_id),
                j.nature,
                j.date,
                j.libelle,
                j.evenement.evenement if j.evenement else None,
                tuple(trier((e.compte, e.montant) for e in j.ecritures.all())),
            )
            for j in Journal.objects.filter(cabinet=monde.cabinet)
        ),
        "paiements": trier(
            (n(p.facture_id), p.payeur, p.montant, p.date, p.reference, p.moyen)
            for p in Paiement.objects.filter(cabinet=monde.cabinet)
        ),
        "rejets": trier(
            (n(r.facture_id), r.partie, r.code, r.libelle, r.date, r.source)
            for r in Rejet.objects.filter(cabinet=monde.cabinet)
        ),
        "lignes": trier(
            (x.numero, x.statut, x.motif, n(x.facture_id), n(x.suggestion_id), x.montant_paye)
            for x in LigneRetour.objects.filter(cabinet=monde.cabinet)
        ),
        "attentes": trier(
            (a.ligne.numero, a.montant, a.date, a.reference, a.motif, a.payeur)
            for a in PaiementEnAttente.objects.filter(cabinet=monde.cabinet)
        ),
    }


def _scenario(monde):
    """Invoices in every state a return line can meet, numbered alike in each cabinet."""
    t = [transmise(monde) for _ in range(4)]
    dre = transmise(monde, amc=300, patient=100, parties=(FSE, DRE))
    defacturee = transmise(monde)
    services.rejeter(
        facture=defacturee,
        partie=FSE,
        code="X",
        libelle="x",
        le=JOUR,
        utilisateur=monde.utilisateur,
    )
    services.defacturer(facture=defacturee, utilisateur=monde.utilisateur, le=JOUR)
    exportee = monde.facture()
    services.preparer(facture=exportee, utilisateur=monde.utilisateur)
    services.exporter(facture=exportee, utilisateur=monde.utilisateur, le=JOUR)
    brouillon = monde.facture()
    ps = monde.pro.numero_am
    return fichier_retour(
        (
            "VIR-A",
            [
                L(t[0].numero, 600, numero_ps=ps),
                L(t[1].numero, 100, numero_ps=ps),
                L(t[1].numero, 500, numero_ps=ps),
                L(dre.numero, 600, numero_ps=ps),
                L(dre.numero, 300, partie="AMC", numero_ps=ps),
                L(defacturee.numero, 600, numero_ps=ps),
                L(exportee.numero, 600, numero_ps=ps, numero_lot="00900"),
                L(brouillon.numero, 600, numero_ps=ps),
                L("900000990", 450, numero_ps=ps),
                L(t[0].numero, -600, "R", code="IN1", libelle="Indu", numero_ps=ps),
                L(t[2].numero, 700, numero_ps=ps),
            ],
        ),
        (
            "",
            [
                L(t[2].numero, 0, "R", code="A1", libelle="Rejet é", numero_ps=ps),
                L(t[3].numero, 0, "T", numero_ps=ps),
                L(t[3].numero, 0, "T", numero_ps=ps),
                L(t[1].numero, -50, "R", code="IN2", libelle="Indu partiel", numero_ps=ps),
                L("900000991", 0, "R", numero_ps=ps),
            ],
        ),
    )


def test_le_chemin_en_bloc_ecrit_exactement_ce_qu_ecrivent_les_services(db, tmp_path):
    a, b = Monde("a"), Monde("b", numero_am="751000026")
    fichier_a, fichier_b = _scenario(a), _scenario(b)
    importer(tmp_path, fichier_a, a, nom="a.txt", par_ligne=True)
    importer(tmp_path, fichier_b, b, nom="b.txt")
    photo_a, photo_b = _photo(a), _photo(b)
    for cle in photo_a:
        assert photo_a[cle] == photo_b[cle], cle
    assert len(photo_a["evenements"]) > 20
    propre(a, b)


def test_un_cabinet_ne_voit_ni_les_fichiers_ni_les_lignes_ni_l_argent_d_un_autre(db, tmp_path):
    from django.core.management import CommandError, call_command

    from rejets.cabinets.selectors import cabinets_visibles
    from rejets.retours.selectors import attentes_visibles, fichiers_visibles, lignes_a_traiter

    a, b = Monde("a"), Monde("b", numero_am="751000026")
    fa = transmise(a)
    importer(tmp_path, fichier_retour(("VIR-1", [L(fa.numero, 600), L("900000555", 900)])), a)
    assert fichiers_visibles(a.utilisateur).count() == 1
    assert fichiers_visibles(b.utilisateur).count() == 0
    assert lignes_a_traiter(cabinets_visibles(a.utilisateur)).count() == 1
    assert lignes_a_traiter(cabinets_visibles(b.utilisateur)).count() == 0
    assert attentes_visibles(cabinets_visibles(b.utilisateur)).count() == 0
    ligne = LigneRetour.objects.get(statut=StatutLigne.NON_RAPPROCHEE)
    fb = transmise(b)
    with pytest.raises(services.OperationRefusee):
        retours.rapprocher(ligne=ligne, facture=fb, utilisateur=b.utilisateur)
    with pytest.raises(CommandError, match="introuvable"):
        call_command(
            "retours", "rapprocher", str(ligne.pk), "--facture", fb.numero,
            "--utilisateur", b.utilisateur.username,
        )  # fmt: skip
    with pytest.raises(CommandError, match="introuvable"):
        call_command(
            "retours", "affecter", str(PaiementEnAttente.objects.get().pk), "--facture",
            fb.numero, "--utilisateur", b.utilisateur.username,
        )  # fmt: skip


def test_commandes_import_a_traiter_et_affecter(monde, tmp_path, capsys):
    import json

    from django.core.management import call_command

    f = transmise(monde)
    chemin = tmp_path / "retour.txt"
    chemin.write_bytes(fichier_retour(("VIR-C", [L("900000444", 600)])))
    call_command("retours", "import", str(chemin), "--utilisateur", monde.utilisateur.username)
    sortie = capsys.readouterr().out
    assert "lignes lues : 1" in sortie and "non rapprochées : 1" in sortie
    call_command("retours", "a-traiter", "--json", "--utilisateur", monde.utilisateur.username)
    a_traiter = json.loads(capsys.readouterr().out)
    assert [x["montant"] for x in a_traiter["attentes"]] == [600]
    call_command(
        "retours", "affecter", str(a_traiter["attentes"][0]["id"]), "--facture", f.numero,
        "--utilisateur", monde.utilisateur.username,
    )  # fmt: skip
    assert "affecté" in capsys.readouterr().out
    f.refresh_from_db()
    assert etat(f) is Etat.PAYEE
    assert LigneRetour.objects.get().statut == StatutLigne.RAPPROCHEE
    propre(monde)


def test_profil_csv_par_la_commande(db):
    from django.core.management import CommandError, call_command

    call_command(
        "retours", "profil-csv", "banque", "--colonne", "partie=Part", "--colonne", "numero_ps=PS",
        "--colonne", "numero_facture=Facture", "--colonne", "issue=Statut",
        "--colonne", "montant_paye=Payé", "--issue", "Rejeté=R",
    )  # fmt: skip
    assert ProfilCsv.objects.get(nom="banque").issues == {"Rejeté": "R"}
    with pytest.raises(CommandError, match="montant_paye"):
        call_command("retours", "profil-csv", "incomplet", "--colonne", "partie=Part")


def test_une_disposition_ajoutee_par_un_utilisateur_se_lit_sans_code(monde, tmp_path, settings):
    """A user holding another layout drops its TOML file in REJETS_DISPOSITIONS_DIRS; a broken
    layout file elsewhere is skipped, the others still read."""
    import rejets.formats

    dossier, casse = tmp_path / "dispositions", tmp_path / "cassees"
    dossier.mkdir()
    casse.mkdir()
    modele = Path(rejets.formats.__file__).parent / "dispositions" / "retours.toml"
    texte = modele.read_text(encoding="utf-8")
    (dossier / "maison.toml").write_text(
        texte.replace("REJETS-RETOURS-1", "MAISON-576-TEST1"), encoding="utf-8"
    )
    (casse / "cassee.toml").write_text("identifiant = 3\n", encoding="utf-8")
    settings.REJETS_DISPOSITIONS_DIRS = [casse, dossier]
    f = transmise(monde)
    contenu = fichier_retour(("VIR-U", [L(f.numero, 600)])).replace(
        b"REJETS-RETOURS-1", b"MAISON-576-TEST1"
    )
    r = importer(tmp_path, contenu, monde)
    assert (r.format, r.appliquees) == ("MAISON-576-TEST1", 1)


def test_la_verification_rapproche_le_compte_d_attente_des_paiements_en_attente(monde, tmp_path):
    transmise(monde)
    importer(tmp_path, fichier_retour(("VIR-Z", [L("900000321", 450)])), monde)
    propre(monde)
    PaiementEnAttente.objects.update(montant=400)
    anomalies = verifier([monde.cabinet])
    assert [a.objet for a in anomalies] == ["paiements en attente d'affectation"]
    assert "4,50" in anomalies[0].message and "4,00" in anomalies[0].message
