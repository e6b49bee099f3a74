from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from rejets.cabinets import services
from rejets.cabinets.models import Role
from rejets.core.commandes import CommandeGroupe, Verbe


def _args_creer(p: CommandParser) -> None:
    p.add_argument("code", help="code court du cabinet (lettres, chiffres, tirets)")
    p.add_argument("nom", help="nom du cabinet")


def _args_membre(p: CommandParser) -> None:
    p.add_argument("identifiant", help="identifiant de l'utilisateur")
    p.add_argument("cabinet", help="code du cabinet")
    p.add_argument("role", choices=[r.value for r in Role], help="rôle dans le cabinet")


class Command(CommandeGroupe):
    help = "Cabinets, membres et rôles."
    verbes = {
        "creer": Verbe("Créer un cabinet.", _args_creer),
        "membre": Verbe("Donner à un utilisateur un rôle dans un cabinet.", _args_membre),
    }

    def verbe_creer(self, **o: Any) -> None:
        cabinet = services.creer_cabinet(code=o["code"], nom=o["nom"])
        self.stdout.write(f"Cabinet « {cabinet.nom} » créé (code {cabinet.code}).")

    def verbe_membre(self, **o: Any) -> None:
        try:
            utilisateur = get_user_model().objects.get(username=o["identifiant"])
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"Utilisateur inconnu : « {o['identifiant']} ».") from exc
        membre = services.ajouter_membre(
            utilisateur=utilisateur, cabinet=self.cabinet(o["cabinet"]), role=o["role"]
        )
        self.stdout.write(f"{membre}.")
