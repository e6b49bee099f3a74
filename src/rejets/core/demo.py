"""The demo: a small nursing practice with invoices in every common state, built through the
same services as real work, so its book verifies. Acts are valued by the cotation engine and
split by the répartition, so the invoices pass the pre-send checks; the two that the caisse
rejects were prepared past a blocking check, with the biller's written reason (audit trail).
A second practice shows that one cabinet's users never see another's invoices. Names and
numbers are invented."""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from rejets.cabinets import services as cabinets
from rejets.cabinets.models import Cabinet, Role
from rejets.domain import cotation
from rejets.domain.identifiants import nir
from rejets.domain.ledger import Payeur
from rejets.domain.lifecycle import TypePartie
from rejets.domain.repartition import CouvertureAmc, repartir
from rejets.factures import prevention
from rejets.factures import services as factures
from rejets.factures.models import MoyenPaiement, TiersPayant
from rejets.lots.models import Lot
from rejets.patients.models import ContratAMC, Patient, PeriodeDroits, Prescription
from rejets.referentiels.models import Organisme, TypeOrganisme

IDENTIFIANT_DEMO = "demo"
MOT_DE_PASSE_DEMO = "demo-rejets"
CODE_CABINET_DEMO = "tilleuls"

NOMS = [
    ("Martin", "Jeanne"),
    ("Bernard", "Louis"),
    ("Petit", "Marcelle"),
    ("Durand", "Paul"),
    ("Leroy", "Simone"),
    ("Moreau", "André"),
    ("Simon", "Lucienne"),
    ("Laurent", "Roger"),
]


def _nir(sexe: int, annee: int, mois: int, rang: int) -> str:
    corps = f"{sexe}{annee % 100:02d}{mois:02d}75056{rang:03d}"
    return corps + nir.calc_check_digits(corps)


