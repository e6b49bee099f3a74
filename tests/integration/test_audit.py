"""Audit des pertes : chaque chiffre contre des sommes indépendantes du livre, le rapport PDF
relu, la commande `rejets suivi audit` et l'isolation des cabinets."""

import io
import json
from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from pypdf import PdfReader

from rejets.compta.models import Ecriture
from rejets.compta.selectors import bilan_facture
from rejets.compta.verification import verifier
from rejets.domain.delais import jours_avant_forclusion
from rejets.domain.ledger import COMPTES_CREANCES, Compte, Payeur
from rejets.domain.lifecycle import Etat, TypePartie
from rejets.domain.money import format_euros
from rejets.factures import services
from rejets.factures.models import Facture, Paiement, Rejet
from rejets.factures.services import PAYEUR_DE_LA_PARTIE
from rejets.formats.pdf import rapport_audit
from rejets.lots.models import Lot
from rejets.patients.models import Patient
from rejets.recyclage import services as recyclage
from rejets.suivi.audit import ETATS_FORCLOSABLES, mesurer, rapport_pdf
from rejets.transmission import services as transmission

from .conftest import FORCER_DONNEES_DE_TEST, Monde

FSE, DRE = TypePartie.FSE, TypePartie.DRE
DU, AU = date(2025, 10, 1), date(2026, 3, 31)
SITUATION = date(2026, 3, 25)
NOV, JANV, FEVR, MARS = date(2025, 11, 20), date(2026, 1, 15), date(2026, 2, 10), date(2026, 3, 2)
NOM_PATIENT, PRENOM_PATIENT = "Zébulonard", "Hippolyte"


@pytest.fixture(autouse=True)
def _dossiers(settings, tmp_path, db):
    settings.REJETS_FICHIERS_DIR = tmp_path / "fichiers"
    settings.REJETS_TRANSMISSION_DIR = tmp_path / "transmission"
    call_command("referentiels", "tod", "--exemple", stdout=io.StringIO())


def jour(d: date, n: int) -> date:
    return d + timedelta(days=n)


def facture_du(monde: Monde, soins: date, *, amc: bool = False) -> Facture:
    """A 10,00 € invoice in brouillon with its care date on `soins` (AMO 6,00 €; the patient
    or, with a mutuelle, the AMC 4,00 €)."""
    f = monde.facture(
        amo=600, amc=400 if amc else 0, patient=0 if amc else 400, forcer=FORCER_DONNEES_DE_TEST
    )
    Facture.objects.filter(pk=f.pk).update(date_soins=soins)
    f.actes.update(date=soins, montant=1000)
    f.refresh_from_db()
    return f


def envoyer(monde: Monde, f: Facture, le: date, *, patient_paie: bool = True) -> Facture:
    """Secure and transmit every prête part on `le`; the patient pays what they still owe that
    day (nothing on a recycled invoice: the deposit left by the old one paid it)."""
    if f.etat == Etat.BROUILLON:
        services.preparer(facture=f, utilisateur=monde.utilisateur)
    transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=le)
    for partie in [TypePartie(p.type) for p in f.parties.all()]:
        lot, _ = Lot.objects.get_or_create(
            cabinet=monde.cabinet, professionnel=monde.pro, numero="00001", type_partie=partie
        )
        services.transmettre(
            facture=f, partie=partie, lot=lot, le=le, utilisateur=monde.utilisateur
        )
    f.refresh_from_db()
    du_patient = bilan_facture(f).reste_du[Payeur.PATIENT]
    if patient_paie and du_patient:
        payer(monde, f, Payeur.PATIENT, du_patient, le)
    return f


def payer(monde: Monde, f: Facture, payeur: Payeur, montant: int, le: date) -> None:
    services.enregistrer_paiement(
        facture=f, payeur=payeur, montant=montant, le=le, utilisateur=monde.utilisateur
    )


def rejeter(monde: Monde, f: Facture, code: str, libelle: str, le: date, partie=FSE) -> None:
    services.rejeter(
        facture=f, partie=partie, code=code, libelle=libelle, le=le, utilisateur=monde.utilisateur
    )


