"""Audit des pertes d'un cabinet en PDF : le rapport qu'une facturière remet au cabinet.

Ce que le cabinet a facturé, ce qui a été rejeté (par famille, organisme et mois), récupéré
par le recyclage, ce qui reste dû par ancienneté, ce qui risque la forclusion et ce qui est
perdu, le délai moyen de paiement, avec leurs graphiques (DOMAIN.md §1, §4, §8, §9). Rien que
des montants agrégés : ni nom ni NIR de patient, dans le document comme dans ses métadonnées.
Graphiques dessinés par reportlab, en police Vera intégrée ; mêmes données -> mêmes octets.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from rejets.domain.money import ESPACE_INSECABLE
from rejets.formats.pdf.mise_en_page import (
    FOND_ENTETE,
    FOND_SECTION,
    GRIS_TRAIT,
    LARGEUR_UTILE,
    POLICE,
    POLICE_GRAS,
    ChangerPied,
    Pied,
    bandeau,
    construire,
    date_fr,
    euros,
    section,
    style_tableau,
    styles,
    texte,
)

__all__ = [
    "LigneMoisPdf",
    "LigneRejetsPdf",
    "RapportAuditPdf",
    "TranchePdf",
    "pourcentage",
    "rapport_audit",
    "titre_audit",
]

MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MOIS_COURTS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
COULEURS = (
    colors.HexColor("#2f6f8f"),
    colors.HexColor("#d9822b"),
    colors.HexColor("#5b9a5b"),
    colors.HexColor("#b5473a"),
    colors.HexColor("#7a5c9e"),
    colors.HexColor("#c9a227"),
    colors.HexColor("#4f8fbf"),
    colors.HexColor("#8a8a8a"),
)
TIRET = "—"


@dataclass(frozen=True)
class LigneRejetsPdf:
    """Un groupe de rejets (famille ou organisme) : demandes envoyées et rejets reçus, en
    nombre et en centimes ; pour une famille, les demandes de toute la période."""

    libelle: str
    demandes: int
    montant_demandes: int
    rejets: int
    montant_rejete: int


@dataclass(frozen=True)
class LigneMoisPdf:
    """Un mois des soins (``mois`` : son premier jour) : facturé net, demandes et rejets."""

    mois: dt.date
    facture: int
    demandes: int
    montant_demandes: int
    rejets: int
    montant_rejete: int


@dataclass(frozen=True)
class TranchePdf:
    """Reste dû d'une tranche d'ancienneté des soins."""

    libelle: str
    montant: int


@dataclass(frozen=True)
class RapportAuditPdf:
    """Les chiffres de l'audit d'un cabinet, en centimes, sur les factures dont les soins
    datent du ``du`` au ``au`` ; ``aujourd_hui`` : le jour de la situation (âges, forclusion)
    et la date du document. ``risque_30/60/90`` sont cumulés ; ``jours_de_paiement`` : la
    somme des délais des ``paiements_mesures`` paiements des caisses et mutuelles."""

    cabinet: str
    du: dt.date
    au: dt.date
    aujourd_hui: dt.date
    factures: int
    facture: int
    paye: int
    reste: int
    demandes: int
    montant_demandes: int
    rejets: int
    montant_rejete: int
    par_famille: Sequence[LigneRejetsPdf]
    par_organisme: Sequence[LigneRejetsPdf]
    par_mois: Sequence[LigneMoisPdf]
    recyclees: int
    refacture: int
    recupere: int
    ouvert: Sequence[TranchePdf]
    deja_forclos: int
    risque_30: int
    risque_60: int
    risque_90: int
    perdu_forclos: int
    perdu_abandonne: int
    paiements_mesures: int
    jours_de_paiement: int

    def __post_init__(self) -> None:
        if self.du > self.au:
            raise ValueError(
                f"Audit des pertes : le début de la période ({date_fr(self.du)}) suit sa fin "
                f"({date_fr(self.au)})."
            )

    @property
    def perdu(self) -> int:
        return self.perdu_forclos + self.perdu_abandonne

    @property
    def periode(self) -> str:
        return f"du {date_fr(self.du)} au {date_fr(self.au)}"


# --- Présentation des valeurs ---


def pourcentage(partie: int, total: int) -> str:
    """« 12,5 % » (au dixième, demi vers le haut), « — » sur un total nul."""
    if not total:
        return TIRET
    return _dixiemes(partie * 100, total) + f"{ESPACE_INSECABLE}%"


def _jours(total: int, nombre: int) -> str:
    """Moyenne en jours au dixième : « 15,3 jours », « — » sans paiement mesuré."""
    if not nombre:
        return TIRET
    return _dixiemes(total, nombre) + f"{ESPACE_INSECABLE}jours"


def _dixiemes(numerateur: int, denominateur: int) -> str:
    """numérateur / dénominateur au dixième, demi s'éloignant de zéro, virgule décimale."""
    signe = "-" if (numerateur < 0) != (denominateur < 0) and numerateur else ""
    n, d = abs(numerateur), abs(denominateur)
    dixiemes = (n * 20 + d) // (d * 2)
    entier, decimale = divmod(dixiemes, 10)
    return f"{signe}{_nombre(entier)},{decimale}"


