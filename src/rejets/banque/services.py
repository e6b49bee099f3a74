"""Writes of the bank side: importing a statement, saving a CSV profile, matching transfers
automatically or by hand, ignoring a bank line with a reason. Keyword-only, one transaction
each, the acting user named; the caller has checked that the user may write to the cabinet.
Each write locks the cabinet's row, so two runs on the same cabinet follow one another.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from rejets.cabinets.models import Cabinet
from rejets.domain.money import format_euros
from rejets.formats import releves

from . import selectors
from .appariement import FENETRE_JOURS, Ambiguite, mots
from .models import (
    CompteBancaire,
    EtatLigne,
    FormatReleve,
    LigneBancaire,
    ProfilReleve,
    Rapprochement,
    ReleveBancaire,
)

COMPTE_PAR_DEFAUT = "Compte principal"
PAQUET = 500


class OperationBanqueRefusee(Exception):
    """What the user asked cannot be done; the message says why, in French."""


@dataclass
class RapportReleve:
    """The report of one statement: lues = importées + déjà connues + refusées."""

    releve: ReleveBancaire
    deja_importe: bool = False
    lignes_avant_entete: int = 0
    lignes_vides: int = 0

    @property
    def refus(self) -> list[dict[str, Any]]:
        return list(self.releve.refus)

    def resume(self) -> dict[str, Any]:
        r = self.releve
        return {
            "fichier": r.nom_fichier,
            "format": r.format,
            "profil": r.profil,
            "compte": str(r.compte),
            "deja_importe": self.deja_importe,
            "lues": r.lignes_lues,
            "importees": r.lignes_importees,
            "deja_connues": r.lignes_deja_connues,
            "refusees": r.lignes_refusees,
            "refus": self.refus,
            "lignes_avant_entete": self.lignes_avant_entete,
            "lignes_vides": self.lignes_vides,
        }


def _verrouiller(cabinet: Cabinet) -> Cabinet:
    return Cabinet.objects.select_for_update().get(pk=cabinet.pk)


def empreinte_compte(identifiant: str) -> str:
    """Recognises an account from one statement to the next without keeping its number."""
    propre = "".join(identifiant.split()).upper()
    return hashlib.sha256(f"rejets-compte:{propre}".encode()).hexdigest() if propre else ""


def lecture_du_profil(profil: ProfilReleve) -> releves.ProfilLecture:
    return releves.ProfilLecture(
        colonnes=dict(profil.colonnes),
        separateur=profil.separateur,
        encodage=profil.encodage,
        format_date=profil.format_date,
        virgule_decimale=profil.virgule_decimale,
        nom=profil.nom,
    )


@transaction.atomic
def enregistrer_profil(
    *,
    nom: str,
    colonnes: dict[str, str],
    utilisateur: User,
    cabinet: Cabinet | None = None,
    separateur: str = ";",
    encodage: str = "utf-8",
    format_date: str = "%d/%m/%Y",
    virgule_decimale: bool = True,
) -> ProfilReleve:
    """Create or replace a CSV profile, of one cabinet or shared (without cabinet). It is
    checked first (`rejets.formats.releves.verifier_profil`)."""
    lecture = releves.ProfilLecture(
        colonnes=colonnes,
        separateur=separateur,
        encodage=encodage,
        format_date=format_date,
        virgule_decimale=virgule_decimale,
        nom=nom,
    )
    try:
        releves.verifier_profil(lecture)
    except releves.ProfilInvalide as exc:
        raise OperationBanqueRefusee(f"Profil « {nom} » : {exc}.") from None
    profil, _ = ProfilReleve.objects.update_or_create(
        cabinet=cabinet,
        nom=nom,
        defaults={
            "colonnes": dict(colonnes),
            "separateur": separateur,
            "encodage": encodage,
            "format_date": format_date,
            "virgule_decimale": virgule_decimale,
            "enregistre_par": utilisateur,
        },
    )
    return profil


# --- import ----------------------------------------------------------------------------------


def _compte(cabinet: Cabinet, libelle: str | None, identifiant: str) -> CompteBancaire:
    """The account a statement belongs to: the one named (created if new), else the one the OFX
    file names, else the cabinet's only account (created at the first import)."""
    empreinte = empreinte_compte(identifiant)
    masque = releves.masquer_compte(identifiant)
    comptes = CompteBancaire.objects.filter(cabinet=cabinet)
    du_fichier = comptes.filter(empreinte_identifiant=empreinte).first() if empreinte else None
    if libelle:
        compte, _ = comptes.get_or_create(cabinet=cabinet, libelle=libelle)
        if not empreinte or compte.empreinte_identifiant == empreinte:
            return compte
        if compte.empreinte_identifiant or du_fichier is not None:
            autre = du_fichier.libelle if du_fichier else compte.identifiant_masque
            raise OperationBanqueRefusee(
                f"Ce relevé est celui du compte {masque} ({autre}), pas du compte « {libelle} »."
            )
        compte.empreinte_identifiant, compte.identifiant_masque = empreinte, masque
        compte.save(update_fields=["empreinte_identifiant", "identifiant_masque"])
        return compte
    if du_fichier is not None:
        return du_fichier
    if empreinte:
        nom, rang = f"Compte {masque}", 1
        while comptes.filter(libelle=nom).exists():
            rang += 1
            nom = f"Compte {masque} ({rang})"
        return comptes.create(
            cabinet=cabinet, libelle=nom, identifiant_masque=masque, empreinte_identifiant=empreinte
        )
    existants = list(comptes[:2])
    if len(existants) > 1:
        raise OperationBanqueRefusee(
            f"Le cabinet « {cabinet.code} » a plusieurs comptes : précisez lequel (--compte)."
        )
    if existants:
        return existants[0]
    return comptes.create(cabinet=cabinet, libelle=COMPTE_PAR_DEFAUT)


