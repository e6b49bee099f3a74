"""Matching announced transfers with bank credits, in pure Python (docs/banque.md).

A bank credit is a candidate for an announced transfer when its amount is the transfer's net
amount and it was booked from 0 to `fenetre` days after the announced date. A pair is decided
when each is the other's best candidate, alone at that rank: the best is the one whose label
carries the transfer reference, then the one whose label names the organisme, then any; a lone
candidate on both sides is therefore decided. Deciding a pair takes both out, which may leave
another pair alone: the rule runs again until nothing changes. What stays with candidates is
left for a person, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeAlias

FENETRE_JOURS = 5
"""Jours au plus entre la date du virement annoncée par le retour et le crédit en banque."""

INDICE_REFERENCE = 2
INDICE_ORGANISME = 1
LONGUEUR_MIN_REFERENCE = 4
"""Une référence plus courte n'est pas cherchée dans les libellés (trop de hasards)."""

MOTS_VIDES = frozenset({"DE", "DU", "DES", "LA", "LE", "LES", "ET", "D", "L", "EN", "AU", "AUX"})
MARQUES_ORGANISMES = (
    "ASSURANCE MALADIE",
    "AMELI",
    "CPAM",
    "CGSS",
    "CPCAM",
    "MSA",
    "CNMSS",
    "ENIM",
    "CRPCEN",
    "CAVIMAC",
    "CAMIEG",
    "MUTUELLE",
    "MUTUALITE",
    "MUT",
)
"""Mots qui, dans un libellé bancaire, désignent une caisse ou une mutuelle."""

Jour: TypeAlias = date
CleVirement: TypeAlias = tuple[str, str, Jour]
"""(payeur, référence, date du virement) : un virement annoncé dans un cabinet."""


@dataclass(frozen=True)
class VirementAnnonce:
    """A transfer the returns announced: net of the payments and withheld indus that carry its
    reference and date for one payer (caisse or mutuelle)."""

    cabinet_id: int
    payeur: str
    reference: str
    date: Jour
    montant: int
    organisme: str = ""
    organisme_code: str = ""
    paiements: int = 0
    ligne_id: int | None = None
    """Ligne bancaire rapprochée, s'il y en a une."""

    @property
    def cle(self) -> CleVirement:
        return (self.payeur, self.reference, self.date)


class Operation(Protocol):
    """A bank line as the matching sees it."""

    @property
    def pk(self) -> int: ...
    @property
    def date(self) -> Jour: ...
    @property
    def montant(self) -> int: ...
    @property
    def libelle(self) -> str: ...
    @property
    def reference(self) -> str: ...


@dataclass(frozen=True)
class Paire:
    virement: VirementAnnonce
    operation: Operation
    indice: int


@dataclass(frozen=True)
class Ambiguite:
    """A transfer with several possible bank lines (or lines with several possible transfers):
    a person decides."""

    virement: VirementAnnonce
    candidates: tuple[Operation, ...]


@dataclass(frozen=True)
class Appariement:
    decidees: list[Paire]
    a_decider: list[Ambiguite]


def mots(texte: str) -> list[str]:
    """Les mots d'un libellé, en majuscules, sans accents ni ponctuation."""
    sans_accents = unicodedata.normalize("NFKD", texte)
    sans_accents = "".join(c for c in sans_accents if not unicodedata.combining(c))
    return re.findall(r"[A-Z0-9]+", sans_accents.upper())


def reference_trouvee(reference: str, texte: str) -> bool:
    """La référence apparaît dans le texte, alignée sur ses mots : « VIR-2026-0309 » se trouve
    dans « VIR SEPA VIR 2026 0309 CPAM », pas « VIR1 » dans « VIR12 »."""
    cherche = "".join(mots(reference))
    if len(cherche) < LONGUEUR_MIN_REFERENCE:
        return False
    ms = mots(texte)
    for debut in range(len(ms)):
        colle = ""
        for m in ms[debut:]:
            colle += m
            if colle == cherche:
                return True
            if not cherche.startswith(colle):
                break
    return False


