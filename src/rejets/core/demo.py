"""The demo: a year of a nursing practice's billing, built through the same services as real
work and sent through the caisse simulator, so that every screen has something true to show.

Three nurses' cabinets (Les Tilleuls, a group of two nurses in Paris; Les Glycines in Lyon;
Les Oliviers in Marseille) and a biller who works for all three. Patients with care plans
(injections, dressings, blood tests, hygiene care), prescriptions renewed every six months,
rights and mutuelle contracts; acts valued by the cotation engine and split by the
répartition. Week after week the invoices are secured (a few in mode dégradé, with their
signed care sheet and the scanned prescription), put in lots, sent to the simulator, and its
ARL and return files are collected through the normal import. The simulator's registers differ
from the practice's files for a few patients (a card not updated after a move, rights closed,
an expired mutuelle contract), so rejections have real causes; the biller works most of them
(rights looked up, patient corrected, invoice unbilled and recycled) and forgets a few. A small
backlog of rejected invoices from almost two years ago is now close to forclusion. The last
days are not sent yet, so every queue holds something. Names and numbers are invented;
deterministic for a seed.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from PIL import Image, ImageDraw

from rejets.cabinets import services as cabinets
from rejets.cabinets.models import Cabinet, Professionnel, Role
from rejets.domain import cotation
from rejets.domain.delais import date_forclusion
from rejets.domain.identifiants import nir
from rejets.domain.ledger import Payeur
from rejets.domain.lifecycle import Etat, TransitionInterdite, TypePartie
from rejets.domain.repartition import CouvertureAmc, Repartition, repartir
from rejets.domain.tarifs import Catalogue
from rejets.factures import prevention
from rejets.factures import services as factures
from rejets.factures.models import Facture, MoyenPaiement, Rejet, TiersPayant
from rejets.patients.models import ContratAMC, Patient, PeriodeDroits, Prescription
from rejets.referentiels.codes import charger_codes_livres
from rejets.referentiels.models import Organisme, OrganismeDestinataire, TypeOrganisme
from rejets.referentiels.tod import importer_tod_exemple
from rejets.simulateur.caisse import Simulateur
from rejets.transmission import lots, pieces
from rejets.transmission import services as transmission
from rejets.transmission.adaptateurs import adaptateur_configure
from rejets.transmission.models import Mode, TypePiece

IDENTIFIANT_DEMO = "demo"
MOT_DE_PASSE_DEMO = "demo-rejets"
CODE_CABINET_DEMO = "tilleuls"
VOLUME_PAR_DEFAUT = 2000
GRAINE_PAR_DEFAUT = 2026
VISITES_PAR_PATIENT_ET_PAR_MOIS = 2.4


@dataclass(frozen=True)
class Infirmier:
    nom: str
    prenom: str
    numero_am: str
    rpps: str
    identifiant: str


@dataclass(frozen=True)
class CabinetDemo:
    code: str
    nom: str
    caisse: str
    commune: str
    infirmiers: tuple[Infirmier, ...]


CABINETS = (
    CabinetDemo(
        "tilleuls",
        "Cabinet infirmier des Tilleuls",
        "751",
        "75056",
        (
            Infirmier("Roux", "Claire", "751000018", "10003456788", "claire"),
            Infirmier("Blanc", "Hugo", "751000026", "10004567891", "hugo"),
        ),
    ),
    CabinetDemo(
        "glycines",
        "Cabinet infirmier des Glycines",
        "691",
        "69123",
        (Infirmier("Garnier", "Sophie", "691000012", "10005678903", "sophie"),),
    ),
    CabinetDemo(
        "oliviers",
        "Cabinet infirmier des Oliviers",
        "131",
        "13055",
        (Infirmier("Benali", "Karim", "131000015", "10006789015", "karim"),),
    ),
)

MUTUELLES = (
    ("9999000001", "Mutuelle Horizon (exemple)"),
    ("9999000002", "Mutuelle Solidaire (exemple)"),
    ("9999000003", "Prévoyance des Familles (exemple)"),
)


@dataclass(frozen=True)
class Plan:
    """A care plan: the acts of each visit, where, and how often."""

    libelle: str
    actes: tuple[tuple[str, str], ...]
    lieu: cotation.Lieu
    visites_par_mois: int


PLANS = (
    Plan("injection d'insuline", (("AMI", "1"),), cotation.Lieu.DOMICILE, 5),
    Plan("pansement complexe", (("AMI", "4"),), cotation.Lieu.DOMICILE, 4),
    Plan("prise de sang", (("AMI", "1.5"),), cotation.Lieu.DOMICILE, 1),
    Plan("soins d'hygiène", (("AIS", "3"),), cotation.Lieu.DOMICILE, 4),
    Plan("pansement au cabinet", (("AMI", "2"),), cotation.Lieu.CABINET, 2),
)

NOMS = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefevre",
    "Faure",
    "Andre",
    "Mercier",
    "Blanc",
    "Guerin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "Francois",
    "Legrand",
    "Gauthier",
    "Garcia",
    "Perrin",
    "Robin",
    "Clement",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
]
PRENOMS_F = [
    "Jeanne",
    "Marcelle",
    "Simone",
    "Lucienne",
    "Denise",
    "Yvette",
    "Paulette",
    "Odette",
    "Germaine",
    "Suzanne",
    "Madeleine",
    "Colette",
    "Ginette",
    "Monique",
    "Josette",
    "Huguette",
    "Raymonde",
    "Irène",
    "Hélène",
    "Éliane",
]
PRENOMS_H = [
    "Louis",
    "Paul",
    "André",
    "Roger",
    "Marcel",
    "Henri",
    "Georges",
    "René",
    "Robert",
    "Lucien",
    "Maurice",
    "Raymond",
    "Pierre",
    "Jacques",
    "Gérard",
    "Bernard",
    "Michel",
    "Claude",
    "Jean",
    "Émile",
]


@dataclass
class PatientDemo:
    patient: Patient
    professionnel: Professionnel
    plan: Plan
    debut: date
    fin: date
    mutuelle: Organisme | None
    prescriptions: list[Prescription] = field(default_factory=list)


@dataclass
class RapportDemo:
    cabinets: int = 0
    patients: int = 0
    factures: int = 0
    lots: int = 0
    fichiers_collectes: int = 0
    recyclees: int = 0
    degradees: int = 0

    def resume(self) -> str:
        return (
            f"{self.cabinets} cabinets, {self.patients} patients, {self.factures} factures, "
            f"{self.lots} lots envoyés au simulateur, {self.fichiers_collectes} fichiers de "
            f"retour importés, {self.recyclees} factures recyclées après rejet, "
            f"{self.degradees} en mode dégradé."
        )


def _nir(hasard: random.Random, sexe: int, naissance: date, commune: str) -> str:
    ordre = hasard.randint(1, 999)
    corps = f"{sexe}{naissance.year % 100:02d}{naissance.month:02d}{commune}{ordre:03d}"
    return corps + nir.calc_check_digits(corps)


def _signature(nom: str) -> bytes:
    """A drawn signature for the demo's nurses (PNG)."""
    image = Image.new("RGB", (360, 120), "white")
    dessin = ImageDraw.Draw(image)
    x = 20
    for i, lettre in enumerate(nom):
        hauteur = 40 + (ord(lettre) * 7 + i * 13) % 30
        dessin.line([(x, 80), (x + 14, 80 - hauteur), (x + 28, 82)], fill=(10, 20, 90), width=3)
        x += 26
    dessin.line([(20, 95), (x, 90)], fill=(10, 20, 90), width=2)
    flux = io.BytesIO()
    image.save(flux, format="PNG")
    return flux.getvalue()


