import io
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from rich import box
from rich.console import Console
from rich.table import Table

from rejets.cabinets.selectors import peut_ecrire
from rejets.core import horloge
from rejets.core.commandes import CommandeGroupe, Verbe
from rejets.domain.controles import (
    Constat,
    ContexteControle,
    Gravite,
    controler,
    signature_facture,
)
from rejets.domain.cotation import CotationInvalide, coter
from rejets.domain.lifecycle import Etat, TransitionInterdite
from rejets.domain.money import format_euros
from rejets.domain.tarifs import Catalogue, CatalogueInvalide, TarifManquant
from rejets.factures import services
from rejets.factures.echange import Refus, exporter_factures, importer_factures
from rejets.factures.models import Facture
from rejets.factures.prevention import (
    catalogue_en_vigueur,
    constats_de,
    depuis_echange,
    seances_a_coter,
)
from rejets.formats import echange as fmt
from rejets.transmission import pieces
from rejets.transmission import services as transmission
from rejets.transmission.models import Mode, StatutSecurisation, TypePiece


def _args_import(p: CommandParser) -> None:
    p.add_argument("fichiers", nargs="+", metavar="FICHIER", help="fichiers .json ou .jsonl")
    p.add_argument("--cabinet", required=True, help="code du cabinet qui reçoit les factures")


def _args_export(p: CommandParser) -> None:
    p.add_argument("--cabinet", required=True, help="code du cabinet")
    p.add_argument("--sortie", help="fichier à écrire (par défaut : la sortie standard)")
    p.add_argument("--jsonl", action="store_true", help="une facture par ligne (JSON Lines)")
    p.add_argument("--etat", action="append", help="n'exporter que les factures à cet état")


def _args_fichiers_echange(p: CommandParser) -> None:
    p.add_argument(
        "fichiers", nargs="+", metavar="FICHIER", help="fichiers d'échange .json ou .jsonl"
    )


def _args_preparer(p: CommandParser) -> None:
    p.add_argument("numero", help="n° de la facture")
    p.add_argument("--cabinet", required=True, help="code du cabinet")
    p.add_argument(
        "--professionnel",
        metavar="NUMERO_AM",
        help="n° AM du professionnel, si deux professionnels du cabinet ont ce n° de facture",
    )
    p.add_argument(
        "--forcer",
        metavar="RAISON",
        default="",
        help="préparer malgré les erreurs des contrôles, avec une raison écrite gardée dans "
        "l'historique de la facture",
    )


def _args_securiser(p: CommandParser) -> None:
    p.add_argument("numeros", nargs="*", metavar="NUMERO", help="n° des factures à sécuriser")
    p.add_argument("--cabinet", required=True, help="code du cabinet")
    p.add_argument("--professionnel", metavar="NUMERO_AM", help="n° AM du professionnel")
    p.add_argument(
        "--toutes", action="store_true", help="sécuriser toutes les factures prêtes du cabinet"
    )
    p.add_argument(
        "--degrade",
        action="store_true",
        help="mode dégradé (sans carte Vitale) : la feuille de soins signée est produite et "
        "envoyée en pièce SCOR",
    )
    p.add_argument("--le", type=date.fromisoformat, help="date (AAAA-MM-JJ ; défaut : ce jour)")


def _args_pieces(p: CommandParser) -> None:
    p.add_argument("numero", help="n° de la facture")
    p.add_argument("--cabinet", required=True, help="code du cabinet")
    p.add_argument("--professionnel", metavar="NUMERO_AM", help="n° AM du professionnel")
    p.add_argument("--prescription", metavar="FICHIER", help="prescription numérisée à joindre")
    p.add_argument("--autre", metavar="FICHIER", help="autre pièce justificative à joindre")


def _args_copie_papier(p: CommandParser) -> None:
    p.add_argument("numeros", nargs="+", metavar="NUMERO", help="n° des factures")
    p.add_argument("--cabinet", required=True, help="code du cabinet")
    p.add_argument("--sortie", required=True, help="fichier PDF à écrire")
    p.add_argument("--le", type=date.fromisoformat, help="date (AAAA-MM-JJ ; défaut : ce jour)")


