"""Fixed-width files: reading (records, refused lines, structural faults), writing, round trips
and fuzzing, on the shipped layouts and small hand-made ones."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rejets.formats import disposition as module_disposition
from rejets.formats import fixe
from rejets.formats.disposition import (
    Champ,
    Disposition,
    Niveau,
    dispositions_livrees,
    lire_disposition,
    semble_utf8,
)
from rejets.formats.fixe import (
    EcritureRefusee,
    EcrivainFixe,
    Enregistrement,
    FichierInvalide,
    LigneRefusee,
    lire,
)

LIVREES = {d.identifiant: d for d in dispositions_livrees()}
RETOURS = LIVREES["REJETS-RETOURS-1"]
ARL = LIVREES["REJETS-ARL-1"]
LOT = LIVREES["REJETS-LOT-1"]
TOUTES = list(LIVREES.values())

# --- Lines built by hand from the declared positions (the engine's writer is not used). ---


def _brut(c: Champ, valeur: object) -> str:
    if valeur is None:
        return " " * c.longueur
    if isinstance(valeur, str):
        return valeur.ljust(c.longueur)
    if isinstance(valeur, dt.date):
        return valeur.strftime("%Y%m%d" if c.type == "date8" else "%y%m%d")
    assert isinstance(valeur, int)
    if c.type == "montant":
        return ("-" if valeur < 0 else "+") + f"{abs(valeur):0{c.longueur - 1}d}"
    return f"{valeur:0{c.longueur}d}"


def ligne(d: Disposition, code: str, /, **valeurs: object) -> str:
    """Ligne de `d` : code du type, champs formatés à leurs positions, blancs ailleurs."""
    texte = [" "] * d.largeur
    texte[d.type_debut - 1 : d.type_debut - 1 + len(code)] = code
    for c in d.enregistrement(code).champs:
        brut = _brut(c, valeurs.get(c.nom))
        assert len(brut) == c.longueur, (c.nom, brut)
        texte[c.debut - 1 : c.fin] = brut
    return "".join(texte)


ENTETE: dict[str, object] = {
    "disposition": "REJETS-RETOURS-1",
    "emetteur": "017510000",
    "destinataire": "751000018",
    "date_creation": dt.date(2026, 3, 10),
    "numero_fichier": 7,
}
VIREMENT: dict[str, object] = {
    "organisme": "017510000",
    "reference_virement": "VIR-2026-0309",
    "date_virement": dt.date(2026, 3, 9),
    "montant_virement": 2500,
}
PAYEE: dict[str, object] = {
    "partie": "AMO",
    "organisme": "017510000",
    "numero_ps": "751000018",
    "numero_lot": "00012",
    "numero_facture": 123,
    "nir": "185072A12345678",
    "date_soins": dt.date(2026, 3, 2),
    "montant_demande": 1500,
    "montant_paye": 1500,
    "issue": "P",
}
REJETEE: dict[str, object] = {
    **PAYEE,
    "numero_facture": 124,
    "montant_demande": 2000,
    "montant_paye": 0,
    "issue": "R",
    "code": "E0501",
    "libelle": "Bénéficiaire inconnu de l'organisme",
}
INDU: dict[str, object] = {**PAYEE, "numero_facture": 99, "montant_paye": -1000}


def l200(**changement: object) -> str:
    return ligne(RETOURS, "200", **{**PAYEE, **changement})


def fin(nombre: int, demande: int, paye: int) -> str:
    return ligne(RETOURS, "990", nombre=nombre, total_demande=demande, total_paye=paye)


def retour(*lignes_200: str, sommes: tuple[int, int, int] | None = None) -> list[str]:
    """Fichier de retour : en-tête, un bordereau avec ces lignes, fins de niveau."""
    n, demande, paye = sommes or (len(lignes_200), 1500 * len(lignes_200), 1500 * len(lignes_200))
    return [
        ligne(RETOURS, "000", **ENTETE),
        ligne(RETOURS, "100", **VIREMENT),
        *lignes_200,
        fin(n, demande, paye),
        fin(n, demande, paye),
    ]


def octets(lignes: list[str], fin_de_ligne: str = "\n", encodage: str = "latin-1") -> bytes:
    return "".join(x + fin_de_ligne for x in lignes).encode(encodage)


def lire_tout(
    donnees: bytes, dispositions: list[Disposition] | None = None
) -> list[Enregistrement | LigneRefusee]:
    return list(lire(io.BytesIO(donnees), TOUTES if dispositions is None else dispositions, "f"))


def refus(donnees: bytes, dispositions: list[Disposition] | None = None) -> list[LigneRefusee]:
    return [x for x in lire_tout(donnees, dispositions) if isinstance(x, LigneRefusee)]


def enregistrement(lu: Enregistrement | LigneRefusee) -> Enregistrement:
    assert isinstance(lu, Enregistrement), lu
    return lu


def faute(donnees: bytes, dispositions: list[Disposition] | None = None) -> FichierInvalide:
    with pytest.raises(FichierInvalide) as e:
        lire_tout(donnees, dispositions)
    return e.value


ARL_LIGNES = [
    ligne(ARL, "000", **{**ENTETE, "disposition": "REJETS-ARL-1"}),
    ligne(ARL, "300", numero_ps="751000018", partie="FSE", numero_lot="00012", statut="+"),
    ligne(
        ARL,
        "300",
        numero_ps="751000018",
        partie="DRE",
        numero_lot="00013",
        statut="-",
        code_motif="E12",
        motif="Lot illisible",
    ),
    ligne(ARL, "990", nombre=2),
]

LOT_LIGNES = [
    ligne(
        LOT,
        "0",
        disposition="REJETS-LOT-1",
        numero_ps="751000018",
        numero_lot="00012",
        partie="FSE",
        organisme="017510000",
        date_creation=dt.date(2026, 3, 10),
    ),
    ligne(
        LOT,
        "2",
        numero_facture=5,
        nir="185072A12345678",
        date_soins=dt.date(2026, 3, 2),
        montant_total=1230,
        part_amo=738,
        part_amc=492,
        regime="01",
        caisse="751",
        centre="0000",
        nature_assurance="10",
        exoneration="0",
        rang=1,
        tiers_payant="C",
        date_prescription=dt.date(2026, 2, 20),
        prescripteur="10003456789",
        domicile="O",
        mode="V",
        scellement="3f2a9c0d11e4b7a8",
        numero_amc="9999000001",
    ),
    ligne(LOT, "3", date=dt.date(2026, 3, 2), lettre_cle="AMI", coefficient=1500, montant=945),
    ligne(LOT, "3", date=dt.date(2026, 3, 2), lettre_cle="IFD", coefficient=1000, montant=285),
    ligne(LOT, "5", nombre_actes=2, total_actes=1230),
    ligne(LOT, "9", nombre_factures=1, total=1230),
]


# --- A valid file. ---


def test_fichier_de_retour_lu() -> None:
    lu = lire_tout(
        octets(
            retour(
                l200(),
                l200(**REJETEE),
                l200(**INDU),
                sommes=(3, 1500 + 2000 + 1500, 1500 + 0 - 1000),
            )
        )
    )
    assert all(isinstance(e, Enregistrement) for e in lu)
    assert [(e.ligne, e.type, e.nom, e.niveau) for e in lu if isinstance(e, Enregistrement)] == [
        (1, "000", "en_tete", "fichier"),
        (2, "100", "virement", "bordereau"),
        (3, "200", "ligne_facture", "bordereau"),
        (4, "200", "ligne_facture", "bordereau"),
        (5, "200", "ligne_facture", "bordereau"),
        (6, "990", "fin_de_niveau", "bordereau"),
        (7, "990", "fin_de_niveau", "fichier"),
    ]
    en_tete, virement, payee, rejetee, indu, fin_bordereau, fin_fichier = lu
    assert isinstance(en_tete, Enregistrement) and isinstance(rejetee, Enregistrement)
    assert en_tete.disposition == "REJETS-RETOURS-1"
    assert dict(en_tete) == ENTETE
    assert dict(virement) == VIREMENT
    assert dict(payee) == {**PAYEE, "code": "", "libelle": ""}
    assert dict(rejetee) == REJETEE
    assert indu["montant_paye"] == -1000
    assert dict(fin_bordereau) == {"nombre": 3, "total_demande": 5000, "total_paye": 500}
    assert fin_fichier == Enregistrement(7, fin_fichier.modele, (3, 5000, 500))


def test_positions_de_la_ligne_200_ecrite_a_la_main() -> None:
    """The documented positions, written out literally (docs/formats/retours-rejets.md)."""
    brute = (
        "200"
        + "AMC"
        + "017510000"
        + "751000018"
        + "00012"
        + "000000123"
        + "285072A12345678"
        + "991231"
        + "+00000001500"
        + "-00000000250"
        + "T"
        + "I1234"
        + "Libellé".ljust(60)
    ).ljust(160)
    (e,) = [x for x in lire_tout(octets(retour(brute, sommes=(1, 1500, -250)))) if x.ligne == 3]
    assert isinstance(e, Enregistrement)
    assert dict(e) == {
        "partie": "AMC",
        "organisme": "017510000",
        "numero_ps": "751000018",
        "numero_lot": "00012",
        "numero_facture": 123,
        "nir": "285072A12345678",
        "date_soins": dt.date(1999, 12, 31),
        "montant_demande": 1500,
        "montant_paye": -250,
        "issue": "T",
        "code": "I1234",
        "libelle": "Libellé",
    }


def test_siecle_pivot_des_dates_aammjj() -> None:
    lu = lire_tout(
        octets(
            retour(
                l200(date_soins=dt.date(2069, 12, 31)),
                l200(date_soins=dt.date(1970, 1, 1)),
                l200(date_soins=dt.date(2000, 2, 29)),
            )
        )
    )
    assert [e["date_soins"] for e in lu if isinstance(e, Enregistrement) and e.type == "200"] == [
        dt.date(2069, 12, 31),
        dt.date(1970, 1, 1),
        dt.date(2000, 2, 29),
    ]


def test_enregistrement_se_lit_comme_un_dictionnaire() -> None:
    e = next(x for x in lire_tout(octets(retour(l200()))) if x.ligne == 3)
    assert isinstance(e, Enregistrement)
    assert e["nir"] == "185072A12345678"
    assert e.get("absent", "défaut") == "défaut"
    assert "montant_paye" in e and "absent" not in e
    assert list(e)[:3] == ["partie", "organisme", "numero_ps"]
    assert len(e) == 12
    with pytest.raises(KeyError):
        e["absent"]
    assert "185072A12345678" not in repr(e)
    assert "nir=***" in repr(e)


def test_champs_facultatifs_blancs() -> None:
    sans_paiement = ligne(RETOURS, "100", organisme="017510000", montant_virement=0)
    lu = lire_tout(
        octets([ligne(RETOURS, "000", **ENTETE), sans_paiement, fin(0, 0, 0), fin(0, 0, 0)])
    )
    virement = lu[1]
    assert isinstance(virement, Enregistrement)
    assert dict(virement) == {
        "organisme": "017510000",
        "reference_virement": "",
        "date_virement": None,
        "montant_virement": 0,
    }


@pytest.mark.parametrize("fin_de_ligne", ["\n", "\r\n"])
def test_fins_de_ligne_lf_et_crlf(fin_de_ligne: str) -> None:
    lignes = retour(l200(), l200(**REJETEE), sommes=(2, 3500, 1500))
    attendu = lire_tout(octets(lignes))
    assert lire_tout(octets(lignes, fin_de_ligne)) == attendu


def test_fins_de_ligne_melangees_et_derniere_ligne_sans_fin() -> None:
    lignes = retour(l200(), l200(**REJETEE), sommes=(2, 3500, 1500))
    attendu = lire_tout(octets(lignes))
    melange = "\r\n".join(lignes[:3]) + "\n" + "\n".join(lignes[3:])
    assert lire_tout(melange.encode("latin-1")) == attendu


def test_lignes_vides_finales_toleres() -> None:
    lignes = retour(l200())
    assert len(lire_tout(octets(lignes) + b"\n\r\n\n")) == 5


def test_disposition_reconnue_parmi_plusieurs() -> None:
    arl = ARL_LIGNES
    lu = lire_tout(octets(arl))
    assert [e.disposition for e in lu if isinstance(e, Enregistrement)] == ["REJETS-ARL-1"] * 4
    assert enregistrement(lu[2])["motif"] == "Lot illisible"
    assert fixe.reconnaitre(octets(arl[:1]), TOUTES) == [ARL]


# --- Refused lines: the line alone. ---


@pytest.mark.parametrize(
    ("changement", "champ", "attendu", "message"),
    [
        (
            {"date_soins": "991340"},
            "date_soins",
            "une date AAMMJJ",
            "ligne 3, champ date_soins : « 991340 » n'est pas une date AAMMJJ",
        ),
        (
            {"montant_paye": "+00000012a45"},
            "montant_paye",
            "un montant signé (+ ou - puis 11 chiffres)",
            "« +00000012a45 » n'est pas un montant signé (+ ou - puis 11 chiffres)",
        ),
        ({"montant_paye": "000000001500"}, "montant_paye", "un montant signé", "« 000000001500 »"),
        ({"montant_paye": " 00000001500"}, "montant_paye", "un montant signé", "n'est pas"),
        ({"montant_demande": "+0000001_500"}, "montant_demande", "un montant signé", "n'est pas"),
        (
            {"numero_facture": "00012a45 "},
            "numero_facture",
            "un nombre de 9 chiffres",
            "« 00012a45",
        ),
        ({"numero_facture": "-00012345"}, "numero_facture", "un nombre de 9 chiffres", "n'est pas"),
        ({"numero_facture": "         "}, "numero_facture", "un nombre", "champ obligatoire vide"),
        ({"partie": "XYZ"}, "partie", "une valeur parmi AMO, AMC", "« XYZ » n'est pas une valeur"),
        ({"partie": "   "}, "partie", "une valeur parmi AMO, AMC", "champ obligatoire vide"),
        ({"organisme": ""}, "organisme", "un texte en ISO-8859-1", "champ obligatoire vide"),
    ],
)
def test_champ_illisible_refuse_la_ligne(
    changement: dict[str, str], champ: str, attendu: str, message: str
) -> None:
    brute = l200(**{c: None for c in changement})
    c = RETOURS.enregistrement("200").champ(champ)
    valeur = changement[champ]
    brute = brute[: c.debut - 1] + valeur.ljust(c.longueur) + brute[c.fin :]
    lu = lire_tout(octets(retour(brute, l200(numero_facture=3))))
    assert [x.ligne for x in lu] == [1, 2, 3, 4, 5, 6]
    refusee = lu[2]
    assert isinstance(refusee, LigneRefusee)
    assert (refusee.ligne, refusee.type, refusee.champ) == (3, "200", champ)
    assert attendu in refusee.attendu
    assert message in refusee.message
    assert refusee.message.startswith(f"ligne 3, champ {champ} : ")


@pytest.mark.parametrize(("largeur", "message"), [(150, "150 caractères"), (161, "161 caractères")])
def test_ligne_trop_courte_ou_trop_longue(largeur: int, message: str) -> None:
    brute = l200()[:largeur].ljust(largeur, "X")
    (refusee,) = refus(octets(retour(brute)))
    assert refusee == LigneRefusee(
        2 + 1, "200", None, "160 caractères", f"ligne 3 : {message}, 160 attendus"
    )


def test_ligne_tres_longue_lue_par_morceaux() -> None:
    brute = l200() + "X" * 100_000
    (refusee,) = refus(octets(retour(brute)))
    assert refusee.message == "ligne 3 : 100160 caractères, 160 attendus"


def test_ligne_refusee_compte_et_somme_inverifiable() -> None:
    """A refused line counts; an unreadable summed amount makes that sum unverifiable."""
    mauvais_montant = l200()[:71] + "+0000000150x" + l200()[83:]
    lu = lire_tout(octets(retour(l200(), mauvais_montant, sommes=(2, 3000, 999_999))))
    assert [type(x).__name__ for x in lu].count("LigneRefusee") == 1


def test_ligne_refusee_garde_ses_montants_lisibles() -> None:
    mauvaise_date = l200(date_soins=None)
    with pytest.raises(FichierInvalide, match="total_paye = 999999 annoncé, 3000 trouvé"):
        lire_tout(octets(retour(l200(), mauvaise_date, sommes=(2, 3000, 999_999))))
    lu = lire_tout(octets(retour(l200(), mauvaise_date, sommes=(2, 3000, 3000))))
    assert isinstance(lu[3], LigneRefusee) and lu[3].champ == "date_soins"


def test_ligne_de_largeur_fausse_rend_les_sommes_inverifiables_mais_compte() -> None:
    courte = l200()[:150]
    lu = lire_tout(octets(retour(l200(), courte, sommes=(2, 1, 2))))
    assert isinstance(lu[3], LigneRefusee)
    with pytest.raises(FichierInvalide, match="nombre = 1 annoncé, 2 trouvé"):
        lire_tout(octets(retour(l200(), courte, sommes=(1, 1, 2))))


ELEVES = Disposition(
    identifiant="ESSAI-IDENTITE",
    libelle="",
    version=1,
    largeur=40,
    encodage="latin-1",
    type_debut=1,
    type_longueur=1,
    siecle_pivot=None,
    signature=module_disposition.Signature("0", "marque", "ESSAI"),
    enregistrements=(
        module_disposition.TypeEnregistrement(
            "0", "en_tete", "", "fichier", (Champ("marque", 2, 5, "alphanumerique"),)
        ),
        module_disposition.TypeEnregistrement(
            "1",
            "personne",
            "",
            "fichier",
            (
                Champ("nir", 2, 13, "numerique"),
                Champ("nom", 15, 10, "alphanumerique"),
                Champ("prenom", 25, 10, "alphanumerique"),
                Champ("ville", 35, 6, "alphanumerique", obligatoire=False),
            ),
        ),
        module_disposition.TypeEnregistrement("9", "fin", "", "fichier", ()),
    ),
    niveaux=(Niveau("fichier", "0", "9", None),),
)


def test_contenu_des_champs_d_identite_jamais_cite() -> None:
    """nir, nom, prenom: the message says what is wrong, never what the value is."""
    lignes = [
        "0ESSAI".ljust(40),
        ("1" + "1850799123X45" + "DUPONT".ljust(10) + "JEAN".ljust(10)).ljust(40),
        # nom in UTF-8 inside an otherwise ISO-8859-1 line (ville): refused, not quoted.
        ("11850799123456" + "DURAND".ljust(10) + "HÃ©LÃ¨NE".ljust(10) + "NÎMES").ljust(40),
        "9".ljust(40),
    ]
    donnees = "\n".join(lignes).encode("latin-1")
    premiere, seconde = refus(donnees, [ELEVES])
    assert premiere.champ == "nir"
    assert premiere.message == "ligne 2, champ nir : la valeur n'est pas un nombre de 13 chiffres"
    assert seconde.champ == "prenom"
    assert "HÃ" not in seconde.message and "semble encodée en UTF-8" in seconde.message
    assert "la valeur" in seconde.message


def test_memoisation_adaptee_aux_valeurs_toutes_distinctes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A field with many distinct values switches from memoised to direct conversion,
    mid-file, without changing what is read."""
    monkeypatch.setattr(module_disposition, "TAILLE_CACHE", 4)
    with open(
        module_disposition.__file__.replace("disposition.py", "dispositions/retours.toml")
    ) as f:
        fraiche = lire_disposition(f.read(), "retours.toml")
    lignes_200 = [
        l200(
            numero_facture=i,
            numero_lot=f"{i:05d}",
            issue="R",
            code=f"E{i:04d}",
            libelle=f"Rejet n° {i} : assuré inconnu",
            montant_paye=0,
        )
        for i in range(60)
    ]
    lu = lire_tout(octets(retour(*lignes_200, sommes=(60, 60 * 1500, 0))), [fraiche])
    lues = [e for e in lu if isinstance(e, Enregistrement) and e.type == "200"]
    assert [e["libelle"] for e in lues] == [f"Rejet n° {i} : assuré inconnu" for i in range(60)]
    assert [e["numero_lot"] for e in lues] == [f"{i:05d}" for i in range(60)]
    assert [e["partie"] for e in lues] == ["AMO"] * 60
    compilee = fraiche.compilee
    assert {("200", 3), ("200", 10), ("200", 11)} <= compilee.directs
    assert compilee.separes


