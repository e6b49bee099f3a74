"""Every write on an invoice: one transaction each, with its event and its journal.

The allowed moves come from `rejets.domain.lifecycle`; the journals from
`rejets.domain.ledger`. Services take keyword-only arguments and an explicit acting user; they
lock the invoice row first, so two users acting on one invoice are serialised. Those that
apply a line of a return file take `retour` ({"fichier": id, "ligne": n}), kept in the event's
details: the timeline shows which line moved the invoice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum

from rejets.cabinets.models import Cabinet, Professionnel
from rejets.cabinets.services import prochain_numero_facture
from rejets.compta.models import Journal
from rejets.compta.selectors import bilan_facture
from rejets.compta.services import poster
from rejets.domain import ledger, lifecycle
from rejets.domain.controles import Gravite
from rejets.domain.ledger import NatureJournal, Payeur
from rejets.domain.lifecycle import Etat, Evenement, TransitionInterdite, TypePartie
from rejets.domain.money import format_euros
from rejets.lots.models import Lot
from rejets.patients.models import Patient, Prescription
from rejets.referentiels.models import Organisme

from . import prevention
from .models import (
    Acompte,
    Acte,
    EvenementFacture,
    Facture,
    MoyenPaiement,
    Paiement,
    Partie,
    Rejet,
    SourceRejet,
    TiersPayant,
    UtilisationAcompte,
)

PAYEUR_DE_LA_PARTIE: Mapping[TypePartie, Payeur] = {
    TypePartie.FSE: Payeur.AMO,
    TypePartie.DRE: Payeur.AMC,
}
PARTIE_DU_PAYEUR = {p: t for t, p in PAYEUR_DE_LA_PARTIE.items()}


class OperationRefusee(Exception):
    """A write refused for a business reason, with a French message saying why and what to do."""


@dataclass
class Resultat:
    """What a service did, and what the user must be told."""

    facture: Facture
    avertissements: list[str] = field(default_factory=list)


def _verrouiller(facture: Facture) -> Facture:
    return Facture.objects.select_for_update().get(pk=facture.pk, cabinet_id=facture.cabinet_id)


def etats_parties(facture: Facture) -> dict[TypePartie, Etat]:
    return {TypePartie(p.type): Etat(p.etat) for p in facture.parties.all()}


def _evenement(
    facture: Facture,
    nom: str,
    utilisateur: User,
    *,
    partie: TypePartie | None = None,
    etat_avant: str = "",
    details: Mapping[str, Any] | None = None,
) -> EvenementFacture:
    return EvenementFacture.objects.create(
        cabinet_id=facture.cabinet_id,
        facture=facture,
        evenement=nom,
        partie=partie.value if partie else "",
        etat_avant=etat_avant,
        etat_apres=facture.etat,
        details=dict(details or {}),
        utilisateur=utilisateur,
    )


def _changer(
    facture: Facture,
    evenement: Evenement,
    utilisateur: User,
    *,
    partie: TypePartie | None = None,
    details: Mapping[str, Any] | None = None,
    **champs_partie: Any,
) -> EvenementFacture:
    """Apply one move of the transition table, or raise TransitionInterdite."""
    partie = None if partie is None else TypePartie(partie)
    avant = facture.etat
    nouveaux = lifecycle.appliquer(facture.numero, evenement, etats_parties(facture), partie)
    for p in facture.parties.all():
        type_partie = TypePartie(p.type)
        if partie is None or type_partie is partie:
            p.etat = nouveaux[type_partie]
            for nom, valeur in champs_partie.items():
                setattr(p, nom, valeur)
            p.save()
    facture.etat = lifecycle.etat_facture(nouveaux)
    if evenement in lifecycle.EVENEMENTS_D_UNE_FACTURE_RECUE:
        facture.deja_transmise = True
    facture.save(update_fields=["etat", "deja_transmise"])
    return _evenement(
        facture, evenement.value, utilisateur, partie=partie, etat_avant=avant, details=details
    )


def noter(
    *,
    facture: Facture,
    utilisateur: User,
    evenement: str,
    partie: TypePartie | None = None,
    details: Mapping[str, Any] | None = None,
) -> EvenementFacture:
    """An event without a change of state (an action of the rejection workflow), kept in the
    invoice's history."""
    return _evenement(facture, evenement, utilisateur, partie=partie, details=details)


