"""Bank statements: the CSV reader driven by a profile and the OFX reader (1.x SGML, 2.x XML):
amounts in centimes, one outcome per line, refused lines with their number, structural faults
as one exception with a French message naming the file and the line."""

from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rejets.formats.releves import (
    LIGNES_AVANT_ENTETE,
    TAILLE_BLOC,
    LecteurCsv,
    LecteurOfx,
    LigneBancaire,
    LigneRefusee,
    ProfilInvalide,
    ProfilLecture,
    ReleveInvalide,
    centimes,
    est_ofx,
    masquer_compte,
    verifier_profil,
)

PROFIL = ProfilLecture(
    {
        "date": "Date",
        "libelle": "Libellé+Détail",
        "montant": "Montant",
        "reference": "Référence",
        "date_valeur": "Date de valeur",
    },
    nom="banque-a",
)
PROFIL_SENS = ProfilLecture(
    {"date": "Date opération", "libelle": "Libellé", "debit": "Débit", "credit": "Crédit"},
    separateur=",",
    encodage="cp1252",
    format_date="%Y-%m-%d",
    virgule_decimale=False,
    nom="banque-b",
)
ENTETE = "Date;Libellé;Détail;Montant;Référence;Date de valeur"


def csv(*lignes: str, entete: str = ENTETE, encodage: str = "utf-8", fin: str = "\n") -> bytes:
    return "".join(ligne + fin for ligne in (entete, *lignes)).encode(encodage)


def lire_csv(contenu: bytes, profil: ProfilLecture = PROFIL) -> list[LigneBancaire | LigneRefusee]:
    return list(LecteurCsv(io.BytesIO(contenu), "releve.csv", profil))


def lire_ofx(contenu: bytes) -> list[LigneBancaire | LigneRefusee]:
    return list(LecteurOfx(io.BytesIO(contenu), "releve.ofx"))


def faute(lire, contenu: bytes) -> ReleveInvalide:  # type: ignore[no-untyped-def]
    with pytest.raises(ReleveInvalide) as exc:
        lire(contenu)
    return exc.value


# ---------------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("texte", "virgule", "attendu"),
    [
        ("12,50", True, 1250),
        ("-12,5", True, -1250),
        ("+1 234,56 €", True, 123456),
        ("1.234,56", True, 123456),
        ("1\u202f234,56", True, 123456),
        ("EUR 7", True, 700),
        ("−3,00", True, -300),
        ("0,10", True, 10),
        ("12,500", True, 1250),
        ("1,234.56", False, 123456),
        ("-0.01", False, -1),
        ("42", False, 4200),
    ],
)
def test_montants_en_centimes(texte: str, virgule: bool, attendu: int) -> None:
    assert centimes(texte, virgule) == attendu


@pytest.mark.parametrize(
    ("texte", "virgule"),
    [
        ("12,345", True),
        ("12.50", True),
        ("abc", True),
        ("1,2,3", False),
        ("", True),
        ("1e5", False),
    ],
)
def test_montants_illisibles(texte: str, virgule: bool) -> None:
    with pytest.raises(ValueError, match="«"):
        centimes(texte, virgule)


# ---------------------------------------------------------------------------------- profiles


def test_profils_valides() -> None:
    verifier_profil(PROFIL)
    verifier_profil(PROFIL_SENS)


@pytest.mark.parametrize(
    ("colonnes", "options", "message"),
    [
        ({"date": "D", "libelle": "L"}, {}, "soit la colonne montant"),
        ({"date": "D", "libelle": "L", "montant": "M", "debit": "Db"}, {}, "soit la colonne"),
        ({"date": "D", "libelle": "L", "debit": "Db"}, {}, "vont ensemble"),
        ({"libelle": "L", "montant": "M"}, {}, "obligatoire"),
        ({"date": "D", "libelle": "L", "montant": "M", "solde": "S"}, {}, "inconnu"),
        ({"date": "D", "libelle": "L", "montant": " "}, {}, "vide"),
        ({"date": "D", "libelle": "L", "montant": "M"}, {"separateur": ";;"}, "séparateur"),
        ({"date": "D", "libelle": "L", "montant": "M"}, {"encodage": "klingon"}, "encodage"),
        ({"date": "D", "libelle": "L", "montant": "M"}, {"encodage": "utf-16"}, "encodage"),
        ({"date": "D", "libelle": "L", "montant": "M"}, {"format_date": "%d/%m"}, "format"),
    ],
)
def test_profils_refuses(colonnes: dict[str, str], options: dict[str, str], message: str) -> None:
    with pytest.raises(ProfilInvalide, match=message):
        verifier_profil(ProfilLecture(colonnes, **options))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------- CSV


