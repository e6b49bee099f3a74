"""The simulator's judgement of one invoice (pure): each family's rules, their order, forced
outcomes, determinism for a seed, the rates over many clean invoices, and the code table."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from datetime import date

import pytest

from rejets.domain.identifiants import nir
from rejets.domain.tarifs import catalogue_par_defaut
from rejets.simulateur.jugement import (
    DELAI_FINALE,
    DELAI_INDU,
    DELAI_REPONSE,
    DELAI_TRAITEMENT,
    FAMILLES,
    LONGUEUR_LIBELLE,
    MARQUE,
    ActeLu,
    CodesInvalides,
    ContratAmc,
    DroitsConnus,
    FactureLue,
    Faits,
    Forcage,
    Issue,
    NatureCode,
    TableCodes,
    Taux,
    decision_forcee,
    graine_facture,
    juger,
    table_codes,
)

CATALOGUE = catalogue_par_defaut()
SANS_HASARD = Taux(rejet=0, traitement_caisse=0, silence=0, indu=0)
SOINS = date(2026, 3, 2)
NIR = "2550575056001" + nir.calc_check_digits("2550575056001")
DROITS = DroitsConnus("01", "751", "0000", date(2025, 1, 1))
CONTRAT = ContratAmc("0123456789", date(2025, 1, 1))


def fse(**changes: object) -> FactureLue:
    """A clean FSE: AMI 1,5 (4,73 €) and IFD (2,75 €) at home, prescribed, AMO 60 %."""
    base = FactureLue(
        partie="FSE",
        numero_ps="751000018",
        numero_lot="00001",
        organisme="017510000",
        numero_facture="000000001",
        nir=NIR,
        rang=1,
        date_soins=SOINS,
        montant_total=748,
        part_amo=449,
        part_amc=0,
        regime="01",
        caisse="751",
        centre="0000",
        nature_assurance="10",
        exoneration="0",
        tiers_payant="O",
        mode="V",
        scellement="3f2a9c0d11e4b7a8",
        date_prescription=date(2026, 2, 20),
        prescripteur="10001234567",
        domicile="O",
        actes=(ActeLu(SOINS, "AMI", 1500, 473), ActeLu(SOINS, "IFD", 1000, 275)),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def dre(**changes: object) -> FactureLue:
    """The DRE of the same invoice, tiers payant AMO and AMC."""
    valeurs: dict[str, object] = {
        "partie": "DRE",
        "organisme": "0123456789",
        "tiers_payant": "C",
        "part_amc": 299,
        "numero_amc": "0123456789",
    }
    valeurs.update(changes)
    return fse(**valeurs)


def faits(**changes: object) -> Faits:
    return dataclasses.replace(Faits(droits=DROITS, contrats=(CONTRAT,)), **changes)  # type: ignore[arg-type]


def juge(f: FactureLue, fa: Faits | None = None, taux: Taux = SANS_HASARD, graine: int = 1):
    return juger(
        f,
        fa if fa is not None else faits(),
        catalogue=CATALOGUE,
        taux=taux,
        rng=random.Random(graine_facture(graine, f.partie, f.numero_ps, f.numero_facture, 1)),
    )


def code_de(f: FactureLue, fa: Faits | None = None) -> str:
    d = juge(f, fa)
    assert d.issue is Issue.REJET, d
    assert d.motif is not None
    return d.motif.code


# ------------------------------------------------------------------ clean invoices


def test_une_fse_sans_faute_est_payee_de_sa_part_amo():
    d = juge(fse())
    assert d.issue is Issue.PAIEMENT and d.issue_finale is Issue.PAIEMENT
    assert d.montant_demande == d.montant_paye == 449
    assert d.motif is None and d.indu == 0
    assert DELAI_REPONSE[0] <= d.delai <= DELAI_REPONSE[1]


def test_une_dre_sans_faute_est_payee_de_sa_part_amc():
    d = juge(dre())
    assert d.issue is Issue.PAIEMENT
    assert d.montant_paye == 299


# ------------------------------------------------------------------ one test per family


@pytest.mark.parametrize(
    ("facture", "fa", "code"),
    [
        (fse(scellement="pas-hexadecimal!"), None, "ST01"),
        (fse(scellement="3f2a9c0d11e4b7a"), None, "ST01"),
        (fse(), faits(scellement_deja_recu=True), "ST02"),
    ],
)
def test_technique(facture, fa, code):
    assert code_de(facture, fa) == code
    assert table_codes()[code].famille == "technique"


@pytest.mark.parametrize(
    ("fa", "facture", "code"),
    [
        (faits(droits=None), fse(), "SD01"),
        (faits(droits=dataclasses.replace(DROITS, fin=date(2026, 2, 28))), fse(), "SD02"),
        (faits(droits=dataclasses.replace(DROITS, debut=date(2026, 3, 3))), fse(), "SD03"),
        (faits(droits=dataclasses.replace(DROITS, caisse="921")), fse(), "SD04"),
        (faits(droits=dataclasses.replace(DROITS, regime="02")), fse(), "SD04"),
        (faits(droits=dataclasses.replace(DROITS, centre="0123")), fse(centre="0456"), "SD04"),
        (faits(), fse(exoneration="4", part_amo=748), "SD05"),
    ],
)
def test_droits_selon_le_registre_de_la_caisse(fa, facture, code):
    assert code_de(facture, fa) == code
    assert table_codes()[code].famille == "droits"


def test_droits_centre_0000_vaut_tous_les_centres_et_exoneration_connue():
    assert juge(fse(centre="0123")).issue is Issue.PAIEMENT
    ald = faits(droits=dataclasses.replace(DROITS, exoneration="4"))
    assert juge(fse(exoneration="4", part_amo=748), ald).issue is Issue.PAIEMENT
    # 3 (traitement exonérant) comes with the care, not with the person.
    assert juge(fse(exoneration="3", part_amo=748)).issue is Issue.PAIEMENT


def test_droits_ne_regardent_que_la_fse():
    assert juge(dre(), faits(droits=None)).issue is Issue.PAIEMENT


@pytest.mark.parametrize(
    ("fa", "facture", "code"),
    [
        (faits(contrats=()), dre(), "SA01"),
        (faits(contrats=(ContratAmc("9999999999", date(2025, 1, 1)),)), dre(), "SA01"),
        (
            faits(contrats=(dataclasses.replace(CONTRAT, fin=date(2026, 1, 31)),)),
            dre(),
            "SA02",
        ),
        (
            faits(contrats=(dataclasses.replace(CONTRAT, debut=date(2026, 3, 3)),)),
            dre(),
            "SA02",
        ),
    ],
)
def test_amc_selon_le_registre_de_la_mutuelle(fa, facture, code):
    assert code_de(facture, fa) == code
    assert table_codes()[code].famille == "amc"


def test_amc_ne_regarde_que_la_dre():
    assert juge(fse(), faits(contrats=())).issue is Issue.PAIEMENT


@pytest.mark.parametrize(
    ("facture", "fa", "code"),
    [
        (fse(date_prescription=None), None, "SP01"),
        (fse(date_prescription=date(2026, 3, 3)), None, "SP02"),
        (fse(date_prescription=date(2025, 3, 1)), None, "SP03"),
        (fse(domicile="N"), None, "SP04"),
        (fse(domicile=""), None, "SP04"),
        (fse(mode="D"), None, "SP05"),
        (fse(mode="D"), faits(pieces=frozenset({"feuille_de_soins"})), "SP05"),
    ],
)
def test_prescription(facture, fa, code):
    assert code_de(facture, fa) == code
    assert table_codes()[code].famille == "prescription"


def test_prescription_limites():
    assert juge(fse(date_prescription=date(2025, 3, 2))).issue is Issue.PAIEMENT
    assert juge(fse(date_prescription=SOINS)).issue is Issue.PAIEMENT
    pieces = faits(pieces=frozenset({"feuille_de_soins", "prescription"}))
    assert juge(fse(mode="D"), pieces).issue is Issue.PAIEMENT
    sans_deplacement = fse(
        domicile="N", actes=(ActeLu(SOINS, "AMI", 1500, 473),), montant_total=473, part_amo=284
    )
    assert juge(sans_deplacement).issue is Issue.PAIEMENT


@pytest.mark.parametrize(
    ("facture", "code"),
    [
        (fse(actes=(ActeLu(SOINS, "XYZ", 1000, 473), ActeLu(SOINS, "IFD", 1000, 275))), "SC01"),
        (fse(actes=(ActeLu(SOINS, "AMI", 1500, 472), ActeLu(SOINS, "IFD", 1000, 276))), "SC02"),
        (
            fse(
                actes=(
                    ActeLu(SOINS, "AMI", 1000, 315),
                    ActeLu(SOINS, "MAU", 1000, 135),
                    ActeLu(SOINS, "MCI", 1000, 500),
                ),
                montant_total=950,
                part_amo=570,
                domicile="N",
            ),
            "SC03",
        ),
        (fse(montant_total=800), "SC04"),
        (fse(actes=()), "SC05"),
    ],
)
def test_cotation(facture, code):
    assert code_de(facture) == code
    assert table_codes()[code].famille == "cotation"


def test_cotation_admet_le_second_acte_a_50_pour_cent():
    actes = (ActeLu(SOINS, "AMI", 2000, 630), ActeLu(SOINS, "AMI", 1000, 158))
    assert juge(fse(actes=actes, montant_total=788, part_amo=473, domicile="N")).issue is (
        Issue.PAIEMENT
    )


@pytest.mark.parametrize(
    ("facture", "code"),
    [
        (fse(part_amo=600, part_amc=200), "SR01"),
        (fse(tiers_payant="C", part_amc=299), "SR02"),
        (fse(tiers_payant="C", numero_amc="0123456789"), "SR03"),
        (fse(part_amc=299), "SR04"),
        (dre(tiers_payant="N"), "SR04"),
        (fse(part_amo=748), "SR05"),
        (fse(part_amo=446), "SR05"),
        (fse(nature_assurance="30"), "SR05"),
        (dre(part_amc=0), "SR03"),
        (fse(nature_assurance="13", part_amo=0), "SR06"),
        (
            fse(actes=(ActeLu(SOINS, "AMI", 1000, 0),), montant_total=0, part_amo=0, domicile="N"),
            "SR06",
        ),
    ],
)
def test_tiers_payant(facture, code):
    assert code_de(facture) == code
    assert table_codes()[code].famille == "tiers_payant"


def test_tiers_payant_tolere_un_centime_par_acte_et_les_exonerations():
    assert juge(fse(part_amo=447)).issue is Issue.PAIEMENT
    assert juge(fse(part_amo=451)).issue is Issue.PAIEMENT
    assert juge(fse(nature_assurance="41", part_amo=748)).issue is Issue.PAIEMENT
    assert juge(fse(nature_assurance="13")).issue is Issue.PAIEMENT


@pytest.mark.parametrize(
    ("fa", "code"),
    [(faits(numero_deja_recu=True), "SB01"), (faits(identique_payee=True), "SB02")],
)
def test_doublon(fa, code):
    assert code_de(fse(), fa) == code
    assert table_codes()[code].famille == "doublon"


def test_les_familles_sont_jugees_dans_l_ordre():
    """Faults in several families: the first family of DOMAIN.md §4 order wins."""
    toutes = fse(scellement="x", date_prescription=None, part_amo=0)
    fa = faits(droits=None, numero_deja_recu=True)
    assert code_de(toutes, fa) == "ST01"
    assert code_de(dataclasses.replace(toutes, scellement="3f2a9c0d11e4b7a8"), fa) == "SD01"
    assert code_de(dataclasses.replace(toutes, scellement="3f2a9c0d11e4b7a8"), faits()) == "SP01"
    assert code_de(fse(part_amo=0), fa) == "SD01"
    assert code_de(fse(part_amo=0), faits(numero_deja_recu=True)) == "SR05"


def test_le_detail_ne_cite_jamais_le_nir():
    d = juge(fse(), faits(droits=None))
    assert NIR not in d.detail and NIR[:13] not in d.detail


# ------------------------------------------------------------------ forced outcomes


def test_une_issue_imposee_l_emporte_sur_toutes_les_regles():
    fautive = fse(scellement="x", date_prescription=None)
    d = juge(fautive, faits(droits=None, forcage=Forcage(Issue.PAIEMENT)))
    assert d.issue is Issue.PAIEMENT and d.montant_paye == 449 and d.forcee
    d = juge(fse(), faits(forcage=Forcage(Issue.REJET, "SC02")))
    assert d.issue is Issue.REJET and d.motif is not None and d.motif.code == "SC02"
    d = juge(fse(), faits(forcage=Forcage(Issue.REJET)))
    assert d.motif is not None and d.motif.aleatoire and "FSE" in d.motif.parties
    assert juge(fse(), faits(forcage=Forcage(Issue.SILENCE))).issue is Issue.SILENCE
    d = juge(fse(), faits(forcage=Forcage(Issue.TRAITEMENT_CAISSE, "SD02")))
    assert d.issue is Issue.TRAITEMENT_CAISSE and d.finale is Issue.REJET
    assert d.motif is not None and d.motif.code == "SD02"
    assert DELAI_TRAITEMENT[0] <= d.delai <= DELAI_TRAITEMENT[1]
    assert DELAI_FINALE[0] <= d.delai_finale <= DELAI_FINALE[1]
    d = juge(fse(), faits(forcage=Forcage(Issue.INDU)))
    assert d.issue is Issue.PAIEMENT and 0 < d.indu <= 449
    assert d.motif_indu is not None and d.motif_indu.nature is NatureCode.INDU
    assert DELAI_INDU[0] <= d.delai_indu <= DELAI_INDU[1]


def test_un_code_impose_doit_convenir():
    with pytest.raises(ValueError, match="SN01"):
        juge(fse(), faits(forcage=Forcage(Issue.REJET, "SN01")))
    with pytest.raises(ValueError, match="SA01"):
        juge(fse(), faits(forcage=Forcage(Issue.REJET, "SA01")))
    with pytest.raises(ValueError, match="SC02"):
        juge(fse(), faits(forcage=Forcage(Issue.INDU, "SC02")))
    d = decision_forcee(1000, "DRE", Forcage(Issue.INDU, "SI03"), taux=Taux(), rng=random.Random(3))
    assert d.motif_indu is not None and d.motif_indu.code == "SI03"


# ------------------------------------------------------------------ seed and rates


def test_meme_graine_meme_decision_autre_graine_autres_tirages():
    taux = Taux(rejet=0.3, traitement_caisse=0.3, silence=0.1, indu=0.5)
    factures = [fse(numero_facture=f"{n:09d}") for n in range(1, 60)]
    premieres = [juge(f, taux=taux, graine=5) for f in factures]
    assert premieres == [juge(f, taux=taux, graine=5) for f in factures]
    autres = [juge(f, taux=taux, graine=6) for f in factures]
    assert premieres != autres
    assert len({d.issue for d in premieres}) == 4


def test_une_nouvelle_reception_tire_a_nouveau():
    assert graine_facture(1, "FSE", "751000018", "000000001", 1) == "1:FSE:751000018:000000001"
    assert graine_facture(1, "FSE", "751000018", "000000001", 2).endswith(":2")


def test_les_taux_sont_respectes_sur_2000_factures():
    issues: Counter[str] = Counter()
    indus = finales = 0
    for n in range(1, 2001):
        d = juge(fse(numero_facture=f"{n:09d}"), taux=Taux(), graine=42)
        issues[d.issue.value] += 1
        indus += d.indu > 0
        finales += d.finale is Issue.PAIEMENT
    assert 30 <= issues["rejet"] <= 95  # 3 % de 2 000 = 60
    assert 6 <= issues["traitement_caisse"] <= 40  # 1 % = 20
    assert 2 <= issues["silence"] <= 25  # 0,5 % = 10
    assert 0 <= indus <= 20  # 0,3 % des payées ≈ 6
    assert (
        issues["paiement"]
        == 2000 - issues["rejet"] - issues["traitement_caisse"] - issues["silence"]
    )
    assert finales <= issues["traitement_caisse"]


def test_le_traitement_caisse_finit_paye_a_70_pour_cent_environ():
    taux = Taux(rejet=0, traitement_caisse=1, silence=0, indu=0)
    fins = Counter(
        juge(fse(numero_facture=f"{n:09d}"), taux=taux, graine=9).finale for n in range(1, 1001)
    )
    assert 620 <= fins[Issue.PAIEMENT] <= 780
    assert fins[Issue.PAIEMENT] + fins[Issue.REJET] == 1000


def test_un_rejet_au_hasard_prend_un_code_tirable_de_la_partie():
    taux = Taux(rejet=1, traitement_caisse=0, silence=0, indu=0)
    codes = {juge(dre(numero_facture=f"{n:09d}"), taux=taux).motif.code for n in range(1, 200)}
    tirables = {c.code for c in table_codes().tirables(NatureCode.REJET, "DRE")}
    assert codes == tirables
    assert "SD90" not in codes


@pytest.mark.parametrize(
    "valeurs",
    [{"rejet": -0.1}, {"rejet": 1.5}, {"rejet": 0.6, "traitement_caisse": 0.5}],
)
def test_taux_invalides(valeurs):
    with pytest.raises(ValueError, match="Taux"):
        Taux(**valeurs)


# ------------------------------------------------------------------ the code table


def test_la_table_livree():
    table = table_codes()
    for c in table.values():
        assert c.libelle.endswith(MARQUE) and len(c.libelle) <= LONGUEUR_LIBELLE
        assert len(c.code) <= 5 and c.explication and c.correction
        c.libelle.encode("latin-1")
    familles = {c.famille for c in table.values() if c.nature is NatureCode.REJET}
    assert familles == set(FAMILLES)
    assert table["SN01"].nature is NatureCode.INFORMATION
    assert {"SL01", "SL02"} <= {c.code for c in table.values() if c.nature is NatureCode.ARL}


@pytest.mark.parametrize(
    ("texte", "message"),
    [
        ("format = 'x'\nversion = 1", "format"),
        (
            'format = "rejets-simulateur-codes"\nversion = 1\n[[code]]\ncode = "X1"\n'
            'nature = "rejet"\nfamille = "droits"\nlibelle = "SANS MARQUE"\n'
            'explication = "e"\ncorrection = "c"',
            "libellé",
        ),
        (
            'format = "rejets-simulateur-codes"\nversion = 1\n[[code]]\ncode = "X1"\n'
            'nature = "rejet"\nfamille = "autre"\nlibelle = "A (SIMULATEUR)"\n'
            'explication = "e"\ncorrection = "c"',
            "famille",
        ),
        (
            'format = "rejets-simulateur-codes"\nversion = 1\n[[code]]\ncode = "X1"\n'
            'nature = "rejet"\nfamille = "droits"\nlibelle = "A (SIMULATEUR)"\n'
            'explication = "e"\ncorrection = "c"\ncoquille = 1',
            "coquille",
        ),
        ('format = "rejets-simulateur-codes"\nversion = 1', "tirable"),
    ],
)
def test_une_table_fautive_est_refusee(texte, message):
    with pytest.raises(CodesInvalides, match=message):
        TableCodes.depuis_toml(texte, nom_fichier="essai.toml")


def test_le_jugement_et_les_fichiers_restent_purs():
    """No Django and none of the practice's apps in the judgement and the file modules."""
    import ast
    from pathlib import Path

    import rejets.simulateur

    dossier = Path(rejets.simulateur.__file__).parent
    interdits = ("django", "rejets.cabinets", "rejets.factures", "rejets.patients", "rejets.lots")
    interdits += ("rejets.retours", "rejets.compta", "rejets.referentiels", "rejets.transmission")
    for nom in ("jugement.py", "lot.py"):
        arbre = ast.parse((dossier / nom).read_text(encoding="utf-8"))
        modules = {a.name for n in ast.walk(arbre) if isinstance(n, ast.Import) for a in n.names}
        modules |= {n.module for n in ast.walk(arbre) if isinstance(n, ast.ImportFrom) and n.module}
        assert not [m for m in modules if m.startswith(interdits)], nom