# --- Whole-file faults. ---


def _remplacer(lignes: list[str], rang: int, nouvelle: str) -> list[str]:
    return [*lignes[:rang], nouvelle, *lignes[rang + 1 :]]


VALIDE = retour(l200(), l200(**REJETEE), sommes=(2, 3500, 1500))


@pytest.mark.parametrize(
    ("donnees", "ligne_fautive", "message"),
    [
        (b"", None, "fichier vide"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, "disposition non reconnue"),
        (b"\x1f\x8b\x08\x00gzip", 1, "contenu binaire : octet de contrôle 0x1F en colonne 1"),
        (b"\x00" * 200, 1, "contenu binaire : octet de contrôle 0x00 en colonne 1"),
        (octets(VALIDE).replace(b"VIR-2026", b"VIR\x0026"), 2, "contenu binaire"),
        (octets(VALIDE).replace(b"VIR-2026", b"VIR\x8526"), 2, "octet de contrôle 0x85 (C1)"),
        (octets(VALIDE).replace(b"VIR-2026", b"VIR\t026"), 2, "octet de contrôle 0x09"),
        (octets(VALIDE).replace(b"\n", b"\r"), 1, "retour chariot (\\r) isolé"),
        (
            octets(VALIDE, encodage="utf-8"),
            4,
            "le fichier semble encodé en UTF-8 ; la disposition REJETS-RETOURS-1 attend ISO-8859-1",
        ),
        (
            b"\xef\xbb\xbf" + octets(VALIDE),
            1,
            "semble encodé en UTF-8 (il commence par la marque UTF-8) ; la disposition "
            "REJETS-RETOURS-1 attend ISO-8859-1",
        ),
        (b"Bonjour\n", 1, "disposition non reconnue : la première ligne ne porte la signature"),
        (octets([VALIDE[0].replace("RETOURS", "RETOUR ")]), 1, "disposition non reconnue"),
        (octets(_remplacer(VALIDE, 2, "300" + l200()[3:])), 3, "type d'enregistrement « 300 »"),
        (octets(_remplacer(VALIDE, 2, "")), 3, "ligne vide"),
        (
            octets([VALIDE[0], l200(), *VALIDE[1:]]),
            2,
            "l'enregistrement 200 (ligne_facture) appartient au niveau bordereau, or le niveau "
            "ouvert est fichier",
        ),
        (
            octets([*VALIDE[:2], VALIDE[1], *VALIDE[2:]]),
            3,
            "ouvre un niveau bordereau, qui se place dans le niveau fichier, or le niveau ouvert "
            "est bordereau",
        ),
        (octets([*VALIDE[:4], VALIDE[0], *VALIDE[4:]]), 5, "qui ne s'ouvre qu'une fois"),
        (
            octets(VALIDE[:-1]),
            None,
            "fin du fichier alors que des niveaux restent ouverts : fichier (ouvert ligne 1, "
            "fermé par 990)",
        ),
        (
            octets(VALIDE[:-2]),
            None,
            "bordereau (ouvert ligne 2, fermé par 990) puis fichier (ouvert ligne 1",
        ),
        (octets([*VALIDE, VALIDE[0]]), 7, "données après la fin du fichier"),
        (
            octets(_remplacer(VALIDE, 4, fin(3, 3500, 1500))),
            5,
            "totaux du niveau bordereau (ouvert ligne 2) : nombre = 3 annoncé, 2 trouvé "
            "(nombre d'enregistrements 200)",
        ),
        (
            octets(_remplacer(VALIDE, 5, fin(2, 3500, 1501))),
            6,
            "totaux du niveau fichier (ouvert ligne 1) : total_paye = 1501 annoncé, 1500 trouvé "
            "(somme de 200.montant_paye)",
        ),
        (
            octets(_remplacer(VALIDE, 1, ligne(RETOURS, "100", **VIREMENT)[:150])),
            2,
            "enregistrement d'ouverture 100 (virement) mal formé : 150 caractères, 160 attendus",
        ),
        (
            octets(
                _remplacer(
                    VALIDE, 1, ligne(RETOURS, "100", **VIREMENT).replace("20260309", "20261309")
                )
            ),
            2,
            "enregistrement d'ouverture 100 (virement) mal formé, champ date_virement : "
            "« 20261309 » n'est pas une date AAAAMMJJ",
        ),
        (
            octets(
                _remplacer(
                    VALIDE, 5, fin(2, 3500, 1500).replace("+0000000001500", "+00000000015x0")
                )
            ),
            6,
            "enregistrement de fin 990 (fin_de_niveau) mal formé, champ total_paye",
        ),
        (
            octets(_remplacer(VALIDE, 0, VALIDE[0][:100])),
            1,
            "enregistrement d'ouverture 000 (en_tete) mal formé : 100 caractères",
        ),
    ],
)
def test_fichier_refuse(donnees: bytes, ligne_fautive: int | None, message: str) -> None:
    erreur = faute(donnees)
    assert message in erreur.raison, erreur.raison
    assert erreur.ligne == ligne_fautive
    assert erreur.nom_fichier == "f"
    lieu = "Fichier « f »" + (f", ligne {ligne_fautive}" if ligne_fautive else "")
    assert erreur.message == str(erreur) == f"{lieu} : {erreur.raison}"


