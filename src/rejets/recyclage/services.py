"""The rejection workflow (DOMAIN.md section 3): paper rejections, défacturer, correct and
recycler, and the ways other than rebilling — bill the patient or the mutuelle, abandon, a
réclamation, a duplicata, a same-day cancellation request. Every step that waits on someone
else is a tracked `Action`. Each service is one transaction, with the invoice's events and
journals written by `rejets.factures.services`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from stdnum.exceptions import ValidationError

from rejets.domain.identifiants import expliquer
from rejets.domain.identifiants import nir as nir_module
from rejets.domain.lifecycle import Etat, TransitionInterdite, TypePartie
from rejets.domain.repartition import CouvertureAmc, RepartitionInvalide, repartir
from rejets.factures import prevention
from rejets.factures import services as factures
from rejets.factures.models import (
    Facture,
    Rejet,
    SourceRejet,
    TiersPayant,
)
from rejets.patients.models import ContratAMC, Patient, PeriodeDroits, Prescription
from rejets.referentiels.models import Organisme, TypeOrganisme
from rejets.transmission.models import Mode, Securisation, StatutSecurisation

from . import documents
from .models import Action, StatutAction, TypeAction

OperationRefusee = factures.OperationRefusee
DELAI_REPONSE_JOURS = 30
"""Due date given to an action that waits for an organisme's answer (a reminder date, not a
legal delay)."""
CODE_ANNULATION = "ANNUL"
LIBELLE_ANNULATION = "ANNULÉE À LA DEMANDE DU PROFESSIONNEL"
MOYENS_REJET_PAPIER = {"courrier": "courrier", "telephone": "téléphone"}
ETATS_ANNULABLES = frozenset({Etat.TRANSMISE, Etat.LOT_RECU, Etat.EXPORTEE})
ETATS_DE_RECLAMATION = frozenset(
    {Etat.PAYEE, Etat.PAYEE_PARTIELLEMENT, Etat.LOT_RECU, Etat.TRANSMISE, Etat.EN_TRAITEMENT_CAISSE}
)


def _verrouiller(facture: Facture) -> Facture:
    return Facture.objects.select_for_update().get(pk=facture.pk, cabinet_id=facture.cabinet_id)


def _etats(facture: Facture) -> dict[TypePartie, Etat]:
    return factures.etats_parties(facture)


def _action(
    facture: Facture,
    type: TypeAction,
    utilisateur: User,
    *,
    statut: StatutAction = StatutAction.EN_ATTENTE,
    partie: TypePartie | None = None,
    echeance: date | None = None,
    document: str = "",
    details: dict[str, Any] | None = None,
) -> Action:
    """A tracked step, also written in the invoice's history."""
    factures.noter(
        facture=facture,
        utilisateur=utilisateur,
        evenement="action",
        partie=partie,
        details={"type": str(type), "statut": str(statut)},
    )
    return Action.objects.create(
        cabinet_id=facture.cabinet_id,
        facture=facture,
        partie=partie.value if partie else "",
        type=type,
        statut=statut,
        echeance=echeance,
        responsable=utilisateur,
        creee_par=utilisateur,
        document=document,
        details=details or {},
    )


# ---------------------------------------------------------------------- paper rejection


@transaction.atomic
def rejet_papier(
    *,
    facture: Facture,
    partie: TypePartie,
    le: date,
    utilisateur: User,
    code: str = "",
    libelle: str = "",
    moyen: str = "courrier",
    organisme: Organisme | None = None,
) -> Rejet:
    """A rejection that came on paper or by phone after traitement manuel: its source, date,
    organisme, code or reason, and who entered it (the event's user)."""
    code, libelle = code.strip(), libelle.strip()
    if not code and not libelle:
        raise OperationRefusee(
            "Un rejet papier porte un code ou un motif (au moins l'un des deux)."
        )
    if moyen not in MOYENS_REJET_PAPIER:
        raise OperationRefusee(
            f"Moyen « {moyen} » inconnu : courrier ou telephone (rejet reçu par téléphone)."
        )
    facture = _verrouiller(facture)
    organisme = organisme or facture.parties.get(type=partie).organisme
    return factures.rejeter(
        facture=facture,
        partie=TypePartie(partie),
        code=code or "PAPIER",
        libelle=libelle or code,
        le=le,
        utilisateur=utilisateur,
        source=SourceRejet.PAPIER,
        retour={"moyen": moyen, "organisme": organisme.code if organisme else ""},
    )


