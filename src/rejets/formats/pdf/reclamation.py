"""Réclamation à la caisse sur un paiement, et duplicata de feuille de soins.

- Contester un paiement : ne **jamais** facturer de nouveau, la signature garantit le
  contenu ; déposer une réclamation (NIR, motif, détail de la facture, pièces jointes)
  (DOMAIN.md §3, amelipro « Réclamations paiements »). Une facture restée sans paiement ni
  rejet appelle aussi une réclamation, pas un duplicata.
- Un duplicata n'est envoyé que si la caisse le demande : c'est la feuille de soins
  d'origine, marquée « DUPLICATA » (DOMAIN.md §3).

La réclamation va à la caisse : nom et NIR du bénéficiaire figurent dans le document, jamais
dans ses métadonnées. Mise en page propre au projet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from rejets.formats.pdf.facture_patient import cadre_texte, deux_colonnes, lignes_praticien
from rejets.formats.pdf.feuille import (
    FeuilleDeSoins,
    PraticienPdf,
    cadre_signature,
    elements_feuille,
    titre_feuille,
)
from rejets.formats.pdf.mise_en_page import (
    POLICE_GRAS,
    ChangerPied,
    Pied,
    bandeau,
    cadre_mention,
    construire,
    date_fr,
    euros,
    nir_fr,
    section,
    styles,
    texte,
)

__all__ = [
    "MENTION_DUPLICATA",
    "ReclamationPdf",
    "duplicata",
    "reclamation",
]

MENTION_DUPLICATA = (
    "DUPLICATA — copie de la feuille de soins déjà transmise, établie à la demande de la "
    "caisse. Ce n'est pas une nouvelle facture : ne pas la payer une seconde fois."
)

MENTION_SANS_REFACTURATION = (
    "Cette facture n'est pas émise de nouveau : transmise signée, son contenu est garanti par "
    "la signature. Nous vous demandons d'en revoir le paiement."
)


@dataclass(frozen=True)
class ReclamationPdf:
    """Réclamation sur le paiement d'une facture transmise ; montants en centimes.

    ``montant_paye`` à ``None`` : aucun paiement ni rejet reçu (facture sans réponse) ;
    sinon le paiement contesté, reçu le ``date_paiement`` s'il est connu.
    ``pieces_jointes`` : libellés des pièces jointes (relevé, copie de la facture…).
    """

    organisme: str
    praticien: PraticienPdf
    numero_facture: str
    numero_lot: str | None
    date_envoi: dt.date
    date_soins: dt.date
    montant_demande: int
    beneficiaire_nom: str
    beneficiaire_prenom: str
    nir: str
    motif: str
    date_document: dt.date
    montant_paye: int | None = None
    date_paiement: dt.date | None = None
    organisme_adresse: Sequence[str] = ()
    pieces_jointes: Sequence[str] = ()
    signature: bytes | None = None

    def __post_init__(self) -> None:
        if not self.numero_facture.strip():
            raise ValueError("Réclamation : le numéro de facture est obligatoire.")
        if not self.motif.strip():
            raise ValueError(
                f"Réclamation sur la facture n° {self.numero_facture} : le motif est obligatoire."
            )
        for montant in (self.montant_demande, self.montant_paye):
            if montant is not None and (isinstance(montant, bool) or not isinstance(montant, int)):
                raise TypeError("Réclamation : un montant est un nombre entier de centimes.")
        if self.montant_demande <= 0 or (self.montant_paye is not None and self.montant_paye < 0):
            raise ValueError(
                f"Réclamation sur la facture n° {self.numero_facture} : montant négatif ou nul."
            )

    @property
    def sans_paiement(self) -> bool:
        """Facture restée sans paiement ni rejet."""
        return self.montant_paye is None

    @property
    def objet(self) -> str:
        if self.sans_paiement:
            return f"facture n° {self.numero_facture} restée sans paiement ni rejet"
        return f"contestation du paiement de la facture n° {self.numero_facture}"


def _entete(r: ReclamationPdf) -> Table:
    droite = [f"<b>Facture n° {texte(r.numero_facture)}</b>"]
    if r.numero_lot:
        droite.append(f"Lot n° {texte(r.numero_lot)}")
    droite.append(f"Date du document : {date_fr(r.date_document)}")
    return bandeau("Réclamation", "Paiement d'une facture transmise", droite, 0.6)


def _parties(r: ReclamationPdf) -> Table:
    destinataire = [f"<b>{texte(r.organisme)}</b>"]
    destinataire += [texte(x) for x in r.organisme_adresse if x]
    return deux_colonnes(
        "Praticien émetteur", lignes_praticien(r.praticien), "Destinataire", destinataire
    )


def _facture(r: ReclamationPdf) -> Table:
    if r.montant_paye is None:
        paye = "Aucun paiement ni rejet reçu"
        ecart = euros(r.montant_demande)
    else:
        paye = euros(r.montant_paye)
        ecart = euros(r.montant_demande - r.montant_paye)
    champs = [
        ("N° de facture", texte(r.numero_facture)),
        ("N° de lot", texte(r.numero_lot or "—")),
        ("Date d'envoi", date_fr(r.date_envoi)),
        ("Date des soins", date_fr(r.date_soins)),
        ("Montant demandé", euros(r.montant_demande)),
        ("Montant payé", paye),
    ]
    if r.date_paiement is not None:
        champs.append(("Date du paiement", date_fr(r.date_paiement)))
    champs.append(("Écart réclamé", ecart))
    return section("Facture concernée", champs)


def _beneficiaire(r: ReclamationPdf) -> Table:
    return section(
        "Bénéficiaire des soins",
        [
            ("Nom", texte(r.beneficiaire_nom)),
            ("Prénom", texte(r.beneficiaire_prenom)),
            ("N° d'immatriculation (NIR)", texte(nir_fr(r.nir))),
        ],
    )


def _pieces(r: ReclamationPdf) -> Paragraph:
    st = styles()
    if not r.pieces_jointes:
        return Paragraph("<b>Pièces jointes :</b> aucune.", st.normal)
    lignes = "<br/>".join(f"– {texte(p)}" for p in r.pieces_jointes)
    return Paragraph(f"<b>Pièces jointes ({len(r.pieces_jointes)}) :</b><br/>{lignes}", st.normal)


def titre_reclamation(r: ReclamationPdf) -> str:
    """Titre des métadonnées : le seul numéro de facture, sans nom ni NIR."""
    return f"Réclamation — facture n° {r.numero_facture}"


def elements_reclamation(r: ReclamationPdf, pied: Pied) -> list[Flowable]:
    """Éléments de mise en page d'une réclamation, à poser dans un document."""
    st = styles()
    ecart = Spacer(1, 3 * mm)
    return [
        ChangerPied(pied, titre_reclamation(r)),
        _entete(r),
        ecart,
        _parties(r),
        ecart,
        Paragraph(f"<b>Objet : {texte(r.objet)}</b>", st.normal),
        Spacer(1, 2 * mm),
        Paragraph("Madame, Monsieur,", st.normal),
        Spacer(1, 1 * mm),
        Paragraph(texte(MENTION_SANS_REFACTURATION), st.normal),
        ecart,
        _facture(r),
        ecart,
        _beneficiaire(r),
        ecart,
        cadre_texte("Motif de la réclamation", r.motif),
        ecart,
        _pieces(r),
        ecart,
        KeepTogether(
            [
                Paragraph(
                    "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos "
                    "salutations distinguées.",
                    st.normal,
                ),
                Spacer(1, 4 * mm),
                cadre_signature("Signature du praticien", r.signature, r.date_document),
            ]
        ),
    ]


