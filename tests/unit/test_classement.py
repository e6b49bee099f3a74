"""Classement des rejets (pur) : familles et actions, qualification par défaut de chaque famille
(DOMAIN.md §4), règles du fichier livré dans leur ordre, suggestion avec la règle et les mots
trouvés, fichiers de règles refusés."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rejets.domain.classement import (
    ACTIONS_DE_QUALIFICATION,
    FICHIER_REGLES,
    ActionSuivante,
    Classement,
    ClassementInvalide,
    Famille,
    Qualification,
    classement_par_defaut,
    normaliser,
    qualification_de_famille,
    suggerer,
)
from rejets.simulateur.jugement import NatureCode, table_codes

CLASSEMENT = classement_par_defaut()
TEXTE_LIVRE = (
    resources.files("rejets.domain.data").joinpath(FICHIER_REGLES).read_text(encoding="utf-8")
)


def famille_de(libelle: str) -> Famille | None:
    suggestion = suggerer(libelle)
    return None if suggestion is None else suggestion.qualification.famille


# ------------------------------------------------------------------ familles et actions


def test_familles_et_actions_ont_un_libelle_francais():
    assert [f.value for f in Famille] == [
        "droits",
        "amc",
        "prescription",
        "cotation",
        "tiers_payant",
        "doublon",
        "technique",
    ]
    assert Famille.TIERS_PAYANT.libelle == "Tiers payant"
    assert Famille.AMC.libelle == "Complémentaire (AMC)"
    assert all(a.libelle for a in ActionSuivante)
    assert ActionSuivante.FACTURER_PATIENT.libelle == "Facturer le patient"
    assert ActionSuivante.QUALIFIER not in ACTIONS_DE_QUALIFICATION
    assert set(ACTIONS_DE_QUALIFICATION) == set(ActionSuivante) - {ActionSuivante.QUALIFIER}


@pytest.mark.parametrize(
    ("famille", "action", "refacturable", "extrait"),
    [
        (Famille.DROITS, ActionSuivante.RECYCLER, True, "ADRi"),
        (Famille.AMC, ActionSuivante.FACTURER_PATIENT, True, "refacturez la DRE"),
        (Famille.PRESCRIPTION, ActionSuivante.RECYCLER, True, "prescription valide"),
        (Famille.COTATION, ActionSuivante.RECYCLER, True, "Recotez"),
        (Famille.TIERS_PAYANT, ActionSuivante.RECYCLER, True, "parts AMO et AMC"),
        (Famille.DOUBLON, ActionSuivante.VERIFIER_PAIEMENTS, False, "Ne refacturez pas"),
        (Famille.TECHNIQUE, ActionSuivante.REEMETTRE, True, "Ré-émettez"),
    ],
)
def test_qualification_par_defaut_de_chaque_famille(famille, action, refacturable, extrait):
    """DOMAIN.md §4 : la correction type de chaque famille."""
    q = qualification_de_famille(famille)
    assert (q.famille, q.action, q.refacturable) == (famille, action, refacturable)
    assert extrait in q.correction and q.explication


def test_une_qualification_ne_porte_jamais_l_action_qualifier():
    with pytest.raises(ClassementInvalide, match="Action suivante non permise"):
        Qualification(Famille.DROITS, "x", "y", ActionSuivante.QUALIFIER, True)
    with pytest.raises(ClassementInvalide, match="renseignées"):
        Qualification(Famille.DROITS, " ", "y", ActionSuivante.RECYCLER, True)


# ------------------------------------------------------------------ normalisation


@pytest.mark.parametrize(
    ("libelle", "normalise"),
    [
        ("Caisse d'affiliation différente", "CAISSE D AFFILIATION DIFFERENTE"),
        ("  PIÈCES   SCOR (mode dégradé) ", "PIECES SCOR MODE DEGRADE"),
        ("Œdème — cœur", "OEDEME COEUR"),
        ("", ""),
        ("¿?!", ""),
    ],
)
def test_normaliser(libelle, normalise):
    assert normaliser(libelle) == normalise


# ------------------------------------------------------------------ suggestions


@pytest.mark.parametrize(
    ("libelle", "famille"),
    [
        ("DROITS NON OUVERTS", Famille.DROITS),
        ("ASSURE INCONNU", Famille.DROITS),
        ("CAISSE ERRONEE", Famille.DROITS),
        ("Caisse d'affiliation différente", Famille.DROITS),
        ("NIR INCONNU DE LA CAISSE", Famille.DROITS),
        ("EXONERATION ALD NON CONNUE", Famille.DROITS),
        ("MUTUELLE NON TROUVEE", Famille.AMC),
        ("CONTRAT EXPIRE", Famille.AMC),
        ("AMC INCONNUE", Famille.AMC),
        ("PRESCRIPTION ABSENTE", Famille.PRESCRIPTION),
        ("ORDONNANCE PERIMEE", Famille.PRESCRIPTION),
        ("PRESCRIPTEUR NON IDENTIFIE", Famille.PRESCRIPTION),
        ("SIGNATURE DU PRESCRIPTEUR ABSENTE", Famille.PRESCRIPTION),
        ("PIECES JUSTIFICATIVES NON RECUES", Famille.PRESCRIPTION),
        ("COTATION INCORRECTE", Famille.COTATION),
        ("ACTE NON PREVU A LA NGAP", Famille.COTATION),
        ("ACTE INCOMPATIBLE", Famille.COTATION),
        ("CUMUL NON AUTORISE", Famille.COTATION),
        ("MAJORATION DIMANCHE NON JUSTIFIEE", Famille.COTATION),
        ("TIERS PAYANT NON AUTORISE", Famille.TIERS_PAYANT),
        ("PART AMO ERRONEE", Famille.TIERS_PAYANT),
        ("PARTS AMC ET AMO INCOHERENTES", Famille.TIERS_PAYANT),
        ("DOUBLON", Famille.DOUBLON),
        ("FACTURE DEJA PAYEE", Famille.DOUBLON),
        ("ACTE DÉJÀ REMBOURSÉ", Famille.DOUBLON),
        ("SIGNATURE INVALIDE", Famille.TECHNIQUE),
        ("FICHIER NON CONFORME", Famille.TECHNIQUE),
        ("SCELLEMENT INCORRECT", Famille.TECHNIQUE),
        ("INDU POUR DROITS FERMES", Famille.DROITS),
    ],
)
def test_libelles_realistes(libelle, famille):
    assert famille_de(libelle) is famille


def test_chaque_code_du_simulateur_est_reconnu_dans_sa_famille():
    """Les libellés du simulateur (rejets, indus, ARL) sont classés dans la famille que le
    simulateur leur donne."""
    codes = [c for c in table_codes().values() if c.nature is not NatureCode.INFORMATION]
    assert len(codes) > 30
    mal_classes = {
        c.code: famille_de(c.libelle) for c in codes if famille_de(c.libelle) != c.famille
    }
    assert mal_classes == {}


def test_la_suggestion_nomme_la_regle_et_les_mots_trouves():
    suggestion = suggerer("Droits non ouverts à la date des soins")
    assert suggestion is not None
    assert suggestion.regle.id == "droits"
    assert suggestion.mots == ("DROITS",)
    assert suggestion.qualification == qualification_de_famille(Famille.DROITS)
    assert suggestion.pourquoi.startswith("règle « droits » (")
    assert suggestion.pourquoi.endswith(") : « DROITS »")


def test_une_regle_peut_remplacer_la_qualification_de_sa_famille():
    suggestion = suggerer("INDU APRES CONTROLE DE LA COTATION")
    assert suggestion is not None and suggestion.regle.id == "indu-cotation"
    assert suggestion.mots == ("INDU", "COTATION", "CONTROLE")
    q = suggestion.qualification
    assert (q.famille, q.action, q.refacturable) == (
        Famille.COTATION,
        ActionSuivante.RECLAMATION,
        False,
    )


def test_mots_entiers_seulement():
    assert suggerer("PATIENT CONTACTE") is None  # ni ACTE ni ...
    assert famille_de("CONTACTER L ACTE") is Famille.COTATION


def test_premiere_regle_dans_l_ordre_du_fichier():
    # « TIERS PAYANT » (tiers-payant) passe avant « AMC » (amc) ; SCELLEMENT avant DEJA RECU.
    assert famille_de("TIERS PAYANT AMC SANS NUMERO AMC") is Famille.TIERS_PAYANT
    assert famille_de("SCELLEMENT DEJA RECU POUR UNE AUTRE FACTURE") is Famille.TECHNIQUE
    assert famille_de("FACTURE DEJA RECUE") is Famille.DOUBLON


@pytest.mark.parametrize("libelle", ["", "   ", "ERREUR 42", "VOIR COURRIER", "éàù"])
def test_libelle_non_reconnu(libelle):
    assert suggerer(libelle) is None


# ------------------------------------------------------------------ le fichier de règles


def test_chaque_regle_a_des_exemples_qu_elle_classe_elle_meme():
    """Chaque règle est atteignable : chacun de ses exemples, essayé dans l'ordre du fichier,
    tombe sur elle et non sur une règle d'avant."""
    assert len(CLASSEMENT.regles) >= 10
    assert len({r.id for r in CLASSEMENT.regles}) == len(CLASSEMENT.regles)
    for regle in CLASSEMENT.regles:
        assert regle.exemples, regle.id
        for exemple in regle.exemples:
            suggestion = suggerer(exemple)
            assert suggestion is not None and suggestion.regle.id == regle.id, (regle.id, exemple)
    assert {r.famille for r in CLASSEMENT.regles} == set(Famille)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_suggerer_ne_leve_jamais(libelle):
    suggestion = suggerer(libelle)
    if suggestion is not None:
        normalise = f" {normaliser(libelle)} "
        assert suggestion.regle in CLASSEMENT.regles
        assert suggestion.mots
        assert all(mot in normalise for mot in suggestion.mots)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([(r, e) for r in CLASSEMENT.regles for e in r.exemples]),
    st.sampled_from(["", "(SIMULATEUR)", "- code 12 -", "voir courrier"]),
)
def test_un_exemple_encadre_reste_classe_par_sa_regle(regle_et_exemple, bruit):
    regle, exemple = regle_et_exemple
    suggestion = suggerer(f"{bruit} {exemple.lower()} {bruit}")
    assert suggestion is not None and suggestion.regle.id == regle.id


