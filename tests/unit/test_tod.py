"""Table des Organismes Destinataires: the streaming CSV reader (separators, encodings, headers,
refused lines, structural faults) and the lookup with the « all centres » fallback."""

from __future__ import annotations

import io
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rejets.formats.tod import (
    COLONNES,
    LONGUEUR_MAX_LIGNE,
    TOUS_CENTRES,
    EntreeTod,
    FichierTodInvalide,
    LecteurTod,
    LigneTodRefusee,
    lire_tod,
    normaliser_entete,
    rechercher,
)

ENTETE = (
    "Code régime;Caisse gestionnaire;Centre gestionnaire;Libellé;Organisme destinataire;"
    "Code centre informatique"
)
ENTETE_ASCII = "regime;caisse;centre;libelle;destinataire;cti"
PARIS = "01;751;0000;CPAM DE PARIS;017510000;101"
ISERE = "01;381;0000;CPAM DE L'ISÈRE;013810000;212"
MSA = "02;691;0000;MSA AIN-RHÔNE;026910000;822"

ENTREE_PARIS = EntreeTod("01", "751", "0000", "CPAM DE PARIS", "017510000", "101")


def tod(*lignes: str, entete: str = ENTETE, encodage: str = "utf-8", fin: str = "\n") -> bytes:
    return "".join(ligne + fin for ligne in (entete, *lignes)).encode(encodage)


def lire(contenu: bytes, **options: str) -> list[EntreeTod | LigneTodRefusee]:
    return list(lire_tod(io.BytesIO(contenu), "tod.csv", **options))


def refus(contenu: bytes) -> FichierTodInvalide:
    with pytest.raises(FichierTodInvalide) as faute:
        lire(contenu)
    return faute.value


def entrees(lectures: list[EntreeTod | LigneTodRefusee]) -> list[EntreeTod]:
    return [e for e in lectures if isinstance(e, EntreeTod)]


def refusees(lectures: list[EntreeTod | LigneTodRefusee]) -> list[LigneTodRefusee]:
    return [r for r in lectures if isinstance(r, LigneTodRefusee)]


# ------------------------------------------------------------------------------ good files


def test_un_fichier_correct_donne_une_entree_par_ligne():
    lectures = lire(tod(PARIS, ISERE, MSA))
    assert lectures == [
        ENTREE_PARIS,
        EntreeTod("01", "381", "0000", "CPAM DE L'ISÈRE", "013810000", "212"),
        EntreeTod("02", "691", "0000", "MSA AIN-RHÔNE", "026910000", "822"),
    ]
    assert lectures[0].cle == ("01", "751", "0000")


def test_la_tod_d_exemple_livree_se_lit_sans_refus_et_se_dit_exemple():
    fichier = resources.files("rejets.referentiels.data").joinpath("tod-exemple.csv")
    with fichier.open("rb") as flux:
        lecteur = LecteurTod(flux, "tod-exemple.csv")
        lectures = list(lecteur)
    assert refusees(lectures) == []
    assert 30 <= len(lectures) <= 40
    assert all(e.libelle.endswith("(exemple Rejets)") for e in entrees(lectures))
    regimes = {e.regime for e in entrees(lectures)}
    assert {"01", "02", "04", "05", "06", "08", "10", "90"} <= regimes
    assert any(e.centre != TOUS_CENTRES for e in entrees(lectures))
    assert (lecteur.separateur, lecteur.encodage) == (";", "UTF-8")


@pytest.mark.parametrize("separateur", [";", ","])
def test_separateur_reconnu_a_l_en_tete(separateur):
    s = separateur
    contenu = tod(
        PARIS.replace(";", s),
        f'01{s}931{s}0000{s}"CPAM, SEINE-SAINT-DENIS; 93"{s}019310000{s}103',
        entete=ENTETE.replace(";", s),
    )
    lecteur = LecteurTod(io.BytesIO(contenu), "tod.csv")
    lectures = list(lecteur)
    assert lecteur.separateur == separateur
    assert lectures[0] == ENTREE_PARIS
    assert lectures[1] == EntreeTod(
        "01", "931", "0000", "CPAM, SEINE-SAINT-DENIS; 93", "019310000", "103"
    )


def test_separateur_impose():
    contenu = tod(PARIS.replace(";", ","), entete=ENTETE.replace(";", ","))
    assert lire(contenu, separateur=",") == [ENTREE_PARIS]
    with pytest.raises(FichierTodInvalide, match="colonne\\(s\\) manquante\\(s\\)"):
        lire(contenu, separateur=";")
    with pytest.raises(ValueError):
        LecteurTod(io.BytesIO(contenu), "tod.csv", separateur="\t")