def livre(monde: Monde) -> dict[str, Facture]:
    """The book of the audit, every invoice made through the services:

    - payee: care in March, transmitted 04/03, the caisse pays 15 days later;
    - recyclee: care in January, rejected (rights), unbilled, recycled; the new invoice is paid
      by the caisse 20 days after its transmission;
    - abandonnee: care in February with a mutuelle; the caisse pays after 10 days, the DRE is
      rejected with an unknown code and abandoned;
    - forclose: care in January, rejected (prescription), time-barred;
    - transmise: care in March, transmitted, unanswered;
    - rejetee: care in February, rejected (coding), left; the patient has not paid;
    - ancienne: care in November 2025, rejected (rights), left;
    - hors_periode: care in September 2025, rejected: outside the audit."""
    u = monde.utilisateur
    fs: dict[str, Facture] = {}

    f = envoyer(monde, facture_du(monde, MARS), jour(MARS, 2))
    payer(monde, f, Payeur.AMO, 600, jour(MARS, 17))
    fs["payee"] = f

    f = envoyer(monde, facture_du(monde, JANV), jour(JANV, 2))
    rejeter(monde, f, "SD02", "DROITS FERMES A LA DATE DES SOINS (SIMULATEUR)", jour(JANV, 12))
    recyclage.defacturer(facture=f, utilisateur=u, le=jour(JANV, 17))
    nouvelle = recyclage.recycler(facture=f, utilisateur=u, le=jour(JANV, 17)).nouvelle
    nouvelle = envoyer(monde, nouvelle, jour(JANV, 19))
    payer(monde, nouvelle, Payeur.AMO, 600, jour(JANV, 39))
    fs["recyclee"], fs["nouvelle"] = f, nouvelle

    f = envoyer(monde, facture_du(monde, FEVR, amc=True), jour(FEVR, 2))
    payer(monde, f, Payeur.AMO, 600, jour(FEVR, 12))
    rejeter(monde, f, "ZZ99", "MOTIF XQ 12", jour(FEVR, 15), partie=DRE)
    services.abandonner(
        facture=f, partie=DRE, motif="Mutuelle injoignable", utilisateur=u, le=date(2026, 3, 10)
    )
    fs["abandonnee"] = f

    f = envoyer(monde, facture_du(monde, JANV), jour(JANV, 2))
    rejeter(monde, f, "PR01", "PRESCRIPTION ABSENTE", jour(JANV, 12))
    services.forclore(facture=f, partie=FSE, utilisateur=u, le=date(2026, 3, 20))
    fs["forclose"] = f

    fs["transmise"] = envoyer(monde, facture_du(monde, MARS), jour(MARS, 2))

    f = envoyer(monde, facture_du(monde, FEVR), jour(FEVR, 2), patient_paie=False)
    rejeter(monde, f, "AI01", "ACTE INCOMPATIBLE AVEC AMI", jour(FEVR, 10))
    fs["rejetee"] = f

    f = envoyer(monde, facture_du(monde, NOV), jour(NOV, 2))
    rejeter(monde, f, "SD02", "DROITS FERMES A LA DATE DES SOINS (SIMULATEUR)", jour(NOV, 11))
    fs["ancienne"] = f

    f = envoyer(monde, facture_du(monde, date(2025, 9, 20)), date(2025, 9, 22))
    rejeter(monde, f, "PR01", "PRESCRIPTION ABSENTE", date(2025, 10, 2))
    fs["hors_periode"] = f

    Patient.objects.filter(cabinet=monde.cabinet).update(nom=NOM_PATIENT, prenom=PRENOM_PATIENT)
    for f in fs.values():
        f.refresh_from_db()
    assert verifier([monde.cabinet]) == []
    return fs


@pytest.fixture
def book(monde, autre_monde):
    fs = livre(monde)
    autre = envoyer(autre_monde, facture_du(autre_monde, FEVR), jour(FEVR, 2))
    rejeter(autre_monde, autre, "PR01", "PRESCRIPTION ABSENTE", jour(FEVR, 9))
    return fs


