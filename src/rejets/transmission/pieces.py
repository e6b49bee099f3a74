"""Mode dégradé: the invoice goes electronically without the Vitale card, and its paper care
sheet (made by Rejets, signed with the practitioner's digitised signature) and the scanned
prescription go as digital pieces (SCOR) in lots of their own (DOMAIN.md sections 2 and 3).

An invoice's digital pieces are complete when both are attached (the green square of billing
software); when they are not, the paper copy (care sheet and bordereau) is offered to print and
post to the caisse.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from rejets.cabinets.models import Cabinet, Professionnel, SignatureNumerisee
from rejets.domain.lifecycle import TypePartie
from rejets.factures.models import Facture, TiersPayant
from rejets.formats import pdf

from .adaptateurs import Adaptateur, ecrire_atomiquement
from .models import LotScor, Mode, Piece, Securisation, StatutSecurisation, TypePiece
from .services import SecurisationRefusee

if TYPE_CHECKING:
    from .lots import RapportConstruction

TAILLE_MAX_PIECE = 5 * 1024 * 1024
"""amelipro accepts attachments of up to 5 Mo (DOMAIN.md section 3, réclamations)."""
PIECES_REQUISES = (TypePiece.FEUILLE_DE_SOINS, TypePiece.PRESCRIPTION)
DISPOSITION_SCOR = "REJETS-SCOR-1"


class PieceRefusee(ValueError):
    """A file that cannot be a digital piece; the message says why, in French."""


def format_piece(octets: bytes, nom: str) -> str:
    """pdf, png or jpeg, from the file's first bytes (never from its name)."""
    if octets.startswith(b"%PDF-"):
        return "pdf"
    if octets.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if octets.startswith(b"\xff\xd8\xff"):
        return "jpg"
    raise PieceRefusee(f"Pièce « {nom} » refusée : seuls les PDF, PNG et JPEG sont acceptés.")


def _stocker(cabinet_id: int, octets: bytes, extension: str) -> tuple[str, str]:
    sha = hashlib.sha256(octets).hexdigest()
    relatif = Path("pieces") / str(cabinet_id) / f"{sha}.{extension}"
    chemin = Path(settings.REJETS_FICHIERS_DIR) / relatif
    if not chemin.exists():
        ecrire_atomiquement(chemin, octets)
    return str(relatif), sha


def chemin_piece(piece: Piece) -> Path:
    return Path(settings.REJETS_FICHIERS_DIR) / piece.chemin


@transaction.atomic
def attacher_piece(
    *, facture: Facture, type: str, octets: bytes, nom_fichier: str, utilisateur: User
) -> Piece:
    """Attach a scan or a document to an invoice; the file is kept by its SHA-256."""
    if not octets:
        raise PieceRefusee(f"Pièce « {nom_fichier} » refusée : le fichier est vide.")
    if len(octets) > TAILLE_MAX_PIECE:
        raise PieceRefusee(
            f"Pièce « {nom_fichier} » refusée : {len(octets) // 1024} Ko, plus que les 5 Mo "
            "acceptés."
        )
    extension = format_piece(octets, nom_fichier)
    chemin, sha = _stocker(facture.cabinet_id, octets, extension)
    return Piece.objects.create(
        cabinet_id=facture.cabinet_id,
        facture=facture,
        type=TypePiece(type),
        nom_fichier=Path(nom_fichier).name[:255],
        chemin=chemin,
        format=extension,
        sha256=sha,
        taille=len(octets),
        ajoutee_par=utilisateur,
    )


def signature_de(professionnel: Professionnel) -> SignatureNumerisee | None:
    return SignatureNumerisee.objects.filter(professionnel=professionnel).first()


def exiger_signature(professionnel: Professionnel) -> SignatureNumerisee:
    signature = signature_de(professionnel)
    if signature is None:
        raise SecurisationRefusee(
            f"Mode dégradé : la feuille de soins porte la signature numérisée de {professionnel}, "
            "qui n'est pas enregistrée. Enregistrez-la d'abord (rejets cabinets signature)."
        )
    return signature