def _scan_ordonnance() -> bytes:
    """A scanned prescription (a one-page PDF, as a scanner writes it)."""
    image = Image.new("L", (420, 594), 250)
    dessin = ImageDraw.Draw(image)
    for y in range(60, 520, 28):
        dessin.line([(40, y), (380 - (y * 7) % 120, y)], fill=90, width=2)
    flux = io.BytesIO()
    image.save(flux, format="PDF", resolution=72)
    return flux.getvalue()


class _Demo:
    def __init__(
        self,
        *,
        graine: int,
        volume: int,
        aujourd_hui: date,
        progression: Callable[[str], None] | None,
    ) -> None:
        self.hasard = random.Random(graine)
        self.graine = graine
        self.volume = volume
        self.aujourd_hui = aujourd_hui
        self.debut = aujourd_hui - timedelta(days=365)
        self.progression = progression or (lambda _message: None)
        self.rapport = RapportDemo()
        self.catalogue: Catalogue = prevention.catalogue_en_vigueur()
        self.adaptateur = adaptateur_configure("simulateur")
        self.simulateur: Simulateur = self.adaptateur.simulateur  # type: ignore[attr-defined]
        self.systeme = cabinets.utilisateur_systeme()
        self.cabinets: list[Cabinet] = []
        self.patients: list[PatientDemo] = []
        self.mutuelles: list[Organisme] = []
        self.rejets_vus: set[int] = set()
        self.a_reprendre: list[tuple[date, Rejet]] = []
        self.scan = _scan_ordonnance()
        self.caisses: dict[tuple[str, str, str], Organisme | None] = {}
        self.suivis: dict[int, PatientDemo] = {}

    # ------------------------------------------------------------------ people and files

    def creer_monde(self) -> None:
        if not OrganismeDestinataire.objects.exists():
            importer_tod_exemple()
        charger_codes_livres()
        modele = get_user_model()
        facturiere = modele.objects.create_user(
            IDENTIFIANT_DEMO, password=MOT_DE_PASSE_DEMO, first_name="Camille", last_name="Lemaire"
        )
        self.facturiere: User = facturiere
        for code, libelle in MUTUELLES:
            organisme, _ = Organisme.objects.get_or_create(
                type=TypeOrganisme.MUTUELLE, code=code, defaults={"libelle": libelle}
            )
            self.mutuelles.append(organisme)
        patients_par_infirmier = max(
            2,
            round(
                self.volume
                / (12 * VISITES_PAR_PATIENT_ET_PAR_MOIS * sum(len(c.infirmiers) for c in CABINETS))
            ),
        )
        debut_plage = 900_000_001
        for c in CABINETS:
            cabinet = cabinets.creer_cabinet(code=c.code, nom=c.nom)
            self.cabinets.append(cabinet)
            cabinets.ajouter_membre(utilisateur=facturiere, cabinet=cabinet, role=Role.FACTURIERE)
            for inf in c.infirmiers:
                pro = cabinets.creer_professionnel(
                    cabinet=cabinet,
                    nom=inf.nom,
                    prenom=inf.prenom,
                    numero_am=inf.numero_am,
                    rpps=inf.rpps,
                    numero_debut=debut_plage,
                    numero_fin=debut_plage + 999_998,
                )
                debut_plage += 1_000_000
                utilisateur = modele.objects.create_user(
                    inf.identifiant, password=MOT_DE_PASSE_DEMO, first_name=inf.prenom
                )
                cabinets.ajouter_membre(
                    utilisateur=utilisateur, cabinet=cabinet, role=Role.PRATICIEN
                )
                cabinets.enregistrer_signature(professionnel=pro, image=_signature(inf.nom))
                for _ in range(patients_par_infirmier):
                    self.patients.append(self._patient(cabinet, c, pro))
        self.rapport.cabinets = len(self.cabinets)
        self.rapport.patients = len(self.patients)

    def _patient(self, cabinet: Cabinet, c: CabinetDemo, pro: Professionnel) -> PatientDemo:
        h = self.hasard
        femme = h.random() < 0.6
        naissance = date(h.randint(1930, 1975), h.randint(1, 12), h.randint(1, 28))
        ald = h.random() < 0.4
        regime = "02" if h.random() < 0.08 else "01"
        patient = Patient.objects.create(
            cabinet=cabinet,
            nir=_nir(h, 2 if femme else 1, naissance, c.commune),
            nom=h.choice(NOMS),
            prenom=h.choice(PRENOMS_F if femme else PRENOMS_H),
            date_naissance=naissance,
            regime=regime,
            caisse=c.caisse,
            centre="0000",
            exoneration="4" if ald else "0",
            taux_remboursement=100 if ald else 60,
        )
        ouverture = self.aujourd_hui - timedelta(days=3 * 365)
        PeriodeDroits.objects.create(cabinet=cabinet, patient=patient, debut=ouverture)
        mutuelle = h.choice(self.mutuelles) if h.random() < 0.55 else None
        if mutuelle is not None:
            ContratAMC.objects.create(
                cabinet=cabinet,
                patient=patient,
                organisme=mutuelle,
                contrat=f"C{h.randint(100000, 999999)}",
                debut=ouverture,
            )
        debut = self.debut + timedelta(days=h.randint(0, 200) if h.random() < 0.4 else 0)
        fin = self.aujourd_hui if h.random() < 0.8 else debut + timedelta(days=h.randint(60, 200))
        suivi = self.suivis[patient.pk] = PatientDemo(
            patient, pro, h.choice(PLANS), debut, min(fin, self.aujourd_hui), mutuelle
        )
        self._inscrire_aupres_des_organismes(suivi, ouverture)
        return suivi

    def _inscrire_aupres_des_organismes(self, s: PatientDemo, ouverture: date) -> None:
        """The simulator's registers: as the practice knows them, except for a few patients
        whose card was not updated after a move, whose rights closed, or whose mutuelle
        contract ended."""
        h = self.hasard
        p = s.patient
        milieu = self.debut + timedelta(days=h.randint(60, 300))
        ecart = h.random()
        caisse, droits_fin = p.caisse, None
        if ecart < 0.04:
            caisse = {"751": "921", "691": "381", "131": "061"}.get(p.caisse, "751")
        elif ecart < 0.06:
            droits_fin = milieu
        self.simulateur.inscrire_assure(
            nir=p.nir,
            rang=p.rang,
            regime=p.regime,
            caisse=caisse,
            centre=p.centre,
            droits_debut=ouverture,
            droits_fin=droits_fin,
            exoneration=p.exoneration,
            nature_assurance=p.nature_assurance,
        )
        if s.mutuelle is not None:
            fin_contrat = milieu if h.random() < 0.05 else None
            self.simulateur.inscrire_contrat(
                nir=p.nir, rang=p.rang, numero_amc=s.mutuelle.code, debut=ouverture, fin=fin_contrat
            )

    # ------------------------------------------------------------------ one visit

    def _caisse(self, p: Patient) -> Organisme | None:
        """The patient's caisse, as the Table des Organismes Destinataires names it."""
        return lots.caisse_destinataire(p.regime, p.caisse, p.centre, self.caisses)

    def _prescription(self, s: PatientDemo, jour: date) -> Prescription:
        valides = [p for p in s.prescriptions if 0 < (jour - p.date).days < 180]
        if valides:
            return valides[-1]
        p = Prescription.objects.create(
            cabinet=s.patient.cabinet,
            patient=s.patient,
            prescripteur_nom=f"Dr {self.hasard.choice(NOMS)}",
            prescripteur_rpps=f"1000{self.hasard.randint(1000000, 9999999)}",
            date=jour - timedelta(days=self.hasard.randint(2, 6)),
            a_domicile=s.plan.lieu is cotation.Lieu.DOMICILE,
        )
        s.prescriptions.append(p)
        return p

    def facturer(self, s: PatientDemo, jour: date) -> Facture:
        """One visit: valued by the engine, split by the répartition, in brouillon."""
        h = self.hasard
        seance = cotation.Seance(
            actes=[cotation.Acte(code, Decimal(coef)) for code, coef in s.plan.actes],
            date=jour,
            heure=time(h.randint(7, 11), h.choice((0, 15, 30, 45))),
            lieu=s.plan.lieu,
            prescription=cotation.Prescription(a_domicile=s.plan.lieu is cotation.Lieu.DOMICILE),
            distance_km=Decimal("1.5") if s.plan.lieu is cotation.Lieu.DOMICILE else None,
            meme_commune=True if s.plan.lieu is cotation.Lieu.DOMICILE else None,
        )
        lignes = cotation.coter(seance, self.catalogue).facturees()
        p = s.patient
        mutuelle = s.mutuelle

        def repartition(mutuelle: Organisme | None) -> Repartition:
            return repartir(
                [ligne.montant for ligne in lignes],
                nature_assurance=p.nature_assurance,
                exoneration=p.exoneration,
                le=jour,
                taux_droits=p.taux_remboursement,
                amc=CouvertureAmc() if mutuelle else None,
                tiers_payant=TiersPayant.AMO_AMC if mutuelle else TiersPayant.AMO,
                catalogue=self.catalogue,
            )

        parts = repartition(mutuelle)
        if mutuelle is not None and parts.amc == 0:
            mutuelle = None
            parts = repartition(None)
        tiers_payant = TiersPayant.AMO_AMC if mutuelle else TiersPayant.AMO
        caisse = self._caisse(p)
        return factures.creer_facture(
            cabinet=p.cabinet,
            professionnel=s.professionnel,
            patient=p,
            prescription=self._prescription(s, jour),
            actes=[
                factures.LigneActe(
                    date=jour,
                    heure=seance.heure,
                    lettre_cle=ligne.code,
                    coefficient=ligne.coefficient,
                    lieu=s.plan.lieu.value,
                    distance_km=seance.distance_km,
                    meme_commune=seance.meme_commune,
                    montant=ligne.montant,
                )
                for ligne in lignes
            ],
            part_amo=parts.amo,
            part_amc=parts.amc,
            part_patient=parts.assure,
            tiers_payant=tiers_payant,
            organisme_amo=caisse,
            organisme_amc=mutuelle,
            utilisateur=self.facturiere,
        )

    def preparer_et_securiser(
        self, f: Facture, jour: date, *, securiser: bool = True, patient_paie: bool = True
    ) -> None:
        """Prepared (pre-send checks), secured (2 % in mode dégradé), the patient part paid at
        the visit; a recycled invoice's patient part is the deposit of the one it replaces."""
        try:
            factures.preparer(facture=f, utilisateur=self.facturiere)
        except factures.OperationRefusee:
            return
        if not securiser:
            return
        degrade = self.hasard.random() < 0.02
        transmission.securiser(
            facture=f,
            utilisateur=self.facturiere,
            le=jour,
            mode=Mode.DEGRADE if degrade else Mode.VITALE,
            adaptateur=self.adaptateur,
        )
        if degrade:
            self.rapport.degradees += 1
            if (self.aujourd_hui - jour).days > 14:
                pieces.attacher_piece(
                    facture=f,
                    type=TypePiece.PRESCRIPTION,
                    octets=self.scan,
                    nom_fichier=f"ordonnance-{f.numero}.pdf",
                    utilisateur=self.facturiere,
                )
        if f.part_patient and patient_paie:
            factures.enregistrer_paiement(
                facture=f,
                payeur=Payeur.PATIENT,
                montant=f.part_patient,
                le=jour,
                moyen=self.hasard.choice((MoyenPaiement.CHEQUE, MoyenPaiement.ESPECES)),
                utilisateur=self.facturiere,
            )

    # ------------------------------------------------------------------ the weekly round

    def envoyer_et_collecter(self, jour: date) -> None:
        for cabinet in self.cabinets:
            construits = lots.construire_lots(cabinet=cabinet, utilisateur=self.facturiere, le=jour)
            self.rapport.lots += len(construits.lots)
            lots.envoyer_lots(
                cabinet=cabinet, utilisateur=self.facturiere, le=jour, adaptateur=self.adaptateur
            )
        collecte = lots.collecter(
            utilisateur=self.facturiere, le=jour, perimetre=None, adaptateur=self.adaptateur
        )
        self.rapport.fichiers_collectes += len(collecte.retours)
        nouveaux = Rejet.objects.exclude(pk__in=self.rejets_vus).select_related("facture")
        for rejet in nouveaux:
            self.rejets_vus.add(rejet.pk)
            if self.hasard.random() < 0.78:
                self.a_reprendre.append(
                    (rejet.date + timedelta(days=self.hasard.randint(10, 35)), rejet)
                )

    def reprendre_les_rejets(self, jour: date) -> None:
        """The biller works the rejections due: looks the rights up (as with ADRi) and
        corrects the patient, then unbills and rebills. Rights closed: the care stops being
        billed to the caisse; a mutuelle contract ended: the patient's file loses it and the
        next invoices go without the AMC."""
        restants = []
        for echeance, rejet in self.a_reprendre:
            if echeance > jour:
                restants.append((echeance, rejet))
                continue
            f = Facture.objects.get(pk=rejet.facture_id)
            s = self.suivis[f.patient_id]
            p = s.patient
            droits = self.simulateur.droits(nir=p.nir, rang=p.rang, le=f.date_soins)
            if rejet.partie == TypePartie.DRE:
                if s.mutuelle is not None and not any(
                    c.numero_amc == s.mutuelle.code and c.valide for c in droits.contrats
                ):
                    ContratAMC.objects.filter(patient=p).update(
                        fin=f.date_soins - timedelta(days=1)
                    )
                    s.mutuelle = None
                continue
            if f.etat != Etat.REJETEE:
                continue
            if not droits.connu or not droits.droits_ouverts:
                s.fin = min(s.fin, jour)
                continue
            if (droits.regime, droits.caisse) != (p.regime, p.caisse):
                Patient.objects.filter(pk=p.pk).update(regime=droits.regime, caisse=droits.caisse)
                p.refresh_from_db()
            try:
                factures.defacturer(
                    facture=f,
                    utilisateur=self.facturiere,
                    le=jour,
                    commentaire=f"Rejet {rejet.code} : vérifié et refacturé.",
                )
                nouvelle = factures.recycler(
                    facture=f, utilisateur=self.facturiere, le=jour
                ).facture
            except (factures.OperationRefusee, TransitionInterdite):
                continue
            if (nouvelle.regime, nouvelle.caisse) != (p.regime, p.caisse):
                Facture.objects.filter(pk=nouvelle.pk).update(regime=p.regime, caisse=p.caisse)
                nouvelle.refresh_from_db()
            self.preparer_et_securiser(nouvelle, jour, patient_paie=False)
            self.rapport.recyclees += 1
        self.a_reprendre = restants

    # ------------------------------------------------------------------ the year

    def arriere_proche_de_la_forclusion(self) -> None:
        """A few invoices of almost two years ago, rejected and forgotten: their forclusion
        (L.332-1 CSS) falls within the next weeks."""
        seuil = self.aujourd_hui + timedelta(days=20)
        mois = (seuil.month - 1) // 3 * 3 + 4
        forclusion = date(seuil.year + 1, 1, 1) if mois > 12 else date(seuil.year, mois, 1)
        fin = forclusion.replace(year=forclusion.year - 2) - timedelta(days=1)
        debut = fin.replace(day=1) - timedelta(days=60)
        nombre = max(3, self.volume // 300)
        choisis = self.hasard.sample(self.patients, min(nombre, len(self.patients)))
        codes = ("SD90", "SC90", "SP90")
        jours: list[tuple[date, PatientDemo]] = sorted(
            (debut + timedelta(days=self.hasard.randint(0, (fin - debut).days)), s) for s in choisis
        )
        for jour, s in jours:
            assert date_forclusion(jour) > self.aujourd_hui
            f = self.facturer(s, jour)
            self.preparer_et_securiser(f, jour)
            self.simulateur.forcer(
                partie="FSE",
                numero_ps=s.professionnel.numero_am,
                numero_facture=f.numero,
                issue="rejet",
                code=self.hasard.choice(codes),
            )
            self.rapport.factures += 1
            self.envoyer_et_collecter(jour + timedelta(days=3))
            self.rejets_vus.update(Rejet.objects.values_list("pk", flat=True))
            self.a_reprendre.clear()
        self.envoyer_et_collecter(jours[-1][0] + timedelta(days=40))
        self.rejets_vus.update(Rejet.objects.values_list("pk", flat=True))
        self.a_reprendre.clear()

    def visites(self) -> dict[date, list[PatientDemo]]:
        h = self.hasard
        par_jour: dict[date, list[PatientDemo]] = {}
        for s in self.patients:
            mois = s.debut.replace(day=1)
            while mois <= s.fin:
                nombre = max(0, s.plan.visites_par_mois + h.randint(-1, 1))
                longueur = ((mois.replace(day=28) + timedelta(days=4)).replace(day=1) - mois).days
                for jour_du_mois in sorted(h.sample(range(1, longueur + 1), min(nombre, longueur))):
                    jour = mois.replace(day=jour_du_mois)
                    if s.debut <= jour < s.fin:
                        par_jour.setdefault(jour, []).append(s)
                mois = (mois.replace(day=28) + timedelta(days=4)).replace(day=1)
        return par_jour

    def annee(self) -> None:
        par_jour = self.visites()
        jour = self.debut
        mois_annonce = None
        while jour < self.aujourd_hui:
            if jour.month != mois_annonce:
                mois_annonce = jour.month
                self.progression(f"Démo : {jour:%m/%Y}…")
            recent = (self.aujourd_hui - jour).days
            for s in par_jour.get(jour, []):
                if jour >= s.fin:
                    continue
                f = self.facturer(s, jour)
                self.rapport.factures += 1
                if recent <= 1 and self.hasard.random() < 0.5:
                    continue
                self.preparer_et_securiser(f, jour, securiser=recent > 2)
            if jour.weekday() == 4 and recent > 3:
                self.envoyer_et_collecter(jour)
                self.reprendre_les_rejets(jour)
            jour += timedelta(days=1)
        lots.collecter(
            utilisateur=self.facturiere,
            le=self.aujourd_hui,
            perimetre=None,
            adaptateur=self.adaptateur,
        )


@transaction.atomic
def charger_demo(
    aujourd_hui: date | None = None,
    *,
    graine: int = GRAINE_PAR_DEFAUT,
    volume: int = VOLUME_PAR_DEFAUT,
    progression: Callable[[str], None] | None = None,
) -> RapportDemo | None:
    """Create the demo practices once; return None when they already exist."""
    if Cabinet.objects.filter(code=CODE_CABINET_DEMO).exists():
        return None
    from auditlog.context import disable_auditlog

    with disable_auditlog():
        return _charger(aujourd_hui, graine=graine, volume=volume, progression=progression)


def _charger(
    aujourd_hui: date | None,
    *,
    graine: int,
    volume: int,
    progression: Callable[[str], None] | None,
) -> RapportDemo:
    """The demo's year is seeded data: its history lives in the invoices' events, not in the
    change log of the audit trail (which records what people do)."""
    from rejets.core import horloge

    demo = _Demo(
        graine=graine,
        volume=volume,
        aujourd_hui=aujourd_hui or horloge.aujourd_hui(),
        progression=progression,
    )
    demo.creer_monde()
    demo.arriere_proche_de_la_forclusion()
    demo.annee()
    from rejets.suivi.echeances import executer

    executer(le=demo.aujourd_hui, utilisateur=demo.facturiere)
    return demo.rapport
