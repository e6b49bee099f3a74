"""Pièces PDF du mode dégradé : feuille de soins, bordereau, envoi papier, image de signature."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import io
import random
import struct
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

import rejets.formats.pdf
from rejets.domain.money import format_euros
from rejets.formats.pdf import (
    MENTION_MODE_DEGRADE,
    ActePdf,
    BeneficiairePdf,
    Bordereau,
    EnvoiIncoherent,
    FeuilleDeSoins,
    ImageSignature,
    ImageSignatureRefusee,
    LigneBordereau,
    PraticienPdf,
    PrescriptionPdf,
    bordereau,
    feuille_de_soins,
    feuilles_de_soins,
    verifier_image_signature,
)

NIR = "185057800608436"
NIR_AFFICHE = "1 85 05 78 006 084 36"


# --- Images et lecture des PDF ---


def image_signature(format_image: str = "PNG", taille: tuple[int, int] = (400, 150)) -> bytes:
    mode = "RGBA" if format_image == "PNG" else "RGB"
    fond = (0, 0, 0, 0) if mode == "RGBA" else (255, 255, 255)
    image = Image.new(mode, taille, fond)
    largeur, hauteur = taille
    ImageDraw.Draw(image).line(
        (2, hauteur - 3, largeur - 3, 2), fill=(10, 20, 90, 255)[: len(mode)], width=3
    )
    tampon = io.BytesIO()
    image.save(tampon, format_image)
    return tampon.getvalue()


def lire(octets: bytes) -> PdfReader:
    assert octets.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(octets))


def espaces(texte: str) -> str:
    """Espaces insécables et fines ramenées à l'espace ordinaire pour comparer."""
    return texte.replace("\u00a0", " ").replace("\u202f", " ")


def texte_pdf(octets: bytes) -> str:
    return espaces("\n".join(page.extract_text() for page in lire(octets).pages))


def euros(centimes: int) -> str:
    return espaces(format_euros(centimes))


def nombre_images(octets: bytes) -> int:
    return sum(len(page.images) for page in lire(octets).pages)


def metadonnees(octets: bytes) -> str:
    meta = lire(octets).metadata
    assert meta is not None
    return " ".join(str(valeur) for valeur in meta.values())


# --- Données ---


PRATICIEN = PraticienPdf(
    nom="Martin",
    prenom="Élodie",
    profession="Infirmière",
    numero_am="123456789",
    rpps="10003456789",
    cabinet="Cabinet des Tilleuls",
    adresse=("12 rue des Lilas", "75011 Paris"),
)
BENEFICIAIRE = BeneficiairePdf(
    nom="Dupont",
    prenom="Jérôme",
    nir=NIR,
    rang=1,
    date_naissance=dt.date(1985, 5, 3),
    regime="01",
    caisse="751",
    centre="0000",
    nature_assurance="10",
    exoneration="4",
)
PRESCRIPTION = PrescriptionPdf(
    prescripteur_nom="Dr Léa Durand",
    prescripteur_rpps="10101010101",
    date=dt.date(2025, 3, 1),
    a_domicile=True,
)


def feuille(**changements: object) -> FeuilleDeSoins:
    base = FeuilleDeSoins(
        numero_facture="000001234",
        date_soins=dt.date(2025, 3, 10),
        praticien=PRATICIEN,
        beneficiaire=BENEFICIAIRE,
        prescription=PRESCRIPTION,
        actes=(
            ActePdf(dt.date(2025, 3, 10), "AMI", Decimal("1.50"), 473, dt.time(8, 30)),
            ActePdf(dt.date(2025, 3, 10), "IFD", Decimal("1"), 250),
        ),
        total=123456,
        part_amo=80000,
        part_amc=30000,
        part_patient=13456,
        tiers_payant="Tiers payant AMO et AMC",
        organisme_destinataire="CPAM de Paris",
        date_document=dt.date(2025, 3, 11),
        signature=image_signature(),
        numero_lot="000042",
    )
    return dataclasses.replace(base, **changements)  # type: ignore[arg-type]


