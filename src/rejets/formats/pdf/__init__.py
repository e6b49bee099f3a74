"""Pièces PDF : feuille de soins et bordereau du mode dégradé, pièces des rejets.

- ``feuille_de_soins`` : la feuille de soins d'une facture, avec l'image de la signature
  numérisée du praticien, pièce justificative SCOR ou copie papier (DOMAIN.md §2) ;
- ``bordereau`` : le bordereau de télétransmission qui accompagne les copies papier des
  factures en mode dégradé recyclées (DOMAIN.md §3) ;
- ``feuilles_de_soins`` : bordereau et feuilles en un seul PDF à imprimer ;
- ``verifier_image_signature`` : contrôle de l'image de signature (PNG ou JPEG) ;
- ``facture_patient`` : la facture au patient de la part refusée en tiers payant ;
- ``reclamation`` : la réclamation à la caisse sur un paiement ou une facture sans réponse ;
- ``duplicata`` : la feuille de soins marquée « DUPLICATA », quand la caisse la demande
  (DOMAIN.md §3).

Mise en page propre au projet (pas le formulaire CERFA officiel), décrite dans
docs/pieces.md. Module pur : ni Django ni base de données.
"""

from rejets.formats.pdf.audit import (
    LigneMoisPdf,
    LigneRejetsPdf,
    RapportAuditPdf,
    TranchePdf,
    rapport_audit,
)
from rejets.formats.pdf.bordereau import Bordereau, LigneBordereau, bordereau
from rejets.formats.pdf.envoi import EnvoiIncoherent, feuilles_de_soins
from rejets.formats.pdf.facture_patient import (
    FacturePatientPdf,
    PartRefusee,
    PatientPdf,
    facture_patient,
)
from rejets.formats.pdf.feuille import (
    MENTION_MODE_DEGRADE,
    ActePdf,
    BeneficiairePdf,
    FeuilleDeSoins,
    PraticienPdf,
    PrescriptionPdf,
    feuille_de_soins,
)
from rejets.formats.pdf.reclamation import (
    MENTION_DUPLICATA,
    ReclamationPdf,
    duplicata,
    reclamation,
)
from rejets.formats.pdf.signature import (
    ImageSignature,
    ImageSignatureRefusee,
    verifier_image_signature,
)

__all__ = [
    "MENTION_DUPLICATA",
    "MENTION_MODE_DEGRADE",
    "ActePdf",
    "BeneficiairePdf",
    "Bordereau",
    "EnvoiIncoherent",
    "FacturePatientPdf",
    "FeuilleDeSoins",
    "ImageSignature",
    "ImageSignatureRefusee",
    "LigneBordereau",
    "LigneMoisPdf",
    "LigneRejetsPdf",
    "PartRefusee",
    "PatientPdf",
    "PraticienPdf",
    "PrescriptionPdf",
    "RapportAuditPdf",
    "ReclamationPdf",
    "TranchePdf",
    "bordereau",
    "duplicata",
    "facture_patient",
    "feuille_de_soins",
    "feuilles_de_soins",
    "rapport_audit",
    "reclamation",
    "verifier_image_signature",
]