def feuille_de(facture: Facture, le: date) -> pdf.FeuilleDeSoins:
    """The care sheet of an invoice, from what was secured."""
    pro = facture.professionnel
    patient = facture.patient
    p = facture.prescription
    signature = signature_de(pro)
    fse = facture.parties.filter(type=TypePartie.FSE).select_related("organisme", "lot").first()
    return pdf.FeuilleDeSoins(
        numero_facture=facture.numero,
        date_soins=facture.date_soins,
        praticien=pdf.PraticienPdf(
            nom=pro.nom,
            prenom=pro.prenom,
            profession=pro.profession.capitalize(),
            numero_am=pro.numero_am,
            rpps=pro.rpps,
            cabinet=facture.cabinet.nom,
        ),
        beneficiaire=pdf.BeneficiairePdf(
            nom=patient.nom,
            prenom=patient.prenom,
            nir=patient.nir,
            rang=patient.rang,
            date_naissance=patient.date_naissance,
            regime=facture.regime,
            caisse=facture.caisse,
            centre=facture.centre,
            nature_assurance=facture.nature_assurance,
            exoneration=facture.exoneration,
        ),
        prescription=None
        if p is None
        else pdf.PrescriptionPdf(
            prescripteur_nom=p.prescripteur_nom,
            prescripteur_rpps=p.prescripteur_rpps,
            date=p.date,
            a_domicile=p.a_domicile,
        ),
        actes=[
            pdf.ActePdf(
                date=a.date,
                lettre_cle=a.lettre_cle,
                coefficient=a.coefficient,
                montant=a.montant or 0,
                heure=a.heure,
            )
            for a in facture.actes.all()
        ],
        total=facture.total,
        part_amo=facture.part_amo,
        part_amc=facture.part_amc,
        part_patient=facture.part_patient,
        tiers_payant=TiersPayant(facture.tiers_payant).label,
        organisme_destinataire=str(fse.organisme) if fse and fse.organisme else "",
        signature=bytes(signature.image) if signature else None,
        date_document=le,
        numero_lot=fse.lot.numero if fse and fse.lot else None,
    )


def produire_feuille_de_soins(*, facture: Facture, utilisateur: User, le: date) -> Piece:
    """The signed care sheet of a mode dégradé invoice, attached as its first piece."""
    octets = pdf.feuille_de_soins(feuille_de(facture, le))
    return attacher_piece(
        facture=facture,
        type=TypePiece.FEUILLE_DE_SOINS,
        octets=octets,
        nom_fichier=f"feuille-de-soins-{facture.numero}.pdf",
        utilisateur=utilisateur,
    )


@dataclass(frozen=True)
class EtatPieces:
    """Whether a mode dégradé invoice's digital pieces are complete (the green square)."""

    degrade: bool
    manquantes: tuple[str, ...] = ()
    envoyees: bool = False

    @property
    def complet(self) -> bool:
        return not self.manquantes


def etat_des_pieces(facture: Facture) -> EtatPieces:
    degrade = Securisation.objects.filter(
        facture=facture, mode=Mode.DEGRADE, statut=StatutSecurisation.ACCORDEE
    ).exists()
    if not degrade:
        return EtatPieces(degrade=False)
    pieces = list(facture.pieces.all())
    presentes = {p.type for p in pieces}
    manquantes = tuple(TypePiece(t).label for t in PIECES_REQUISES if t not in presentes)
    envoyees = any(p.lot_scor_id for p in pieces)
    return EtatPieces(degrade=True, manquantes=manquantes, envoyees=envoyees)


def _scan_reference(facture: Facture, utilisateur: User) -> None:
    """A scan named in the exchange format (prescription « scan ») is attached when its file is
    found, as given or under REJETS_FICHIERS_DIR/scans/."""
    p = facture.prescription
    if p is None or not p.scan or facture.pieces.filter(type=TypePiece.PRESCRIPTION).exists():
        return
    for chemin in (Path(p.scan), Path(settings.REJETS_FICHIERS_DIR) / "scans" / p.scan):
        if chemin.is_file():
            try:
                attacher_piece(
                    facture=facture,
                    type=TypePiece.PRESCRIPTION,
                    octets=chemin.read_bytes(),
                    nom_fichier=chemin.name,
                    utilisateur=utilisateur,
                )
            except PieceRefusee:
                return
            return


def factures_en_mode_degrade(cabinet: Cabinet) -> Any:
    return Facture.objects.filter(
        cabinet=cabinet,
        securisations__mode=Mode.DEGRADE,
        securisations__statut=StatutSecurisation.ACCORDEE,
    ).distinct()