def ligne(rang: int, **changements: object) -> LigneBordereau:
    base = LigneBordereau(
        numero_facture=f"{900000000 + rang:09d}",
        date_soins=dt.date(2025, 3, 1),
        beneficiaire_nom=f"Patient{rang}",
        beneficiaire_prenom="Hélène",
        nir=NIR,
        montant_total=1000 + rang,
        part_amo=600,
    )
    return dataclasses.replace(base, **changements)  # type: ignore[arg-type]


def un_bordereau(lignes: list[LigneBordereau] | None = None, **changements: object) -> Bordereau:
    base = Bordereau(
        praticien=PRATICIEN,
        organisme_destinataire="CPAM de Paris",
        numero_lot="000042",
        date_lot=dt.date(2025, 3, 11),
        date_document=dt.date(2025, 3, 12),
        lignes=lignes if lignes is not None else [ligne(1), ligne(2)],
        organisme_adresse=("21 rue Georges Auric", "75948 Paris Cedex 19"),
    )
    return dataclasses.replace(base, **changements)  # type: ignore[arg-type]


# --- Feuille de soins ---


def test_la_feuille_de_soins_porte_praticien_beneficiaire_prescription_actes_et_parts() -> None:
    texte = texte_pdf(feuille_de_soins(feuille()))
    for attendu in [
        "Feuille de soins",
        "Auxiliaire médical — Infirmière",
        "Facture n° 000001234",
        "Date des soins : 10/03/2025",
        "Date du document : 11/03/2025",
        "Lot n° 000042",
        MENTION_MODE_DEGRADE,
        "Identification du praticien",
        "Martin Élodie",
        "123456789",
        "10003456789",
        "Cabinet des Tilleuls",
        "75011 Paris",
        "Bénéficiaire des soins",
        "Dupont",
        "Jérôme",
        NIR_AFFICHE,
        "03/05/1985",
        "01 / 751 / 0000",
        "10 — maladie",
        "4 — affection de longue durée",
        "Prescription",
        "Dr Léa Durand",
        "10101010101",
        "01/03/2025",
        "Soins à domicile",
        "Actes effectués",
        "AMI",
        "IFD",
        "1,5",
        "08:30",
        euros(473),
        euros(250),
        "1 234,56 €",
        "800,00 €",
        "300,00 €",
        "134,56 €",
        "Part AMO",
        "Part AMC",
        "Part assuré",
        "Tiers payant AMO et AMC",
        "CPAM de Paris",
        "Fait le 11/03/2025",
        "Signature du praticien",
        "Page 1 sur 1",
    ]:
        assert attendu in texte, attendu
    assert "dégradé" in texte
    assert "Signature numérisée absente" not in texte


def test_la_feuille_sans_prescription_le_dit() -> None:
    texte = texte_pdf(feuille_de_soins(feuille(prescription=None)))
    assert "Soins sans prescription" in texte
    assert "Dr Léa Durand" not in texte


def test_une_date_de_naissance_lunaire_est_imprimee_telle_quelle() -> None:
    beneficiaire = dataclasses.replace(BENEFICIAIRE, date_naissance="00/00/1950")
    assert "00/00/1950" in texte_pdf(feuille_de_soins(feuille(beneficiaire=beneficiaire)))


def test_les_textes_saisis_sont_echappes() -> None:
    praticien = dataclasses.replace(PRATICIEN, cabinet="Soins & Santé <Nord>")
    assert "Soins & Santé <Nord>" in texte_pdf(feuille_de_soins(feuille(praticien=praticien)))


@pytest.mark.parametrize("format_image", ["PNG", "JPEG"])
def test_l_image_de_signature_est_dans_le_pdf(format_image: str) -> None:
    octets = feuille_de_soins(feuille(signature=image_signature(format_image)))
    assert nombre_images(octets) >= 1