def test_csv_lu_ligne_a_ligne_apres_les_lignes_de_la_banque() -> None:
    contenu = "Compte courant n° 12345678901;;;\nDu 01/03/2026 au 31/03/2026\n\n".encode() + csv(
        "04/03/2026;VIR SEPA CPAM DE PARIS;REF VIR1;1 234,56;X1;05/03/2026",
        '05/03/2026;"CB; LECLERC";;-12,30;;',
        ";;;;;",
    )
    lecteur = LecteurCsv(io.BytesIO(contenu), "releve.csv", PROFIL)
    lignes = list(lecteur)
    assert lignes == [
        LigneBancaire(
            5,
            date(2026, 3, 4),
            "VIR SEPA CPAM DE PARIS REF VIR1",
            123456,
            reference="X1",
            date_valeur=date(2026, 3, 5),
        ),
        LigneBancaire(6, date(2026, 3, 5), "CB; LECLERC", -1230),
    ]
    assert (lecteur.lignes_avant_entete, lecteur.lignes_vides) == (3, 1)


def test_csv_debit_credit_point_decimal_windows_1252_bom_et_crlf() -> None:
    entete = "Date opération,Libellé,Débit,Crédit"
    contenu = csv(
        "2026-03-04,VIR MUTUELLE ÉTÉ,,45.10",
        "2026-03-05,PRLV EDF,-1,200.00,",
        "2026-03-06,FRAIS,3.5,",
        entete=entete,
        encodage="cp1252",
        fin="\r\n",
    )
    lignes = lire_csv(contenu, PROFIL_SENS)
    assert [(x.numero, x.libelle, x.montant) for x in lignes if isinstance(x, LigneBancaire)] == [
        (2, "VIR MUTUELLE ÉTÉ", 4510),
        (4, "FRAIS", -350),
    ]
    # « -1,200.00 » : the comma is the separator, so the line has one value too many.
    refus = [x for x in lignes if isinstance(x, LigneRefusee)]
    assert [r.numero for r in refus] == [3]
    bom = b"\xef\xbb\xbf" + csv("04/03/2026;A;;1,00;;")
    assert [x.montant for x in lire_csv(bom) if isinstance(x, LigneBancaire)] == [100]


def test_csv_en_tete_sans_casse_ni_accents() -> None:
    contenu = csv(
        "04/03/2026;A;B;2;;", entete="DATE;LIBELLE;detail;montant;reference;date de valeur"
    )
    assert [x.montant for x in lire_csv(contenu) if isinstance(x, LigneBancaire)] == [200]


def test_csv_lignes_refusees_avec_leur_numero_et_la_raison() -> None:
    contenu = csv(
        "04/03/2026;BON;;10,00;;",
        "31/02/2026;DATE;;10,00;;",
        "05/03/2026;MONTANT;;dix euros;;",
        "05/03/2026;NUL;;0,00;;",
        ";SANS DATE;;1,00;;",
        "05/03/2026;COURTE",
        '05/03/2026;"GUILLEMET;;1,00;;',
        "05/03/2026;VALEUR;;1,00;;32/13/2026",
        "05/03/2026;DEUX;;1,001;;x",
    )
    lignes = lire_csv(contenu)
    assert isinstance(lignes[0], LigneBancaire)
    refus = {r.numero: r for r in lignes if isinstance(r, LigneRefusee)}
    assert sorted(refus) == list(range(3, 11))
    assert refus[3].champ == "date" and "31/02/2026" in refus[3].message
    assert refus[4].champ == "montant" and "dix euros" in refus[4].message
    assert "nul" in refus[5].message
    assert refus[6].champ == "date" and "absente" in refus[6].message
    assert "il manque" in refus[7].message
    assert "guillemets" in refus[8].message
    assert refus[9].champ == "date_valeur"
    assert refus[10].message.startswith("ligne 10 : ") and "montant" in refus[10].message
    assert all(r.message.startswith(f"ligne {n} : ") for n, r in refus.items())