def test_fichier_utf8_de_bonne_largeur_refuse() -> None:
    """UTF-8 padded by bytes (right widths): the first accented text field gives it away."""
    texte = l200(**REJETEE).replace(
        "Bénéficiaire inconnu de l'organisme  ", "Bénéficiaire inconnu de l'organisme"
    )
    assert len(texte.encode("utf-8")) == 160
    erreur = faute(octets(retour(l200(), texte, sommes=(2, 3500, 1500)), encodage="utf-8"))
    assert erreur.raison == (
        "le fichier semble encodé en UTF-8 ; la disposition REJETS-RETOURS-1 attend ISO-8859-1"
    )
    assert erreur.ligne == 4


def test_disposition_ascii_et_cp1252() -> None:
    texte = ELEVES_TOML.replace('encodage = "latin-1"', 'encodage = "ascii"')
    ascii_ = lire_disposition(texte, "ascii.toml")
    cp1252 = lire_disposition(texte.replace('"ascii"', '"windows-1252"'), "cp1252.toml")
    assert cp1252.encodage == "cp1252"
    lignes = ["0ESSAI".ljust(20), "1Œuvre €".ljust(20), "9".ljust(20)]
    lu = lire_tout("\n".join(lignes).encode("cp1252"), [cp1252])
    assert enregistrement(lu[1])["texte"] == "Œuvre €"
    erreur = faute("\n".join(lignes).encode("cp1252"), [ascii_])
    assert "octet non ASCII 0x8C en colonne 2 ; la disposition ESSAI attend de l'ASCII" in (
        erreur.raison
    )
    erreur = faute("\n".join(lignes).encode("utf-8"), [ascii_])
    assert "semble encodé en UTF-8 ; la disposition ESSAI attend ASCII" in erreur.raison
    indefini = "\n".join(lignes).encode("cp1252").replace(b"\x8c", b"\x81")
    erreur = faute(indefini, [cp1252])
    assert "octet 0x81 en colonne 2, non défini en Windows-1252" in erreur.raison


