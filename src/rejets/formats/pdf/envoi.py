"""Envoi papier à la caisse : bordereau et copies des feuilles de soins en un seul PDF.

Une facture en mode dégradé recyclée exige l'envoi à la caisse d'une copie de la feuille de
soins refacturée et du bordereau correspondant (DOMAIN.md §3). Le bordereau vient en tête,
puis chaque feuille commence sur une nouvelle page, avec son propre bas de page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from reportlab.platypus import Flowable, PageBreak

from rejets.formats.pdf.bordereau import Bordereau, elements_bordereau, titre_bordereau
from rejets.formats.pdf.feuille import FeuilleDeSoins, elements_feuille
from rejets.formats.pdf.mise_en_page import Pied, construire

__all__ = ["EnvoiIncoherent", "feuilles_de_soins"]


class EnvoiIncoherent(ValueError):
    """Envoi papier dont les pièces ne se correspondent pas ; message en français."""


def _verifier(feuilles: Sequence[FeuilleDeSoins], b: Bordereau | None) -> None:
    if not feuilles and b is None:
        raise EnvoiIncoherent("Envoi papier vide : ni feuille de soins ni bordereau.")
    numeros = [f.numero_facture for f in feuilles]
    doublons = sorted(n for n, fois in Counter(numeros).items() if fois > 1)
    if doublons:
        raise EnvoiIncoherent(f"Feuille de soins en double dans l'envoi : {', '.join(doublons)}.")
    if b is None:
        return
    listees = {ligne.numero_facture for ligne in b.lignes}
    absentes = [n for n in numeros if n not in listees]
    if absentes:
        raise EnvoiIncoherent(
            f"Le bordereau du lot n° {b.numero_lot} ne liste pas les factures "
            f"{', '.join(absentes)} dont la feuille de soins est jointe."
        )


def feuilles_de_soins(feuilles: Sequence[FeuilleDeSoins], bordereau: Bordereau | None) -> bytes:
    """Un seul PDF imprimable : le bordereau (s'il y en a un), puis chaque feuille de soins.

    Chaque feuille jointe doit figurer au bordereau (DOMAIN.md §3), sinon
    ``EnvoiIncoherent``. Mêmes données -> mêmes octets ; métadonnées sans nom ni NIR.
    """
    _verifier(feuilles, bordereau)

    def elements(pied: Pied) -> list[Flowable]:
        resultat: list[Flowable] = []
        if bordereau is not None:
            resultat += elements_bordereau(bordereau, pied)
        for feuille in feuilles:
            if resultat:
                resultat.append(PageBreak())
            resultat += elements_feuille(feuille, pied)
        return resultat

    dates = [f.date_document for f in feuilles]
    if bordereau is not None:
        titre = f"Envoi papier — {titre_bordereau(bordereau)}"
        dates.append(bordereau.date_document)
    else:
        titre = f"Feuilles de soins ({len(feuilles)})"
    return construire(
        elements,
        titre=titre,
        sujet="Pièces papier des factures en mode dégradé",
        date_document=max(dates),
    )