def test_csv_debit_et_credit_tous_deux_remplis() -> None:
    contenu = csv(
        "2026-03-04,X,1.00,2.00", entete="Date opération,Libellé,Débit,Crédit", encodage="cp1252"
    )
    (refus,) = lire_csv(contenu, PROFIL_SENS)
    assert isinstance(refus, LigneRefusee) and "tous deux" in refus.message


@pytest.mark.parametrize(
    ("contenu", "ligne", "morceau"),
    [
        (b"", None, "fichier vide"),
        (b"Solde;Total\n1;2\n", 1, "« Date », « Libellé », « Détail », « Montant »"),
        (csv("04/03/2026;A;;1,00;;") + b"05/03/2026;\xe9t\xe9;;1,00;;\n", 3, "utf-8"),
        (csv("04/03/2026;A\x00;;1,00;;"), 2, "binaire"),
        (b"\xff\xfeD\x00a\x00", 1, "UTF-16"),
        (csv("04/03/2026;A\r;;1,00;;"), 2, "\\r"),
        (b"x" * 20000, 1, "trop longue"),
    ],
)
def test_csv_fautes_de_structure(contenu: bytes, ligne: int | None, morceau: str) -> None:
    exc = faute(lire_csv, contenu)
    assert exc.ligne == ligne
    assert morceau in exc.message
    assert exc.message.startswith("Fichier « releve.csv »")
    if ligne:
        assert f", ligne {ligne} : " in exc.message


def test_csv_en_tete_cherche_dans_les_premieres_lignes_seulement() -> None:
    contenu = b"bla\n" * LIGNES_AVANT_ENTETE + csv("04/03/2026;A;;1,00;;")
    assert "premières lignes" in faute(lire_csv, contenu).message


# ---------------------------------------------------------------------------------- OFX

SGML = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260310<LANGUAGE>FRA</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>0<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>EUR
<BANKACCTFROM><BANKID>30002<BRANCHID>00550<ACCTID>00001234567<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20260301<DTEND>20260331
{operations}
</BANKTRANLIST>
<LEDGERBAL><BALAMT>100.00<DTASOF>20260331</LEDGERBAL>
</STMTRS></STMTTRNRS></BANKMSGSRSV1>
</OFX>
"""

XML = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX>
  <BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STMTRS>
    <CURDEF>EUR</CURDEF>
    <BANKACCTFROM><BANKID>1</BANKID><ACCTID>FR76 3000 1007 9412 3456 7890 185</ACCTID>
      <ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>
    <BANKTRANLIST>
{operations}
    </BANKTRANLIST>
  </STMTRS></STMTTRNRS></BANKMSGSRSV1>
</OFX>
"""


def sgml(*operations: str, modele: str = SGML) -> bytes:
    return modele.format(operations="\n".join(operations)).encode("cp1252")


def xml(*operations: str) -> bytes:
    return XML.format(operations="\n".join(operations)).encode("utf-8")


def test_ofx_1_sgml_balises_non_fermees() -> None:
    contenu = sgml(
        "<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20260304120000[+1:CET]<DTAVAIL>20260305"
        "<TRNAMT>1234.56<FITID>A1<NAME>VIR CPAM PARIS<MEMO>VIR1 été</STMTTRN>",
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260305<TRNAMT>-3,10<FITID>A2<REFNUM>R9"
        "<PAYEE><NAME>EDF<CITY>PARIS</PAYEE></STMTTRN>",
    )
    lecteur = LecteurOfx(io.BytesIO(contenu), "releve.ofx")
    assert list(lecteur) == [
        LigneBancaire(
            17,
            date(2026, 3, 4),
            "VIR CPAM PARIS VIR1 été",
            123456,
            fitid="A1",
            date_valeur=date(2026, 3, 5),
        ),
        LigneBancaire(18, date(2026, 3, 5), "EDF", -310, reference="R9", fitid="A2"),
    ]
    assert (lecteur.version, lecteur.compte, lecteur.devise) == ("1.x (SGML)", "00001234567", "EUR")


