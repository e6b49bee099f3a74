from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser

from rejets.cabinets.models import Cabinet
from rejets.cabinets.selectors import cabinets_ou_ecrire, cabinets_visibles
from rejets.core import horloge
from rejets.core.commandes import CommandeGroupe, Verbe
from rejets.domain.lifecycle import TransitionInterdite, TypePartie
from rejets.domain.money import format_euros
from rejets.recyclage import selectors, services
from rejets.recyclage.models import Action


def _le(p: CommandParser) -> None:
    p.add_argument("--le", type=date.fromisoformat, help="date (AAAA-MM-JJ ; défaut : ce jour)")


def _facture(p: CommandParser, plusieurs: bool = False) -> None:
    if plusieurs:
        p.add_argument("numeros", nargs="+", metavar="NUMERO", help="n° des factures")
    else:
        p.add_argument("numero", help="n° de la facture")
    p.add_argument("--cabinet", required=True, help="code du cabinet")
    p.add_argument("--professionnel", metavar="NUMERO_AM", help="n° AM du professionnel")
    _le(p)


def _partie(p: CommandParser) -> None:
    p.add_argument(
        "--partie", choices=["fse", "dre"], default="fse", help="FSE (caisse) ou DRE (mutuelle)"
    )


def _args_rejet_papier(p: CommandParser) -> None:
    _facture(p)
    _partie(p)
    p.add_argument("--code", default="", help="code du rejet, s'il est donné")
    p.add_argument("--motif", default="", help="motif du rejet, tel qu'il a été dit ou écrit")
    p.add_argument(
        "--moyen", choices=["courrier", "telephone"], default="courrier", help="reçu comment"
    )


def _args_defacturer(p: CommandParser) -> None:
    _facture(p, plusieurs=True)
    p.add_argument("--commentaire", default="", help="ce qu'il faudra corriger")


def _args_recycler(p: CommandParser) -> None:
    _facture(p, plusieurs=True)
    p.add_argument(
        "--forcer", default="", metavar="RAISON", help="recycler malgré une erreur des contrôles"
    )
    c = p.add_argument_group("corrections (une seule facture)")
    for nom in ("nom", "prenom", "nir", "regime", "caisse", "centre", "exoneration"):
        c.add_argument(f"--{nom.replace('_', '-')}", dest=nom)
    c.add_argument("--nature-assurance", dest="nature_assurance")
    c.add_argument("--taux", type=int, dest="taux_remboursement", help="taux AMO en %%")
    c.add_argument("--rang", type=int)
    c.add_argument("--date-naissance", type=date.fromisoformat, dest="date_naissance")
    c.add_argument("--droits-debut", type=date.fromisoformat, dest="droits_debut")
    c.add_argument("--droits-fin", type=date.fromisoformat, dest="droits_fin")
    c.add_argument("--amc", metavar="NUMERO_AMC", help="mutuelle à joindre (n° AMC)")
    c.add_argument("--sans-amc", action="store_true", help="refacturer sans la mutuelle")
    c.add_argument("--prescripteur", dest="prescripteur_nom")
    c.add_argument("--rpps-prescripteur", dest="prescripteur_rpps")
    c.add_argument("--date-prescription", type=date.fromisoformat, dest="date_prescription")
    c.add_argument(
        "--domicile",
        choices=["oui", "non"],
        help="la prescription précise « à domicile »",
    )


def _args_motif(p: CommandParser, partie: bool = True) -> None:
    _facture(p)
    if partie:
        _partie(p)
    p.add_argument("--motif", required=True, help="la raison, en clair")


def _args_facturer_patient(p: CommandParser) -> None:
    _args_motif(p)
    p.add_argument("--reglement", default="", help="comment régler (ordre du chèque, IBAN…)")


def _args_duplicata(p: CommandParser) -> None:
    _facture(p)
    p.add_argument("--demande", required=True, help="la demande de la caisse (date, courrier…)")


def _args_action(p: CommandParser) -> None:
    p.add_argument("action", type=int, help="n° de l'action (rejets recyclage actions)")
    _le(p)


def _args_confirmee(p: CommandParser) -> None:
    _args_action(p)
    p.add_argument("--reponse", default="", help="la réponse de la caisse")