def _cle(ligne: releves.LigneBancaire) -> str:
    """What tells an operation from another of the same account, whatever the statement."""
    if ligne.fitid:
        return f"fitid:{ligne.fitid}"
    texte = " ".join(mots(ligne.libelle))
    brut = f"{ligne.date.isoformat()}|{ligne.montant}|{texte}|{ligne.reference}"
    return "empreinte:" + hashlib.sha256(brut.encode()).hexdigest()


@dataclass
class _Lecture:
    format: str
    lignes: list[releves.LectureReleve]
    compte: str = ""
    avant_entete: int = 0
    vides: int = 0
    profil: str = ""
    refus: list[dict[str, Any]] = field(default_factory=list)


def _lire(contenu: bytes, nom: str, profil: ProfilReleve | None) -> _Lecture:
    flux = io.BytesIO(contenu)
    if profil is not None:
        lecteur = releves.LecteurCsv(flux, nom, lecture_du_profil(profil))
        lignes = list(lecteur)
        return _Lecture(
            FormatReleve.CSV,
            lignes,
            avant_entete=lecteur.lignes_avant_entete,
            vides=lecteur.lignes_vides,
            profil=profil.nom,
        )
    if not releves.est_ofx(contenu[:4096]):
        raise OperationBanqueRefusee(
            f"Fichier « {nom} » : ce n'est pas un relevé OFX ; un relevé CSV se lit avec un "
            "profil de colonnes (--profil NOM)."
        )
    ofx = releves.LecteurOfx(flux, nom)
    lignes = list(ofx)
    return _Lecture(FormatReleve.OFX, lignes, compte=ofx.compte)


