"""The documents of the rejection workflow, built from an invoice and kept under
REJETS_FICHIERS_DIR/documents/<cabinet>/ (the returned path is relative to it): the patient
invoice, the réclamation, the duplicata, the cancellation-request email draft and the paper copy
of a recycled mode dégradé invoice (docs/pieces.md). File names carry invoice numbers only,
never a patient's name or NIR."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Sum

from rejets.domain.ledger import Payeur
from rejets.domain.lifecycle import TypePartie
from rejets.factures.models import Facture, Paiement, Partie, UtilisationAcompte
from rejets.formats import courriel, pdf
from rejets.transmission import pieces
from rejets.transmission.adaptateurs import ecrire_atomiquement

FUSEAU = ZoneInfo("Europe/Paris")
PART_REFUSEE = {TypePartie.FSE: "AMO", TypePartie.DRE: "AMC"}
REGLEMENT_PAR_DEFAUT = (
    "Par chèque à l'ordre du praticien, en espèces ou par carte au cabinet, ou par virement "
    "(coordonnées bancaires sur demande au cabinet)."
)


def stocker(facture: Facture, nom: str, contenu: bytes) -> str:
    relatif = Path("documents") / str(facture.cabinet_id) / nom
    ecrire_atomiquement(Path(settings.REJETS_FICHIERS_DIR) / relatif, contenu)
    return str(relatif)


def chemin_document(relatif: str) -> Path:
    return Path(settings.REJETS_FICHIERS_DIR) / relatif


def expediteur(facture: Facture) -> str:
    """The cabinet's address in the drafts; the user completes it in the mail client."""
    return f"{facture.cabinet.code}@cabinet.invalid"


def _quand(le: dt.date) -> dt.datetime:
    return dt.datetime.combine(le, dt.time(9, 0), tzinfo=FUSEAU)


def _fse(facture: Facture) -> Partie:
    return facture.parties.select_related("lot", "organisme").get(type=TypePartie.FSE)


def facture_patient(
    *, facture: Facture, partie: TypePartie, montant: int, motif: str, le: dt.date, reglement: str
) -> str:
    feuille = pieces.feuille_de(facture, le)
    partie_ = facture.parties.select_related("organisme").get(type=partie)
    deja = (
        Paiement.objects.filter(facture=facture, payeur=Payeur.PATIENT).aggregate(s=Sum("montant"))[
            "s"
        ]
        or 0
    ) + (UtilisationAcompte.objects.filter(facture=facture).aggregate(s=Sum("montant"))["s"] or 0)
    document = pdf.FacturePatientPdf(
        numero_facture=facture.numero,
        date_soins=facture.date_soins,
        date_document=le,
        date_echeance=le + dt.timedelta(days=30),
        praticien=feuille.praticien,
        patient=pdf.PatientPdf(nom=facture.patient.nom, prenom=facture.patient.prenom),
        actes=feuille.actes,
        total=facture.total,
        part_refusee=PART_REFUSEE[partie],  # type: ignore[arg-type]
        organisme=str(partie_.organisme) if partie_.organisme else "l'organisme",
        montant_refuse=montant,
        motif=motif,
        reglement=reglement or REGLEMENT_PAR_DEFAUT,
        part_patient=facture.part_patient,
        deja_regle=min(deja, montant + facture.part_patient),
        signature=feuille.signature,
    )
    nom = f"facture-patient-{facture.numero}-{partie.value}.pdf"
    return stocker(facture, nom, pdf.facture_patient(document))


def _reclamation_pdf(
    facture: Facture, partie: TypePartie, motif: str, le: dt.date
) -> pdf.ReclamationPdf:
    feuille = pieces.feuille_de(facture, le)
    p = facture.parties.select_related("lot", "organisme").get(type=partie)
    paiements = Paiement.objects.filter(
        facture=facture, payeur=Payeur(PART_REFUSEE[partie].lower())
    )
    paye = paiements.aggregate(s=Sum("montant"))["s"]
    dernier = paiements.order_by("-date").first()
    return pdf.ReclamationPdf(
        organisme=str(p.organisme) if p.organisme else feuille.organisme_destinataire,
        praticien=feuille.praticien,
        numero_facture=facture.numero,
        numero_lot=p.lot.numero if p.lot else None,
        date_envoi=p.date_transmission or facture.date_soins,
        date_soins=facture.date_soins,
        montant_demande=p.montant,
        beneficiaire_nom=facture.patient.nom,
        beneficiaire_prenom=facture.patient.prenom,
        nir=facture.patient.nir,
        motif=motif,
        date_document=le,
        montant_paye=paye,
        date_paiement=dernier.date if dernier else None,
        signature=feuille.signature,
    )


def reclamation(*, facture: Facture, partie: TypePartie, motif: str, le: dt.date) -> str:
    return stocker(
        facture,
        f"reclamation-{facture.numero}-{partie.value}-{le:%Y%m%d}.pdf",
        pdf.reclamation(_reclamation_pdf(facture, partie, motif, le)),
    )


def duplicata(*, facture: Facture, le: dt.date) -> str:
    contenu = pdf.duplicata(pieces.feuille_de(facture, le), date_duplicata=le)
    return stocker(facture, f"duplicata-{facture.numero}-{le:%Y%m%d}.pdf", contenu)


def demande_annulation(*, facture: Facture, motif: str, le: dt.date) -> str:
    fse = _fse(facture)
    feuille = pieces.feuille_de(facture, le)
    brouillon = courriel.demande_annulation(
        courriel.DemandeAnnulation(
            praticien=feuille.praticien,
            expediteur=expediteur(facture),
            destinataire="",
            numero_lot=fse.lot.numero if fse.lot else "inconnu",
            date_envoi=fse.date_transmission or le,
            numero_facture=facture.numero,
            date_soins=facture.date_soins,
            motif=motif,
            date=_quand(le),
            organisme=str(fse.organisme) if fse.organisme else None,
            beneficiaire=f"{facture.patient.nom} {facture.patient.prenom}",
            nir=facture.patient.nir,
        )
    )
    return stocker(facture, f"annulation-{facture.numero}.eml", brouillon)


def copie_degradee(*, facture: Facture, le: dt.date) -> str:
    """The rebilled care sheet and its teletransmission bordereau, to post to the caisse."""
    contenu = pieces.copie_papier(factures=[facture], le=le)
    return stocker(facture, f"copie-degradee-{facture.numero}.pdf", contenu)