@transaction.atomic
def charger_demo(aujourd_hui: date | None = None) -> bool:
    """Create the demo practices once; return False when they already exist."""
    if Cabinet.objects.filter(code=CODE_CABINET_DEMO).exists():
        return False
    aujourd_hui = aujourd_hui or date.today()
    hasard = random.Random(2026)
    modele = get_user_model()
    demo = modele.objects.create_user(IDENTIFIANT_DEMO, password=MOT_DE_PASSE_DEMO)
    systeme = cabinets.utilisateur_systeme()

    cabinet = cabinets.creer_cabinet(code=CODE_CABINET_DEMO, nom="Cabinet infirmier des Tilleuls")
    cabinets.ajouter_membre(utilisateur=demo, cabinet=cabinet, role=Role.FACTURIERE)
    autre = cabinets.creer_cabinet(code="glycines", nom="Cabinet infirmier des Glycines")
    voisine = modele.objects.create_user("glycines", password=MOT_DE_PASSE_DEMO + "-glycines")
    cabinets.ajouter_membre(utilisateur=voisine, cabinet=autre, role=Role.FACTURIERE)

    cpam, _ = Organisme.objects.get_or_create(
        type=TypeOrganisme.CAISSE, code="017510000", defaults={"libelle": "CPAM de Paris"}
    )
    mutuelle, _ = Organisme.objects.get_or_create(
        type=TypeOrganisme.MUTUELLE, code="9999000001", defaults={"libelle": "Mutuelle Exemple"}
    )
    infirmiere = cabinets.creer_professionnel(
        cabinet=cabinet,
        nom="Roux",
        prenom="Claire",
        numero_am="751000018",
        numero_debut=900_000_001,
        numero_fin=900_999_999,
    )
    voisin = cabinets.creer_professionnel(
        cabinet=autre,
        nom="Blanc",
        prenom="Hugo",
        numero_am="751000026",
    )

    debut_droits = date(aujourd_hui.year - 2, 1, 1)

    def patient(cab: Cabinet, i: int) -> Patient:
        nom, prenom = NOMS[i % len(NOMS)]
        p = Patient.objects.create(
            cabinet=cab,
            nir=_nir(1 + i % 2, 1940 + i, 1 + i % 12, 100 + i),
            nom=nom,
            prenom=prenom,
            date_naissance=date(1940 + i, 1 + i % 12, 10),
            regime="01",
            caisse="751",
            centre="0000",
            exoneration="4" if i % 3 == 0 else "0",
            taux_remboursement=100 if i % 3 == 0 else 60,
        )
        PeriodeDroits.objects.create(cabinet=cab, patient=p, debut=debut_droits)
        return p

    def ordonnance(cab: Cabinet, p: Patient, soins: date, a_domicile: bool) -> Prescription:
        return Prescription.objects.create(
            cabinet=cab,
            patient=p,
            prescripteur_nom="Dr Lenoir",
            date=soins - timedelta(days=7),
            a_domicile=a_domicile,
        )

    patients = [patient(cabinet, i) for i in range(6)]
    catalogue = prevention.catalogue_en_vigueur()
    lot = Lot.objects.create(
        cabinet=cabinet,
        professionnel=infirmiere,
        numero="001",
        organisme=cpam,
        date_envoi=aujourd_hui - timedelta(days=40),
    )
    lot_dre = Lot.objects.create(
        cabinet=cabinet,
        professionnel=infirmiere,
        numero="001",
        type_partie=TypePartie.DRE,
        organisme=mutuelle,
        date_envoi=aujourd_hui - timedelta(days=40),
    )

    def facture(
        p: Patient, jours: int, coefficient: str, avec_dre: bool = False, prescrite: bool = True
    ) -> factures.Facture:
        """A home visit (AMI, with its IFD and MAU as the engine values them), in brouillon."""
        soins = aujourd_hui - timedelta(days=jours)
        seance = cotation.Seance(
            actes=[cotation.Acte("AMI", Decimal(coefficient))],
            date=soins,
            heure=time(9, 0),
            lieu=cotation.Lieu.DOMICILE,
            prescription=cotation.Prescription(a_domicile=True),
            distance_km=Decimal("1.5"),
            meme_commune=True,
        )
        lignes = cotation.coter(seance, catalogue).facturees()
        if avec_dre:
            ContratAMC.objects.get_or_create(
                cabinet=cabinet, patient=p, organisme=mutuelle, defaults={"debut": debut_droits}
            )
        parts = repartir(
            [ligne.montant for ligne in lignes],
            nature_assurance=p.nature_assurance,
            exoneration=p.exoneration,
            le=soins,
            taux_droits=p.taux_remboursement,
            amc=CouvertureAmc() if avec_dre else None,
            tiers_payant=TiersPayant.AMO_AMC if avec_dre else TiersPayant.AMO,
            catalogue=catalogue,
        )
        return factures.creer_facture(
            cabinet=cabinet,
            professionnel=infirmiere,
            patient=p,
            prescription=ordonnance(cabinet, p, soins, a_domicile=True) if prescrite else None,
            actes=[
                factures.LigneActe(
                    date=soins,
                    heure=seance.heure,
                    lettre_cle=ligne.code,
                    coefficient=ligne.coefficient,
                    distance_km=seance.distance_km,
                    meme_commune=True,
                    montant=ligne.montant,
                )
                for ligne in lignes
            ],
            part_amo=parts.amo,
            part_amc=parts.amc,
            part_patient=parts.assure,
            tiers_payant=TiersPayant.AMO_AMC if avec_dre else TiersPayant.AMO,
            organisme_amo=cpam,
            organisme_amc=mutuelle if avec_dre else None,
            utilisateur=systeme,
        )

    def transmise(
        p: Patient,
        jours: int,
        coefficient: str,
        avec_dre: bool = False,
        prescrite: bool = True,
        forcer: str = "",
    ) -> factures.Facture:
        f = facture(p, jours, coefficient, avec_dre, prescrite)
        le = f.date_soins
        factures.preparer(facture=f, utilisateur=systeme, forcer=forcer)
        factures.securiser(facture=f, utilisateur=systeme, le=le)
        factures.transmettre(facture=f, partie=TypePartie.FSE, lot=lot, le=le, utilisateur=systeme)
        if avec_dre:
            factures.transmettre(
                facture=f, partie=TypePartie.DRE, lot=lot_dre, le=le, utilisateur=systeme
            )
        return f

    for i in range(4):
        f = transmise(patients[i], 60 + i, hasard.choice(["1", "2", "3"]), avec_dre=i == 1)
        factures.recevoir_arl(facture=f, partie=TypePartie.FSE, positif=True, utilisateur=systeme)
        factures.enregistrer_paiement(
            facture=f,
            payeur=Payeur.AMO,
            montant=f.part_amo,
            le=f.date_soins + timedelta(days=9),
            reference=f"VIR{f.numero}",
            utilisateur=systeme,
        )
        if f.part_patient:
            factures.enregistrer_paiement(
                facture=f,
                payeur=Payeur.PATIENT,
                montant=f.part_patient,
                le=f.date_soins,
                moyen=MoyenPaiement.CHEQUE,
                utilisateur=systeme,
            )

    PeriodeDroits.objects.filter(patient=patients[4]).update(fin=aujourd_hui - timedelta(days=40))
    rejetee = transmise(
        patients[4],
        35,
        "2",
        forcer="Le patient dit que ses droits sont renouvelés ; attestation demandée.",
    )
    factures.recevoir_arl(facture=rejetee, partie=TypePartie.FSE, positif=True, utilisateur=systeme)
    factures.rejeter(
        facture=rejetee,
        partie=TypePartie.FSE,
        code="X12",
        libelle="DROITS NON OUVERTS A LA DATE",
        le=aujourd_hui - timedelta(days=20),
        utilisateur=systeme,
    )
    a_recycler = transmise(
        patients[5],
        50,
        "1",
        prescrite=False,
        forcer="Ordonnance restée chez le patient : elle sera jointe à réception.",
    )
    if a_recycler.part_patient:
        factures.enregistrer_paiement(
            facture=a_recycler,
            payeur=Payeur.PATIENT,
            montant=a_recycler.part_patient,
            le=a_recycler.date_soins,
            moyen=MoyenPaiement.ESPECES,
            utilisateur=systeme,
        )
    factures.rejeter(
        facture=a_recycler,
        partie=TypePartie.FSE,
        code="P05",
        libelle="PRESCRIPTION ABSENTE",
        le=aujourd_hui - timedelta(days=30),
        utilisateur=systeme,
    )
    factures.defacturer(
        facture=a_recycler,
        utilisateur=systeme,
        le=aujourd_hui - timedelta(days=25),
        commentaire="Joindre l'ordonnance.",
    )
    factures.recycler(facture=a_recycler, utilisateur=systeme, le=aujourd_hui - timedelta(days=25))

    en_caisse = transmise(patients[0], 45, "3")
    factures.recevoir_arl(
        facture=en_caisse, partie=TypePartie.FSE, positif=True, utilisateur=systeme
    )
    factures.mettre_en_traitement_caisse(
        facture=en_caisse, partie=TypePartie.FSE, utilisateur=systeme
    )
    transmise(patients[1], 5, "1.5")
    facture(patients[2], 1, "1")

    voisine_patient = patient(autre, 7)
    soins_voisine = aujourd_hui - timedelta(days=3)
    f = factures.creer_facture(
        cabinet=autre,
        professionnel=voisin,
        patient=voisine_patient,
        prescription=ordonnance(autre, voisine_patient, soins_voisine, a_domicile=False),
        actes=[
            factures.LigneActe(
                date=soins_voisine, lettre_cle="AIS", coefficient=Decimal(3), lieu="cabinet"
            )
        ],
        part_amo=477,
        part_amc=0,
        part_patient=318,
        utilisateur=systeme,
    )
    factures.preparer(facture=f, utilisateur=systeme)
    return True
