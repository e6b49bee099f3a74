"""Random mixes of rejections, défacturations, recyclings, patient billing and payments over
many invoices: no money appears or disappears (the bank holds exactly what was paid, deposits
never go negative, the whole book verifies), and every recycled chain ends on exactly one live
invoice."""

import contextlib
from datetime import timedelta

from django.db import transaction
from django.db.models import Sum
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from rejets.compta.models import Ecriture
from rejets.compta.selectors import bilan_facture
from rejets.compta.verification import verifier
from rejets.domain.ledger import Compte, Payeur
from rejets.domain.lifecycle import Etat, TransitionInterdite, TypePartie
from rejets.factures import services
from rejets.factures.models import Acompte, Facture, Paiement, UtilisationAcompte
from rejets.lots.models import Lot
from rejets.recyclage import services as recyclage
from rejets.transmission import services as transmission

from .conftest import JOUR, Monde

FSE, DRE = TypePartie.FSE, TypePartie.DRE
PLUS_TARD = JOUR + timedelta(days=15)
REFUS = (TransitionInterdite, services.OperationRefusee)


class Recyclages(RuleBasedStateMachine):
    factures = Bundle("factures")

    @initialize()
    def ouvrir(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.monde = Monde("r")
        self.u = self.monde.utilisateur
        self.lots = {
            p: Lot.objects.create(
                cabinet=self.monde.cabinet, professionnel=self.monde.pro, numero="1", type_partie=p
            )
            for p in (FSE, DRE)
        }

    def teardown(self):
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    def _envoyer(self, f):
        """Secure and transmit a prête invoice (a recycled one too)."""
        transmission.securiser(facture=f, utilisateur=self.u, le=JOUR)
        for partie in services.etats_parties(f):
            services.transmettre(
                facture=f, partie=partie, lot=self.lots[partie], le=JOUR, utilisateur=self.u
            )

    @rule(target=factures, amc=st.booleans(), patient_paie=st.booleans())
    def creer(self, amc, patient_paie):
        f = self.monde.facture(amo=600, amc=400 if amc else 0, patient=0 if amc else 400)
        f.actes.update(montant=1000)
        services.preparer(facture=f, utilisateur=self.u)
        self._envoyer(f)
        if patient_paie and f.part_patient:
            services.enregistrer_paiement(
                facture=f,
                payeur=Payeur.PATIENT,
                montant=f.part_patient,
                le=JOUR,
                utilisateur=self.u,
            )
        return f

    def _derniere(self, facture):
        """The live end of the invoice's recycled chain."""
        f = Facture.objects.get(pk=facture.pk)
        while True:
            suivante = Facture.objects.filter(recyclee_de=f).first()
            if suivante is None:
                return f
            f = suivante

    @rule(facture=factures, partie=st.sampled_from([FSE, DRE]))
    def rejeter(self, facture, partie):
        f = self._derniere(facture)
        with contextlib.suppress(REFUS):
            services.rejeter(
                facture=f, partie=partie, code="SD02", libelle="DROITS", le=JOUR, utilisateur=self.u
            )

    @rule(facture=factures)
    def defacturer(self, facture):
        with contextlib.suppress(REFUS):
            recyclage.defacturer(facture=self._derniere(facture), utilisateur=self.u, le=PLUS_TARD)

    @rule(facture=factures, envoyer=st.booleans())
    def recycler(self, facture, envoyer):
        try:
            r = recyclage.recycler(
                facture=self._derniere(facture), utilisateur=self.u, le=PLUS_TARD
            )
        except REFUS:
            return
        if envoyer:
            self._envoyer(r.nouvelle)

    @rule(facture=factures, partie=st.sampled_from([FSE, DRE]))
    def facturer_patient(self, facture, partie):
        with contextlib.suppress(REFUS):
            recyclage.facturer_patient(
                facture=self._derniere(facture),
                partie=partie,
                motif="refus",
                utilisateur=self.u,
                le=PLUS_TARD,
            )

    @rule(facture=factures, partie=st.sampled_from([FSE, DRE]))
    def abandonner(self, facture, partie):
        with contextlib.suppress(REFUS):
            recyclage.abandonner(
                facture=self._derniere(facture),
                partie=partie,
                motif="abandon",
                utilisateur=self.u,
                le=PLUS_TARD,
            )

    @rule(
        facture=factures,
        payeur=st.sampled_from(list(Payeur)),
        fraction=st.sampled_from([1, 2]),
    )
    def payer(self, facture, payeur, fraction):
        f = self._derniere(facture)
        reste = bilan_facture(f).reste_du[payeur]
        if reste <= 0:
            return
        with contextlib.suppress(REFUS):
            services.enregistrer_paiement(
                facture=f,
                payeur=payeur,
                montant=max(1, reste // fraction),
                le=PLUS_TARD,
                utilisateur=self.u,
            )

    @invariant()
    def livre_juste(self):
        if hasattr(self, "monde"):
            assert verifier([self.monde.cabinet]) == []

    @invariant()
    def l_argent_ne_se_cree_ni_ne_se_perd(self):
        if not hasattr(self, "monde"):
            return
        cabinet = self.monde.cabinet
        banque = (
            Ecriture.objects.filter(cabinet=cabinet, compte=Compte.BANQUE).aggregate(
                s=Sum("montant")
            )["s"]
            or 0
        )
        encaisse = Paiement.objects.filter(cabinet=cabinet).aggregate(s=Sum("montant"))["s"] or 0
        assert banque == encaisse
        crees = Acompte.objects.filter(cabinet=cabinet).aggregate(s=Sum("montant"))["s"] or 0
        utilises = (
            UtilisationAcompte.objects.filter(cabinet=cabinet).aggregate(s=Sum("montant"))["s"] or 0
        )
        acomptes = -(
            Ecriture.objects.filter(cabinet=cabinet, compte=Compte.ACOMPTES).aggregate(
                s=Sum("montant")
            )["s"]
            or 0
        )
        assert 0 <= utilises <= crees and acomptes == crees - utilises

    @invariant()
    def chaque_chaine_finit_sur_une_seule_facture_vivante(self):
        if not hasattr(self, "monde"):
            return
        for racine in Facture.objects.filter(cabinet=self.monde.cabinet, recyclee_de=None):
            chaine = [racine]
            while (suivante := Facture.objects.filter(recyclee_de=chaine[-1]).first()) is not None:
                chaine.append(suivante)
            assert all(f.etat == Etat.RECYCLEE for f in chaine[:-1])
            assert chaine[-1].etat != Etat.RECYCLEE


def test_recyclages_aleatoires(db, settings, tmp_path):
    settings.REJETS_FICHIERS_DIR = tmp_path / "fichiers"
    reglages = hypothesis_settings(
        hypothesis_settings.default,
        stateful_step_count=20,
        max_examples=min(30, hypothesis_settings.default.max_examples),
    )
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(Recyclages, settings=reglages)
