"""Lifecycle of an invoice: the states of its FSE and DRE parts and the moves allowed between them.

An invoice (facture) has an FSE part (the claim on the caisse, AMO) and, in tiers payant with a
mutuelle, a DRE part (the claim on the AMC). Each part has its own state; the invoice's overall
state is derived from its parts by `etat_facture` (rule stated there). Every move is a row of
`TRANSITIONS`, marked part-level (it moves one part) or invoice-level (it moves every part at
once). Anything not in the table is forbidden and raises `TransitionInterdite`.

Sources: DOMAIN.md sections 2 and 3 (ameli « Le retour NOEMIE », seeds « Annuler une facture »
and « Gestion des rejets »). Published, with its diagram, in docs/lifecycle.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Etat(StrEnum):
    """States of a part (FSE or DRE); the value is the stored ASCII identifier."""

    BROUILLON = "brouillon"
    PRETE = "prete"
    SECURISEE = "securisee"
    EXPORTEE = "exportee"
    TRANSMISE = "transmise"
    A_RETRANSMETTRE = "a_retransmettre"
    LOT_RECU = "lot_recu"
    EN_TRAITEMENT_CAISSE = "en_traitement_caisse"
    PAYEE_PARTIELLEMENT = "payee_partiellement"
    PAYEE = "payee"
    REJETEE = "rejetee"
    DEFACTUREE = "defacturee"
    RECYCLEE = "recyclee"
    ANNULEE = "annulee"
    FORCLOSE = "forclose"
    ABANDONNEE = "abandonnee"
    FACTUREE_PATIENT = "facturee_patient"
    FACTUREE_MUTUELLE = "facturee_mutuelle"

    @property
    def libelle(self) -> str:
        return LIBELLES_ETATS[self]


LIBELLES_ETATS: Mapping[Etat, str] = {
    Etat.BROUILLON: "Brouillon",
    Etat.PRETE: "Prête",
    Etat.SECURISEE: "Sécurisée",
    Etat.EXPORTEE: "Exportée (à transmettre par le logiciel de facturation)",
    Etat.TRANSMISE: "Transmise",
    Etat.A_RETRANSMETTRE: "À retransmettre (ARL négatif)",
    Etat.LOT_RECU: "Lot reçu (ARL positif)",
    Etat.EN_TRAITEMENT_CAISSE: "En traitement caisse",
    Etat.PAYEE_PARTIELLEMENT: "Payée partiellement",
    Etat.PAYEE: "Payée",
    Etat.REJETEE: "Rejetée",
    Etat.DEFACTUREE: "Défacturée",
    Etat.RECYCLEE: "Recyclée",
    Etat.ANNULEE: "Annulée",
    Etat.FORCLOSE: "Forclose",
    Etat.ABANDONNEE: "Abandonnée",
    Etat.FACTUREE_PATIENT: "Facturée au patient",
    Etat.FACTUREE_MUTUELLE: "Facturée à la mutuelle (papier)",
}


class TypePartie(StrEnum):
    """The two parts of an invoice: the FSE (caisse, AMO) and the DRE (mutuelle, AMC)."""

    FSE = "fse"
    DRE = "dre"

    @property
    def libelle(self) -> str:
        return "FSE" if self is TypePartie.FSE else "DRE"


class Niveau(StrEnum):
    """Whether a transition moves one part or the whole invoice."""

    PARTIE = "partie"
    FACTURE = "facture"


class Evenement(StrEnum):
    """Lifecycle events: the name of each move, stored in the invoice's events."""

    PREPARER = "preparer"
    MODIFIER = "modifier"
    SECURISER = "securiser"
    EXPORTER = "exporter"
    TRANSMETTRE = "transmettre"
    ARL_POSITIF = "arl_positif"
    ARL_NEGATIF = "arl_negatif"
    RETRANSMETTRE = "retransmettre"
    METTRE_EN_TRAITEMENT_CAISSE = "mettre_en_traitement_caisse"
    PAYER_PARTIELLEMENT = "payer_partiellement"
    PAYER = "payer"
    REJETER = "rejeter"
    INDU = "indu"
    ABANDONNER = "abandonner"
    FORCLORE = "forclore"
    ANNULER = "annuler"
    DEFACTURER = "defacturer"
    RECYCLER = "recycler"
    FACTURER_PATIENT = "facturer_patient"
    FACTURER_MUTUELLE = "facturer_mutuelle"

    @property
    def libelle(self) -> str:
        return TRANSITIONS[self].libelle


