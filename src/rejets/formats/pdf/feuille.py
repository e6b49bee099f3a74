"""Feuille de soins papier d'une facture en mode dégradé (sans carte Vitale).

En mode dégradé, la facture part quand même par voie électronique, la feuille de soins
papier numérisée en pièce justificative SCOR, ou part sur papier à la caisse ; une facture
en mode dégradé recyclée exige l'envoi à la caisse d'une copie de la feuille refacturée et
du bordereau correspondant (DOMAIN.md §2 et §3).

La mise en page reprend l'esprit de la feuille de soins papier des auxiliaires médicaux
(praticien, bénéficiaire, prescription, actes, parts, signature) ; c'est un rendu propre au
projet, pas le formulaire CERFA officiel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from rejets.domain.repartition import EXONERATIONS, LIBELLES_NATURES, NatureAssurance
from rejets.formats.pdf.mise_en_page import (
    FOND_ENTETE,
    FOND_SECTION,
    GRIS_TRAIT,
    LARGEUR_UTILE,
    ChangerPied,
    ImageSignaturePdf,
    Pied,
    bandeau,
    cadre_mention,
    coefficient_fr,
    construire,
    date_fr,
    euros,
    heure_fr,
    nir_fr,
    oui_non,
    section,
    style_tableau,
    styles,
    texte,
)
from rejets.formats.pdf.signature import image_pour_impression

__all__ = [
    "MENTION_MODE_DEGRADE",
    "ActePdf",
    "BeneficiairePdf",
    "FeuilleDeSoins",
    "PraticienPdf",
    "PrescriptionPdf",
    "feuille_de_soins",
]

MENTION_MODE_DEGRADE = (
    "Feuille de soins établie en mode dégradé (sans carte Vitale) — pièce justificative SCOR"
)
SIGNATURE_ABSENTE = (
    "Signature numérisée absente : signer cette feuille à la main avant de l'envoyer."
)

LARGEUR_SIGNATURE = 70 * mm
HAUTEUR_SIGNATURE = 26 * mm


@dataclass(frozen=True)
class PraticienPdf:
    """Praticien qui facture : n° de facturation AM (8 chiffres + clé), RPPS facultatif."""

    nom: str
    prenom: str
    profession: str
    numero_am: str
    rpps: str | None = None
    cabinet: str | None = None
    adresse: Sequence[str] = ()


@dataclass(frozen=True)
class BeneficiairePdf:
    """Bénéficiaire des soins : NIR, rang de naissance et droits AMO (DOMAIN.md §5).

    ``date_naissance`` peut être un texte pour une date de naissance lunaire (jour ou mois
    inconnus), imprimé tel quel.
    """

    nom: str
    prenom: str
    nir: str
    rang: int
    date_naissance: dt.date | str
    regime: str
    caisse: str
    centre: str
    nature_assurance: str
    exoneration: str


@dataclass(frozen=True)
class PrescriptionPdf:
    """Prescription : prescripteur, RPPS facultatif, date, mention « à domicile »."""

    prescripteur_nom: str
    prescripteur_rpps: str | None
    date: dt.date
    a_domicile: bool


@dataclass(frozen=True)
class ActePdf:
    """Acte NGAP : lettre clé, coefficient décimal, montant en centimes, heure facultative."""

    date: dt.date
    lettre_cle: str
    coefficient: Decimal
    montant: int
    heure: dt.time | None = None


@dataclass(frozen=True)
class FeuilleDeSoins:
    """Feuille de soins d'une facture en mode dégradé ; montants en centimes.

    ``tiers_payant`` et ``organisme_destinataire`` sont des libellés prêts à imprimer ;
    ``signature`` est l'image numérisée de la signature du praticien (PNG ou JPEG).
    """

    numero_facture: str
    date_soins: dt.date
    praticien: PraticienPdf
    beneficiaire: BeneficiairePdf
    prescription: PrescriptionPdf | None
    actes: Sequence[ActePdf]
    total: int
    part_amo: int
    part_amc: int
    part_patient: int
    tiers_payant: str
    organisme_destinataire: str
    date_document: dt.date
    signature: bytes | None = None
    numero_lot: str | None = None

    def __post_init__(self) -> None:
        if not self.numero_facture.strip():
            raise ValueError("Feuille de soins : le numéro de facture est obligatoire.")
        if not self.actes:
            raise ValueError(
                f"Feuille de soins n° {self.numero_facture} : il faut au moins un acte."
            )


def _libelle_code(code: str, libelles: Mapping[str, str]) -> str:
    libelle = libelles.get(code)
    return f"{code} — {libelle}" if libelle else code


def _nature(code: str) -> str:
    return _libelle_code(code, {n.value: LIBELLES_NATURES[n] for n in NatureAssurance})


def _exoneration(code: str) -> str:
    return _libelle_code(code, EXONERATIONS)


def _praticien(p: PraticienPdf) -> Table:
    champs = [
        ("Nom et prénom", texte(f"{p.nom} {p.prenom}")),
        ("N° de facturation AM", texte(p.numero_am)),
        ("Profession", texte(p.profession)),
        ("N° RPPS", texte(p.rpps or "—")),
    ]
    if p.cabinet or p.adresse:
        lignes = [x for x in (p.cabinet, *p.adresse) if x]
        champs.append(("Cabinet", "<br/>".join(texte(x) for x in lignes)))
    return section("Identification du praticien", champs)


def _beneficiaire(b: BeneficiairePdf) -> Table:
    naissance = b.date_naissance
    return section(
        "Bénéficiaire des soins",
        [
            ("Nom", texte(b.nom)),
            ("Prénom", texte(b.prenom)),
            ("N° d'immatriculation (NIR)", texte(nir_fr(b.nir))),
            ("Rang de naissance", str(b.rang)),
            (
                "Date de naissance",
                texte(date_fr(naissance) if isinstance(naissance, dt.date) else naissance),
            ),
            ("Régime / caisse / centre", texte(f"{b.regime} / {b.caisse} / {b.centre}")),
            ("Nature d'assurance", texte(_nature(b.nature_assurance))),
            ("Exonération du ticket modérateur", texte(_exoneration(b.exoneration))),
        ],
    )


def _prescription(p: PrescriptionPdf | None) -> Table:
    if p is None:
        return section("Prescription", [("Prescription", "Soins sans prescription")])
    return section(
        "Prescription",
        [
            ("Prescripteur", texte(p.prescripteur_nom)),
            ("N° RPPS du prescripteur", texte(p.prescripteur_rpps or "—")),
            ("Date de la prescription", date_fr(p.date)),
            ("Soins à domicile", oui_non(p.a_domicile)),
        ],
    )


def _actes(actes: Sequence[ActePdf]) -> Table:
    st = styles()
    entete = ["Date", "Heure", "Code acte", "Coefficient", "Montant"]
    lignes: list[list[Any]] = [
        [Paragraph("Actes effectués", st.section), "", "", "", ""],
        [Paragraph(x, st.droite_gras if i >= 3 else st.gras) for i, x in enumerate(entete)],
    ]
    for acte in actes:
        lignes.append(
            [
                date_fr(acte.date),
                heure_fr(acte.heure),
                acte.lettre_cle,
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
                ("FONTNAME", (0, 2), (-1, -1), st.normal.fontName),
                ("FONTSIZE", (0, 2), (-1, -1), st.normal.fontSize),
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


def _montants(f: FeuilleDeSoins) -> Table:
    st = styles()
    lignes = [
        [Paragraph("Montants", st.section), ""],
        [Paragraph("Montant total des actes", st.gras), Paragraph(euros(f.total), st.droite_gras)],
        ["Part AMO (caisse)", euros(f.part_amo)],
        ["Part AMC (complémentaire)", euros(f.part_amc)],
        ["Part assuré", euros(f.part_patient)],
        ["Tiers payant", Paragraph(texte(f.tiers_payant), st.droite)],
        ["Organisme destinataire", Paragraph(texte(f.organisme_destinataire), st.droite)],
    ]
    tableau = Table(lignes, colWidths=[LARGEUR_UTILE * 0.55, LARGEUR_UTILE * 0.45])
    tableau.setStyle(
        style_tableau(
            [
                ("SPAN", (0, 0), (-1, 0)),
                ("BACKGROUND", (0, 0), (-1, 0), FOND_SECTION),
                ("FONTNAME", (0, 1), (-1, -1), st.normal.fontName),
                ("FONTSIZE", (0, 1), (-1, -1), st.normal.fontSize),
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


def cadre_signature(titre: str, signature: bytes | None, date_document: dt.date) -> Table:
    """Cadre « Fait le … » et signature du praticien : l'image, ou la mention de son absence."""
    st = styles()
    if signature is None:
        contenu: Flowable = Paragraph(texte(SIGNATURE_ABSENTE), st.note)
    else:
        contenu = ImageSignaturePdf(
            image_pour_impression(signature), LARGEUR_SIGNATURE, HAUTEUR_SIGNATURE
        )
    lignes = [
        [Paragraph(f"Fait le {date_fr(date_document)}", st.normal), Paragraph(titre, st.gras)],
        ["", contenu],
    ]
    largeur_droite = LARGEUR_SIGNATURE + 12
    tableau = Table(
        lignes,
        colWidths=[LARGEUR_UTILE - largeur_droite, largeur_droite],
        rowHeights=[None, HAUTEUR_SIGNATURE + 8],
    )
    tableau.setStyle(
        style_tableau(
            [
                ("BOX", (1, 0), (1, -1), 0.75, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("VALIGN", (1, 1), (1, 1), "MIDDLE"),
                ("ALIGN", (1, 1), (1, 1), "CENTER"),
            ]
        )
    )
    return tableau


def _entete(f: FeuilleDeSoins) -> Table:
    droite = [
        f"<b>Facture n° {texte(f.numero_facture)}</b>",
        f"Date des soins : {date_fr(f.date_soins)}",
        f"Date du document : {date_fr(f.date_document)}",
    ]
    if f.numero_lot:
        droite.append(f"Lot n° {texte(f.numero_lot)}")
    sous_titre = f"Auxiliaire médical — {texte(f.praticien.profession)}"
    return bandeau("Feuille de soins", sous_titre, droite, 0.6)


def titre_feuille(f: FeuilleDeSoins) -> str:
    """Titre des métadonnées : le seul numéro de facture, sans nom ni NIR."""
    return f"Feuille de soins n° {f.numero_facture}"


def elements_feuille(f: FeuilleDeSoins, pied: Pied) -> list[Flowable]:
    """Éléments de mise en page d'une feuille de soins, à poser dans un document."""
    ecart = Spacer(1, 3 * mm)
    return [
        ChangerPied(pied, f"{titre_feuille(f)} — mode dégradé"),
        _entete(f),
        Spacer(1, 2 * mm),
        cadre_mention(MENTION_MODE_DEGRADE),
        ecart,
        _praticien(f.praticien),
        ecart,
        _beneficiaire(f.beneficiaire),
        ecart,
        _prescription(f.prescription),
        ecart,
        _actes(f.actes),
        ecart,
        KeepTogether(
            [
                _montants(f),
                Spacer(1, 4 * mm),
                cadre_signature("Signature du praticien", f.signature, f.date_document),
            ]
        ),
    ]


def feuille_de_soins(f: FeuilleDeSoins) -> bytes:
    """PDF A4 de la feuille de soins d'une facture en mode dégradé (DOMAIN.md §2, §3).

    Mêmes données -> mêmes octets. Titre des métadonnées : « Feuille de soins n° … », sans
    nom ni NIR. Une image de signature non conforme lève ``ImageSignatureRefusee``.
    """
    return construire(
        lambda pied: elements_feuille(f, pied),
        titre=titre_feuille(f),
        sujet="Feuille de soins en mode dégradé",
        date_document=f.date_document,
    )
