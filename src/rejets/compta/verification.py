"""`rejets compta verifier`: re-check the whole book and list every discrepancy.

Checks, per cabinet: every journal balanced and non-empty, its postings on its own cabinet and
invoice; per invoice, billed = paid + written off + outstanding (DOMAIN.md section 9), the
ledger agreeing with the recorded payments and deposits, and each part's state agreeing with
what its payer still owes; the stored overall state equal to the one derived from the parts;
the suspense account equal to the payments awaiting allocation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum

from rejets.cabinets.models import Cabinet
from rejets.domain import ledger, lifecycle
from rejets.domain.ledger import Payeur
from rejets.domain.lifecycle import Etat, Evenement, TypePartie
from rejets.domain.money import format_euros
from rejets.factures.models import (
    Acompte,
    EvenementFacture,
    Facture,
    Paiement,
    Partie,
    UtilisationAcompte,
)
from rejets.factures.services import PAYEUR_DE_LA_PARTIE

from .models import Ecriture, Journal

ETATS_SANS_CREANCE = frozenset(
    {
        Etat.PAYEE,
        Etat.FORCLOSE,
        Etat.ABANDONNEE,
        Etat.DEFACTUREE,
        Etat.RECYCLEE,
        Etat.ANNULEE,
        Etat.FACTUREE_PATIENT,
    }
)
"""The part's payer owes nothing more (a part billed to the patient: the patient owes it)."""
ETATS_A_RESTE_PARTIEL = frozenset({Etat.REJETEE, Etat.FACTUREE_MUTUELLE})


@dataclass(frozen=True)
class Anomalie:
    cabinet: str
    objet: str
    message: str

    def __str__(self) -> str:
        return f"[{self.cabinet}] {self.objet} : {self.message}"


def verifier(cabinets: Iterable[Cabinet]) -> list[Anomalie]:
    anomalies: list[Anomalie] = []
    for cabinet in cabinets:
        anomalies += _journaux(cabinet)
        anomalies += _factures(cabinet)
        anomalies += _attente(cabinet)
    return anomalies


def _attente(cabinet: Cabinet) -> list[Anomalie]:
    """The suspense account holds exactly the payments still awaiting allocation."""
    from rejets.retours.models import PaiementEnAttente

    solde = (
        Ecriture.objects.filter(cabinet=cabinet, compte=ledger.Compte.ATTENTE).aggregate(
            s=Sum("montant")
        )["s"]
        or 0
    )
    en_attente = (
        PaiementEnAttente.objects.filter(cabinet=cabinet, affecte_le__isnull=True).aggregate(
            s=Sum("montant")
        )["s"]
        or 0
    )
    if -solde == en_attente:
        return []
    return [
        Anomalie(
            cabinet.code,
            "paiements en attente d'affectation",
            f"le compte d'attente porte {format_euros(-solde)}, les paiements en attente "
            f"{format_euros(en_attente)}",
        )
    ]


def _journaux(cabinet: Cabinet) -> list[Anomalie]:
    anomalies = []
    journaux = (
        Journal.objects.filter(cabinet=cabinet)
        .annotate(solde=Sum("ecritures__montant"), lignes=Count("ecritures"))
        .filter(Q(lignes=0) | ~Q(solde=0))
    )
    for j in journaux:
        objet = f"journal n° {j.pk} ({j.get_nature_display()} du {j.date:%d/%m/%Y})"
        message = (
            "journal sans écriture" if j.lignes == 0 else f"déséquilibré de {format_euros(j.solde)}"
        )
        anomalies.append(Anomalie(cabinet.code, objet, message))
    egarees = (
        Ecriture.objects.filter(journal__cabinet=cabinet)
        .filter(
            ~Q(cabinet=cabinet)
            | Q(journal__facture__isnull=True, facture__isnull=False)
            | Q(journal__facture__isnull=False, facture__isnull=True)
            | (Q(journal__facture__isnull=False) & ~Q(facture_id=F("journal__facture_id")))
        )
        .values_list("journal_id", flat=True)
        .distinct()
    )
    anomalies += [
        Anomalie(
            cabinet.code,
            f"journal n° {pk}",
            "écritures rattachées à un autre cabinet ou à une autre facture que leur journal",
        )
        for pk in egarees
    ]
    return anomalies