def test_sans_image_de_signature_le_cadre_dit_qu_elle_manque() -> None:
    octets = feuille_de_soins(feuille(signature=None))
    assert nombre_images(octets) == 0
    texte = texte_pdf(octets)
    assert "Signature du praticien" in texte
    assert "Signature numérisée absente" in texte


def test_une_image_de_signature_non_conforme_est_refusee_avant_le_pdf() -> None:
    with pytest.raises(ImageSignatureRefusee, match="ni un PNG ni un JPEG"):
        feuille_de_soins(feuille(signature=b"GIF89a pas une signature"))


def test_les_metadonnees_ne_portent_ni_nom_ni_nir_du_patient() -> None:
    octets = feuille_de_soins(feuille())
    meta = lire(octets).metadata
    assert meta is not None
    assert meta.title == "Feuille de soins n° 000001234"
    tout = metadonnees(octets)
    for interdit in [NIR, NIR_AFFICHE, "Dupont", "Jérôme"]:
        assert interdit not in tout


def test_la_feuille_est_reproductible() -> None:
    f = feuille()
    premier = feuille_de_soins(f)
    assert feuille_de_soins(f) == premier
    assert feuille_de_soins(feuille(numero_facture="000001235")) != premier
    meta = lire(premier).metadata
    assert meta is not None and meta.creation_date is not None
    assert meta.creation_date.date() == dt.date(2025, 3, 11)


def test_la_police_est_integree_et_seule_utilisee() -> None:
    octets = feuille_de_soins(feuille())
    ressources: list[Any] = [page["/Resources"] for page in lire(octets).pages]
    polices = {str(police["/BaseFont"]) for r in ressources for police in r["/Font"].values()}
    assert polices
    assert all("BitstreamVeraSans" in police for police in polices), polices


def test_beaucoup_d_actes_tiennent_sur_plusieurs_pages() -> None:
    actes = tuple(
        ActePdf(dt.date(2025, 3, 1) + dt.timedelta(days=i % 28), "AMI", Decimal("1"), 315 + i)
        for i in range(70)
    )
    octets = feuille_de_soins(feuille(actes=actes))
    lecteur = lire(octets)
    assert len(lecteur.pages) >= 2
    texte = texte_pdf(octets)
    for acte in actes:
        assert euros(acte.montant) in texte
    assert f"Page 2 sur {len(lecteur.pages)}" in texte
    assert "Signature du praticien" in espaces(lecteur.pages[-1].extract_text())


