"""Relances: each step that asks someone else to act, as a tracked action with its due date,
its letter (PDF on the practice's letterhead) and, for an organisme, an email draft (.eml) —
a relance to a mutuelle, a reminder to a patient, a request to update the Vitale card. The
réclamation to a caisse and the cancellation request are the rejection workflow's own
(`rejets.recyclage.services`). Email subjects carry numbers only, never a patient's name or
NIR."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction

from rejets.compta.selectors import bilan_facture
from rejets.domain.ledger import Payeur
from rejets.domain.lifecycle import TypePartie
from rejets.domain.money import format_euros
from rejets.factures import services as factures
from rejets.factures.models import Facture
from rejets.formats import courriel
from rejets.formats.pdf.lettre import LettrePdf, lettre
from rejets.recyclage import documents
from rejets.recyclage.models import Action, StatutAction, TypeAction
from rejets.transmission import pieces

ECHEANCE_JOURS = {
    TypeAction.RELANCE_MUTUELLE: 30,
    TypeAction.RAPPEL_PATIENT: 15,
    TypeAction.MISE_A_JOUR_VITALE: 15,
}
TYPES_DE_RELANCE = tuple(ECHEANCE_JOURS)


@dataclass(frozen=True)
class Modele:
    objet: str
    corps: str
    destinataire: tuple[str, ...]


def _modele(facture: Facture, type_: TypeAction, message: str) -> Modele:
    p = facture.patient
    soins = f"{facture.date_soins:%d/%m/%Y}"
    if type_ is TypeAction.RELANCE_MUTUELLE:
        dre = facture.parties.select_related("organisme").filter(type=TypePartie.DRE).first()
        if dre is None or dre.organisme is None:
            raise factures.OperationRefusee(
                f"Facture {facture.numero} : pas de DRE ni de mutuelle à relancer."
            )
        reste = bilan_facture(facture).reste_du[Payeur.AMC]
        return Modele(
            f"Relance — facture n° {facture.numero}",
            message
            or (
                f"Madame, Monsieur,\nla part complémentaire de la facture n° {facture.numero} "
                f"(soins du {soins}), soit {format_euros(reste)}, ne nous est pas parvenue. "
                "Pouvez-vous nous indiquer où en est son règlement ?\nAvec nos remerciements."
            ),
            (dre.organisme.libelle, f"N° AMC {dre.organisme.code}"),
        )
    if type_ is TypeAction.RAPPEL_PATIENT:
        reste = bilan_facture(facture).reste_du[Payeur.PATIENT]
        if reste <= 0:
            raise factures.OperationRefusee(
                f"Facture {facture.numero} : le patient ne doit plus rien."
            )
        return Modele(
            f"Rappel — facture n° {facture.numero}",
            message
            or (
                f"Madame, Monsieur,\nsauf erreur de notre part, la somme de {format_euros(reste)} "
                f"reste due pour les soins du {soins} (facture n° {facture.numero}). Merci de "
                "la régler au cabinet, par chèque ou par virement.\nAvec nos remerciements."
            ),
            (f"{p.prenom} {p.nom}",),
        )
    return Modele(
        "Mise à jour de votre carte Vitale",
        message
        or (
            "Madame, Monsieur,\nla caisse a refusé la prise en charge de vos soins du "
            f"{soins} : les droits inscrits sur votre carte Vitale ne sont pas à jour. Merci de "
            "la mettre à jour (borne en pharmacie ou à l'accueil de votre caisse) ou de nous "
            "remettre une attestation de droits.\nAvec nos remerciements."
        ),
        (f"{p.prenom} {p.nom}",),
    )


@transaction.atomic
def relancer(
    *, facture: Facture, type: TypeAction, utilisateur: User, le: date, message: str = ""
) -> Action:
    """A relance as a tracked action, with its letter, and for a mutuelle an email draft."""
    type_ = TypeAction(type)
    if type_ not in TYPES_DE_RELANCE:
        raise factures.OperationRefusee(
            f"« {type_.label} » n'est pas une relance : utilisez les commandes du recyclage."
        )
    facture = Facture.objects.select_related("patient", "professionnel", "cabinet").get(
        pk=facture.pk
    )
    modele = _modele(facture, type_, message.strip())
    feuille = pieces.feuille_de(facture, le)
    contenu = lettre(
        LettrePdf(
            praticien=feuille.praticien,
            destinataire=modele.destinataire,
            objet=modele.objet,
            references=(
                ("Facture", facture.numero),
                ("Soins du", f"{facture.date_soins:%d/%m/%Y}"),
            ),
            corps=modele.corps,
            date_document=le,
            signature=feuille.signature,
        )
    )
    nom = f"{type_.value}-{facture.numero}-{le:%Y%m%d}"
    document = documents.stocker(facture, f"{nom}.pdf", contenu)
    details: dict[str, str] = {"objet": modele.objet}
    if type_ is TypeAction.RELANCE_MUTUELLE:
        details["courriel"] = documents.stocker(
            facture,
            f"{nom}.eml",
            courriel.brouillon(
                praticien=feuille.praticien,
                expediteur=documents.expediteur(facture),
                destinataire="",
                date=dt.datetime.combine(le, dt.time(9, 0), tzinfo=documents.FUSEAU),
                objet=f"RELANCE — PS {facture.professionnel.numero_am} — facture {facture.numero}",
                message_id=f"<relance.{facture.professionnel.numero_am}.{facture.numero}."
                f"{le:%Y%m%d}@rejets.invalid>",
                corps=modele.corps,
                pieces=[courriel.PieceJointe(f"{nom}.pdf", contenu)],
            ),
        )
    factures.noter(
        facture=facture,
        utilisateur=utilisateur,
        evenement="action",
        details={"type": type_.value, "statut": StatutAction.EN_ATTENTE.value},
    )
    return Action.objects.create(
        cabinet_id=facture.cabinet_id,
        facture=facture,
        type=type_,
        statut=StatutAction.EN_ATTENTE,
        echeance=le + timedelta(days=ECHEANCE_JOURS[type_]),
        responsable=utilisateur,
        creee_par=utilisateur,
        document=document,
        details=details,
    )