changer_partie = _changer
"""Apply one move of the transition table to an invoice (for the other apps' services)."""


def _poster(
    facture: Facture,
    journal: ledger.Journal,
    evenement: EvenementFacture | None,
    utilisateur: User,
) -> Journal:
    return poster(
        journal=journal,
        cabinet=facture.cabinet,
        facture=facture,
        evenement=evenement,
        utilisateur=utilisateur,
    )


def parts(facture: Facture) -> dict[Payeur, int]:
    return {
        Payeur.AMO: facture.part_amo,
        Payeur.AMC: facture.part_amc,
        Payeur.PATIENT: facture.part_patient,
    }


def est_facturee(facture: Facture) -> bool:
    """Its billing journal has been posted (the content was frozen at least once)."""
    return Journal.objects.filter(
        cabinet_id=facture.cabinet_id, facture=facture, nature=NatureJournal.FACTURATION
    ).exists()


@dataclass(frozen=True)
class LigneActe:
    date: date
    lettre_cle: str
    coefficient: Any
    heure: Any = None
    heure_appel: Any = None
    nature: str = ""
    lieu: str = "domicile"
    distance_km: Any = None
    zone: str = ""
    meme_commune: bool | None = None
    montant: int | None = None


@transaction.atomic
def creer_facture(
    *,
    cabinet: Cabinet,
    professionnel: Professionnel,
    patient: Patient,
    actes: Sequence[LigneActe],
    part_amo: int,
    part_amc: int,
    part_patient: int,
    utilisateur: User,
    tiers_payant: TiersPayant | str = TiersPayant.AUCUN,
    prescription: Prescription | None = None,
    organisme_amo: Organisme | None = None,
    organisme_amc: Organisme | None = None,
    numero: str | None = None,
    origine: str = "rejets",
    recyclee_de: Facture | None = None,
    details: Mapping[str, Any] | None = None,
) -> Facture:
    """A new invoice in brouillon; its number comes from the professional's range unless given
    (an invoice imported from the billing software keeps its own)."""
    if professionnel.cabinet_id != cabinet.pk or patient.cabinet_id != cabinet.pk:
        raise OperationRefusee("Le professionnel et le patient doivent appartenir au cabinet.")
    if not actes:
        raise OperationRefusee("Une facture porte au moins un acte.")
    if min(part_amo, part_amc, part_patient) < 0:
        raise OperationRefusee("Les parts AMO, AMC et assuré ne peuvent pas être négatives.")
    if part_amc and organisme_amc is None:
        raise OperationRefusee("Une part AMC demande la mutuelle à qui l'adresser (DRE).")
    facture = Facture.objects.create(
        cabinet=cabinet,
        professionnel=professionnel,
        patient=patient,
        prescription=prescription,
        numero=numero or prochain_numero_facture(professionnel=professionnel),
        origine=origine,
        tiers_payant=tiers_payant,
        regime=patient.regime,
        caisse=patient.caisse,
        centre=patient.centre,
        nature_assurance=patient.nature_assurance,
        exoneration=patient.exoneration,
        taux_remboursement=patient.taux_remboursement,
        date_soins=min(a.date for a in actes),
        total=part_amo + part_amc + part_patient,
        part_amo=part_amo,
        part_amc=part_amc,
        part_patient=part_patient,
        recyclee_de=recyclee_de,
    )
    Partie.objects.create(
        cabinet=cabinet,
        facture=facture,
        type=TypePartie.FSE,
        organisme=organisme_amo,
        montant=part_amo,
    )
    if part_amc or organisme_amc is not None:
        Partie.objects.create(
            cabinet=cabinet,
            facture=facture,
            type=TypePartie.DRE,
            organisme=organisme_amc,
            montant=part_amc,
        )
    Acte.objects.bulk_create(
        Acte(
            cabinet=cabinet,
            facture=facture,
            ordre=i,
            date=a.date,
            heure=a.heure,
            heure_appel=a.heure_appel,
            lettre_cle=a.lettre_cle,
            coefficient=a.coefficient,
            nature=a.nature,
            lieu=a.lieu,
            distance_km=a.distance_km,
            zone=a.zone,
            meme_commune=a.meme_commune,
            montant=a.montant,
        )
        for i, a in enumerate(actes, start=1)
    )
    _evenement(facture, "creation", utilisateur, details=details)
    return facture


