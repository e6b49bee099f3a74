"""Bibliothèque des codes de rejet : chargement des codes livrés (rejoué sans effet, jamais par-
dessus la qualification d'une personne), analyse d'un rejet reçu (bibliothèque, suggestion,
inconnu), codes à qualifier tirés des vrais rejets, qualification réservée aux administrateurs,
commandes `rejets referentiels codes|code-qualifier|codes-charger`."""

import dataclasses
import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from rejets.domain.classement import ActionSuivante, Famille
from rejets.domain.lifecycle import TypePartie
from rejets.factures import services
from rejets.lots.models import Lot
from rejets.referentiels.codes import (
    Analyse,
    CodeAQualifier,
    QualificationRefusee,
    SourceAnalyse,
    analyser,
    analyser_en_lot,
    bibliotheque,
    charger_codes_livres,
    codes_a_qualifier,
    codes_livres,
    qualifier,
)
from rejets.referentiels.models import CodeRejet, OrigineCode, StatutCode
from rejets.simulateur.jugement import NatureCode, table_codes
from rejets.transmission import services as transmission

from .conftest import JOUR

FSE = TypePartie.FSE


@pytest.fixture
def admin(db):
    return User.objects.create_user("admin-plateforme", password="x", is_staff=True)


def rejeter(monde, code, libelle, le=JOUR):
    """Une facture du monde, préparée, sécurisée, transmise puis rejetée avec ce code."""
    facture = monde.facture()
    services.preparer(facture=facture, utilisateur=monde.utilisateur)
    transmission.securiser(facture=facture, utilisateur=monde.utilisateur, le=JOUR)
    lot, _ = Lot.objects.get_or_create(
        cabinet=monde.cabinet, professionnel=monde.pro, numero="001", type_partie=FSE
    )
    services.transmettre(
        facture=facture, partie=FSE, lot=lot, le=JOUR, utilisateur=monde.utilisateur
    )
    return services.rejeter(
        facture=facture,
        partie=FSE,
        code=code,
        libelle=libelle,
        le=le,
        utilisateur=monde.utilisateur,
    )


def qualifier_droits(code, utilisateur, **autres):
    valeurs = {
        "famille": "droits",
        "explication": "Droits fermés selon la caisse.",
        "correction": "Facturez le patient.",
        "action": "facturer_patient",
        "refacturable": False,
    }
    valeurs.update(autres)
    return qualifier(code=code, utilisateur=utilisateur, **valeurs)


def commande(*arguments):
    sortie = io.StringIO()
    call_command("referentiels", *arguments, stdout=sortie, stderr=io.StringIO())
    return sortie.getvalue()


# ------------------------------------------------------------------ codes livrés


def test_les_codes_livres_couvrent_les_rejets_et_indus_du_simulateur():
    livres = {c.code: c for c in codes_livres()}
    simulateur = [
        c for c in table_codes().values() if c.nature in {NatureCode.REJET, NatureCode.INDU}
    ]
    assert simulateur
    for code in simulateur:
        livre = livres[code.code]
        assert (livre.libelle, livre.qualification.famille) == (code.libelle, code.famille)
        assert not livre.exemple
    exemples = [c for c in livres.values() if c.exemple]
    assert len(exemples) >= 5
    assert all(c.libelle.endswith("(EXEMPLE REJETS)") for c in exemples)
    assert set(livres) == {c.code for c in simulateur} | {c.code for c in exemples}
    assert livres["SB01"].qualification.action is ActionSuivante.VERIFIER_PAIEMENTS
    assert livres["SB01"].qualification.refacturable is False


def test_chargement_rejoue_sans_effet(db):
    premier = charger_codes_livres()
    total = len(codes_livres())
    assert len(premier.ajoutes) == total == premier.livres
    assert (premier.mis_a_jour, premier.conserves, premier.inchanges) == ((), (), ())
    assert (
        CodeRejet.objects.filter(
            statut=StatutCode.QUALIFIE, origine=OrigineCode.LIVRE, qualifie_par=None
        ).count()
        == total
    )
    avant = list(CodeRejet.objects.order_by("code").values())
    second = charger_codes_livres()
    assert (second.ajoutes, second.mis_a_jour, second.conserves) == ((), (), ())
    assert len(second.inchanges) == total
    assert list(CodeRejet.objects.order_by("code").values()) == avant