def _remplacer(ancien: str, nouveau: str) -> str:
    assert ancien in TEXTE_LIVRE
    return TEXTE_LIVRE.replace(ancien, nouveau, 1)


@pytest.mark.parametrize(
    ("texte", "message"),
    [
        ("x = [", "TOML illisible"),
        ('format = "autre"\nversion = 1', "format « rejets-classement-rejets », version 1"),
        (_remplacer("[famille.doublon]", "[famille.doublons]"), "famille « doublon »"),
        (
            _remplacer('action = "verifier_paiements"', 'action = "qualifier"'),
            "action parmi recycler",
        ),
        (
            _remplacer('famille = "cotation"\ndescription', 'famille = "cote"\ndescription'),
            "famille parmi",
        ),
        (
            _remplacer("'\\bCUMUL[A-Z]*\\b']\nexplication", "'(']\nexplication"),
            "motif « ( » invalide",
        ),
        (
            _remplacer('exemples = ["DOUBLON",', 'exemples = ["ASSURE INCONNU",'),
            "l'exemple « ASSURE INCONNU » est classé par « droits »",
        ),
        (_remplacer('id = "amc"', 'id = "droits"'), "règle « droits » en double"),
        (_remplacer('id = "doublon"', 'id = "Doublon !"'), "« id » en minuscules"),
        (
            _remplacer("refacturable = false\n\n[famille", "refacturable = 0\n\n[famille"),
            "true ou false",
        ),
    ],
)
def test_fichier_de_regles_refuse(texte, message):
    with pytest.raises(ClassementInvalide, match=re.escape(message)):
        Classement.depuis_toml(texte, nom_fichier="regles.toml")


def test_fichier_de_regles_minimal():
    familles = "".join(
        f'[famille.{f}]\nexplication = "e"\ncorrection = "c"\naction = "recycler"\n'
        "refacturable = true\n"
        for f in Famille
    )
    texte = (
        'format = "rejets-classement-rejets"\nversion = 1\n'
        + familles
        + '[[regle]]\nid = "r"\nfamille = "doublon"\ndescription = "d"\nmots = ["Déjà vu"]\n'
        'exemples = ["deja vu"]\naction = "abandonner"\n'
    )
    classement = Classement.depuis_toml(texte)
    suggestion = classement.suggerer("facture déjà-vu")
    assert suggestion is not None and suggestion.mots == ("DEJA VU",)
    assert suggestion.qualification.action is ActionSuivante.ABANDONNER
    assert suggestion.qualification.explication == "e"