def _parties_a(facture: Facture, etat: Etat) -> list[TypePartie]:
    return [t for t, e in etats_parties(facture).items() if e is etat]


def _exiger(facture: Facture, evenement: Evenement, parties_: list[TypePartie]) -> None:
    if not parties_:
        raise TransitionInterdite(facture.numero, evenement, Etat(facture.etat))


@transaction.atomic
def preparer(*, facture: Facture, utilisateur: User, forcer: str = "") -> Facture:
    """brouillon → prête for every part in brouillon, once valued and through the pre-send
    checks (`prevention.controler_facture`, docs/cotation.md). An error blocks, every blocking
    finding listed, unless `forcer` gives a written reason; warnings never block. The codes
    found, and the reason, go in the event's details (audit trail); the findings are attached
    to the returned invoice and to the refusal (`prevention.constats_de`)."""
    facture = _verrouiller(facture)
    a_preparer = _parties_a(facture, Etat.BROUILLON)
    _exiger(facture, Evenement.PREPARER, a_preparer)
    if facture.total <= 0:
        raise OperationRefusee(
            f"Facture {facture.numero} : elle n'est pas valorisée (total nul) ; cotez les actes "
            "avant de la préparer."
        )
    constats = prevention.controler_facture(facture)
    erreurs = [c for c in constats if c.gravite is Gravite.ERREUR]
    raison = forcer.strip()
    if erreurs and not raison:
        refus = OperationRefusee(prevention.refus_preparation(facture.numero, erreurs))
        prevention.attacher_constats(refus, constats)
        raise refus
    details: dict[str, Any] = {"constats": [c.code for c in constats]}
    if raison:
        details["forcer"] = raison
    for partie in a_preparer:
        _changer(facture, Evenement.PREPARER, utilisateur, partie=partie, details=details)
    prevention.attacher_constats(facture, constats)
    return facture


@transaction.atomic
def remettre_en_brouillon(*, facture: Facture, utilisateur: User) -> Facture:
    """prête → brouillon, to correct an invoice that is not yet secured."""
    facture = _verrouiller(facture)
    a_modifier = _parties_a(facture, Etat.PRETE)
    _exiger(facture, Evenement.MODIFIER, a_modifier)
    for partie in a_modifier:
        _changer(facture, Evenement.MODIFIER, utilisateur, partie=partie)
    return facture


def _figer(
    facture: Facture,
    evenement: Evenement,
    utilisateur: User,
    le: date,
    details: Mapping[str, Any] | None = None,
) -> Facture:
    """sécuriser or exporter every prête part; the first freeze posts the billing journal, and a
    recycled invoice then uses the deposit left by the invoice it replaces."""
    a_figer = _parties_a(facture, Etat.PRETE)
    _exiger(facture, evenement, a_figer)
    dernier = None
    for partie in a_figer:
        dernier = _changer(facture, evenement, utilisateur, partie=partie, details=details)
    if not est_facturee(facture):
        _poster(
            facture, ledger.facturation(facture.numero, le, parts(facture)), dernier, utilisateur
        )
        _perdre_parties_closes(facture, dernier, utilisateur, le)
        _utiliser_acomptes(facture, utilisateur, le)
    return facture