@pytest.mark.parametrize(
    ("encodage", "prefixe", "nom"),
    [
        ("utf-8", b"", "UTF-8"),
        ("utf-8", b"\xef\xbb\xbf", "UTF-8"),
        ("latin-1", b"", "ISO-8859-1"),
    ],
)
def test_encodages_acceptes(encodage, prefixe, nom):
    contenu = prefixe + tod(PARIS, ISERE, MSA, encodage=encodage)
    lecteur = LecteurTod(io.BytesIO(contenu), "tod.csv")
    lectures = list(lecteur)
    assert refusees(lectures) == []
    assert lectures[1].libelle == "CPAM DE L'ISÈRE"
    assert lecteur.encodage == nom


def test_encodage_reconnu_a_la_premiere_ligne_non_ascii_meme_tardive():
    contenu = tod(
        PARIS, PARIS.replace("751", "752"), ISERE, entete=ENTETE_ASCII, encodage="latin-1"
    )
    lecteur = LecteurTod(io.BytesIO(contenu), "tod.csv")
    assert entrees(list(lecteur))[2].libelle == "CPAM DE L'ISÈRE"
    assert lecteur.encodage == "ISO-8859-1"


def test_fins_de_ligne_crlf_et_derniere_ligne_sans_fin():
    contenu = tod(PARIS, ISERE, fin="\r\n") + MSA.encode()
    assert len(entrees(lire(contenu))) == 3


@pytest.mark.parametrize(
    "entete",
    [
        "code_regime;code_caisse;code_centre;libelle;code_organisme_destinataire;code_cti",
        "RÉGIME;CAISSE;CENTRE;LIBELLÉ;ORGANISME DESTINATAIRE;CENTRE INFORMATIQUE",
        " Régime ; Caisse gestionnaire ; Centre gestionnaire ; Libellé ; Destinataire ; "
        "Code centre informatique ",
        "Code du régime;Code de la caisse gestionnaire;Code du centre gestionnaire;Nom;"
        "Org. destinataire;Code centre informatique",
    ],
)
def test_en_tetes_reconnus_sans_casse_accents_ni_espaces(entete):
    assert lire(tod(PARIS, entete=entete)) == [ENTREE_PARIS]


def test_colonnes_dans_un_autre_ordre_et_colonnes_inconnues_ignorees():
    entete = "Libellé;Date de mise à jour;Centre;Caisse;Régime;CTI;Organisme destinataire"
    ligne = "CPAM DE PARIS;2025-01-28;0000;751;01;101;017510000"
    lecteur = LecteurTod(io.BytesIO(tod(ligne, entete=entete)), "tod.csv")
    assert list(lecteur) == [ENTREE_PARIS]
    assert lecteur.colonnes_ignorees == ("Date de mise à jour",)


def test_normaliser_entete():
    assert {normaliser_entete(e) for e in ("Code régime", "code_regime", "RÉGIME")} == {"regime"}
    for colonne in COLONNES:
        assert normaliser_entete(colonne.nom) in colonne.entetes


def test_codes_raccourcis_par_un_tableur_completes_de_zeros():
    assert lire(tod("1;751;0;CPAM DE PARIS;17510000;101")) == [ENTREE_PARIS]
    assert lire(tod("01;61;0000;CPAM DES ALPES-MARITIMES;10610000;1"))[0] == EntreeTod(
        "01", "061", "0000", "CPAM DES ALPES-MARITIMES", "010610000", "001"
    )


# ------------------------------------------------------------------------------ refused lines


@pytest.mark.parametrize(
    ("ligne", "champs", "extrait"),
    [
        ("1A;751;0000;CPAM;017510000;101", ("regime",), "code régime « 1A » : 2 chiffres attendus"),
        ("01;7511;0000;CPAM;017510000;101", ("caisse",), "« 7511 » : 4 chiffres, 3 attendus"),
        ("01;751;00000;CPAM;017510000;101", ("centre",), "« 00000 » : 5 chiffres, 4 attendus"),
        ("01;751;0000;  ;017510000;101", ("libelle",), "libellé vide"),
        ("01;751;0000;CPAM;0175100001;101", ("organisme_destinataire",), "10 chiffres, 9"),
        ("01;751;0000;CPAM;01751000A;101", ("organisme_destinataire",), "9 chiffres attendus"),
        ("01;751;0000;CPAM;017510000;", ("centre_informatique",), "informatique vide"),
        ("01;751;0000;CPAM;017510000;1011", ("centre_informatique",), "4 chiffres, 3"),
        ("01;751;0000;" + "X" * 201 + ";017510000;101", ("libelle",), "201 caractères, 200"),
        ("01;７５１;0000;CPAM;017510000;101", ("caisse",), "3 chiffres attendus"),
    ],
)
def test_ligne_fautive_refusee_seule_avec_son_numero(ligne, champs, extrait):
    lectures = lire(tod(PARIS, ligne, MSA))
    assert [type(x) for x in lectures] == [EntreeTod, LigneTodRefusee, EntreeTod]
    (refusee,) = refusees(lectures)
    assert refusee.ligne == 3
    assert refusee.champs == champs
    assert refusee.message.startswith("ligne 3 : ")
    assert extrait in refusee.message