ELEVES_TOML = """
identifiant = "ESSAI"
version = 1
largeur = 20
encodage = "latin-1"
position_type = { debut = 1, longueur = 1 }
signature = { type = "0", champ = "marque", valeur = "ESSAI" }

[[niveaux]]
nom = "fichier"
ouvert_par = "0"
ferme_par = "9"

[[enregistrements]]
code = "0"
nom = "en_tete"
niveau = "fichier"
champs = [{ nom = "marque", debut = 2, longueur = 5, type = "alphanumerique" }]

[[enregistrements]]
code = "1"
nom = "texte"
niveau = "fichier"
champs = [{ nom = "texte", debut = 2, longueur = 19, type = "alphanumerique" }]

[[enregistrements]]
code = "9"
nom = "fin"
"""


def test_signature_ambigue() -> None:
    copie = lire_disposition(ELEVES_TOML.replace('"ESSAI"\nversion', '"COPIE"\nversion'), "c")
    essai = lire_disposition(ELEVES_TOML, "e")
    erreur = faute(b"0ESSAI".ljust(20) + b"\n9".ljust(21) + b"\n", [essai, copie])
    assert "reconnue par plusieurs dispositions (ESSAI, COPIE)" in erreur.raison


def test_erreur_tardive_apres_des_enregistrements() -> None:
    """Streaming: records come before a late structural fault."""
    lectures = lire(io.BytesIO(octets(VALIDE[:-1])), TOUTES, "f")
    assert [next(lectures).ligne for _ in range(5)] == [1, 2, 3, 4, 5]
    with pytest.raises(FichierInvalide, match="restent ouverts"):
        next(lectures)