@transaction.atomic
def importer_releve(
    *,
    cabinet: Cabinet,
    flux: IO[bytes],
    nom: str,
    utilisateur: User,
    profil: ProfilReleve | None = None,
    compte: str | None = None,
) -> RapportReleve:
    """Import one statement into the cabinet: an OFX file, or a CSV read through `profil`.
    A file already imported in the cabinet (same SHA-256) changes nothing and gives back the
    first report. An operation already read from another statement of the account is counted,
    not stored again. A structural fault raises `releves.ReleveInvalide`: nothing is written."""
    contenu = flux.read()
    sha256 = hashlib.sha256(contenu).hexdigest()
    cabinet = _verrouiller(cabinet)
    deja = ReleveBancaire.objects.filter(cabinet=cabinet, sha256=sha256).first()
    if deja is not None:
        return RapportReleve(deja, deja_importe=True)
    lecture = _lire(contenu, nom, profil)
    le_compte = _compte(cabinet, compte, lecture.compte)
    nouvelles: list[tuple[str, releves.LigneBancaire]] = []
    refus: list[dict[str, Any]] = []
    vues: dict[str, int] = {}
    rangs: Counter[str] = Counter()
    for lue in lecture.lignes:
        if isinstance(lue, releves.LigneRefusee):
            refus.append({"ligne": lue.numero, "champ": lue.champ, "message": lue.message})
            continue
        cle = _cle(lue)
        if not lue.fitid:
            rangs[cle] += 1
            cle = f"{cle}#{rangs[cle]}"
        elif cle in vues:
            refus.append(
                {
                    "ligne": lue.numero,
                    "champ": "fitid",
                    "message": f"ligne {lue.numero} : FITID « {lue.fitid} » déjà lu ligne "
                    f"{vues[cle]}",
                }
            )
            continue
        vues[cle] = lue.numero
        nouvelles.append((cle, lue))
    connues: set[str] = set()
    toutes = [c for c, _ in nouvelles]
    for debut in range(0, len(toutes), PAQUET):
        connues.update(
            LigneBancaire.objects.filter(
                compte=le_compte, cle__in=toutes[debut : debut + PAQUET]
            ).values_list("cle", flat=True)
        )
    a_creer = [(c, lue) for c, lue in nouvelles if c not in connues]
    releve = ReleveBancaire.objects.create(
        cabinet=cabinet,
        compte=le_compte,
        nom_fichier=nom[:255],
        sha256=sha256,
        format=lecture.format,
        profil=lecture.profil,
        importe_par=utilisateur,
        lignes_lues=len(lecture.lignes),
        lignes_importees=len(a_creer),
        lignes_deja_connues=len(nouvelles) - len(a_creer),
        lignes_refusees=len(refus),
        refus=refus,
    )
    LigneBancaire.objects.bulk_create(
        [
            LigneBancaire(
                cabinet=cabinet,
                releve=releve,
                compte=le_compte,
                numero=lue.numero,
                date=lue.date,
                date_valeur=lue.date_valeur,
                libelle=lue.libelle,
                montant=lue.montant,
                reference=lue.reference,
                fitid=lue.fitid,
                cle=cle,
            )
            for cle, lue in a_creer
        ],
        batch_size=PAQUET,
    )
    return RapportReleve(releve, False, lecture.avant_entete, lecture.vides)


# --- matching --------------------------------------------------------------------------------


@dataclass
class RapportRapprochement:
    rapproches: list[Rapprochement]
    a_decider: list[Ambiguite]


@transaction.atomic
def rapprocher(
    *, cabinet: Cabinet, utilisateur: User, fenetre: int = FENETRE_JOURS
) -> RapportRapprochement:
    """Match automatically what the rule decides (`rejets.banque.appariement`): same amount,
    credited 0 to `fenetre` days after the announced date, the reference or the organisme in
    the label deciding between several. The rest is listed for a person."""
    cabinet = _verrouiller(cabinet)
    un = Cabinet.objects.filter(pk=cabinet.pk)
    propositions = selectors.propositions(un, fenetre)
    faits = []
    maintenant = timezone.now()
    for paire in propositions.decidees:
        v = paire.virement
        ligne = LigneBancaire.objects.get(pk=paire.operation.pk)
        faits.append(
            Rapprochement.objects.create(
                cabinet=cabinet,
                ligne=ligne,
                payeur=v.payeur,
                reference=v.reference,
                date_virement=v.date,
                organisme=v.organisme[:200],
                montant=v.montant,
                automatique=True,
                par=utilisateur,
            )
        )
        ligne.etat, ligne.traitee_par, ligne.traitee_le = (
            EtatLigne.RAPPROCHEE,
            utilisateur,
            maintenant,
        )
        ligne.save(update_fields=["etat", "traitee_par", "traitee_le"])
    return RapportRapprochement(faits, propositions.a_decider)


