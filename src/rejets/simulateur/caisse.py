"""The simulated caisses and mutuelles: receive lots and SCOR pieces, answer with files.

`Simulateur` reads lot files (REJETS-LOT-1) and SCOR manifests, judges every invoice against
its own registers (`rejets.simulateur.models`) with `jugement.juger`, and writes ARL
(REJETS-ARL-1) and return files (REJETS-RETOURS-1) into `boite`, the practice's inbox, which
the practice imports through its normal import. It never reads nor writes the practice's
tables. Everything is deterministic for a seed: dates are passed in, draws are seeded per
invoice. Description: docs/simulateur.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from stdnum.exceptions import ValidationError

from rejets.domain.identifiants import nir as nir_module
from rejets.domain.tarifs import Catalogue, catalogue_par_defaut

from .jugement import (
    DELAI_REPONSE,
    ContratAmc,
    Decision,
    DroitsConnus,
    FactureLue,
    Faits,
    Forcage,
    Issue,
    TableCodes,
    Taux,
    decision_forcee,
    graine_facture,
    juger,
    table_codes,
)
from .lot import (
    EnTeteLot,
    LigneReponse,
    LotIllisible,
    Virement,
    contenu_arl,
    contenu_retour,
    ecrire_atomiquement,
    en_tete_brut,
    lire_lot,
    organisme_9,
)
from .models import (
    AssureConnu,
    ContratConnu,
    FactureConnue,
    FichierEmis,
    IssueForcee,
    LotRecu,
    NatureFichier,
    NatureReponse,
    PieceRecue,
    ReponsePrevue,
    TypePiece,
)

__all__ = [
    "TAUX_PAR_DEFAUT",
    "ContratSituation",
    "PieceRefusee",
    "ReceptionLot",
    "ReceptionPieces",
    "Simulateur",
    "SimulateurErreur",
    "SituationDroits",
]

TAUX_PAR_DEFAUT = Taux()
DISPOSITION_SCOR = "REJETS-SCOR-1"
CODE_INFORMATION_TRAITEMENT = "SN01"
_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "image": (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"),
}
_NOM_SUR = re.compile(r"[^A-Za-z0-9]+")


class SimulateurErreur(Exception):
    """Demande refusée par le simulateur ; message en français, sans NIR."""


def _jj(jour: date) -> str:
    return jour.strftime("%d/%m/%Y")


def _sur(texte: str) -> str:
    """A piece of a file name: letters and digits only."""
    return _NOM_SUR.sub("_", texte.strip()) or "X"


def _numero_facture(valeur: str) -> str:
    valeur = str(valeur).strip()
    if not valeur.isdigit() or len(valeur) > 9 or int(valeur) == 0:
        raise SimulateurErreur(
            f"N° de facture « {valeur} » : 9 chiffres au plus, non nul, sont attendus."
        )
    return valeur.zfill(9)


# ------------------------------------------------------------------ reports


@dataclass(frozen=True)
class ReceptionLot:
    """What became of a lot: accepted (positive ARL, invoices registered) or refused whole
    (negative ARL, nothing else). `issues` counts the first answers decided."""

    fichier: str
    numero_ps: str
    partie: str
    numero_lot: str
    organisme: str
    accepte: bool
    factures: int
    total: int
    arl: Path | None
    code_motif: str = ""
    motif: str = ""
    deja_recu: bool = False
    issues: Mapping[str, int] = field(default_factory=dict)

    def en_json(self) -> dict[str, Any]:
        return {
            "fichier": self.fichier,
            "numero_ps": self.numero_ps,
            "partie": self.partie,
            "numero_lot": self.numero_lot,
            "organisme": self.organisme,
            "arl": "positif" if self.accepte else "negatif",
            "code_motif": self.code_motif,
            "motif": self.motif,
            "factures": self.factures,
            "total": self.total,
            "fichier_arl": str(self.arl) if self.arl else None,
            "deja_recu": self.deja_recu,
            "issues": dict(self.issues),
        }


@dataclass(frozen=True)
class PieceRefusee:
    fichier: str
    numero_facture: str
    raison: str


@dataclass(frozen=True)
class ReceptionPieces:
    """A SCOR manifest: pieces registered, already known, refused (with the reason)."""

    manifeste: str
    numero_ps: str
    numero_lot: str
    acceptees: int
    deja_recues: int
    refusees: tuple[PieceRefusee, ...]

    def en_json(self) -> dict[str, Any]:
        return {
            "manifeste": self.manifeste,
            "numero_ps": self.numero_ps,
            "numero_lot": self.numero_lot,
            "acceptees": self.acceptees,
            "deja_recues": self.deja_recues,
            "refusees": [
                {"fichier": r.fichier, "numero_facture": r.numero_facture, "raison": r.raison}
                for r in self.refusees
            ],
        }


@dataclass(frozen=True)
class ContratSituation:
    numero_amc: str
    debut: date
    fin: date | None
    valide: bool


@dataclass(frozen=True)
class SituationDroits:
    """A rights lookup on the simulator's registers, as ADRi answers for a real caisse."""

    rang: int
    le: date
    connu: bool
    regime: str = ""
    caisse: str = ""
    centre: str = ""
    droits_debut: date | None = None
    droits_fin: date | None = None
    droits_ouverts: bool = False
    exoneration: str = ""
    nature_assurance: str = ""
    contrats: tuple[ContratSituation, ...] = ()
    resume: str = ""

    def en_json(self) -> dict[str, Any]:
        """Everything but the NIR, dates as AAAA-MM-JJ."""

        def iso(jour: date | None) -> str | None:
            return jour.isoformat() if jour else None

        return {
            "rang": self.rang,
            "le": self.le.isoformat(),
            "connu": self.connu,
            "regime": self.regime,
            "caisse": self.caisse,
            "centre": self.centre,
            "droits_debut": iso(self.droits_debut),
            "droits_fin": iso(self.droits_fin),
            "droits_ouverts": self.droits_ouverts,
            "exoneration": self.exoneration,
            "nature_assurance": self.nature_assurance,
            "contrats": [
                {
                    "numero_amc": c.numero_amc,
                    "debut": iso(c.debut),
                    "fin": iso(c.fin),
                    "valide": c.valide,
                }
                for c in self.contrats
            ],
            "resume": self.resume,
        }


