"""The daily deadline run (`rejets suivi echeances`), safe to run twice:

1. parts past forclusion with no valid claim standing (never transmitted, to retransmit,
   rejected, défacturée and not recycled — never a received lot nor a traitement caisse, whose
   claim the caisse holds) move to forclose, the loss posted (L.332-1 CSS);
2. the worklist is rebuilt: every invoice that needs a person (rejected, to retransmit,
   traitement caisse too long, silent unpaid, not sent within R.161-47's delay, unbilled and not
   recycled, recycled but not retransmitted, mode dégradé copy to send, patient part unpaid) and
   every payment awaiting allocation, with its amount at stake and its priority. Owners and
   snoozes are kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet, Sum

from rejets.cabinets.models import Cabinet
from rejets.compta.models import Ecriture
from rejets.domain.cotation import jours_feries
from rejets.domain.delais import (
    date_forclusion,
    date_limite_envoi,
    soins_forclos_avant,
)
from rejets.domain.ledger import Compte
from rejets.domain.lifecycle import TRANSITIONS, Etat, Evenement, TypePartie
from rejets.factures import services as factures
from rejets.factures.models import Facture, Partie, Rejet, TiersPayant
from rejets.recyclage.models import STATUTS_OUVERTS, Action, TypeAction
from rejets.retours.models import PaiementEnAttente

from .models import ElementATraiter, Motif

JOURS_SANS_FORCLUSION = 30
"""Items with no forclusion date (money awaiting allocation) count as 30 days away."""
ETATS_FORCLOSABLES = TRANSITIONS[Evenement.FORCLORE].depuis
ETATS_NON_TRANSMIS = frozenset({Etat.BROUILLON, Etat.PRETE, Etat.SECURISEE})


def _reglage(nom: str, defaut: Any) -> Any:
    return getattr(settings, nom, defaut)


def annees_forclusion() -> int:
    return int(_reglage("REJETS_FORCLUSION_ANNEES", 2))


def priorite(montant: int, date_forclusion_: date | None, le: date) -> int:
    """Amount at stake (centimes) ÷ days left before forclusion, at least 1 day."""
    jours = (date_forclusion_ - le).days if date_forclusion_ else JOURS_SANS_FORCLUSION
    return max(montant, 0) * 1000 // max(1, jours)


@dataclass
class RapportEcheances:
    le: date
    forcloses: list[str] = field(default_factory=list)
    crees: int = 0
    mis_a_jour: int = 0
    retires: int = 0
    par_motif: dict[str, int] = field(default_factory=dict)

    def resume(self) -> dict[str, Any]:
        return {
            "le": self.le.isoformat(),
            "forcloses": self.forcloses,
            "elements_crees": self.crees,
            "elements_mis_a_jour": self.mis_a_jour,
            "elements_retires": self.retires,
            "a_traiter_par_motif": self.par_motif,
        }


def forclore_les_echues(*, cabinets: QuerySet[Cabinet], le: date, utilisateur: User) -> list[str]:
    """Each part past forclusion whose state leaves no valid claim standing, time-barred with
    its loss posted; a second run finds nothing more to do."""
    limite = soins_forclos_avant(le, annees=annees_forclusion())
    parties = (
        Partie.objects.filter(
            cabinet__in=cabinets,
            etat__in=list(ETATS_FORCLOSABLES),
            facture__date_soins__lt=limite,
        )
        .select_related("facture")
        .order_by("facture_id", "type")
    )
    faites = []
    for p in parties:
        with transaction.atomic():
            factures.forclore(
                facture=p.facture, partie=TypePartie(p.type), utilisateur=utilisateur, le=le
            )
        faites.append(f"{p.facture.numero} {TypePartie(p.type).libelle}")
    return faites


def _feries(annees: Iterable[int]) -> frozenset[date]:
    return frozenset().union(*(jours_feries(a) for a in annees))


def _elements(cabinets: QuerySet[Cabinet], le: date) -> dict[str, dict[str, Any]]:
    """What the worklist must hold today, keyed by a stable key."""
    annees = annees_forclusion()
    elements: dict[str, dict[str, Any]] = {}

    def ajouter(
        cle: str,
        motif: Motif,
        cabinet_id: int,
        montant: int,
        depuis: date,
        forclusion: date | None,
        **autres: Any,
    ) -> None:
        elements[cle] = {
            "cabinet_id": cabinet_id,
            "motif": motif.value,
            "montant": montant,
            "depuis": depuis,
            "date_forclusion": forclusion,
            "priorite": priorite(montant, forclusion, le),
            "facture_id": autres.get("facture_id"),
            "partie": autres.get("partie", ""),
            "paiement_en_attente_id": autres.get("paiement_en_attente_id"),
            "organisme_id": autres.get("organisme_id"),
            "famille": autres.get("famille", ""),
            "detail": autres.get("detail", "")[:300],
        }

    parties = Partie.objects.filter(cabinet__in=cabinets).exclude(
        etat__in=[Etat.PAYEE, Etat.RECYCLEE, Etat.ANNULEE, Etat.FORCLOSE, Etat.ABANDONNEE]
    )
    colonnes = (
        "pk",
        "cabinet_id",
        "facture_id",
        "type",
        "etat",
        "montant",
        "organisme_id",
        "organisme__delai_sans_retour",
        "date_transmission",
        "facture__date_soins",
        "facture__tiers_payant",
        "facture__recyclee_de_id",
        "facture__numero",
    )
    lignes = list(parties.values(*colonnes))
    rejetees = [x["facture_id"] for x in lignes if x["etat"] == Etat.REJETEE]
    derniers: dict[tuple[int, str], tuple[str, str, date]] = {}
    for facture_id, partie, code, libelle, jour in (
        Rejet.objects.filter(facture_id__in=rejetees)
        .order_by("pk")
        .values_list("facture_id", "partie", "code", "libelle", "date")
    ):
        derniers[(facture_id, partie)] = (code, libelle, jour)
    from rejets.referentiels.codes import analyser_en_lot

    analyses = analyser_en_lot({(c, lib) for c, lib, _ in derniers.values()})
    feries = _feries(range(le.year - 3, le.year + 1))
    tc_trop_long = int(_reglage("REJETS_DELAI_TRAITEMENT_CAISSE_JOURS", 30))
    deja_facture: set[int] = set()
    for x in lignes:
        etat = Etat(x["etat"])
        soins = x["facture__date_soins"]
        forclusion = date_forclusion(soins, annees=annees)
        commun = {
            "facture_id": x["facture_id"],
            "partie": x["type"],
            "organisme_id": x["organisme_id"],
        }
        cle = f"{x['facture_id']}:{x['type']}"
        if etat is Etat.REJETEE:
            code, libelle, jour = derniers.get((x["facture_id"], x["type"]), ("", "", soins))
            analyse = analyses.get((code, libelle))
            famille = analyse.famille.value if analyse and analyse.famille else ""
            ajouter(
                f"rejet:{cle}",
                Motif.REJET,
                x["cabinet_id"],
                x["montant"],
                jour,
                forclusion,
                famille=famille,
                detail=f"[{code}] {libelle}",
                **commun,
            )
        elif etat is Etat.A_RETRANSMETTRE:
            ajouter(
                f"arl:{cle}",
                Motif.A_RETRANSMETTRE,
                x["cabinet_id"],
                x["montant"],
                x["date_transmission"] or soins,
                forclusion,
                detail="Réémettre le lot : la facture est inchangée.",
                **commun,
            )
        elif etat is Etat.EN_TRAITEMENT_CAISSE:
            depuis = x["date_transmission"] or soins
            if (le - depuis).days > tc_trop_long:
                ajouter(
                    f"tc:{cle}",
                    Motif.TRAITEMENT_CAISSE,
                    x["cabinet_id"],
                    x["montant"],
                    depuis,
                    forclusion,
                    detail="La caisse étudie la facture depuis trop longtemps : contactez-la.",
                    **commun,
                )
        elif etat is Etat.LOT_RECU:
            depuis = x["date_transmission"] or soins
            delai = int(
                x["organisme__delai_sans_retour"] or _reglage("REJETS_DELAI_SANS_RETOUR_JOURS", 30)
            )
            if le > depuis + timedelta(days=delai):
                ajouter(
                    f"silence:{cle}",
                    Motif.IMPAYE_SANS_RETOUR,
                    x["cabinet_id"],
                    x["montant"],
                    depuis,
                    forclusion,
                    detail=(
                        f"Lot reçu, aucun retour après {delai} jours : vérifiez les paiements "
                        "reçus, les retours du lot et l'affiliation du patient, puis faites une "
                        "réclamation (pas un duplicata)."
                    ),
                    **commun,
                )
        elif etat in ETATS_NON_TRANSMIS and x["facture_id"] not in deja_facture:
            deja_facture.add(x["facture_id"])
            if x["facture__recyclee_de_id"]:
                ajouter(
                    f"recyclee:{x['facture_id']}",
                    Motif.RECYCLEE_NON_RETRANSMISE,
                    x["cabinet_id"],
                    x["montant"],
                    soins,
                    forclusion,
                    facture_id=x["facture_id"],
                    detail="Recyclée : sécurisez-la et envoyez-la.",
                )
                continue
            limite = date_limite_envoi(
                soins, tiers_payant=x["facture__tiers_payant"] != TiersPayant.AUCUN, feries=feries
            )
            if le > limite:
                ajouter(
                    f"envoi:{x['facture_id']}",
                    Motif.ENVOI_EN_RETARD,
                    x["cabinet_id"],
                    x["montant"],
                    soins,
                    forclusion,
                    facture_id=x["facture_id"],
                    detail=f"À envoyer depuis le {limite:%d/%m/%Y} (R.161-47 CSS).",
                )
    for f in Facture.objects.filter(
        cabinet__in=cabinets, etat=Etat.DEFACTUREE, recyclee_en=None
    ).values("pk", "cabinet_id", "total", "date_soins"):
        ajouter(
            f"defacturee:{f['pk']}",
            Motif.DEFACTUREE,
            f["cabinet_id"],
            f["total"],
            f["date_soins"],
            date_forclusion(f["date_soins"], annees=annees),
            facture_id=f["pk"],
            detail="Dans la liste des recyclages : corrigez et recyclez.",
        )
    for a in Action.objects.filter(
        cabinet__in=cabinets, type=TypeAction.COPIE_DEGRADEE, statut__in=STATUTS_OUVERTS
    ).values("pk", "cabinet_id", "facture_id", "facture__total", "facture__date_soins"):
        ajouter(
            f"copie:{a['pk']}",
            Motif.COPIE_DEGRADEE,
            a["cabinet_id"],
            a["facture__total"],
            a["facture__date_soins"],
            date_forclusion(a["facture__date_soins"], annees=annees),
            facture_id=a["facture_id"],
            detail="Envoyez la copie de la feuille de soins et le bordereau à la caisse.",
        )
    age_patient = int(_reglage("REJETS_DELAI_PART_PATIENT_JOURS", 30))
    for r in (
        Ecriture.objects.filter(
            cabinet__in=cabinets,
            compte=Compte.CREANCE_PATIENT,
            facture__date_soins__lt=le - timedelta(days=age_patient),
        )
        .values("facture_id", "cabinet_id", "facture__date_soins")
        .annotate(reste=Sum("montant"))
        .filter(reste__gt=0)
    ):
        ajouter(
            f"patient:{r['facture_id']}",
            Motif.PART_PATIENT,
            r["cabinet_id"],
            r["reste"],
            r["facture__date_soins"],
            None,
            facture_id=r["facture_id"],
            detail="Part du patient impayée : relancez le patient.",
        )
    for p in PaiementEnAttente.objects.filter(cabinet__in=cabinets, affecte_le__isnull=True).values(
        "pk", "cabinet_id", "montant", "date", "motif"
    ):
        ajouter(
            f"attente:{p['pk']}",
            Motif.PAIEMENT_EN_ATTENTE,
            p["cabinet_id"],
            abs(p["montant"]),
            p["date"],
            None,
            paiement_en_attente_id=p["pk"],
            detail=p["motif"],
        )
    return elements


CHAMPS_RAFRAICHIS = (
    "motif",
    "montant",
    "depuis",
    "date_forclusion",
    "priorite",
    "facture_id",
    "partie",
    "paiement_en_attente_id",
    "organisme_id",
    "famille",
    "detail",
    "cabinet_id",
)


@transaction.atomic
def rafraichir(*, cabinets: QuerySet[Cabinet], le: date, rapport: RapportEcheances) -> None:
    """Rebuild the stored worklist of `cabinets` for day `le`, keeping owners and snoozes."""
    voulus = _elements(cabinets, le)
    existants = {e.cle: e for e in ElementATraiter.objects.filter(cabinet__in=cabinets)}
    a_creer, a_mettre_a_jour = [], []
    for cle, valeurs in voulus.items():
        e = existants.get(cle)
        if e is None:
            a_creer.append(ElementATraiter(cle=cle, rafraichi_le=le, **valeurs))
            continue
        if any(getattr(e, c) != valeurs[c] for c in CHAMPS_RAFRAICHIS) or e.rafraichi_le != le:
            for c in CHAMPS_RAFRAICHIS:
                setattr(e, c, valeurs[c])
            e.rafraichi_le = le
            a_mettre_a_jour.append(e)
    perimes = [e.pk for cle, e in existants.items() if cle not in voulus]
    ElementATraiter.objects.filter(pk__in=perimes).delete()
    ElementATraiter.objects.bulk_create(a_creer, batch_size=2000)
    ElementATraiter.objects.bulk_update(
        a_mettre_a_jour, [*CHAMPS_RAFRAICHIS, "rafraichi_le"], batch_size=2000
    )
    rapport.crees += len(a_creer)
    rapport.mis_a_jour += len(a_mettre_a_jour)
    rapport.retires += len(perimes)
    for v in voulus.values():
        rapport.par_motif[v["motif"]] = rapport.par_motif.get(v["motif"], 0) + 1


def executer(
    *, cabinets: QuerySet[Cabinet] | None = None, le: date, utilisateur: User
) -> RapportEcheances:
    """The daily run: forclusion, then the worklist. Idempotent for a given day."""
    cabinets = cabinets if cabinets is not None else Cabinet.objects.all()
    rapport = RapportEcheances(le=le)
    rapport.forcloses = forclore_les_echues(cabinets=cabinets, le=le, utilisateur=utilisateur)
    rafraichir(cabinets=cabinets, le=le, rapport=rapport)
    return rapport