def _perdre_parties_closes(
    facture: Facture, evenement: EvenementFacture | None, utilisateur: User, le: date
) -> None:
    """A part time-barred or abandoned before the invoice was billed is billed with it and lost
    at once, so billed = paid + written off + outstanding holds for the whole invoice."""
    for type_partie, etat in etats_parties(facture).items():
        payeur = PAYEUR_DE_LA_PARTIE[type_partie]
        montant = parts(facture)[payeur]
        if etat in {Etat.FORCLOSE, Etat.ABANDONNEE} and montant:
            motif = f"{etat.libelle} avant facturation"
            journal = ledger.passage_en_perte(facture.numero, le, payeur, montant, motif)
            _poster(facture, journal, evenement, utilisateur)


@transaction.atomic
def enregistrer_securisation(
    *, facture: Facture, utilisateur: User, le: date, empreinte: str, mode: str, adaptateur: str
) -> Facture:
    """prête → sécurisée, once the transmission adapter has frozen the content whose digest is
    `empreinte`. Only `rejets.transmission.services` calls it (a test checks): an invoice is
    secured through the adapter, never directly."""
    details = {"empreinte": empreinte, "mode": mode, "adaptateur": adaptateur}
    return _figer(_verrouiller(facture), Evenement.SECURISER, utilisateur, le, details)


@transaction.atomic
def exporter(*, facture: Facture, utilisateur: User, le: date) -> Facture:
    """prête → exportée: handed to the billing software, which signs and transmits it."""
    return _figer(_verrouiller(facture), Evenement.EXPORTER, utilisateur, le)


@transaction.atomic
def transmettre(
    *,
    facture: Facture,
    partie: TypePartie,
    lot: Lot,
    le: date,
    utilisateur: User,
    retour: Mapping[str, Any] | None = None,
) -> Facture:
    facture = _verrouiller(facture)
    if lot.cabinet_id != facture.cabinet_id:
        raise OperationRefusee("Le lot appartient à un autre cabinet.")
    evenement = (
        Evenement.RETRANSMETTRE
        if etats_parties(facture).get(partie) is Etat.A_RETRANSMETTRE
        else Evenement.TRANSMETTRE
    )
    _changer(
        facture,
        evenement,
        utilisateur,
        partie=partie,
        details={"lot": lot.numero, **(retour or {})},
        lot=lot,
        date_transmission=le,
    )
    return facture


@transaction.atomic
def recevoir_arl(
    *,
    facture: Facture,
    partie: TypePartie,
    positif: bool,
    utilisateur: User,
    motif: str = "",
    retour: Mapping[str, Any] | None = None,
) -> Facture:
    facture = _verrouiller(facture)
    evenement = Evenement.ARL_POSITIF if positif else Evenement.ARL_NEGATIF
    details = {**({"motif": motif} if motif else {}), **(retour or {})}
    _changer(facture, evenement, utilisateur, partie=partie, details=details)
    return facture


@transaction.atomic
def mettre_en_traitement_caisse(
    *,
    facture: Facture,
    partie: TypePartie,
    utilisateur: User,
    retour: Mapping[str, Any] | None = None,
) -> Facture:
    facture = _verrouiller(facture)
    _changer(
        facture,
        Evenement.METTRE_EN_TRAITEMENT_CAISSE,
        utilisateur,
        partie=partie,
        details=dict(retour or {}),
    )
    return facture