# --- Independent sums of the book. ---


def somme(qs) -> int:
    return qs.aggregate(s=Sum("montant"))["s"] or 0


def ecritures(monde: Monde):
    return Ecriture.objects.filter(cabinet=monde.cabinet, facture__date_soins__range=(DU, AU))


def factures_de(monde: Monde) -> list[Facture]:
    return list(Facture.objects.filter(cabinet=monde.cabinet, date_soins__range=(DU, AU)))


def test_facture_paye_perdu_reste_sont_ceux_du_livre(monde, book):
    m = mesurer(cabinet=monde.cabinet, du=DU, au=AU, aujourd_hui=SITUATION)
    e = ecritures(monde)
    assert m.facture == -somme(e.filter(compte=Compte.HONORAIRES)) == 7000
    assert m.perdu == somme(e.filter(compte=Compte.PERTES)) == 1000
    assert m.reste == somme(e.filter(compte__in=COMPTES_CREANCES)) == 2200
    assert m.paye == 3800 and m.conserve
    bilans = [bilan_facture(f) for f in factures_de(monde)]
    assert m.facture == sum(b.facture_nette for b in bilans)
    assert m.paye == sum(b.paye for b in bilans)
    assert m.perdu == sum(b.perdu for b in bilans)
    assert m.reste == sum(b.reste for b in bilans)
    assert dict(m.reste_par_payeur) == {"amo": 1800, "amc": 0, "patient": 400}
    assert m.factures == 8
    par_mois = {x.cle: x.facture for x in m.par_mois}
    assert list(par_mois) == ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    assert par_mois == {
        "2025-10": 0,
        "2025-11": 1000,
        "2025-12": 0,
        "2026-01": 2000,
        "2026-02": 2000,
        "2026-03": 2000,
    }


def test_les_pertes_selon_leur_motif(monde, book):
    m = mesurer(cabinet=monde.cabinet, du=DU, au=AU, aujourd_hui=SITUATION)
    e = ecritures(monde).filter(compte=Compte.PERTES)
    forclos = somme(e.filter(journal__evenement__evenement="forclore"))
    abandonne = somme(e.filter(journal__evenement__evenement="abandonner"))
    assert (m.pertes.forclos, m.pertes.abandonne) == (forclos, abandonne) == (600, 400)
    assert bilan_facture(book["forclose"]).perdu == 600
    assert bilan_facture(book["abandonnee"]).perdu == 400


def test_les_rejets_par_famille_organisme_et_mois(monde, book):
    m = mesurer(cabinet=monde.cabinet, du=DU, au=AU, aujourd_hui=SITUATION)
    rejets = Rejet.objects.filter(cabinet=monde.cabinet, facture__date_soins__range=(DU, AU))
    assert m.rejets.rejets == rejets.count() == 5
    montant_rejete = sum(
        r.facture.parties.get(type=r.partie).montant for r in rejets.select_related("facture")
    )
    assert m.rejets.montant_rejete == montant_rejete == 2800
    assert (m.rejets.demandes, m.rejets.montant_demandes) == (9, 5200)
    assert str(m.rejets.taux_nombre) == "55.6" and str(m.rejets.taux_montant) == "53.8"
    assert [(f.cle, f.rejets, f.montant_rejete) for f in m.par_famille] == [
        ("droits", 2, 1200),
        ("prescription", 1, 600),
        ("cotation", 1, 600),
        ("a_qualifier", 1, 400),
    ]
    assert m.par_famille[-1].libelle == "À qualifier"
    assert all(f.demandes == 9 for f in m.par_famille)
    assert [
        (o.cle, o.demandes, o.montant_demandes, o.rejets, o.montant_rejete) for o in m.par_organisme
    ] == [("017510000", 8, 4800, 4, 2400), ("9999000001", 1, 400, 1, 400)]
    assert m.par_organisme[0].libelle == "CPAM de Paris (017510000)"
    assert [(x.cle, x.demandes, x.rejets, x.montant_rejete) for x in m.par_mois] == [
        ("2025-10", 0, 0, 0),
        ("2025-11", 1, 1, 600),
        ("2025-12", 0, 0, 0),
        ("2026-01", 3, 2, 1200),
        ("2026-02", 3, 2, 1000),
        ("2026-03", 2, 0, 0),
    ]
    assert sum(f.rejets for f in m.par_famille) == sum(o.rejets for o in m.par_organisme)
    assert sum(x.montant_rejete for x in m.par_mois) == m.rejets.montant_rejete


