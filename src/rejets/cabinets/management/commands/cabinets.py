from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from rejets.cabinets import services
from rejets.cabinets.models import Professionnel, Role
from rejets.cabinets.selectors import peut_ecrire
from rejets.core.commandes import CommandeGroupe, Verbe
from rejets.formats.pdf import ImageSignatureRefusee


def _args_creer(p: CommandParser) -> None:
    p.add_argument("code", help="code court du cabinet (lettres, chiffres, tirets)")
    p.add_argument("nom", help="nom du cabinet")


def _args_membre(p: CommandParser) -> None:
    p.add_argument("identifiant", help="identifiant de l'utilisateur")
    p.add_argument("cabinet", help="code du cabinet")
    p.add_argument("role", choices=[r.value for r in Role], help="rôle dans le cabinet")


def _args_signature(p: CommandParser) -> None:
    p.add_argument("--cabinet", required=True, help="code du cabinet")
    p.add_argument("--professionnel", required=True, metavar="NUMERO_AM", help="n° AM")
    p.add_argument("--image", required=True, metavar="FICHIER", help="signature en PNG ou JPEG")


class Command(CommandeGroupe):
    help = "Cabinets, membres et rôles."
    verbes = {
        "creer": Verbe("Créer un cabinet.", _args_creer),
        "membre": Verbe("Donner à un utilisateur un rôle dans un cabinet.", _args_membre),
        "signature": Verbe(
            "Enregistrer la signature numérisée d'un praticien (feuilles de soins en mode "
            "dégradé).",
            _args_signature,
        ),
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

    def verbe_signature(self, **o: Any) -> None:
        cabinet = self.cabinet(o["cabinet"])
        if o["utilisateur"] and not peut_ecrire(self.acteur(o["utilisateur"]), cabinet):
            raise CommandError(f"Cabinet « {cabinet.code} » introuvable ou en lecture seule.")
        pro = Professionnel.objects.filter(cabinet=cabinet, numero_am=o["professionnel"]).first()
        if pro is None:
            raise CommandError(
                f"Professionnel n° AM {o['professionnel']} introuvable dans le cabinet "
                f"« {cabinet.code} »."
            )
        chemin = Path(o["image"])
        if not chemin.is_file():
            raise CommandError(f"Fichier introuvable : {o['image']}")
        try:
            signature = services.enregistrer_signature(professionnel=pro, image=chemin.read_bytes())
        except ImageSignatureRefusee as exc:
            raise CommandError(str(exc)) from exc
        if o["json"]:
            self.sortie_json({"professionnel": pro.numero_am, "sha256": signature.sha256})
        else:
            self.stdout.write(
                f"Signature de {pro} enregistrée ({signature.format.upper()}) : elle signera "
                "les feuilles de soins en mode dégradé."
            )