# --- The B2-like lot layout. ---


def test_lot_lu() -> None:
    lignes = LOT_LIGNES
    lu = lire_tout(octets(lignes))
    assert [(e.type, e.niveau) for e in lu if isinstance(e, Enregistrement)] == [
        ("0", "fichier"),
        ("2", "facture"),
        ("3", "facture"),
        ("3", "facture"),
        ("5", "facture"),
        ("9", "fichier"),
    ]
    assert enregistrement(lu[2])["coefficient"] == 1500
    erreur = faute(octets(_remplacer(lignes, 4, ligne(LOT, "5", nombre_actes=2, total_actes=1))))
    assert "totaux du niveau facture (ouvert ligne 2) : total_actes = 1 annoncé, 1230 trouvé" in (
        erreur.raison
    )
    erreur = faute(octets([*lignes[:4], lignes[5], lignes[4]]))
    assert "l'enregistrement 9 (fin_fichier) ferme le niveau fichier, or le niveau ouvert est " in (
        erreur.raison
    )


# --- Writing. ---


def _ecrivain(d: Disposition = RETOURS) -> tuple[EcrivainFixe, io.BytesIO]:
    flux = io.BytesIO()
    return EcrivainFixe(d, flux), flux


def test_ecriture_puis_lecture_identiques_au_fichier_ecrit_a_la_main() -> None:
    ecrivain, flux = _ecrivain()
    ecrivain.ouvrir("000", **ENTETE)
    ecrivain.ouvrir("100", **VIREMENT)
    ecrivain.ecrire("200", **PAYEE)
    ecrivain.ecrire("200", **REJETEE)
    ecrivain.fermer()
    ecrivain.fermer()
    ecrivain.terminer()
    assert flux.getvalue() == octets(retour(l200(), l200(**REJETEE), sommes=(2, 3500, 1500)))
    assert ecrivain.lignes == 6