def test_toutes_les_fautes_d_une_ligne_sont_dites():
    (refusee,) = lire(tod("A;;0000;;017510000;101"))
    assert isinstance(refusee, LigneTodRefusee)
    assert refusee.champs == ("regime", "caisse", "libelle")
    assert refusee.message == (
        "ligne 2 : code régime « A » : 2 chiffres attendus ; caisse gestionnaire vide ; "
        "libellé vide"
    )


@pytest.mark.parametrize(
    ("ligne", "extrait"),
    [
        ("", "ligne vide"),
        (";;;;;", "ligne vide"),
        ("01;751;0000;CPAM", "4 valeur(s), il manque : organisme destinataire, code centre"),
        ("01;751;0000;CPAM; CENTRE 1;017510000;101", "7 valeurs, l'en-tête annonce 6 colonnes"),
        ('01;751;0000;"CPAM;017510000;101', "guillemets mal placés ou non fermés"),
    ],
)
def test_ligne_mal_decoupee_refusee(ligne, extrait):
    lectures = lire(tod(PARIS, ligne))
    assert lectures[0] == ENTREE_PARIS
    assert lectures[1] == LigneTodRefusee(3, (), lectures[1].message)
    assert extrait in lectures[1].message


def test_guillemet_au_milieu_d_une_valeur_garde_tel_quel():
    (entree,) = lire(tod('01;751;0000;CPAM "CENTRE";017510000;101'))
    assert isinstance(entree, EntreeTod) and entree.libelle == 'CPAM "CENTRE"'


def test_valeurs_vides_en_trop_toleres():
    assert lire(tod(PARIS + ";;", entete=ENTETE + ";")) == [ENTREE_PARIS]


def test_cle_en_double_la_ligne_suivante_est_refusee():
    doublon = "01;751;0000;AUTRE LIBELLÉ;017519999;999"
    lectures = lire(tod(PARIS, ISERE, doublon, "1;751;0;ENCORE;017510000;101"))
    assert entrees(lectures) == [ENTREE_PARIS, lectures[1]]
    premier, second = refusees(lectures)
    assert (premier.ligne, second.ligne) == (4, 5)
    assert premier.champs == ("regime", "caisse", "centre")
    assert premier.message == (
        "ligne 4 : régime 01, caisse 751, centre 0000 déjà lus ligne 2 ; la première ligne est "
        "gardée"
    )


def test_ligne_trop_longue_refusee_sans_arreter_la_lecture():
    longue = "01;751;0000;" + "X" * LONGUEUR_MAX_LIGNE + ";017510000;101"
    lectures = lire(tod(PARIS.replace("751", "752"), longue, PARIS))
    assert isinstance(lectures[1], LigneTodRefusee)
    assert lectures[1].ligne == 3 and "trop longue" in lectures[1].message
    assert lectures[2] == ENTREE_PARIS


# ------------------------------------------------------------------------------ whole file refused