# ---------------------------------------------------------------------- défacturer


def _expliquer_refus(facture: Facture, quoi: str) -> str | None:
    """Why an invoice is not offered for unbilling/rebilling, when it is one of the known
    cases (DOMAIN.md section 3)."""
    etats = set(_etats(facture).values())
    if Etat.EN_TRAITEMENT_CAISSE in etats:
        from .selectors import organisme_a_contacter

        contact = organisme_a_contacter(facture)
        return (
            f"Facture {facture.numero} : en traitement caisse, elle attend la décision de la "
            f"caisse ({contact}) ; on ne la {quoi} pas. Attendez, ou contactez la caisse si "
            "cela dure."
        )
    if etats & {Etat.PAYEE, Etat.PAYEE_PARTIELLEMENT}:
        return (
            f"Facture {facture.numero} : elle est payée ; on ne la {quoi} jamais (la signature "
            "garantit son contenu). Pour contester le paiement, faites une réclamation "
            "(rejets recyclage reclamation)."
        )
    return None


@transaction.atomic
def defacturer(
    *, facture: Facture, utilisateur: User, le: date, commentaire: str = ""
) -> factures.Resultat:
    """Unbill (factures.services.defacturer), with the reason when it is not the way."""
    facture = _verrouiller(facture)
    raison = _expliquer_refus(facture, "défacture")
    if raison:
        raise OperationRefusee(raison)
    return factures.defacturer(
        facture=facture, utilisateur=utilisateur, le=le, commentaire=commentaire
    )


# ---------------------------------------------------------------------- recycler