@pytest.mark.parametrize(
    ("changement", "message"),
    [
        ({"partie": "AMOX"}, "champ partie : 4 caractères pour 3 places"),
        ({"partie": "XYZ"}, "champ partie : « XYZ » : une valeur parmi AMO, AMC est attendue"),
        (
            {"libelle": "Coût : 12 €"},
            "champ libelle : caractère « € » non représentable en ISO-8859-1",
        ),
        ({"libelle": "a\nb"}, "champ libelle : caractère de contrôle interdit"),
        ({"libelle": "caf\x85"}, "champ libelle : caractère de contrôle interdit"),
        ({"libelle": "CafÃ©"}, "serait lue comme de l'UTF-8"),
        ({"nir": "CafÃ©"}, "champ nir : la valeur serait lue comme de l'UTF-8"),
        ({"organisme": "   "}, "champ organisme : champ obligatoire vide"),
        ({"organisme": None}, "champ organisme : champ obligatoire manquant"),
        ({"organisme": 17}, "champ organisme : un texte est attendu, reçu int"),
        ({"numero_facture": -1}, "champ numero_facture : « -1 » : un entier positif est attendu"),
        ({"numero_facture": 10**9}, "champ numero_facture : « 1000000000 » dépasse 9 chiffres"),
        ({"numero_facture": "12"}, "champ numero_facture : un entier est attendu, reçu str"),
        ({"numero_facture": True}, "un entier est attendu, reçu bool"),
        ({"montant_paye": 10**11}, "champ montant_paye : « 100000000000 » dépasse 11 chiffres"),
        ({"montant_paye": 1.5}, "un entier est attendu, reçu float"),
        ({"date_soins": dt.date(2070, 1, 1)}, "« 2070-01-01 » hors de la fenêtre AAMMJJ"),
        ({"date_soins": dt.date(1969, 12, 31)}, "(siecle_pivot 70 : de 1970 à 2069)"),
        ({"date_soins": dt.datetime(2026, 1, 1)}, "une date est attendue, reçu datetime"),
        ({"date_soins": "2026-01-01"}, "une date est attendue, reçu str"),
        ({"inconnu": 1}, "enregistrement 200 (ligne_facture) : champ « inconnu » inconnu"),
    ],
)
def test_ecriture_refusee(changement: dict[str, object], message: str) -> None:
    ecrivain, flux = _ecrivain()
    ecrivain.ouvrir("000", **ENTETE)
    ecrivain.ouvrir("100", **VIREMENT)
    avant = flux.getvalue()
    with pytest.raises(EcritureRefusee) as e:
        ecrivain.ecrire("200", **{**PAYEE, **changement})
    assert message in str(e.value)
    assert flux.getvalue() == avant
    ecrivain.fermer()
    ecrivain.fermer()
    assert enregistrement(lire_tout(flux.getvalue())[-1])["nombre"] == 0


def test_ecriture_structure_refusee() -> None:
    ecrivain, _ = _ecrivain()
    with pytest.raises(EcritureRefusee, match="« 200 » n'ouvre aucun niveau"):
        ecrivain.ouvrir("200", **PAYEE)
    with pytest.raises(
        EcritureRefusee, match="appartient au niveau bordereau, or aucun niveau n'est ouvert"
    ):
        ecrivain.ecrire("200", **PAYEE)
    with pytest.raises(EcritureRefusee, match="aucun niveau ouvert à fermer"):
        ecrivain.fermer()
    with pytest.raises(EcritureRefusee, match="fichier vide"):
        ecrivain.terminer()
    ecrivain.ouvrir("000", **ENTETE)
    with pytest.raises(EcritureRefusee, match="s'ouvre une seule fois"):
        ecrivain.ouvrir("000", **ENTETE)
    with pytest.raises(EcritureRefusee, match="« 990 » n'est pas un enregistrement ordinaire"):
        ecrivain.ecrire("990", nombre=0)
    ecrivain.ouvrir("100", **VIREMENT)
    with pytest.raises(
        EcritureRefusee, match="le niveau bordereau se place dans le niveau fichier"
    ):
        ecrivain.ouvrir("100", **VIREMENT)
    with pytest.raises(EcritureRefusee, match="nombre, total_paye calculé automatiquement"):
        ecrivain.fermer(nombre=3, total_paye=0)
    with pytest.raises(EcritureRefusee, match="le niveau bordereau n'est pas fermé"):
        ecrivain.terminer()