def test_chargement_n_ecrase_jamais_la_qualification_d_une_personne(db, admin):
    charger_codes_livres()
    qualifier_droits("SD02", admin)
    CodeRejet.objects.filter(code="SD03").update(explication="Texte livré plus ancien.")
    CodeRejet.objects.filter(code="SC01").delete()
    compte_rendu = charger_codes_livres()
    assert compte_rendu.conserves == ("SD02",)
    assert compte_rendu.mis_a_jour == ("SD03",)
    assert compte_rendu.ajoutes == ("SC01",)
    sd02 = CodeRejet.objects.get(code="SD02")
    assert (sd02.action, sd02.refacturable, sd02.origine, sd02.qualifie_par) == (
        "facturer_patient",
        False,
        OrigineCode.UTILISATEUR,
        admin,
    )
    assert CodeRejet.objects.get(code="SD03").explication != "Texte livré plus ancien."


def test_un_code_inscrit_a_qualifier_recoit_la_qualification_livree(db):
    CodeRejet.objects.create(
        code="SD01", libelle_reference="ANCIEN", origine=OrigineCode.UTILISATEUR
    )
    assert "SD01" in charger_codes_livres().mis_a_jour
    sd01 = CodeRejet.objects.get(code="SD01")
    assert (sd01.statut, sd01.origine, sd01.famille) == (
        StatutCode.QUALIFIE,
        OrigineCode.LIVRE,
        "droits",
    )


# ------------------------------------------------------------------ analyse


def test_analyse_bibliotheque_suggestion_inconnu(db):
    charger_codes_livres()
    livre = analyser(code="SD02", libelle="DROITS FERMES A LA DATE DES SOINS (SIMULATEUR)")
    assert (livre.source, livre.famille, livre.action, livre.refacturable) == (
        SourceAnalyse.BIBLIOTHEQUE,
        Famille.DROITS,
        ActionSuivante.RECYCLER,
        True,
    )
    assert not livre.a_qualifier and livre.regle is None and livre.mots == ()
    assert livre.texte.startswith("Code SD02 (bibliothèque) : Droits de l'assuré. ")
    assert "Action suivante : Recycler (corriger et refacturer) ; refacturation permise." in (
        livre.texte
    )

    suggestion = analyser(code="A12", libelle="Droits non ouverts")
    assert (suggestion.source, suggestion.famille, suggestion.regle, suggestion.mots) == (
        SourceAnalyse.SUGGESTION,
        Famille.DROITS,
        "droits",
        ("DROITS",),
    )
    assert suggestion.a_qualifier and suggestion.libelle == "Droits non ouverts"
    assert suggestion.texte.startswith(
        "Code A12 à qualifier ; suggestion d'après le libellé, règle « droits » ("
    )

    inconnu = analyser(code="Z99", libelle="VOIR COURRIER")
    assert (inconnu.source, inconnu.famille, inconnu.action, inconnu.refacturable) == (
        SourceAnalyse.INCONNU,
        None,
        ActionSuivante.QUALIFIER,
        None,
    )
    assert inconnu.a_qualifier and inconnu.source.libelle == "inconnu"
    assert inconnu.texte.startswith("Code Z99 : code inconnu de la bibliothèque")


def test_un_code_qualifie_l_emporte_sur_son_libelle(db, admin):
    qualifier_droits("Q1", admin, libelle_reference="FACTURE DEJA PAYEE")
    analyse = analyser(code="Q1", libelle="FACTURE DEJA PAYEE")
    assert (analyse.source, analyse.famille) == (SourceAnalyse.BIBLIOTHEQUE, Famille.DROITS)