@transaction.atomic
def enregistrer_paiement(
    *,
    facture: Facture,
    payeur: Payeur,
    montant: int,
    le: date,
    utilisateur: User,
    moyen: MoyenPaiement | str = MoyenPaiement.VIREMENT,
    reference: str = "",
    retour: Mapping[str, Any] | None = None,
) -> Paiement:
    """A payment on an invoice. From the caisse or the mutuelle it moves that part to payée or
    payée partiellement; from the patient it settles the patient share and moves no state.
    It never exceeds what is still owed by that payer."""
    facture = _verrouiller(facture)
    if montant <= 0:
        raise OperationRefusee("Un paiement est un montant strictement positif.")
    bilan = bilan_facture(facture)
    reste = bilan.reste_du.get(payeur, 0)
    if not est_facturee(facture) or facture.etat in {Etat.DEFACTUREE, Etat.RECYCLEE, Etat.ANNULEE}:
        raise OperationRefusee(
            f"Facture {facture.numero} : à l'état « {Etat(facture.etat).libelle} », elle "
            "n'attend aucun paiement."
        )
    if montant > reste:
        raise OperationRefusee(
            f"Facture {facture.numero} : {format_euros(montant)} dépasse ce que doit "
            f"{payeur.libelle.lower()} ({format_euros(reste)})."
        )
    evenement: EvenementFacture
    details = {"payeur": payeur.value, "montant": montant, "moyen": str(moyen), **(retour or {})}
    if payeur is Payeur.PATIENT:
        evenement = _evenement(facture, "paiement_patient", utilisateur, details=details)
    else:
        partie = PARTIE_DU_PAYEUR[payeur]
        solde = montant == reste
        evenement = _changer(
            facture,
            Evenement.PAYER if solde else Evenement.PAYER_PARTIELLEMENT,
            utilisateur,
            partie=partie,
            details=details,
        )
    paiement = Paiement.objects.create(
        cabinet_id=facture.cabinet_id,
        facture=facture,
        payeur=payeur,
        moyen=moyen,
        montant=montant,
        date=le,
        reference=reference,
    )
    _poster(facture, ledger.paiement(facture.numero, le, payeur, montant), evenement, utilisateur)
    return paiement


def paye_par(facture: Facture, *payeurs: Payeur) -> int:
    """Net amount these payers paid on the invoice (payments less indus)."""
    return (
        Paiement.objects.filter(facture=facture, payeur__in=payeurs).aggregate(s=Sum("montant"))[
            "s"
        ]
        or 0
    )


def paye_par_les_organismes(facture: Facture) -> int:
    """Net amount the caisse and the mutuelle paid on the invoice."""
    return paye_par(facture, Payeur.AMO, Payeur.AMC)


@transaction.atomic
def enregistrer_indu(
    *,
    facture: Facture,
    payeur: Payeur,
    montant: int,
    code: str,
    libelle: str,
    le: date,
    utilisateur: User,
    retenu: bool,
    reference: str = "",
    retour: Mapping[str, Any] | None = None,
) -> Rejet:
    """An amount claimed back by the caisse or the mutuelle on a paid part: recorded as a
    negative payment, the receivable due again, the part rejected with the code and label
    as received. Never more than what that payer paid on the invoice."""
    facture = _verrouiller(facture)
    if payeur is Payeur.PATIENT or montant <= 0:
        raise OperationRefusee(
            "Un indu est un montant positif repris par la caisse ou la mutuelle."
        )
    paye = paye_par(facture, payeur)
    if montant > paye:
        raise OperationRefusee(
            f"Facture {facture.numero} : l'indu de {format_euros(montant)} dépasse ce que "
            f"{payeur.libelle.lower()} a payé ({format_euros(paye)})."
        )
    partie = PARTIE_DU_PAYEUR[payeur]
    evenement = _changer(
        facture,
        Evenement.INDU,
        utilisateur,
        partie=partie,
        details={
            "code": code,
            "montant": montant,
            "source": str(SourceRejet.ELECTRONIQUE),
            **(retour or {}),
        },
    )
    Paiement.objects.create(
        cabinet_id=facture.cabinet_id,
        facture=facture,
        payeur=payeur,
        moyen=MoyenPaiement.VIREMENT,
        montant=-montant,
        date=le,
        reference=reference,
    )
    motif = f"Indu {code} : {libelle}".strip()
    _poster(
        facture,
        ledger.indu(facture.numero, le, payeur, montant, retenu, motif),
        evenement,
        utilisateur,
    )
    return Rejet.objects.create(
        cabinet_id=facture.cabinet_id,
        facture=facture,
        partie=partie,
        code=code,
        libelle=libelle,
        date=le,
        source=SourceRejet.ELECTRONIQUE,
    )