@dataclass(frozen=True)
class Transition:
    """One row of the transition table: from any of `depuis`, the event leads to `vers`."""

    evenement: Evenement
    niveau: Niveau
    depuis: frozenset[Etat]
    vers: Etat
    libelle: str
    regle: str


def _t(
    evenement: Evenement, niveau: Niveau, depuis: set[Etat], vers: Etat, libelle: str, regle: str
) -> Transition:
    return Transition(evenement, niveau, frozenset(depuis), vers, libelle, regle)


E = Etat
_ENVOYEE_SANS_REPONSE = {E.TRANSMISE, E.LOT_RECU, E.EXPORTEE}
_ATTEND_UN_PAIEMENT = {
    *_ENVOYEE_SANS_REPONSE,
    E.EN_TRAITEMENT_CAISSE,
    E.PAYEE_PARTIELLEMENT,
    E.FACTUREE_MUTUELLE,
}
_JAMAIS_TRANSMISE = {E.BROUILLON, E.PRETE, E.SECURISEE}

TRANSITIONS: Mapping[Evenement, Transition] = {
    t.evenement: t
    for t in (
        _t(
            Evenement.PREPARER,
            Niveau.PARTIE,
            {E.BROUILLON},
            E.PRETE,
            "Préparer (contrôles passés)",
            "Les contrôles avant envoi sont passés ou forcés avec une raison.",
        ),
        _t(
            Evenement.MODIFIER,
            Niveau.PARTIE,
            {E.PRETE},
            E.BROUILLON,
            "Remettre en brouillon pour correction",
            "Une facture prête mais non sécurisée peut encore être modifiée.",
        ),
        _t(
            Evenement.SECURISER,
            Niveau.PARTIE,
            {E.PRETE},
            E.SECURISEE,
            "Sécuriser",
            "Seul l'adaptateur de télétransmission sécurise ; le contenu est alors figé.",
        ),
        _t(
            Evenement.EXPORTER,
            Niveau.PARTIE,
            {E.PRETE},
            E.EXPORTEE,
            "Exporter vers le logiciel de facturation",
            "Mode back-office : le logiciel de facturation signe et transmet la facture.",
        ),
        _t(
            Evenement.TRANSMETTRE,
            Niveau.PARTIE,
            {E.SECURISEE, E.EXPORTEE},
            E.TRANSMISE,
            "Transmettre dans un lot",
            "Une partie sécurisée part dans un lot vers son organisme destinataire ; une partie "
            "exportée est transmise quand son lot est connu.",
        ),
        _t(
            Evenement.ARL_POSITIF,
            Niveau.PARTIE,
            {E.TRANSMISE},
            E.LOT_RECU,
            "ARL positif",
            "Le lot a été lu par l'organisme ; ce n'est pas une promesse de paiement.",
        ),
        _t(
            Evenement.ARL_NEGATIF,
            Niveau.PARTIE,
            {E.TRANSMISE},
            E.A_RETRANSMETTRE,
            "ARL négatif",
            "Le fichier est rejeté techniquement : le lot est à réémettre, la facture est "
            "inchangée.",
        ),
        _t(
            Evenement.RETRANSMETTRE,
            Niveau.PARTIE,
            {E.A_RETRANSMETTRE},
            E.TRANSMISE,
            "Retransmettre dans un nouveau lot",
            "Après un ARL négatif, la même facture repart dans un nouveau lot.",
        ),
        _t(
            Evenement.METTRE_EN_TRAITEMENT_CAISSE,
            Niveau.PARTIE,
            _ENVOYEE_SANS_REPONSE,
            E.EN_TRAITEMENT_CAISSE,
            "Mise en traitement caisse",
            "La caisse étudie la facture et paiera ou rejettera plus tard : attendre.",
        ),
        _t(
            Evenement.PAYER_PARTIELLEMENT,
            Niveau.PARTIE,
            _ATTEND_UN_PAIEMENT,
            E.PAYEE_PARTIELLEMENT,
            "Paiement partiel",
            "Un paiement reçu laisse un reste dû sur la partie.",
        ),
        _t(
            Evenement.PAYER,
            Niveau.PARTIE,
            _ATTEND_UN_PAIEMENT,
            E.PAYEE,
            "Paiement",
            "Le paiement solde la partie.",
        ),
        _t(
            Evenement.REJETER,
            Niveau.PARTIE,
            {*_ENVOYEE_SANS_REPONSE, E.EN_TRAITEMENT_CAISSE, E.FACTUREE_MUTUELLE},
            E.REJETEE,
            "Rejet (électronique ou papier)",
            "Le rejet porte un code et un libellé, conservés tels que reçus.",
        ),
        _t(
            Evenement.INDU,
            Niveau.PARTIE,
            {E.PAYEE, E.PAYEE_PARTIELLEMENT},
            E.REJETEE,
            "Indu (somme reprise par l'organisme)",
            "L'organisme reprend tout ou partie d'un paiement : la somme redevient due et la "
            "partie passe au traitement des rejets, avec le code et le libellé reçus.",
        ),
        _t(
            Evenement.ABANDONNER,
            Niveau.PARTIE,
            {E.REJETEE, E.DEFACTUREE, E.FACTUREE_PATIENT, E.FACTUREE_MUTUELLE},
            E.ABANDONNEE,
            "Abandonner",
            "La créance est passée en perte, avec une raison.",
        ),
        _t(
            Evenement.FACTURER_PATIENT,
            Niveau.PARTIE,
            {E.REJETEE},
            E.FACTUREE_PATIENT,
            "Facturer le patient",
            "Quand refacturer n'est pas la voie, la part rejetée devient une créance sur le "
            "patient, avec sa facture au patient.",
        ),
        _t(
            Evenement.FACTURER_MUTUELLE,
            Niveau.PARTIE,
            {E.REJETEE},
            E.FACTUREE_MUTUELLE,
            "Facturer la mutuelle (papier)",
            "La DRE rejetée est demandée à la mutuelle par une demande papier ; elle paiera ou "
            "rejettera comme pour une DRE transmise.",
        ),
        _t(
            Evenement.FORCLORE,
            Niveau.PARTIE,
            {*_JAMAIS_TRANSMISE, E.EXPORTEE, E.A_RETRANSMETTRE, E.REJETEE, E.DEFACTUREE},
            E.FORCLOSE,
            "Forclusion",
            "Passé le délai de L.332-1 CSS sans demande valable en cours, la créance est "
            "perdue ; jamais pour un lot reçu ni une facture en traitement caisse.",
        ),
        _t(
            Evenement.ANNULER,
            Niveau.FACTURE,
            _JAMAIS_TRANSMISE,
            E.ANNULEE,
            "Annuler (jamais transmise)",
            "Une facture jamais transmise s'annule dans le logiciel ; une facture transmise ne "
            "s'annule pas.",
        ),
        _t(
            Evenement.DEFACTURER,
            Niveau.FACTURE,
            {*_JAMAIS_TRANSMISE, E.REJETEE},
            E.DEFACTUREE,
            "Défacturer",
            "Une facture transmise ne se défacture que si elle porte un rejet (électronique ou "
            "papier) ; une facture jamais transmise se défacture sans rejet.",
        ),
        _t(
            Evenement.RECYCLER,
            Niveau.FACTURE,
            {E.DEFACTUREE},
            E.RECYCLEE,
            "Recycler (refacturer sous un nouveau numéro)",
            "La facture corrigée est refacturée sous un nouveau numéro ; l'ancienne pointe "
            "vers la nouvelle.",
        ),
    )
}
del E