def test_analyse_en_lot_en_une_requete(db, django_assert_num_queries):
    charger_codes_livres()
    paires = [
        ("SB01", "FACTURE DEJA RECUE (SIMULATEUR)"),
        ("A12", "DROITS NON OUVERTS"),
        ("SB01", "FACTURE DEJA RECUE (SIMULATEUR)"),
        ("Z99", "VOIR COURRIER"),
    ]
    with django_assert_num_queries(1):
        analyses = analyser_en_lot(paires)
    assert {cle: a.source for cle, a in analyses.items()} == {
        paires[0]: SourceAnalyse.BIBLIOTHEQUE,
        paires[1]: SourceAnalyse.SUGGESTION,
        paires[3]: SourceAnalyse.INCONNU,
    }
    with django_assert_num_queries(1):
        biblio = bibliotheque()
    with django_assert_num_queries(0):
        assert all(isinstance(biblio.analyser(code=c, libelle=lib), Analyse) for c, lib in paires)
    assert analyser_en_lot([]) == {}


# ------------------------------------------------------------------ codes à qualifier


def test_codes_a_qualifier_tires_des_rejets_recus(monde, autre_monde):
    charger_codes_livres()
    rejeter(monde, "A12", "DROITS NON OUVERTS", le=JOUR)
    rejeter(autre_monde, "A12", "DROITS NON OUVERTS A LA DATE", le=JOUR + timedelta(days=5))
    rejeter(monde, "A12", "DROITS NON OUVERTS", le=JOUR + timedelta(days=2))
    rejeter(monde, "Z99", "VOIR COURRIER", le=JOUR + timedelta(days=1))
    rejeter(autre_monde, "SD02", "DROITS FERMES A LA DATE DES SOINS (SIMULATEUR)")

    a_qualifier = codes_a_qualifier()
    assert [c.code for c in a_qualifier] == ["A12", "Z99"]
    a12, z99 = a_qualifier
    assert (a12.libelle, a12.libelles, a12.occurrences, a12.derniere_date) == (
        "DROITS NON OUVERTS A LA DATE",
        2,
        3,
        JOUR + timedelta(days=5),
    )
    assert a12.suggestion is not None and a12.suggestion.regle.id == "droits"
    assert (z99.occurrences, z99.suggestion) == (1, None)
    # Référentiel partagé : code, libellé, nombres ; rien du patient ni de la facture.
    assert [f.name for f in dataclasses.fields(CodeAQualifier)] == [
        "code",
        "libelle",
        "libelles",
        "occurrences",
        "derniere_date",
        "suggestion",
    ]


def test_un_code_inscrit_a_qualifier_est_liste_sans_rejet(db):
    CodeRejet.objects.create(
        code="N7", libelle_reference="ORDONNANCE PERIMEE", origine=OrigineCode.UTILISATEUR
    )
    (n7,) = codes_a_qualifier()
    assert (n7.code, n7.occurrences, n7.derniere_date) == ("N7", 0, None)
    assert n7.suggestion is not None and n7.suggestion.qualification.famille is Famille.PRESCRIPTION


# ------------------------------------------------------------------ qualification


def test_qualifier_reserve_aux_administrateurs(monde, admin):
    rejeter(monde, "A12", "DROITS NON OUVERTS")
    with pytest.raises(QualificationRefusee) as refus:
        qualifier_droits("A12", monde.utilisateur)
    assert str(refus.value) == (
        "Seul un administrateur de la plateforme peut qualifier un code de rejet : "
        "« facturiere-a » ne l'est pas."
    )
    assert not CodeRejet.objects.exists()
    assert [c.code for c in codes_a_qualifier()] == ["A12"]

    code = qualifier_droits("A12", admin)
    assert (code.libelle_reference, code.statut, code.origine, code.qualifie_par) == (
        "DROITS NON OUVERTS",
        StatutCode.QUALIFIE,
        OrigineCode.UTILISATEUR,
        admin,
    )
    assert code.qualifie_le is not None
    assert codes_a_qualifier() == []
    analyse = analyser(code="A12", libelle="DROITS NON OUVERTS")
    assert (analyse.source, analyse.action) == (
        SourceAnalyse.BIBLIOTHEQUE,
        ActionSuivante.FACTURER_PATIENT,
    )