def _nombre(n: int) -> str:
    return f"{n:,}".replace(",", ESPACE_INSECABLE)


def mois_fr(mois: dt.date) -> str:
    return f"{MOIS[mois.month - 1]} {mois.year}"


def _pluriel(n: int, mot: str) -> str:
    return f"{_nombre(n)} {mot}{'s' if n > 1 else ''}"


def titre_audit(r: RapportAuditPdf) -> str:
    """Titre des métadonnées : le cabinet et la période, rien d'un patient."""
    return f"Audit des pertes — {r.cabinet} — {r.periode}"


# --- Graphiques ---


def _echelle(maximum: float) -> tuple[float, float]:
    """Haut de l'axe et pas des graduations (1, 2, 2,5 ou 5 fois une puissance de dix), quatre
    graduations au plus."""
    if maximum <= 0:
        return 4.0, 1.0
    brut = maximum / 4
    puissance = 10.0 ** math.floor(math.log10(brut))
    pas = next(f * puissance for f in (1, 2, 2.5, 5, 10) if f * puissance >= brut)
    return pas * math.ceil(maximum / pas), pas


def _euros_axe(valeur: float) -> str:
    if valeur == int(valeur):
        return f"{_nombre(int(valeur))}{ESPACE_INSECABLE}€"
    return f"{valeur:.2f}".rstrip("0").replace(".", ",") + f"{ESPACE_INSECABLE}€"


def _titre_graphique(dessin: Drawing, titre: str) -> None:
    dessin.add(
        String(
            0,
            dessin.height - 9,
            titre,
            fontName=POLICE_GRAS,
            fontSize=8.5,
            fillColor=colors.black,
        )
    )


def histogramme(
    titre: str, libelles: Sequence[str], centimes: Sequence[int], largeur: float, hauteur: float
) -> Drawing:
    """Barres verticales, montants en euros sur l'axe, une barre par libellé."""
    dessin = Drawing(largeur, hauteur, initialFontName=POLICE, initialFontSize=8)
    _titre_graphique(dessin, titre)
    valeurs = [c / 100 for c in centimes]
    haut, pas = _echelle(max(valeurs, default=0.0))
    penches = len(libelles) > 6
    barres = VerticalBarChart()
    barres.x = 38
    barres.y = 30 if penches else 18
    barres.width = largeur - barres.x - 6
    barres.height = hauteur - barres.y - 20
    barres.data = [tuple(valeurs) or (0.0,)]
    barres.bars[0].fillColor = COULEURS[0]
    barres.bars[0].strokeColor = None
    barres.barSpacing = 1
    barres.valueAxis.valueMin = 0
    barres.valueAxis.valueMax = haut
    barres.valueAxis.valueStep = pas
    barres.valueAxis.labelTextFormat = _euros_axe
    barres.valueAxis.labels.fontName = POLICE
    barres.valueAxis.labels.fontSize = 6.5
    barres.valueAxis.gridStrokeColor = colors.HexColor("#dddddd")
    barres.valueAxis.visibleGrid = True
    barres.categoryAxis.categoryNames = list(libelles) or [""]
    barres.categoryAxis.labels.fontName = POLICE
    barres.categoryAxis.labels.fontSize = 6.5
    if penches:
        barres.categoryAxis.labels.angle = 45
        barres.categoryAxis.labels.boxAnchor = "ne"
        barres.categoryAxis.labels.dx = 2
        barres.categoryAxis.labels.dy = -2
    dessin.add(barres)
    return dessin