def _nombre(valeur: Decimal) -> str:
    texte = format(valeur.normalize(), "f") if valeur.is_finite() else str(valeur)
    return texte.replace(".", ",")


def _constat_json(c: Constat) -> dict[str, str]:
    return {
        "gravite": c.gravite.value,
        "code": c.code,
        "champ": c.champ,
        "message": c.message,
        "correction": c.correction,
        "source": c.source,
    }


@dataclass
class _Lecture:
    """What could not be read: refused records and whole files, reported as `import` does."""

    refus: list[Refus] = field(default_factory=list)
    fichiers_refuses: list[str] = field(default_factory=list)

    def resume(self) -> dict[str, Any]:
        return {
            "refus": [r.__dict__ for r in self.refus],
            "fichiers_refuses": self.fichiers_refuses,
        }


class Command(CommandeGroupe):
    help = (
        "Factures : import et export au format d'échange, cotation et contrôles avant envoi, "
        "préparation."
    )
    verbes = {
        "import": Verbe(
            "Importer des factures dans l'état qu'elles ont dans le logiciel de facturation.",
            _args_import,
        ),
        "export": Verbe("Exporter les factures d'un cabinet.", _args_export, ecrit=False),
        "coter": Verbe(
            "Coter les séances des factures d'un fichier d'échange : lignes, montants et règle "
            "appliquée.",
            _args_fichiers_echange,
            ecrit=False,
        ),
        "controler": Verbe(
            "Contrôler avant envoi les factures d'un fichier d'échange (code de sortie non nul "
            "si une erreur est trouvée).",
            _args_fichiers_echange,
            ecrit=False,
        ),
        "preparer": Verbe(
            "Préparer une facture (brouillon → prête) après les contrôles avant envoi.",
            _args_preparer,
        ),
        "securiser": Verbe(
            "Sécuriser des factures prêtes par l'adaptateur de transmission (prête → sécurisée).",
            _args_securiser,
        ),
        "pieces": Verbe(
            "Joindre une pièce numérisée à une facture, ou lister ses pièces.", _args_pieces
        ),
        "copie-papier": Verbe(
            "Écrire la copie papier (feuilles de soins et bordereau) à imprimer pour la caisse.",
            _args_copie_papier,
        ),
    }

    def verbe_import(self, **o: Any) -> None:
        cabinet = self.cabinet(o["cabinet"])
        utilisateur = self.acteur(o["utilisateur"])
        resumes, refus_total, erreurs = [], 0, []
        for chemin in o["fichiers"]:
            fichier = Path(chemin)
            try:
                with fichier.open("rb") as flux:
                    rapport = importer_factures(
                        flux=flux,
                        nom_fichier=fichier.name,
                        cabinet=cabinet,
                        utilisateur=utilisateur,
                    )
            except (fmt.FichierEchangeInvalide, OSError) as exc:
                erreurs.append(str(exc))
                continue
            refus_total += len(rapport.refus)
            resumes.append({"fichier": fichier.name, **rapport.resume()})
            if not o["json"]:
                for refus in rapport.refus:
                    self.stderr.write(f"Refusé : {refus}")
                self.stdout.write(
                    f"{fichier.name} : {rapport.lus} lue(s), {len(rapport.importees)} "
                    f"importée(s), {len(rapport.deja_importees)} déjà importée(s), "
                    f"{len(rapport.refus)} refusée(s)."
                )
        if o["json"]:
            self.sortie_json({"fichiers": resumes, "fichiers_refuses": erreurs})
        for e in erreurs:
            self.stderr.write(f"Fichier refusé : {e}")
        if erreurs or refus_total:
            raise CommandError(
                f"{refus_total} enregistrement(s) et {len(erreurs)} fichier(s) refusé(s)."
            )

    def verbe_export(self, **o: Any) -> None:
        factures = Facture.objects.filter(cabinet=self.cabinet(o["cabinet"])).order_by("pk")
        if o["etat"]:
            factures = factures.filter(etat__in=o["etat"])
        ecrire = fmt.ecrire_factures_jsonl if o["jsonl"] else fmt.ecrire_factures_json
        if o["sortie"]:
            with open(o["sortie"], "w", encoding="utf-8") as flux:
                n = ecrire(exporter_factures(factures), flux)
            self.stderr.write(f"{n} facture(s) exportée(s) dans {o['sortie']}.")
        else:
            ecrire(exporter_factures(factures), self.stdout._out)  # type: ignore[arg-type]

    # ------------------------------------------------------------ cotation et contrôles

    def _catalogue(self) -> Catalogue:
        try:
            return catalogue_en_vigueur()
        except CatalogueInvalide as exc:
            raise CommandError(str(exc)) from exc

    def _factures_lues(
        self, chemins: Sequence[str], lecture: _Lecture
    ) -> Iterator[tuple[str, fmt.FactureLue]]:
        """Each invoice read, with its file's name; refused records and files go to
        `lecture`."""
        for chemin in chemins:
            fichier = Path(chemin)
            try:
                with fichier.open("rb") as flux:
                    for issue in fmt.lire_factures(flux, fichier.name):
                        if isinstance(issue, fmt.EnregistrementRefuse):
                            lecture.refus.append(
                                Refus(fichier.name, issue.enregistrement, issue.champ, issue.raison)
                            )
                        else:
                            yield fichier.name, issue
            except fmt.FichierEchangeInvalide as exc:
                lecture.fichiers_refuses.append(str(exc))
            except FileNotFoundError:
                lecture.fichiers_refuses.append(f"Fichier introuvable : {chemin}")
            except OSError as exc:
                lecture.fichiers_refuses.append(f"Fichier « {chemin} » illisible ({exc.strerror})")

    def _fin_de_lecture(self, lecture: _Lecture, json: bool, probleme: str = "") -> None:
        """Refusals reported as `factures import` does; non-zero exit on any problem."""
        if not json:
            for refus in lecture.refus:
                self.stderr.write(f"Refusé : {refus}")
            for erreur in lecture.fichiers_refuses:
                self.stderr.write(f"Fichier refusé : {erreur}")
        if probleme or lecture.refus or lecture.fichiers_refuses:
            raise CommandError(
                (f"{probleme} ; " if probleme else "")
                + f"{len(lecture.refus)} enregistrement(s) et {len(lecture.fichiers_refuses)} "
                "fichier(s) refusé(s)."
            )

    def _tableau(self, entetes: list[str], lignes: list[list[str]]) -> None:
        tampon = io.StringIO()
        largeur = shutil.get_terminal_size((160, 24)).columns if self.stdout.isatty() else 160
        console = Console(file=tampon, width=largeur, color_system=None, highlight=False)
        table = Table(box=box.SIMPLE_HEAD, padding=(0, 1, 0, 1))
        for entete in entetes:
            table.add_column(entete, overflow="fold")
        for ligne in lignes:
            table.add_row(*ligne)
        console.print(table)
        self.stdout.write("\n".join(ligne.rstrip() for ligne in tampon.getvalue().splitlines()))

    def verbe_coter(self, **o: Any) -> None:
        catalogue = self._catalogue()
        lecture = _Lecture()
        resultats, impossibles = [], 0
        for nom, lue in self._factures_lues(o["fichiers"], lecture):
            seances = []
            for seance in seances_a_coter(lue.facture, catalogue):
                decrite: dict[str, Any] = {
                    "date": seance.date,
                    "heure": None if seance.heure is None else f"{seance.heure:%H:%M}",
                    "lignes": [],
                    "ecartees": [],
                    "total": 0,
                    "erreur": None,
                }
                try:
                    cotation = coter(seance, catalogue)
                except (CotationInvalide, TarifManquant, CatalogueInvalide) as exc:
                    decrite["erreur"] = str(exc)
                    impossibles += 1
                    seances.append(decrite)
                    continue
                decrite["total"] = cotation.total
                decrite["lignes"] = [
                    {
                        "code": ligne.code,
                        "coefficient": ligne.coefficient,
                        "pourcentage": ligne.pourcentage,
                        "valeur_unitaire": ligne.valeur_unitaire,
                        "montant": ligne.montant,
                        "regle": ligne.decision.regle,
                        "explication": ligne.decision.explication,
                        "confirme": ligne.decision.confirme,
                        "source": ligne.decision.source,
                    }
                    for ligne in cotation.lignes
                ]
                decrite["ecartees"] = [
                    {"regle": d.regle, "codes": list(d.codes), "explication": d.explication}
                    for d in cotation.ecartees
                ]
                seances.append(decrite)
            resultat = {
                "fichier": nom,
                "enregistrement": lue.enregistrement,
                "numero": lue.facture.numero,
                "total": sum(s["total"] for s in seances),
                "seances": seances,
            }
            resultats.append(resultat)
            if not o["json"]:
                self._afficher_cotation(resultat)
        if o["json"]:
            self.sortie_json({"factures": resultats, **lecture.resume()})
        self._fin_de_lecture(
            lecture,
            o["json"],
            f"{impossibles} séance(s) impossible(s) à coter" if impossibles else "",
        )

    def _afficher_cotation(self, r: dict[str, Any]) -> None:
        self.stdout.write(
            f"Facture {r['numero']} ({r['fichier']}, enregistrement {r['enregistrement']}) : "
            f"{format_euros(r['total'])}"
        )
        lignes: list[list[str]] = []
        for s in r["seances"]:
            quand = f"{s['date']:%d/%m/%Y}" + (f" {s['heure']}" if s["heure"] else "")
            if s["erreur"]:
                self.stdout.write(f"  Séance du {quand} impossible à coter : {s['erreur']}")
                continue
            lignes.extend(
                [
                    quand,
                    ligne["code"],
                    _nombre(ligne["coefficient"]),
                    f"{ligne['pourcentage']} %",
                    format_euros(ligne["valeur_unitaire"]),
                    format_euros(ligne["montant"]),
                    ligne["regle"],
                    ligne["explication"] + ("" if ligne["confirme"] else " (non confirmé)"),
                ]
                for ligne in s["lignes"]
            )
        if lignes:
            self._tableau(
                [
                    "Séance",
                    "Code",
                    "Coefficient",
                    "%",
                    "Valeur unitaire",
                    "Montant",
                    "Règle",
                    "Pourquoi",
                ],
                lignes,
            )

    def verbe_controler(self, **o: Any) -> None:
        catalogue = self._catalogue()
        lecture = _Lecture()
        aujourd_hui = horloge.aujourd_hui()
        sans_historique = ContexteControle(aujourd_hui=aujourd_hui, catalogue=catalogue)
        deja_vues: dict[str, set[str]] = {}
        resultats, en_erreur = [], 0
        for nom, lue in self._factures_lues(o["fichiers"], lecture):
            facture = depuis_echange(lue.facture, catalogue)
            signature = signature_facture(facture, catalogue)
            patient = signature[: signature.index("|", signature.index("|") + 1) + 1]
            precedentes = deja_vues.setdefault(patient, set())
            contexte = (
                ContexteControle(
                    aujourd_hui=aujourd_hui,
                    catalogue=catalogue,
                    signatures_existantes=frozenset(precedentes),
                )
                if precedentes
                else sans_historique
            )
            constats = controler(facture, contexte)
            precedentes.add(signature)
            erreurs = sum(c.gravite is Gravite.ERREUR for c in constats)
            en_erreur += bool(erreurs)
            resultat = {
                "fichier": nom,
                "enregistrement": lue.enregistrement,
                "numero": facture.numero,
                "erreurs": erreurs,
                "avertissements": len(constats) - erreurs,
                "constats": constats,
            }
            if o["json"]:
                resultats.append({**resultat, "constats": [_constat_json(c) for c in constats]})
            else:
                self._afficher_constats(resultat)
        if o["json"]:
            self.sortie_json({"factures": resultats, **lecture.resume()})
        self._fin_de_lecture(
            lecture,
            o["json"],
            f"{en_erreur} facture(s) avec au moins une erreur" if en_erreur else "",
        )

    def _afficher_constats(self, r: dict[str, Any]) -> None:
        entete = f"Facture {r['numero']} ({r['fichier']}, enregistrement {r['enregistrement']}) : "
        if not r["constats"]:
            self.stdout.write(entete + "aucun constat.")
            return
        self.stdout.write(
            entete + f"{r['erreurs']} erreur(s), {r['avertissements']} avertissement(s)."
        )
        self._tableau_constats(r["constats"])

    def _tableau_constats(self, constats: Sequence[Constat]) -> None:
        self._tableau(
            ["Gravité", "Code", "Champ", "Message", "Correction"],
            [[c.gravite.value, c.code, c.champ, c.message, c.correction] for c in constats],
        )

    # ------------------------------------------------------------------------ préparer

    def _facture(self, o: dict[str, Any]) -> Facture:
        """The invoice, reachable only in a cabinet the acting user may write to."""
        facture: Facture = self.facture(
            o["numero"], o["cabinet"], o.get("utilisateur"), o.get("professionnel")
        )
        return facture

    def verbe_preparer(self, **o: Any) -> None:
        facture = self._facture(o)
        utilisateur = self.acteur(o["utilisateur"])
        raison = o["forcer"].strip()
        try:
            facture = services.preparer(facture=facture, utilisateur=utilisateur, forcer=raison)
        except (services.OperationRefusee, TransitionInterdite) as exc:
            if o["json"]:
                self.sortie_json(
                    {
                        "facture": facture.numero,
                        "preparee": False,
                        "message": str(exc),
                        "constats": [_constat_json(c) for c in constats_de(exc)],
                    }
                )
            raise CommandError(str(exc)) from exc
        constats = constats_de(facture)
        erreurs = [c for c in constats if c.gravite is Gravite.ERREUR]
        avertissements = [c for c in constats if c.gravite is not Gravite.ERREUR]
        if o["json"]:
            self.sortie_json(
                {
                    "facture": facture.numero,
                    "preparee": True,
                    "etat": facture.etat,
                    "forcer": raison or None,
                    "constats": [_constat_json(c) for c in constats],
                }
            )
            return
        self.stdout.write(f"Facture {facture.numero} préparée : prête à sécuriser ou à exporter.")
        if erreurs:
            self.stdout.write(
                f"Préparée malgré {len(erreurs)} erreur(s), pour la raison gardée dans "
                f"l'historique : « {raison} »."
            )
            self._tableau_constats(erreurs)
        if avertissements:
            self.stdout.write(f"{len(avertissements)} avertissement(s), à vérifier :")
            self._tableau_constats(avertissements)

    # ------------------------------------------------------------------------ sécuriser

    def verbe_securiser(self, **o: Any) -> None:
        cabinet = self.cabinet(o["cabinet"])
        utilisateur = self.acteur(o["utilisateur"])
        le = o["le"] or horloge.aujourd_hui()
        if o["toutes"]:
            factures = list(
                Facture.objects.filter(cabinet=cabinet, parties__etat=Etat.PRETE)
                .distinct()
                .order_by("numero")
            )
            if o["utilisateur"] and not peut_ecrire(utilisateur, cabinet):
                raise CommandError(
                    f"L'utilisateur « {utilisateur.username} » ne peut que consulter les factures "
                    f"du cabinet « {cabinet.code} »."
                )
        elif o["numeros"]:
            factures = [self._facture({**o, "numero": n}) for n in o["numeros"]]
        else:
            raise CommandError("Donnez les n° des factures à sécuriser, ou --toutes.")
        mode = Mode.DEGRADE if o["degrade"] else Mode.VITALE
        resultats = []
        for facture in factures:
            try:
                s = transmission.securiser(
                    facture=facture, utilisateur=utilisateur, le=le, mode=mode
                )
            except (services.OperationRefusee, TransitionInterdite) as exc:
                resultats.append(
                    {"facture": facture.numero, "statut": "refus", "message": str(exc)}
                )
                continue
            message = {
                StatutSecurisation.ACCORDEE: "sécurisée",
                StatutSecurisation.DEMANDEE: "demande envoyée au composant certifié",
                StatutSecurisation.REFUSEE: f"refusée : {s.motif}",
            }[StatutSecurisation(s.statut)]
            resultats.append({"facture": facture.numero, "statut": s.statut, "message": message})
        if o["json"]:
            self.sortie_json(resultats)
        else:
            for r in resultats:
                self.stdout.write(f"Facture {r['facture']} : {r['message']}")
            if not resultats:
                self.stdout.write("Aucune facture prête à sécuriser.")
        if any(r["statut"] in ("refus", StatutSecurisation.REFUSEE) for r in resultats):
            raise CommandError("Certaines factures n'ont pas été sécurisées (voir ci-dessus).")

    def verbe_pieces(self, **o: Any) -> None:
        facture = self._facture(o)
        utilisateur = self.acteur(o["utilisateur"])
        for type_piece, nom in (
            (TypePiece.PRESCRIPTION, o["prescription"]),
            (TypePiece.AUTRE, o["autre"]),
        ):
            if not nom:
                continue
            chemin = Path(nom)
            if not chemin.is_file():
                raise CommandError(f"Fichier introuvable : {nom}")
            try:
                pieces.attacher_piece(
                    facture=facture,
                    type=type_piece,
                    octets=chemin.read_bytes(),
                    nom_fichier=chemin.name,
                    utilisateur=utilisateur,
                )
            except pieces.PieceRefusee as exc:
                raise CommandError(str(exc)) from exc
        etat = pieces.etat_des_pieces(facture)
        liste = [
            {
                "type": p.type,
                "fichier": p.nom_fichier,
                "taille": p.taille,
                "envoyee": bool(p.lot_scor_id),
            }
            for p in facture.pieces.all()
        ]
        if o["json"]:
            self.sortie_json(
                {
                    "facture": facture.numero,
                    "mode_degrade": etat.degrade,
                    "complet": etat.complet,
                    "manquantes": list(etat.manquantes),
                    "pieces": liste,
                }
            )
            return
        self.stdout.write(f"Facture {facture.numero} : {len(liste)} pièce(s).")
        for p in liste:
            envoi = "envoyée" if p["envoyee"] else "à envoyer"
            self.stdout.write(f"  {p['type']} — {p['fichier']} ({p['taille']} octets, {envoi})")
        if etat.degrade:
            if etat.complet:
                self.stdout.write("Pièces numériques complètes (carré vert).")
            else:
                self.stdout.write(
                    "Pièces numériques incomplètes (carré rouge) : manque "
                    f"{', '.join(etat.manquantes)}. À défaut, imprimez la copie papier "
                    "(rejets factures copie-papier)."
                )

    def verbe_copie_papier(self, **o: Any) -> None:
        factures = [self._facture({**o, "numero": n, "professionnel": None}) for n in o["numeros"]]
        le = o["le"] or horloge.aujourd_hui()
        try:
            contenu = pieces.copie_papier(factures=factures, le=le)
        except pieces.PieceRefusee as exc:
            raise CommandError(str(exc)) from exc
        Path(o["sortie"]).write_bytes(contenu)
        if o["json"]:
            self.sortie_json({"sortie": o["sortie"], "factures": [f.numero for f in factures]})
        else:
            self.stdout.write(
                f"Copie papier de {len(factures)} facture(s) écrite dans {o['sortie']} : "
                "imprimez-la et envoyez-la à la caisse avec le bordereau."
            )