@pytest.mark.parametrize(
    ("contenu", "ligne", "extrait"),
    [
        (b"", None, "fichier vide"),
        (b"\xef\xbb\xbf", None, "fichier vide"),
        (b"\n", None, "fichier vide"),
        (b"\n" + tod(PARIS), 1, "première ligne vide"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", 1, "encodage non reconnu : octet 0x89"),
        (tod(PARIS) + b"\x00\x01binaire\n", 3, "contenu binaire : octet de contrôle 0x00"),
        (tod(PARIS, "01;752;0000;CPAM\rX;017520000;101"), 3, "retour chariot (\\r) isolé"),
        ("\ufeff".encode("utf-16-le") + ENTETE.encode("utf-16-le"), 1, "encodé en UTF-16"),
        (tod(PARIS, entete=ENTETE_ASCII).replace(b"PARIS", b"PARIS \x92"), 2, "ni UTF-8 ni"),
        (tod(ISERE) + MSA.encode("latin-1"), 3, "le fichier mêle deux encodages"),
        (tod(ISERE, entete=ENTETE_ASCII, encodage="latin-1") + MSA.encode(), 3, "précédentes"),
        (b"\xef\xbb\xbf" + tod(ISERE, encodage="latin-1"), 1, "commence par la marque UTF-8"),
        (b"X" * (LONGUEUR_MAX_LIGNE + 10), 1, "première ligne trop longue"),
        (tod(entete='"Code régime;Caisse'), 1, "en-tête illisible"),
    ],
)
def test_fautes_de_structure_refusent_tout_le_fichier(contenu, ligne, extrait):
    faute = refus(contenu)
    assert faute.ligne == ligne
    assert faute.nom_fichier == "tod.csv"
    assert faute.message.startswith(
        "Fichier « tod.csv »" + ("" if ligne is None else f", ligne {ligne}") + " : "
    )
    assert extrait in faute.message


def test_colonne_manquante_nommee_avec_les_colonnes_lues():
    entete = "Code régime;Caisse gestionnaire;Centre gestionnaire;Libellé;Code centre informatique"
    faute = refus(tod("01;751;0000;CPAM;101", entete=entete))
    assert faute.ligne == 1
    assert "colonne(s) manquante(s) : organisme destinataire ;" in faute.message
    assert "« Code régime », « Caisse gestionnaire »" in faute.message


def test_mauvais_separateur_dit_ce_qui_a_ete_lu():
    faute = refus(tod(PARIS.replace(";", "\t"), entete=ENTETE.replace(";", "\t")))
    assert "colonne(s) manquante(s) : code régime, caisse gestionnaire" in faute.message
    assert "séparateur « ; » ou « , »" in faute.message


def test_deux_colonnes_pour_le_meme_champ():
    faute = refus(tod(PARIS + ";01", entete=ENTETE + ";Régime"))
    assert (
        "« Code régime » et « Régime » désignent toutes deux la colonne « code régime »"
        in faute.message
    )


def test_en_tete_seul_ne_donne_rien():
    assert lire(tod()) == []


# ------------------------------------------------------------------------------ lookup


TABLE = {
    ("01", "751", "0000"): "paris",
    ("01", "751", "0101"): "paris-0101",
    ("02", "751", "0101"): "msa-0101",
}


@pytest.mark.parametrize(
    ("regime", "caisse", "centre", "attendu"),
    [
        ("01", "751", "0101", "paris-0101"),
        ("01", "751", "0456", "paris"),
        ("01", "751", "0000", "paris"),
        ("02", "751", "0101", "msa-0101"),
        ("02", "751", "0456", None),
        ("01", "921", "0000", None),
        ("04", "751", "0101", None),
    ],
)
def test_recherche_puis_repli_sur_le_centre_0000(regime, caisse, centre, attendu):
    assert rechercher(TABLE, regime=regime, caisse=caisse, centre=centre) == attendu


# ------------------------------------------------------------------------------ properties

ligne_correcte = st.builds(
    lambda r, c, ce, lib, ci: f"{r:02d};{c:03d};{ce:04d};{lib};{r:02d}{c:03d}{ce:04d};{ci:03d}",
    st.integers(0, 99),
    st.integers(0, 999),
    st.sampled_from([0, 0, 101, 201]),
    st.sampled_from(["CPAM DE PARIS", "MSA AIN-RHÔNE", "CAISSE « ÉTÉ »", '"CPAM; 2"']),
    st.integers(0, 999),
)
ligne_quelconque = st.one_of(
    ligne_correcte,
    ligne_correcte.map(lambda s: s.replace(";", ";;", 1)),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=40),
    st.text(alphabet=';,"0123456789 AZé', max_size=40),
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(ligne_quelconque, max_size=30),
    st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_chaque_ligne_est_lue_ou_refusee(lignes, encodage, fin):
    """Every data line gives exactly one outcome, in order: read or refused, never dropped."""
    try:
        contenu = tod(*lignes, encodage=encodage, fin=fin)
    except UnicodeEncodeError:
        contenu = tod(*lignes, encodage="utf-8", fin=fin)
    try:
        lectures = lire(contenu)
    except FichierTodInvalide as faute:
        # Latin-1 text whose bytes happen to be valid UTF-8 ("Ã©") makes the file look mixed.
        assert encodage == "latin-1" and "mêle deux encodages" in faute.message
        return
    assert len(lectures) == len(lignes)
    for numero, lecture in enumerate(lectures, start=2):
        if isinstance(lecture, LigneTodRefusee):
            assert lecture.ligne == numero
            assert lecture.message.startswith(f"ligne {numero} : ")
    cles = [e.cle for e in entrees(lectures)]
    assert len(cles) == len(set(cles))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_des_octets_quelconques_donnent_des_lectures_ou_une_faute_de_fichier(octets):
    contenu = tod(entete=ENTETE_ASCII) + octets
    try:
        lectures = lire(contenu)
    except FichierTodInvalide as faute:
        assert faute.message.startswith("Fichier « tod.csv »")
        return
    attendues = len(octets.removesuffix(b"\n").split(b"\n")) if octets else 0
    assert [x.ligne for x in refusees(lectures)] == sorted(x.ligne for x in refusees(lectures))
    assert len(lectures) == attendues
