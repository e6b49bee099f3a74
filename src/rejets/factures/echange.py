"""Import and export of invoices in the exchange format (docs/formats/echange-factures.md).

Import is the back-office mode of DOMAIN.md section 10: invoices arrive in the state they have
in the billing software, with their lot, payments and rejection. Each record is applied in its
own savepoint or refused with its file, record, field and reason; the same invoice imported
twice is reported, not duplicated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from django.contrib.auth.models import User
from django.db import transaction
from stdnum.exceptions import ValidationError as IdentifiantInvalide

from rejets.cabinets.models import Cabinet, Professionnel
from rejets.compta.services import poster
from rejets.domain import ledger, lifecycle
from rejets.domain.identifiants import expliquer, nir
from rejets.domain.ledger import Payeur
from rejets.domain.lifecycle import Etat, TypePartie
from rejets.formats import echange as fmt
from rejets.lots.models import Lot
from rejets.patients.models import ContratAMC, Patient, PeriodeDroits, Prescription
from rejets.referentiels.models import Organisme, TypeOrganisme

from . import services
from .models import Facture, Origine, Paiement, Partie, Rejet

ETATS_NON_IMPORTABLES = frozenset(
    {
        Etat.DEFACTUREE,
        Etat.RECYCLEE,
        Etat.ANNULEE,
        Etat.FORCLOSE,
        Etat.ABANDONNEE,
        Etat.FACTUREE_PATIENT,
        Etat.FACTUREE_MUTUELLE,
    }
)
ETATS_TRANSMIS = lifecycle.ETATS_FIGES - {Etat.SECURISEE, Etat.EXPORTEE}


class RefusEnregistrement(Exception):
    def __init__(self, champ: str, raison: str) -> None:
        self.champ = champ
        self.raison = raison
        super().__init__(f"{champ} : {raison}")


@dataclass(frozen=True)
class Refus:
    fichier: str
    enregistrement: int
    champ: str
    raison: str

    def __str__(self) -> str:
        return (
            f"{self.fichier}, enregistrement {self.enregistrement}, champ {self.champ} : "
            f"{self.raison}"
        )


@dataclass
class RapportImport:
    lus: int = 0
    importees: list[str] = field(default_factory=list)
    deja_importees: list[str] = field(default_factory=list)
    refus: list[Refus] = field(default_factory=list)

    @property
    def complet(self) -> bool:
        """Every record read ended imported, already imported, or refused with a reason."""
        return self.lus == len(self.importees) + len(self.deja_importees) + len(self.refus)

    def resume(self) -> dict[str, object]:
        return {
            "lus": self.lus,
            "importees": len(self.importees),
            "deja_importees": len(self.deja_importees),
            "refusees": len(self.refus),
            "refus": [r.__dict__ for r in self.refus],
        }


def importer_factures(
    *, flux: BinaryIO, nom_fichier: str, cabinet: Cabinet, utilisateur: User
) -> RapportImport:
    """Import every record of one file into `cabinet`. A whole-file fault raises
    `fmt.FichierEchangeInvalide` before anything is written."""
    rapport = RapportImport()
    for lecture in fmt.lire_factures(flux, nom_fichier):
        rapport.lus += 1
        if isinstance(lecture, fmt.EnregistrementRefuse):
            rapport.refus.append(
                Refus(nom_fichier, lecture.enregistrement, lecture.champ, lecture.raison)
            )
            continue
        try:
            with transaction.atomic():
                nouvelle = _importer(lecture.facture, lecture.enregistrement, cabinet, utilisateur)
        except RefusEnregistrement as refus:
            rapport.refus.append(
                Refus(nom_fichier, lecture.enregistrement, refus.champ, refus.raison)
            )
            continue
        (rapport.importees if nouvelle else rapport.deja_importees).append(lecture.facture.numero)
    return rapport


def _verifier(f: fmt.FactureEchange) -> None:
    try:
        nir.validate(f.patient.nir)
    except IdentifiantInvalide as erreur:
        raise RefusEnregistrement("patient.nir", expliquer(erreur, "nir")) from erreur
    parties = {TypePartie.FSE: f.fse, TypePartie.DRE: f.dre}
    for type_partie, partie in parties.items():
        if partie is None:
            continue
        champ = f"{type_partie.value}.etat"
        etat = Etat(partie.etat)
        if etat in ETATS_NON_IMPORTABLES:
            raise RefusEnregistrement(
                champ,
                f"l'état « {etat.libelle} » ne s'importe pas : il naît d'une action dans Rejets",
            )
        if etat in ETATS_TRANSMIS and (partie.lot is None or partie.date_transmission is None):
            raise RefusEnregistrement(
                type_partie.value,
                f"une partie « {etat.libelle} » porte son lot et sa date de transmission",
            )
        if (etat is Etat.REJETEE) != (partie.rejet is not None):
            raise RefusEnregistrement(
                f"{type_partie.value}.rejet",
                "un rejet (code, libellé, date) accompagne l'état « Rejetée », et lui seul",
            )
    if f.dre is not None and f.patient.amc is None:
        raise RefusEnregistrement("patient.amc", "une DRE demande la mutuelle du patient")
    r = f.repartition
    figee = any(p is not None and Etat(p.etat) in lifecycle.ETATS_FIGES for p in parties.values())
    if r is None:
        if figee or f.paiements:
            raise RefusEnregistrement("repartition", "obligatoire pour une facture figée ou payée")
        return
    if r.total != r.amo + r.amc + r.patient or r.total <= 0:
        raise RefusEnregistrement(
            "repartition", f"total {r.total} ≠ AMO {r.amo} + AMC {r.amc} + assuré {r.patient}"
        )
    if r.amc and (f.dre is None or f.patient.amc is None):
        raise RefusEnregistrement("dre", "une part AMC demande une DRE et la mutuelle du patient")
    payes: dict[str, int] = {}
    for p in f.paiements:
        payes[p.payeur] = payes.get(p.payeur, 0) + p.montant
    for type_partie, payeur, montant in (
        (TypePartie.FSE, Payeur.AMO, r.amo),
        (TypePartie.DRE, Payeur.AMC, r.amc),
    ):
        partie_lue = parties[type_partie]
        paye = payes.get(payeur.value, 0)
        etat_lu = Etat(partie_lue.etat) if partie_lue else None
        attendu_ok = (
            paye == montant > 0
            if etat_lu is Etat.PAYEE
            else 0 < paye < montant
            if etat_lu is Etat.PAYEE_PARTIELLEMENT
            else paye == 0
        )
        if not attendu_ok:
            raise RefusEnregistrement(
                "paiements",
                f"paiements {payeur.libelle.lower()} de {paye} centimes incohérents avec "
                f"l'état « {etat_lu.libelle if etat_lu else 'sans partie'} » (part {montant})",
            )
    if payes.get(Payeur.PATIENT.value, 0) > r.patient or (
        payes.get(Payeur.PATIENT.value) and not figee
    ):
        raise RefusEnregistrement(
            "paiements", "paiements du patient au-delà de sa part, ou sur une facture non figée"
        )


def _professionnel(cabinet: Cabinet, p: fmt.ProfessionnelEchange) -> Professionnel:
    pro, _ = Professionnel.objects.get_or_create(
        cabinet=cabinet,
        numero_am=p.numero_am,
        defaults={"nom": p.nom, "prenom": p.prenom, "rpps": p.rpps or ""},
    )
    return pro


def _patient(cabinet: Cabinet, p: fmt.PatientEchange) -> Patient:
    d = p.droits
    patient, _ = Patient.objects.get_or_create(
        cabinet=cabinet,
        nir=nir.compact(p.nir),
        rang=p.rang,
        date_naissance=p.date_naissance,
        defaults={
            "nom": p.nom,
            "prenom": p.prenom,
            "regime": d.regime,
            "caisse": d.caisse,
            "centre": d.centre,
            "nature_assurance": d.nature_assurance,
            "exoneration": d.exoneration,
            "taux_remboursement": d.taux_remboursement,
        },
    )
    PeriodeDroits.objects.get_or_create(cabinet=cabinet, patient=patient, debut=d.debut, fin=d.fin)
    return patient


def _organismes(
    cabinet: Cabinet, patient: Patient, f: fmt.FactureEchange
) -> tuple[Organisme, Organisme | None]:
    d = f.patient.droits
    amo, _ = Organisme.objects.get_or_create(
        type=TypeOrganisme.CAISSE,
        code=f"{d.regime}{d.caisse}{d.centre}",
        defaults={"libelle": f"Caisse {d.regime}/{d.caisse}/{d.centre}"},
    )
    a = f.patient.amc
    if a is None:
        return amo, None
    amc, _ = Organisme.objects.get_or_create(
        type=TypeOrganisme.MUTUELLE, code=a.numero, defaults={"libelle": a.libelle}
    )
    ContratAMC.objects.get_or_create(
        cabinet=cabinet,
        patient=patient,
        organisme=amc,
        contrat=a.contrat or "",
        debut=a.debut,
        fin=a.fin,
    )
    return amo, amc


def _contenu(f: fmt.FactureEchange) -> dict[str, object]:
    """What makes two records the same invoice: everything but the labels of shared reference
    data (a mutuelle's name may have been edited since)."""
    d = fmt.facture_vers_dict(f)
    if d["patient"]["amc"] is not None:
        d["patient"]["amc"]["libelle"] = None
    return d


def _importer(
    f: fmt.FactureEchange, enregistrement: int, cabinet: Cabinet, utilisateur: User
) -> bool:
    """Create one invoice in the state it has; False when it is already there, identical."""
    pro = _professionnel(cabinet, f.professionnel)
    existante = Facture.objects.filter(cabinet=cabinet, professionnel=pro, numero=f.numero).first()
    if existante is not None:
        if _contenu(vers_echange(existante)) == _contenu(f):
            return False
        raise RefusEnregistrement(
            "numero",
            f"la facture {f.numero} de ce professionnel existe déjà avec un autre contenu ; "
            "une facture transmise ne se remplace pas, elle se défacture après un rejet",
        )
    _verifier(f)
    patient = _patient(cabinet, f.patient)
    organisme_amo, organisme_amc = _organismes(cabinet, patient, f)
    prescription = None
    if f.prescription is not None:
        pr = f.prescription
        prescription, _ = Prescription.objects.get_or_create(
            cabinet=cabinet,
            patient=patient,
            prescripteur_nom=pr.prescripteur.nom,
            prescripteur_rpps=pr.prescripteur.rpps or "",
            date=pr.date,
            a_domicile=pr.a_domicile,
            scan=pr.scan or "",
        )
    r = f.repartition or fmt.RepartitionEchange(0, 0, 0, 0)
    facture = services.creer_facture(
        cabinet=cabinet,
        professionnel=pro,
        patient=patient,
        prescription=prescription,
        actes=[
            services.LigneActe(
                date=a.date,
                lettre_cle=a.lettre_cle,
                coefficient=a.coefficient,
                heure=a.heure,
                heure_appel=a.heure_appel,
                nature=a.nature or "",
                lieu=a.lieu,
                distance_km=a.distance_km,
                zone=a.zone or "",
                meme_commune=a.meme_commune,
                montant=a.montant,
            )
            for a in f.actes
        ],
        part_amo=r.amo,
        part_amc=r.amc,
        part_patient=r.patient,
        tiers_payant=f.tiers_payant,
        organisme_amo=organisme_amo,
        organisme_amc=organisme_amc if f.dre is not None else None,
        numero=f.numero,
        origine=Origine.IMPORT,
        utilisateur=utilisateur,
        details={"enregistrement": enregistrement},
    )
    d = f.patient.droits
    facture.regime, facture.caisse, facture.centre = d.regime, d.caisse, d.centre
    facture.nature_assurance, facture.exoneration = d.nature_assurance, d.exoneration
    facture.taux_remboursement = d.taux_remboursement
    _poser_etats(facture, f, pro, utilisateur)
    return True


def _poser_etats(
    facture: Facture, f: fmt.FactureEchange, pro: Professionnel, utilisateur: User
) -> None:
    """Set each part to its imported state, with its lot, rejection and the journals that the
    state implies (billing, then each payment), under one « import » event."""
    avant = facture.etat
    etats: dict[TypePartie, Etat] = {}
    for partie in facture.parties.all():
        type_partie = TypePartie(partie.type)
        source = f.fse if type_partie is TypePartie.FSE else f.dre
        assert source is not None
        etat = Etat(source.etat)
        etats[type_partie] = etat
        partie.etat = etat
        partie.date_transmission = source.date_transmission
        if source.lot is not None:
            partie.lot, _ = Lot.objects.get_or_create(
                cabinet=facture.cabinet,
                professionnel=pro,
                type_partie=type_partie,
                numero=source.lot,
            )
        partie.save()
        if source.rejet is not None:
            Rejet.objects.create(
                cabinet=facture.cabinet,
                facture=facture,
                partie=type_partie,
                code=source.rejet.code,
                libelle=source.rejet.libelle,
                date=source.rejet.date,
                source=source.rejet.source,
            )
    facture.etat = lifecycle.etat_facture(etats)
    facture.deja_transmise = bool(set(etats.values()) & ETATS_TRANSMIS)
    facture.save()
    evenement = services._evenement(facture, "import", utilisateur, etat_avant=avant)
    if not set(etats.values()) & lifecycle.ETATS_FIGES:
        return
    le = f.fse.date_transmission or max(a.date for a in f.actes)
    poster(
        journal=ledger.facturation(facture.numero, le, services.parts(facture)),
        cabinet=facture.cabinet,
        facture=facture,
        evenement=evenement,
        utilisateur=utilisateur,
    )
    for p in f.paiements:
        payeur = Payeur(p.payeur)
        Paiement.objects.create(
            cabinet=facture.cabinet,
            facture=facture,
            payeur=payeur,
            moyen=p.moyen,
            montant=p.montant,
            date=p.date,
            reference=p.reference or "",
        )
        poster(
            journal=ledger.paiement(facture.numero, p.date, payeur, p.montant),
            cabinet=facture.cabinet,
            facture=facture,
            evenement=evenement,
            utilisateur=utilisateur,
        )


def _decimal_court(valeur: Decimal | None) -> Decimal | None:
    if valeur is None:
        return None
    return valeur.quantize(Decimal(1)) if valeur == valeur.to_integral() else valeur.normalize()


def vers_echange(facture: Facture) -> fmt.FactureEchange:
    """The exchange form of a stored invoice (what `rejets factures export` writes)."""
    patient = facture.patient
    periode = PeriodeDroits.objects.filter(patient=patient).order_by("-debut", "-pk").first()
    parties = {TypePartie(p.type): p for p in facture.parties.select_related("lot", "organisme")}
    dre = parties.get(TypePartie.DRE)
    contrat = None
    if dre is not None and dre.organisme is not None:
        contrat = ContratAMC.objects.filter(patient=patient, organisme=dre.organisme).last()
    pr = facture.prescription

    def partie(p: Partie | None) -> fmt.PartieEchange | None:
        if p is None:
            return None
        rejet = None
        if p.etat == Etat.REJETEE:
            r = Rejet.objects.filter(facture=facture, partie=p.type).order_by("-pk").first()
            if r is not None:
                rejet = fmt.RejetEchange(r.code, r.libelle, r.date, r.source)  # type: ignore[arg-type]
        return fmt.PartieEchange(
            p.etat,  # type: ignore[arg-type]
            p.lot.numero if p.lot else None,
            p.date_transmission,
            rejet,
        )

    fse = partie(parties[TypePartie.FSE])
    assert fse is not None
    return fmt.FactureEchange(
        numero=facture.numero,
        professionnel=fmt.ProfessionnelEchange(
            facture.professionnel.numero_am,
            facture.professionnel.rpps or None,
            facture.professionnel.nom,
            facture.professionnel.prenom,
        ),
        patient=fmt.PatientEchange(
            patient.nir,
            patient.rang,
            patient.nom,
            patient.prenom,
            patient.date_naissance,
            fmt.DroitsEchange(
                facture.regime,
                facture.caisse,
                facture.centre,
                facture.nature_assurance,  # type: ignore[arg-type]
                facture.exoneration,
                facture.taux_remboursement,
                periode.debut if periode else None,
                periode.fin if periode else None,
            ),
            fmt.AmcEchange(
                contrat.organisme.code,
                contrat.organisme.libelle,
                contrat.contrat or None,
                contrat.debut,
                contrat.fin,
            )
            if contrat
            else None,
        ),
        tiers_payant=facture.tiers_payant,  # type: ignore[arg-type]
        prescription=fmt.PrescriptionEchange(
            fmt.PrescripteurEchange(pr.prescripteur_nom, pr.prescripteur_rpps or None),
            pr.date,
            pr.a_domicile,
            pr.scan or None,
        )
        if pr
        else None,
        actes=tuple(
            fmt.ActeEchange(
                a.date,
                a.heure,
                a.heure_appel,
                a.lettre_cle,
                _decimal_court(a.coefficient),  # type: ignore[arg-type]
                a.nature or None,
                a.lieu,  # type: ignore[arg-type]
                _decimal_court(a.distance_km),
                a.zone or None,  # type: ignore[arg-type]
                a.meme_commune,
                a.montant,
            )
            for a in facture.actes.all()
        ),
        repartition=fmt.RepartitionEchange(
            facture.total, facture.part_amo, facture.part_amc, facture.part_patient
        )
        if facture.total
        else None,
        fse=fse,
        dre=partie(dre),
        paiements=tuple(
            fmt.PaiementEchange(
                p.payeur,  # type: ignore[arg-type]
                p.montant,
                p.date,
                p.moyen,  # type: ignore[arg-type]
                p.reference or None,
            )
            for p in facture.paiements.all()
        ),
    )


def exporter_factures(factures: Iterable[Facture]) -> Iterable[fmt.FactureEchange]:
    for facture in factures:
        yield vers_echange(facture)