ETATS_FINAUX: frozenset[Etat] = frozenset(
    {Etat.RECYCLEE, Etat.ANNULEE, Etat.FORCLOSE, Etat.ABANDONNEE}
)
"""States from which no transition leaves (payée is left only by an indu)."""

ETATS_JAMAIS_TRANSMIS: frozenset[Etat] = frozenset(_JAMAIS_TRANSMISE)
"""States of a part that was never sent to an organisme by Rejets or by the billing software."""

EVENEMENTS_D_UNE_FACTURE_RECUE: frozenset[Evenement] = frozenset(
    {
        Evenement.TRANSMETTRE,
        Evenement.RETRANSMETTRE,
        Evenement.ARL_POSITIF,
        Evenement.ARL_NEGATIF,
        Evenement.METTRE_EN_TRAITEMENT_CAISSE,
        Evenement.PAYER,
        Evenement.PAYER_PARTIELLEMENT,
        Evenement.REJETER,
        Evenement.INDU,
    }
)
"""Events that prove an organisme received the invoice (sent by Rejets or, for an exported
invoice, by the billing software): from then on it is transmitted, and never deleted."""

ETATS_DUS_EN_ENTIER: frozenset[Etat] = frozenset(
    {
        Etat.SECURISEE,
        Etat.EXPORTEE,
        Etat.TRANSMISE,
        Etat.A_RETRANSMETTRE,
        Etat.LOT_RECU,
        Etat.EN_TRAITEMENT_CAISSE,
    }
)
"""States in which the payer owes the whole part: billed, nothing paid nor written off yet
(`rejets compta verifier` checks it against the book)."""

