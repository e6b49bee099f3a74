"""Building and sending lots, and collecting what comes back (DOMAIN.md section 2, steps 3–5).

One lot per professional, kind of part and destination organisme: for an FSE, the caisse that
the Table des Organismes Destinataires gives for the beneficiary's régime, caisse and centre;
for a DRE, the mutuelle (AMC). Lots are numbered in the professional's own sequence, written in
the project's lot layout (REJETS-LOT-1, docs/formats/lot-rejets.md), and handed to the adapter
when sent: each part is then transmitted in its lot, in the same transaction. The digital pieces
of mode dégradé invoices go in SCOR lots of their own (`rejets.transmission.pieces`), sent
before the lots so the caisse has them when it judges the invoices.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from rejets.cabinets.models import Cabinet, Professionnel
from rejets.domain.lifecycle import Etat, TypePartie
from rejets.domain.scellement import empreinte, scellement_court
from rejets.factures import services as factures
from rejets.factures.models import Facture, Partie, TiersPayant
from rejets.formats.disposition import dispositions_livrees
from rejets.formats.fixe import EcrivainFixe
from rejets.lots.models import Lot
from rejets.referentiels.models import Organisme, TypeOrganisme
from rejets.retours.importation import RapportRetour, importer_retour

from .adaptateurs import PREFIXE_ACCUSE, Adaptateur, adaptateur_configure, ecrire_atomiquement
from .contenu import contenu_securise
from .models import LotScor, Mode, Securisation, StatutSecurisation
from .services import AccuseInvalide, enregistrer_accuse

ETATS_A_TRANSMETTRE = (Etat.SECURISEE, Etat.A_RETRANSMETTRE)
TIERS_PAYANT_DU_LOT = {TiersPayant.AUCUN: "N", TiersPayant.AMO: "O", TiersPayant.AMO_AMC: "C"}
NUMERO_LOT_MAX = 99_999


class LotImpossible(factures.OperationRefusee):
    """A lot cannot be built or sent; the message says why, in French."""


@dataclass
class RapportConstruction:
    lots: list[Lot] = field(default_factory=list)
    lots_scor: list[LotScor] = field(default_factory=list)
    refus: list[str] = field(default_factory=list)
    avertissements: list[str] = field(default_factory=list)

    def resume(self) -> dict[str, Any]:
        return {
            "lots": [
                {"numero": lot.numero, "partie": lot.type_partie, "fichier": lot.fichier}
                for lot in self.lots
            ],
            "lots_scor": [lot.numero for lot in self.lots_scor],
            "refus": self.refus,
            "avertissements": self.avertissements,
        }


def dossier_des_lots(cabinet: Cabinet) -> Path:
    return Path(settings.REJETS_FICHIERS_DIR) / "lots" / str(cabinet.pk)


def prochain_numero_lot(professionnel: Professionnel) -> str:
    """The next number of the professional's lots (FSE, DRE and SCOR share one sequence); the
    professional's row is locked so two builders never take one number."""
    Professionnel.objects.select_for_update().get(pk=professionnel.pk)
    numeros = [
        *Lot.objects.filter(professionnel=professionnel).values_list("numero", flat=True),
        *LotScor.objects.filter(professionnel=professionnel).values_list("numero", flat=True),
    ]
    dernier = max((int(n) for n in numeros if n.isdigit()), default=0)
    if dernier >= NUMERO_LOT_MAX:
        raise LotImpossible(
            f"Plus aucun n° de lot libre pour {professionnel} (dernier : {dernier})."
        )
    return f"{dernier + 1:05d}"


def exiger_actes_valorises(facture: Facture) -> None:
    """A lot carries each act with its amount (B2: the invoice closes with the sum of its
    acts), so an invoice imported without its acts' amounts must be valued first."""
    for a in facture.actes.all():
        if a.montant is None:
            raise LotImpossible(
                f"Facture {facture.numero} : l'acte {a.lettre_cle} du {a.date:%d/%m/%Y} n'a pas "
                "de montant ; cotez la facture (rejets factures coter) avant de la mettre en lot."
            )