def _factures(cabinet: Cabinet) -> list[Anomalie]:
    mouvements: dict[int, list[ledger.Mouvement]] = defaultdict(list)
    for r in (
        Ecriture.objects.filter(cabinet=cabinet, facture__isnull=False)
        .values("facture_id", "journal__nature", "compte")
        .annotate(montant=Sum("montant"))
    ):
        mouvements[r["facture_id"]].append(
            ledger.Mouvement(
                ledger.NatureJournal(r["journal__nature"]), ledger.Compte(r["compte"]), r["montant"]
            )
        )
    payes: dict[tuple[int, str], int] = defaultdict(int)
    for r in (
        Paiement.objects.filter(cabinet=cabinet)
        .values("facture_id", "payeur")
        .annotate(s=Sum("montant"))
    ):
        payes[(r["facture_id"], r["payeur"])] = r["s"]
    acomptes_crees = dict(
        Acompte.objects.filter(cabinet=cabinet)
        .values("facture_origine_id")
        .annotate(s=Sum("montant"))
        .values_list("facture_origine_id", "s")
    )
    acomptes_utilises = dict(
        UtilisationAcompte.objects.filter(cabinet=cabinet)
        .values("facture_id")
        .annotate(s=Sum("montant"))
        .values_list("facture_id", "s")
    )
    parties: dict[int, list[Partie]] = defaultdict(list)
    for p in Partie.objects.filter(cabinet=cabinet):
        parties[p.facture_id].append(p)

    # Unbilled or cancelled: the negative counterpart cancelled the billing, whatever came next.
    defacturees = set(
        EvenementFacture.objects.filter(
            cabinet=cabinet, evenement__in=[Evenement.DEFACTURER, Evenement.ANNULER]
        ).values_list("facture_id", flat=True)
    )
    anomalies = []
    for facture in Facture.objects.filter(cabinet=cabinet).order_by("pk"):
        objet = f"facture {facture.numero}"

        def signaler(message: str, objet: str = objet) -> None:
            anomalies.append(Anomalie(cabinet.code, objet, message))

        etats = {TypePartie(p.type): Etat(p.etat) for p in parties[facture.pk]}
        if TypePartie.FSE not in etats:
            signaler("facture sans partie FSE")
            continue
        derive = lifecycle.etat_facture(etats)
        if facture.etat != derive:
            signaler(
                f"état enregistré « {Etat(facture.etat).libelle} », état déduit des parties "
                f"« {derive.libelle} »"
            )
        mvts = mouvements.get(facture.pk, [])
        bilan = ledger.bilan(mvts)
        if not bilan.conserve:
            signaler(
                f"facturé {format_euros(bilan.facture_nette)} ≠ payé {format_euros(bilan.paye)}"
                f" + perdu {format_euros(bilan.perdu)} + reste dû {format_euros(bilan.reste)}"
            )
        paye_enregistre = (
            sum(payes[(facture.pk, p.value)] for p in Payeur)
            - acomptes_crees.get(facture.pk, 0)
            + acomptes_utilises.get(facture.pk, 0)
        )
        if bilan.paye != paye_enregistre:
            signaler(
                f"paiements enregistrés {format_euros(paye_enregistre)}, comptabilisés "
                f"{format_euros(bilan.paye)}"
            )
        facturee = any(m.nature is ledger.NatureJournal.FACTURATION for m in mvts)
        if not facturee:
            if mvts:
                signaler("écritures sur une facture jamais facturée")
            if set(etats.values()) & lifecycle.ETATS_FIGES:
                signaler("facture figée sans journal de facturation")
            continue
        attendu = 0 if facture.pk in defacturees else facture.total
        if bilan.facture_nette != attendu:
            signaler(
                f"facturé net {format_euros(bilan.facture_nette)}, attendu {format_euros(attendu)}"
            )
        for partie in parties[facture.pk]:
            anomalies.extend(_partie(cabinet, facture, partie, bilan))
    return anomalies


def _partie(
    cabinet: Cabinet, facture: Facture, partie: Partie, bilan: ledger.BilanFacture
) -> list[Anomalie]:
    type_partie = TypePartie(partie.type)
    etat = Etat(partie.etat)
    reste = bilan.reste_du.get(PAYEUR_DE_LA_PARTIE[type_partie], 0)
    probleme = None
    if etat in ETATS_SANS_CREANCE and reste:
        probleme = f"reste dû {format_euros(reste)} alors qu'elle est « {etat.libelle} »"
    elif etat is Etat.PAYEE_PARTIELLEMENT and not 0 < reste < partie.montant:
        probleme = f"payée partiellement mais reste dû {format_euros(reste)}"
    elif etat in ETATS_A_RESTE_PARTIEL and not 0 < reste <= partie.montant:
        probleme = f"{etat.libelle.lower()} mais reste dû {format_euros(reste)}"
    elif (
        etat not in ETATS_SANS_CREANCE | ETATS_A_RESTE_PARTIEL | {Etat.PAYEE_PARTIELLEMENT}
        and reste != partie.montant
    ):
        probleme = (
            f"reste dû {format_euros(reste)} au lieu de {format_euros(partie.montant)} à "
            f"l'état « {etat.libelle} »"
        )
    if reste < 0:
        probleme = f"créance négative de {format_euros(reste)}"
    if probleme is None:
        return []
    return [Anomalie(cabinet.code, f"facture {facture.numero}, {type_partie.libelle}", probleme)]
