"""Random sequences of lifecycle events over many invoices, through the real services and
database. After every step: every journal balanced, billed = paid + written off + outstanding
for every invoice, states agreeing with postings (the whole `compta verifier`), no forbidden
transition accepted, and no event or posting ever changed."""

from django.db import transaction
from django.db.models import Sum
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from rejets.compta.models import Ecriture
from rejets.compta.selectors import bilan_facture
from rejets.compta.verification import verifier
from rejets.domain import lifecycle
from rejets.domain.ledger import Payeur
from rejets.domain.lifecycle import Etat, Evenement, TransitionInterdite, TypePartie
from rejets.factures import services
from rejets.factures.models import EvenementFacture, Facture
from rejets.lots.models import Lot
from rejets.transmission import services as transmission

from .conftest import JOUR, Monde

FSE, DRE = TypePartie.FSE, TypePartie.DRE
PAYEUR = services.PAYEUR_DE_LA_PARTIE
GLOBAUX = {Evenement.PREPARER, Evenement.MODIFIER, Evenement.SECURISER, Evenement.EXPORTER}
DRE_APRES_LA_FSE = {Evenement.ABANDONNER, Evenement.FACTURER_PATIENT, Evenement.FACTURER_MUTUELLE}
"""A DRE waits while its FSE is rejected (DOMAIN.md section 3)."""


