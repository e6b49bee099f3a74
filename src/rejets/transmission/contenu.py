"""The content of an invoice as it is secured and sent: what the practitioner signs, in plain
values, so that its digest (`rejets.domain.scellement`) changes with any field that matters."""

from __future__ import annotations

from typing import Any

from rejets.domain.lifecycle import TypePartie
from rejets.factures.models import Facture


def _date(d: Any) -> str | None:
    return d.isoformat() if d is not None else None


def contenu_securise(facture: Facture, *, mode: str) -> dict[str, Any]:
    """Invoice, practitioner, beneficiary and rights, prescription, acts, parts and payers."""
    patient = facture.patient
    pro = facture.professionnel
    prescription = facture.prescription
    organismes = {
        p.type: (p.organisme.code if p.organisme is not None else None)
        for p in facture.parties.select_related("organisme")
    }
    return {
        "numero": facture.numero,
        "mode": mode,
        "professionnel": {"numero_am": pro.numero_am, "rpps": pro.rpps, "nom": pro.nom},
        "beneficiaire": {
            "nir": patient.nir,
            "rang": patient.rang,
            "nom": patient.nom,
            "prenom": patient.prenom,
            "date_naissance": _date(patient.date_naissance),
        },
        "droits": {
            "regime": facture.regime,
            "caisse": facture.caisse,
            "centre": facture.centre,
            "nature_assurance": facture.nature_assurance,
            "exoneration": facture.exoneration,
            "taux": facture.taux_remboursement,
            "tiers_payant": facture.tiers_payant,
        },
        "prescription": None
        if prescription is None
        else {
            "date": _date(prescription.date),
            "prescripteur": prescription.prescripteur_nom,
            "rpps": prescription.prescripteur_rpps,
            "a_domicile": prescription.a_domicile,
        },
        "date_soins": _date(facture.date_soins),
        "actes": [
            {
                "date": _date(a.date),
                "heure": a.heure.isoformat() if a.heure else None,
                "lettre_cle": a.lettre_cle,
                "coefficient": str(a.coefficient.normalize()),
                "montant": a.montant,
            }
            for a in facture.actes.all()
        ],
        "total": facture.total,
        "part_amo": facture.part_amo,
        "part_amc": facture.part_amc,
        "part_patient": facture.part_patient,
        "organisme_amo": organismes.get(TypePartie.FSE.value),
        "organisme_amc": organismes.get(TypePartie.DRE.value),
    }