@pytest.mark.parametrize(
    ("valeurs", "message"),
    [
        ({"famille": "autre"}, "Famille « autre » inconnue : droits, amc,"),
        ({"action": "qualifier"}, "Action suivante « qualifier » inconnue : recycler,"),
        ({"explication": " "}, "Donnez l'explication du code"),
        ({"correction": ""}, "Donnez la correction"),
        ({"refacturable": "oui"}, "Dites si la refacturation est permise"),
        ({"code": "X" * 21}, "de 1 à 20 caractères"),
    ],
)
def test_qualifier_valide_les_valeurs(admin, valeurs, message):
    code = valeurs.pop("code", "A12")
    with pytest.raises(QualificationRefusee, match=message):
        qualifier_droits(code, admin, libelle_reference="DROITS", **valeurs)
    assert not CodeRejet.objects.exists()


def test_qualifier_un_code_jamais_recu_demande_son_libelle(admin):
    with pytest.raises(QualificationRefusee, match="donnez son libellé de référence"):
        qualifier_droits("NEUF", admin)
    code = qualifier_droits("NEUF", admin, libelle_reference="DROITS CLOS")
    assert code.libelle_reference == "DROITS CLOS"


def test_requalifier_un_code_livre(admin):
    charger_codes_livres()
    code = qualifier_droits("SD02", admin, libelle_reference="AUTRE LIBELLE")
    assert code.libelle_reference == "DROITS FERMES A LA DATE DES SOINS (SIMULATEUR)"
    assert (code.action, code.origine) == ("facturer_patient", OrigineCode.UTILISATEUR)


# ------------------------------------------------------------------ commandes


def test_commande_codes_charger(db):
    sortie = commande("codes-charger")
    total = len(codes_livres())
    assert sortie.splitlines() == [
        f"Bibliothèque des codes de rejet « codes-rejets.toml » chargée : {total} code(s) "
        f"livré(s), {total} ajouté(s), 0 mis à jour, 0 conservé(s) (qualifiés par une "
        "personne, jamais écrasés), 0 inchangé(s).",
        "Codes du simulateur et 7 exemple(s) propre(s) au projet : aucun n'est un code NOEMIE "
        "officiel (la table officielle n'est pas publique).",
    ]
    resume = json.loads(commande("codes-charger", "--json"))
    assert (resume["livres"], resume["ajoutes"], len(resume["inchanges"])) == (total, [], total)


def test_commande_codes(db):
    assert "est vide : chargez les codes livrés" in commande("codes")
    charger_codes_livres()
    sortie = commande("codes")
    assert sortie.startswith("Bibliothèque des codes de rejet : ")
    assert "SB01" in sortie and "Vérifier les paiements" in sortie
    codes = json.loads(commande("codes", "--json"))
    sb01 = next(c for c in codes if c["code"] == "SB01")
    assert sb01 == {
        "code": "SB01",
        "libelle_reference": "FACTURE DEJA RECUE (SIMULATEUR)",
        "famille": "doublon",
        "explication": sb01["explication"],
        "correction": sb01["correction"],
        "action": "verifier_paiements",
        "refacturable": False,
        "statut": "qualifie",
        "origine": "livre",
        "qualifie_par": None,
        "qualifie_le": None,
    }