def test_le_recupere_par_recyclage_est_paye_sur_les_nouvelles_factures(monde, book):
    m = mesurer(cabinet=monde.cabinet, du=DU, au=AU, aujourd_hui=SITUATION)
    nouvelles = Facture.objects.filter(
        cabinet=monde.cabinet, date_soins__range=(DU, AU), recyclee_de__isnull=False
    )
    assert list(nouvelles) == [book["nouvelle"]]
    paye = somme(Paiement.objects.filter(facture__in=nouvelles, payeur__in=["amo", "amc"]))
    refacture = somme(
        Ecriture.objects.filter(
            facture__in=nouvelles,
            compte__in=[Compte.CREANCE_AMO, Compte.CREANCE_AMC],
            journal__nature="facturation",
        )
    )
    assert (m.recyclage.factures, m.recyclage.refacture, m.recyclage.recupere) == (
        1,
        refacture,
        paye,
    )
    assert (refacture, paye) == (600, 600)


def anciennete(monde: Monde, aujourd_hui: date) -> list[int]:
    tranches = [0, 0, 0, 0]
    for f in factures_de(monde):
        age = (aujourd_hui - f.date_soins).days
        rang = 0 if age <= 30 else 1 if age <= 60 else 2 if age <= 90 else 3
        tranches[rang] += bilan_facture(f).reste
    return tranches


def a_risque(monde: Monde, aujourd_hui: date) -> dict[str, int]:
    risque: dict[str, int] = defaultdict(int)
    for f in factures_de(monde):
        reste = bilan_facture(f).reste_du
        for p in f.parties.all():
            if Etat(p.etat) not in ETATS_FORCLOSABLES:
                continue
            montant = reste.get(PAYEUR_DE_LA_PARTIE[TypePartie(p.type)], 0)
            jours = jours_avant_forclusion(f.date_soins, aujourd_hui)
            if jours <= 0:
                risque["deja"] += montant
            for horizon in (30, 60, 90):
                if 0 < jours <= horizon:
                    risque[str(horizon)] += montant
    return risque


@pytest.mark.parametrize(
    ("aujourd_hui", "tranches", "forclusion"),
    [
        (SITUATION, [600, 1000, 0, 600], (0, 0, 0, 0)),
        (date(2027, 12, 10), [0, 0, 0, 2200], (0, 600, 600, 600)),
        (date(2028, 2, 15), [0, 0, 0, 2200], (600, 0, 600, 600)),
        (date(2028, 4, 1), [0, 0, 0, 2200], (1200, 0, 0, 0)),
    ],
)
def test_le_reste_du_par_anciennete_et_le_risque_de_forclusion(
    monde, book, aujourd_hui, tranches, forclusion
):
    m = mesurer(cabinet=monde.cabinet, du=DU, au=AU, aujourd_hui=aujourd_hui)
    assert [t.montant for t in m.ouvert] == anciennete(monde, aujourd_hui) == tranches
    assert [t.libelle for t in m.ouvert] == [
        "0 à 30 jours",
        "31 à 60 jours",
        "61 à 90 jours",
        "Plus de 90 jours",
    ]
    assert sum(t.montant for t in m.ouvert) == m.reste
    f = m.forclusion
    attendu = a_risque(monde, aujourd_hui)
    assert (f.deja_forclos, f.sous_30, f.sous_60, f.sous_90) == (
        attendu["deja"],
        attendu["30"],
        attendu["60"],
        attendu["90"],
    )
    assert (f.deja_forclos, f.sous_30, f.sous_60, f.sous_90) == forclusion