@transaction.atomic
def rejeter(
    *,
    facture: Facture,
    partie: TypePartie,
    code: str,
    libelle: str,
    le: date,
    utilisateur: User,
    source: SourceRejet | str = SourceRejet.ELECTRONIQUE,
    retour: Mapping[str, Any] | None = None,
) -> Rejet:
    """A rejection of one part, its code and label stored exactly as received."""
    facture = _verrouiller(facture)
    _changer(
        facture,
        Evenement.REJETER,
        utilisateur,
        partie=partie,
        details={"code": code, "source": str(source), **(retour or {})},
    )
    return Rejet.objects.create(
        cabinet_id=facture.cabinet_id,
        facture=facture,
        partie=partie,
        code=code,
        libelle=libelle,
        date=le,
        source=source,
    )


def _retirer_creances(
    facture: Facture, evenement: EvenementFacture, utilisateur: User, le: date
) -> list[str]:
    """The negative counterpart: the patient's payments become a deposit (acompte), then every
    outstanding receivable is cancelled."""
    avertissements = []
    paye_patient = paye_par(facture, Payeur.PATIENT) + (
        UtilisationAcompte.objects.filter(facture=facture).aggregate(s=Sum("montant"))["s"] or 0
    )
    if paye_patient:
        _poster(
            facture,
            ledger.paiement_vers_acompte(facture.numero, le, paye_patient),
            evenement,
            utilisateur,
        )
        Acompte.objects.create(
            cabinet_id=facture.cabinet_id,
            patient_id=facture.patient_id,
            facture_origine=facture,
            montant=paye_patient,
            date=le,
        )
        avertissements.append(
            f"Le patient avait déjà payé {format_euros(paye_patient)} : ce paiement devient un "
            "acompte, qui réglera sa part de la facture recyclée."
        )
    restes = {p: m for p, m in bilan_facture(facture).reste_du.items() if m}
    if restes:
        _poster(facture, ledger.defacturation(facture.numero, le, restes), evenement, utilisateur)
    return avertissements


def _changer_ou_expliquer(
    facture: Facture,
    evenement: Evenement,
    utilisateur: User,
    explication_si_transmise: str,
    details: Mapping[str, Any],
) -> EvenementFacture:
    try:
        return _changer(facture, evenement, utilisateur, details=details)
    except TransitionInterdite as refus:
        if not facture.deja_transmise:
            raise
        raise TransitionInterdite(
            facture.numero, evenement, refus.etat, refus.partie, raison=explication_si_transmise
        ) from refus


@transaction.atomic
def defacturer(*, facture: Facture, utilisateur: User, le: date, commentaire: str = "") -> Resultat:
    """Unbill: allowed on a transmitted invoice only when it carries a rejection, on a
    never-transmitted one without. The folder then appears in the liste des recyclages."""
    facture = _verrouiller(facture)
    garde = paye_par_les_organismes(facture)
    if garde:
        raise OperationRefusee(
            f"Facture {facture.numero} : l'organisme a payé {format_euros(garde)} qu'il n'a pas "
            "repris. Contestez l'indu, ou abandonnez le reste dû ; on ne défacture pas une "
            "facture dont une partie reste payée."
        )
    evenement = _changer_ou_expliquer(
        facture,
        Evenement.DEFACTURER,
        utilisateur,
        "Une facture transmise ne se défacture qu'après un rejet électronique ou papier.",
        details={"commentaire": bool(commentaire)},
    )
    if commentaire:
        facture.commentaire = commentaire
        facture.save(update_fields=["commentaire"])
    return Resultat(facture, _retirer_creances(facture, evenement, utilisateur, le))


@transaction.atomic
def annuler(*, facture: Facture, utilisateur: User, le: date, motif: str = "") -> Resultat:
    """Cancel an invoice that was never transmitted; a transmitted one is never cancelled nor
    deleted."""
    facture = _verrouiller(facture)
    evenement = _changer_ou_expliquer(
        facture,
        Evenement.ANNULER,
        utilisateur,
        "Elle a été transmise : demandez son annulation à la caisse le jour même, ou "
        "défacturez-la après un rejet.",
        details={"motif": motif},
    )
    return Resultat(facture, _retirer_creances(facture, evenement, utilisateur, le))


