from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from rejets.cabinets import services as cabinets
from rejets.cabinets.models import Role
from rejets.domain.identifiants import nir
from rejets.factures import services
from rejets.factures.models import TiersPayant
from rejets.patients.models import ContratAMC, Patient, PeriodeDroits, Prescription
from rejets.referentiels.models import Organisme, TypeOrganisme

JOUR = date(2026, 3, 2)
DEBUT_DROITS = date(2025, 1, 1)
FORCER_DONNEES_DE_TEST = "données de test"
PARTS_DES_ACTES = (600, 0, 400)
"""What Monde.facture()'s act is worth: DI 1 at the cabinet, 10,00 €, AMO 60 %."""

_RAISONS_PAR_PATIENT: dict[int, str] = {}


def nir_valide(rang: int) -> str:
    corps = f"2550575056{rang:03d}"
    return corps + nir.calc_check_digits(corps)


class Monde:
    """A cabinet with a biller, a nurse, patients and organismes, and a factory of invoices."""

    def __init__(self, code: str, numero_am: str = "751000018") -> None:
        self.cabinet = cabinets.creer_cabinet(code=code, nom=f"Cabinet {code}")
        self.utilisateur = User.objects.create_user(f"facturiere-{code}", password="x")
        cabinets.ajouter_membre(
            utilisateur=self.utilisateur, cabinet=self.cabinet, role=Role.FACTURIERE
        )
        self.pro = cabinets.creer_professionnel(
            cabinet=self.cabinet,
            nom="Roux",
            prenom="Claire",
            numero_am=numero_am,
            numero_debut=900_000_001,
            numero_fin=900_000_999,
        )
        self.cpam, _ = Organisme.objects.get_or_create(
            type=TypeOrganisme.CAISSE, code="017510000", defaults={"libelle": "CPAM de Paris"}
        )
        self.mutuelle, _ = Organisme.objects.get_or_create(
            type=TypeOrganisme.MUTUELLE, code="9999000001", defaults={"libelle": "Mutuelle Exemple"}
        )
        self._patients = 0

    def patient(self) -> Patient:
        """A patient with a valid NIR and AMO rights open since DEBUT_DROITS."""
        self._patients += 1
        patient = Patient.objects.create(
            cabinet=self.cabinet,
            nir=nir_valide(self._patients),
            nom="Nom",
            prenom="Prénom",
            date_naissance=date(1955, 5, 1),
            regime="01",
            caisse="751",
            centre="0000",
        )
        PeriodeDroits.objects.create(cabinet=self.cabinet, patient=patient, debut=DEBUT_DROITS)
        return patient

    def prescription(self, patient: Patient, *, a_domicile: bool = False) -> Prescription:
        return Prescription.objects.create(
            cabinet=self.cabinet,
            patient=patient,
            prescripteur_nom="Dr Lenoir",
            date=JOUR - timedelta(days=14),
            a_domicile=a_domicile,
        )

    def facture(self, *, amo=600, amc=0, patient=400, numero=None, forcer=None):
        """An invoice in brouillon: one DI 1 at the cabinet on JOUR, prescribed, rights open.

        With the default parts it passes the pre-send checks. Parts chosen by a test are not
        those of the act: `services.preparer` then passes the checks with `forcer` (by default
        FORCER_DONNEES_DE_TEST), which the preparer event keeps with the findings."""
        p = self.patient()
        if amc:
            ContratAMC.objects.create(
                cabinet=self.cabinet, patient=p, organisme=self.mutuelle, debut=DEBUT_DROITS
            )
        if forcer is None:
            forcer = "" if (amo, amc, patient) == PARTS_DES_ACTES else FORCER_DONNEES_DE_TEST
        _RAISONS_PAR_PATIENT[p.pk] = forcer
        return services.creer_facture(
            cabinet=self.cabinet,
            professionnel=self.pro,
            patient=p,
            prescription=self.prescription(p),
            actes=[
                services.LigneActe(
                    date=JOUR, lettre_cle="DI", coefficient=Decimal("1"), lieu="cabinet"
                )
            ],
            part_amo=amo,
            part_amc=amc,
            part_patient=patient,
            tiers_payant=TiersPayant.AMO_AMC if amc else TiersPayant.AMO,
            organisme_amo=self.cpam,
            organisme_amc=self.mutuelle if amc else None,
            utilisateur=self.utilisateur,
            numero=numero,
        )


@pytest.fixture(autouse=True)
def _preparer_force_les_donnees_de_test(monkeypatch):
    """`services.preparer` called without a reason on an invoice of Monde.facture() whose
    parts a test chose gets that invoice's `forcer` (its recycled invoice too: same patient).
    The checks still run; every other invoice is prepared exactly as in production."""
    _RAISONS_PAR_PATIENT.clear()
    preparer = services.preparer

    def preparer_donnees_de_test(*, facture, utilisateur, forcer=""):
        raison = forcer or _RAISONS_PAR_PATIENT.get(facture.patient_id, "")
        return preparer(facture=facture, utilisateur=utilisateur, forcer=raison)

    monkeypatch.setattr(services, "preparer", preparer_donnees_de_test)


@pytest.fixture
def monde(db):
    return Monde("a")


@pytest.fixture
def autre_monde(db):
    return Monde("b")