def test_la_facture_transmise_sans_reponse_ne_risque_pas_la_forclusion(monde, book):
    """Only the rejected parts (rejetee, ancienne) can become time-barred: the transmitted one
    has a claim standing (lifecycle table)."""
    m = mesurer(cabinet=monde.cabinet, du=DU, au=AU, aujourd_hui=date(2028, 4, 1))
    assert m.forclusion.deja_forclos == 1200
    assert bilan_facture(book["transmise"]).reste == 600


def test_le_delai_moyen_de_paiement(monde, book):
    m = mesurer(cabinet=monde.cabinet, du=DU, au=AU, aujourd_hui=SITUATION)
    delais = []
    for p in Paiement.objects.filter(
        facture__in=factures_de(monde), payeur__in=["amo", "amc"], montant__gt=0
    ):
        partie = p.facture.parties.get(type="fse" if p.payeur == "amo" else "dre")
        delais.append((p.date - partie.date_transmission).days)
    assert sorted(delais) == [10, 15, 20]
    assert (m.delai.paiements, m.delai.jours) == (len(delais), sum(delais))
    assert str(m.delai.moyenne) == "15.0"


def test_une_periode_sans_facture_et_une_periode_a_l_envers(monde, book):
    vide = mesurer(
        cabinet=monde.cabinet, du=date(2024, 1, 1), au=date(2024, 2, 29), aujourd_hui=SITUATION
    )
    assert (vide.facture, vide.reste, vide.rejets.rejets, vide.delai.moyenne) == (0, 0, 0, None)
    assert [x.cle for x in vide.par_mois] == ["2024-01", "2024-02"]
    assert vide.rejets.taux_nombre is None
    with pytest.raises(ValueError, match="Période invalide"):
        mesurer(cabinet=monde.cabinet, du=AU, au=DU, aujourd_hui=SITUATION)


def test_une_poignee_de_requetes_quel_que_soit_le_nombre_de_factures(
    monde, book, django_assert_max_num_queries
):
    with django_assert_max_num_queries(13):
        mesurer(cabinet=monde.cabinet, du=DU, au=AU, aujourd_hui=SITUATION)


# --- The PDF read back. ---


def texte_pdf(octets: bytes) -> str:
    lecteur = PdfReader(io.BytesIO(octets))
    texte = "\n".join(page.extract_text() for page in lecteur.pages)
    return texte.replace("\u00a0", " ").replace("\u202f", " ")


def euros(centimes: int) -> str:
    return format_euros(centimes).replace("\u00a0", " ").replace("\u202f", " ")


def test_le_rapport_pdf_imprime_les_totaux_du_livre_et_rien_d_un_patient(monde, book):
    m = mesurer(cabinet=monde.cabinet, du=DU, au=AU, aujourd_hui=SITUATION)
    octets = rapport_audit(rapport_pdf(m))
    texte = texte_pdf(octets)
    un_texte = " ".join(texte.split())
    e = ecritures(monde)
    assert f"Montant facturé {euros(-somme(e.filter(compte=Compte.HONORAIRES)))}" in un_texte
    assert f"Reste dû {euros(somme(e.filter(compte__in=COMPTES_CREANCES)))}" in un_texte
    assert f"Payé {euros(m.paye)}" in un_texte
    assert f"{euros(m.facture)} = {euros(m.paye)} + {euros(m.perdu)} + {euros(m.reste)}" in un_texte
    for montant in (m.recyclage.recupere, m.pertes.forclos, m.pertes.abandonne, m.perdu):
        assert euros(montant) in texte
    assert "Droits de l'assuré" in texte and "À qualifier" in texte
    assert "CPAM de Paris (017510000)" in texte and "novembre 2025" in texte
    assert "15,0 jours" in texte and "55,6 %" in texte
    meta = PdfReader(io.BytesIO(octets)).metadata
    assert meta is not None
    assert meta.title == "Audit des pertes — Cabinet a — du 01/10/2025 au 31/03/2026"
    tout = texte + str(dict(meta))
    for p in Patient.objects.filter(cabinet=monde.cabinet):
        assert p.nir not in tout.replace(" ", "")
    for interdit in (NOM_PATIENT, PRENOM_PATIENT):
        assert interdit not in tout