@transaction.atomic
def recycler(
    *,
    facture: Facture,
    utilisateur: User,
    le: date,
    corrections: Mapping[str, Any] | None = None,
) -> Resultat:
    """Rebill a défacturée invoice under a new number from the professional's range; the old
    one becomes recyclée and both point to each other (FIDES: a corrected invoice carries a new
    number). `corrections` may replace the parts, the tiers payant, the acts (`actes`: a list
    of LigneActe), the prescription and the organismes; the patient's own file (identity,
    rights) is corrected before, and the new invoice takes it."""
    ancienne = _verrouiller(facture)
    if Facture.objects.filter(recyclee_de=ancienne).exists():
        raise OperationRefusee(f"La facture {ancienne.numero} a déjà été recyclée.")
    corrections = dict(corrections or {})
    champs_permis = {
        "part_amo",
        "part_amc",
        "part_patient",
        "tiers_payant",
        "actes",
        "prescription",
        "organisme_amo",
        "organisme_amc",
    }
    inconnus = set(corrections) - champs_permis
    if inconnus:
        raise OperationRefusee(f"Corrections inconnues : {', '.join(sorted(inconnus))}.")
    _changer(ancienne, Evenement.RECYCLER, utilisateur)
    organismes = {TypePartie(p.type): p.organisme for p in ancienne.parties.all()}
    actes = [
        LigneActe(
            date=a.date,
            lettre_cle=a.lettre_cle,
            coefficient=a.coefficient,
            heure=a.heure,
            heure_appel=a.heure_appel,
            nature=a.nature,
            lieu=a.lieu,
            distance_km=a.distance_km,
            zone=a.zone,
            meme_commune=a.meme_commune,
            montant=a.montant,
        )
        for a in ancienne.actes.all()
    ]
    nouvelle = creer_facture(
        cabinet=ancienne.cabinet,
        professionnel=ancienne.professionnel,
        patient=ancienne.patient,
        prescription=corrections.get("prescription", ancienne.prescription),
        actes=corrections.get("actes", actes),
        part_amo=corrections.get("part_amo", ancienne.part_amo),
        part_amc=corrections.get("part_amc", ancienne.part_amc),
        part_patient=corrections.get("part_patient", ancienne.part_patient),
        tiers_payant=corrections.get("tiers_payant", ancienne.tiers_payant),
        organisme_amo=corrections.get("organisme_amo", organismes.get(TypePartie.FSE)),
        organisme_amc=corrections.get("organisme_amc", organismes.get(TypePartie.DRE)),
        recyclee_de=ancienne,
        utilisateur=utilisateur,
        details={"recycle": ancienne.numero},
    )
    return Resultat(
        nouvelle,
        [f"La facture {ancienne.numero} est recyclée sous le nouveau numéro {nouvelle.numero}."],
    )


def _utiliser_acomptes(facture: Facture, utilisateur: User, le: date) -> None:
    """The deposit left by the unbilled invoice pays the patient part of its recycled one."""
    if facture.recyclee_de_id is None or facture.part_patient <= 0:
        return
    besoin = facture.part_patient
    for acompte in Acompte.objects.filter(facture_origine_id=facture.recyclee_de_id).order_by("pk"):
        utilise = acompte.utilisations.aggregate(s=Sum("montant"))["s"] or 0
        montant = min(acompte.montant - utilise, besoin)
        if montant <= 0:
            continue
        UtilisationAcompte.objects.create(
            cabinet_id=facture.cabinet_id,
            acompte=acompte,
            facture=facture,
            montant=montant,
            date=le,
        )
        evenement = _evenement(
            facture, "acompte_utilise", utilisateur, details={"montant": montant}
        )
        _poster(
            facture, ledger.acompte_utilise(facture.numero, le, montant), evenement, utilisateur
        )
        besoin -= montant
        if not besoin:
            return


