"""Audit des pertes en PDF : chiffres relus dans le texte, graphiques, reproductibilité, aucune
donnée de patient."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from rejets.domain.money import format_euros
from rejets.formats.pdf import (
    LigneMoisPdf,
    LigneRejetsPdf,
    RapportAuditPdf,
    TranchePdf,
    rapport_audit,
)
from rejets.formats.pdf.audit import pourcentage, titre_audit

NIR = "255057505600147"


def espaces(texte: str) -> str:
    return texte.replace("\u00a0", " ").replace("\u202f", " ")


def lire(octets: bytes) -> PdfReader:
    assert octets.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(octets))


def texte_pdf(octets: bytes) -> str:
    return espaces("\n".join(page.extract_text() for page in lire(octets).pages))


def euros(centimes: int) -> str:
    return espaces(format_euros(centimes))


def contenu_des_pages(octets: bytes) -> bytes:
    return b"\n".join(page.get_contents().get_data() for page in lire(octets).pages)


def rapport(**modifs: Any) -> RapportAuditPdf:
    demandes, montant_demandes = 412, 1_234_567
    base = RapportAuditPdf(
        cabinet="Cabinet des Tilleuls",
        du=dt.date(2026, 1, 1),
        au=dt.date(2026, 3, 31),
        aujourd_hui=dt.date(2026, 5, 15),
        factures=398,
        facture=1_198_765,
        paye=1_050_000,
        reste=118_765,
        demandes=demandes,
        montant_demandes=montant_demandes,
        rejets=17,
        montant_rejete=45_678,
        par_famille=(
            LigneRejetsPdf("Droits de l'assuré", demandes, montant_demandes, 9, 27_123),
            LigneRejetsPdf("Prescription", demandes, montant_demandes, 5, 12_555),
            LigneRejetsPdf("À qualifier", demandes, montant_demandes, 3, 6_000),
        ),
        par_organisme=(
            LigneRejetsPdf("CPAM de Paris (017510000)", 300, 900_000, 12, 30_000),
            LigneRejetsPdf("Mutuelle Exemple (9999000001)", 112, 334_567, 5, 15_678),
        ),
        par_mois=(
            LigneMoisPdf(dt.date(2026, 1, 1), 400_000, 140, 410_000, 4, 10_000),
            LigneMoisPdf(dt.date(2026, 2, 1), 398_765, 130, 400_000, 8, 20_678),
            LigneMoisPdf(dt.date(2026, 3, 1), 400_000, 142, 424_567, 5, 15_000),
        ),
        recyclees=11,
        refacture=24_000,
        recupere=19_876,
        ouvert=(
            TranchePdf("0 à 30 jours", 0),
            TranchePdf("31 à 60 jours", 50_000),
            TranchePdf("61 à 90 jours", 40_000),
            TranchePdf("Plus de 90 jours", 28_765),
        ),
        deja_forclos=0,
        risque_30=1_500,
        risque_60=2_500,
        risque_90=3_600,
        perdu_forclos=20_000,
        perdu_abandonne=10_000,
        paiements_mesures=300,
        jours_de_paiement=4_650,
    )
    return dataclasses.replace(base, **modifs)


def test_le_rapport_porte_cabinet_periode_et_chaque_chiffre() -> None:
    r = rapport()
    texte = texte_pdf(rapport_audit(r))
    assert "Audit des pertes" in texte and "Cabinet des Tilleuls" in texte
    assert "du 01/01/2026 au 31/03/2026" in texte and "Situation au 15/05/2026" in texte
    for montant in (
        r.facture,
        r.paye,
        r.reste,
        r.montant_rejete,
        r.montant_demandes,
        r.recupere,
        r.refacture,
        r.risque_30,
        r.risque_60,
        r.risque_90,
        r.perdu,
        r.perdu_forclos,
        r.perdu_abandonne,
    ):
        assert euros(montant) in texte, montant
    for ligne in (*r.par_famille, *r.par_organisme):
        assert ligne.libelle in texte and euros(ligne.montant_rejete) in texte
    for tranche in r.ouvert:
        assert tranche.libelle in texte and euros(tranche.montant) in texte
    for mois in ("janvier 2026", "février 2026", "mars 2026"):
        assert mois in texte
    assert "398 factures" in texte and "17 rejets" in texte
    assert "15,5 jours" in texte and "300 paiements" in texte


def test_les_montants_et_les_taux_sont_a_la_francaise() -> None:
    texte = texte_pdf(rapport_audit(rapport()))
    assert "11 987,65 €" in texte
    assert "4,1 %" in texte  # 17 rejets sur 412 demandes
    assert "3,7 %" in texte  # 456,78 € sur 12 345,67 €
    assert re.search(r"\d\.\d{2} €", texte) is None


def test_l_equilibre_du_livre_est_imprime() -> None:
    r = rapport()
    texte = texte_pdf(rapport_audit(r))
    assert r.facture == r.paye + r.perdu + r.reste
    assert (
        f"{euros(r.facture)} = {euros(r.paye)} + {euros(r.perdu)} + {euros(r.reste)}"
        in " ".join(texte.split())
    )


@pytest.mark.parametrize(
    ("partie", "total", "attendu"),
    [(1, 3, "33,3 %"), (1, 8, "12,5 %"), (1, 16, "6,3 %"), (0, 5, "0,0 %"), (3, 0, "—")],
)
def test_pourcentage_au_dixieme_demi_vers_le_haut(partie: int, total: int, attendu: str) -> None:
    assert espaces(pourcentage(partie, total)) == attendu


def test_les_graphiques_sont_dessines_en_vectoriel() -> None:
    octets = rapport_audit(rapport())
    texte = texte_pdf(octets)
    assert "Montant rejeté par mois des soins" in texte
    assert "Montant rejeté par famille" in texte
    assert "Reste dû par ancienneté" in texte
    contenu = contenu_des_pages(octets)
    # barres (rectangles remplis) et secteurs du camembert (courbes de Bézier)
    assert len(re.findall(rb" re\b", contenu)) > 20
    assert len(re.findall(rb"\d c\s", contenu)) >= 3
    assert "janv. 26" in texte and "Droits de l'assuré (59,4 %)" in texte


def test_sans_rejet_ni_demande_le_rapport_le_dit() -> None:
    vide = rapport(
        rejets=0,
        montant_rejete=0,
        demandes=0,
        montant_demandes=0,
        par_famille=(),
        par_organisme=(),
        par_mois=(LigneMoisPdf(dt.date(2026, 1, 1), 0, 0, 0, 0, 0),),
        paiements_mesures=0,
        jours_de_paiement=0,
        facture=0,
        paye=0,
        reste=0,
        perdu_forclos=0,
        perdu_abandonne=0,
        ouvert=(),
    )
    texte = texte_pdf(rapport_audit(vide))
    assert "Aucun rejet sur la période." in texte and "Aucun rejet" in texte
    assert "Aucune demande envoyée sur la période." in texte


def test_une_longue_periode_tient_sur_plusieurs_pages() -> None:
    mois = tuple(
        LigneMoisPdf(
            dt.date(2024 + i // 12, i % 12 + 1, 1), 100_000 + i, 30, 90_000, i % 4, i * 100
        )
        for i in range(36)
    )
    octets = rapport_audit(rapport(du=dt.date(2024, 1, 1), au=dt.date(2026, 12, 31), par_mois=mois))
    assert len(lire(octets).pages) >= 2
    texte = texte_pdf(octets)
    assert "décembre 2026" in texte and "12/26" in texte
    assert "Page 1 sur" in texte


def test_le_rapport_est_reproductible() -> None:
    premier = rapport_audit(rapport())
    assert rapport_audit(rapport()) == premier
    assert rapport_audit(rapport(recupere=19_877)) != premier
    meta = lire(premier).metadata
    assert meta is not None and meta.creation_date is not None
    assert meta.creation_date.date() == dt.date(2026, 5, 15)


def test_metadonnees_titre_du_cabinet_et_de_la_periode_sans_patient() -> None:
    r = rapport()
    meta = lire(rapport_audit(r)).metadata
    assert meta is not None
    assert meta.title == "Audit des pertes — Cabinet des Tilleuls — du 01/01/2026 au 31/03/2026"
    assert meta.title == titre_audit(r)
    assert NIR not in str(dict(meta))


def test_aucune_donnee_de_patient_ne_peut_entrer_dans_le_rapport() -> None:
    champs = {
        f.name
        for cls in (RapportAuditPdf, LigneRejetsPdf, LigneMoisPdf, TranchePdf)
        for f in dataclasses.fields(cls)
    }
    assert not {c for c in champs if re.search("patient|nir|nom|prenom|naissance", c)}
    texte = texte_pdf(rapport_audit(rapport()))
    assert NIR not in texte.replace(" ", "")


def test_la_police_vera_est_integree_et_seule_utilisee() -> None:
    lecteur = lire(rapport_audit(rapport()))
    polices = {
        str(police["/BaseFont"])
        for page in lecteur.pages
        for police in page["/Resources"]["/Font"].values()
    }
    assert polices and all("BitstreamVeraSans" in p for p in polices), polices


def test_une_periode_a_l_envers_est_refusee() -> None:
    with pytest.raises(ValueError, match="le début de la période"):
        rapport(du=dt.date(2026, 4, 1))
