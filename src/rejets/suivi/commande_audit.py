"""Verbs of `rejets suivi` for the audit of losses (mixed into the command)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.management.base import CommandError, CommandParser

from rejets.cabinets.models import Cabinet
from rejets.core import horloge
from rejets.core.commandes import Verbe
from rejets.domain.money import format_euros
from rejets.formats.pdf.audit import pourcentage, rapport_audit
from rejets.suivi.audit import MesuresAudit, PeriodeInvalide, mesurer, rapport_pdf


def _args_audit(p: CommandParser) -> None:
    p.add_argument("--cabinet", required=True, help="code du cabinet")
    p.add_argument(
        "--du", required=True, type=date.fromisoformat, help="début des soins (AAAA-MM-JJ)"
    )
    p.add_argument(
        "--au", required=True, type=date.fromisoformat, help="fin des soins, incluse (AAAA-MM-JJ)"
    )
    p.add_argument("--sortie", required=True, help="fichier PDF du rapport à écrire")
    p.add_argument(
        "--le",
        type=date.fromisoformat,
        help="jour de la situation : âges et forclusion (AAAA-MM-JJ ; défaut : ce jour)",
    )
    p.add_argument(
        "--utilisateur",
        help="identifiant de l'utilisateur qui consulte : seuls ses cabinets sont lisibles "
        "(par défaut : tous les cabinets)",
    )


def _resume(m: MesuresAudit) -> list[str]:
    """Le résumé en français des chiffres de l'audit."""
    r, f = m.rejets, m.forclusion
    moyenne = m.delai.moyenne
    delai = "—" if moyenne is None else f"{str(moyenne).replace('.', ',')} jours"
    return [
        f"Audit des pertes — {m.nom} — soins du {m.du:%d/%m/%Y} au {m.au:%d/%m/%Y} "
        f"(situation au {m.aujourd_hui:%d/%m/%Y})",
        f"Facturé : {format_euros(m.facture)} ({m.factures} facture(s))",
        f"Payé : {format_euros(m.paye)}",
        f"Rejeté : {format_euros(r.montant_rejete)} — {r.rejets} rejet(s) sur {r.demandes} "
        f"demande(s), taux {pourcentage(r.rejets, r.demandes)} en nombre, "
        f"{pourcentage(r.montant_rejete, r.montant_demandes)} en montant",
        f"Récupéré par recyclage : {format_euros(m.recyclage.recupere)} "
        f"({m.recyclage.factures} facture(s) recyclée(s))",
        "Reste dû : "
        + format_euros(m.reste)
        + " ("
        + ", ".join(f"{t.libelle.lower()} {format_euros(t.montant)}" for t in m.ouvert)
        + ")",
        f"À risque de forclusion : {format_euros(f.sous_30)} sous 30 jours, "
        f"{format_euros(f.sous_60)} sous 60 jours, {format_euros(f.sous_90)} sous 90 jours, "
        f"{format_euros(f.deja_forclos)} déjà prescrit",
        f"Perdu : {format_euros(m.perdu)} (forclos {format_euros(m.pertes.forclos)}, "
        f"abandonné {format_euros(m.pertes.abandonne)})",
        f"Délai moyen de paiement : {delai} ({m.delai.paiements} paiement(s))",
    ]


if TYPE_CHECKING:
    from rejets.core.commandes import CommandeGroupe as _Commande
else:
    _Commande = object


class VerbesAudit(_Commande):
    verbes: dict[str, Verbe] = {
        "audit": Verbe(
            "Audit des pertes d'un cabinet sur une période de soins : rapport PDF et résumé.",
            _args_audit,
            ecrit=False,
        ),
    }

    def _cabinet_visible(self, code: str, identifiant: str | None) -> Cabinet:
        """The cabinet, among those the user (when named) may see; the operator sees all."""
        from rejets.cabinets.selectors import cabinets_visibles

        if not identifiant:
            return self.cabinet(code)
        utilisateur = self.acteur(identifiant)
        cabinet = cabinets_visibles(utilisateur).filter(code=code).first()
        if cabinet is None:
            raise CommandError(f"Cabinet « {code} » introuvable.")
        return cabinet

    def verbe_audit(self, **o: Any) -> None:
        cabinet = self._cabinet_visible(o["cabinet"], o["utilisateur"])
        try:
            mesures = mesurer(
                cabinet=cabinet,
                du=o["du"],
                au=o["au"],
                aujourd_hui=o["le"] or horloge.aujourd_hui(),
            )
        except PeriodeInvalide as exc:
            raise CommandError(str(exc)) from exc
        sortie = Path(o["sortie"])
        try:
            sortie.write_bytes(rapport_audit(rapport_pdf(mesures)))
        except OSError as exc:
            raise CommandError(
                f"Impossible d'écrire le rapport « {sortie} » ({exc.strerror})."
            ) from exc
        if o["json"]:
            self.sortie_json({**mesures.en_json(), "sortie": str(sortie)})
            return
        for ligne in _resume(mesures):
            self.stdout.write(ligne)
        self.stdout.write(f"Rapport écrit dans {sortie}.")