# --- The command. ---


def commande(*args: str) -> str:
    sortie = io.StringIO()
    call_command("suivi", "audit", *args, stdout=sortie, stderr=io.StringIO())
    return sortie.getvalue()


def arguments(monde: Monde, chemin, *autres: str) -> list[str]:
    return [
        "--cabinet",
        monde.cabinet.code,
        "--du",
        DU.isoformat(),
        "--au",
        AU.isoformat(),
        "--le",
        SITUATION.isoformat(),
        "--sortie",
        str(chemin),
        *autres,
    ]


def test_la_commande_en_json_ecrit_le_rapport(monde, book, tmp_path):
    chemin = tmp_path / "rapport.pdf"
    resume = json.loads(
        commande(*arguments(monde, chemin, "--json", "--utilisateur", monde.utilisateur.username))
    )
    m = mesurer(cabinet=monde.cabinet, du=DU, au=AU, aujourd_hui=SITUATION)
    assert resume == {**json.loads(json.dumps(m.en_json())), "sortie": str(chemin)}
    assert (resume["facture"], resume["paye"], resume["perdu"], resume["reste"]) == (
        7000,
        3800,
        1000,
        2200,
    )
    assert resume["pertes"] == {"forclos": 600, "abandonne": 400, "total": 1000}
    assert resume["rejets"]["taux_nombre"] == 55.6
    assert resume["delai_paiement"]["moyenne_jours"] == 15.0
    assert chemin.read_bytes() == rapport_audit(rapport_pdf(m))
    assert euros(7000) in texte_pdf(chemin.read_bytes())


def test_la_commande_resume_en_francais(monde, book, tmp_path):
    chemin = tmp_path / "audit.pdf"
    sortie = commande(*arguments(monde, chemin)).replace("\u00a0", " ").replace("\u202f", " ")
    assert "Audit des pertes — Cabinet a — soins du 01/10/2025 au 31/03/2026" in sortie
    assert "Facturé : 70,00 € (8 facture(s))" in sortie
    assert "Rejeté : 28,00 € — 5 rejet(s) sur 9 demande(s)" in sortie
    assert "Perdu : 10,00 € (forclos 6,00 €, abandonné 4,00 €)" in sortie
    assert "Délai moyen de paiement : 15,0 jours (3 paiement(s))" in sortie
    assert f"Rapport écrit dans {chemin}." in sortie
    assert chemin.exists()


def test_un_utilisateur_d_un_autre_cabinet_ne_le_trouve_pas(monde, autre_monde, book, tmp_path):
    chemin = tmp_path / "audit.pdf"
    with pytest.raises(CommandError, match="Cabinet « a » introuvable"):
        commande(*arguments(monde, chemin, "--utilisateur", autre_monde.utilisateur.username))
    assert not chemin.exists()
    with pytest.raises(CommandError, match="Utilisateur inconnu"):
        commande(*arguments(monde, chemin, "--utilisateur", "personne"))
    with pytest.raises(CommandError, match="Cabinet inconnu"):
        commande(*arguments(monde, chemin)[:1], "zzz", *arguments(monde, chemin)[2:])


def test_la_commande_refuse_une_periode_a_l_envers(monde, book, tmp_path):
    chemin = tmp_path / "audit.pdf"
    args = arguments(monde, chemin)
    args[3], args[5] = AU.isoformat(), DU.isoformat()
    with pytest.raises(CommandError, match="Période invalide"):
        commande(*args)
    assert not chemin.exists()


def test_l_autre_cabinet_a_son_propre_audit(autre_monde, book):
    m = mesurer(cabinet=autre_monde.cabinet, du=DU, au=AU, aujourd_hui=SITUATION)
    assert (m.facture, m.rejets.rejets, m.reste) == (1000, 1, 600)
    assert [f.cle for f in m.par_famille] == ["prescription"]