@pytest.mark.parametrize("champ", [{"actes": ()}, {"numero_facture": " "}])
def test_une_feuille_sans_acte_ou_sans_numero_est_refusee(champ: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        feuille(**champ)


# --- Bordereau ---


def test_le_bordereau_porte_praticien_organisme_lot_et_factures() -> None:
    b = un_bordereau([ligne(1), ligne(2, facture_remplacee="000000777")])
    texte = texte_pdf(bordereau(b))
    for attendu in [
        "Bordereau de télétransmission",
        "Lot n° 000042",
        "Date du lot : 11/03/2025",
        "Date du document : 12/03/2025",
        "mode dégradé",
        "Martin Élodie",
        "123456789",
        "CPAM de Paris",
        "75948 Paris Cedex 19",
        "900000001",
        "900000002",
        "000000777",
        "01/03/2025",
        "Patient1 Hélène",
        NIR_AFFICHE,
        euros(1001),
        euros(1002),
        "Total : 2 factures",
        euros(2003),
        euros(1200),
        "Nombre de factures : 2",
        "Cachet et signature du praticien",
    ]:
        assert attendu in texte, attendu


def test_les_metadonnees_du_bordereau_ne_portent_ni_nom_ni_nir() -> None:
    octets = bordereau(un_bordereau())
    meta = lire(octets).metadata
    assert meta is not None
    assert meta.title == "Bordereau de télétransmission — lot n° 000042"
    tout = metadonnees(octets)
    for interdit in [NIR, NIR_AFFICHE, "Patient1", "Hélène"]:
        assert interdit not in tout


def test_un_bordereau_de_80_factures_tient_sur_plusieurs_pages() -> None:
    lignes = [ligne(rang) for rang in range(1, 81)]
    octets = bordereau(un_bordereau(lignes))
    lecteur = lire(octets)
    assert len(lecteur.pages) >= 2
    texte = texte_pdf(octets)
    for l_ in lignes:
        assert l_.numero_facture in texte
    assert "Total : 80 factures" in texte
    assert euros(sum(l_.montant_total for l_ in lignes)) in texte
    assert f"Page {len(lecteur.pages)} sur {len(lecteur.pages)}" in texte
    # l'en-tête du tableau se répète sur chaque page
    for page in lecteur.pages:
        assert "Bénéficiaire" in page.extract_text()


def test_le_bordereau_est_reproductible_et_porte_la_signature_si_donnee() -> None:
    b = un_bordereau()
    assert bordereau(b) == bordereau(b)
    assert nombre_images(bordereau(b)) == 0
    assert nombre_images(bordereau(dataclasses.replace(b, signature=image_signature()))) >= 1


def test_un_bordereau_vide_est_refuse() -> None:
    with pytest.raises(ValueError, match="aucune facture"):
        un_bordereau([])


# --- Envoi papier ---


def test_l_envoi_papier_met_le_bordereau_puis_chaque_feuille() -> None:
    feuilles = [feuille(), feuille(numero_facture="000001235", signature=None)]
    b = un_bordereau([ligne(1, numero_facture=f.numero_facture) for f in feuilles])
    octets = feuilles_de_soins(feuilles, b)
    pages = [espaces(page.extract_text()) for page in lire(octets).pages]
    assert len(pages) == 3
    assert "Bordereau de télétransmission" in pages[0]
    assert "Facture n° 000001234" in pages[1]
    assert "Facture n° 000001235" in pages[2]
    assert "Feuille de soins n° 000001235 — mode dégradé" in pages[2]
    assert all("Page 1 sur 1" in page for page in pages)
    assert nombre_images(octets) == 1
    meta = lire(octets).metadata
    assert meta is not None and meta.title == "Envoi papier — " + (
        "Bordereau de télétransmission — lot n° 000042"
    )
    assert NIR not in metadonnees(octets) and "Dupont" not in metadonnees(octets)
    assert feuilles_de_soins(feuilles, b) == octets


def test_l_envoi_papier_sans_bordereau() -> None:
    octets = feuilles_de_soins([feuille(), feuille(numero_facture="000001235")], None)
    assert len(lire(octets).pages) == 2


def test_une_feuille_absente_du_bordereau_est_refusee() -> None:
    with pytest.raises(EnvoiIncoherent, match="000001234"):
        feuilles_de_soins([feuille()], un_bordereau())


@pytest.mark.parametrize(
    ("feuilles", "avec_bordereau", "message"),
    [([], False, "vide"), ([feuille(), feuille()], False, "en double")],
)
def test_un_envoi_vide_ou_en_double_est_refuse(
    feuilles: list[FeuilleDeSoins], avec_bordereau: bool, message: str
) -> None:
    with pytest.raises(EnvoiIncoherent, match=message):
        feuilles_de_soins(feuilles, un_bordereau() if avec_bordereau else None)


# --- Image de signature ---


def png_declare(largeur: int, hauteur: int) -> bytes:
    """PNG dont l'en-tête annonce ces dimensions, sans données d'image."""

    def bloc(type_bloc: bytes, donnees: bytes) -> bytes:
        crc = zlib.crc32(type_bloc + donnees)
        return struct.pack(">I", len(donnees)) + type_bloc + donnees + struct.pack(">I", crc)

    entete = struct.pack(">IIBBBBB", largeur, hauteur, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + bloc(b"IHDR", entete) + bloc(b"IEND", b"")


def test_un_png_et_un_jpeg_sont_acceptes() -> None:
    assert verifier_image_signature(image_signature("PNG")) == ImageSignature("PNG", 400, 150)
    assert verifier_image_signature(image_signature("JPEG", (300, 100))) == ImageSignature(
        "JPEG", 300, 100
    )


@pytest.mark.parametrize("taille", [(50, 20), (3000, 3000)])
def test_les_dimensions_limites_sont_acceptees(taille: tuple[int, int]) -> None:
    image = Image.new("1", taille, 1)
    tampon = io.BytesIO()
    image.save(tampon, "PNG")
    assert verifier_image_signature(tampon.getvalue()).largeur == taille[0]


def test_un_gif_est_refuse_en_francais() -> None:
    image = Image.new("P", (200, 80))
    tampon = io.BytesIO()
    image.save(tampon, "GIF")
    with pytest.raises(ImageSignatureRefusee) as erreur:
        verifier_image_signature(tampon.getvalue())
    assert str(erreur.value) == (
        "Image de signature refusée : ce fichier n'est ni un PNG ni un JPEG."
    )


@pytest.mark.parametrize("format_image", ["PNG", "JPEG"])
def test_une_image_tronquee_est_refusee(format_image: str) -> None:
    octets = image_signature(format_image)
    with pytest.raises(ImageSignatureRefusee, match="illisible, tronqué ou endommagé"):
        verifier_image_signature(octets[: len(octets) // 2])


@pytest.mark.parametrize(
    "octets",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        b"\xff\xd8\xff" + b"n'importe quoi" * 10,
        image_signature("PNG")[:40] + b"\xde\xad" + image_signature("PNG")[42:],
    ],
    ids=["png-vide", "jpeg-illisible", "png-crc-faux"],
)
def test_des_octets_endommages_donnent_un_refus_en_francais(octets: bytes) -> None:
    with pytest.raises(ImageSignatureRefusee, match=r"^Image de signature refusée : "):
        verifier_image_signature(octets)


def test_un_fichier_de_plus_d_1_mo_est_refuse() -> None:
    generateur = random.Random(7)
    bruit = generateur.randbytes(700 * 700 * 3)
    tampon = io.BytesIO()
    Image.frombytes("RGB", (700, 700), bruit).save(tampon, "PNG", compress_level=0)
    assert len(tampon.getvalue()) > 1024 * 1024
    with pytest.raises(ImageSignatureRefusee, match="au plus 1 Mo"):
        verifier_image_signature(tampon.getvalue())


@pytest.mark.parametrize("taille", [(49, 20), (50, 19), (10, 10)])
def test_une_image_trop_petite_est_refusee(taille: tuple[int, int]) -> None:
    with pytest.raises(ImageSignatureRefusee, match="trop petite"):
        verifier_image_signature(image_signature("PNG", taille))


@pytest.mark.parametrize("taille", [(3001, 20), (50, 3001), (100_000, 100_000)])
def test_une_image_trop_grande_est_refusee(taille: tuple[int, int]) -> None:
    with pytest.raises(ImageSignatureRefusee, match="trop grande"):
        verifier_image_signature(png_declare(*taille))


def test_un_fichier_vide_est_refuse() -> None:
    with pytest.raises(ImageSignatureRefusee, match="vide"):
        verifier_image_signature(b"")


# --- Pureté ---


def test_le_module_pdf_n_importe_ni_django_ni_base_de_donnees() -> None:
    dossier = Path(rejets.formats.pdf.__file__).parent
    interdits = ("django", "rejets.cabinets", "rejets.factures", "sqlite3", "psycopg")
    for fichier in dossier.rglob("*.py"):
        for noeud in ast.walk(ast.parse(fichier.read_text(), str(fichier))):
            if isinstance(noeud, ast.Import):
                noms = [a.name for a in noeud.names]
            elif isinstance(noeud, ast.ImportFrom) and noeud.module:
                noms = [noeud.module]
            else:
                continue
            for nom in noms:
                assert not nom.startswith(interdits), f"{fichier.name} importe {nom}"