def test_ofx_2_xml_entites_commentaires_et_balises_vides() -> None:
    contenu = xml(
        "<STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20260304</DTPOSTED><TRNAMT>5.00</TRNAMT>",
        "<FITID>X1</FITID><NAME>MUT &amp; CO</NAME><MEMO/></STMTTRN>",
        "<!-- commentaire <avec> des balises -->",
        "<STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20260305</DTPOSTED><TRNAMT>.5</TRNAMT>"
        "<FITID>X2</FITID><NAME>MGEN</NAME><MEMO>VIR 2026</MEMO></STMTTRN>",
    )
    lecteur = LecteurOfx(io.BytesIO(contenu), "releve.ofx")
    assert [(x.numero, x.libelle, x.montant, x.fitid) for x in lecteur] == [
        (9, "MUT & CO", 500, "X1"),
        (12, "MGEN VIR 2026", 50, "X2"),
    ]
    assert lecteur.version == "2.x (XML)"
    assert masquer_compte(lecteur.compte) == "•••• 0185"


def test_ofx_sur_une_seule_ligne_et_plus_grand_qu_un_bloc() -> None:
    operation = "<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20260304<TRNAMT>1.00<FITID>F{}<NAME>X</STMTTRN>"
    nombre = TAILLE_BLOC // 40
    une_ligne = sgml("".join(operation.format(i) for i in range(nombre)))
    lues = lire_ofx(une_ligne)
    assert len(lues) == nombre and {x.numero for x in lues} == {17}
    lignes = sgml(*(operation.format(i) for i in range(nombre)))
    assert [x.numero for x in lire_ofx(lignes)] == list(range(17, 17 + nombre))


def test_ofx_operations_refusees_seules() -> None:
    contenu = sgml(
        "<STMTTRN><DTPOSTED>20260304<FITID>A<NAME>SANS MONTANT</STMTTRN>",
        "<STMTTRN><DTPOSTED>20260399<TRNAMT>1.00<FITID>B</STMTTRN>",
        "<STMTTRN><DTPOSTED>20260304<TRNAMT>1.00<FITID>C<CURRENCY><CURRATE>1.1<CURSYM>USD</CURRENCY></STMTTRN>",
        "<STMTTRN><DTPOSTED>20260304<TRNAMT>0.00<FITID>D</STMTTRN>",
        "<STMTTRN><DTPOSTED>20260304<TRNAMT>1.00<TRNAMT>2.00<FITID>E</STMTTRN>",
        "<STMTTRN><DTPOSTED>20260304<TRNAMT>douze<FITID>F</STMTTRN>",
        "<STMTTRN><DTPOSTED>20260304<TRNAMT>1.00<FITID>G<NAME>BON</STMTTRN>",
    )
    lues = lire_ofx(contenu)
    refus = [x for x in lues if isinstance(x, LigneRefusee)]
    assert [(r.numero, r.champ) for r in refus] == [
        (17, "trnamt"),
        (18, "dtposted"),
        (19, "cursym"),
        (20, "trnamt"),
        (21, "trnamt"),
        (22, "trnamt"),
    ]
    assert "USD" in refus[2].message and "deux fois" in refus[4].message
    assert [x.fitid for x in lues if isinstance(x, LigneBancaire)] == ["G"]


OPERATION = "<STMTTRN><DTPOSTED>20260304<TRNAMT>1.00<FITID>A</STMTTRN>"