def camembert(
    titre: str, libelles: Sequence[str], centimes: Sequence[int], largeur: float, hauteur: float
) -> Drawing:
    """Secteurs des montants, légende à droite avec la part de chacun ; un texte si tout est
    nul."""
    dessin = Drawing(largeur, hauteur, initialFontName=POLICE, initialFontSize=8)
    _titre_graphique(dessin, titre)
    total = sum(centimes)
    if total <= 0:
        dessin.add(
            String(
                largeur / 2,
                hauteur / 2,
                "Aucun rejet",
                fontName=POLICE,
                fontSize=8.5,
                textAnchor="middle",
            )
        )
        return dessin
    diametre = min(hauteur - 26, largeur * 0.42)
    secteurs = Pie()
    secteurs.x = 4
    secteurs.y = (hauteur - 14 - diametre) / 2
    secteurs.width = secteurs.height = diametre
    secteurs.data = [c / 100 for c in centimes]
    secteurs.labels = None
    secteurs.simpleLabels = 1
    secteurs.startAngle = 90
    secteurs.direction = "clockwise"
    secteurs.slices.strokeColor = colors.white
    secteurs.slices.strokeWidth = 0.5
    for i in range(len(centimes)):
        secteurs.slices[i].fillColor = COULEURS[i % len(COULEURS)]
    dessin.add(secteurs)
    legende = Legend()
    legende.x = secteurs.x + diametre + 10
    legende.y = hauteur - 20
    legende.alignment = "right"
    legende.fontName = POLICE
    legende.fontSize = 6.5
    legende.boxAnchor = "nw"
    legende.columnMaximum = 10
    legende.dx = legende.dy = 6
    legende.deltay = 9
    legende.colorNamePairs = [
        (COULEURS[i % len(COULEURS)], f"{libelle} ({pourcentage(montant, total)})")
        for i, (libelle, montant) in enumerate(zip(libelles, centimes, strict=True))
    ]
    dessin.add(legende)
    return dessin


# --- Tableaux ---


@dataclass(frozen=True)
class _StylesEntete:
    entete: ParagraphStyle
    entete_droite: ParagraphStyle


@cache
def _styles_entete() -> _StylesEntete:
    gras = styles().gras
    entete = ParagraphStyle("rejets-audit-entete", parent=gras, fontSize=7.5, leading=9)
    return _StylesEntete(
        entete, ParagraphStyle("rejets-audit-entete-droite", parent=entete, alignment=TA_RIGHT)
    )


def _tableau(
    entete: Sequence[str],
    lignes: Sequence[Sequence[str]],
    largeurs: Sequence[float],
    total: Sequence[str] | None = None,
    largeur: float = LARGEUR_UTILE,
) -> Table:
    """Tableau à en-tête répété, première colonne à gauche, nombres à droite, ligne de total
    en gras si donnée."""
    st, se = styles(), _styles_entete()
    contenu: list[list[Any]] = [
        [Paragraph(x, se.entete if i == 0 else se.entete_droite) for i, x in enumerate(entete)]
    ]
    for ligne in lignes:
        contenu.append([Paragraph(texte(ligne[0]), st.petit), *ligne[1:]])
    commandes: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), FOND_ENTETE),
        ("FONTSIZE", (0, 1), (-1, -1), 7.5),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("BOX", (0, 0), (-1, -1), 0.75, GRIS_TRAIT),
        ("INNERGRID", (0, 0), (-1, -1), 0.25, GRIS_TRAIT),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if total is not None:
        contenu.append([Paragraph(texte(total[0]), st.gras), *total[1:]])
        commandes += [
            ("FONTNAME", (0, -1), (-1, -1), POLICE_GRAS),
            ("BACKGROUND", (0, -1), (-1, -1), FOND_ENTETE),
        ]
    echelle = largeur / sum(largeurs)
    tableau = Table(contenu, colWidths=[x * echelle for x in largeurs], repeatRows=1)
    tableau.setStyle(style_tableau(commandes))
    return tableau