def reclamation(r: ReclamationPdf) -> bytes:
    """PDF A4 de la réclamation à la caisse sur un paiement (DOMAIN.md §3).

    Mêmes données -> mêmes octets ; titre des métadonnées « Réclamation — facture n° … »,
    sans nom ni NIR.
    """
    return construire(
        lambda pied: elements_reclamation(r, pied),
        titre=titre_reclamation(r),
        sujet="Réclamation sur le paiement d'une facture",
        date_document=r.date_document,
    )


# --- Duplicata ---


class Filigrane(Flowable):
    """« DUPLICATA » en grand, gris clair, en travers de la page où il est posé."""

    def wrap(self, largeur_dispo: float, hauteur_dispo: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canevas = self.canv
        x, y = canevas.absolutePosition(0, 0)
        largeur, hauteur = canevas._pagesize
        canevas.saveState()
        canevas.translate(largeur / 2 - x, hauteur / 2 - y)
        canevas.rotate(40)
        canevas.setFont(POLICE_GRAS, 80)
        canevas.setFillColor(colors.HexColor("#e6e6e6"))
        canevas.drawCentredString(0, 0, "DUPLICATA")
        canevas.restoreState()


def titre_duplicata(f: FeuilleDeSoins) -> str:
    """Titre des métadonnées : le seul numéro de facture, sans nom ni NIR."""
    return f"Duplicata — {titre_feuille(f)}"


def elements_duplicata(
    f: FeuilleDeSoins, pied: Pied, date_duplicata: dt.date | None = None
) -> list[Flowable]:
    """La feuille de soins d'origine, marquée « DUPLICATA » en tête et en bas de chaque page."""
    mention = MENTION_DUPLICATA
    if date_duplicata is not None:
        mention += f" Duplicata établi le {date_fr(date_duplicata)}."
    feuille = [e for e in elements_feuille(f, pied) if not isinstance(e, ChangerPied)]
    return [
        ChangerPied(pied, f"DUPLICATA — {titre_feuille(f)}"),
        Filigrane(),
        cadre_mention(texte(mention)),
        Spacer(1, 2 * mm),
        *feuille,
    ]


def duplicata(f: FeuilleDeSoins, *, date_duplicata: dt.date | None = None) -> bytes:
    """PDF du duplicata d'une feuille de soins, seulement quand la caisse le demande (§3).

    Le contenu est celui de la feuille d'origine (``feuille_de_soins``), inchangé, sous la
    mention « DUPLICATA » ; le bas de chaque page le rappelle. Mêmes données -> mêmes
    octets ; titre des métadonnées « Duplicata — Feuille de soins n° … ».
    """
    return construire(
        lambda pied: elements_duplicata(f, pied, date_duplicata),
        titre=titre_duplicata(f),
        sujet="Duplicata de feuille de soins, à la demande de la caisse",
        date_document=date_duplicata or f.date_document,
    )
