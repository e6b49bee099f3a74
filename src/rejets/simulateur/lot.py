"""Reading a REJETS-LOT-1 lot (docs/formats/lot-rejets.md) into the invoices the simulator
judges, with the layout engine (`rejets.formats.fixe.lire`), and writing the simulator's
answers: ARL (REJETS-ARL-1) and returns (REJETS-RETOURS-1) with `EcrivainFixe`.

Pure: no Django. A lot is accepted whole or refused whole (`LotIllisible`, with the ARL
code): a structural fault or a single refused line refuses it.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from rejets.formats.disposition import Disposition, dispositions_livrees
from rejets.formats.fixe import EcrivainFixe, FichierInvalide, LigneRefusee, lire

from .jugement import ActeLu, FactureLue

__all__ = [
    "EnTeteLot",
    "LigneReponse",
    "LotIllisible",
    "LotLu",
    "Virement",
    "contenu_arl",
    "contenu_retour",
    "disposition",
    "ecrire_atomiquement",
    "en_tete_brut",
    "lire_lot",
    "organisme_9",
]


@cache
def _livrees() -> dict[str, Disposition]:
    return {d.identifiant: d for d in dispositions_livrees()}


def disposition(identifiant: str) -> Disposition:
    """A shipped layout by its identifier (REJETS-LOT-1, REJETS-ARL-1, REJETS-RETOURS-1)."""
    return _livrees()[identifiant]


class LotIllisible(Exception):
    """The lot is refused whole: `code` (SL01 structure, SL02 a line) and `raison` in French."""

    def __init__(self, code: str, raison: str) -> None:
        self.code = code
        self.raison = raison
        super().__init__(raison)


@dataclass(frozen=True, slots=True)
class EnTeteLot:
    """Header of a lot (record 0)."""

    numero_ps: str
    numero_lot: str
    partie: str
    organisme: str
    date_creation: date | None = None


@dataclass(slots=True)
class LotLu:
    en_tete: EnTeteLot
    factures: list[FactureLue] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(f.montant_total for f in self.factures)


def en_tete_brut(contenu: bytes) -> EnTeteLot:
    """Best-effort header of an unreadable lot, cut at the layout's positions, so that its
    negative ARL can still name the professional, the part and the lot."""
    premiere = contenu.split(b"\n", 1)[0].decode("latin-1", "replace")

    def zone(debut: int, longueur: int) -> str:
        texte = premiere[debut - 1 : debut - 1 + longueur].strip()
        return texte if texte.isprintable() and texte.isascii() else ""

    partie = zone(32, 3)
    return EnTeteLot(
        numero_ps=zone(18, 9) or "INCONNU",
        numero_lot=zone(27, 5) or "00000",
        partie=partie if partie in ("FSE", "DRE") else "FSE",
        organisme=zone(35, 10),
    )


def lire_lot(contenu: bytes, nom: str) -> LotLu:
    """The lot's header and invoices, in file order; `LotIllisible` if any fault."""
    lot: LotLu | None = None
    facture: dict[str, object] | None = None
    actes: list[ActeLu] = []
    try:
        for lu in lire(io.BytesIO(contenu), [disposition("REJETS-LOT-1")], nom):
            if isinstance(lu, LigneRefusee):
                raise LotIllisible("SL02", f"Fichier « {nom} », {lu.message}")
            if lu.nom == "en_tete":
                lot = LotLu(
                    EnTeteLot(
                        numero_ps=lu["numero_ps"],
                        numero_lot=lu["numero_lot"],
                        partie=lu["partie"],
                        organisme=lu["organisme"],
                        date_creation=lu["date_creation"],
                    )
                )
            elif lu.nom == "debut_facture":
                facture, actes = dict(lu), []
            elif lu.nom == "acte":
                actes.append(ActeLu(lu["date"], lu["lettre_cle"], lu["coefficient"], lu["montant"]))
            elif lu.nom == "fin_facture" and lot is not None and facture is not None:
                lot.factures.append(_facture(lot.en_tete, facture, actes))
                facture = None
    except FichierInvalide as erreur:
        raise LotIllisible("SL01", erreur.message) from None
    if lot is None:  # pragma: no cover - the reader always yields the header first
        raise LotIllisible("SL01", f"Fichier « {nom} » : en-tête du lot absent")
    return lot


def _facture(en_tete: EnTeteLot, v: dict[str, object], actes: list[ActeLu]) -> FactureLue:
    def texte(nom: str) -> str:
        valeur = v.get(nom)
        return valeur if isinstance(valeur, str) else ""

    def entier(nom: str) -> int:
        valeur = v.get(nom)
        return valeur if isinstance(valeur, int) else 0

    soins = v["date_soins"]
    prescription = v.get("date_prescription")
    assert isinstance(soins, date)
    return FactureLue(
        partie=en_tete.partie,
        numero_ps=en_tete.numero_ps,
        numero_lot=en_tete.numero_lot,
        organisme=en_tete.organisme,
        numero_facture=f"{entier('numero_facture'):09d}",
        nir=texte("nir"),
        rang=entier("rang"),
        date_soins=soins,
        montant_total=entier("montant_total"),
        part_amo=entier("part_amo"),
        part_amc=entier("part_amc"),
        regime=texte("regime"),
        caisse=texte("caisse"),
        centre=texte("centre"),
        nature_assurance=texte("nature_assurance"),
        exoneration=texte("exoneration"),
        tiers_payant=texte("tiers_payant"),
        mode=texte("mode"),
        scellement=texte("scellement"),
        date_prescription=prescription if isinstance(prescription, date) else None,
        prescripteur=texte("prescripteur"),
        domicile=texte("domicile"),
        numero_amc=texte("numero_amc"),
        actes=tuple(actes),
    )


