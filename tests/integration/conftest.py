from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from rejets.cabinets import services as cabinets
from rejets.cabinets.models import Role
from rejets.domain.identifiants import nir
from rejets.factures import services
from rejets.factures.models import TiersPayant
from rejets.patients.models import Patient
from rejets.referentiels.models import Organisme, TypeOrganisme

JOUR = date(2026, 3, 2)


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
        self._patients += 1
        return Patient.objects.create(
            cabinet=self.cabinet,
            nir=nir_valide(self._patients),
            nom="Nom",
            prenom="Prénom",
            date_naissance=date(1955, 5, 1),
            regime="01",
            caisse="751",
            centre="0000",
        )

    def facture(self, *, amo=600, amc=0, patient=400, numero=None):
        return services.creer_facture(
            cabinet=self.cabinet,
            professionnel=self.pro,
            patient=self.patient(),
            actes=[services.LigneActe(date=JOUR, lettre_cle="AMI", coefficient=Decimal("2"))],
            part_amo=amo,
            part_amc=amc,
            part_patient=patient,
            tiers_payant=TiersPayant.AMO_AMC if amc else TiersPayant.AMO,
            organisme_amo=self.cpam,
            organisme_amc=self.mutuelle if amc else None,
            utilisateur=self.utilisateur,
            numero=numero,
        )


@pytest.fixture
def monde(db):
    return Monde("a")


@pytest.fixture
def autre_monde(db):
    return Monde("b")
