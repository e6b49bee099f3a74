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
from datetime import date
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
        with connection.cursor() as c:
            c.execute(*_lire_factures(cles))
            resolveur.factures_lues = c.fetchall()
        for pk, numero, cabinet, prof, *_ in resolveur.factures_lues:
            trouvees[(prof, numero)] = (pk, cabinet)
    else:
        resolveur.factures_lues = []
    resultat = [_correspondance(ligne, resolveur, trouvees) for ligne in lignes]
    _replis([c for c in resultat if c.motif == A_CHERCHER])
    return resultat


def _lire_factures(cles: dict[str, set[int]]) -> tuple[str, list[Any]]:
    """The invoices of these numbers for these professionals, with their parts. On PostgreSQL
    one probe of the (professional, number) index per pair (`OFFSET 0` keeps the subquery a
    nested loop: on two lists of a batch's size the planner chose to scan both tables); on
    SQLite the two lists, which it reads through the index."""
    q = connection.ops.quote_name
    depuis = (
        f"{LIRE_FACTURES} FROM {q(Facture._meta.db_table)} f "
        f"JOIN {q(Partie._meta.db_table)} p ON p.facture_id = f.id"
    )
    if connection.vendor == "postgresql":
        paires = [(pk, numero) for numero, pks in cles.items() for pk in sorted(pks)]
        return (
            "SELECT x.* FROM unnest(%s::bigint[], %s::varchar[]) AS k(professionnel, numero) "
            f"CROSS JOIN LATERAL ({depuis} "
            "WHERE f.professionnel_id = k.professionnel AND f.numero = k.numero OFFSET 0) x",
            [[pk for pk, _ in paires], [numero for _, numero in paires]],
        )
    de_ces_professionnels, p1 = parmi("f.professionnel_id", sorted(set().union(*cles.values())))
    de_ces_numeros, p2 = parmi("f.numero", sorted(cles))
    return f"{depuis} WHERE {de_ces_professionnels} AND {de_ces_numeros}", [*p1, *p2]


A_CHERCHER = "à chercher par le lot, puis par NIR, date et montant"


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
    c.motif = A_CHERCHER
    return c


def _replis(sans_facture: list[Correspondance]) -> None:
    """The lines no invoice number matched, all at once: the invoice of the line's lot with the
    same NIR and amount asked when exactly one; else a suggestion on NIR + care date + amount
    asked (the first such invoice), for a person to confirm, never applied."""
    if not sans_facture:
        return
    lignes = [c.ligne for c in sans_facture if isinstance(c.ligne, LigneRetour)]
    nirs = sorted({x.nir for x in lignes if x.nir})
    cabinets = sorted({c.cabinet_id for c in sans_facture if c.cabinet_id is not None})
    par_lot: dict[tuple[int, str, str, int, str], list[int]] = defaultdict(list)
    par_jour: dict[tuple[int, str, int, str, date], int] = {}
    if nirs and cabinets:
        for facture_id, cabinet, prof, lot, type_, montant, nir, jour in (
            Partie.objects.filter(cabinet_id__in=cabinets, facture__patient__nir__in=nirs)
            .order_by("facture_id")
            .values_list(
                "facture_id",
                "cabinet_id",
                "facture__professionnel_id",
                "lot__numero",
                "type",
                "montant",
                "facture__patient__nir",
                "facture__date_soins",
            )
        ):
            if lot:
                par_lot[(prof, lot, type_, montant, nir)].append(facture_id)
            par_jour.setdefault((cabinet, type_, montant, nir, jour), facture_id)
    for c in sans_facture:
        x = c.ligne
        assert isinstance(x, LigneRetour) and c.cabinet_id is not None
        type_ = PARTIE_DE_LA_LIGNE[x.partie].value
        du_lot = par_lot.get(
            (c.professionnel_id or 0, x.numero_lot, type_, x.montant_demande or 0, x.nir), []
        )
        if x.numero_lot and x.nir and x.montant_demande is not None and len(du_lot) == 1:
            c.facture_id, c.motif = du_lot[0], ""
            continue
        if x.nir and x.date_soins is not None and x.montant_demande is not None:
            c.suggestion_id = par_jour.get(
                (c.cabinet_id, type_, x.montant_demande, x.nir, x.date_soins)
            )
        c.motif = f"Aucune facture n° {x.numero_facture} pour ce professionnel." + (
            " Une facture du même patient, du même jour et du même montant est proposée."
            if c.suggestion_id
            else ""
        )