def organisme_trouve(organisme: str, code: str, texte: str) -> bool:
    """Le libellé nomme l'organisme : tous les mots significatifs de son nom (« CPAM de Paris »
    → CPAM, PARIS) y sont, ou son code."""
    ms = set(mots(texte))
    if code and code.upper() in ms:
        return True
    significatifs = {m for m in mots(organisme) if m not in MOTS_VIDES}
    return bool(significatifs) and significatifs <= ms


def marque_organisme(texte: str, noms: Iterable[str] = ()) -> str:
    """Le nom d'organisme que le libellé semble porter : un des `noms` connus, sinon une
    marque générique (CPAM, MSA, MUTUELLE…) ; vide sinon."""
    for nom in noms:
        if organisme_trouve(nom, "", texte):
            return nom
    ms = mots(texte)
    colle = " ".join(ms)
    for marque in MARQUES_ORGANISMES:
        if f" {marque} " in f" {colle} ":
            return marque
    return ""


def indice(virement: VirementAnnonce, operation: Operation) -> int:
    """Ce que le libellé dit du virement : sa référence, son organisme, ou rien."""
    texte = f"{operation.libelle} {operation.reference}"
    if reference_trouvee(virement.reference, texte):
        return INDICE_REFERENCE
    if organisme_trouve(virement.organisme, virement.organisme_code, texte):
        return INDICE_ORGANISME
    return 0


def _seul_meilleur(notes: dict[int, int]) -> int | None:
    """La clé de la note la plus haute, si elle est seule à l'avoir."""
    if not notes:
        return None
    haut = max(notes.values())
    tete = [k for k, n in notes.items() if n == haut]
    return tete[0] if len(tete) == 1 else None


def apparier(
    virements: Sequence[VirementAnnonce],
    operations: Sequence[Operation],
    fenetre: int = FENETRE_JOURS,
) -> Appariement:
    """Les paires décidées et les cas laissés à une personne (voir la règle du module). Seuls
    les virements de montant positif et les crédits comptent."""
    a_placer = [v for v in virements if v.montant > 0]
    par_montant: dict[int, list[Operation]] = defaultdict(list)
    for o in operations:
        if o.montant > 0:
            par_montant[o.montant].append(o)
    notes: dict[int, dict[int, int]] = {}
    rivaux: dict[int, dict[int, int]] = defaultdict(dict)
    par_pk: dict[int, Operation] = {}
    for i, v in enumerate(a_placer):
        notes[i] = {}
        for o in par_montant.get(v.montant, []):
            if 0 <= (o.date - v.date).days <= fenetre:
                note = indice(v, o)
                notes[i][o.pk] = note
                rivaux[o.pk][i] = note
                par_pk[o.pk] = o
    decidees: list[Paire] = []
    change = True
    while change:
        change = False
        for i in sorted(notes, key=lambda k: (a_placer[k].date, a_placer[k].reference)):
            choix = _seul_meilleur(notes[i])
            if choix is None or _seul_meilleur(rivaux[choix]) != i:
                continue
            decidees.append(Paire(a_placer[i], par_pk[choix], notes[i][choix]))
            for autre in rivaux.pop(choix):
                notes[autre].pop(choix, None)
            for pk in notes.pop(i):
                if pk in rivaux:
                    rivaux[pk].pop(i, None)
            change = True
    a_decider = [
        Ambiguite(
            a_placer[i],
            tuple(sorted((par_pk[pk] for pk in candidates), key=lambda o: (o.date, o.pk))),
        )
        for i, candidates in sorted(
            notes.items(), key=lambda e: (a_placer[e[0]].date, a_placer[e[0]].reference)
        )
        if candidates
    ]
    return Appariement(decidees, a_decider)
