"""Writes of the returns: parking money, applying a matched line through the invoice services,
manual matching, and allocating a parked payment. One transaction each; every line ends
applied, unmatched (queued for a person) or refused with its reason."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from rejets.compta.selectors import bilan_facture
from rejets.compta.services import poster
from rejets.domain import ledger, lifecycle
from rejets.domain.ledger import Payeur
from rejets.domain.lifecycle import Etat, Evenement, TypePartie
from rejets.domain.money import format_euros
from rejets.domain.rapprochement import (
    PARTIE_DE_LA_LIGNE,
    PAYEUR_DE_LA_LIGNE,
    Action,
    Decision,
    Issue,
    LigneArl,
    LigneRetour,
    Situation,
    decider,
)
from rejets.factures import services as factures
from rejets.factures.models import Facture, MoyenPaiement, Paiement, SourceRejet
from rejets.lots.models import Arl, Lot

from .correspondance import Correspondance
from .models import LigneRetour as LigneRetourModele
from .models import PaiementEnAttente, StatutLigne, TypeLigne


class LigneDejaTraitee(factures.OperationRefusee):
    """A line that is no longer waiting for a person."""


def valeurs_ligne(c: Correspondance) -> dict[str, Any]:
    """The stored columns of a line, whatever its fate."""
    ligne = c.ligne
    commun = {
        "cabinet_id": c.cabinet_id,
        "numero": ligne.numero,
        "partie": ligne.partie,
        "numero_ps": ligne.numero_ps,
        "numero_lot": ligne.numero_lot,
        "code": ligne.code,
        "facture_id": c.facture_id,
        "suggestion_id": c.suggestion_id,
    }
    if isinstance(ligne, LigneArl):
        return {
            **commun,
            "type": TypeLigne.ARL,
            "issue": "+" if ligne.positif else "-",
            "libelle": ligne.motif,
        }
    return {
        **commun,
        "type": TypeLigne.RETOUR,
        "numero_facture": ligne.numero_facture,
        "nir": ligne.nir,
        "date_soins": ligne.date_soins,
        "organisme": ligne.organisme,
        "montant_demande": ligne.montant_demande,
        "montant_paye": ligne.montant_paye,
        "issue": ligne.issue.value,
        "libelle": ligne.libelle,
        "reference_virement": ligne.reference_virement,
        "date_virement": ligne.date_virement,
    }


def ligne_depuis_modele(m: LigneRetourModele) -> LigneRetour | LigneArl:
    if m.type == TypeLigne.ARL:
        return LigneArl(
            numero=m.numero,
            numero_ps=m.numero_ps,
            partie=m.partie,
            numero_lot=m.numero_lot,
            positif=m.issue == "+",
            code=m.code,
            motif=m.libelle,
        )
    return LigneRetour(
        numero=m.numero,
        partie=m.partie,
        numero_ps=m.numero_ps,
        numero_facture=m.numero_facture,
        issue=Issue(m.issue),
        montant_paye=m.montant_paye,
        montant_demande=m.montant_demande,
        numero_lot=m.numero_lot,
        nir=m.nir,
        date_soins=m.date_soins,
        organisme=m.organisme,
        code=m.code,
        libelle=m.libelle,
        reference_virement=m.reference_virement,
        date_virement=m.date_virement,
    )


def libelle_attente(ligne: LigneRetour) -> str:
    quoi = "Indu non appliqué" if ligne.montant_paye < 0 else "Paiement"
    return f"{quoi} {ligne.partie}, facture {ligne.numero_facture}, ligne {ligne.numero}"


def situation(facture: Facture, partie: TypePartie) -> Situation | None:
    """The matched part as it is now in the book."""
    etats = factures.etats_parties(facture)
    if partie not in etats:
        return None
    payeur = factures.PAYEUR_DE_LA_PARTIE[partie]
    return Situation(
        etats[partie],
        bilan_facture(facture).reste_du.get(payeur, 0),
        factures.paye_par(facture, payeur),
    )


def mettre_en_attente(
    *,
    ligne: LigneRetourModele,
    lue: LigneRetour,
    le: date,
    motif: str,
    utilisateur: User,
) -> PaiementEnAttente:
    """Money no invoice could take: bank against the suspense account, and listed."""
    assert ligne.cabinet is not None and ligne.cabinet_id is not None
    journal = poster(
        journal=ledger.paiement_en_attente(le, lue.montant_paye, libelle_attente(lue)),
        cabinet=ligne.cabinet,
        facture=None,
        evenement=None,
        utilisateur=utilisateur,
    )
    return PaiementEnAttente.objects.create(
        cabinet_id=ligne.cabinet_id,
        ligne=ligne,
        payeur=PAYEUR_DE_LA_LIGNE[lue.partie],
        montant=lue.montant_paye,
        date=le,
        reference=lue.reference_virement,
        motif=motif[:500],
        journal=journal,
    )


def _lot(facture: Facture, partie: TypePartie, numero: str) -> Lot:
    lot, _ = Lot.objects.get_or_create(
        cabinet_id=facture.cabinet_id,
        professionnel_id=facture.professionnel_id,
        type_partie=partie,
        numero=numero,
    )
    return lot


def executer(
    *,
    facture: Facture,
    lue: LigneRetour,
    decision: Decision,
    le: date,
    utilisateur: User,
    retour: Mapping[str, Any] | None = None,
) -> None:
    """Carry out a decision through the invoice services, the return line named in each
    event. An exported part whose return names its lot is first recorded as transmitted in
    that lot by the billing software."""
    partie = PARTIE_DE_LA_LIGNE[lue.partie]
    payeur = PAYEUR_DE_LA_LIGNE[lue.partie]
    if (
        decision.evenement is not None
        and lue.numero_lot
        and factures.etats_parties(facture).get(partie) is Etat.EXPORTEE
    ):
        factures.transmettre(
            facture=facture,
            partie=partie,
            lot=_lot(facture, partie, lue.numero_lot),
            le=le,
            utilisateur=utilisateur,
            retour=retour,
        )
    if decision.action in {Action.PAYER, Action.PAYER_PARTIELLEMENT}:
        factures.enregistrer_paiement(
            facture=facture,
            payeur=payeur,
            montant=lue.montant_paye,
            le=le,
            utilisateur=utilisateur,
            moyen=MoyenPaiement.VIREMENT,
            reference=lue.reference_virement,
            retour=retour,
        )
    elif decision.action is Action.REJETER:
        factures.rejeter(
            facture=facture,
            partie=partie,
            code=lue.code,
            libelle=lue.libelle,
            le=le,
            utilisateur=utilisateur,
            source=SourceRejet.ELECTRONIQUE,
            retour=retour,
        )
    elif decision.action is Action.TRAITEMENT_CAISSE:
        factures.mettre_en_traitement_caisse(
            facture=facture, partie=partie, utilisateur=utilisateur, retour=retour
        )
    elif decision.action is Action.INDU:
        factures.enregistrer_indu(
            facture=facture,
            payeur=payeur,
            montant=-lue.montant_paye,
            code=lue.code,
            libelle=lue.libelle,
            le=le,
            utilisateur=utilisateur,
            retenu=bool(lue.reference_virement),
            reference=lue.reference_virement,
            retour=retour,
        )


def appliquer_ligne(
    c: Correspondance, *, fichier_id: int, le_fichier: date, utilisateur: User
) -> StatutLigne:
    """The line-by-line path: decide, apply through the services. An applied line lives on in
    the events it caused (file and line named); the others are stored for a person."""
    valeurs = {**valeurs_ligne(c), "fichier_id": fichier_id}
    lue = c.ligne
    retour = {"fichier": fichier_id, "ligne": lue.numero}
    if isinstance(lue, LigneArl):
        return _appliquer_arl(c, lue, valeurs, utilisateur, retour)
    le = lue.date_virement or le_fichier
    if c.facture_id is None:
        ligne = LigneRetourModele.objects.create(
            **valeurs, statut=StatutLigne.NON_RAPPROCHEE, motif=c.motif[:500]
        )
        if lue.montant_paye:
            mettre_en_attente(ligne=ligne, lue=lue, le=le, motif=c.motif, utilisateur=utilisateur)
        return StatutLigne.NON_RAPPROCHEE
    facture = Facture.objects.get(pk=c.facture_id)
    decision = decider(lue, situation(facture, PARTIE_DE_LA_LIGNE[lue.partie]))
    if decision.evenement is not None:
        executer(
            facture=facture,
            lue=lue,
            decision=decision,
            le=le,
            utilisateur=utilisateur,
            retour=retour,
        )
        return StatutLigne.APPLIQUEE
    statut = (
        StatutLigne.EN_ATTENTE_AFFECTATION
        if decision.action is Action.ATTENTE
        else StatutLigne.NON_RAPPROCHEE
    )
    ligne = LigneRetourModele.objects.create(**valeurs, statut=statut, motif=decision.motif[:500])
    if decision.action is Action.ATTENTE:
        mettre_en_attente(
            ligne=ligne, lue=lue, le=le, motif=decision.motif, utilisateur=utilisateur
        )
    return statut


def _appliquer_arl(
    c: Correspondance,
    lue: LigneArl,
    valeurs: dict[str, Any],
    utilisateur: User,
    retour: Mapping[str, Any],
) -> StatutLigne:
    """An ARL moves every part of its lot that waits for it; a negative one puts them back to
    be retransmitted in a new lot (DOMAIN.md section 2, step 4)."""
    partie = PARTIE_DE_LA_LIGNE[lue.partie]
    lot = (
        Lot.objects.filter(
            cabinet_id=c.cabinet_id,
            professionnel__numero_am=lue.numero_ps,
            type_partie=partie,
            numero=lue.numero_lot,
        ).first()
        if c.cabinet_id
        else None
    )
    if lot is None:
        motif = c.motif or f"Lot {lue.numero_lot} ({lue.partie}) inconnu pour ce professionnel."
        LigneRetourModele.objects.create(
            **valeurs, statut=StatutLigne.NON_RAPPROCHEE, motif=motif[:500]
        )
        return StatutLigne.NON_RAPPROCHEE
    motif = " ".join(filter(None, [lue.code, lue.motif]))
    appliquees = 0
    for p in lot.partie_set.filter(etat=Etat.TRANSMISE).select_related("facture").order_by("pk"):
        factures.recevoir_arl(
            facture=p.facture,
            partie=partie,
            positif=lue.positif,
            utilisateur=utilisateur,
            motif=motif,
            retour=retour,
        )
        appliquees += 1
    if appliquees or lot.arl == Arl.ATTENDU:
        lot.arl = Arl.POSITIF if lue.positif else Arl.NEGATIF
        lot.save(update_fields=["arl"])
    if not appliquees:
        LigneRetourModele.objects.create(
            **valeurs,
            statut=StatutLigne.NON_RAPPROCHEE,
            motif=f"Aucune facture du lot {lue.numero_lot} n'attend d'ARL.",
        )
        return StatutLigne.NON_RAPPROCHEE
    return StatutLigne.APPLIQUEE


def _ligne_en_file(ligne: LigneRetourModele) -> LigneRetourModele:
    ligne = LigneRetourModele.objects.select_for_update().get(pk=ligne.pk)
    if ligne.statut not in {StatutLigne.NON_RAPPROCHEE, StatutLigne.EN_ATTENTE_AFFECTATION}:
        raise LigneDejaTraitee(
            f"La ligne {ligne.numero} est « {StatutLigne(ligne.statut).label} » : "
            "elle n'attend plus personne."
        )
    return ligne


@transaction.atomic
def rapprocher(
    *, ligne: LigneRetourModele, facture: Facture, utilisateur: User, le: date | None = None
) -> Decision:
    """Manual matching: a person names the invoice of a queued line. Its outcome is applied as
    an import would; parked money is allocated to the invoice instead of paid again."""
    ligne = _ligne_en_file(ligne)
    if facture.cabinet_id != ligne.cabinet_id:
        raise factures.OperationRefusee("La facture appartient à un autre cabinet que la ligne.")
    lue = ligne_depuis_modele(ligne)
    if isinstance(lue, LigneArl):
        raise factures.OperationRefusee("Une ligne d'ARL se rapproche d'un lot, pas d'une facture.")
    le = le or lue.date_virement or timezone.localdate()
    decision = decider(lue, situation(facture, PARTIE_DE_LA_LIGNE[lue.partie]))
    if decision.evenement is None:
        raise factures.OperationRefusee(decision.motif)
    attente = PaiementEnAttente.objects.filter(ligne=ligne, affecte_le__isnull=True).first()
    if attente is not None:
        affecter(attente=attente, facture=facture, utilisateur=utilisateur, le=le)
    else:
        executer(
            facture=facture,
            lue=lue,
            decision=decision,
            le=le,
            utilisateur=utilisateur,
            retour={"fichier": ligne.fichier_id, "ligne": ligne.numero},
        )
    ligne.statut, ligne.facture = StatutLigne.RAPPROCHEE, facture
    ligne.traitee_par, ligne.traitee_le = utilisateur, timezone.now()
    ligne.save(update_fields=["statut", "facture", "traitee_par", "traitee_le"])
    return decision


@transaction.atomic
def ecarter(*, ligne: LigneRetourModele, raison: str, utilisateur: User) -> None:
    """A person dismisses a queued line without money (a duplicate, a line for a lot already
    answered), with a reason. A line that carries parked money is allocated, not dismissed."""
    ligne = _ligne_en_file(ligne)
    if not raison.strip():
        raise factures.OperationRefusee("Écarter une ligne demande une raison.")
    if PaiementEnAttente.objects.filter(ligne=ligne, affecte_le__isnull=True).exists():
        raise factures.OperationRefusee(
            f"La ligne {ligne.numero} porte de l'argent en attente : affectez-le à une facture."
        )
    ligne.statut, ligne.motif = StatutLigne.ECARTEE, raison[:500]
    ligne.traitee_par, ligne.traitee_le = utilisateur, timezone.now()
    ligne.save(update_fields=["statut", "motif", "traitee_par", "traitee_le"])


@transaction.atomic
def affecter(
    *, attente: PaiementEnAttente, facture: Facture, utilisateur: User, le: date | None = None
) -> Paiement:
    """Allocate parked money to an invoice: the suspense account against the payer's
    receivable, the part paid (or, for a negative amount, taken back as an indu)."""
    attente = PaiementEnAttente.objects.select_for_update().get(pk=attente.pk)
    if attente.affecte_le is not None:
        raise factures.OperationRefusee("Ce paiement en attente a déjà été affecté.")
    if attente.cabinet_id != facture.cabinet_id:
        raise factures.OperationRefusee("La facture appartient à un autre cabinet que le paiement.")
    facture = Facture.objects.select_for_update().get(pk=facture.pk)
    le = le or timezone.localdate()
    payeur = Payeur(attente.payeur)
    partie = factures.PARTIE_DU_PAYEUR[payeur]
    s = situation(facture, partie)
    if s is None:
        raise factures.OperationRefusee(f"La facture {facture.numero} n'a pas de {partie.libelle}.")
    montant = attente.montant
    if montant > 0:
        if montant > s.reste_du or not lifecycle.est_permise(
            Evenement.PAYER, {partie: s.etat}, partie
        ):
            raise factures.OperationRefusee(
                f"La facture {facture.numero} ne peut pas prendre ce paiement : état "
                f"« {s.etat.libelle} », reste dû {format_euros(s.reste_du)}."
            )
        evenement = Evenement.PAYER if montant == s.reste_du else Evenement.PAYER_PARTIELLEMENT
    else:
        if -montant > s.paye or not lifecycle.est_permise(Evenement.INDU, {partie: s.etat}, partie):
            raise factures.OperationRefusee(
                f"La facture {facture.numero} ne peut pas porter cet indu : état "
                f"« {s.etat.libelle} », payé {format_euros(s.paye)}."
            )
        evenement = Evenement.INDU
    trace = factures.changer_partie(
        facture,
        evenement,
        utilisateur,
        partie=partie,
        details={"payeur": payeur.value, "montant": montant, "affectation": attente.pk},
    )
    paiement = Paiement.objects.create(
        cabinet_id=facture.cabinet_id,
        facture=facture,
        payeur=payeur,
        moyen=MoyenPaiement.VIREMENT,
        montant=montant,
        date=le,
        reference=attente.reference,
    )
    poster(
        journal=ledger.affectation(facture.numero, le, payeur, montant),
        cabinet=facture.cabinet,
        facture=facture,
        evenement=trace,
        utilisateur=utilisateur,
    )
    attente.facture, attente.affecte_le = facture, timezone.now()
    attente.save(update_fields=["facture", "affecte_le"])
    if attente.ligne_id:
        LigneRetourModele.objects.filter(
            pk=attente.ligne_id,
            statut__in=[StatutLigne.NON_RAPPROCHEE, StatutLigne.EN_ATTENTE_AFFECTATION],
        ).update(
            statut=StatutLigne.RAPPROCHEE,
            facture=facture,
            traitee_par=utilisateur,
            traitee_le=timezone.now(),
        )
    return paiement
