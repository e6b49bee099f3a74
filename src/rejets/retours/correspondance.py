"""Matching return lines with invoices, a batch of lines at a time.

Order (DOMAIN.md section 2): the professional's billing number and the invoice number; failing
that, the lot with the NIR and the amount asked; failing that, a suggestion on NIR + care date +
amount, shown to a person and never applied by itself. A line belongs to the cabinet of its
professional; when the number exists in several cabinets, the invoice decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from rejets.cabinets.models import Professionnel
from rejets.core.sql import parmi
from rejets.domain.rapprochement import PARTIE_DE_LA_LIGNE, LigneArl, LigneRetour
from rejets.factures.models import Facture, Partie


@dataclass(slots=True)
class Correspondance:
    """Where a line goes: its cabinet (None when no cabinet can be told), its professional,
    the invoice it matched, or a suggestion, and why not when it did not."""

    ligne: LigneRetour | LigneArl
    cabinet_id: int | None = None
    professionnel_id: int | None = None
    facture_id: int | None = None
    suggestion_id: int | None = None
    motif: str = ""


LIRE_FACTURES = (
    "SELECT f.id, f.numero, f.cabinet_id, f.professionnel_id, f.etat, f.deja_transmise, "
    "p.id, p.type, p.etat, p.lot_id, p.date_transmission, p.montant"
)


class Resolveur:
    """Professionals by billing number, cached for the whole import."""

    def __init__(self) -> None:
        self._professionnels: dict[str, list[tuple[int, int]]] = {}
        self.factures_lues: list[tuple[Any, ...]] = []
        """The matched invoices of the last batch with their parts, as `LIRE_FACTURES` reads
        them: the set-based path starts from them instead of reading them again."""

    def charger(self, numeros: Iterable[str]) -> None:
        manquants = {n for n in numeros if n not in self._professionnels}
        if not manquants:
            return
        for n in manquants:
            self._professionnels[n] = []
        for pk, numero, cabinet_id in Professionnel.objects.filter(
            numero_am__in=manquants
        ).values_list("pk", "numero_am", "cabinet_id"):
            self._professionnels[numero].append((pk, cabinet_id))

    def professionnels(self, numero: str) -> list[tuple[int, int]]:
        return self._professionnels.get(numero, [])


def correspondances(
    lignes: Sequence[LigneRetour | LigneArl], resolveur: Resolveur
) -> list[Correspondance]:
    resolveur.charger(ligne.numero_ps for ligne in lignes)
    cles: dict[str, set[int]] = defaultdict(set)
    for ligne in lignes:
        if isinstance(ligne, LigneRetour):
            for pk, _ in resolveur.professionnels(ligne.numero_ps):
                cles[ligne.numero_facture].add(pk)
    trouvees: dict[tuple[int, str], tuple[int, int]] = {}
    if cles:
        professionnels = sorted(set().union(*cles.values()))
        numeros = sorted(cles)
        q = connection.ops.quote_name
        de_ces_professionnels, p1 = parmi("f.professionnel_id", professionnels)
        de_ces_numeros, p2 = parmi("f.numero", numeros)
        with connection.cursor() as c:
            c.execute(
                f"{LIRE_FACTURES} FROM {q(Facture._meta.db_table)} f "
                f"JOIN {q(Partie._meta.db_table)} p ON p.facture_id = f.id "
                f"WHERE {de_ces_professionnels} AND {de_ces_numeros}",
                [*p1, *p2],
            )
            resolveur.factures_lues = c.fetchall()
        for pk, numero, cabinet, prof, *_ in resolveur.factures_lues:
            trouvees[(prof, numero)] = (pk, cabinet)
    else:
        resolveur.factures_lues = []
    return [_correspondance(ligne, resolveur, trouvees) for ligne in lignes]


def _correspondance(
    ligne: LigneRetour | LigneArl,
    resolveur: Resolveur,
    trouvees: dict[tuple[int, str], tuple[int, int]],
) -> Correspondance:
    candidats = resolveur.professionnels(ligne.numero_ps)
    if len(candidats) == 1 and isinstance(ligne, LigneRetour):
        prof, cabinet = candidats[0]
        trouve = trouvees.get((prof, ligne.numero_facture))
        if trouve:
            return Correspondance(ligne, cabinet, prof, trouve[0])
    c = Correspondance(ligne)
    if not candidats:
        c.motif = f"Professionnel n° {ligne.numero_ps} inconnu dans Rejets."
        return c
    if len({cabinet for _, cabinet in candidats}) == 1:
        c.professionnel_id, c.cabinet_id = candidats[0]
    if isinstance(ligne, LigneArl):
        if c.cabinet_id is None:
            c.motif = f"Le n° {ligne.numero_ps} existe dans plusieurs cabinets : lot à désigner."
        return c
    for prof, cabinet in candidats:
        trouve = trouvees.get((prof, ligne.numero_facture))
        if trouve:
            c.facture_id, c.cabinet_id, c.professionnel_id = trouve[0], cabinet, prof
            return c
    if c.cabinet_id is None:
        c.motif = (
            f"Le n° {ligne.numero_ps} existe dans plusieurs cabinets et la facture "
            f"{ligne.numero_facture} dans aucun."
        )
        return c
    assert c.professionnel_id is not None
    c.facture_id = _par_le_lot(ligne, c.professionnel_id)
    if c.facture_id is None:
        c.suggestion_id = _suggestion(ligne, c.cabinet_id)
        c.motif = f"Aucune facture n° {ligne.numero_facture} pour ce professionnel." + (
            " Une facture du même patient, du même jour et du même montant est proposée."
            if c.suggestion_id
            else ""
        )
    return c


def _par_le_lot(ligne: LigneRetour, professionnel_id: int) -> int | None:
    """The invoice of the line's lot with the same NIR and amount asked, when exactly one."""
    if not ligne.numero_lot or not ligne.nir or ligne.montant_demande is None:
        return None
    ids = list(
        Partie.objects.filter(
            lot__professionnel_id=professionnel_id,
            lot__numero=ligne.numero_lot,
            type=PARTIE_DE_LA_LIGNE[ligne.partie],
            montant=ligne.montant_demande,
            facture__patient__nir=ligne.nir,
        ).values_list("facture_id", flat=True)[:2]
    )
    return ids[0] if len(ids) == 1 else None


def _suggestion(ligne: LigneRetour, cabinet_id: int) -> int | None:
    """NIR + care date + amount asked: a candidate for a person to confirm, never applied."""
    if not ligne.nir or ligne.date_soins is None or ligne.montant_demande is None:
        return None
    return (
        Partie.objects.filter(
            cabinet_id=cabinet_id,
            type=PARTIE_DE_LA_LIGNE[ligne.partie],
            montant=ligne.montant_demande,
            facture__patient__nir=ligne.nir,
            facture__date_soins=ligne.date_soins,
        )
        .order_by("facture_id")
        .values_list("facture_id", flat=True)
        .first()
    )
