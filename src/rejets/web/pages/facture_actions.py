"""The actions the invoice page offers, and only those: each is allowed by the transition table
(`rejets.domain.lifecycle`) in the invoice's present state, or by the rule of its service
(réclamation, duplicata, demande d'annulation); each runs one service of
`rejets.recyclage.services` in the name of the user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.http import QueryDict

from rejets.domain.lifecycle import Etat, Evenement, TypePartie, est_permise
from rejets.factures import services as factures
from rejets.factures.models import Facture
from rejets.recyclage import services as recyclage
from rejets.recyclage.models import Action, StatutAction, TypeAction

OperationRefusee = recyclage.OperationRefusee
CODES = frozenset(
    {
        "defacturer",
        "recycler",
        "rejet_papier",
        "facturer_patient",
        "facturer_mutuelle",
        "abandonner",
        "reclamation",
        "duplicata",
        "demande_annulation",
        "confirmer_annulation",
    }
)


@dataclass(frozen=True)
class ActionPossible:
    code: str
    libelle: str
    aide: str
    partie: TypePartie | None = None
    action_id: int | None = None
    """The tracked action it answers (a confirmed cancellation)."""

    @property
    def cle(self) -> str:
        """Unique within the page (form ids)."""
        suite = self.partie.value if self.partie else ""
        return f"{self.code}-{suite}{self.action_id or ''}"


@dataclass
class Fait:
    """What an action did: the messages to show, and the invoice to show next."""

    succes: list[str] = field(default_factory=list)
    avertissements: list[str] = field(default_factory=list)
    suite: Facture | None = None


def _annulations_en_attente(facture: Facture) -> list[Action]:
    return list(
        Action.objects.filter(
            cabinet_id=facture.cabinet_id,
            facture=facture,
            type=TypeAction.ANNULATION,
            statut=StatutAction.EN_ATTENTE,
        ).order_by("pk")
    )


def actions_possibles(facture: Facture, etats: dict[TypePartie, Etat]) -> list[ActionPossible]:
    """What may be done on the invoice now."""
    possibles: list[ActionPossible] = []
    deja_recyclee = Facture.objects.filter(recyclee_de=facture).exists()
    if est_permise(Evenement.DEFACTURER, etats) and not factures.paye_par_les_organismes(facture):
        possibles.append(
            ActionPossible(
                "defacturer",
                "Défacturer",
                "La contrepartie négative annule ses créances ; si le patient a payé, son "
                "paiement devient un acompte. Le dossier va dans la liste des recyclages.",
            )
        )
    if est_permise(Evenement.RECYCLER, etats) and not deja_recyclee:
        possibles.append(
            ActionPossible(
                "recycler",
                "Recycler (refacturer sous un nouveau numéro)",
                "La facture est refacturée sous un nouveau numéro, prête à transmettre ; "
                "l'acompte du patient paie sa part.",
            )
        )
    fse_rejetee = etats.get(TypePartie.FSE) is Etat.REJETEE
    for partie in etats:
        apres_la_fse = partie is TypePartie.DRE and fse_rejetee
        if est_permise(Evenement.REJETER, etats, partie):
            possibles.append(
                ActionPossible(
                    "rejet_papier",
                    f"Saisir un rejet papier ({partie.libelle})",
                    "Un rejet reçu par courrier ou par téléphone après un traitement manuel.",
                    partie,
                )
            )
        if apres_la_fse:
            continue
        if est_permise(Evenement.FACTURER_PATIENT, etats, partie):
            possibles.append(
                ActionPossible(
                    "facturer_patient",
                    f"Facturer le patient ({partie.libelle})",
                    "La part rejetée devient une créance sur le patient, avec sa facture en PDF.",
                    partie,
                )
            )
        if partie is TypePartie.DRE and est_permise(Evenement.FACTURER_MUTUELLE, etats, partie):
            possibles.append(
                ActionPossible(
                    "facturer_mutuelle",
                    "Facturer la mutuelle sur papier (DRE)",
                    "La DRE rejetée est redemandée à la mutuelle par courrier ; suivie jusqu'à sa "
                    "réponse.",
                    partie,
                )
            )
        if est_permise(Evenement.ABANDONNER, etats, partie):
            possibles.append(
                ActionPossible(
                    "abandonner",
                    f"Abandonner ({partie.libelle})",
                    "Ce qui reste dû sur cette partie est passé en perte, avec la raison.",
                    partie,
                )
            )
    for partie, etat in etats.items():
        if etat in recyclage.ETATS_DE_RECLAMATION:
            possibles.append(
                ActionPossible(
                    "reclamation",
                    f"Réclamation ({partie.libelle})",
                    "Pour contester un paiement, ou pour une facture restée sans réponse après un "
                    "ARL positif (jamais une refacturation) ; lettre en PDF.",
                    partie,
                )
            )
    if facture.deja_transmise:
        possibles.append(
            ActionPossible(
                "duplicata",
                "Duplicata",
                "Seulement quand la caisse le demande : indiquez sa demande.",
            )
        )
    annulations = _annulations_en_attente(facture)
    if etats.get(TypePartie.FSE) in recyclage.ETATS_ANNULABLES and not annulations:
        possibles.append(
            ActionPossible(
                "demande_annulation",
                "Demande d'annulation à la caisse",
                "Erreur de saisie sur une facture transmise : le brouillon du courriel « URGENT / "
                "ANNULATION DE FACTURE », à envoyer le jour même.",
            )
        )
    for a in annulations:
        possibles.append(
            ActionPossible(
                "confirmer_annulation",
                "La caisse a confirmé l'annulation",
                "La facture porte alors le rejet « annulée à la demande du professionnel » ; "
                "défacturez-la puis recyclez-la.",
                action_id=a.pk,
            )
        )
    return possibles


def trouver(
    possibles: list[ActionPossible], code: str, partie: str, action_id: str
) -> ActionPossible | None:
    for p in possibles:
        if (
            p.code == code
            and (p.partie.value if p.partie else "") == (partie if p.partie else "")
            and (str(p.action_id) if p.action_id else "") == (action_id if p.action_id else "")
        ):
            return p
    return None


def _texte(donnees: QueryDict, nom: str) -> str:
    return str(donnees.get(nom, "")).strip()


def executer(
    possible: ActionPossible,
    *,
    facture: Facture,
    donnees: QueryDict,
    utilisateur: User,
    le: date,
) -> Fait:
    """Run the action; OperationRefusee or TransitionInterdite say why it was refused."""
    fait = Fait()
    code, partie = possible.code, possible.partie
    if code == "defacturer":
        r = recyclage.defacturer(
            facture=facture,
            utilisateur=utilisateur,
            le=le,
            commentaire=_texte(donnees, "commentaire"),
        )
        fait.succes.append(
            f"Facture {facture.numero} défacturée : elle est dans la liste des recyclages."
        )
        fait.avertissements.extend(r.avertissements)
    elif code == "recycler":
        rc = recyclage.recycler(
            facture=facture, utilisateur=utilisateur, le=le, forcer=_texte(donnees, "forcer")
        )
        fait.succes.extend(rc.messages)
        fait.suite = rc.nouvelle
    elif code == "rejet_papier" and partie is not None:
        texte = _texte(donnees, "date")
        try:
            jour = date.fromisoformat(texte) if texte else le
        except ValueError as exc:
            raise OperationRefusee(f"Date du rejet illisible : « {texte} ».") from exc
        rejet = recyclage.rejet_papier(
            facture=facture,
            partie=partie,
            le=jour,
            utilisateur=utilisateur,
            code=_texte(donnees, "code"),
            libelle=_texte(donnees, "libelle"),
            moyen=_texte(donnees, "moyen") or "courrier",
        )
        fait.succes.append(
            f"Rejet papier de la {partie.libelle} enregistré : [{rejet.code}] {rejet.libelle}."
        )
    elif code == "facturer_patient" and partie is not None:
        action = recyclage.facturer_patient(
            facture=facture,
            partie=partie,
            motif=_texte(donnees, "motif"),
            utilisateur=utilisateur,
            le=le,
            reglement=_texte(donnees, "reglement"),
        )
        fait.succes.append(
            f"La part rejetée ({partie.libelle}) est reportée sur le patient ; sa facture est "
            f"prête (action n° {action.pk})."
        )
    elif code == "facturer_mutuelle":
        recyclage.facturer_mutuelle(
            facture=facture, motif=_texte(donnees, "motif"), utilisateur=utilisateur, le=le
        )
        fait.succes.append(
            "La DRE est redemandée à la mutuelle sur papier ; suivie jusqu'à sa réponse."
        )
    elif code == "abandonner" and partie is not None:
        recyclage.abandonner(
            facture=facture,
            partie=partie,
            motif=_texte(donnees, "motif"),
            utilisateur=utilisateur,
            le=le,
        )
        fait.succes.append(f"{partie.libelle} abandonnée : le reste dû est passé en perte.")
    elif code == "reclamation" and partie is not None:
        recyclage.reclamation(
            facture=facture,
            partie=partie,
            motif=_texte(donnees, "motif"),
            utilisateur=utilisateur,
            le=le,
        )
        fait.succes.append(
            f"Réclamation ({partie.libelle}) enregistrée ; sa lettre est dans les actions suivies."
        )
    elif code == "duplicata":
        recyclage.duplicata(
            facture=facture, utilisateur=utilisateur, le=le, demande=_texte(donnees, "demande")
        )
        fait.succes.append("Duplicata produit ; il est dans les actions suivies.")
    elif code == "demande_annulation":
        _, avertissements = recyclage.demande_annulation(
            facture=facture, motif=_texte(donnees, "motif"), utilisateur=utilisateur, le=le
        )
        fait.succes.append(
            "Demande d'annulation prête : ouvrez le brouillon du courriel dans les actions "
            "suivies et envoyez-le à la caisse aujourd'hui."
        )
        fait.avertissements.extend(avertissements)
    elif code == "confirmer_annulation" and possible.action_id is not None:
        action = Action.objects.get(pk=possible.action_id, facture=facture)
        recyclage.confirmer_annulation(
            action=action, utilisateur=utilisateur, le=le, reponse=_texte(donnees, "reponse")
        )
        fait.succes.append(
            "Annulation confirmée : la facture porte le rejet « annulée à la demande du "
            "professionnel ». Défacturez-la puis recyclez-la."
        )
    else:  # pragma: no cover - every offered code is handled above
        raise OperationRefusee("Action inconnue.")
    return fait