def _ligne_en_attente(cabinet: Cabinet, ligne: LigneBancaire | int) -> LigneBancaire:
    pk = ligne if isinstance(ligne, int) else ligne.pk
    trouvee = LigneBancaire.objects.select_for_update().filter(pk=pk, cabinet=cabinet).first()
    if trouvee is None:
        raise OperationBanqueRefusee(f"Ligne bancaire n° {pk} introuvable dans ce cabinet.")
    if trouvee.etat != EtatLigne.NON_RAPPROCHEE:
        raise OperationBanqueRefusee(
            f"La ligne bancaire n° {pk} est déjà « {EtatLigne(trouvee.etat).label.lower()} »."
        )
    return trouvee


@transaction.atomic
def rapprocher_a_la_main(
    *,
    cabinet: Cabinet,
    ligne: LigneBancaire | int,
    reference: str,
    le: date,
    utilisateur: User,
    payeur: str | None = None,
) -> Rapprochement:
    """A person matches a bank credit with the transfer announced with this reference on this
    date (and payer, when the caisse and the mutuelle share them). The amounts may differ: the
    gap is visible in the report. Both must be free."""
    cabinet = _verrouiller(cabinet)
    trouvee = _ligne_en_attente(cabinet, ligne)
    if trouvee.montant <= 0:
        raise OperationBanqueRefusee(
            f"La ligne bancaire n° {trouvee.pk} est un débit ({format_euros(trouvee.montant)}) : "
            "seul un crédit se rapproche d'un virement reçu."
        )
    virements = selectors.virement_annonce(cabinet, reference, le, payeur)
    quand = f"{le:%d/%m/%Y}"
    if not virements:
        raise OperationBanqueRefusee(
            f"Aucun virement « {reference} » du {quand} annoncé dans les retours de ce cabinet."
        )
    if len(virements) > 1:
        raise OperationBanqueRefusee(
            f"Le virement « {reference} » du {quand} est annoncé par la caisse et par la "
            "mutuelle : précisez le payeur (amo ou amc)."
        )
    v = virements[0]
    if v.ligne_id is not None:
        raise OperationBanqueRefusee(
            f"Le virement « {reference} » du {quand} est déjà rapproché de la ligne bancaire "
            f"n° {v.ligne_id}."
        )
    if v.montant <= 0:
        raise OperationBanqueRefusee(
            f"Le virement « {reference} » du {quand} n'a rien à créditer (net "
            f"{format_euros(v.montant)})."
        )
    rapprochement = Rapprochement.objects.create(
        cabinet=cabinet,
        ligne=trouvee,
        payeur=v.payeur,
        reference=v.reference,
        date_virement=v.date,
        organisme=v.organisme[:200],
        montant=v.montant,
        automatique=False,
        par=utilisateur,
    )
    trouvee.etat, trouvee.traitee_par, trouvee.traitee_le = (
        EtatLigne.RAPPROCHEE,
        utilisateur,
        timezone.now(),
    )
    trouvee.save(update_fields=["etat", "traitee_par", "traitee_le"])
    return rapprochement


@transaction.atomic
def ignorer(
    *, cabinet: Cabinet, ligne: LigneBancaire | int, raison: str, utilisateur: User
) -> LigneBancaire:
    """A person sets a bank line aside with a reason (a patient's transfer, a refund…): it
    leaves the list of unexplained credits."""
    cabinet = _verrouiller(cabinet)
    trouvee = _ligne_en_attente(cabinet, ligne)
    if not raison.strip():
        raise OperationBanqueRefusee("Ignorer une ligne bancaire demande une raison.")
    trouvee.etat, trouvee.raison = EtatLigne.IGNOREE, raison.strip()[:500]
    trouvee.traitee_par, trouvee.traitee_le = utilisateur, timezone.now()
    trouvee.save(update_fields=["etat", "raison", "traitee_par", "traitee_le"])
    return trouvee
