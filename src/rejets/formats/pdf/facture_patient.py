"""Facture au patient : la part refusée en tiers payant, désormais due par le patient.

Quand la caisse (part AMO) ou la mutuelle (part AMC) refuse sa part et que le cabinet ne
peut pas la recycler, le patient règle lui-même cette part : la facture au patient (note
d'honoraires) remplace le tiers payant pour la part refusée (DOMAIN.md §3). Ce qu'il a déjà
versé (sa part, un acompte né d'une défacturation) vient en déduction.

Le document va au patient : ni NIR ni données de droits. Il les connaît, et la facture peut
voyager par la poste ; le motif du refus suffit à expliquer la somme demandée. Les
métadonnées ne portent que le numéro de la facture. Mise en page propre au projet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from rejets.formats.pdf.feuille import ActePdf, PraticienPdf, cadre_signature
from rejets.formats.pdf.mise_en_page import (
    FOND_ENTETE,
    FOND_SECTION,
    GRIS_TRAIT,
    LARGEUR_UTILE,
    ChangerPied,
    Pied,
    bandeau,
    cadre_mention,
    coefficient_fr,
    construire,
    date_fr,
    euros,
    heure_fr,
    style_tableau,
    styles,
    texte,
)

__all__ = [
    "MENTION_TVA",
    "FacturePatientPdf",
    "PartRefusee",
    "PatientPdf",
    "facture_patient",
]

PartRefusee = Literal["AMO", "AMC", "AMO et AMC"]
"""Part refusée : AMO (caisse), AMC (mutuelle ou complémentaire), ou les deux."""

LIBELLES_PARTS: dict[str, str] = {
    "AMO": "la part de l'assurance maladie obligatoire (caisse)",
    "AMC": "la part de la complémentaire santé (mutuelle)",
    "AMO et AMC": "les parts de la caisse et de la complémentaire santé",
}

MENTION_TVA = "TVA non applicable — article 261, 4, 1° du code général des impôts."
"""Soins dispensés par les professions médicales et paramédicales réglementées : exonérés."""


@dataclass(frozen=True)
class PatientPdf:
    """Patient à qui la facture est adressée : nom, prénom, adresse postale facultative."""

    nom: str
    prenom: str
    adresse: Sequence[str] = ()


def _verifier_montant(libelle: str, centimes: int) -> None:
    if isinstance(centimes, bool) or not isinstance(centimes, int):
        raise TypeError(f"{libelle} : un montant est un nombre entier de centimes.")
    if centimes < 0:
        raise ValueError(f"{libelle} : montant négatif ({euros(centimes)}).")


@dataclass(frozen=True)
class FacturePatientPdf:
    """Facture au patient après le refus d'une part en tiers payant ; montants en centimes.

    - ``montant_refuse`` : la part refusée par ``organisme``, désormais due par le patient ;
    - ``part_patient`` : sa part propre (ticket modérateur…) s'il la doit encore ;
    - ``deja_regle`` : ce qu'il a déjà versé (règlement, acompte), déduit du reste à payer ;
    - ``motif`` : le refus en clair, par exemple « La caisse a refusé la prise en charge :
      droits non ouverts à la date des soins » ;
    - ``reglement`` : les modalités de paiement (ordre du chèque, IBAN…), telles quelles ;
    - ``facture_origine`` : numéro de la facture transmise dont la part a été refusée.
    """

    numero_facture: str
    date_soins: dt.date
    date_document: dt.date
    date_echeance: dt.date
    praticien: PraticienPdf
    patient: PatientPdf
    actes: Sequence[ActePdf]
    total: int
    part_refusee: PartRefusee
    organisme: str
    montant_refuse: int
    motif: str
    reglement: str
    part_patient: int = 0
    deja_regle: int = 0
    facture_origine: str | None = None
    signature: bytes | None = None

    def __post_init__(self) -> None:
        n = self.numero_facture
        if not n.strip():
            raise ValueError("Facture au patient : le numéro de facture est obligatoire.")
        if not self.actes:
            raise ValueError(f"Facture au patient n° {n} : il faut au moins un acte.")
        if self.part_refusee not in LIBELLES_PARTS:
            raise ValueError(
                f"Facture au patient n° {n} : part refusée inconnue « {self.part_refusee} »."
            )
        for libelle, valeur in (
            ("montant total", self.total),
            ("montant refusé", self.montant_refuse),
            ("part du patient", self.part_patient),
            ("déjà réglé", self.deja_regle),
        ):
            _verifier_montant(f"Facture au patient n° {n}, {libelle}", valeur)
        if self.montant_refuse == 0:
            raise ValueError(f"Facture au patient n° {n} : aucune part refusée à facturer.")
        if self.montant_du > self.total:
            raise ValueError(
                f"Facture au patient n° {n} : la somme due ({euros(self.montant_du)}) "
                f"dépasse le montant des actes ({euros(self.total)})."
            )
        if self.deja_regle > self.montant_du:
            raise ValueError(
                f"Facture au patient n° {n} : le déjà réglé ({euros(self.deja_regle)}) "
                f"dépasse la somme due ({euros(self.montant_du)})."
            )
        if self.date_echeance < self.date_document:
            raise ValueError(
                f"Facture au patient n° {n} : l'échéance ({date_fr(self.date_echeance)}) "
                f"précède la date de la facture ({date_fr(self.date_document)})."
            )
        if not self.motif.strip():
            raise ValueError(f"Facture au patient n° {n} : le motif du refus est obligatoire.")
        if not self.reglement.strip():
            raise ValueError(
                f"Facture au patient n° {n} : les modalités de règlement sont obligatoires."
            )

    @property
    def montant_du(self) -> int:
        """Somme à la charge du patient : la part refusée et sa part propre."""
        return self.montant_refuse + self.part_patient

    @property
    def reste_a_payer(self) -> int:
        return self.montant_du - self.deja_regle

    @property
    def tiers_payant_maintenu(self) -> int:
        """Ce que le tiers payant couvre encore (les parts non refusées)."""
        return self.total - self.montant_du


# --- Blocs partagés avec la réclamation ---


def lignes_praticien(p: PraticienPdf) -> list[str]:
    """Identification du praticien, lignes de balisage ``Paragraph`` prêtes à joindre."""
    lignes = [
        f"<b>{texte(p.prenom)} {texte(p.nom)}</b>",
        texte(p.profession),
        f"N° de facturation AM : {texte(p.numero_am)}",
    ]
    if p.rpps:
        lignes.append(f"N° RPPS : {texte(p.rpps)}")
    lignes += [texte(x) for x in (p.cabinet, *p.adresse) if x]
    return lignes


def deux_colonnes(
    titre_gauche: str, gauche: Sequence[str], titre_droite: str, droite: Sequence[str]
) -> Table:
    """Deux cadres côte à côte (émetteur, destinataire) ; lignes déjà balisées."""
    st = styles()
    moitie = LARGEUR_UTILE / 2
    tableau = Table(
        [
            [
                Paragraph(texte(titre_gauche), st.section),
                Paragraph(texte(titre_droite), st.section),
            ],
            [
                Paragraph("<br/>".join(gauche), st.normal),
                Paragraph("<br/>".join(droite), st.normal),
            ],
        ],
        colWidths=[moitie - 2 * mm, moitie + 2 * mm],
    )
    tableau.setStyle(
        style_tableau(
            [
                ("BACKGROUND", (0, 0), (-1, 0), FOND_SECTION),
                ("BOX", (0, 0), (0, -1), 0.75, GRIS_TRAIT),
                ("BOX", (1, 0), (1, -1), 0.75, GRIS_TRAIT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return tableau


def cadre_texte(titre: str, contenu: str) -> Table:
    """Cadre à bandeau de titre autour d'un texte saisi (échappé, retours à la ligne gardés)."""
    st = styles()
    corps = "<br/>".join(texte(ligne) for ligne in contenu.strip().splitlines())
    tableau = Table(
        [[Paragraph(texte(titre), st.section)], [Paragraph(corps, st.normal)]],
        colWidths=[LARGEUR_UTILE],
    )
    tableau.setStyle(
        style_tableau(
            [
                ("BACKGROUND", (0, 0), (-1, 0), FOND_SECTION),
                ("BOX", (0, 0), (-1, -1), 0.75, GRIS_TRAIT),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return tableau


# --- Facture au patient ---


def mention_tiers_payant(f: FacturePatientPdf) -> str:
    """La mention qui dit que la facture remplace le tiers payant pour la part refusée."""
    return (
        f"Tiers payant refusé : cette facture remplace le tiers payant pour "
        f"{LIBELLES_PARTS[f.part_refusee]}, soit {euros(f.montant_refuse)}, "
        f"désormais à la charge du patient."
    )


def _entete(f: FacturePatientPdf) -> Table:
    droite = [
        f"<b>Facture n° {texte(f.numero_facture)}</b>",
        f"Date des soins : {date_fr(f.date_soins)}",
        f"Date de la facture : {date_fr(f.date_document)}",
        f"À régler avant le : {date_fr(f.date_echeance)}",
    ]
    if f.facture_origine:
        droite.append(f"Facture d'origine n° {texte(f.facture_origine)}")
    sous_titre = f"Note d'honoraires — {texte(f.praticien.profession)}"
    return bandeau("Facture au patient", sous_titre, droite, 0.6)


def _parties(f: FacturePatientPdf) -> Table:
    patient = [f"<b>{texte(f.patient.prenom)} {texte(f.patient.nom)}</b>"]
    patient += [texte(x) for x in f.patient.adresse if x]
    return deux_colonnes("Praticien", lignes_praticien(f.praticien), "Patient", patient)


def _actes(f: FacturePatientPdf) -> Table:
    st = styles()
    entete = ["Date", "Heure", "Code acte", "Coefficient", "Montant"]
    lignes: list[list[Any]] = [
        [Paragraph("Soins facturés", st.section), "", "", "", ""],
        [Paragraph(x, st.droite_gras if i >= 3 else st.gras) for i, x in enumerate(entete)],
    ]
    for acte in f.actes:
        lignes.append(
            [
                date_fr(acte.date),
                heure_fr(acte.heure),
                texte(acte.lettre_cle),
                coefficient_fr(acte.coefficient),
                euros(acte.montant),
            ]
        )
    u = LARGEUR_UTILE / 10
    tableau = Table(lignes, colWidths=[2 * u, 1.5 * u, 2.5 * u, 1.8 * u, 2.2 * u], repeatRows=2)
    tableau.setStyle(
        style_tableau(
            [
                ("SPAN", (0, 0), (-1, 0)),
                ("BACKGROUND", (0, 0), (-1, 0), FOND_SECTION),
                ("BACKGROUND", (0, 1), (-1, 1), FOND_ENTETE),
                ("ALIGN", (3, 2), (-1, -1), "RIGHT"),
                ("BOX", (0, 0), (-1, -1), 0.75, GRIS_TRAIT),
                ("INNERGRID", (0, 1), (-1, -1), 0.25, GRIS_TRAIT),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return tableau


def _montants(f: FacturePatientPdf) -> Table:
    st = styles()
    lignes: list[list[Any]] = [
        [Paragraph("Montants", st.section), ""],
        ["Montant total des soins", euros(f.total)],
        ["Reste couvert par le tiers payant", euros(f.tiers_payant_maintenu)],
        [
            Paragraph(f"Part refusée ({texte(f.part_refusee)}) — {texte(f.organisme)}", st.normal),
            euros(f.montant_refuse),
        ],
    ]
    if f.part_patient:
        lignes.append(["Votre part (ticket modérateur, dépassement…)", euros(f.part_patient)])
    lignes += [
        [
            Paragraph("Somme à votre charge", st.gras),
            Paragraph(euros(f.montant_du), st.droite_gras),
        ],
        ["Déjà réglé ou versé en acompte", euros(f.deja_regle)],
        [
            Paragraph("Reste à payer", st.section),
            Paragraph(f"<b>{euros(f.reste_a_payer)}</b>", st.droite),
        ],
    ]
    tableau = Table(lignes, colWidths=[LARGEUR_UTILE * 0.6, LARGEUR_UTILE * 0.4])
    tableau.setStyle(
        style_tableau(
            [
                ("SPAN", (0, 0), (-1, 0)),
                ("BACKGROUND", (0, 0), (-1, 0), FOND_SECTION),
                ("BACKGROUND", (0, -1), (-1, -1), FOND_ENTETE),
                ("ALIGN", (1, 1), (1, -1), "RIGHT"),
                ("BOX", (0, 0), (-1, -1), 0.75, GRIS_TRAIT),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, GRIS_TRAIT),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return tableau


def _echeance(f: FacturePatientPdf) -> Paragraph:
    if f.reste_a_payer == 0:
        phrase = "Facture acquittée : rien ne reste à payer."
    else:
        phrase = (
            f"Merci de régler <b>{euros(f.reste_a_payer)}</b> avant le "
            f"<b>{date_fr(f.date_echeance)}</b>, en rappelant le n° de facture "
            f"{texte(f.numero_facture)}."
        )
    return Paragraph(phrase, styles().normal)


def _signature(f: FacturePatientPdf) -> Flowable:
    """Le cadre de signature si l'image est donnée ; sinon « Fait le … » seul."""
    if f.signature is None:
        return Paragraph(f"Fait le {date_fr(f.date_document)}", styles().normal)
    return cadre_signature("Signature du praticien", f.signature, f.date_document)


def titre_facture_patient(f: FacturePatientPdf) -> str:
    """Titre des métadonnées : le seul numéro de facture, sans nom."""
    return f"Facture au patient n° {f.numero_facture}"


def elements_facture_patient(f: FacturePatientPdf, pied: Pied) -> list[Flowable]:
    """Éléments de mise en page d'une facture au patient, à poser dans un document."""
    ecart = Spacer(1, 3 * mm)
    return [
        ChangerPied(pied, titre_facture_patient(f)),
        _entete(f),
        Spacer(1, 2 * mm),
        cadre_mention(texte(mention_tiers_payant(f))),
        ecart,
        _parties(f),
        ecart,
        cadre_texte("Motif du refus", f.motif),
        ecart,
        _actes(f),
        ecart,
        KeepTogether([_montants(f), Spacer(1, 2 * mm), _echeance(f)]),
        ecart,
        KeepTogether(
            [
                cadre_texte("Modalités de règlement", f.reglement),
                Spacer(1, 2 * mm),
                Paragraph(texte(MENTION_TVA), styles().note),
                Spacer(1, 4 * mm),
                _signature(f),
            ]
        ),
    ]


def facture_patient(f: FacturePatientPdf) -> bytes:
    """PDF A4 de la facture au patient pour la part refusée en tiers payant (DOMAIN.md §3).

    Mêmes données -> mêmes octets ; titre des métadonnées « Facture au patient n° … », sans
    nom ni NIR. Une image de signature non conforme lève ``ImageSignatureRefusee``.
    """
    return construire(
        lambda pied: elements_facture_patient(f, pied),
        titre=titre_facture_patient(f),
        sujet="Facture au patient, part refusée en tiers payant",
        date_document=f.date_document,
    )
