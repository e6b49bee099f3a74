"""Base of the `rejets <groupe> <verbe>` commands: one Django command per group, one method per
verb, the acting user (--utilisateur) and a machine-readable summary (--json)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rejets.cabinets.models import Cabinet
from rejets.cabinets.services import utilisateur_systeme


class Verbe:
    def __init__(
        self,
        aide: str,
        arguments: Callable[[CommandParser], None] | None = None,
        ecrit: bool = True,
    ) -> None:
        self.aide = aide
        self.arguments = arguments
        self.ecrit = ecrit


class CommandeGroupe(BaseCommand):
    """Subclasses set `verbes` = {name: Verbe} and define `verbe_<name>(self, **options)`
    (dashes in the name become underscores)."""

    verbes: dict[str, Verbe] = {}

    def add_arguments(self, parser: CommandParser) -> None:
        sous = parser.add_subparsers(dest="verbe", required=True, metavar="VERBE")
        for nom, verbe in self.verbes.items():
            p = sous.add_parser(nom, help=verbe.aide, description=verbe.aide)
            if verbe.ecrit:
                p.add_argument(
                    "--utilisateur",
                    help="identifiant de l'utilisateur qui agit, écrit dans l'historique "
                    "(par défaut : l'utilisateur système)",
                )
            p.add_argument("--json", action="store_true", help="résumé en JSON sur la sortie")
            if verbe.arguments:
                verbe.arguments(p)

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the verb; its writes are logged in the audit trail under the acting user."""
        from auditlog.context import set_actor

        nom = options.pop("verbe")
        methode = getattr(self, "verbe_" + nom.replace("-", "_"))
        acteur = self.acteur(options.get("utilisateur"))
        with set_actor(acteur):
            methode(**options)

    def acteur(self, identifiant: str | None) -> User:
        if not identifiant:
            return utilisateur_systeme()
        try:
            return get_user_model().objects.get(username=identifiant)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"Utilisateur inconnu : « {identifiant} ».") from exc

    def cabinet(self, code: str) -> Cabinet:
        try:
            return Cabinet.objects.get(code=code)
        except Cabinet.DoesNotExist as exc:
            raise CommandError(f"Cabinet inconnu : « {code} ».") from exc

    def cabinet_ecrit(self, code: str, identifiant: str | None) -> Cabinet:
        """The cabinet, if the acting user (when named) may write to it."""
        from rejets.cabinets.selectors import cabinets_visibles, peut_ecrire

        cabinet = self.cabinet(code)
        if identifiant:
            utilisateur = self.acteur(identifiant)
            if not cabinets_visibles(utilisateur).filter(pk=cabinet.pk).exists():
                raise CommandError(f"Cabinet « {code} » introuvable.")
            if not peut_ecrire(utilisateur, cabinet):
                raise CommandError(
                    f"L'utilisateur « {utilisateur.username} » ne peut que consulter le cabinet "
                    f"« {cabinet.code} »."
                )
        return cabinet

    def facture(
        self, numero: str, code_cabinet: str, identifiant: str | None, professionnel: str | None
    ) -> Any:
        """The invoice, reachable only in a cabinet the acting user may write to."""
        from rejets.factures.models import Facture

        cabinet = self.cabinet_ecrit(code_cabinet, identifiant)
        factures = Facture.objects.filter(cabinet=cabinet, numero=numero)
        if professionnel:
            factures = factures.filter(professionnel__numero_am=professionnel)
        trouvees = list(factures.select_related("professionnel", "patient", "cabinet")[:2])
        if not trouvees:
            raise CommandError(f"Facture {numero} introuvable dans le cabinet « {cabinet.code} ».")
        if len(trouvees) > 1:
            raise CommandError(
                f"Plusieurs professionnels du cabinet ont une facture n° {numero} : précisez "
                "--professionnel NUMERO_AM."
            )
        return trouvees[0]

    def sortie_json(self, donnees: Any) -> None:
        self.stdout.write(json.dumps(donnees, ensure_ascii=False, indent=2, default=str))