def caisse_destinataire(
    regime: str, caisse: str, centre: str, memoire: dict[tuple[str, str, str], Any] | None = None
) -> Organisme | None:
    """The caisse the TOD names for a beneficiary's régime, caisse and centre (then centre
    0000), as an Organisme; `memoire` spares a query per invoice when building many lots."""
    cle = (regime, caisse, centre)
    if memoire is not None and cle in memoire:
        return memoire[cle]
    from rejets.referentiels.tod import organisme_destinataire

    entree = organisme_destinataire(regime=regime, caisse=caisse, centre=centre)
    organisme = (
        None
        if entree is None
        else Organisme.objects.get_or_create(
            type=TypeOrganisme.CAISSE,
            code=entree.organisme_destinataire,
            defaults={"libelle": entree.libelle},
        )[0]
    )
    if memoire is not None:
        memoire[cle] = organisme
    return organisme


def destination(
    partie: Partie, memoire: dict[tuple[str, str, str], Any] | None = None
) -> Organisme:
    """The organisme that receives the part: the TOD's for an FSE, the mutuelle for a DRE."""
    f = partie.facture
    if partie.type == TypePartie.DRE:
        if partie.organisme is None:
            raise LotImpossible(
                f"Facture {f.numero} : la DRE n'a pas de mutuelle (organisme AMC) ; "
                "renseignez le contrat AMC du patient."
            )
        return partie.organisme
    organisme = caisse_destinataire(f.regime, f.caisse, f.centre, memoire)
    if organisme is not None:
        return organisme
    if partie.organisme is not None:
        return partie.organisme
    raise LotImpossible(
        f"Facture {f.numero} : régime {f.regime}, caisse {f.caisse}, centre {f.centre} absents "
        "de la Table des Organismes Destinataires ; importez la TOD (rejets referentiels tod) "
        "ou corrigez la caisse du patient."
    )


def parties_a_transmettre(cabinet: Cabinet) -> Any:
    """Parts secured (or to re-send after a negative ARL) that are not in a lot awaiting sending."""
    return (
        Partie.objects.filter(cabinet=cabinet, etat__in=ETATS_A_TRANSMETTRE)
        .exclude(lot__isnull=False, lot__date_envoi__isnull=True)
        .select_related(
            "organisme",
            "facture__professionnel",
            "facture__patient",
            "facture__prescription",
        )
        .order_by("facture__professionnel_id", "type", "facture__numero")
    )


def _securisations(factures_: list[Facture]) -> dict[int, Securisation]:
    return {
        s.facture_id: s
        for s in Securisation.objects.filter(
            facture__in=factures_, statut=StatutSecurisation.ACCORDEE
        )
    }