# ------------------------------------------------------------------ the simulator


class Simulateur:
    """The insurers' side of the teletransmission cycle, on one machine."""

    def __init__(
        self,
        *,
        boite: Path,
        graine: int = 0,
        taux: Taux = TAUX_PAR_DEFAUT,
        catalogue: Catalogue | None = None,
        codes: TableCodes | None = None,
    ) -> None:
        self.boite = Path(boite)
        self.graine = graine
        self.taux = taux
        self.catalogue = catalogue if catalogue is not None else catalogue_par_defaut()
        self.codes = codes if codes is not None else table_codes()

    # --- registers

    def inscrire_assure(
        self,
        *,
        nir: str,
        rang: int = 1,
        regime: str,
        caisse: str,
        centre: str,
        droits_debut: date,
        droits_fin: date | None = None,
        exoneration: str = "0",
        nature_assurance: str = "10",
        nom: str = "",
    ) -> AssureConnu:
        """Writes (or replaces) what the caisse knows of a beneficiary (NIR and rang)."""
        nir = self._nir(nir)
        for valeur, longueur, quoi in (
            (regime, 2, "régime"),
            (caisse, 3, "caisse"),
            (centre, 4, "centre"),
            (nature_assurance, 2, "nature d'assurance"),
            (exoneration, 1, "exonération"),
        ):
            if len(valeur) != longueur or not valeur.isalnum():
                raise SimulateurErreur(f"{quoi.capitalize()} « {valeur} » : {longueur} caractères.")
        if droits_fin is not None and droits_fin < droits_debut:
            raise SimulateurErreur("La fin des droits précède leur ouverture.")
        assure, _ = AssureConnu.objects.update_or_create(
            nir=nir,
            rang=self._rang(rang),
            defaults={
                "nom": nom,
                "regime": regime,
                "caisse": caisse,
                "centre": centre,
                "droits_debut": droits_debut,
                "droits_fin": droits_fin,
                "exoneration": exoneration,
                "nature_assurance": nature_assurance,
            },
        )
        return assure

    def inscrire_contrat(
        self,
        *,
        nir: str,
        rang: int = 1,
        numero_amc: str,
        debut: date,
        fin: date | None = None,
    ) -> ContratConnu:
        """Writes (or replaces) a mutuelle's contract for a beneficiary under an AMC number."""
        nir = self._nir(nir)
        numero_amc = numero_amc.strip()
        if not 1 <= len(numero_amc) <= 10 or not numero_amc.isalnum():
            raise SimulateurErreur(f"N° AMC « {numero_amc} » : 10 lettres ou chiffres au plus.")
        if fin is not None and fin < debut:
            raise SimulateurErreur("La fin du contrat précède son début.")
        contrat, _ = ContratConnu.objects.update_or_create(
            nir=nir,
            rang=self._rang(rang),
            numero_amc=numero_amc,
            defaults={"debut": debut, "fin": fin},
        )
        return contrat

    @staticmethod
    def _nir(nir: str) -> str:
        try:
            return nir_module.validate(nir)
        except ValidationError as erreur:
            raise SimulateurErreur(f"NIR refusé : {erreur}") from None

    @staticmethod
    def _rang(rang: int) -> int:
        if not 1 <= rang <= 9:
            raise SimulateurErreur(f"Rang « {rang} » : un chiffre de 1 à 9.")
        return rang

    def droits(self, *, nir: str, rang: int = 1, le: date) -> SituationDroits:
        """What the caisse and the mutuelles know of a beneficiary at a date (ADRi-like)."""
        nir = self._nir(nir)
        contrats = tuple(
            ContratSituation(
                c.numero_amc, c.debut, c.fin, ContratAmc(c.numero_amc, c.debut, c.fin).valide(le)
            )
            for c in ContratConnu.objects.filter(nir=nir, rang=rang).order_by("numero_amc")
        )
        texte_contrats = (
            "aucun contrat AMC connu"
            if not contrats
            else "; ".join(
                f"contrat AMC {c.numero_amc} "
                + ("valide" if c.valide else "non valide")
                + f" (du {_jj(c.debut)}"
                + (f" au {_jj(c.fin)})" if c.fin else ")")
                for c in contrats
            )
        )
        a = AssureConnu.objects.filter(nir=nir, rang=rang).first()
        if a is None:
            return SituationDroits(
                rang=rang,
                le=le,
                connu=False,
                contrats=contrats,
                resume=f"Rang {rang} : bénéficiaire inconnu de la caisse au {_jj(le)} ; "
                f"{texte_contrats}.",
            )
        droits = DroitsConnus(a.regime, a.caisse, a.centre, a.droits_debut, a.droits_fin)
        ouverts = droits.ouverts(le)
        if ouverts:
            etat = f"droits ouverts au {_jj(le)} (depuis le {_jj(a.droits_debut)}"
            etat += f", jusqu'au {_jj(a.droits_fin)})" if a.droits_fin else ")"
        elif a.droits_fin is not None and le > a.droits_fin:
            etat = f"droits fermés au {_jj(le)} (depuis le {_jj(a.droits_fin)})"
        else:
            etat = f"droits pas encore ouverts au {_jj(le)} (ouverture le {_jj(a.droits_debut)})"
        return SituationDroits(
            rang=rang,
            le=le,
            connu=True,
            regime=a.regime,
            caisse=a.caisse,
            centre=a.centre,
            droits_debut=a.droits_debut,
            droits_fin=a.droits_fin,
            droits_ouverts=ouverts,
            exoneration=a.exoneration,
            nature_assurance=a.nature_assurance,
            contrats=contrats,
            resume=f"Rang {rang} : régime {a.regime}, caisse {a.caisse}, centre {a.centre} ; "
            f"{etat} ; exonération {a.exoneration} ; nature d'assurance "
            f"{a.nature_assurance} ; {texte_contrats}.",
        )

    # --- forced outcomes

    def forcer(
        self,
        *,
        partie: str,
        numero_ps: str,
        numero_facture: str,
        issue: Issue | str,
        code: str = "",
    ) -> str:
        """Imposes an outcome on an invoice, for its next receptions; an invoice already
        received and not yet answered is re-planned at once. Returns a French sentence."""
        if partie not in ("FSE", "DRE"):
            raise SimulateurErreur(f"Partie « {partie} » : FSE ou DRE.")
        try:
            issue = Issue(issue)
        except ValueError:
            raise SimulateurErreur(
                f"Issue « {issue} » : parmi {', '.join(i.value for i in Issue)}."
            ) from None
        numero_facture = _numero_facture(numero_facture)
        numero_ps = numero_ps.strip()
        forcage = Forcage(issue, code.strip().upper())
        try:
            decision_forcee(
                1, partie, forcage, taux=self.taux, rng=random.Random(0), codes=self.codes
            )
        except ValueError as erreur:
            raise SimulateurErreur(str(erreur)) from None
        with transaction.atomic():
            IssueForcee.objects.update_or_create(
                partie=partie,
                numero_ps=numero_ps,
                numero_facture=numero_facture,
                defaults={"issue": issue.value, "code": forcage.code},
            )
            derniere = (
                FactureConnue.objects.select_for_update()
                .filter(partie=partie, numero_ps=numero_ps, numero_facture=numero_facture)
                .order_by("-reception")
                .first()
            )
            quoi = f"{partie} {numero_facture} du professionnel {numero_ps}"
            if derniere is None:
                return f"Issue « {issue.libelle} » imposée à la {quoi}, pour sa réception."
            if derniere.reponses.filter(fichier__isnull=False).exists():
                return (
                    f"Issue « {issue.libelle} » imposée à la {quoi} ; elle a déjà reçu une "
                    "réponse : l'issue vaudra pour sa prochaine réception."
                )
            derniere.reponses.all().delete()
            rng = random.Random(
                graine_facture(self.graine, partie, numero_ps, numero_facture, derniere.reception)
            )
            decision = decision_forcee(
                derniere.montant_demande,
                partie,
                forcage,
                taux=self.taux,
                rng=rng,
                codes=self.codes,
            )
            self._planifier(derniere, decision, derniere.recue_le)
            return (
                f"Issue « {issue.libelle} » imposée à la {quoi}, déjà reçue : réponse replanifiée."
            )

    # --- lots

    def recevoir_lot(self, chemin: Path, *, le: date) -> ReceptionLot:
        """Receives a lot file: negative ARL at once if unreadable (nothing else); otherwise a
        positive ARL at once, every invoice judged and its answers planned. The same file
        received again after acceptance changes nothing and reports the first reception."""
        chemin = Path(chemin)
        try:
            contenu = chemin.read_bytes()
        except OSError as erreur:
            raise SimulateurErreur(f"Lot « {chemin} » illisible : {erreur.strerror}.") from None
        empreinte = hashlib.sha256(contenu).hexdigest()
        precedent = LotRecu.objects.filter(sha256=empreinte, accepte=True).first()
        if precedent is not None:
            return self._rapport(precedent, deja_recu=True)
        try:
            lot = lire_lot(contenu, chemin.name)
        except LotIllisible as faute:
            return self._refuser(chemin.name, empreinte, contenu, faute, le)
        t = lot.en_tete
        with transaction.atomic():
            recu = LotRecu.objects.create(
                nom_fichier=chemin.name,
                sha256=empreinte,
                numero_ps=t.numero_ps,
                partie=t.partie,
                numero_lot=t.numero_lot,
                organisme=t.organisme,
                recu_le=le,
                accepte=True,
                nombre_factures=len(lot.factures),
                total=lot.total,
            )
            issues: Counter[str] = Counter()
            delai_du_lot = self.delai_du_lot(contenu)
            for facture in lot.factures:
                decision = self._enregistrer(recu, facture, le, delai_du_lot)
                issues[decision.issue.value] += 1
            fichier, chemin_arl = self._emettre_arl(t, le, positif=True)
            recu.arl = fichier
            recu.save(update_fields=["arl"])
        return self._rapport(recu, issues=issues, arl=chemin_arl)

    def delai_du_lot(self, contenu: bytes) -> int:
        """Days from reception to the answers of a lot's payments and rejections, drawn once
        per lot (seeded by the seed, the lot's header and its content)."""
        t = en_tete_brut(contenu)
        empreinte = hashlib.sha256(contenu).hexdigest()
        graine = f"{self.graine}:lot:{t.numero_ps}:{t.partie}:{t.numero_lot}:{empreinte}"
        return random.Random(graine).randint(*DELAI_REPONSE)

    def _refuser(
        self, nom: str, empreinte: str, contenu: bytes, faute: LotIllisible, le: date
    ) -> ReceptionLot:
        t = en_tete_brut(contenu)
        motif = self.codes[faute.code]
        with transaction.atomic():
            fichier, chemin_arl = self._emettre_arl(
                t, le, positif=False, code_motif=motif.code, motif=motif.libelle
            )
            recu = LotRecu.objects.create(
                nom_fichier=nom,
                sha256=empreinte,
                numero_ps=t.numero_ps,
                partie=t.partie,
                numero_lot=t.numero_lot,
                organisme=t.organisme,
                recu_le=le,
                accepte=False,
                code_motif=motif.code,
                motif=faute.raison,
                arl=fichier,
            )
        return self._rapport(recu, arl=chemin_arl)

    def _rapport(
        self,
        recu: LotRecu,
        *,
        deja_recu: bool = False,
        issues: Mapping[str, int] | None = None,
        arl: Path | None = None,
    ) -> ReceptionLot:
        if issues is None:
            issues = Counter(recu.factures.values_list("issue", flat=True))
        return ReceptionLot(
            fichier=recu.nom_fichier,
            numero_ps=recu.numero_ps,
            partie=recu.partie,
            numero_lot=recu.numero_lot,
            organisme=recu.organisme,
            accepte=recu.accepte,
            factures=recu.nombre_factures,
            total=recu.total,
            arl=arl or (self.boite / recu.arl.nom if recu.arl else None),
            code_motif=recu.code_motif,
            motif=recu.motif,
            deja_recu=deja_recu,
            issues=dict(issues),
        )

    def _faits(self, f: FactureLue, le: date, reception: int) -> Faits:
        """What the registers say about the invoice at its reception."""
        precedentes = FactureConnue.objects.filter(
            partie=f.partie, numero_ps=f.numero_ps, numero_facture=f.numero_facture
        )
        a = AssureConnu.objects.filter(nir=f.nir, rang=f.rang).first()
        forcee = IssueForcee.objects.filter(
            partie=f.partie, numero_ps=f.numero_ps, numero_facture=f.numero_facture
        ).first()
        return Faits(
            droits=(
                DroitsConnus(
                    a.regime,
                    a.caisse,
                    a.centre,
                    a.droits_debut,
                    a.droits_fin,
                    a.exoneration,
                    a.nature_assurance,
                )
                if a is not None
                else None
            ),
            contrats=tuple(
                ContratAmc(c.numero_amc, c.debut, c.fin)
                for c in ContratConnu.objects.filter(nir=f.nir, rang=f.rang)
            ),
            numero_deja_recu=reception > 1
            and precedentes.exclude(issue_finale=Issue.REJET.value).exists(),
            identique_payee=FactureConnue.objects.filter(
                partie=f.partie,
                numero_ps=f.numero_ps,
                nir=f.nir,
                date_soins=f.date_soins,
                montant_total=f.montant_total,
                issue_finale=Issue.PAIEMENT.value,
            )
            .exclude(numero_facture=f.numero_facture)
            .exists(),
            scellement_deja_recu=FactureConnue.objects.filter(scellement=f.scellement)
            .exclude(numero_ps=f.numero_ps, numero_facture=f.numero_facture)
            .exists(),
            pieces=frozenset(
                PieceRecue.objects.filter(
                    numero_ps=f.numero_ps, numero_facture=f.numero_facture, recue_le__lte=le
                ).values_list("type", flat=True)
            ),
            forcage=Forcage(Issue(forcee.issue), forcee.code) if forcee is not None else None,
        )

    def _enregistrer(
        self, recu: LotRecu, f: FactureLue, le: date, delai_du_lot: int | None = None
    ) -> Decision:
        """Judges one invoice, registers it and plans its answers. A caisse processes a lot in
        one run: its payments and rejections are answered on one day (`delai_du_lot`), a
        traitement caisse later."""
        reception = 1 + (
            FactureConnue.objects.filter(
                partie=f.partie, numero_ps=f.numero_ps, numero_facture=f.numero_facture
            ).aggregate(n=Max("reception"))["n"]
            or 0
        )
        rng = random.Random(
            graine_facture(self.graine, f.partie, f.numero_ps, f.numero_facture, reception)
        )
        decision = juger(
            f,
            self._faits(f, le, reception),
            catalogue=self.catalogue,
            taux=self.taux,
            rng=rng,
            codes=self.codes,
        )
        connue = FactureConnue(
            lot=recu,
            partie=f.partie,
            numero_ps=f.numero_ps,
            numero_lot=f.numero_lot,
            organisme=f.organisme,
            numero_facture=f.numero_facture,
            reception=reception,
            nir=f.nir,
            rang=f.rang,
            date_soins=f.date_soins,
            montant_total=f.montant_total,
            montant_demande=f.montant_demande,
            scellement=f.scellement,
            mode=f.mode,
            recue_le=le,
        )
        if delai_du_lot is not None and decision.issue in (Issue.PAIEMENT, Issue.REJET):
            decision = dataclasses.replace(decision, delai=delai_du_lot)
        self._planifier(connue, decision, le)
        return decision

    def _planifier(self, connue: FactureConnue, d: Decision, le: date) -> None:
        """Saves the decision on the invoice and its answers (lines 200) with their dates."""
        connue.issue = d.issue.value
        connue.issue_finale = d.issue_finale.value
        connue.famille = d.famille
        connue.code = d.motif.code if d.motif else ""
        connue.libelle = d.motif.libelle if d.motif else ""
        connue.detail = d.detail
        connue.forcee = d.forcee
        connue.montant_paye = d.montant_paye
        connue.indu = d.indu
        connue.date_reponse = le + timedelta(days=d.delai) if d.delai is not None else None
        connue.date_finale = (
            le + timedelta(days=d.delai_finale) if d.delai_finale is not None else None
        )
        connue.date_indu = (
            connue.date_reponse + timedelta(days=d.delai_indu)
            if connue.date_reponse is not None and d.delai_indu is not None and d.indu
            else None
        )
        connue.repondue = False
        connue.save()
        reponses: list[ReponsePrevue] = []

        def prevoir(nature: str, issue: str, jour: date, paye: int = 0, motif: Any = None) -> None:
            reponses.append(
                ReponsePrevue(
                    facture=connue,
                    nature=nature,
                    issue=issue,
                    montant_paye=paye,
                    code=motif.code if motif else "",
                    libelle=motif.libelle if motif else "",
                    date_prevue=jour,
                )
            )

        if connue.date_reponse is not None:
            if d.issue is Issue.PAIEMENT:
                prevoir(NatureReponse.PREMIERE, "P", connue.date_reponse, d.montant_paye)
            elif d.issue is Issue.REJET:
                prevoir(NatureReponse.PREMIERE, "R", connue.date_reponse, motif=d.motif)
            elif d.issue is Issue.TRAITEMENT_CAISSE:
                prevoir(
                    NatureReponse.PREMIERE,
                    "T",
                    connue.date_reponse,
                    motif=self.codes[CODE_INFORMATION_TRAITEMENT],
                )
        if connue.date_finale is not None:
            if d.finale is Issue.PAIEMENT:
                prevoir(NatureReponse.FINALE, "P", connue.date_finale, d.montant_paye)
            else:
                prevoir(NatureReponse.FINALE, "R", connue.date_finale, motif=d.motif)
        if connue.date_indu is not None:
            prevoir(NatureReponse.INDU, "P", connue.date_indu, -d.indu, motif=d.motif_indu)
        ReponsePrevue.objects.bulk_create(reponses)

    # --- SCOR pieces

    def recevoir_pieces(self, manifeste: Path, *, le: date) -> ReceptionPieces:
        """Receives a SCOR lot (docs/formats/scor-rejets.md): each piece is registered if its
        file exists next to the manifest, has the announced SHA-256 and is a PDF (a PNG or
        JPEG scan also for a prescription); the others are refused with the reason. A
        manifest that cannot be read is refused whole (`SimulateurErreur`)."""
        manifeste = Path(manifeste)
        donnees = self._manifeste(manifeste)
        numero_ps = donnees["numero_ps"]
        numero_lot = donnees["numero_lot"]
        acceptees = deja = 0
        refusees: list[PieceRefusee] = []
        with transaction.atomic():
            for rang, piece in enumerate(donnees["pieces"], 1):
                raison, valeurs = self._piece(manifeste.parent, rang, piece)
                if raison:
                    refusees.append(
                        PieceRefusee(
                            str(piece.get("fichier", "")) if isinstance(piece, dict) else "",
                            str(piece.get("numero_facture", "")) if isinstance(piece, dict) else "",
                            raison,
                        )
                    )
                    continue
                _, cree = PieceRecue.objects.get_or_create(
                    numero_ps=numero_ps,
                    numero_facture=valeurs["numero_facture"],
                    type=valeurs["type"],
                    sha256=valeurs["sha256"],
                    defaults={
                        "numero_lot": numero_lot,
                        "fichier": valeurs["fichier"],
                        "recue_le": le,
                    },
                )
                if cree:
                    acceptees += 1
                else:
                    deja += 1
        return ReceptionPieces(
            manifeste.name, numero_ps, numero_lot, acceptees, deja, tuple(refusees)
        )

    @staticmethod
    def _manifeste(chemin: Path) -> dict[str, Any]:
        try:
            donnees = json.loads(chemin.read_text(encoding="utf-8"))
        except OSError as erreur:
            raise SimulateurErreur(
                f"Manifeste « {chemin} » illisible : {erreur.strerror}."
            ) from None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise SimulateurErreur(
                f"Manifeste « {chemin.name} » : JSON en UTF-8 attendu."
            ) from None
        if not isinstance(donnees, dict) or donnees.get("disposition") != DISPOSITION_SCOR:
            raise SimulateurErreur(
                f"Manifeste « {chemin.name} » : « disposition » doit valoir {DISPOSITION_SCOR}."
            )
        inconnues = set(donnees) - {"disposition", "numero_ps", "numero_lot", "date", "pieces"}
        if inconnues:
            raise SimulateurErreur(
                f"Manifeste « {chemin.name} » : clés inconnues {', '.join(sorted(inconnues))}."
            )
        for cle, longueur in (("numero_ps", 9), ("numero_lot", 5)):
            valeur = donnees.get(cle)
            if not isinstance(valeur, str) or not valeur.strip() or len(valeur) > longueur:
                raise SimulateurErreur(
                    f"Manifeste « {chemin.name} » : « {cle} », texte de {longueur} caractères "
                    "au plus, attendu."
                )
        try:
            date.fromisoformat(str(donnees.get("date")))
        except ValueError:
            raise SimulateurErreur(
                f"Manifeste « {chemin.name} » : « date » AAAA-MM-JJ attendue."
            ) from None
        if not isinstance(donnees.get("pieces"), list):
            raise SimulateurErreur(f"Manifeste « {chemin.name} » : « pieces » est une liste.")
        donnees["numero_ps"] = donnees["numero_ps"].strip()
        donnees["numero_lot"] = donnees["numero_lot"].strip()
        return donnees

    @staticmethod
    def _piece(dossier: Path, rang: int, piece: Any) -> tuple[str, dict[str, str]]:
        """(reason of refusal or "", checked values) for one piece of a manifest."""
        if not isinstance(piece, dict):
            return f"pièce n° {rang} : un objet JSON est attendu", {}
        if set(piece) != {"numero_facture", "type", "fichier", "sha256"}:
            return (
                f"pièce n° {rang} : clés numero_facture, type, fichier et sha256 attendues",
                {},
            )
        try:
            numero = _numero_facture(str(piece["numero_facture"]))
        except SimulateurErreur as erreur:
            return f"pièce n° {rang} : {erreur}", {}
        type_piece = piece["type"]
        if type_piece not in TypePiece.values:
            return (
                f"pièce n° {rang} : type « {type_piece} » inconnu ({', '.join(TypePiece.values)})",
                {},
            )
        nom = piece["fichier"]
        if not isinstance(nom, str) or not nom or Path(nom).name != nom or nom.startswith("."):
            return f"pièce n° {rang} : « fichier » doit être un nom de fichier du dossier", {}
        attendu = str(piece["sha256"]).strip().lower()
        if not re.fullmatch(r"[0-9a-f]{64}", attendu):
            return f"pièce n° {rang} ({nom}) : « sha256 » de 64 caractères hexadécimaux", {}
        chemin = dossier / nom
        if not chemin.is_file():
            return f"pièce n° {rang} ({nom}) : fichier absent", {}
        contenu = chemin.read_bytes()
        if hashlib.sha256(contenu).hexdigest() != attendu:
            return f"pièce n° {rang} ({nom}) : empreinte SHA-256 différente de celle annoncée", {}
        permis = _SIGNATURES["pdf"] + (
            _SIGNATURES["image"] if type_piece == TypePiece.PRESCRIPTION else ()
        )
        if not contenu.startswith(permis):
            formats = "PDF, PNG ou JPEG" if type_piece == TypePiece.PRESCRIPTION else "PDF"
            return f"pièce n° {rang} ({nom}) : ce n'est pas un fichier {formats}", {}
        return "", {"numero_facture": numero, "type": type_piece, "fichier": nom, "sha256": attendu}

    # --- answers

    def repondre(self, *, jusqu_au: date) -> list[Path]:
        """Writes the return files of every answer due on or before `jusqu_au` and not yet
        written: one file per (organisme, professional, answer date). A second call for the
        same date writes nothing."""
        ecrits: list[Path] = []
        with transaction.atomic():
            a_ecrire = (
                ReponsePrevue.objects.select_for_update()
                .select_related("facture")
                .filter(fichier__isnull=True, date_prevue__lte=jusqu_au)
            )
            groupes: dict[tuple[date, str, str], list[ReponsePrevue]] = defaultdict(list)
            for r in a_ecrire:
                groupes[(r.date_prevue, r.facture.organisme, r.facture.numero_ps)].append(r)
            touchees: set[int] = set()
            for (jour, organisme, numero_ps), reponses in sorted(groupes.items()):
                ecrits.append(self._emettre_retour(jour, organisme, numero_ps, reponses))
                touchees.update(r.facture_id for r in reponses)
            if touchees:
                restantes = set(
                    ReponsePrevue.objects.filter(
                        facture_id__in=touchees, fichier__isnull=True
                    ).values_list("facture_id", flat=True)
                )
                FactureConnue.objects.filter(pk__in=touchees - restantes).update(repondue=True)
        return ecrits

    def _emettre_retour(
        self, jour: date, organisme: str, numero_ps: str, reponses: list[ReponsePrevue]
    ) -> Path:
        """One return file: a transfer for the payments (and the indus it can cover, withheld
        from it), a bordereau without transfer for rejections, traitements caisse and the
        indus left to reimburse."""
        ordre = {NatureReponse.PREMIERE: 0, NatureReponse.FINALE: 1, NatureReponse.INDU: 2}
        reponses.sort(key=lambda r: (r.facture.numero_facture, ordre[NatureReponse(r.nature)]))
        emetteur = organisme_9(organisme)

        def ligne(r: ReponsePrevue) -> LigneReponse:
            f = r.facture
            return LigneReponse(
                partie="AMO" if f.partie == "FSE" else "AMC",
                organisme=emetteur,
                numero_ps=f.numero_ps,
                numero_lot=f.numero_lot,
                numero_facture=f.numero_facture,
                nir=f.nir,
                date_soins=f.date_soins,
                montant_demande=f.montant_demande,
                montant_paye=r.montant_paye,
                issue=r.issue,
                code=r.code,
                libelle=r.libelle,
            )

        payees = [r for r in reponses if r.montant_paye > 0]
        indus = sorted((r for r in reponses if r.montant_paye < 0), key=lambda r: -r.montant_paye)
        sans_argent = [r for r in reponses if r.montant_paye == 0]
        net = sum(r.montant_paye for r in payees)
        retenus: list[ReponsePrevue] = []
        for r in indus:
            if payees and net + r.montant_paye >= 0:
                retenus.append(r)
                net += r.montant_paye
            else:
                sans_argent.append(r)
        numero = self._numero(emetteur)
        bordereaux: list[Virement] = []
        if payees:
            rang = FichierEmis.objects.filter(nature=NatureFichier.RETOUR).count() + 1
            reference = f"SIM{jour:%Y%m%d}-{rang:07d}"
            bordereaux.append(
                Virement(emetteur, reference, jour, [ligne(r) for r in payees + retenus])
            )
        if sans_argent:
            bordereaux.append(Virement(emetteur, "", None, [ligne(r) for r in sans_argent]))
        contenu = contenu_retour(
            emetteur=emetteur,
            destinataire=numero_ps,
            le=jour,
            numero_fichier=numero,
            bordereaux=bordereaux,
        )
        nom = f"RETOUR-{_sur(organisme)}-{_sur(numero_ps)}-{jour:%Y%m%d}-{numero:06d}.txt"
        fichier, chemin = self._emettre(
            nom, NatureFichier.RETOUR, emetteur, numero_ps, numero, jour, contenu, len(reponses)
        )
        ReponsePrevue.objects.filter(pk__in=[r.pk for r in reponses]).update(fichier=fichier)
        return chemin

    def _emettre_arl(
        self,
        t: EnTeteLot,
        le: date,
        *,
        positif: bool,
        code_motif: str = "",
        motif: str = "",
    ) -> tuple[FichierEmis, Path]:
        emetteur = organisme_9(t.organisme)
        numero = self._numero(emetteur)
        contenu = contenu_arl(
            emetteur=emetteur,
            destinataire=t.numero_ps[:9],
            le=le,
            numero_fichier=numero,
            en_tete=t,
            positif=positif,
            code_motif=code_motif,
            motif=motif,
        )
        nom = f"ARL-{_sur(t.numero_ps)}-{_sur(t.numero_lot)}-{le:%Y%m%d}-{numero:06d}.txt"
        return self._emettre(
            nom, NatureFichier.ARL, emetteur, t.numero_ps[:9], numero, le, contenu, 1
        )

    def _emettre(
        self,
        nom: str,
        nature: str,
        emetteur: str,
        destinataire: str,
        numero: int,
        jour: date,
        contenu: bytes,
        lignes: int,
    ) -> tuple[FichierEmis, Path]:
        """Records a file in the register of files sent, then writes it into the inbox."""
        fichier = FichierEmis.objects.create(
            nom=nom,
            nature=nature,
            emetteur=emetteur,
            destinataire=destinataire,
            numero=numero,
            date=jour,
            sha256=hashlib.sha256(contenu).hexdigest(),
            lignes=lignes,
        )
        return fichier, ecrire_atomiquement(self.boite, nom, contenu)

    @staticmethod
    def _numero(emetteur: str) -> int:
        """Next file number of this emitter (its own sequence)."""
        dernier = FichierEmis.objects.filter(emetteur=emetteur).aggregate(n=Max("numero"))["n"]
        return (dernier or 0) + 1
