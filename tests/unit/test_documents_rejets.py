"""Pièces du traitement des rejets : facture au patient, réclamation, duplicata, courriels."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Callable
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

import rejets.formats.courriel
from rejets.domain.identifiants import nir as nir_module
from rejets.domain.money import format_euros
from rejets.formats.courriel import (
    CourrielRefuse,
    DemandeAnnulation,
    PieceJointe,
    ReclamationCourriel,
    demande_annulation,
    objet_annulation,
    objet_reclamation,
    reclamation_courriel,
)
from rejets.formats.pdf import (
    MENTION_DUPLICATA,
    MENTION_MODE_DEGRADE,
    ActePdf,
    BeneficiairePdf,
    FacturePatientPdf,
    FeuilleDeSoins,
    PatientPdf,
    PraticienPdf,
    ReclamationPdf,
    duplicata,
    facture_patient,
    feuille_de_soins,
    reclamation,
)

NIR = "185057800608436"
NIR_AFFICHE = "1 85 05 78 006 084 36"
PARIS = ZoneInfo("Europe/Paris")
MOTIF_REFUS = "La caisse a refusé la prise en charge : droits non ouverts à la date des soins"


# --- Lecture ---


def espaces(texte: str) -> str:
    return texte.replace("\u00a0", " ").replace("\u202f", " ")


def lire(octets: bytes) -> PdfReader:
    assert octets.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(octets))


def texte_pdf(octets: bytes) -> str:
    """Texte de toutes les pages, espaces et retours à la ligne ramenés à une espace."""
    return " ".join(espaces(" ".join(page.extract_text() for page in lire(octets).pages)).split())


def metadonnees(octets: bytes) -> tuple[str, str]:
    meta = lire(octets).metadata
    assert meta is not None and meta.title is not None
    return str(meta.title), " ".join(str(valeur) for valeur in meta.values())


def euros(centimes: int) -> str:
    return espaces(format_euros(centimes))


def courriel(octets: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(octets)
    assert isinstance(message, EmailMessage)
    return message


def corps(message: EmailMessage) -> str:
    partie = message.get_body(preferencelist=("plain",))
    assert isinstance(partie, EmailMessage)
    contenu = partie.get_content()
    assert isinstance(contenu, str)
    return contenu


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
ACTES = (
    ActePdf(dt.date(2025, 3, 10), "AMI", Decimal("1.50"), 473, dt.time(8, 30)),
    ActePdf(dt.date(2025, 3, 10), "IFD", Decimal("1"), 250),
)


def une_facture(**changements: object) -> FacturePatientPdf:
    base = FacturePatientPdf(
        numero_facture="P2025-0007",
        date_soins=dt.date(2025, 3, 10),
        date_document=dt.date(2025, 4, 2),
        date_echeance=dt.date(2025, 5, 2),
        praticien=PRATICIEN,
        patient=PatientPdf("Dupont", "Jérôme", ("3 rue Haute", "75020 Paris")),
        actes=ACTES,
        total=123456,
        part_refusee="AMO",
        organisme="CPAM de Paris",
        montant_refuse=80000,
        motif=MOTIF_REFUS,
        reglement="Chèque à l'ordre d'Élodie Martin ou virement : IBAN FR76 3000 6000 0112 3456",
        part_patient=13456,
        deja_regle=13456,
        facture_origine="000001234",
    )
    return dataclasses.replace(base, **changements)  # type: ignore[arg-type]


def une_reclamation(**changements: object) -> ReclamationPdf:
    base = ReclamationPdf(
        organisme="CPAM de Paris",
        praticien=PRATICIEN,
        numero_facture="000001234",
        numero_lot="000042",
        date_envoi=dt.date(2025, 3, 11),
        date_soins=dt.date(2025, 3, 10),
        montant_demande=123456,
        beneficiaire_nom="Dupont",
        beneficiaire_prenom="Jérôme",
        nir=NIR,
        motif="Majoration IFD non payée : 2,50 € manquent au paiement.",
        date_document=dt.date(2025, 4, 2),
        montant_paye=100000,
        date_paiement=dt.date(2025, 3, 25),
        organisme_adresse=("21 rue Georges Auric", "75948 Paris Cedex 19"),
        pieces_jointes=("Relevé de paiement du 25/03/2025", "Copie de la prescription"),
    )
    return dataclasses.replace(base, **changements)  # type: ignore[arg-type]


def une_feuille(**changements: object) -> FeuilleDeSoins:
    base = FeuilleDeSoins(
        numero_facture="000001234",
        date_soins=dt.date(2025, 3, 10),
        praticien=PRATICIEN,
        beneficiaire=BeneficiairePdf(
            "Dupont", "Jérôme", NIR, 1, dt.date(1985, 5, 3), "01", "751", "0000", "10", "4"
        ),
        prescription=None,
        actes=ACTES,
        total=723,
        part_amo=434,
        part_amc=289,
        part_patient=0,
        tiers_payant="Tiers payant AMO et AMC",
        organisme_destinataire="CPAM de Paris",
        date_document=dt.date(2025, 3, 11),
        numero_lot="000042",
    )
    return dataclasses.replace(base, **changements)  # type: ignore[arg-type]


def une_demande(**changements: object) -> DemandeAnnulation:
    base = DemandeAnnulation(
        praticien=PRATICIEN,
        expediteur="cabinet@tilleuls.example",
        destinataire="annulations@cpam-paris.example",
        numero_lot="000042",
        date_envoi=dt.date(2025, 3, 11),
        numero_facture="000001234",
        date_soins=dt.date(2025, 3, 10),
        motif="Erreur de cotation : AMI 1,5 saisi au lieu d'AMI 1.",
        date=dt.datetime(2025, 3, 11, 16, 5, tzinfo=PARIS),
        organisme="CPAM de Paris",
        beneficiaire="Dupont Jérôme",
        nir=NIR,
    )
    return dataclasses.replace(base, **changements)  # type: ignore[arg-type]


def un_envoi(**changements: object) -> ReclamationCourriel:
    base = ReclamationCourriel(
        reclamation=une_reclamation(),
        expediteur="cabinet@tilleuls.example",
        destinataire="reclamations@cpam-paris.example",
        date=dt.datetime(2025, 4, 2, 9, 30, tzinfo=PARIS),
        pieces=(PieceJointe("releve-2025-03-25.pdf", b"%PDF-1.4 releve"),),
    )
    return dataclasses.replace(base, **changements)  # type: ignore[arg-type]


# --- Facture au patient ---


def test_la_facture_au_patient_porte_la_part_refusee_le_motif_et_le_reglement() -> None:
    texte = texte_pdf(facture_patient(une_facture()))
    for attendu in [
        "Facture au patient",
        "Note d'honoraires — Infirmière",
        "Facture n° P2025-0007",
        "Date des soins : 10/03/2025",
        "Date de la facture : 02/04/2025",
        "À régler avant le : 02/05/2025",
        "Facture d'origine n° 000001234",
        "cette facture remplace le tiers payant",
        "la part de l'assurance maladie obligatoire (caisse)",
        "Élodie Martin",
        "123456789",
        "Jérôme Dupont",
        "75020 Paris",
        MOTIF_REFUS,
        "AMI",
        "1,5",
        euros(473),
        "1 234,56 €",
        "800,00 €",
        "134,56 €",
        "934,56 €",
        "Reste à payer",
        "IBAN FR76 3000 6000 0112 3456",
        "TVA non applicable",
        "Fait le 02/04/2025",
        "Page 1 sur 1",
    ]:
        assert attendu in texte, attendu
    assert "Merci de régler 800,00 € avant le 02/05/2025" in texte


def test_la_facture_au_patient_ne_porte_pas_le_nir() -> None:
    texte = texte_pdf(facture_patient(une_facture()))
    assert NIR not in texte and NIR_AFFICHE not in texte
    assert "NIR" not in texte


def test_une_facture_entierement_reglee_est_acquittee() -> None:
    texte = texte_pdf(facture_patient(une_facture(part_patient=0, deja_regle=80000)))
    assert "Facture acquittée" in texte
    assert "Merci de régler" not in texte


def test_les_metadonnees_de_la_facture_au_patient_ne_portent_que_le_numero() -> None:
    titre, tout = metadonnees(facture_patient(une_facture()))
    assert titre == "Facture au patient n° P2025-0007"
    for interdit in ["Dupont", "Jérôme", NIR, "droits"]:
        assert interdit not in tout


def test_la_facture_au_patient_est_reproductible() -> None:
    f = une_facture()
    premier = facture_patient(f)
    assert facture_patient(f) == premier
    assert facture_patient(une_facture(montant_refuse=80001)) != premier
    meta = lire(premier).metadata
    assert meta is not None and meta.creation_date is not None
    assert meta.creation_date.date() == dt.date(2025, 4, 2)


@pytest.mark.parametrize(
    ("changements", "message"),
    [
        ({"numero_facture": " "}, "numéro"),
        ({"actes": ()}, "au moins un acte"),
        ({"montant_refuse": 0}, "aucune part refusée"),
        ({"montant_refuse": -1}, "négatif"),
        ({"montant_refuse": 200000}, "dépasse le montant des actes"),
        ({"deja_regle": 100000}, "dépasse la somme due"),
        ({"date_echeance": dt.date(2025, 4, 1)}, "précède"),
        ({"motif": ""}, "motif"),
        ({"reglement": " "}, "règlement"),
        ({"part_refusee": "AMX"}, "part refusée inconnue"),
    ],
)
def test_une_facture_au_patient_incoherente_est_refusee(
    changements: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        une_facture(**changements)


def test_un_montant_en_euros_flottants_est_refuse() -> None:
    with pytest.raises(TypeError, match="centimes"):
        une_facture(total=1234.56)


# --- Réclamation ---


def test_la_reclamation_porte_facture_lot_montants_beneficiaire_motif_et_pieces() -> None:
    texte = texte_pdf(reclamation(une_reclamation()))
    for attendu in [
        "Réclamation",
        "Facture n° 000001234",
        "Lot n° 000042",
        "Date du document : 02/04/2025",
        "CPAM de Paris",
        "75948 Paris Cedex 19",
        "Élodie Martin",
        "123456789",
        "Objet : contestation du paiement de la facture n° 000001234",
        "n'est pas émise de nouveau",
        "11/03/2025",
        "10/03/2025",
        "1 234,56 €",
        "1 000,00 €",
        "234,56 €",
        "25/03/2025",
        "Dupont",
        "Jérôme",
        NIR_AFFICHE,
        "Majoration IFD non payée : 2,50 € manquent au paiement.",
        "Pièces jointes (2)",
        "Relevé de paiement du 25/03/2025",
        "Copie de la prescription",
        "Signature du praticien",
    ]:
        assert attendu in texte, attendu


def test_la_reclamation_d_une_facture_sans_reponse_le_dit() -> None:
    texte = texte_pdf(
        reclamation(une_reclamation(montant_paye=None, date_paiement=None, pieces_jointes=()))
    )
    assert "restée sans paiement ni rejet" in texte
    assert "Aucun paiement ni rejet reçu" in texte
    assert "Pièces jointes : aucune." in texte


def test_les_metadonnees_de_la_reclamation_ne_portent_ni_nom_ni_nir() -> None:
    octets = reclamation(une_reclamation())
    titre, tout = metadonnees(octets)
    assert titre == "Réclamation — facture n° 000001234"
    for interdit in [NIR, NIR_AFFICHE, "Dupont", "Jérôme"]:
        assert interdit not in tout
    assert reclamation(une_reclamation()) == octets


@pytest.mark.parametrize(
    "changements", [{"numero_facture": ""}, {"motif": " "}, {"montant_demande": 0}]
)
def test_une_reclamation_incomplete_est_refusee(changements: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        une_reclamation(**changements)


# --- Duplicata ---


def test_le_duplicata_reprend_la_feuille_sous_la_mention_duplicata() -> None:
    f = une_feuille()
    octets = duplicata(f, date_duplicata=dt.date(2025, 4, 20))
    texte = texte_pdf(octets)
    assert "DUPLICATA" in texte
    assert "DUPLICATA — copie de la feuille de soins déjà transmise" in texte
    assert "Duplicata établi le 20/04/2025" in texte
    assert "DUPLICATA — Feuille de soins n° 000001234" in texte
    for attendu in [MENTION_MODE_DEGRADE, "Facture n° 000001234", NIR_AFFICHE, "7,23 €"]:
        assert attendu in texte, attendu
    titre, tout = metadonnees(octets)
    assert titre == "Duplicata — Feuille de soins n° 000001234"
    assert NIR not in tout and "Dupont" not in tout
    meta = lire(octets).metadata
    assert meta is not None and meta.creation_date is not None
    assert meta.creation_date.date() == dt.date(2025, 4, 20)
    assert duplicata(f, date_duplicata=dt.date(2025, 4, 20)) == octets


def test_le_duplicata_marque_chaque_page_et_laisse_la_feuille_intacte() -> None:
    actes = tuple(ActePdf(dt.date(2025, 3, 1), "AMI", Decimal("1"), 315 + i) for i in range(70))
    octets = duplicata(une_feuille(actes=actes))
    pages = [espaces(page.extract_text()) for page in lire(octets).pages]
    assert len(pages) >= 2
    assert all("DUPLICATA — Feuille de soins n° 000001234" in page for page in pages)
    assert "DUPLICATA" not in texte_pdf(feuille_de_soins(une_feuille()))
    assert MENTION_DUPLICATA.startswith("DUPLICATA")


# --- Demande d'annulation ---


OBJET_ANNULATION = "URGENT / ANNULATION DE FACTURE — PS 123456789 — lot 000042 — facture 000001234"


def test_la_demande_d_annulation_est_un_brouillon_a_l_objet_exact() -> None:
    message = courriel(demande_annulation(une_demande()))
    assert message["Subject"] == OBJET_ANNULATION
    assert message["X-Unsent"] == "1"
    assert message["From"].addresses[0].addr_spec == "cabinet@tilleuls.example"
    assert message["From"].addresses[0].display_name == "Cabinet des Tilleuls"
    assert message["To"] == "annulations@cpam-paris.example"
    assert message["Date"].datetime == dt.datetime(2025, 3, 11, 16, 5, tzinfo=PARIS)
    assert message["Message-ID"] == "<annulation.123456789.000042.000001234@rejets.invalid>"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"


def test_le_corps_de_la_demande_d_annulation_dit_qui_quoi_quand_et_pourquoi() -> None:
    texte = corps(courriel(demande_annulation(une_demande())))
    for attendu in [
        "À l'attention de : CPAM de Paris",
        "Madame, Monsieur,",
        "transmise ce jour dans le lot n° 000042",
        "Élodie Martin, Infirmière",
        "N° de facturation AM (identifiant PS) : 123456789",
        "N° de lot : 000042",
        "Date d'envoi du lot : 11/03/2025",
        "N° de facture : 000001234",
        "Date des soins : 10/03/2025",
        "Bénéficiaire : Dupont Jérôme",
        f"NIR du bénéficiaire : {NIR_AFFICHE}",
        "Motif de l'annulation : Erreur de cotation : AMI 1,5 saisi au lieu d'AMI 1.",
        "nouveau numéro",
        "Merci de nous confirmer l'annulation",
        "Cabinet des Tilleuls",
    ]:
        assert attendu in texte, attendu


def test_sans_destinataire_le_champ_to_reste_a_completer() -> None:
    octets = demande_annulation(une_demande(destinataire=""))
    assert b"\r\nTo:\r\n" in octets or b"\r\nTo: \r\n" in octets
    assert courriel(octets)["To"] == ""


def test_la_demande_d_annulation_est_reproductible_et_en_crlf() -> None:
    d = une_demande()
    octets = demande_annulation(d)
    assert demande_annulation(d) == octets
    assert b"\r\n" in octets and b"\n" not in octets.replace(b"\r\n", b"")
    assert max(len(ligne) for ligne in octets.split(b"\r\n")) <= 78


def test_une_demande_d_un_autre_jour_dit_la_date_d_envoi() -> None:
    texte = corps(
        courriel(demande_annulation(une_demande(date=dt.datetime(2025, 3, 12, 8, tzinfo=PARIS))))
    )
    assert "transmise le 11/03/2025" in texte


@pytest.mark.parametrize(
    ("changements", "message"),
    [
        ({"numero_lot": "1234567890123"}, "NIR"),
        ({"numero_facture": "1 85 05 78 006 084 36"}, "identifiant"),
        ({"numero_lot": "Dupont Jérôme"}, "identifiant"),
        ({"numero_facture": ""}, "identifiant"),
        ({"motif": ""}, "motif"),
        ({"date": dt.datetime(2025, 3, 11, 16, 5)}, "fuseau"),
        ({"date": dt.datetime(2025, 3, 10, 16, 5, tzinfo=PARIS)}, "avant l'envoi"),
        ({"expediteur": "pas une adresse"}, "adresse électronique invalide"),
        ({"destinataire": "a@b\nBcc: c@d"}, "adresse électronique invalide"),
    ],
)
def test_une_demande_d_annulation_douteuse_est_refusee(
    changements: dict[str, object], message: str
) -> None:
    with pytest.raises(CourrielRefuse, match=message):
        demande_annulation(une_demande(**changements))


@pytest.mark.parametrize(
    "objet",
    [
        lambda: objet_annulation("123456789", "185057800608436", "1"),
        lambda: objet_annulation("253072A07300443", "1", "1"),
        lambda: objet_reclamation("123456789", "1234567890123"),
    ],
)
def test_un_objet_a_l_allure_de_nir_est_refuse(objet: Callable[[], str]) -> None:
    with pytest.raises(CourrielRefuse):
        objet()


ALLURE_NIR = re.compile(r"[0-9](?:[\s.\-]?[0-9AB]){12,}")
noms = st.builds(
    lambda initiale, reste: initiale + reste,
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZÉÈ"),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèêëïôç", min_size=2, max_size=15),
)
nirs = st.builds(
    lambda corps_: corps_ + nir_module.calc_check_digits(corps_),
    st.from_regex(r"[12][0-9]{2}(0[1-9]|1[0-2])[0-9]{8}", fullmatch=True),
)


CORPS_RECLAMATION = corps(courriel(reclamation_courriel(un_envoi(pieces=()))))


@settings(max_examples=60, deadline=None)
@given(nom=noms, prenom=noms, nir=nirs)
def test_l_objet_ne_porte_jamais_le_nom_ni_le_nir_du_patient(
    nom: str, prenom: str, nir: str
) -> None:
    d = une_demande(beneficiaire=f"{nom} {prenom}", nir=nir)
    message = courriel(demande_annulation(d))
    objet = message["Subject"]
    assert objet == OBJET_ANNULATION
    assert nom not in objet and prenom not in objet
    assert nir not in objet and nir_module.format(nir) not in objet
    assert not ALLURE_NIR.search(objet)
    assert nir_module.format(nir) in corps(message)

    r = une_reclamation(beneficiaire_nom=nom, beneficiaire_prenom=prenom, nir=nir)
    envoi = courriel(reclamation_courriel(un_envoi(reclamation=r, pieces=())))
    objet = envoi["Subject"]
    assert objet == "RÉCLAMATION PAIEMENT — PS 123456789 — facture 000001234"
    assert nom not in objet and prenom not in objet and not ALLURE_NIR.search(objet)
    # le corps non plus : il est le même quel que soit le bénéficiaire (il est dans le PDF)
    assert corps(envoi) == CORPS_RECLAMATION
    assert nir not in corps(envoi) and nir_module.format(nir) not in corps(envoi)


# --- Réclamation par courriel ---


def test_la_reclamation_par_courriel_joint_le_pdf() -> None:
    octets = reclamation_courriel(un_envoi())
    message = courriel(octets)
    assert message["Subject"] == "RÉCLAMATION PAIEMENT — PS 123456789 — facture 000001234"
    assert message["X-Unsent"] == "1"
    assert message["To"] == "reclamations@cpam-paris.example"
    assert message["Message-ID"] == "<reclamation.123456789.000001234.20250402@rejets.invalid>"
    assert message.get_content_type() == "multipart/mixed"
    pieces = list(message.iter_attachments())
    assert [p.get_filename() for p in pieces] == [
        "reclamation-facture-000001234.pdf",
        "releve-2025-03-25.pdf",
    ]
    assert all(p.get_content_type() == "application/pdf" for p in pieces)
    pdf = pieces[0].get_content()
    assert isinstance(pdf, bytes)
    assert pdf == reclamation(une_reclamation())
    assert metadonnees(pdf)[0] == "Réclamation — facture n° 000001234"
    assert NIR_AFFICHE in texte_pdf(pdf)
    texte = corps(message)
    for attendu in [
        "contestation du paiement de la facture n° 000001234",
        "n'est pas émise de nouveau",
        "N° de lot : 000042",
        "Date d'envoi : 11/03/2025",
        "- reclamation-facture-000001234.pdf",
        "- releve-2025-03-25.pdf",
    ]:
        assert attendu in texte, attendu
    assert "Dupont" not in texte and NIR not in texte
    assert reclamation_courriel(un_envoi()) == octets


def test_une_piece_au_type_mime_invalide_est_refusee() -> None:
    with pytest.raises(CourrielRefuse, match="type MIME"):
        reclamation_courriel(un_envoi(pieces=(PieceJointe("x.bin", b"x", "binaire"),)))


# --- Pureté ---


def test_les_pieces_des_rejets_n_importent_pas_django() -> None:
    dossier = Path(rejets.formats.courriel.__file__).parent
    fichiers = [
        dossier / "courriel.py",
        dossier / "pdf" / "facture_patient.py",
        dossier / "pdf" / "reclamation.py",
    ]
    for fichier in fichiers:
        for noeud in ast.walk(ast.parse(fichier.read_text(), str(fichier))):
            if isinstance(noeud, ast.Import):
                noms_importes = [a.name for a in noeud.names]
            elif isinstance(noeud, ast.ImportFrom) and noeud.module:
                noms_importes = [noeud.module]
            else:
                continue
            for nom in noms_importes:
                assert not nom.startswith(("django", "sqlite3", "psycopg")), (fichier, nom)