# ------------------------------------------------------------------ writing


def organisme_9(code: str) -> str:
    """An organisme code in the 9 characters of the ARL and return layouts: a caisse's
    régime + caisse + centre as is; a 10-character AMC number by its last 9 characters (the
    layouts' width; a number starting with 0 loses only that zero)."""
    code = code.strip()
    return code[-9:] if code else "INCONNU"


def contenu_arl(
    *,
    emetteur: str,
    destinataire: str,
    le: date,
    numero_fichier: int,
    en_tete: EnTeteLot,
    positif: bool,
    code_motif: str = "",
    motif: str = "",
) -> bytes:
    """An ARL file (REJETS-ARL-1) with one record 300 for the lot."""
    flux = io.BytesIO()
    e = EcrivainFixe(disposition("REJETS-ARL-1"), flux)
    e.ouvrir(
        "000",
        disposition="REJETS-ARL-1",
        emetteur=emetteur,
        destinataire=destinataire,
        date_creation=le,
        numero_fichier=numero_fichier,
    )
    e.ecrire(
        "300",
        numero_ps=en_tete.numero_ps[:9],
        partie=en_tete.partie,
        numero_lot=en_tete.numero_lot[:5],
        statut="+" if positif else "-",
        code_motif=code_motif,
        motif=motif,
    )
    e.fermer()
    e.terminer()
    return flux.getvalue()


@dataclass(frozen=True, slots=True)
class LigneReponse:
    """A record 200 to write."""

    partie: str
    organisme: str
    numero_ps: str
    numero_lot: str
    numero_facture: str
    nir: str
    date_soins: date
    montant_demande: int
    montant_paye: int
    issue: str
    code: str = ""
    libelle: str = ""


@dataclass(frozen=True, slots=True)
class Virement:
    """A bordereau: a transfer (reference and date) or none (blank), and its lines."""

    organisme: str
    reference: str
    date_virement: date | None
    lignes: Sequence[LigneReponse]


def contenu_retour(
    *,
    emetteur: str,
    destinataire: str,
    le: date,
    numero_fichier: int,
    bordereaux: Sequence[Virement],
) -> bytes:
    """A return file (REJETS-RETOURS-1): one level 100 per bordereau, its lines 200; the net
    amount of a transfer is the sum of its lines (indus deducted), 0 without a transfer."""
    flux = io.BytesIO()
    e = EcrivainFixe(disposition("REJETS-RETOURS-1"), flux)
    e.ouvrir(
        "000",
        disposition="REJETS-RETOURS-1",
        emetteur=emetteur,
        destinataire=destinataire,
        date_creation=le,
        numero_fichier=numero_fichier,
    )
    for b in bordereaux:
        e.ouvrir(
            "100",
            organisme=b.organisme,
            reference_virement=b.reference,
            date_virement=b.date_virement,
            montant_virement=sum(x.montant_paye for x in b.lignes) if b.reference else 0,
        )
        for x in b.lignes:
            e.ecrire(
                "200",
                partie=x.partie,
                organisme=x.organisme,
                numero_ps=x.numero_ps,
                numero_lot=x.numero_lot,
                numero_facture=int(x.numero_facture),
                nir=x.nir,
                date_soins=x.date_soins,
                montant_demande=x.montant_demande,
                montant_paye=x.montant_paye,
                issue=x.issue,
                code=x.code,
                libelle=x.libelle,
            )
        e.fermer()
    e.fermer()
    e.terminer()
    return flux.getvalue()


def ecrire_atomiquement(dossier: Path, nom: str, contenu: bytes) -> Path:
    """Writes `contenu` as `dossier/nom` so that a reader never sees a partial file: a hidden
    temporary file in the same folder, flushed to disk, then renamed. An existing file of the
    same name is kept if identical (a write repeated after an interruption), refused
    otherwise (`FileExistsError`)."""
    dossier.mkdir(parents=True, exist_ok=True)
    cible = dossier / nom
    if cible.exists():
        if hashlib.sha256(cible.read_bytes()).digest() == hashlib.sha256(contenu).digest():
            return cible
        raise FileExistsError(f"Le fichier « {cible} » existe déjà avec un autre contenu.")
    descripteur, temporaire = tempfile.mkstemp(prefix=f".{nom}.", suffix=".partiel", dir=dossier)
    try:
        with os.fdopen(descripteur, "wb") as flux:
            flux.write(contenu)
            flux.flush()
            os.fsync(flux.fileno())
        os.replace(temporaire, cible)
    except BaseException:
        Path(temporaire).unlink(missing_ok=True)
        raise
    return cible