class CycleDeVie(RuleBasedStateMachine):
    factures = Bundle("factures")

    @initialize()
    def ouvrir(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.monde = Monde("h")
        self.lot = {
            p: Lot.objects.create(
                cabinet=self.monde.cabinet,
                professionnel=self.monde.pro,
                numero="001",
                type_partie=p,
            )
            for p in (FSE, DRE)
        }
        self.vus_ecritures: dict[int, tuple] = {}
        self.vus_evenements: dict[int, tuple] = {}

    def teardown(self):
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    @rule(
        target=factures,
        amo=st.integers(1, 5000),
        amc=st.sampled_from([0, 0, 700]),
        patient=st.integers(0, 3000),
    )
    def creer(self, amo, amc, patient):
        return self.monde.facture(amo=amo, amc=amc, patient=patient)

    @rule(
        facture=factures,
        evenement=st.sampled_from(list(Evenement)),
        partie=st.sampled_from([FSE, DRE]),
        fraction=st.sampled_from([1, 2]),
    )
    def evenement(self, facture, evenement, partie, fraction):
        f = Facture.objects.get(pk=facture.pk)
        etats = services.etats_parties(f)
        if evenement in GLOBAUX:
            permis = any(lifecycle.est_permise(evenement, etats, p) for p in etats)
        else:
            permis = lifecycle.est_permise(evenement, etats, partie)
        if evenement in {Evenement.PAYER, Evenement.PAYER_PARTIELLEMENT} and permis:
            reste = bilan_facture(f).reste_du[PAYEUR[partie]]
            permis = reste > 0 and (evenement is Evenement.PAYER or reste > 1)
        if evenement is Evenement.DEFACTURER and permis:
            permis = services.paye_par_les_organismes(f) == 0
        if evenement in DRE_APRES_LA_FSE and permis and partie is DRE:
            permis = etats.get(FSE) is not Etat.REJETEE
        if evenement is Evenement.FACTURER_MUTUELLE and permis:
            permis = partie is DRE
        try:
            self.appliquer(f, evenement, partie, fraction)
        except (TransitionInterdite, services.OperationRefusee) as refus:
            assert not permis, f"{evenement} refusé alors que permis : {refus}"
            f.refresh_from_db()
            assert services.etats_parties(f) == etats
            return
        assert permis, f"{evenement} accepté depuis {etats}"

    def appliquer(self, f, evenement, partie, fraction):
        u = self.monde.utilisateur
        E = Evenement
        if evenement is E.PREPARER:
            services.preparer(facture=f, utilisateur=u)
        elif evenement is E.MODIFIER:
            services.remettre_en_brouillon(facture=f, utilisateur=u)
        elif evenement is E.SECURISER:
            transmission.securiser(facture=f, utilisateur=u, le=JOUR)
        elif evenement is E.EXPORTER:
            services.exporter(facture=f, utilisateur=u, le=JOUR)
        elif evenement in {E.TRANSMETTRE, E.RETRANSMETTRE}:
            a_retransmettre = services.etats_parties(f).get(partie) is Etat.A_RETRANSMETTRE
            if a_retransmettre != (evenement is E.RETRANSMETTRE):
                raise TransitionInterdite(f.numero, evenement, Etat(f.etat), partie)
            services.transmettre(
                facture=f, partie=partie, lot=self.lot[partie], le=JOUR, utilisateur=u
            )
        elif evenement in {E.ARL_POSITIF, E.ARL_NEGATIF}:
            services.recevoir_arl(
                facture=f, partie=partie, positif=evenement is E.ARL_POSITIF, utilisateur=u
            )
        elif evenement is E.METTRE_EN_TRAITEMENT_CAISSE:
            services.mettre_en_traitement_caisse(facture=f, partie=partie, utilisateur=u)
        elif evenement in {E.PAYER, E.PAYER_PARTIELLEMENT}:
            if partie not in services.etats_parties(f):
                raise TransitionInterdite(f.numero, evenement, Etat(f.etat), partie)
            reste = bilan_facture(f).reste_du[PAYEUR[partie]]
            montant = reste if evenement is E.PAYER else reste // (fraction + 1)
            if evenement is E.PAYER_PARTIELLEMENT and not 0 < montant < reste:
                raise services.OperationRefusee("montant partiel impossible")
            if not lifecycle.est_permise(evenement, services.etats_parties(f), partie):
                raise TransitionInterdite(f.numero, evenement, Etat(f.etat), partie)
            services.enregistrer_paiement(
                facture=f, payeur=PAYEUR[partie], montant=montant, le=JOUR, utilisateur=u
            )
        elif evenement is E.INDU:
            if not lifecycle.est_permise(evenement, services.etats_parties(f), partie):
                raise TransitionInterdite(f.numero, evenement, Etat(f.etat), partie)
            paye = f.paiements.filter(payeur=PAYEUR[partie]).aggregate(s=Sum("montant"))["s"]
            services.enregistrer_indu(
                facture=f,
                payeur=PAYEUR[partie],
                montant=max(1, paye // fraction),
                code="IND01",
                libelle="INDU",
                le=JOUR,
                utilisateur=u,
                retenu=fraction == 1,
            )
        elif evenement is E.REJETER:
            services.rejeter(
                facture=f, partie=partie, code="R1", libelle="REJET", le=JOUR, utilisateur=u
            )
        elif evenement is E.ABANDONNER:
            services.abandonner(facture=f, partie=partie, motif="test", utilisateur=u, le=JOUR)
        elif evenement is E.FACTURER_PATIENT:
            services.facturer_patient(
                facture=f, partie=partie, motif="test", utilisateur=u, le=JOUR
            )
        elif evenement is E.FACTURER_MUTUELLE:
            services.facturer_mutuelle(
                facture=f, partie=partie, motif="test", utilisateur=u, le=JOUR
            )
        elif evenement is E.FORCLORE:
            services.forclore(facture=f, partie=partie, utilisateur=u, le=JOUR)
        elif evenement is E.ANNULER:
            services.annuler(facture=f, utilisateur=u, le=JOUR)
        elif evenement is E.DEFACTURER:
            services.defacturer(facture=f, utilisateur=u, le=JOUR)
        elif evenement is E.RECYCLER:
            services.recycler(facture=f, utilisateur=u, le=JOUR)

    @rule(facture=factures, montant=st.integers(1, 3000))
    def paiement_patient(self, facture, montant):
        f = Facture.objects.get(pk=facture.pk)
        try:
            services.enregistrer_paiement(
                facture=f,
                payeur=Payeur.PATIENT,
                montant=montant,
                le=JOUR,
                utilisateur=self.monde.utilisateur,
            )
        except services.OperationRefusee:
            assert (
                montant > bilan_facture(f).reste_du[Payeur.PATIENT]
                or not services.est_facturee(f)
                or f.etat in {"defacturee", "recyclee", "annulee"}
            )

    @invariant()
    def livre_juste(self):
        if hasattr(self, "monde"):
            assert verifier([self.monde.cabinet]) == []

    @invariant()
    def rien_n_est_jamais_modifie(self):
        if not hasattr(self, "monde"):
            return
        for modele, vus, champs in (
            (Ecriture, self.vus_ecritures, ("journal_id", "compte", "montant", "facture_id")),
            (
                EvenementFacture,
                self.vus_evenements,
                ("evenement", "partie", "etat_avant", "etat_apres", "facture_id"),
            ),
        ):
            actuels = {r[0]: r[1:] for r in modele.objects.values_list("pk", *champs)}
            for pk, valeurs in vus.items():
                assert actuels.get(pk) == valeurs
            vus.update(actuels)


def test_cycle_de_vie_aleatoire(db):
    CycleDeVie.TestCase.settings = settings(
        settings.default, stateful_step_count=25, max_examples=settings.default.max_examples
    )
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(CycleDeVie, settings=CycleDeVie.TestCase.settings)
