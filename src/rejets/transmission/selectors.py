"""The five queues of a teletransmission screen (DOMAIN.md section 2, step 3): FSE à sécuriser,
DRE à sécuriser, FSE à transmettre, DRE à transmettre, fichiers à transmettre. Read only
through the cabinets the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from rejets.cabinets.models import Cabinet
from rejets.cabinets.selectors import cabinets_visibles
from rejets.domain.lifecycle import Etat, TypePartie
from rejets.factures.models import Facture, Partie
from rejets.lots.models import Lot

from .lots import ETATS_A_TRANSMETTRE
from .models import LotScor, Piece, StatutSecurisation
from .pieces import EtatPieces, etat_des_pieces, factures_en_mode_degrade


@dataclass
class AttenteSecurisation:
    facture: Facture
    demandee: bool
    """True when the request went to the certified component and its answer is awaited."""


@dataclass
class ATransmettre:
    partie: Partie
    lot: Lot | None
    """The built lot awaiting sending, if the part is already in one."""


@dataclass
class PiecesATransmettre:
    facture: Facture
    pieces: EtatPieces


@dataclass
class FilesTransmission:
    cabinet: Cabinet
    fse_a_securiser: list[AttenteSecurisation] = field(default_factory=list)
    dre_a_securiser: list[AttenteSecurisation] = field(default_factory=list)
    fse_a_transmettre: list[ATransmettre] = field(default_factory=list)
    dre_a_transmettre: list[ATransmettre] = field(default_factory=list)
    lots_a_envoyer: list[Lot] = field(default_factory=list)
    lots_scor_a_envoyer: list[LotScor] = field(default_factory=list)
    pieces: list[PiecesATransmettre] = field(default_factory=list)
    """Mode dégradé invoices whose pieces have not gone yet, complete (green) or not (red)."""


class CabinetInaccessible(LookupError):
    pass


def files_de_transmission(cabinet: Cabinet, *, parmi: QuerySet[Cabinet]) -> FilesTransmission:
    """The queues of `cabinet`, if it is among `parmi` (`cabinets_visibles(utilisateur)`)."""
    if not parmi.filter(pk=cabinet.pk).exists():
        raise CabinetInaccessible(f"Cabinet « {cabinet.code} » introuvable.")
    files = FilesTransmission(cabinet=cabinet)
    demandees = set(
        Facture.objects.filter(
            cabinet=cabinet, securisations__statut=StatutSecurisation.DEMANDEE
        ).values_list("pk", flat=True)
    )
    a_securiser = Partie.objects.filter(cabinet=cabinet, etat=Etat.PRETE).select_related(
        "facture__patient", "facture__professionnel"
    )
    for p in a_securiser.order_by("facture__date_soins", "facture__numero"):
        attente = AttenteSecurisation(p.facture, p.facture_id in demandees)
        (files.fse_a_securiser if p.type == TypePartie.FSE else files.dre_a_securiser).append(
            attente
        )
    a_transmettre = Partie.objects.filter(
        cabinet=cabinet, etat__in=ETATS_A_TRANSMETTRE
    ).select_related("facture__patient", "facture__professionnel", "lot", "organisme")
    for p in a_transmettre.order_by("facture__date_soins", "facture__numero"):
        lot = p.lot if p.lot is not None and p.lot.date_envoi is None else None
        cible = files.fse_a_transmettre if p.type == TypePartie.FSE else files.dre_a_transmettre
        cible.append(ATransmettre(p, lot))
    files.lots_a_envoyer = list(
        Lot.objects.filter(cabinet=cabinet, date_envoi__isnull=True)
        .exclude(fichier="")
        .select_related("professionnel", "organisme")
        .order_by("pk")
    )
    files.lots_scor_a_envoyer = list(
        LotScor.objects.filter(cabinet=cabinet, date_envoi__isnull=True)
        .select_related("professionnel", "organisme")
        .order_by("pk")
    )
    for f in factures_en_mode_degrade(cabinet).select_related("patient").order_by("numero"):
        etat = etat_des_pieces(f)
        if not etat.envoyees:
            files.pieces.append(PiecesATransmettre(f, etat))
    return files


def pieces_visibles(utilisateur: User | AnonymousUser) -> QuerySet[Piece]:
    """The digital pieces (care sheets, scans) of the cabinets the user may see."""
    return Piece.objects.filter(cabinet__in=cabinets_visibles(utilisateur))
