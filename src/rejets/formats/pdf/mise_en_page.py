"""Mise en page commune des pièces PDF : polices, styles, présentation des valeurs, document.

Choix du projet :

* police Bitstream Vera livrée avec reportlab, intégrée au PDF : accents et « € » s'affichent
  partout sans dépendre des polices du poste ;
* Vera n'a pas de glyphe pour l'espace fine insécable (U+202F) de ``format_euros`` : elle est
  remplacée par l'espace insécable (U+00A0) ;
* PDF reproductible : mode ``invariant`` de reportlab et date de création égale à la date du
  document, donc mêmes données -> mêmes octets ;
* les métadonnées (titre, sujet) ne portent jamais de donnée de santé ni d'identité du patient.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab
from PIL import Image as PilImage
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from rejets.domain.identifiants import nir as nir_module
from rejets.domain.money import ESPACE_FINE_INSECABLE, ESPACE_INSECABLE, format_euros

POLICE = "RejetsVera"
POLICE_GRAS = "RejetsVera-Gras"
POLICE_ITALIQUE = "RejetsVera-Italique"
POLICE_GRAS_ITALIQUE = "RejetsVera-GrasItalique"

MARGE = 15 * mm
MARGE_BAS = 18 * mm
LARGEUR_UTILE = A4[0] - 2 * MARGE

GRIS_TRAIT = colors.HexColor("#8a8a8a")
FOND_SECTION = colors.HexColor("#dfe8ec")
FOND_ENTETE = colors.HexColor("#eef3f5")
FOND_MENTION = colors.HexColor("#fff4d6")

CREATEUR = "Rejets"


@cache
def enregistrer_polices() -> None:
    """Enregistre une fois les polices Vera de reportlab (``reportlab/fonts``)."""
    dossier = Path(reportlab.__file__).parent / "fonts"
    for nom, fichier in (
        (POLICE, "Vera.ttf"),
        (POLICE_GRAS, "VeraBd.ttf"),
        (POLICE_ITALIQUE, "VeraIt.ttf"),
        (POLICE_GRAS_ITALIQUE, "VeraBI.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(nom, str(dossier / fichier)))
    pdfmetrics.registerFontFamily(
        POLICE,
        normal=POLICE,
        bold=POLICE_GRAS,
        italic=POLICE_ITALIQUE,
        boldItalic=POLICE_GRAS_ITALIQUE,
    )


# --- Présentation des valeurs ---


def texte(valeur: str) -> str:
    """Échappe un texte saisi pour un ``Paragraph`` (balisage XML de reportlab)."""
    return escape(valeur)


def euros(centimes: int) -> str:
    """Montant à la française (``format_euros``), espace fine remplacée pour la police Vera."""
    return format_euros(centimes).replace(ESPACE_FINE_INSECABLE, ESPACE_INSECABLE)


def date_fr(jour: dt.date) -> str:
    """Date au format jj/mm/aaaa."""
    return f"{jour.day:02d}/{jour.month:02d}/{jour.year:04d}"


def heure_fr(heure: dt.time | None) -> str:
    """Heure au format hh:mm, vide si absente."""
    return "" if heure is None else f"{heure.hour:02d}:{heure.minute:02d}"


def coefficient_fr(coefficient: Decimal) -> str:
    """Coefficient NGAP sans zéros inutiles, virgule décimale : 1.50 -> « 1,5 »."""
    if not coefficient.is_finite():
        return str(coefficient)
    return f"{coefficient.normalize():f}".replace(".", ",")


def nir_fr(nir: str) -> str:
    """NIR groupé « 1 85 05 78 006 084 36 » quand il a 15 caractères, tel quel sinon."""
    compact = nir_module.compact(nir)
    return nir_module.format(compact) if len(compact) == nir_module.LONGUEUR else nir


def oui_non(valeur: bool) -> str:
    return "Oui" if valeur else "Non"


# --- Styles ---


@dataclass(frozen=True)
class Styles:
    normal: ParagraphStyle
    petit: ParagraphStyle
    gras: ParagraphStyle
    droite: ParagraphStyle
    droite_gras: ParagraphStyle
    titre: ParagraphStyle
    sous_titre: ParagraphStyle
    section: ParagraphStyle
    mention: ParagraphStyle
    note: ParagraphStyle


@cache
def styles() -> Styles:
    """Styles de paragraphe des pièces (Vera 8,5 pt)."""
    enregistrer_polices()
    normal = ParagraphStyle("rejets-normal", fontName=POLICE, fontSize=8.5, leading=10.5)
    return Styles(
        normal=normal,
        petit=ParagraphStyle("rejets-petit", parent=normal, fontSize=7.5, leading=9),
        gras=ParagraphStyle("rejets-gras", parent=normal, fontName=POLICE_GRAS),
        droite=ParagraphStyle("rejets-droite", parent=normal, alignment=TA_RIGHT),
        droite_gras=ParagraphStyle(
            "rejets-droite-gras", parent=normal, fontName=POLICE_GRAS, alignment=TA_RIGHT
        ),
        titre=ParagraphStyle(
            "rejets-titre", parent=normal, fontName=POLICE_GRAS, fontSize=15, leading=18
        ),
        sous_titre=ParagraphStyle("rejets-sous-titre", parent=normal, fontSize=10, leading=13),
        section=ParagraphStyle(
            "rejets-section", parent=normal, fontName=POLICE_GRAS, fontSize=9.5, leading=12
        ),
        mention=ParagraphStyle(
            "rejets-mention", parent=normal, fontName=POLICE_GRAS, fontSize=9.5, leading=12
        ),
        note=ParagraphStyle(
            "rejets-note", parent=normal, fontName=POLICE_ITALIQUE, fontSize=8, leading=10
        ),
    )


# --- Blocs ---


def style_tableau(commandes: Sequence[tuple[Any, ...]]) -> TableStyle:
    """Style de tableau dont toutes les cellules, même vides, sont en Vera 8,5 pt."""
    return TableStyle(
        [("FONTNAME", (0, 0), (-1, -1), POLICE), ("FONTSIZE", (0, 0), (-1, -1), 8.5), *commandes]
    )


def cadre_mention(contenu: str) -> Table:
    """Encadré de mention, sur fond clair, sur toute la largeur."""
    tableau = Table([[Paragraph(contenu, styles().mention)]], colWidths=[LARGEUR_UTILE])
    tableau.setStyle(
        style_tableau(
            [
                ("BOX", (0, 0), (-1, -1), 1, colors.black),
                ("BACKGROUND", (0, 0), (-1, -1), FOND_MENTION),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return tableau


def section(titre: str, champs: Sequence[tuple[str, str]], largeur: float = LARGEUR_UTILE) -> Table:
    """Section à bandeau de titre et champs « libellé : valeur » sur deux colonnes.

    Les valeurs sont du balisage ``Paragraph`` : les échapper avec ``texte`` avant.
    """
    st = styles()
    lignes: list[list[Any]] = [[Paragraph(texte(titre), st.section), "", "", ""]]
    paires = list(champs)
    for i in range(0, len(paires), 2):
        ligne: list[Any] = []
        for libelle, valeur in paires[i : i + 2]:
            ligne += [Paragraph(texte(libelle), st.petit), Paragraph(valeur, st.gras)]
        lignes.append(ligne + [""] * (4 - len(ligne)))
    quart = largeur / 4
    tableau = Table(lignes, colWidths=[quart * 0.75, quart * 1.25, quart * 0.75, quart * 1.25])
    tableau.setStyle(
        style_tableau(
            [
                ("SPAN", (0, 0), (-1, 0)),
                ("BACKGROUND", (0, 0), (-1, 0), FOND_SECTION),
                ("BOX", (0, 0), (-1, -1), 0.75, GRIS_TRAIT),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, GRIS_TRAIT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return tableau


class ImageSignaturePdf(Flowable):
    """Image de signature posée dans un cadre fixe, proportions gardées, centrée."""

    def __init__(self, image: PilImage.Image, largeur: float, hauteur: float) -> None:
        super().__init__()
        self.image = image
        self.largeur = largeur
        self.hauteur = hauteur

    def wrap(self, largeur_dispo: float, hauteur_dispo: float) -> tuple[float, float]:
        return self.largeur, self.hauteur

    def draw(self) -> None:
        self.canv.drawImage(
            ImageReader(self.image),
            0,
            0,
            self.largeur,
            self.hauteur,
            preserveAspectRatio=True,
            anchor="c",
        )


# --- Document ---


@dataclass
class Pied:
    """Bas de page : texte et première page de la pièce en cours, pages de chaque pièce.

    ``pages`` se remplit pendant la composition ; ``totaux`` reprend celles d'une première
    composition pour écrire « Page 2 sur 3 ».
    """

    texte: str = ""
    premiere_page: int = 1
    piece: int = -1
    pages: list[int] = field(default_factory=list)
    totaux: Sequence[int] = ()


class ChangerPied(Flowable):
    """Marque sans encombrement : la pièce qui commence ici change le bas de page."""

    def __init__(self, pied: Pied, texte_pied: str) -> None:
        super().__init__()
        self.pied = pied
        self.texte_pied = texte_pied

    def wrap(self, largeur_dispo: float, hauteur_dispo: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.pied.texte = self.texte_pied
        self.pied.premiere_page = self.canv.getPageNumber()
        self.pied.piece += 1
        self.pied.pages.append(1)


def _dessiner_pied(pied: Pied, canevas: Canvas, _doc: BaseDocTemplate) -> None:
    page = canevas.getPageNumber() - pied.premiere_page + 1
    numero = f"Page {page}"
    if pied.piece >= 0:
        pied.pages[pied.piece] = page
        if pied.piece < len(pied.totaux):
            numero += f" sur {pied.totaux[pied.piece]}"
    canevas.saveState()
    canevas.setFont(POLICE, 7.5)
    canevas.setStrokeColor(GRIS_TRAIT)
    canevas.line(MARGE, MARGE_BAS - 5 * mm, A4[0] - MARGE, MARGE_BAS - 5 * mm)
    canevas.drawString(MARGE, MARGE_BAS - 9 * mm, pied.texte)
    canevas.drawRightString(A4[0] - MARGE, MARGE_BAS - 9 * mm, numero)
    canevas.restoreState()


def _fabrique_canevas(date_document: dt.date) -> Callable[..., Canvas]:
    date_pdf = f"D:{date_document:%Y%m%d}000000+00'00'"

    def fabriquer(*args: Any, **kwargs: Any) -> Canvas:
        canevas = Canvas(*args, **kwargs)
        canevas.setDateFormatter(lambda *_: date_pdf)
        return canevas

    return fabriquer


def _composer(
    elements: Sequence[Flowable], pied: Pied, titre: str, sujet: str, date_document: dt.date
) -> bytes:
    tampon = io.BytesIO()
    doc = BaseDocTemplate(
        tampon,
        pagesize=A4,
        leftMargin=MARGE,
        rightMargin=MARGE,
        topMargin=MARGE,
        bottomMargin=MARGE_BAS,
        title=titre,
        subject=sujet,
        author="",
        creator=CREATEUR,
        keywords="",
        invariant=1,
        lang="fr-FR",
        displayDocTitle=1,
        initialFontName=POLICE,
    )
    cadre = Frame(
        MARGE,
        MARGE_BAS,
        LARGEUR_UTILE,
        A4[1] - MARGE - MARGE_BAS,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="contenu",
    )
    doc.addPageTemplates(
        [PageTemplate(id="page", frames=[cadre], onPageEnd=partial(_dessiner_pied, pied))]
    )
    doc.build(list(elements), canvasmaker=_fabrique_canevas(date_document))
    return tampon.getvalue()


def construire(
    fabriquer: Callable[[Pied], Sequence[Flowable]],
    *,
    titre: str,
    sujet: str,
    date_document: dt.date,
) -> bytes:
    """Compose un PDF A4 reproductible : mêmes éléments et mêmes dates -> mêmes octets.

    ``fabriquer`` rend les éléments pour un bas de page donné ; une première composition
    compte les pages de chaque pièce, la seconde les écrit (« Page 1 sur 2 »). ``titre`` et
    ``sujet`` vont dans les métadonnées : jamais de nom ni de NIR de patient.
    """
    enregistrer_polices()
    essai = Pied()
    _composer(fabriquer(essai), essai, titre, sujet, date_document)
    pied = Pied(totaux=tuple(essai.pages))
    return _composer(fabriquer(pied), pied, titre, sujet, date_document)


def bandeau(titre: str, sous_titre: str, droite: Sequence[str], part_gauche: float) -> Table:
    """The head of a document: title and subtitle on the left, its references on the right."""
    st = styles()
    tableau = Table(
        [
            [
                [Paragraph(titre, st.titre), Paragraph(sous_titre, st.sous_titre)],
                Paragraph("<br/>".join(droite), st.droite),
            ]
        ],
        colWidths=[LARGEUR_UTILE * part_gauche, LARGEUR_UTILE * (1 - part_gauche)],
    )
    tableau.setStyle(
        style_tableau(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("RIGHTPADDING", (-1, 0), (-1, 0), 0),
            ]
        )
    )
    return tableau
