"""Bordereau de télétransmission joint aux copies papier des factures en mode dégradé.

Une facture en mode dégradé recyclée exige l'envoi à la caisse d'une copie de la feuille de
soins refacturée et du bordereau correspondant (DOMAIN.md §3). Le bordereau va à la caisse :
nom et NIR des bénéficiaires figurent dans le document, jamais dans ses métadonnées.
Mise en page propre au projet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from rejets.formats.pdf.feuille import PraticienPdf, cadre_signature
from rejets.formats.pdf.mise_en_page import (
    FOND_ENTETE,
    FOND_SECTION,
    GRIS_TRAIT,
    LARGEUR_UTILE,
    ChangerPied,
    Pied,
    bandeau,
    cadre_mention,
    construire,
    date_fr,
    euros,
    nir_fr,
    style_tableau,
    styles,
    texte,
)

__all__ = ["Bordereau", "LigneBordereau", "bordereau"]

MENTION_BORDEREAU = (
    "Factures établies en mode dégradé (sans carte Vitale) — "
    "copies papier des feuilles de soins jointes"
)


@dataclass(frozen=True)
class LigneBordereau:
    """Facture du bordereau ; montants en centimes ; facture remplacée si refacturation."""

    numero_facture: str
    date_soins: dt.date
    beneficiaire_nom: str
    beneficiaire_prenom: str
    nir: str
    montant_total: int
    part_amo: int
    facture_remplacee: str | None = None


@dataclass(frozen=True)
class Bordereau:
    """Bordereau d'un lot pour un organisme destinataire ; au moins une facture."""

    praticien: PraticienPdf
    organisme_destinataire: str
    numero_lot: str
    date_lot: dt.date
    date_document: dt.date
    lignes: Sequence[LigneBordereau]
    organisme_adresse: Sequence[str] = ()
    signature: bytes | None = None

    def __post_init__(self) -> None:
        if not self.lignes:
            raise ValueError(f"Bordereau du lot n° {self.numero_lot} : aucune facture à lister.")

    @property
    def montant_total(self) -> int:
        return sum(ligne.montant_total for ligne in self.lignes)

    @property
    def part_amo(self) -> int:
        return sum(ligne.part_amo for ligne in self.lignes)


def _entete(b: Bordereau) -> Table:
    droite = [
        f"<b>Lot n° {texte(b.numero_lot)}</b>",
        f"Date du lot : {date_fr(b.date_lot)}",
        f"Date du document : {date_fr(b.date_document)}",
    ]
    return bandeau(
        "Bordereau de télétransmission", "Envoi à l'organisme destinataire", droite, 0.65
    )