def test_commande_codes_a_qualifier(monde):
    assert commande("codes", "--a-qualifier").startswith("Aucun code à qualifier")
    rejeter(monde, "A12", "DROITS NON OUVERTS")
    rejeter(monde, "Z99", "VOIR COURRIER")
    sortie = commande("codes", "--a-qualifier")
    assert sortie.startswith("2 code(s) à qualifier.")
    assert "droits : DROITS" in sortie and "aucune (code inconnu)" in sortie
    a12, z99 = json.loads(commande("codes", "--a-qualifier", "--json"))
    assert a12 == {
        "code": "A12",
        "libelle": "DROITS NON OUVERTS",
        "libelles": 1,
        "occurrences": 1,
        "derniere_date": JOUR.isoformat(),
        "suggestion": {
            "famille": "droits",
            "explication": a12["suggestion"]["explication"],
            "correction": a12["suggestion"]["correction"],
            "action": "recycler",
            "refacturable": True,
            "regle": "droits",
            "regle_description": a12["suggestion"]["regle_description"],
            "mots": ["DROITS"],
        },
    }
    assert (z99["code"], z99["suggestion"]) == ("Z99", None)


def test_commande_code_qualifier_refusee_sans_administrateur(monde):
    rejeter(monde, "A12", "DROITS NON OUVERTS")
    with pytest.raises(CommandError) as refus:
        commande("code-qualifier", "A12", "--suggestion")
    assert str(refus.value) == (
        "Seul un administrateur de la plateforme peut qualifier un code de rejet : « systeme » "
        "ne l'est pas. Rien n'a été enregistré."
    )
    with pytest.raises(CommandError, match="« facturiere-a » ne l'est pas"):
        commande("code-qualifier", "A12", "--suggestion", "--utilisateur", "facturiere-a")
    assert not CodeRejet.objects.exists()


def test_commande_code_qualifier_depuis_la_suggestion(monde, admin):
    rejeter(monde, "A12", "DROITS NON OUVERTS")
    sortie = commande(
        "code-qualifier",
        "A12",
        "--suggestion",
        "--non-refacturable",
        "--utilisateur",
        "admin-plateforme",
    )
    assert sortie.strip() == (
        "Code A12 « DROITS NON OUVERTS » qualifié par admin-plateforme : Droits de l'assuré ; "
        "action suivante : Recycler (corriger et refacturer) ; ne pas refacturer."
    )
    a12 = CodeRejet.objects.get(code="A12")
    assert (a12.famille, a12.refacturable, a12.qualifie_par) == ("droits", False, admin)
    assert codes_a_qualifier() == []


def test_commande_code_qualifier_avec_les_options(monde, admin):
    rejeter(monde, "Z99", "VOIR COURRIER")
    with pytest.raises(
        CommandError, match="aucune règle ne reconnaît le libellé « VOIR COURRIER »"
    ):
        commande("code-qualifier", "Z99", "--suggestion", "--utilisateur", "admin-plateforme")
    with pytest.raises(CommandError, match="donnez --famille, --explication, --correction"):
        commande("code-qualifier", "Z99", "--utilisateur", "admin-plateforme")
    with pytest.raises(CommandError, match="Famille « autre » inconnue"):
        commande(
            "code-qualifier",
            "Z99",
            "--famille",
            "autre",
            "--explication",
            "e",
            "--correction",
            "c",
            "--action",
            "recycler",
            "--refacturable",
            "--utilisateur",
            "admin-plateforme",
        )
    qualifie = json.loads(
        commande(
            "code-qualifier",
            "Z99",
            "--famille",
            "doublon",
            "--explication",
            "Facture déjà réglée par courrier.",
            "--json",
            "--utilisateur",
            "admin-plateforme",
        )
    )
    assert {k: qualifie[k] for k in ("famille", "action", "refacturable", "statut")} == {
        "famille": "doublon",
        "action": "verifier_paiements",
        "refacturable": False,
        "statut": "qualifie",
    }
    assert qualifie["explication"] == "Facture déjà réglée par courrier."
    assert qualifie["qualifie_par"] == "admin-plateforme"
    # Requalifier : seules les options données changent.
    commande(
        "code-qualifier", "Z99", "--action", "reclamation", "--utilisateur", "admin-plateforme"
    )
    z99 = CodeRejet.objects.get(code="Z99")
    assert (z99.famille, z99.action, z99.explication) == (
        "doublon",
        "reclamation",
        "Facture déjà réglée par courrier.",
    )