ETATS_FIGES: frozenset[Etat] = frozenset(
    {
        Etat.SECURISEE,
        Etat.EXPORTEE,
        Etat.TRANSMISE,
        Etat.A_RETRANSMETTRE,
        Etat.LOT_RECU,
        Etat.EN_TRAITEMENT_CAISSE,
        Etat.PAYEE_PARTIELLEMENT,
        Etat.PAYEE,
        Etat.REJETEE,
        Etat.FACTUREE_PATIENT,
        Etat.FACTUREE_MUTUELLE,
    }
)
"""States a part reaches only after its content was frozen (sécurisée or exportée), hence only
once the invoice's billing journal exists."""


class TransitionInterdite(Exception):
    """A move that the transition table does not allow; the message names the invoice, the
    state and the move, in French."""

    def __init__(
        self,
        facture: str,
        evenement: Evenement,
        etat: Etat,
        partie: TypePartie | None = None,
        raison: str | None = None,
    ) -> None:
        self.facture = facture
        self.evenement = evenement
        self.etat = etat
        self.partie = partie
        quoi = f"{partie.libelle} de la facture" if partie else "facture"
        autorises = ", ".join(sorted(e.libelle for e in TRANSITIONS[evenement].depuis))
        message = (
            f"Facture {facture} : « {evenement.libelle} » est interdit pour la {quoi} "
            f"à l'état « {etat.libelle} » (autorisé depuis : {autorises})."
        )
        if raison:
            message += f" {raison}"
        super().__init__(message)


def transition(evenement: Evenement) -> Transition:
    return TRANSITIONS[evenement]


def suivant(facture: str, evenement: Evenement, etat: Etat, partie: TypePartie) -> Etat:
    """The state a part-level event moves one part to, or `TransitionInterdite`."""
    t = TRANSITIONS[evenement]
    if t.niveau is not Niveau.PARTIE:
        raise ValueError(f"{evenement} est une transition de niveau facture")
    if etat not in t.depuis:
        raise TransitionInterdite(facture, evenement, etat, partie)
    return t.vers


