"""Hand-written return files in the project's layouts (REJETS-RETOURS-1, REJETS-ARL-1), built
field by field from the documented positions, independently of the layout engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def _m(centimes: int, largeur: int) -> str:
    return ("-" if centimes < 0 else "+") + f"{abs(centimes):0{largeur - 1}d}"


def _a(texte: str, largeur: int) -> str:
    assert len(texte) <= largeur
    return texte.ljust(largeur)


@dataclass
class L:
    """One 200 line."""

    numero_facture: str
    montant_paye: int = 0
    issue: str = "P"
    partie: str = "AMO"
    numero_ps: str = "751000018"
    montant_demande: int = 0
    numero_lot: str = ""
    nir: str = "255057505600147"
    date_soins: date = date(2026, 3, 2)
    code: str = ""
    libelle: str = ""
    organisme: str = "017510000"

    def texte(self) -> str:
        return (
            "200"
            + _a(self.partie, 3)
            + _a(self.organisme, 9)
            + _a(self.numero_ps, 9)
            + _a(self.numero_lot, 5)
            + self.numero_facture.zfill(9)
            + _a(self.nir, 15)
            + self.date_soins.strftime("%y%m%d")
            + _m(self.montant_demande, 12)
            + _m(self.montant_paye, 12)
            + self.issue
            + _a(self.code, 5)
            + _a(self.libelle, 60)
        ).ljust(160)


def en_tete(disposition: str = "REJETS-RETOURS-1", largeur: int = 160) -> str:
    return (
        "000"
        + _a(disposition, 16)
        + _a("017510000", 9)
        + _a("751000018", 9)
        + "20260310"
        + "000001"
    ).ljust(largeur)


def fin(lignes: list[L]) -> str:
    return (
        "990"
        + f"{len(lignes):09d}"
        + _m(sum(x.montant_demande for x in lignes), 14)
        + _m(sum(x.montant_paye for x in lignes), 14)
    ).ljust(160)


def virement(reference: str, montant: int, le: date = date(2026, 3, 9)) -> str:
    return (
        "100"
        + _a("017510000", 9)
        + _a(reference, 20)
        + (le.strftime("%Y%m%d") if reference else " " * 8)
        + _m(montant, 12)
    ).ljust(160)


def fichier_retour(*bordereaux: tuple[str, list[L]]) -> bytes:
    """Bordereaux: (transfer reference or "", lines)."""
    textes = [en_tete()]
    toutes: list[L] = []
    for reference, lignes in bordereaux:
        textes.append(virement(reference, sum(x.montant_paye for x in lignes)))
        textes += [x.texte() for x in lignes]
        textes.append(fin(lignes))
        toutes += lignes
    textes.append(fin(toutes))
    return ("\n".join(textes) + "\n").encode("latin-1")


def fichier_arl(*lignes: tuple[str, str, bool, str]) -> bytes:
    """Lines: (lot, FSE|DRE, positive, reason)."""
    textes = [en_tete("REJETS-ARL-1", 128)]
    for lot, partie, positif, motif in lignes:
        textes.append(
            (
                "300"
                + _a("751000018", 9)
                + _a(partie, 3)
                + _a(lot, 5)
                + ("+" if positif else "-")
                + _a("" if positif else "E01", 5)
                + _a(motif, 60)
            ).ljust(128)
        )
    textes.append(("990" + f"{len(lignes):09d}").ljust(128))
    return ("\n".join(textes) + "\n").encode("latin-1")