def _passer_en_perte(
    facture: Facture,
    evenement_lifecycle: Evenement,
    partie: TypePartie,
    motif: str,
    utilisateur: User,
    le: date,
) -> Facture:
    evenement = _changer(
        facture, evenement_lifecycle, utilisateur, partie=partie, details={"motif": motif}
    )
    payeur = PAYEUR_DE_LA_PARTIE[partie]
    reste = bilan_facture(facture).reste_du.get(payeur, 0)
    if reste:
        _poster(
            facture,
            ledger.passage_en_perte(facture.numero, le, payeur, reste, motif),
            evenement,
            utilisateur,
        )
    return facture


def exiger_fse_traitee(facture: Facture, partie: TypePartie) -> None:
    """When the FSE and its DRE are both rejected, the FSE is handled first (DOMAIN.md
    section 3): nothing is done on the DRE alone while the FSE is still rejected."""
    if (
        TypePartie(partie) is TypePartie.DRE
        and etats_parties(facture).get(TypePartie.FSE) is Etat.REJETEE
    ):
        raise OperationRefusee(
            f"Facture {facture.numero} : la FSE est rejetée elle aussi ; traitez d'abord le rejet "
            "de la FSE (défacturer et recycler, facturer le patient ou abandonner), puis la DRE."
        )


@transaction.atomic
def abandonner(
    *, facture: Facture, partie: TypePartie, motif: str, utilisateur: User, le: date
) -> Facture:
    """Give up a rejected claim, with a reason: what is still owed becomes a loss."""
    if not motif.strip():
        raise OperationRefusee("Abandonner une créance demande une raison.")
    facture = _verrouiller(facture)
    exiger_fse_traitee(facture, partie)
    return _passer_en_perte(facture, Evenement.ABANDONNER, partie, motif, utilisateur, le)


@transaction.atomic
def facturer_patient(
    *, facture: Facture, partie: TypePartie, motif: str, utilisateur: User, le: date
) -> int:
    """When rebilling is not the way, the rejected part becomes a patient receivable: what the
    caisse or the mutuelle still owes is reported on the patient (DOMAIN.md section 3). Returns
    the amount now due by the patient for that part."""
    facture = _verrouiller(facture)
    exiger_fse_traitee(facture, partie)
    partie = TypePartie(partie)
    evenement = _changer(
        facture, Evenement.FACTURER_PATIENT, utilisateur, partie=partie, details={"motif": motif}
    )
    payeur = PAYEUR_DE_LA_PARTIE[partie]
    reste = bilan_facture(facture).reste_du.get(payeur, 0)
    if reste:
        journal = ledger.report(facture.numero, le, payeur, Payeur.PATIENT, reste, motif)
        _poster(facture, journal, evenement, utilisateur)
    return reste


@transaction.atomic
def facturer_mutuelle(
    *, facture: Facture, partie: TypePartie, motif: str, utilisateur: User, le: date
) -> Facture:
    """A rejected DRE asked again of the mutuelle on paper: it stays owed by the mutuelle,
    which pays or rejects it as a transmitted DRE. The caisse's part cannot be billed to the
    mutuelle."""
    if TypePartie(partie) is not TypePartie.DRE:
        raise OperationRefusee(
            f"Facture {facture.numero} : la part de la caisse ne se facture pas à la mutuelle ; "
            "recyclez la facture ou facturez le patient."
        )
    facture = _verrouiller(facture)
    exiger_fse_traitee(facture, partie)
    _changer(
        facture,
        Evenement.FACTURER_MUTUELLE,
        utilisateur,
        partie=TypePartie.DRE,
        details={"motif": motif},
    )
    return facture


@transaction.atomic
def forclore(*, facture: Facture, partie: TypePartie, utilisateur: User, le: date) -> Facture:
    """The claim is time-barred (L.332-1 CSS): what is still owed becomes a loss."""
    return _passer_en_perte(
        _verrouiller(facture),
        Evenement.FORCLORE,
        partie,
        "Forclusion (L.332-1 CSS)",
        utilisateur,
        le,
    )