@dataclass(frozen=True)
class Corrections:
    """What to correct before rebilling; None leaves a field as it is. Identity and rights are
    corrected in the patient's file (later invoices take them too)."""

    nom: str | None = None
    prenom: str | None = None
    date_naissance: date | None = None
    nir: str | None = None
    rang: int | None = None
    regime: str | None = None
    caisse: str | None = None
    centre: str | None = None
    nature_assurance: str | None = None
    exoneration: str | None = None
    taux_remboursement: int | None = None
    droits_debut: date | None = None
    droits_fin: date | None = None
    amc: str | None = None
    """AMC number of the mutuelle to attach; "" removes the AMC from the new invoice."""
    amc_debut: date | None = None
    prescripteur_nom: str | None = None
    prescripteur_rpps: str | None = None
    date_prescription: date | None = None
    a_domicile: bool | None = None
    actes: tuple[factures.LigneActe, ...] | None = None

    def vide(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


CHAMPS_PATIENT = (
    "nom",
    "prenom",
    "date_naissance",
    "nir",
    "rang",
    "regime",
    "caisse",
    "centre",
    "nature_assurance",
    "exoneration",
    "taux_remboursement",
)
CHAMPS_QUI_CHANGENT_LES_PARTS = (
    "nature_assurance",
    "exoneration",
    "taux_remboursement",
    "amc",
    "actes",
)


def _corriger_patient(patient: Patient, c: Corrections, ancienne: Facture) -> list[str]:
    changes = []
    if c.nir is not None:
        try:
            nouveau = nir_module.validate(c.nir)
        except ValidationError as exc:
            raise OperationRefusee(f"NIR corrigé refusé : {expliquer(exc, 'nir')}") from exc
        if nouveau != patient.nir:
            patient.nir = nouveau
            changes.append("nir")
    for nom in CHAMPS_PATIENT:
        valeur = getattr(c, nom)
        if nom != "nir" and valeur is not None and valeur != getattr(patient, nom):
            setattr(patient, nom, valeur)
            changes.append(nom)
    if changes:
        patient.save()
    if c.droits_debut is not None or c.droits_fin is not None:
        PeriodeDroits.objects.create(
            cabinet_id=patient.cabinet_id,
            patient=patient,
            debut=c.droits_debut or ancienne.date_soins,
            fin=c.droits_fin,
        )
        changes.append("droits")
    return changes


def _mutuelle(c: Corrections, patient: Patient, ancienne: Facture) -> tuple[bool, Organisme | None]:
    """Whether the mutuelle of the new invoice changes, and which it is then."""
    if c.amc is None:
        return False, None
    if c.amc == "":
        return True, None
    organisme = Organisme.objects.filter(type=TypeOrganisme.MUTUELLE, code=c.amc).first()
    if organisme is None:
        raise OperationRefusee(
            f"Mutuelle n° AMC {c.amc} inconnue : enregistrez-la d'abord dans les référentiels."
        )
    ContratAMC.objects.get_or_create(
        cabinet_id=patient.cabinet_id,
        patient=patient,
        organisme=organisme,
        defaults={"debut": c.amc_debut or ancienne.date_soins},
    )
    return True, organisme


def _nouvelle_prescription(c: Corrections, ancienne: Facture) -> Prescription | None:
    if all(
        v is None
        for v in (c.prescripteur_nom, c.prescripteur_rpps, c.date_prescription, c.a_domicile)
    ):
        return None
    base = ancienne.prescription
    if c.date_prescription is None and base is None:
        raise OperationRefusee("Une prescription corrigée porte sa date.")
    return Prescription.objects.create(
        cabinet_id=ancienne.cabinet_id,
        patient_id=ancienne.patient_id,
        prescripteur_nom=c.prescripteur_nom
        if c.prescripteur_nom is not None
        else (base.prescripteur_nom if base else ""),
        prescripteur_rpps=c.prescripteur_rpps
        if c.prescripteur_rpps is not None
        else (base.prescripteur_rpps if base else ""),
        date=c.date_prescription or (base.date if base else ancienne.date_soins),
        a_domicile=c.a_domicile if c.a_domicile is not None else bool(base and base.a_domicile),
        scan=base.scan if base else "",
    )


def _parts(
    ancienne: Facture,
    patient: Patient,
    actes: Sequence[Any],
    mutuelle: Organisme | None,
) -> dict[str, Any]:
    """Parts of the rebilled invoice, split again (répartition) from the acts' amounts."""
    montants = [a.montant for a in actes]
    if any(m is None for m in montants):
        raise OperationRefusee(
            "Les actes corrigés portent leur montant (cotez-les d'abord : rejets factures coter)."
        )
    tiers_payant = (
        TiersPayant.AUCUN
        if ancienne.tiers_payant == TiersPayant.AUCUN
        else TiersPayant.AMO_AMC
        if mutuelle is not None
        else TiersPayant.AMO
    )
    try:
        r = repartir(
            montants,
            nature_assurance=patient.nature_assurance,
            exoneration=patient.exoneration,
            le=min(a.date for a in actes),
            taux_droits=patient.taux_remboursement,
            amc=CouvertureAmc() if mutuelle is not None else None,
            tiers_payant=tiers_payant,
            catalogue=prevention.catalogue_en_vigueur(),
        )
    except RepartitionInvalide as exc:
        raise OperationRefusee(f"Répartition impossible : {exc}") from exc
    if mutuelle is not None and r.amc == 0:
        mutuelle = None
        tiers_payant = TiersPayant.AMO if tiers_payant != TiersPayant.AUCUN else tiers_payant
    return {
        "part_amo": r.amo,
        "part_amc": r.amc,
        "part_patient": r.assure,
        "tiers_payant": tiers_payant,
        "organisme_amc": mutuelle,
    }


def _en_back_office(facture: Facture) -> bool:
    """The invoice was sent by the billing software: its recycled one is exported back to it."""
    return facture.evenements.filter(evenement="exporter").exists() or (
        facture.origine == "import" and not Securisation.objects.filter(facture=facture).exists()
    )


def _en_mode_degrade(facture: Facture) -> bool:
    return Securisation.objects.filter(
        facture=facture, mode=Mode.DEGRADE, statut=StatutSecurisation.ACCORDEE
    ).exists()


@dataclass
class Recyclage:
    ancienne: Facture
    nouvelle: Facture
    messages: list[str] = field(default_factory=list)


@transaction.atomic
def recycler(
    *,
    facture: Facture,
    utilisateur: User,
    le: date,
    corrections: Corrections | None = None,
    forcer: str = "",
) -> Recyclage:
    """From the liste des recyclages: correct, run the pre-send checks again, and bill under a
    new number (FIDES). The new invoice goes to the transmission queue (prête), or is exported
    back to the billing software in back-office mode; the deposit pays its patient part. A
    checks error refuses the whole recycling unless `forcer` gives a reason."""
    ancienne = _verrouiller(facture)
    if Facture.objects.filter(recyclee_de=ancienne).exists():
        raise OperationRefusee(f"La facture {ancienne.numero} a déjà été recyclée.")
    if ancienne.etat != Etat.DEFACTUREE:
        raison = _expliquer_refus(ancienne, "recycle")
        if raison:
            raise OperationRefusee(raison)
        raise OperationRefusee(
            f"Facture {ancienne.numero} : seule une facture défacturée se recycle ; elle est "
            f"« {Etat(ancienne.etat).libelle} ». Défacturez-la d'abord (après un rejet si elle "
            "a été transmise)."
        )
    c = corrections or Corrections()
    patient = Patient.objects.select_for_update().get(pk=ancienne.patient_id)
    changes = _corriger_patient(patient, c, ancienne)
    mutuelle_changee, mutuelle = _mutuelle(c, patient, ancienne)
    valeurs: dict[str, Any] = {}
    prescription = _nouvelle_prescription(c, ancienne)
    if prescription is not None:
        valeurs["prescription"] = prescription
    actes = list(c.actes) if c.actes is not None else list(ancienne.actes.all())
    if c.actes is not None:
        valeurs["actes"] = list(c.actes)
    if any(getattr(c, n) is not None for n in CHAMPS_QUI_CHANGENT_LES_PARTS):
        if not mutuelle_changee:
            dre = ancienne.parties.filter(type=TypePartie.DRE).select_related("organisme").first()
            mutuelle = dre.organisme if dre is not None else None
        valeurs.update(_parts(ancienne, patient, actes, mutuelle))
    resultat = factures.recycler(
        facture=ancienne, utilisateur=utilisateur, le=le, corrections=valeurs
    )
    nouvelle = resultat.facture
    messages = [*resultat.avertissements]
    if changes:
        messages.append(f"Dossier du patient corrigé : {', '.join(changes)}.")
    nouvelle = factures.preparer(facture=nouvelle, utilisateur=utilisateur, forcer=forcer)
    if _en_back_office(ancienne):
        nouvelle = factures.exporter(facture=nouvelle, utilisateur=utilisateur, le=le)
        messages.append(
            f"Facture {nouvelle.numero} exportée vers le logiciel de facturation, qui la signe et "
            "la transmet ; son lot sera enregistré à l'arrivée de son retour."
        )
    else:
        messages.append(
            f"Facture {nouvelle.numero} prête : elle est dans la file « FSE à sécuriser »."
        )
    if _en_mode_degrade(ancienne):
        _action(
            nouvelle,
            TypeAction.COPIE_DEGRADEE,
            utilisateur,
            statut=StatutAction.A_FAIRE,
            echeance=le + timedelta(days=8),
            details={"recyclee_de": ancienne.numero},
        )
        messages.append(
            "Facturée en mode dégradé : envoyez à la caisse une copie de la feuille de soins "
            "refacturée et le bordereau de télétransmission (rejets recyclage copie-degradee)."
        )
    return Recyclage(ancienne, nouvelle, messages)


# ---------------------------------------------------------------------- other ways


@transaction.atomic
def facturer_patient(
    *,
    facture: Facture,
    partie: TypePartie,
    motif: str,
    utilisateur: User,
    le: date,
    reglement: str = "",
) -> Action:
    """The rejected part becomes a patient receivable, with the patient invoice (PDF)."""
    if not motif.strip():
        raise OperationRefusee("Facturer le patient demande le motif à lui expliquer.")
    facture = _verrouiller(facture)
    montant = factures.facturer_patient(
        facture=facture, partie=TypePartie(partie), motif=motif, utilisateur=utilisateur, le=le
    )
    chemin = documents.facture_patient(
        facture=facture,
        partie=TypePartie(partie),
        montant=montant,
        motif=motif,
        le=le,
        reglement=reglement,
    )
    return _action(
        facture,
        TypeAction.FACTURE_PATIENT,
        utilisateur,
        partie=TypePartie(partie),
        echeance=le + timedelta(days=DELAI_REPONSE_JOURS),
        document=chemin,
        details={"montant": montant},
    )


@transaction.atomic
def facturer_mutuelle(*, facture: Facture, motif: str, utilisateur: User, le: date) -> Action:
    """The rejected DRE asked again of the mutuelle on paper, tracked until it answers."""
    facture = _verrouiller(facture)
    if TypePartie.DRE not in _etats(facture):
        raise OperationRefusee(
            f"Facture {facture.numero} : elle n'a pas de DRE ; la part de la caisse ne se "
            "facture pas à la mutuelle. Recyclez la facture ou facturez le patient."
        )
    factures.facturer_mutuelle(
        facture=facture, partie=TypePartie.DRE, motif=motif, utilisateur=utilisateur, le=le
    )
    return _action(
        facture,
        TypeAction.DEMANDE_MUTUELLE,
        utilisateur,
        partie=TypePartie.DRE,
        echeance=le + timedelta(days=DELAI_REPONSE_JOURS),
        details={"motif": motif},
    )


def abandonner(
    *, facture: Facture, partie: TypePartie, motif: str, utilisateur: User, le: date
) -> Facture:
    """Give up the rejected part with a reason: the loss is posted."""
    return factures.abandonner(
        facture=facture, partie=TypePartie(partie), motif=motif, utilisateur=utilisateur, le=le
    )


@transaction.atomic
def duplicata(*, facture: Facture, utilisateur: User, le: date, demande: str) -> Action:
    """A duplicata, produced only when the caisse asks for one, and recorded as such (DOMAIN.md
    section 2: for a silent unpaid, file a réclamation, not a duplicata)."""
    if not demande.strip():
        raise OperationRefusee(
            "Un duplicata ne s'envoie que si la caisse le demande : indiquez sa demande (date, "
            "courrier, interlocuteur). Pour une facture restée sans réponse, faites une "
            "réclamation."
        )
    facture = _verrouiller(facture)
    if not facture.deja_transmise:
        raise OperationRefusee(
            f"Facture {facture.numero} : jamais transmise, elle n'a pas de duplicata."
        )
    chemin = documents.duplicata(facture=facture, le=le)
    action = _action(
        facture,
        TypeAction.DUPLICATA,
        utilisateur,
        statut=StatutAction.TERMINEE,
        document=chemin,
        details={"demande": demande},
    )
    return action


@transaction.atomic
def reclamation(
    *, facture: Facture, partie: TypePartie, motif: str, utilisateur: User, le: date
) -> Action:
    """A réclamation to the organisme: to contest a payment (never rebill a paid invoice), or
    for a silent unpaid after a positive ARL (DOMAIN.md sections 2 and 3)."""
    if not motif.strip():
        raise OperationRefusee("Une réclamation porte son motif.")
    facture = _verrouiller(facture)
    etat = _etats(facture).get(TypePartie(partie))
    if etat not in ETATS_DE_RECLAMATION:
        raise OperationRefusee(
            f"Facture {facture.numero} : une réclamation porte sur une facture payée ou restée "
            f"sans réponse ; la {TypePartie(partie).libelle} est « "
            f"{etat.libelle if etat else 'absente'} »."
        )
    chemin = documents.reclamation(facture=facture, partie=TypePartie(partie), motif=motif, le=le)
    return _action(
        facture,
        TypeAction.RECLAMATION,
        utilisateur,
        partie=TypePartie(partie),
        echeance=le + timedelta(days=DELAI_REPONSE_JOURS),
        document=chemin,
        details={"motif": motif},
    )


@transaction.atomic
def demande_annulation(
    *, facture: Facture, motif: str, utilisateur: User, le: date
) -> tuple[Action, list[str]]:
    """An input error on an invoice already transmitted: the same-day cancellation request to
    the caisse, as an email draft (DOMAIN.md section 3)."""
    facture = _verrouiller(facture)
    fse = facture.parties.select_related("lot").get(type=TypePartie.FSE)
    if Etat(fse.etat) not in ETATS_ANNULABLES:
        raise OperationRefusee(
            f"Facture {facture.numero} : la FSE est « {Etat(fse.etat).libelle} ». Une demande "
            "d'annulation porte sur une facture transmise sans réponse ; jamais transmise, "
            "annulez-la dans Rejets ; payée, faites une réclamation."
        )
    if Action.objects.filter(
        facture=facture, type=TypeAction.ANNULATION, statut=StatutAction.EN_ATTENTE
    ).exists():
        raise OperationRefusee(f"Facture {facture.numero} : annulation déjà demandée.")
    avertissements = []
    if fse.date_transmission and fse.date_transmission != le:
        avertissements.append(
            f"Transmise le {fse.date_transmission:%d/%m/%Y} : la caisse n'annule en principe que "
            "le jour même ; sinon, attendez son retour (rejet ou paiement)."
        )
    chemin = documents.demande_annulation(facture=facture, motif=motif, le=le)
    action = _action(
        facture,
        TypeAction.ANNULATION,
        utilisateur,
        partie=TypePartie.FSE,
        echeance=le + timedelta(days=2),
        document=chemin,
        details={"motif": motif},
    )
    return action, avertissements


@transaction.atomic
def confirmer_annulation(
    *, action: Action, utilisateur: User, le: date, reponse: str = ""
) -> Rejet:
    """The caisse confirmed: the invoice carries the rejection « annulée à la demande du
    professionnel » and follows the normal défacturer → recycler path."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.type != TypeAction.ANNULATION or action.statut != StatutAction.EN_ATTENTE:
        raise OperationRefusee("Cette action n'est pas une demande d'annulation en attente.")
    rejet = rejet_papier(
        facture=action.facture,
        partie=TypePartie.FSE,
        le=le,
        utilisateur=utilisateur,
        code=CODE_ANNULATION,
        libelle=LIBELLE_ANNULATION,
        moyen="courrier",
    )
    action.statut = StatutAction.TERMINEE
    action.reponse = reponse or "Annulation confirmée par la caisse."
    action.save(update_fields=["statut", "reponse", "modifiee_le"])
    return rejet


@transaction.atomic
def copie_degradee(*, action: Action, utilisateur: User, le: date, envoyee: bool) -> Action:
    """Mode dégradé recycled invoice: produce the copy of the rebilled care sheet with the
    teletransmission bordereau (PDF); `envoyee` marks it sent to the caisse. It stays flagged
    until both are done."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.type != TypeAction.COPIE_DEGRADEE or action.statut not in (
        StatutAction.A_FAIRE,
        StatutAction.EN_ATTENTE,
    ):
        raise OperationRefusee("Cette action n'est pas une copie de mode dégradé à envoyer.")
    if not action.document:
        action.document = documents.copie_degradee(facture=action.facture, le=le)
    if envoyee:
        action.statut = StatutAction.TERMINEE
        action.reponse = f"Copie et bordereau envoyés à la caisse le {le:%d/%m/%Y}."
    action.save(update_fields=["document", "statut", "reponse", "modifiee_le"])
    return action


