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
from rejets.domain.classement import (
    ACTIONS_DE_QUALIFICATION,
    ActionSuivante,
    Famille,
    Qualification,
    Suggestion,
    qualification_de_famille,
    suggerer,
)
from rejets.domain.money import format_euros
from rejets.domain.tarifs import CatalogueInvalide, Parametre, Tarif
from rejets.factures.prevention import catalogue_en_vigueur, importer_catalogue
from rejets.formats.tod import FichierTodInvalide
from rejets.referentiels.codes import (
    FICHIER_LIVRE,
    ChargementCodes,
    CodeAQualifier,
    QualificationRefusee,
    charger_codes_livres,
    codes_a_qualifier,
    codes_de_la_bibliotheque,
    qualifier,
)
from rejets.referentiels.models import CatalogueImporte, CodeRejet, FormatCatalogue, StatutCode
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


def _args_codes(p: CommandParser) -> None:
    p.add_argument(
        "--a-qualifier",
        action="store_true",
        help="lister les codes reçus dans des rejets que personne n'a qualifiés, avec la "
        "suggestion tirée de leur libellé et la règle qui l'a donnée",
    )


def _args_code_qualifier(p: CommandParser) -> None:
    p.add_argument("code", metavar="CODE", help="le code, tel que reçu")
    p.add_argument("--famille", help=f"famille : {', '.join(f.value for f in Famille)}")
    p.add_argument("--explication", help="ce que le code veut dire, en clair")
    p.add_argument("--correction", help="la correction concrète à faire")
    p.add_argument(
        "--action",
        help=f"action suivante : {', '.join(a.value for a in ACTIONS_DE_QUALIFICATION)}",
    )
    refacturable = p.add_mutually_exclusive_group()
    refacturable.add_argument(
        "--refacturable",
        dest="refacturable",
        action="store_true",
        default=None,
        help="la refacturation est permise",
    )
    refacturable.add_argument(
        "--non-refacturable",
        dest="refacturable",
        action="store_false",
        help="ne pas refacturer",
    )
    p.add_argument(
        "--suggestion",
        action="store_true",
        help="partir de la suggestion tirée du libellé (les options données la remplacent)",
    )
    p.add_argument(
        "--libelle",
        default="",
        help="libellé de référence, pour un code jamais reçu dans un rejet",
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
        "des organismes destinataires (TOD), bibliothèque des codes de rejet."
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
        "codes": Verbe(
            "Afficher la bibliothèque des codes de rejet, ou les codes reçus à qualifier.",
            _args_codes,
            ecrit=False,
        ),
        "code-qualifier": Verbe(
            "Qualifier un code de rejet (administrateur de la plateforme) : famille, "
            "explication, correction, action suivante, refacturation permise ou non.",
            _args_code_qualifier,
        ),
        # Shipped data, no author: codes qualified by a person are never overwritten.
        "codes-charger": Verbe(
            f"Charger la bibliothèque des codes de rejet livrée avec Rejets ({FICHIER_LIVRE}) "
            "sans écraser un code qualifié par une personne.",
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

    def verbe_codes(self, **o: Any) -> None:
        if o["a_qualifier"]:
            self._codes_a_qualifier(json_=o["json"])
            return
        codes = codes_de_la_bibliotheque()
        if o["json"]:
            self.sortie_json([_code_json(c) for c in codes])
            return
        if not codes:
            self.stdout.write(
                "La bibliothèque des codes de rejet est vide : chargez les codes livrés avec "
                "« rejets referentiels codes-charger »."
            )
            return
        qualifies = sum(c.statut == StatutCode.QUALIFIE for c in codes)
        self.stdout.write(
            f"Bibliothèque des codes de rejet : {len(codes)} code(s), dont {qualifies} "
            "qualifié(s). Codes NOEMIE officiels non publics : un administrateur qualifie les "
            "codes reçus (« rejets referentiels codes --a-qualifier »)."
        )
        self._tableau(
            "Codes",
            [
                "Code",
                "Libellé de référence",
                "Famille",
                "Action suivante",
                "Refacturable",
                "Statut",
                "Origine",
                "Qualifié par",
            ],
            [
                [
                    c.code,
                    c.libelle_reference,
                    c.get_famille_display(),
                    c.get_action_display(),
                    _oui(c.refacturable) if c.statut == StatutCode.QUALIFIE else "",
                    c.get_statut_display(),
                    c.get_origine_display(),
                    _qualifie_par(c),
                ]
                for c in codes
            ],
        )

    def _codes_a_qualifier(self, *, json_: bool) -> None:
        a_qualifier = codes_a_qualifier()
        if json_:
            self.sortie_json([_a_qualifier_json(c) for c in a_qualifier])
            return
        if not a_qualifier:
            self.stdout.write(
                "Aucun code à qualifier : chaque code reçu dans un rejet est qualifié dans la "
                "bibliothèque."
            )
            return
        self.stdout.write(
            f"{len(a_qualifier)} code(s) à qualifier. La suggestion est tirée du libellé par "
            "des règles (docs/rejets.md) : un administrateur la confirme avec « rejets "
            "referentiels code-qualifier CODE --suggestion --utilisateur ADMIN »."
        )
        self._tableau(
            "Codes à qualifier",
            ["Code", "Libellé reçu", "Rejets", "Dernier", "Suggestion", "Règle et mots trouvés"],
            [
                [
                    c.code,
                    c.libelle,
                    str(c.occurrences),
                    _jj(c.derniere_date),
                    _suggestion_courte(c.suggestion),
                    _regle_courte(c.suggestion),
                ]
                for c in a_qualifier
            ],
        )

    def verbe_code_qualifier(self, **o: Any) -> None:
        utilisateur = self.acteur(o["utilisateur"])
        code = o["code"].strip()
        existant = CodeRejet.objects.filter(code=code).first()
        base: Qualification | None = None
        if o["suggestion"]:
            libelle = o["libelle"] or _libelle_connu(code, existant)
            suggestion = suggerer(libelle) if libelle else None
            if suggestion is None:
                raise CommandError(
                    f"Code « {code} » : aucune suggestion"
                    + (f", aucune règle ne reconnaît le libellé « {libelle} »" if libelle else "")
                    + " ; donnez --famille, --explication, --correction, --action et "
                    "--refacturable ou --non-refacturable."
                )
            base = suggestion.qualification
        elif existant is not None and existant.statut == StatutCode.QUALIFIE:
            base = Qualification(
                famille=Famille(existant.famille),
                explication=existant.explication,
                correction=existant.correction,
                action=ActionSuivante(existant.action),
                refacturable=existant.refacturable,
            )
        if o["famille"] in {f.value for f in Famille} and (
            base is None or base.famille != o["famille"]
        ):
            base = qualification_de_famille(Famille(o["famille"]))
        famille = o["famille"] or ("" if base is None else base.famille.value)
        explication = o["explication"] or ("" if base is None else base.explication)
        correction = o["correction"] or ("" if base is None else base.correction)
        action = o["action"] or ("" if base is None else base.action.value)
        refacturable: bool | None = o["refacturable"]
        if refacturable is None and base is not None:
            refacturable = base.refacturable
        manquantes = [
            option
            for option, valeur in (
                ("--famille", famille),
                ("--explication", explication),
                ("--correction", correction),
                ("--action", action),
            )
            if not valeur
        ]
        if refacturable is None:
            manquantes.append("--refacturable ou --non-refacturable")
        if manquantes or refacturable is None:
            raise CommandError(
                f"Code « {code} » : donnez {', '.join(manquantes)} (ou --suggestion pour partir "
                "de la suggestion tirée du libellé)."
            )
        try:
            qualifie = qualifier(
                code=code,
                famille=famille,
                explication=explication,
                correction=correction,
                action=action,
                refacturable=refacturable,
                utilisateur=utilisateur,
                libelle_reference=o["libelle"],
            )
        except QualificationRefusee as refus:
            raise CommandError(f"{refus} Rien n'a été enregistré.") from refus
        if o["json"]:
            self.sortie_json(_code_json(qualifie))
            return
        self.stdout.write(
            f"Code {qualifie.code} « {qualifie.libelle_reference} » qualifié par "
            f"{utilisateur.get_username()} : {qualifie.get_famille_display()} ; action suivante : "
            f"{qualifie.get_action_display()} ; "
            + ("refacturation permise." if qualifie.refacturable else "ne pas refacturer.")
        )

    def verbe_codes_charger(self, **o: Any) -> None:
        chargement = charger_codes_livres()
        if o["json"]:
            self.sortie_json(_chargement_json(chargement))
            return
        c = chargement
        self.stdout.write(
            f"Bibliothèque des codes de rejet « {FICHIER_LIVRE} » chargée : {c.livres} code(s) "
            f"livré(s), {len(c.ajoutes)} ajouté(s), {len(c.mis_a_jour)} mis à jour, "
            f"{len(c.conserves)} conservé(s) (qualifiés par une personne, jamais écrasés), "
            f"{len(c.inchanges)} inchangé(s)."
        )
        self.stdout.write(
            f"Codes du simulateur et {c.exemples} exemple(s) propre(s) au projet : aucun n'est "
            "un code NOEMIE officiel (la table officielle n'est pas publique)."
        )


def _libelle_connu(code: str, existant: CodeRejet | None) -> str:
    if existant is not None and existant.libelle_reference:
        return existant.libelle_reference
    for candidat in codes_a_qualifier():
        if candidat.code == code:
            return candidat.libelle
    return ""


def _qualifie_par(c: CodeRejet) -> str:
    if c.qualifie_par is None:
        return ""
    le = "" if c.qualifie_le is None else f" le {c.qualifie_le:%d/%m/%Y}"
    return f"{c.qualifie_par.get_username()}{le}"


def _suggestion_courte(s: Suggestion | None) -> str:
    if s is None:
        return "aucune (code inconnu)"
    q = s.qualification
    refacturer = "refacturable" if q.refacturable else "ne pas refacturer"
    return f"{q.famille.libelle} ; {q.action.libelle} ; {refacturer}"


def _regle_courte(s: Suggestion | None) -> str:
    if s is None:
        return ""
    return f"{s.regle.id} : " + ", ".join(s.mots)


def _code_json(c: CodeRejet) -> dict[str, Any]:
    qualifie = c.statut == StatutCode.QUALIFIE
    return {
        "code": c.code,
        "libelle_reference": c.libelle_reference,
        "famille": c.famille or None,
        "explication": c.explication,
        "correction": c.correction,
        "action": c.action or None,
        "refacturable": c.refacturable if qualifie else None,
        "statut": c.statut,
        "origine": c.origine,
        "qualifie_par": None if c.qualifie_par is None else c.qualifie_par.get_username(),
        "qualifie_le": None if c.qualifie_le is None else c.qualifie_le.isoformat(),
    }


def _suggestion_json(s: Suggestion | None) -> dict[str, Any] | None:
    if s is None:
        return None
    q = s.qualification
    return {
        "famille": q.famille.value,
        "explication": q.explication,
        "correction": q.correction,
        "action": q.action.value,
        "refacturable": q.refacturable,
        "regle": s.regle.id,
        "regle_description": s.regle.description,
        "mots": list(s.mots),
    }


def _a_qualifier_json(c: CodeAQualifier) -> dict[str, Any]:
    return {
        "code": c.code,
        "libelle": c.libelle,
        "libelles": c.libelles,
        "occurrences": c.occurrences,
        "derniere_date": None if c.derniere_date is None else c.derniere_date.isoformat(),
        "suggestion": _suggestion_json(c.suggestion),
    }


def _chargement_json(c: ChargementCodes) -> dict[str, Any]:
    return {
        "fichier": FICHIER_LIVRE,
        "livres": c.livres,
        "exemples": c.exemples,
        "ajoutes": list(c.ajoutes),
        "mis_a_jour": list(c.mis_a_jour),
        "conserves": list(c.conserves),
        "inchanges": list(c.inchanges),
    }


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