def _parties(b: Bordereau) -> Table:
    st = styles()
    p = b.praticien
    emetteur = [
        f"<b>{texte(p.nom)} {texte(p.prenom)}</b>",
        texte(p.profession),
        f"N° de facturation AM : {texte(p.numero_am)}",
    ]
    if p.rpps:
        emetteur.append(f"N° RPPS : {texte(p.rpps)}")
    emetteur += [texte(x) for x in (p.cabinet, *p.adresse) if x]
    destinataire = [f"<b>{texte(b.organisme_destinataire)}</b>"]
    destinataire += [texte(x) for x in b.organisme_adresse if x]
    moitie = LARGEUR_UTILE / 2
    tableau = Table(
        [
            [Paragraph("Praticien émetteur", st.section), Paragraph("Destinataire", st.section)],
            [
                Paragraph("<br/>".join(emetteur), st.normal),
                Paragraph("<br/>".join(destinataire), st.normal),
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


def _factures(b: Bordereau) -> Table:
    st = styles()
    entete = [
        "N°",
        "Facture",
        "Remplace la facture",
        "Date des soins",
        "Bénéficiaire",
        "NIR",
        "Montant total",
        "Part AMO",
    ]
    lignes: list[list[Any]] = [
        [Paragraph(x, st.droite_gras if i >= 6 else st.gras) for i, x in enumerate(entete)]
    ]
    for rang, ligne in enumerate(b.lignes, start=1):
        lignes.append(
            [
                str(rang),
                texte(ligne.numero_facture),
                texte(ligne.facture_remplacee or ""),
                date_fr(ligne.date_soins),
                Paragraph(
                    f"{texte(ligne.beneficiaire_nom)} {texte(ligne.beneficiaire_prenom)}",
                    st.petit,
                ),
                Paragraph(texte(nir_fr(ligne.nir)), st.petit),
                euros(ligne.montant_total),
                euros(ligne.part_amo),
            ]
        )
    nombre = len(b.lignes)
    lignes.append(
        [
            Paragraph(f"Total : {nombre} facture{'s' if nombre > 1 else ''}", st.gras),
            "",
            "",
            "",
            "",
            "",
            euros(b.montant_total),
            euros(b.part_amo),
        ]
    )
    largeurs_mm = [8, 20, 20, 18, 37, 33, 22, 22]
    echelle = LARGEUR_UTILE / (sum(largeurs_mm) * mm)
    tableau = Table(lignes, colWidths=[x * mm * echelle for x in largeurs_mm], repeatRows=1)
    tableau.setStyle(
        style_tableau(
            [
                ("BACKGROUND", (0, 0), (-1, 0), FOND_ENTETE),
                ("FONTNAME", (0, 1), (-1, -1), st.petit.fontName),
                ("FONTSIZE", (0, 1), (-1, -1), st.petit.fontSize),
                ("FONTNAME", (0, -1), (-1, -1), st.gras.fontName),
                ("SPAN", (0, -1), (5, -1)),
                ("BACKGROUND", (0, -1), (-1, -1), FOND_ENTETE),
                ("ALIGN", (0, 1), (0, -2), "RIGHT"),
                ("ALIGN", (6, 1), (-1, -1), "RIGHT"),
                ("BOX", (0, 0), (-1, -1), 0.75, GRIS_TRAIT),
                ("INNERGRID", (0, 0), (-1, -1), 0.25, GRIS_TRAIT),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return tableau


def _recapitulatif(b: Bordereau) -> Paragraph:
    return Paragraph(
        f"Nombre de factures : <b>{len(b.lignes)}</b> — "
        f"montant total : <b>{euros(b.montant_total)}</b> — "
        f"part AMO : <b>{euros(b.part_amo)}</b>",
        styles().normal,
    )


def titre_bordereau(b: Bordereau) -> str:
    """Titre des métadonnées : le numéro de lot seul."""
    return f"Bordereau de télétransmission — lot n° {b.numero_lot}"


def elements_bordereau(b: Bordereau, pied: Pied) -> list[Flowable]:
    """Éléments de mise en page d'un bordereau, à poser dans un document."""
    ecart = Spacer(1, 3 * mm)
    return [
        ChangerPied(pied, f"Bordereau du lot n° {b.numero_lot}"),
        _entete(b),
        Spacer(1, 2 * mm),
        cadre_mention(MENTION_BORDEREAU),
        ecart,
        _parties(b),
        ecart,
        _factures(b),
        ecart,
        KeepTogether(
            [
                _recapitulatif(b),
                Spacer(1, 4 * mm),
                cadre_signature("Cachet et signature du praticien", b.signature, b.date_document),
            ]
        ),
    ]


def bordereau(b: Bordereau) -> bytes:
    """PDF A4 du bordereau de télétransmission des factures en mode dégradé (DOMAIN.md §3).

    Mêmes données -> mêmes octets ; métadonnées sans nom ni NIR.
    """
    return construire(
        lambda pied: elements_bordereau(b, pied),
        titre=titre_bordereau(b),
        sujet="Bordereau de télétransmission, mode dégradé",
        date_document=b.date_document,
    )