# --- Round trips (hypothesis), generic over a layout. ---

_LATIN1 = st.characters(codec="latin-1", exclude_categories=["Cc"]) | st.sampled_from(
    list("\xa0\xadéèàçÉÈÀÇ")
)


def _texte(c: Champ, codec: str) -> st.SearchStrategy[str | None]:
    if c.valeurs:
        valeur: st.SearchStrategy[str] = st.sampled_from(c.valeurs)
    else:
        alphabet = (
            _LATIN1
            if codec == "latin-1"
            else st.characters(codec="ascii", exclude_categories=["Cc"])
        )
        valeur = (
            st.text(alphabet=alphabet, max_size=c.longueur)
            .map(lambda t: t.rstrip(" "))
            .filter(lambda t: not semble_utf8(t.encode(codec)))
        )
        if c.obligatoire:
            valeur = valeur.filter(bool)
    return valeur if c.obligatoire else st.none() | valeur


def _valeur(d: Disposition, c: Champ) -> st.SearchStrategy[Any]:
    n = c.longueur
    if c.type == "alphanumerique":
        strategie: st.SearchStrategy[Any] = _texte(c, d.encodage)
        return strategie
    if c.type == "numerique":
        strategie = st.integers(0, 10**n - 1)
    elif c.type == "montant":
        strategie = st.integers(-(10 ** (n - 1)) + 1, 10 ** (n - 1) - 1)
    elif c.type == "date8":
        strategie = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
    else:
        pivot = d.siecle_pivot or 0
        strategie = st.dates(dt.date(1900 + pivot, 1, 1), dt.date(min(1999 + pivot, 2099), 12, 31))
    return strategie if c.obligatoire else st.none() | strategie


@dataclass
class _Niveau:
    """Niveau généré : valeurs d'ouverture, contenu (enregistrements et sous-niveaux), fin."""

    niveau: Niveau
    ouverture: dict[str, Any]
    contenu: list[tuple[str, dict[str, Any]] | _Niveau] = field(default_factory=list)
    fin: dict[str, Any] = field(default_factory=dict)


def _valeurs(
    data: st.DataObject, d: Disposition, code: str, sauf: frozenset[str] = frozenset()
) -> dict[str, Any]:
    t = d.enregistrement(code)
    valeurs = {c.nom: data.draw(_valeur(d, c)) for c in t.champs if c.nom not in sauf}
    if code == d.signature.type:
        valeurs[d.signature.champ] = d.signature.valeur
    return valeurs


def _generer(data: st.DataObject, d: Disposition, niveau: Niveau, profondeur: int) -> _Niveau:
    ordinaires = [
        t.code
        for t in d.enregistrements
        if t.niveau == niveau.nom
        and all(t.code not in (n.ouvert_par, n.ferme_par) for n in d.niveaux)
    ]
    enfants = [n for n in d.niveaux if n.parent == niveau.nom]
    genere = _Niveau(niveau, _valeurs(data, d, niveau.ouvert_par))
    for _ in range(data.draw(st.integers(0, 4 if profondeur < 2 else 0))):
        choix = (
            data.draw(st.sampled_from(ordinaires + [n.nom for n in enfants]))
            if ordinaires or enfants
            else None
        )
        if choix is None:
            break
        enfant = next((n for n in enfants if n.nom == choix), None)
        if enfant is None:
            genere.contenu.append((choix, _valeurs(data, d, choix)))
        else:
            genere.contenu.append(_generer(data, d, enfant, profondeur + 1))
    totaux = frozenset(t.champ for t in niveau.totaux)
    genere.fin = _valeurs(data, d, niveau.ferme_par, sauf=totaux)
    return genere


def _ecrire(ecrivain: EcrivainFixe, g: _Niveau) -> None:
    ecrivain.ouvrir(g.niveau.ouvert_par, **g.ouverture)
    for element in g.contenu:
        if isinstance(element, _Niveau):
            _ecrire(ecrivain, element)
        else:
            ecrivain.ecrire(element[0], **element[1])
    ecrivain.fermer(**g.fin)


def _attendus(
    d: Disposition, g: _Niveau
) -> tuple[list[tuple[str, str, dict[str, Any]]], list[tuple[str, dict[str, Any]]]]:
    """Enregistrements attendus (code, niveau, valeurs lues) et, pour le niveau parent, ce qui
    compte dans ses totaux (tout sauf les enregistrements de fin de ses propres niveaux)."""

    def lu(code: str, valeurs: Mapping[str, Any]) -> dict[str, Any]:
        t = d.enregistrement(code)
        return {
            c.nom: ("" if valeurs.get(c.nom) is None else valeurs[c.nom])
            if c.type == "alphanumerique"
            else valeurs.get(c.nom)
            for c in t.champs
        }

    sortie = [(g.niveau.ouvert_par, g.niveau.nom, lu(g.niveau.ouvert_par, g.ouverture))]
    dedans: list[tuple[str, dict[str, Any]]] = [(g.niveau.ouvert_par, sortie[0][2])]
    for element in g.contenu:
        if isinstance(element, _Niveau):
            sous_sortie, sous_dedans = _attendus(d, element)
            sortie += sous_sortie
            dedans += sous_dedans
            dedans.append((element.niveau.ferme_par, sous_sortie[-1][2]))
        else:
            valeurs = lu(element[0], element[1])
            sortie.append((element[0], g.niveau.nom, valeurs))
            dedans.append((element[0], valeurs))
    fin = lu(g.niveau.ferme_par, g.fin)
    for total in g.niveau.totaux:
        if total.somme is None:
            fin[total.champ] = sum(1 for code, _ in dedans if code in total.codes)
        else:
            fin[total.champ] = sum(
                v[total.somme] or 0 for code, v in dedans if code == total.codes[0]
            )
    sortie.append((g.niveau.ferme_par, g.niveau.nom, fin))
    return sortie, dedans