def appliquer(
    facture: str,
    evenement: Evenement,
    etats: Mapping[TypePartie, Etat],
    partie: TypePartie | None = None,
) -> dict[TypePartie, Etat]:
    """New part states after `evenement`.

    A part-level event moves only `partie`; an invoice-level event moves every part and is
    allowed only if every part is in one of its source states.
    """
    t = TRANSITIONS[evenement]
    nouveaux = dict(etats)
    if t.niveau is Niveau.PARTIE:
        if partie is None:
            raise ValueError(f"{evenement} : transition de partie, la partie manque")
        if partie not in etats:
            raise TransitionInterdite(
                facture,
                evenement,
                etat_facture(etats),
                partie,
                raison=f"La facture n'a pas de partie {partie.libelle}.",
            )
        nouveaux[partie] = suivant(facture, evenement, etats[partie], partie)
        return nouveaux
    for type_partie, etat in etats.items():
        if etat not in t.depuis:
            raise TransitionInterdite(facture, evenement, etat, type_partie)
    return {type_partie: t.vers for type_partie in etats}


def est_permise(
    evenement: Evenement, etats: Mapping[TypePartie, Etat], partie: TypePartie | None = None
) -> bool:
    t = TRANSITIONS[evenement]
    if t.niveau is Niveau.PARTIE:
        return partie is not None and partie in etats and etats[partie] in t.depuis
    return all(etat in t.depuis for etat in etats.values())


def evenements_permis(
    etats: Mapping[TypePartie, Etat],
) -> list[tuple[Evenement, TypePartie | None]]:
    """Every move allowed now: the actions a screen may offer, and only those."""
    permis: list[tuple[Evenement, TypePartie | None]] = []
    for evenement, t in TRANSITIONS.items():
        if t.niveau is Niveau.FACTURE:
            if est_permise(evenement, etats):
                permis.append((evenement, None))
        else:
            permis.extend((evenement, p) for p in etats if est_permise(evenement, etats, p))
    return permis


PRIORITE_ETATS: tuple[Etat, ...] = (
    Etat.REJETEE,
    Etat.A_RETRANSMETTRE,
    Etat.EN_TRAITEMENT_CAISSE,
    Etat.BROUILLON,
    Etat.PRETE,
    Etat.SECURISEE,
    Etat.EXPORTEE,
    Etat.TRANSMISE,
    Etat.LOT_RECU,
    Etat.FACTUREE_MUTUELLE,
    Etat.PAYEE_PARTIELLEMENT,
    Etat.FACTUREE_PATIENT,
    Etat.DEFACTUREE,
    Etat.PAYEE,
    Etat.RECYCLEE,
    Etat.ABANDONNEE,
    Etat.FORCLOSE,
    Etat.ANNULEE,
)
"""From the state that most needs a person to the most settled one."""

_EN_ATTENTE = frozenset({Etat.TRANSMISE, Etat.LOT_RECU, Etat.EXPORTEE})
_A_RECU_DE_L_ARGENT = frozenset({Etat.PAYEE, Etat.PAYEE_PARTIELLEMENT})


def etat_facture(etats: Mapping[TypePartie, Etat]) -> Etat:
    """The invoice's overall state, derived from its parts.

    Rule: (1) with only an FSE, the invoice has the FSE's state; (2) otherwise it has the state
    of the part that most needs a person, in the order of `PRIORITE_ETATS`; (3) except that when
    one part has received money (payée, payée partiellement) and the other is only waiting
    (transmise, lot reçu, exportée), the invoice is « payée partiellement ».
    """
    if not etats:
        raise ValueError("une facture a au moins sa partie FSE")
    valeurs = set(etats.values())
    if len(valeurs) == 1:
        return next(iter(valeurs))
    if valeurs & _A_RECU_DE_L_ARGENT and valeurs - _A_RECU_DE_L_ARGENT <= _EN_ATTENTE:
        return Etat.PAYEE_PARTIELLEMENT
    return min(valeurs, key=PRIORITE_ETATS.index)