def construire_lots_scor(
    *,
    cabinet: Cabinet,
    le: date,
    utilisateur: User,
    professionnel: Professionnel | None,
    rapport: RapportConstruction,
) -> list[LotScor]:
    """One SCOR lot per professional and destination, for the mode dégradé invoices whose
    pieces are complete and not yet sent; the others are reported, with the paper copy to
    print."""
    from .lots import LotImpossible, destination, dossier_des_lots, prochain_numero_lot

    candidates = factures_en_mode_degrade(cabinet).exclude(pieces__lot_scor__isnull=False)
    if professionnel is not None:
        candidates = candidates.filter(professionnel=professionnel)
    groupes: dict[tuple[int, int], list[Facture]] = defaultdict(list)
    for facture in candidates.select_related("professionnel", "prescription").order_by("numero"):
        _scan_reference(facture, utilisateur)
        etat = etat_des_pieces(facture)
        if not etat.complet:
            rapport.avertissements.append(
                f"Facture {facture.numero} (mode dégradé) : pièces numériques incomplètes "
                f"(manque : {', '.join(etat.manquantes)}). Joignez-les (rejets factures pieces) "
                "ou imprimez la copie papier (rejets factures copie-papier) pour la caisse."
            )
            continue
        fse = facture.parties.select_related("facture", "organisme").get(type=TypePartie.FSE)
        try:
            organisme = destination(fse)
        except LotImpossible as exc:
            rapport.refus.append(str(exc))
            continue
        groupes[(facture.professionnel_id, organisme.pk)].append(facture)
    lots = []
    for (_pro, organisme_id), membres in sorted(groupes.items()):
        pro = membres[0].professionnel
        numero = prochain_numero_lot(pro)
        nom = f"SCOR-{pro.numero_am}-{numero}"
        dossier = dossier_des_lots(cabinet) / nom
        lot = LotScor.objects.create(
            cabinet=cabinet,
            professionnel=pro,
            numero=numero,
            organisme_id=organisme_id,
            dossier=nom,
            construit_le=le,
        )
        manifeste: dict[str, Any] = {
            "disposition": DISPOSITION_SCOR,
            "numero_ps": pro.numero_am,
            "numero_lot": numero,
            "date": le.isoformat(),
            "pieces": [],
        }
        for facture in membres:
            for piece in facture.pieces.all():
                fichier = f"{facture.numero}-{piece.type}-{piece.pk}.{piece.format}"
                ecrire_atomiquement(dossier / fichier, chemin_piece(piece).read_bytes())
                manifeste["pieces"].append(
                    {
                        "numero_facture": facture.numero,
                        "type": piece.type,
                        "fichier": fichier,
                        "sha256": piece.sha256,
                    }
                )
                piece.lot_scor = lot
                piece.save(update_fields=["lot_scor"])
        texte = json.dumps(manifeste, ensure_ascii=False, indent=1)
        ecrire_atomiquement(dossier / "manifeste.json", texte.encode("utf-8"))
        lots.append(lot)
    return lots


def envoyer_lots_scor(*, cabinet: Cabinet, le: date, adaptateur: Adaptateur) -> list[str]:
    from .lots import dossier_des_lots

    envoyes = []
    for lot in LotScor.objects.filter(cabinet=cabinet, date_envoi__isnull=True).order_by("pk"):
        with transaction.atomic():
            lot.date_envoi = le
            lot.save(update_fields=["date_envoi"])
            adaptateur.envoyer_pieces(dossier=dossier_des_lots(cabinet) / lot.dossier, le=le)
        envoyes.append(lot.numero)
    return envoyes


def copie_papier(*, factures: list[Facture], le: date) -> bytes:
    """The care sheets to print and post, with their bordereau (DOMAIN.md section 3)."""
    if not factures:
        raise PieceRefusee("Aucune facture pour la copie papier.")
    feuilles = [feuille_de(f, le) for f in factures]
    premiere = feuilles[0]
    lot = (
        factures[0].parties.filter(type=TypePartie.FSE, lot__isnull=False).select_related("lot")
    ).first()
    bordereau = pdf.Bordereau(
        praticien=premiere.praticien,
        organisme_destinataire=premiere.organisme_destinataire,
        numero_lot=premiere.numero_lot or "hors lot",
        date_lot=(lot.lot.date_envoi or le) if lot and lot.lot else le,
        date_document=le,
        lignes=[
            pdf.LigneBordereau(
                numero_facture=f.numero_facture,
                date_soins=f.date_soins,
                beneficiaire_nom=f.beneficiaire.nom,
                beneficiaire_prenom=f.beneficiaire.prenom,
                nir=f.beneficiaire.nir,
                montant_total=f.total,
                part_amo=f.part_amo,
            )
            for f in feuilles
        ],
    )
    return pdf.feuilles_de_soins(feuilles, bordereau)
