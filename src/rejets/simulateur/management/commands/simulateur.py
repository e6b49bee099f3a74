"""`rejets simulateur <verbe>`: the simulated caisses and mutuelles, from the command line
(docs/simulateur.md). The simulator has its own registers and talks to the practice only
through files."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from rejets.core.commandes import CommandeGroupe, Verbe
from rejets.domain.money import format_euros
from rejets.domain.tarifs import Catalogue, CatalogueInvalide, catalogue_par_defaut
from rejets.simulateur.caisse import Simulateur, SimulateurErreur
from rejets.simulateur.jugement import Issue, Taux, table_codes


def _date(texte: str) -> date:
    try:
        return date.fromisoformat(texte)
    except ValueError:
        raise CommandError(f"Date « {texte} » : AAAA-MM-JJ attendue.") from None


def _pourcentage(texte: str) -> float:
    try:
        valeur = float(texte.replace(",", "."))
    except ValueError:
        raise CommandError(f"Taux « {texte} » : un pourcentage est attendu (3 pour 3 %).") from None
    if not 0 <= valeur <= 100:
        raise CommandError(f"Taux « {texte} » : entre 0 et 100 %.")
    return valeur / 100


def _args_reglage(p: CommandParser) -> None:
    p.add_argument("--graine", type=int, default=0, help="graine des tirages (0 par défaut)")
    defaut = Taux()
    for nom, aide in (
        ("rejet", "factures sans faute rejetées au hasard"),
        ("traitement-caisse", "factures sans faute mises en traitement caisse"),
        ("silence", "factures sans faute jamais répondues"),
        ("indu", "factures payées reprises plus tard (indu)"),
        ("traitement-paye", "factures en traitement caisse finalement payées"),
    ):
        valeur = getattr(defaut, nom.replace("-", "_")) * 100
        p.add_argument(
            f"--taux-{nom}",
            type=_pourcentage,
            default=None,
            metavar="POURCENT",
            help=f"{aide}, en %% (par défaut {valeur:g} %%)",
        )
    p.add_argument(
        "--tarifs",
        metavar="FICHIER",
        help="valeurs de tarifs à ajouter au catalogue livré (TOML ou CSV, docs/cotation.md)",
    )


def _args_recevoir(p: CommandParser) -> None:
    p.add_argument("lots", nargs="+", metavar="LOT", help="fichiers de lot REJETS-LOT-1")
    p.add_argument("--le", required=True, type=_date, help="date de réception AAAA-MM-JJ")
    p.add_argument("--boite", required=True, help="dossier où écrire les ARL")
    _args_reglage(p)


def _args_pieces(p: CommandParser) -> None:
    p.add_argument(
        "manifestes", nargs="+", metavar="MANIFESTE", help="manifeste.json d'un lot SCOR"
    )
    p.add_argument("--le", required=True, type=_date, help="date de réception AAAA-MM-JJ")


def _args_repondre(p: CommandParser) -> None:
    p.add_argument(
        "--jusqu-au", required=True, type=_date, help="écrire les réponses dues à cette date"
    )
    p.add_argument("--boite", required=True, help="dossier où écrire les fichiers de retour")


def _args_droits(p: CommandParser) -> None:
    p.add_argument("nir", help="NIR du bénéficiaire (13 caractères et clé)")
    p.add_argument("--rang", type=int, default=1, help="rang de naissance (1 par défaut)")
    p.add_argument("--le", required=True, type=_date, help="date de consultation AAAA-MM-JJ")


def _args_forcer(p: CommandParser) -> None:
    p.add_argument("partie", choices=["FSE", "DRE"])
    p.add_argument("numero_ps", help="n° de professionnel (AM)")
    p.add_argument("numero_facture", help="n° de facture")
    p.add_argument("issue", choices=[i.value for i in Issue])
    p.add_argument("--code", default="", help="code du simulateur (rejet ou indu)")
    p.add_argument("--graine", type=int, default=0, help="graine des tirages (0 par défaut)")


def _args_assure(p: CommandParser) -> None:
    p.add_argument("nir", help="NIR du bénéficiaire (13 caractères et clé)")
    p.add_argument("--rang", type=int, default=1)
    p.add_argument("--nom", default="")
    p.add_argument("--regime", required=True, help="code régime (2)")
    p.add_argument("--caisse", required=True, help="caisse gestionnaire (3)")
    p.add_argument("--centre", required=True, help="centre gestionnaire (4)")
    p.add_argument("--debut", required=True, type=_date, help="ouverture des droits")
    p.add_argument("--fin", type=_date, help="fermeture des droits (absente : ouverts)")
    p.add_argument("--exoneration", default="0", help="code d'exonération (0 par défaut)")
    p.add_argument("--nature", default="10", help="nature d'assurance (10 par défaut)")


def _args_contrat(p: CommandParser) -> None:
    p.add_argument("nir", help="NIR du bénéficiaire (13 caractères et clé)")
    p.add_argument("numero_amc", help="n° AMC de la mutuelle (10 caractères au plus)")
    p.add_argument("--rang", type=int, default=1)
    p.add_argument("--debut", required=True, type=_date, help="début du contrat")
    p.add_argument("--fin", type=_date, help="fin du contrat (absente : en cours)")


class Command(CommandeGroupe):
    help = (
        "Simulateur de caisses et de mutuelles : reçoit les lots et les pièces SCOR, répond par "
        "des ARL et des fichiers de retour, avec ses propres registres."
    )
    verbes = {
        "recevoir": Verbe(
            "Recevoir des lots : ARL aussitôt, réponses planifiées.", _args_recevoir, ecrit=False
        ),
        "pieces": Verbe("Recevoir des lots de pièces SCOR (manifeste).", _args_pieces, ecrit=False),
        "repondre": Verbe(
            "Écrire les fichiers de retour dus à une date.", _args_repondre, ecrit=False
        ),
        "droits": Verbe(
            "Consulter les droits d'un bénéficiaire (à la manière d'ADRi).",
            _args_droits,
            ecrit=False,
        ),
        "forcer": Verbe("Imposer l'issue d'une facture.", _args_forcer, ecrit=False),
        "inscrire-assure": Verbe(
            "Inscrire ou modifier un assuré dans le registre de la caisse.",
            _args_assure,
            ecrit=False,
        ),
        "inscrire-contrat": Verbe(
            "Inscrire ou modifier un contrat dans le registre des mutuelles.",
            _args_contrat,
            ecrit=False,
        ),
        "codes": Verbe("Lister les codes du simulateur.", None, ecrit=False),
    }

    def _simulateur(self, o: dict[str, Any]) -> Simulateur:
        defaut = Taux()
        valeurs: dict[str, float] = {}
        for nom in ("rejet", "traitement_caisse", "silence", "indu", "traitement_paye"):
            donne = o.get(f"taux_{nom}")
            valeurs[nom] = getattr(defaut, nom) if donne is None else float(donne)
        try:
            taux = Taux(**valeurs)
        except ValueError as erreur:
            raise CommandError(str(erreur)) from None
        catalogue = catalogue_par_defaut()
        if o.get("tarifs"):
            chemin = Path(o["tarifs"])
            try:
                texte = chemin.read_text(encoding="utf-8")
                ajout = (
                    Catalogue.depuis_csv(texte, nom_fichier=chemin.name)
                    if chemin.suffix.lower() == ".csv"
                    else Catalogue.depuis_toml(texte, nom_fichier=chemin.name)
                )
                catalogue = catalogue.avec(ajout)
            except OSError as erreur:
                raise CommandError(f"Fichier de tarifs « {chemin} » : {erreur.strerror}.") from None
            except CatalogueInvalide as erreur:
                raise CommandError(str(erreur)) from None
        return Simulateur(
            boite=Path(o.get("boite") or "."),
            graine=o.get("graine") or 0,
            taux=taux,
            catalogue=catalogue,
        )

    def verbe_recevoir(self, **o: Any) -> None:
        simulateur = self._simulateur(o)
        rapports = []
        for nom in o["lots"]:
            chemin = Path(nom)
            if not chemin.is_file():
                raise CommandError(f"Lot introuvable : {nom}")
            try:
                rapports.append(simulateur.recevoir_lot(chemin, le=o["le"]))
            except SimulateurErreur as erreur:
                raise CommandError(str(erreur)) from None
        if o["json"]:
            self.sortie_json([r.en_json() for r in rapports])
            return
        for r in rapports:
            quoi = f"Lot {r.numero_lot} ({r.partie}) du professionnel {r.numero_ps} — {r.fichier}"
            if r.deja_recu:
                self.stdout.write(f"{quoi} : déjà reçu, rien de nouveau.")
            elif r.accepte:
                detail = ", ".join(f"{Issue(i).libelle} {n}" for i, n in sorted(r.issues.items()))
                self.stdout.write(
                    f"{quoi} : ARL positif, {r.factures} facture(s), "
                    f"{format_euros(r.total)} ({detail or 'aucune facture'}).\n  ARL : {r.arl}"
                )
            else:
                self.stdout.write(
                    f"{quoi} : ARL NÉGATIF {r.code_motif} — {r.motif}\n  ARL : {r.arl}"
                )

    def verbe_pieces(self, **o: Any) -> None:
        simulateur = Simulateur(boite=Path("."))
        rapports = []
        for nom in o["manifestes"]:
            try:
                rapports.append(simulateur.recevoir_pieces(Path(nom), le=o["le"]))
            except SimulateurErreur as erreur:
                raise CommandError(str(erreur)) from None
        if o["json"]:
            self.sortie_json([r.en_json() for r in rapports])
            return
        for r in rapports:
            self.stdout.write(
                f"Lot SCOR {r.numero_lot} du professionnel {r.numero_ps} : {r.acceptees} pièce(s) "
                f"reçue(s), {r.deja_recues} déjà reçue(s), {len(r.refusees)} refusée(s)."
            )
            for refus in r.refusees:
                self.stdout.write(f"  refusée : {refus.raison}")

    def verbe_repondre(self, **o: Any) -> None:
        chemins = Simulateur(boite=Path(o["boite"])).repondre(jusqu_au=o["jusqu_au"])
        if o["json"]:
            self.sortie_json([str(c) for c in chemins])
            return
        if not chemins:
            self.stdout.write(f"Aucune réponse due au {o['jusqu_au']:%d/%m/%Y}.")
        for c in chemins:
            self.stdout.write(f"Retour écrit : {c}")

    def verbe_droits(self, **o: Any) -> None:
        try:
            situation = Simulateur(boite=Path(".")).droits(nir=o["nir"], rang=o["rang"], le=o["le"])
        except SimulateurErreur as erreur:
            raise CommandError(str(erreur)) from None
        if o["json"]:
            self.sortie_json(situation.en_json())
        else:
            self.stdout.write(situation.resume)

    def verbe_forcer(self, **o: Any) -> None:
        try:
            message = Simulateur(boite=Path("."), graine=o["graine"]).forcer(
                partie=o["partie"],
                numero_ps=o["numero_ps"],
                numero_facture=o["numero_facture"],
                issue=o["issue"],
                code=o["code"],
            )
        except SimulateurErreur as erreur:
            raise CommandError(str(erreur)) from None
        if o["json"]:
            self.sortie_json({"message": message})
        else:
            self.stdout.write(message)

    def verbe_inscrire_assure(self, **o: Any) -> None:
        try:
            assure = Simulateur(boite=Path(".")).inscrire_assure(
                nir=o["nir"],
                rang=o["rang"],
                nom=o["nom"],
                regime=o["regime"],
                caisse=o["caisse"],
                centre=o["centre"],
                droits_debut=o["debut"],
                droits_fin=o["fin"],
                exoneration=o["exoneration"],
                nature_assurance=o["nature"],
            )
        except SimulateurErreur as erreur:
            raise CommandError(str(erreur)) from None
        message = f"{assure} inscrit dans le registre de la caisse."
        if o["json"]:
            self.sortie_json({"message": message})
        else:
            self.stdout.write(message)

    def verbe_inscrire_contrat(self, **o: Any) -> None:
        try:
            contrat = Simulateur(boite=Path(".")).inscrire_contrat(
                nir=o["nir"],
                rang=o["rang"],
                numero_amc=o["numero_amc"],
                debut=o["debut"],
                fin=o["fin"],
            )
        except SimulateurErreur as erreur:
            raise CommandError(str(erreur)) from None
        message = f"{contrat} inscrit dans le registre des mutuelles."
        if o["json"]:
            self.sortie_json({"message": message})
        else:
            self.stdout.write(message)

    def verbe_codes(self, **o: Any) -> None:
        codes = list(table_codes().values())
        if o["json"]:
            self.sortie_json(
                [
                    {
                        "code": c.code,
                        "nature": c.nature.value,
                        "famille": c.famille,
                        "libelle": c.libelle,
                        "explication": c.explication,
                        "correction": c.correction,
                        "aleatoire": c.aleatoire,
                        "parties": sorted(c.parties),
                    }
                    for c in codes
                ]
            )
            return
        for c in codes:
            famille = f" [{c.famille}]" if c.famille else ""
            self.stdout.write(
                f"{c.code} {c.nature.value}{famille} — {c.libelle}\n  {c.explication}"
            )