def _titre(titre: str) -> Table:
    """Bandeau de titre d'une partie du rapport, sur toute la largeur."""
    tableau = Table([[Paragraph(texte(titre), styles().section)]], colWidths=[LARGEUR_UTILE])
    tableau.setStyle(
        style_tableau(
            [
                ("BACKGROUND", (0, 0), (-1, -1), FOND_SECTION),
                ("BOX", (0, 0), (-1, -1), 0.75, GRIS_TRAIT),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return tableau


def _note(contenu: str) -> Paragraph:
    return Paragraph(contenu, styles().note)


def _partie(titre: str, *elements: Flowable, note: str = "") -> KeepTogether:
    contenu: list[Flowable] = [_titre(titre), Spacer(1, 1.5 * mm), *elements]
    if note:
        contenu += [Spacer(1, 1 * mm), _note(note)]
    return KeepTogether(contenu)


# --- Parties du rapport ---


def _entete(r: RapportAuditPdf) -> Table:
    droite = [
        "<b>Période des soins</b>",
        f"<b>{r.periode}</b>",
        f"Situation au {date_fr(r.aujourd_hui)}",
    ]
    return bandeau("Audit des pertes", texte(r.cabinet), droite, 0.6)


def _synthese(r: RapportAuditPdf) -> KeepTogether:
    champs = [
        ("Montant facturé", f"{euros(r.facture)} ({_pluriel(r.factures, 'facture')})"),
        ("Payé", euros(r.paye)),
        (
            "Rejeté",
            f"{euros(r.montant_rejete)} ({_pluriel(r.rejets, 'rejet')}, "
            f"{pourcentage(r.rejets, r.demandes)} des demandes)",
        ),
        ("Récupéré par recyclage", euros(r.recupere)),
        ("Reste dû", euros(r.reste)),
        (
            "À risque de forclusion",
            f"{euros(r.risque_90)} sous 90 jours"
            + (f", {euros(r.deja_forclos)} déjà prescrit" if r.deja_forclos else ""),
        ),
        (
            "Perdu",
            f"{euros(r.perdu)} (forclos {euros(r.perdu_forclos)}, "
            f"abandonné {euros(r.perdu_abandonne)})",
        ),
        (
            "Délai moyen de paiement",
            f"{_jours(r.jours_de_paiement, r.paiements_mesures)} "
            f"({_pluriel(r.paiements_mesures, 'paiement')})",
        ),
    ]
    return KeepTogether([section("Synthèse", champs)])


def _equilibre(r: RapportAuditPdf) -> Paragraph:
    egal = "=" if r.facture == r.paye + r.perdu + r.reste else "≠"
    return _note(
        f"Facturé {egal} payé + perdu + reste dû : {euros(r.facture)} {egal} {euros(r.paye)} + "
        f"{euros(r.perdu)} + {euros(r.reste)}."
    )


def _libelle_mois(mois: dt.date, nombre: int) -> str:
    if nombre > 12:
        return f"{mois.month:02d}/{mois.year % 100:02d}"
    return f"{MOIS_COURTS[mois.month - 1]} {mois.year % 100:02d}"


def _graphiques(r: RapportAuditPdf) -> Table:
    moitie = LARGEUR_UTILE / 2
    hauteur = 58 * mm
    n = len(r.par_mois)
    mois = histogramme(
        "Montant rejeté par mois des soins",
        [_libelle_mois(m.mois, n) for m in r.par_mois],
        [m.montant_rejete for m in r.par_mois],
        moitie - 4 * mm,
        hauteur,
    )
    familles = camembert(
        "Montant rejeté par famille",
        [f.libelle for f in r.par_famille],
        [f.montant_rejete for f in r.par_famille],
        moitie - 4 * mm,
        hauteur,
    )
    tableau = Table([[mois, familles]], colWidths=[moitie, moitie])
    tableau.setStyle(
        style_tableau(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return tableau


def _par_famille(r: RapportAuditPdf) -> Flowable:
    entete = ["Famille", "Rejets", "Taux (nombre)", "Montant rejeté", "Taux (montant)"]
    lignes = [
        [
            f.libelle,
            _nombre(f.rejets),
            pourcentage(f.rejets, f.demandes),
            euros(f.montant_rejete),
            pourcentage(f.montant_rejete, f.montant_demandes),
        ]
        for f in r.par_famille
    ]
    total = [
        "Toutes familles",
        _nombre(r.rejets),
        pourcentage(r.rejets, r.demandes),
        euros(r.montant_rejete),
        pourcentage(r.montant_rejete, r.montant_demandes),
    ]
    note = (
        f"Taux rapportés aux {_pluriel(r.demandes, 'demande')} envoyée"
        f"{'s' if r.demandes > 1 else ''} ({euros(r.montant_demandes)}) de la période."
    )
    if not lignes:
        return _partie("Rejets par famille de cause", _note("Aucun rejet sur la période."))
    return _partie(
        "Rejets par famille de cause",
        _tableau(entete, lignes, [60, 18, 24, 30, 24], total),
        note=note,
    )


def _ligne_taux(libelle: str, d: int, md: int, n: int, mr: int) -> list[str]:
    return [
        libelle,
        _nombre(d),
        _nombre(n),
        pourcentage(n, d),
        euros(md),
        euros(mr),
        pourcentage(mr, md),
    ]


ENTETE_TAUX = [
    "Demandes",
    "Rejets",
    "Taux",
    "Montant demandé",
    "Montant rejeté",
    "Taux (montant)",
]


def _par_organisme(r: RapportAuditPdf) -> Flowable:
    if not r.par_organisme:
        return _partie("Rejets par organisme", _note("Aucune demande envoyée sur la période."))
    lignes = [
        _ligne_taux(o.libelle, o.demandes, o.montant_demandes, o.rejets, o.montant_rejete)
        for o in r.par_organisme
    ]
    total = _ligne_taux(
        "Tous organismes", r.demandes, r.montant_demandes, r.rejets, r.montant_rejete
    )
    return _partie(
        "Rejets par organisme",
        _tableau(["Organisme", *ENTETE_TAUX], lignes, [50, 17, 14, 14, 25, 25, 18], total),
    )


def _par_mois(r: RapportAuditPdf) -> Flowable:
    lignes = [
        [
            mois_fr(m.mois),
            euros(m.facture),
            *_ligne_taux("", m.demandes, m.montant_demandes, m.rejets, m.montant_rejete)[1:],
        ]
        for m in r.par_mois
    ]
    total = [
        "Période",
        euros(sum(m.facture for m in r.par_mois)),
        *_ligne_taux("", r.demandes, r.montant_demandes, r.rejets, r.montant_rejete)[1:],
    ]
    return _partie(
        "Facturé et rejets par mois des soins",
        _tableau(
            ["Mois", "Facturé", *ENTETE_TAUX], lignes, [27, 24, 17, 14, 14, 25, 25, 18], total
        ),
        note="Facturé net : les factures défacturées ne comptent plus, leurs remplaçantes oui.",
    )


def _recyclage(r: RapportAuditPdf) -> Flowable:
    champs = [
        ("Factures nées d'un recyclage", _nombre(r.recyclees)),
        ("Part des caisses et mutuelles refacturée", euros(r.refacture)),
        ("Récupéré (payé par les caisses et mutuelles)", euros(r.recupere)),
        ("Taux de récupération", pourcentage(r.recupere, r.refacture)),
    ]
    return KeepTogether([section("Récupéré par recyclage", champs)])


def _anciennete(r: RapportAuditPdf) -> Flowable:
    largeur = LARGEUR_UTILE * 0.45
    lignes = [[t.libelle, euros(t.montant), pourcentage(t.montant, r.reste)] for t in r.ouvert]
    tableau = _tableau(
        ["Ancienneté des soins", "Reste dû", "Part"],
        lignes,
        [40, 25, 15],
        ["Total", euros(r.reste), pourcentage(r.reste, r.reste)],
        largeur=LARGEUR_UTILE - largeur - 4 * mm,
    )
    graphique = histogramme(
        "Reste dû par ancienneté",
        [t.libelle.replace(" jours", " j") for t in r.ouvert],
        [t.montant for t in r.ouvert],
        largeur - 4 * mm,
        46 * mm,
    )
    cote = Table(
        [[tableau, graphique]], colWidths=[LARGEUR_UTILE - largeur, largeur], hAlign="LEFT"
    )
    cote.setStyle(
        style_tableau(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return _partie(
        "Reste dû par ancienneté",
        cote,
        note="Ancienneté comptée de la date des soins au jour de la situation ; créances sur "
        "les caisses, les mutuelles et les patients.",
    )


def _forclusion(r: RapportAuditPdf) -> Flowable:
    lignes = [
        ["Déjà prescrit, à passer en perte", euros(r.deja_forclos)],
        ["Prescrit dans 30 jours au plus", euros(r.risque_30)],
        ["Prescrit dans 60 jours au plus", euros(r.risque_60)],
        ["Prescrit dans 90 jours au plus", euros(r.risque_90)],
    ]
    return _partie(
        "À risque de forclusion",
        _tableau(["Échéance", "Reste dû"], lignes, [60, 25]),
        note="Créances des caisses et mutuelles sans demande valable en cours (jamais en lot "
        "reçu ni en traitement caisse) ; forclusion deux ans après le premier jour du "
        "trimestre qui suit les soins (L.332-1 CSS). Montants cumulés.",
    )


def _pertes(r: RapportAuditPdf) -> Flowable:
    lignes = [
        ["Forclusion (L.332-1 CSS)", euros(r.perdu_forclos), pourcentage(r.perdu_forclos, r.perdu)],
        ["Abandon", euros(r.perdu_abandonne), pourcentage(r.perdu_abandonne, r.perdu)],
    ]
    return _partie(
        "Perdu",
        _tableau(
            ["Motif", "Passé en perte", "Part"],
            lignes,
            [60, 25, 15],
            ["Total", euros(r.perdu), pourcentage(r.perdu, r.facture) + " du facturé"],
        ),
    )


def _definitions() -> Paragraph:
    return _note(
        "Factures dont la date des soins tombe dans la période. Montants lus dans le livre "
        "comptable : facturé net (honoraires), payé (encaissements sur les créances), perdu "
        "(passages en perte), reste dû (créances ouvertes). Une demande est une FSE ou une DRE "
        "envoyée à son organisme ; un rejet, une ligne de rejet reçue (électronique, papier ou "
        "indu), pour le montant de sa partie. Délai de paiement : de la transmission au "
        "paiement de la caisse ou de la mutuelle. Aucune donnée de patient."
    )


def elements_audit(r: RapportAuditPdf, pied: Pied) -> list[Flowable]:
    """Éléments de mise en page du rapport d'audit."""
    ecart = Spacer(1, 4 * mm)
    return [
        ChangerPied(pied, titre_audit(r)),
        _entete(r),
        Spacer(1, 3 * mm),
        _synthese(r),
        Spacer(1, 1 * mm),
        _equilibre(r),
        ecart,
        _graphiques(r),
        ecart,
        _par_famille(r),
        ecart,
        _par_organisme(r),
        ecart,
        _par_mois(r),
        ecart,
        _recyclage(r),
        ecart,
        _anciennete(r),
        ecart,
        _forclusion(r),
        ecart,
        _pertes(r),
        ecart,
        _definitions(),
    ]


def rapport_audit(r: RapportAuditPdf) -> bytes:
    """PDF A4 de l'audit des pertes d'un cabinet ; mêmes données -> mêmes octets, métadonnées
    sans donnée de patient."""
    return construire(
        lambda pied: elements_audit(r, pied),
        titre=titre_audit(r),
        sujet="Audit des pertes d'un cabinet : montants agrégés, sans donnée de patient",
        date_document=r.aujourd_hui,
    )
