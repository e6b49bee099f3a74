import argparse
import io
import shutil
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from rich import box
from rich.console import Console
from rich.table import Table

from rejets.core.commandes import CommandeGroupe, Verbe
from rejets.domain.money import format_euros
from rejets.domain.tarifs import CatalogueInvalide, Parametre, Tarif
from rejets.factures.prevention import catalogue_en_vigueur, importer_catalogue
from rejets.formats.tod import FichierTodInvalide
from rejets.referentiels.models import CatalogueImporte, FormatCatalogue
from rejets.referentiels.tod import (
    FICHIER_EXEMPLE,
    ImportTod,
    importer_tod,
    importer_tod_exemple,
)


def _date(texte: str) -> date:
    try:
        return date.fromisoformat(texte)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date AAAA-MM-JJ attendue, reçu « {texte} »") from None


def _args_tarifs(p: CommandParser) -> None:
    p.add_argument(
        "--importer",
        metavar="FICHIER",
        help="fichier de tarifs TOML ou CSV (docs/cotation.md) à valider puis enregistrer : ses "
        "valeurs remplacent celles du catalogue sur leurs périodes",
    )
    p.add_argument(
        "--format",
        choices=[f.value for f in FormatCatalogue],
        help="format du fichier importé (par défaut : son extension)",
    )
    p.add_argument("--profession", default="infirmier", help="profession (défaut : infirmier)")
    p.add_argument(
        "--date",
        type=_date,
        metavar="AAAA-MM-JJ",
        help="n'afficher que les valeurs en vigueur ce jour-là",
    )


def _args_tod(p: CommandParser) -> None:
    p.add_argument(
        "fichier",
        nargs="?",
        metavar="FICHIER",
        help="TOD au format CSV (docs/formats/tod.md) : séparateur « ; » ou « , », UTF-8 ou "
        "ISO-8859-1 ; elle remplace toute la table des organismes destinataires",
    )
    p.add_argument(
        "--exemple",
        action="store_true",
        help=f"importer la TOD d'exemple livrée avec Rejets ({FICHIER_EXEMPLE}), propre au "
        "projet : ce n'est pas la table officielle du GIE SESAM-Vitale",
    )


def _jj(jour: date | None) -> str:
    return "" if jour is None else f"{jour:%d/%m/%Y}"


def _oui(valeur: bool) -> str:
    return "oui" if valeur else "non"


def _valeur_parametre(p: Parametre) -> str:
    if isinstance(p.valeur, bool):
        return _oui(p.valeur)
    return str(p.valeur).replace(".", ",")


def _tarif_json(t: Tarif) -> dict[str, Any]:
    return {
        "code": t.code,
        "libelle": t.libelle,
        "nature": t.nature.value,
        "zone": t.zone.value,
        "centimes": t.centimes,
        "valeur": format_euros(t.centimes),
        "du": t.du.isoformat(),
        "au": None if t.au is None else t.au.isoformat(),
        "confirme": t.confirme,
        "source": t.source,
    }


def _parametre_json(p: Parametre) -> dict[str, Any]:
    return {
        "code": p.code,
        "variante": p.variante,
        "libelle": p.libelle,
        "valeur": p.valeur if isinstance(p.valeur, bool) else str(p.valeur),
        "du": p.du.isoformat(),
        "au": None if p.au is None else p.au.isoformat(),
        "confirme": p.confirme,
        "source": p.source,
    }