def _args_copie(p: CommandParser) -> None:
    _args_action(p)
    p.add_argument("--envoyee", action="store_true", help="la copie est partie à la caisse")


def _args_repondre(p: CommandParser) -> None:
    _args_action(p)
    p.add_argument("--reponse", required=True, help="la réponse reçue")
    p.add_argument("--en-cours", action="store_true", help="l'action reste ouverte")


def _args_liste(p: CommandParser) -> None:
    p.add_argument("--cabinet", help="un seul cabinet")
    p.add_argument("--utilisateur", help="les cabinets de cet utilisateur")


def _args_actions(p: CommandParser) -> None:
    _args_liste(p)
    p.add_argument("--toutes", action="store_true", help="aussi les actions terminées")


class Command(CommandeGroupe):
    help = "Rejets et recyclage : rejet papier, défacturer, recycler, et les autres voies."
    verbes = {
        "a-traiter": Verbe(
            "Les rejets à traiter, avec leur analyse, et les factures en traitement caisse.",
            _args_liste,
            ecrit=False,
        ),
        "liste": Verbe("La liste des recyclages (factures défacturées).", _args_liste, ecrit=False),
        "actions": Verbe(
            "Les actions suivies (réclamations, annulations…).", _args_actions, ecrit=False
        ),
        "rejet-papier": Verbe(
            "Saisir un rejet reçu par courrier ou téléphone.", _args_rejet_papier
        ),
        "defacturer": Verbe("Défacturer une ou plusieurs factures.", _args_defacturer),
        "recycler": Verbe(
            "Recycler (refacturer sous un nouveau numéro) des factures défacturées.",
            _args_recycler,
        ),
        "facturer-patient": Verbe(
            "Facturer au patient une part rejetée (facture au patient en PDF).",
            _args_facturer_patient,
        ),
        "facturer-mutuelle": Verbe(
            "Redemander à la mutuelle, sur papier, une DRE rejetée.",
            lambda p: _args_motif(p, partie=False),
        ),
        "abandonner": Verbe("Abandonner une part rejetée, avec une raison.", _args_motif),
        "duplicata": Verbe(
            "Produire un duplicata, seulement à la demande de la caisse.", _args_duplicata
        ),
        "reclamation": Verbe(
            "Réclamation : paiement contesté ou facture restée sans réponse.", _args_motif
        ),
        "demande-annulation": Verbe(
            "Demande d'annulation du jour même (brouillon de courriel .eml).",
            lambda p: _args_motif(p, partie=False),
        ),
        "annulation-confirmee": Verbe(
            "La caisse a confirmé l'annulation : rejet « annulée à la demande du professionnel ».",
            _args_confirmee,
        ),
        "copie-degradee": Verbe(
            "Mode dégradé recyclé : produire la copie et le bordereau, puis la marquer envoyée.",
            _args_copie,
        ),
        "repondre": Verbe("Noter la réponse reçue pour une action.", _args_repondre),
    }

    # ------------------------------------------------------------------ helpers

    def _visibles(self, o: dict[str, Any]) -> Any:
        cabinets = (
            cabinets_visibles(self.acteur(o["utilisateur"]))
            if o.get("utilisateur")
            else Cabinet.objects.all()
        )
        if o.get("cabinet"):
            cabinets = cabinets.filter(code=o["cabinet"])
        return cabinets

    def _une(self, o: dict[str, Any]) -> Any:
        return self.facture(o["numero"], o["cabinet"], o["utilisateur"], o["professionnel"])

    def _jour(self, o: dict[str, Any]) -> date:
        return o.get("le") or horloge.aujourd_hui()

    def _action(self, o: dict[str, Any]) -> Action:
        actions = Action.objects.filter(pk=o["action"])
        if o.get("utilisateur"):
            actions = actions.filter(cabinet__in=cabinets_ou_ecrire(self.acteur(o["utilisateur"])))
        action = actions.select_related("facture").first()
        if action is None:
            raise CommandError(f"Action n° {o['action']} introuvable.")
        return action

    def _executer(self, o: dict[str, Any], faire: Any) -> Any:
        try:
            return faire()
        except (services.OperationRefusee, TransitionInterdite, ValueError) as exc:
            if o.get("json"):
                self.sortie_json({"fait": False, "message": str(exc)})
            raise CommandError(str(exc)) from exc

    def _dire(self, o: dict[str, Any], donnees: dict[str, Any], texte: str) -> None:
        if o["json"]:
            self.sortie_json({"fait": True, **donnees})
        else:
            self.stdout.write(texte)

    # ------------------------------------------------------------------ reads

    def verbe_a_traiter(self, **o: Any) -> None:
        cabinets = self._visibles(o)
        rejets = selectors.rejets_a_traiter(cabinets)
        caisse = selectors.en_traitement_caisse(cabinets)
        lignes: list[dict[str, Any]] = []
        for r in rejets:
            a = r.analyse
            lignes.append(
                {
                    "facture": r.partie.facture.numero,
                    "cabinet": r.partie.facture.cabinet.code,
                    "partie": r.partie.type,
                    "montant": r.partie.montant,
                    "code": r.rejet.code if r.rejet else "",
                    "libelle": r.rejet.libelle if r.rejet else "",
                    "famille": a.famille.libelle if a and a.famille else "",
                    "action": a.action.libelle if a else "",
                    "source": a.source.libelle if a else "",
                    "analyse": a.texte if a else "",
                    "en_attente_de_la_fse": r.bloque_par_fse,
                }
            )
        attente: list[dict[str, Any]] = [
            {"facture": t.partie.facture.numero, "partie": t.partie.type, "contacter": t.organisme}
            for t in caisse
        ]
        if o["json"]:
            self.sortie_json({"rejets": lignes, "traitement_caisse": attente})
            return
        self.stdout.write(f"{len(lignes)} rejet(s) à traiter")
        for x in lignes:
            suite = " — après la FSE" if x["en_attente_de_la_fse"] else ""
            self.stdout.write(
                f"  {x['facture']} {x['partie'].upper()} {format_euros(x['montant'])} "
                f"[{x['code']}] {x['libelle']} → {x['famille'] or 'à qualifier'} : "
                f"{x['action'] or 'à qualifier'}{suite}"
            )
        self.stdout.write(f"{len(attente)} facture(s) en traitement caisse : attendre")
        for x in attente:
            self.stdout.write(
                f"  {x['facture']} {x['partie'].upper()} — à contacter : {x['contacter']}"
            )

    def verbe_liste(self, **o: Any) -> None:
        dossiers = selectors.liste_des_recyclages(self._visibles(o))
        donnees: list[dict[str, Any]] = [
            {
                "facture": d.facture.numero,
                "cabinet": d.facture.cabinet.code,
                "rejets": [f"{r.code} {r.libelle}" for r in d.rejets],
                "commentaire": d.commentaire,
                "acompte": d.acompte,
                "mode_degrade": d.mode_degrade,
            }
            for d in dossiers
        ]
        if o["json"]:
            self.sortie_json(donnees)
            return
        self.stdout.write(f"Liste des recyclages : {len(donnees)} dossier(s)")
        for x in donnees:
            rejets = " ; ".join(x["rejets"]) or "sans rejet (jamais transmise)"
            acompte = f", acompte {format_euros(x['acompte'])}" if x["acompte"] else ""
            self.stdout.write(
                f"  {x['facture']} — {rejets}{acompte}"
                + (f" — à corriger : {x['commentaire']}" if x["commentaire"] else "")
            )

    def verbe_actions(self, **o: Any) -> None:
        actions = selectors.actions_visibles(self._visibles(o), ouvertes=not o["toutes"])
        donnees: list[dict[str, Any]] = [
            {
                "id": a.pk,
                "type": a.type,
                "libelle": a.get_type_display(),
                "facture": a.facture.numero,
                "statut": a.statut,
                "echeance": a.echeance.isoformat() if a.echeance else None,
                "document": a.document,
                "reponse": a.reponse,
            }
            for a in actions
        ]
        if o["json"]:
            self.sortie_json(donnees)
            return
        self.stdout.write(f"{len(donnees)} action(s)")
        for x in donnees:
            echeance = (
                f", échéance {date.fromisoformat(x['echeance']):%d/%m/%Y}" if x["echeance"] else ""
            )
            self.stdout.write(
                f"  n° {x['id']} {x['libelle']} — facture {x['facture']} ({x['statut']}{echeance})"
                + (f" — {x['document']}" if x["document"] else "")
            )

    # ------------------------------------------------------------------ writes

    def verbe_rejet_papier(self, **o: Any) -> None:
        f = self._une(o)
        rejet = self._executer(
            o,
            lambda: services.rejet_papier(
                facture=f,
                partie=TypePartie(o["partie"]),
                le=self._jour(o),
                utilisateur=self.acteur(o["utilisateur"]),
                code=o["code"],
                libelle=o["motif"],
                moyen=o["moyen"],
            ),
        )
        self._dire(
            o,
            {"facture": f.numero, "code": rejet.code},
            f"Rejet papier enregistré sur la {o['partie'].upper()} de la facture {f.numero} : "
            "défacturez-la pour la recycler, ou choisissez une autre voie.",
        )

    def _selection(self, o: dict[str, Any]) -> list[Any]:
        return [
            self.facture(n, o["cabinet"], o["utilisateur"], o["professionnel"])
            for n in o["numeros"]
        ]

    def _rapport(self, o: dict[str, Any], rapport: services.RapportEnLot) -> None:
        if o["json"]:
            self.sortie_json(rapport.resume())
        else:
            for message in rapport.faites:
                self.stdout.write(f"{message}.")
            for numero, raison in rapport.refusees:
                self.stderr.write(f"Refusé — facture {numero} : {raison}")
        if rapport.refusees and not rapport.faites:
            raise CommandError("Rien n'a été fait (voir les refus ci-dessus).")

    def verbe_defacturer(self, **o: Any) -> None:
        rapport = services.defacturer_selection(
            factures_=self._selection(o),
            utilisateur=self.acteur(o["utilisateur"]),
            le=self._jour(o),
            commentaire=o["commentaire"],
        )
        self._rapport(o, rapport)

    def verbe_recycler(self, **o: Any) -> None:
        champs = {f for f in services.Corrections.__dataclass_fields__ if f != "actes"}
        valeurs = {k: o[k] for k in champs if o.get(k) is not None and k != "a_domicile"}
        if o.get("domicile"):
            valeurs["a_domicile"] = o["domicile"] == "oui"
        if o.get("sans_amc"):
            valeurs["amc"] = ""
        if not valeurs and not o["forcer"]:
            rapport = services.recycler_selection(
                factures_=self._selection(o),
                utilisateur=self.acteur(o["utilisateur"]),
                le=self._jour(o),
            )
            self._rapport(o, rapport)
            return
        if len(o["numeros"]) != 1:
            raise CommandError("Les corrections et --forcer portent sur une seule facture.")
        f = self._selection(o)[0]
        r = self._executer(
            o,
            lambda: services.recycler(
                facture=f,
                utilisateur=self.acteur(o["utilisateur"]),
                le=self._jour(o),
                corrections=services.Corrections(**valeurs),
                forcer=o["forcer"],
            ),
        )
        self._dire(
            o,
            {"ancienne": r.ancienne.numero, "nouvelle": r.nouvelle.numero, "messages": r.messages},
            f"La facture {r.ancienne.numero} est recyclée sous le nouveau numéro "
            f"{r.nouvelle.numero}.\n" + "\n".join(r.messages),
        )

    def verbe_facturer_patient(self, **o: Any) -> None:
        f = self._une(o)
        action = self._executer(
            o,
            lambda: services.facturer_patient(
                facture=f,
                partie=TypePartie(o["partie"]),
                motif=o["motif"],
                utilisateur=self.acteur(o["utilisateur"]),
                le=self._jour(o),
                reglement=o["reglement"],
            ),
        )
        montant = action.details.get("montant", 0)
        self._dire(
            o,
            {"facture": f.numero, "montant": montant, "document": action.document},
            f"Facture {f.numero} : {format_euros(montant)} reportés sur le patient ; facture au "
            f"patient : {action.document}",
        )

    def verbe_facturer_mutuelle(self, **o: Any) -> None:
        f = self._une(o)
        action = self._executer(
            o,
            lambda: services.facturer_mutuelle(
                facture=f,
                motif=o["motif"],
                utilisateur=self.acteur(o["utilisateur"]),
                le=self._jour(o),
            ),
        )
        self._dire(
            o,
            {"facture": f.numero, "action": action.pk},
            f"Facture {f.numero} : DRE redemandée à la mutuelle ; action n° {action.pk} suivie.",
        )

    def verbe_abandonner(self, **o: Any) -> None:
        f = self._une(o)
        self._executer(
            o,
            lambda: services.abandonner(
                facture=f,
                partie=TypePartie(o["partie"]),
                motif=o["motif"],
                utilisateur=self.acteur(o["utilisateur"]),
                le=self._jour(o),
            ),
        )
        self._dire(
            o,
            {"facture": f.numero},
            f"Facture {f.numero} : {o['partie'].upper()} abandonnée, reste dû passé en perte.",
        )

    def verbe_duplicata(self, **o: Any) -> None:
        f = self._une(o)
        action = self._executer(
            o,
            lambda: services.duplicata(
                facture=f,
                utilisateur=self.acteur(o["utilisateur"]),
                le=self._jour(o),
                demande=o["demande"],
            ),
        )
        self._dire(
            o,
            {"facture": f.numero, "document": action.document},
            f"Duplicata de la facture {f.numero} : {action.document}",
        )

    def verbe_reclamation(self, **o: Any) -> None:
        f = self._une(o)
        action = self._executer(
            o,
            lambda: services.reclamation(
                facture=f,
                partie=TypePartie(o["partie"]),
                motif=o["motif"],
                utilisateur=self.acteur(o["utilisateur"]),
                le=self._jour(o),
            ),
        )
        self._dire(
            o,
            {"facture": f.numero, "action": action.pk, "document": action.document},
            f"Réclamation pour la facture {f.numero} : {action.document} (action n° {action.pk}).",
        )

    def verbe_demande_annulation(self, **o: Any) -> None:
        f = self._une(o)
        action, avertissements = self._executer(
            o,
            lambda: services.demande_annulation(
                facture=f,
                motif=o["motif"],
                utilisateur=self.acteur(o["utilisateur"]),
                le=self._jour(o),
            ),
        )
        self._dire(
            o,
            {
                "facture": f.numero,
                "action": action.pk,
                "document": action.document,
                "avertissements": avertissements,
            },
            "\n".join(
                [
                    f"Brouillon de la demande d'annulation : {action.document} (à envoyer à la "
                    f"caisse aujourd'hui ; action n° {action.pk}).",
                    *avertissements,
                ]
            ),
        )

    def verbe_annulation_confirmee(self, **o: Any) -> None:
        action = self._action(o)
        self._executer(
            o,
            lambda: services.confirmer_annulation(
                action=action,
                utilisateur=self.acteur(o["utilisateur"]),
                le=self._jour(o),
                reponse=o["reponse"],
            ),
        )
        self._dire(
            o,
            {"facture": action.facture.numero},
            f"Facture {action.facture.numero} : annulation confirmée, rejet enregistré ; "
            "défacturez-la puis recyclez-la.",
        )

    def verbe_copie_degradee(self, **o: Any) -> None:
        action = self._executer(
            o,
            lambda: services.copie_degradee(
                action=self._action(o),
                utilisateur=self.acteur(o["utilisateur"]),
                le=self._jour(o),
                envoyee=o["envoyee"],
            ),
        )
        etat = "marquée envoyée" if o["envoyee"] else "à imprimer et envoyer"
        self._dire(
            o,
            {"action": action.pk, "document": action.document, "statut": action.statut},
            f"Copie et bordereau : {action.document} ({etat}).",
        )

    def verbe_repondre(self, **o: Any) -> None:
        action = services.repondre(
            action=self._action(o),
            utilisateur=self.acteur(o["utilisateur"]),
            reponse=o["reponse"],
            terminee=not o["en_cours"],
        )
        self._dire(
            o,
            {"action": action.pk, "statut": action.statut},
            f"Action n° {action.pk} : {action.get_statut_display()}.",
        )
