"""A letter on the practice's letterhead: the relances of the follow-up (to a mutuelle, a
patient reminder, a request to update the Vitale card). The practitioner and the cabinet head
the page, the addressee sits on the right, then the object, the references, the body and the
signature. Metadata carry the object only, never a patient's name or NIR."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from rejets.formats.pdf.facture_patient import cadre_texte, deux_colonnes, lignes_praticien
from rejets.formats.pdf.feuille import PraticienPdf
from rejets.formats.pdf.mise_en_page import (
    ChangerPied,
    ImageSignaturePdf,
    Pied,
    bandeau,
    construire,
    date_fr,
    styles,
    texte,
)
from rejets.formats.pdf.signature import image_pour_impression


@dataclass(frozen=True)
class LettrePdf:
    praticien: PraticienPdf
    destinataire: Sequence[str]
    """Lines of the addressee block (name, then address)."""
    objet: str
    references: Sequence[tuple[str, str]]
    """(label, value) lines: invoice number, care date, amount…"""
    corps: str
    date_document: dt.date
    signature: bytes | None = None

    def __post_init__(self) -> None:
        if not self.objet.strip() or not self.corps.strip() or not self.destinataire:
            raise ValueError("Une lettre porte un destinataire, un objet et un texte.")


def lettre(lettre_: LettrePdf) -> bytes:
    """The letter as a one- or several-page A4 PDF, deterministic for the same input."""
    st = styles()

    def elements(pied: Pied) -> list[Flowable]:
        refs = "<br/>".join(f"{texte(a)} : <b>{texte(b)}</b>" for a, b in lettre_.references)
        contenu: list[Flowable] = [
            ChangerPied(
                pied, f"{lettre_.praticien.prenom} {lettre_.praticien.nom} — {lettre_.objet}"
            ),
            bandeau(
                texte(lettre_.praticien.cabinet or "Cabinet"),
                texte(lettre_.praticien.profession),
                [f"Le {date_fr(lettre_.date_document)}"],
                0.65,
            ),
            Spacer(1, 4 * mm),
            deux_colonnes(
                "Expéditeur",
                lignes_praticien(lettre_.praticien),
                "Destinataire",
                [texte(x) for x in lettre_.destinataire],
            ),
            Spacer(1, 5 * mm),
            Paragraph(f"<b>Objet : {texte(lettre_.objet)}</b>", st.mention),
            Spacer(1, 2 * mm),
        ]
        if refs:
            contenu += [Paragraph(refs, st.normal), Spacer(1, 4 * mm)]
        contenu += [cadre_texte("Message", lettre_.corps), Spacer(1, 8 * mm)]
        if lettre_.signature:
            image = image_pour_impression(lettre_.signature)
            contenu.append(ImageSignaturePdf(image, 60 * mm, 22 * mm))
        contenu.append(
            Paragraph(f"{texte(lettre_.praticien.prenom)} {texte(lettre_.praticien.nom)}", st.gras)
        )
        return contenu

    return construire(
        elements, titre=lettre_.objet, sujet="Relance", date_document=lettre_.date_document
    )