class Command(CommandeGroupe):
    help = (
        "Référentiels partagés par tous les cabinets : catalogue des tarifs de cotation, table "
        "des organismes destinataires (TOD)."
    )
    verbes = {
        "tarifs": Verbe(
            "Afficher le catalogue des tarifs en vigueur, ou importer un fichier de tarifs.",
            _args_tarifs,
        ),
        # No history for the TOD: a new file replaces the table, hence no --utilisateur.
        "tod": Verbe(
            "Importer la table des organismes destinataires (TOD, GIE SESAM-Vitale) : elle "
            "remplace la table en place.",
            _args_tod,
            ecrit=False,
        ),
    }

    def _tableau(self, titre: str, entetes: list[str], lignes: list[list[str]]) -> None:
        tampon = io.StringIO()
        largeur = shutil.get_terminal_size((160, 24)).columns if self.stdout.isatty() else 160
        console = Console(file=tampon, width=largeur, color_system=None, highlight=False)
        table = Table(title=titre, box=box.SIMPLE_HEAD, title_justify="left")
        for entete in entetes:
            table.add_column(entete, overflow="fold")
        for ligne in lignes:
            table.add_row(*ligne)
        console.print(table)
        self.stdout.write("\n".join(ligne.rstrip() for ligne in tampon.getvalue().splitlines()))

    def verbe_tarifs(self, **o: Any) -> None:
        if o["importer"]:
            self._importer(o)
            return
        try:
            catalogue = catalogue_en_vigueur(o["profession"])
        except CatalogueInvalide as exc:
            raise CommandError(str(exc)) from exc
        jour: date | None = o["date"]
        tarifs = [t for t in catalogue.tarifs if jour is None or t.couvre(jour)]
        parametres = [p for p in catalogue.parametres if jour is None or p.couvre(jour)]
        importes = list(CatalogueImporte.objects.filter(profession=o["profession"]).order_by("pk"))
        if o["json"]:
            self.sortie_json(
                {
                    "profession": catalogue.profession,
                    "nom": catalogue.nom,
                    "date": None if jour is None else jour.isoformat(),
                    "fichiers_importes": [
                        {"nom_fichier": i.nom_fichier, "importe_le": i.importe_le} for i in importes
                    ],
                    "tarifs": [_tarif_json(t) for t in tarifs],
                    "parametres": [_parametre_json(p) for p in parametres],
                }
            )
            return
        fichiers = ", ".join(f"« {i.nom_fichier} » ({i.importe_le:%d/%m/%Y})" for i in importes)
        self.stdout.write(
            f"Catalogue « {catalogue.nom} » ({catalogue.profession}) : livré avec Rejets"
            + (f", complété par {fichiers}" if fichiers else "")
            + (f" ; valeurs en vigueur le {jour:%d/%m/%Y}." if jour else ".")
        )
        self._tableau(
            "Tarifs",
            ["Code", "Libellé", "Zone", "Valeur", "Du", "Au", "Confirmé", "Source"],
            [
                [
                    t.code,
                    t.libelle,
                    t.zone.libelle,
                    format_euros(t.centimes),
                    _jj(t.du),
                    _jj(t.au),
                    _oui(t.confirme),
                    t.source,
                ]
                for t in tarifs
            ],
        )
        self._tableau(
            "Paramètres des règles",
            ["Code", "Variante", "Valeur", "Du", "Au", "Confirmé", "Source"],
            [
                [
                    p.code,
                    p.variante,
                    _valeur_parametre(p),
                    _jj(p.du),
                    _jj(p.au),
                    _oui(p.confirme),
                    p.source,
                ]
                for p in parametres
            ],
        )

    def _importer(self, o: dict[str, Any]) -> None:
        chemin = Path(o["importer"])
        format_fichier = o["format"] or chemin.suffix.lower().removeprefix(".")
        if format_fichier not in FormatCatalogue.values:
            raise CommandError(
                f"Fichier « {chemin.name} » : format inconnu ; donnez un fichier .toml ou .csv, "
                "ou précisez --format toml|csv."
            )
        try:
            texte = chemin.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise CommandError(f"Fichier introuvable : {chemin}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"Fichier « {chemin.name} » : ce n'est pas un texte codé en UTF-8."
            ) from exc
        except OSError as exc:
            raise CommandError(f"Fichier « {chemin.name} » illisible : {exc.strerror}.") from exc
        try:
            importe, lu = importer_catalogue(
                texte=texte,
                nom_fichier=chemin.name,
                format_fichier=format_fichier,
                utilisateur=self.acteur(o["utilisateur"]),
                profession=o["profession"],
            )
        except CatalogueInvalide as exc:
            raise CommandError(f"{exc} Rien n'a été importé.") from exc
        non_confirmees = sum(not e.confirme for e in lu.entrees())
        resume = {
            "fichier": importe.nom_fichier,
            "profession": importe.profession,
            "tarifs": len(lu.tarifs),
            "parametres": len(lu.parametres),
            "exceptions_11b": len(lu.exceptions_11b),
            "non_confirmees": non_confirmees,
        }
        if o["json"]:
            self.sortie_json(resume)
            return
        self.stdout.write(
            f"Fichier « {importe.nom_fichier} » importé ({importe.profession}) : "
            f"{len(lu.tarifs)} tarif(s), {len(lu.parametres)} paramètre(s), "
            f"{len(lu.exceptions_11b)} exception(s) 11B. Ses valeurs remplacent celles du "
            "catalogue sur leurs périodes."
            + (
                f" {non_confirmees} valeur(s) non confirmée(s) : elles ne produiront que des "
                "avertissements."
                if non_confirmees
                else ""
            )
        )

    def verbe_tod(self, **o: Any) -> None:
        if bool(o["fichier"]) == bool(o["exemple"]):
            raise CommandError("Donnez un fichier TOD, ou --exemple pour la TOD d'exemple.")
        try:
            if o["exemple"]:
                compte_rendu = importer_tod_exemple()
            else:
                chemin = Path(o["fichier"])
                try:
                    with chemin.open("rb") as flux:
                        compte_rendu = importer_tod(flux=flux, nom_fichier=chemin.name)
                except FileNotFoundError as exc:
                    raise CommandError(f"Fichier introuvable : {chemin}") from exc
                except OSError as exc:
                    raise CommandError(f"Fichier « {chemin} » illisible : {exc.strerror}.") from exc
        except FichierTodInvalide as exc:
            raise CommandError(
                f"{exc.message}. Rien n'a été importé : la table en place est conservée."
            ) from exc
        if o["json"]:
            self.sortie_json(_import_tod_json(compte_rendu, exemple=o["exemple"]))
            return
        c = compte_rendu
        self.stdout.write(
            f"Table des organismes destinataires « {c.nom_fichier} » importée (séparateur "
            f"« {c.separateur} », encodage {c.encodage}) : {c.lues} ligne(s) lue(s), "
            f"{c.importees} importée(s), {len(c.refusees)} refusée(s). Elle remplace la table "
            f"précédente ({c.remplacees} entrée(s))."
        )
        if o["exemple"]:
            self.stdout.write(
                "TOD d'exemple propre à Rejets, pour les essais : ce n'est pas la table "
                "officielle du GIE SESAM-Vitale."
            )
        if c.refusees:
            self.stdout.write("Lignes refusées :")
            for refus in c.refusees:
                self.stdout.write(f"  {refus.message}")


def _import_tod_json(c: ImportTod, *, exemple: bool) -> dict[str, Any]:
    return {
        "fichier": c.nom_fichier,
        "exemple": exemple,
        "separateur": c.separateur,
        "encodage": c.encodage,
        "lues": c.lues,
        "importees": c.importees,
        "refusees": len(c.refusees),
        "remplacees": c.remplacees,
        "refus": [
            {"ligne": r.ligne, "champs": list(r.champs), "message": r.message} for r in c.refusees
        ],
    }