@transaction.atomic
def repondre(*, action: Action, utilisateur: User, reponse: str, terminee: bool = True) -> Action:
    """Record the answer to a tracked action (the organisme answered, the patient paid…)."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    action.reponse = reponse
    if terminee:
        action.statut = StatutAction.TERMINEE
    action.save(update_fields=["reponse", "statut", "modifiee_le"])
    return action


# ---------------------------------------------------------------------- in bulk


@dataclass
class RapportEnLot:
    faites: list[str] = field(default_factory=list)
    refusees: list[tuple[str, str]] = field(default_factory=list)

    def resume(self) -> dict[str, Any]:
        return {
            "faites": self.faites,
            "refusees": [{"facture": n, "raison": r} for n, r in self.refusees],
        }


def en_lot(factures_: Iterable[Facture], action: Callable[[Facture], str]) -> RapportEnLot:
    """Apply `action` to each invoice in its own transaction; report what was done and what
    was refused, and why."""
    rapport = RapportEnLot()
    for f in factures_:
        try:
            with transaction.atomic():
                rapport.faites.append(action(f))
        except (OperationRefusee, TransitionInterdite) as exc:
            rapport.refusees.append((f.numero, str(exc)))
    return rapport


def defacturer_selection(
    *, factures_: Iterable[Facture], utilisateur: User, le: date, commentaire: str = ""
) -> RapportEnLot:
    def une(f: Facture) -> str:
        r = defacturer(facture=f, utilisateur=utilisateur, le=le, commentaire=commentaire)
        suite = f" ({' '.join(r.avertissements)})" if r.avertissements else ""
        return f"Facture {f.numero} défacturée{suite}"

    return en_lot(factures_, une)


def recycler_selection(
    *, factures_: Iterable[Facture], utilisateur: User, le: date
) -> RapportEnLot:
    def une(f: Facture) -> str:
        r = recycler(facture=f, utilisateur=utilisateur, le=le)
        return (
            f"La facture {r.ancienne.numero} est recyclée sous le nouveau numéro "
            f"{r.nouvelle.numero}"
        )

    return en_lot(factures_, une)