@pytest.mark.parametrize("identifiant", sorted(LIVREES))
@given(data=st.data())
def test_aller_retour(identifiant: str, data: st.DataObject) -> None:
    d = LIVREES[identifiant]
    racine = next(n for n in d.niveaux if n.parent is None)
    genere = _generer(data, d, racine, 0)
    ecrivain, flux = _ecrivain(d)
    _ecrire(ecrivain, genere)
    ecrivain.terminer()
    lu = lire_tout(flux.getvalue())
    assert all(isinstance(e, Enregistrement) for e in lu), lu
    assert [(e.type, e.niveau, dict(e)) for e in lu if isinstance(e, Enregistrement)] == (
        _attendus(d, genere)[0]
    )
    assert [e.ligne for e in lu] == list(range(1, len(lu) + 1))
    crlf = flux.getvalue().replace(b"\n", b"\r\n")
    assert lire_tout(crlf) == lu


# --- Fuzz: nothing but FichierInvalide escapes, whatever the bytes. ---


def _verifier(donnees: bytes) -> None:
    try:
        for lu in lire_tout(donnees):
            assert isinstance(lu, Enregistrement | LigneRefusee)
            if isinstance(lu, LigneRefusee):
                assert lu.message.startswith(f"ligne {lu.ligne}")
                lu.message.encode("utf-8")
    except FichierInvalide as erreur:
        assert erreur.raison
        erreur.message.encode("utf-8")


@given(st.binary(max_size=400))
def test_fuzz_octets(donnees: bytes) -> None:
    _verifier(donnees)
    _verifier(octets(VALIDE[:1]) + donnees)
    _verifier(octets(VALIDE[:2]) + donnees)


@given(
    st.sampled_from([VALIDE, ARL_LIGNES, LOT_LIGNES]),
    st.lists(
        st.tuples(
            st.sampled_from(["remplacer", "inserer", "supprimer"]),
            st.integers(0, 1000),
            st.binary(min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_fuzz_mutations_d_un_fichier_valide(
    valide: list[str], mutations: list[tuple[str, int, bytes]]
) -> None:
    """Valid files of each shipped layout, with bytes replaced, inserted or deleted."""
    donnees = bytearray(octets(valide))
    for genre, position, morceau in mutations:
        position %= max(len(donnees), 1)
        if genre == "remplacer":
            donnees[position : position + len(morceau)] = morceau
        elif genre == "inserer":
            donnees[position:position] = morceau
        else:
            del donnees[position : position + len(morceau)]
    _verifier(bytes(donnees))


@given(st.lists(st.sampled_from(list(" 0123456789+-AMOPRé\n")), max_size=60).map("".join))
def test_fuzz_champs_d_une_ligne(texte: str) -> None:
    """Plausible characters in the middle of a 200 line: refused line or structural fault."""
    brute = (l200()[:40] + texte + l200()[40:])[:170]
    _verifier(octets(retour(brute, l200())))


def test_traduction_des_codes_a_la_lecture_et_a_l_ecriture(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Raw codes of a file become the values the program knows, and back when writing;
    memoised and direct conversions translate alike."""
    texte = ELEVES_TOML.replace(
        '{ nom = "texte", debut = 2, longueur = 19, type = "alphanumerique" }',
        '{ nom = "issue", debut = 2, longueur = 2, type = "alphanumerique", '
        'valeurs = ["01", "02", "P"], traduction = { "01" = "P", "02" = "R" } }, '
        '{ nom = "numero", debut = 4, longueur = 17, type = "alphanumerique" }',
    )
    monkeypatch.setattr(module_disposition, "TAILLE_CACHE", 1)
    d = lire_disposition(texte, "traduction.toml")
    ecrivain, flux = _ecrivain(d)
    ecrivain.ouvrir("0", marque="ESSAI")
    issues = ["P", "R", "P", "R", "P"] * 4
    for i, issue in enumerate(issues):
        ecrivain.ecrire("1", issue=issue, numero=f"N{i}")
    ecrivain.fermer()
    assert flux.getvalue().splitlines()[1:3] == [b"101N0".ljust(20), b"102N1".ljust(20)]
    brut = flux.getvalue().replace(b"101N4", b"1P N4").replace(b"101N19", b"1P N19")
    lues = [e for e in lire_tout(brut, [d]) if isinstance(e, Enregistrement) and e.type == "1"]
    assert [e["issue"] for e in lues] == issues
    assert [e["numero"] for e in lues] == [f"N{i}" for i in range(20)]
    assert {("1", 0), ("1", 1)} <= d.compilee.directs
    refusee = refus(flux.getvalue().replace(b"102N3", b"103N3"), [d])
    assert [r.message for r in refusee] == [
        "ligne 5, champ issue : « 03 » n'est pas une valeur parmi 01, 02, P"
    ]


@pytest.mark.parametrize(
    ("document", "identifiant"),
    [
        ("retours-rejets.md", "REJETS-RETOURS-1"),
        ("arl-rejets.md", "REJETS-ARL-1"),
        ("lot-rejets.md", "REJETS-LOT-1"),
    ],
)
def test_exemples_de_la_documentation(document: str, identifiant: str) -> None:
    chemin = Path(__file__).resolve().parents[2] / "docs/formats" / document
    texte = chemin.read_text(encoding="utf-8").split("## Exemple", 1)[1]
    exemple = texte.split("```text\n", 1)[1].split("```", 1)[0]
    d = LIVREES[identifiant]
    lignes = [x.ljust(d.largeur) for x in exemple.splitlines()]
    lu = lire_tout(octets(lignes))
    assert all(isinstance(e, Enregistrement) and e.disposition == identifiant for e in lu), lu