@pytest.mark.parametrize(
    ("contenu", "ligne", "morceau"),
    [
        (b"", None, "fichier vide"),
        (b"Date;Montant\n", 1, "ce n'est pas un relevé OFX"),
        (sgml(OPERATION).replace(b"<CURDEF>EUR", b"<CURDEF>USD"), 14, "euros"),
        (sgml(OPERATION).replace(b"<CURDEF>EUR", b""), 17, "CURDEF"),
        (sgml(OPERATION.replace("</STMTTRN>", ""), OPERATION), 18, "non fermée"),
        (sgml(OPERATION)[:-60], 19, "tronqué"),
        (sgml(OPERATION).replace(b"</OFX>", b""), 21, "</OFX> absent"),
        (sgml(OPERATION.replace("</STMTTRN>", "")), 18, "ligne 17 non fermée avant </BANK"),
        (b"<OFX><STMTTRN><TRNAMT>1\n\n", 2, "de la ligne 1 jamais fermée"),
        (sgml("</STMTTRN>"), 17, "</STMTTRN> sans <STMTTRN>"),
        (
            sgml(OPERATION, "<BANKACCTFROM><ACCTID>999</BANKACCTFROM>"),
            18,
            "plusieurs comptes",
        ),
        (sgml(OPERATION).replace(b"CHARSET:1252", b"CHARSET:EBCDIC"), 1, "CHARSET"),
        (sgml(OPERATION).replace(b"DATA:OFXSGML", b"DATA:XML"), 1, "OFXSGML"),
        (
            sgml(OPERATION)
            .replace(b"CHARSET:1252", b"CHARSET:NONE\nENCODING:UTF-8")
            .replace(b"<FITID>A", b"<FITID>\xe9"),
            18,
            "utf-8",
        ),
        (xml(OPERATION).replace(b'encoding="UTF-8"', b'encoding="klingon"'), 1, "inconnu"),
        (xml(OPERATION).replace(b'encoding="UTF-8"', b'encoding="utf-16"'), 1, "pris en charge"),
        (b"<OFX>texte <1A>", 1, "balise illisible"),
        (b"<OFX><STMTRS> </OFX> <X>", 1, "après </OFX>"),
        (b"<OFX>" + b"<A>" * 100, 1, "trop profondément"),
        (b"OFXHEADER:100\nDATA:OFXSGML\n", 2, "sans la balise <OFX>"),
        (b"OFXHEADER:100\nDATA:OFXSGML", 2, "sans la balise <OFX>"),
        (b"<OFX><!-- sans fin", 1, "jamais fermé"),
    ],
)
def test_ofx_fautes_de_structure(contenu: bytes, ligne: int | None, morceau: str) -> None:
    exc = faute(lire_ofx, contenu)
    assert morceau in exc.message
    assert exc.ligne == ligne
    assert exc.message.startswith("Fichier « releve.ofx »")


def test_reconnaitre_un_ofx() -> None:
    assert est_ofx(sgml()) and est_ofx(xml()) and est_ofx(b"\xef\xbb\xbf  <OFX>")
    assert not est_ofx(csv()) and not est_ofx(b"")
    assert masquer_compte("") == "" and masquer_compte("12 34") == "•••• 1234"


# ---------------------------------------------------------------------------------- any bytes

MORCEAUX = st.sampled_from(
    [
        b"<",
        b">",
        b"</",
        b"/>",
        b"<STMTTRN>",
        b"</STMTTRN>",
        b"<TRNAMT>",
        b"<DTPOSTED>",
        b"<CURDEF>EUR",
        b"<OFX>",
        b"</OFX>",
        b"<!--",
        b"-->",
        b"<?",
        b"20260301",
        b"-1.5",
        b"\n",
        b"\r",
        b";",
        b",",
        b'"',
        b"\xe9",
        b"\x00",
        b"01/03/2026",
        b"12,50",
        b"&amp;",
        b"&#99999999;",
    ]
)
DEBUTS = st.sampled_from(
    [
        b"",
        b"OFXHEADER:100\nDATA:OFXSGML\nCHARSET:1252\n\n",
        b"<?xml version='1.0'?>",
        b"<OFX><STMTRS><CURDEF>EUR<STMTTRN>",
        ENTETE.encode() + b"\n",
        b"Date op\xe9ration,Libell\xe9,D\xe9bit,Cr\xe9dit\n",
    ]
)
OCTETS = st.one_of(
    st.binary(max_size=300),
    st.builds(
        lambda debut, morceaux, fin: debut + b"".join(morceaux) + fin,
        DEBUTS,
        st.lists(st.one_of(MORCEAUX, st.binary(max_size=4)), max_size=40),
        st.binary(max_size=8),
    ),
)


@settings(max_examples=100, deadline=None)
@given(OCTETS)
def test_des_octets_quelconques_ne_levent_que_releve_invalide(contenu: bytes) -> None:
    for lire in (lire_ofx, lire_csv, lambda c: lire_csv(c, PROFIL_SENS)):
        try:
            lues = lire(contenu)
        except ReleveInvalide as exc:
            assert exc.message.startswith("Fichier « releve.")
            continue
        assert all(isinstance(x, LigneBancaire | LigneRefusee) for x in lues)
        assert all(x.montant != 0 for x in lues if isinstance(x, LigneBancaire))