def _ecrire_lot(
    lot: Lot, parties: list[Partie], securisations: dict[int, Securisation], le: date
) -> bytes:
    disposition = next(d for d in dispositions_livrees() if d.identifiant == "REJETS-LOT-1")
    flux = io.BytesIO()
    w = EcrivainFixe(disposition, flux)
    w.ouvrir(
        "0",
        disposition=disposition.identifiant,
        numero_ps=lot.professionnel.numero_am,
        numero_lot=lot.numero,
        partie=lot.type_partie.upper(),
        organisme=lot.organisme.code if lot.organisme else "",
        date_creation=le,
    )
    for partie in parties:
        f = partie.facture
        s = securisations.get(f.pk)
        mode = s.mode if s is not None else Mode.VITALE
        digest = s.empreinte if s is not None else empreinte(contenu_securise(f, mode=mode))
        p = f.prescription
        amc = next(
            (x.organisme.code for x in f.parties.all() if x.type == TypePartie.DRE and x.organisme),
            "",
        )
        w.ouvrir(
            "2",
            numero_facture=int(f.numero),
            nir=f.patient.nir,
            date_soins=f.date_soins,
            montant_total=f.total,
            part_amo=f.part_amo,
            part_amc=f.part_amc,
            regime=f.regime,
            caisse=f.caisse,
            centre=f.centre,
            nature_assurance=f.nature_assurance,
            exoneration=f.exoneration,
            rang=f.patient.rang,
            tiers_payant=TIERS_PAYANT_DU_LOT[TiersPayant(f.tiers_payant)],
            date_prescription=p.date if p else None,
            prescripteur=p.prescripteur_rpps if p else "",
            domicile=("O" if p.a_domicile else "N") if p else "",
            mode="D" if mode == Mode.DEGRADE else "V",
            scellement=scellement_court(digest),
            numero_amc=amc if f.tiers_payant == TiersPayant.AMO_AMC else "",
        )
        for a in f.actes.all():
            w.ecrire(
                "3",
                date=a.date,
                lettre_cle=a.lettre_cle,
                coefficient=int(a.coefficient * 1000),
                montant=a.montant,
            )
        w.fermer()
    w.fermer()
    w.terminer()
    return flux.getvalue()


@transaction.atomic
def construire_lots(
    *, cabinet: Cabinet, utilisateur: User, le: date, professionnel: Professionnel | None = None
) -> RapportConstruction:
    """Put every part to transmit in a new lot of its destination, write the lot files, and
    build the SCOR lots of the mode dégradé pieces. A part that cannot go (no destination) is
    reported and stays in its queue."""
    from .pieces import construire_lots_scor

    rapport = RapportConstruction()
    rapport.lots_scor = construire_lots_scor(
        cabinet=cabinet,
        le=le,
        utilisateur=utilisateur,
        professionnel=professionnel,
        rapport=rapport,
    )
    parties = list(
        parties_a_transmettre(cabinet).prefetch_related(
            "facture__actes", "facture__parties__organisme"
        )
    )
    if professionnel is not None:
        parties = [p for p in parties if p.facture.professionnel_id == professionnel.pk]
    groupes: dict[tuple[int, str, int], list[Partie]] = defaultdict(list)
    memoire: dict[tuple[str, str, str], Any] = {}
    for partie in parties:
        try:
            exiger_actes_valorises(partie.facture)
            organisme = destination(partie, memoire)
        except LotImpossible as exc:
            rapport.refus.append(str(exc))
            continue
        groupes[(partie.facture.professionnel_id, partie.type, organisme.pk)].append(partie)
    organismes = Organisme.objects.in_bulk({k[2] for k in groupes})
    factures_ = [p.facture for ps in groupes.values() for p in ps]
    securisations = _securisations(factures_)
    for (_pro, type_partie, organisme_id), membres in sorted(groupes.items()):
        pro = membres[0].facture.professionnel
        lot = Lot.objects.create(
            cabinet=cabinet,
            professionnel=pro,
            numero=prochain_numero_lot(pro),
            type_partie=type_partie,
            organisme=organismes[organisme_id],
            construit_le=le,
        )
        contenu = _ecrire_lot(lot, membres, securisations, le)
        nom = f"LOT-{pro.numero_am}-{type_partie.upper()}-{lot.numero}.txt"
        ecrire_atomiquement(dossier_des_lots(cabinet) / nom, contenu)
        lot.fichier = nom
        lot.save(update_fields=["fichier"])
        Partie.objects.filter(pk__in=[p.pk for p in membres]).update(lot=lot)
        rapport.lots.append(lot)
    return rapport


def lots_a_envoyer(cabinet: Cabinet) -> Any:
    return Lot.objects.filter(cabinet=cabinet, date_envoi__isnull=True).exclude(fichier="")


@dataclass
class RapportEnvoi:
    lots: list[str] = field(default_factory=list)
    lots_scor: list[str] = field(default_factory=list)
    factures: int = 0

    def resume(self) -> dict[str, Any]:
        return {"lots": self.lots, "lots_scor": self.lots_scor, "parties_transmises": self.factures}


def envoyer_lots(
    *, cabinet: Cabinet, utilisateur: User, le: date, adaptateur: Adaptateur | None = None
) -> RapportEnvoi:
    """Hand every built lot to the adapter: SCOR lots first, then each lot in its own
    transaction, its parts transmitted in it."""
    from .pieces import envoyer_lots_scor

    adaptateur = adaptateur or adaptateur_configure()
    rapport = RapportEnvoi()
    rapport.lots_scor = envoyer_lots_scor(cabinet=cabinet, le=le, adaptateur=adaptateur)
    for lot_id in lots_a_envoyer(cabinet).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            lot = Lot.objects.select_for_update().select_related("professionnel").get(pk=lot_id)
            if lot.date_envoi is not None:
                continue
            chemin = dossier_des_lots(cabinet) / lot.fichier
            if not chemin.is_file():
                raise LotImpossible(
                    f"Lot {lot.numero} : son fichier {lot.fichier} est introuvable dans "
                    f"{chemin.parent} ; reconstruisez les lots."
                )
            parties = Partie.objects.filter(lot=lot, etat__in=ETATS_A_TRANSMETTRE).select_related(
                "facture"
            )
            for partie in parties:
                factures.transmettre(
                    facture=partie.facture,
                    partie=TypePartie(partie.type),
                    lot=lot,
                    le=le,
                    utilisateur=utilisateur,
                )
                rapport.factures += 1
            lot.date_envoi = le
            lot.save(update_fields=["date_envoi"])
            adaptateur.envoyer_lot(chemin=chemin, le=le)
            rapport.lots.append(lot.numero)
    return rapport


@dataclass
class RapportCollecte:
    accuses: list[str] = field(default_factory=list)
    retours: list[RapportRetour] = field(default_factory=list)
    refus: list[str] = field(default_factory=list)

    def resume(self) -> dict[str, Any]:
        return {
            "accuses": self.accuses,
            "retours": [r.resume() for r in self.retours],
            "refus": self.refus,
        }


def _ranger(chemin: Path, traites: Path, le: date) -> None:
    """Processed files are kept, never deleted, under traites/AAAAMMJJ/."""
    cible = traites / le.strftime("%Y%m%d")
    cible.mkdir(parents=True, exist_ok=True)
    nom = chemin.name
    n = 1
    while (cible / nom).exists():
        n += 1
        nom = re.sub(r"(\.[^.]*)?$", rf"-{n}\g<1>", chemin.name, count=1)
    chemin.replace(cible / nom)


def collecter(
    *,
    utilisateur: User,
    le: date,
    perimetre: set[int] | None,
    adaptateur: Adaptateur | None = None,
) -> RapportCollecte:
    """Read everything that came back in the inbox: the certified component's
    acknowledgements, then the ARL and return files through the normal import
    (`rejets.retours.importation.importer_retour`). Each file is then filed under traites/."""
    adaptateur = adaptateur or adaptateur_configure()
    rapport = RapportCollecte()
    for chemin in adaptateur.collecter(le=le):
        if chemin.name.startswith(PREFIXE_ACCUSE):
            try:
                rapport.accuses.append(
                    enregistrer_accuse(chemin=chemin, utilisateur=utilisateur, perimetre=perimetre)
                )
            except (AccuseInvalide, factures.OperationRefusee) as exc:
                rapport.refus.append(str(exc))
        else:
            rapport.retours.append(
                importer_retour(
                    chemin=chemin, nom=chemin.name, utilisateur=utilisateur, perimetre=perimetre
                )
            )
        _ranger(chemin, adaptateur.dossiers.traites, le)
    return rapport
