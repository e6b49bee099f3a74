"""The caisse simulator end to end on its own registers: lots written with the layout engine,
ARL and return files read back with it. One test per rejection family (the fault in the
registers or the lot, a clean invoice of the same lot paid), unreadable lots, traitement
caisse, silence, indu, idempotent answers, the rights lookup, SCOR manifests, atomic files,
and no query outside the simulator's tables."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rejets.domain.identifiants import nir
from rejets.formats.disposition import dispositions_livrees
from rejets.formats.fixe import EcrivainFixe, Enregistrement, lire
from rejets.simulateur.caisse import Simulateur, SimulateurErreur
from rejets.simulateur.jugement import (
    ActeLu,
    FactureLue,
    Taux,
)
from rejets.simulateur.models import (
    AssureConnu,
    FactureConnue,
    FichierEmis,
    LotRecu,
    PieceRecue,
    ReponsePrevue,
)

LIVREES = dispositions_livrees()
LOT = next(d for d in LIVREES if d.identifiant == "REJETS-LOT-1")
LE = date(2026, 3, 10)
SOINS = date(2026, 3, 2)
PLUS_TARD = LE + timedelta(days=12)
SANS_HASARD = Taux(rejet=0, traitement_caisse=0, silence=0, indu=0)
PS = "751000018"
CPAM = "017510000"
MUTUELLE = "0123456789"

pytestmark = pytest.mark.django_db


def nir_de(n: int) -> str:
    corps = f"2550575056{n:03d}"
    return corps + nir.calc_check_digits(corps)


def facture(n: int, **changes: object) -> FactureLue:
    """A clean FSE for patient n: AMI 1,5 + IFD at home, prescribed, AMO 60 %."""
    base = FactureLue(
        partie="FSE",
        numero_ps=PS,
        numero_lot="00001",
        organisme=CPAM,
        numero_facture=f"{900000000 + n:09d}",
        nir=nir_de(n),
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
        scellement=hashlib.sha256(f"facture {n}".encode()).hexdigest()[:16],
        date_prescription=date(2026, 2, 20),
        prescripteur="10001234567",
        domicile="O",
        actes=(ActeLu(SOINS, "AMI", 1500, 473), ActeLu(SOINS, "IFD", 1000, 275)),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def dre(n: int, **changes: object) -> FactureLue:
    valeurs: dict[str, object] = {
        "partie": "DRE",
        "organisme": MUTUELLE,
        "tiers_payant": "C",
        "part_amc": 299,
        "numero_amc": MUTUELLE,
    }
    valeurs.update(changes)
    return facture(n, **valeurs)


def ecrire_lot(dossier: Path, factures: list[FactureLue], numero: str = "00001") -> Path:
    """A REJETS-LOT-1 file written with the layout engine."""
    premiere = factures[0]
    flux = io.BytesIO()
    e = EcrivainFixe(LOT, flux)
    e.ouvrir(
        "0",
        disposition="REJETS-LOT-1",
        numero_ps=premiere.numero_ps,
        numero_lot=numero,
        partie=premiere.partie,
        organisme=premiere.organisme,
        date_creation=LE,
    )
    for f in factures:
        e.ouvrir(
            "2",
            numero_facture=int(f.numero_facture),
            nir=f.nir,
            date_soins=f.date_soins,
            montant_total=f.montant_total,
            part_amo=f.part_amo,
            part_amc=f.part_amc,
            regime=f.regime,
            caisse=f.caisse,
            centre=f.centre,
            nature_assurance=f.nature_assurance,
            exoneration=f.exoneration,
            rang=f.rang,
            tiers_payant=f.tiers_payant,
            date_prescription=f.date_prescription,
            prescripteur=f.prescripteur,
            domicile=f.domicile,
            mode=f.mode,
            scellement=f.scellement,
            numero_amc=f.numero_amc,
        )
        for a in f.actes:
            e.ecrire(
                "3",
                date=a.date,
                lettre_cle=a.lettre_cle,
                coefficient=a.coefficient,
                montant=a.montant,
            )
        e.fermer()
    e.fermer()
    e.terminer()
    chemin = dossier / f"lot-{premiere.partie}-{numero}.txt"
    chemin.write_bytes(flux.getvalue())
    return chemin


def relire(chemin: Path) -> list[Enregistrement]:
    with chemin.open("rb") as flux:
        lus = list(lire(flux, LIVREES, chemin.name))
    assert all(isinstance(x, Enregistrement) for x in lus), lus
    return lus  # type: ignore[return-value]


def lignes_de(chemins: list[Path]) -> dict[str, list[dict[str, object]]]:
    """Lines 200 by invoice number, each with its transfer's reference and date."""
    par_facture: dict[str, list[dict[str, object]]] = {}
    for chemin in chemins:
        virement: dict[str, object] = {}
        for e in relire(chemin):
            if e.nom == "virement":
                virement = dict(e)
            elif e.nom == "ligne_facture":
                ligne = {**dict(e), "reference": virement["reference_virement"]}
                ligne["date_virement"] = virement["date_virement"]
                ligne["fichier"] = chemin.name
                par_facture.setdefault(f"{e['numero_facture']:09d}", []).append(ligne)
    return par_facture


def arl_de(chemin: Path) -> dict[str, object]:
    lus = [e for e in relire(chemin) if e.nom == "arl"]
    assert len(lus) == 1
    return dict(lus[0])


@pytest.fixture
def boite(tmp_path: Path) -> Path:
    return tmp_path / "boite"


@pytest.fixture
def sim(boite: Path) -> Simulateur:
    s = Simulateur(boite=boite, graine=1, taux=SANS_HASARD)
    for n in range(1, 10):
        s.inscrire_assure(
            nir=nir_de(n),
            regime="01",
            caisse="751",
            centre="0000",
            droits_debut=date(2025, 1, 1),
        )
        s.inscrire_contrat(nir=nir_de(n), numero_amc=MUTUELLE, debut=date(2025, 1, 1))
    return s


def fichiers_visibles(boite: Path) -> list[Path]:
    return sorted(p for p in boite.iterdir())


# ------------------------------------------------------------------ one test per family


def _lot_puis_retours(sim, tmp_path, factures):
    rapport = sim.recevoir_lot(ecrire_lot(tmp_path, factures), le=LE)
    assert rapport.accepte and rapport.arl is not None
    assert arl_de(rapport.arl)["statut"] == "+"
    return lignes_de(sim.repondre(jusqu_au=PLUS_TARD))


def _verifier(lignes, fautive: FactureLue, code: str, propre: FactureLue, payee: int):
    (rejet,) = lignes[fautive.numero_facture]
    assert rejet["issue"] == "R" and rejet["code"] == code
    assert str(rejet["libelle"]).endswith("(SIMULATEUR)")
    assert rejet["montant_paye"] == 0 and rejet["reference"] == ""
    assert rejet["montant_demande"] == fautive.montant_demande
    (paiement,) = lignes[propre.numero_facture]
    assert paiement["issue"] == "P" and paiement["montant_paye"] == payee
    assert str(paiement["reference"]).startswith("SIM") and paiement["date_virement"] is not None
    assert paiement["partie"] == ("AMO" if propre.partie == "FSE" else "AMC")


def test_droits_fermes_dans_le_registre_la_ligne_du_lot_semble_juste(sim, tmp_path):
    sim.inscrire_assure(
        nir=nir_de(2),
        regime="01",
        caisse="751",
        centre="0000",
        droits_debut=date(2025, 1, 1),
        droits_fin=date(2026, 2, 28),
    )
    propre, fautive = facture(1), facture(2)
    lignes = _lot_puis_retours(sim, tmp_path, [propre, fautive])
    _verifier(lignes, fautive, "SD02", propre, 449)


def test_droits_carte_vitale_non_a_jour(sim, tmp_path):
    sim.inscrire_assure(
        nir=nir_de(2), regime="01", caisse="921", centre="0000", droits_debut=date(2025, 1, 1)
    )
    propre, fautive = facture(1), facture(2)
    _verifier(_lot_puis_retours(sim, tmp_path, [propre, fautive]), fautive, "SD04", propre, 449)


def test_amc_contrat_expire_dans_le_registre_de_la_mutuelle(sim, tmp_path):
    sim.inscrire_contrat(
        nir=nir_de(2), numero_amc=MUTUELLE, debut=date(2025, 1, 1), fin=date(2025, 12, 31)
    )
    propre, fautive = dre(1), dre(2)
    lignes = _lot_puis_retours(sim, tmp_path, [propre, fautive])
    _verifier(lignes, fautive, "SA02", propre, 299)
    assert next(iter(lignes.values()))[0]["organisme"] == MUTUELLE[-9:]


def test_prescription_mode_degrade_sans_pieces_scor(sim, tmp_path):
    propre, fautive = facture(1, mode="D"), facture(2, mode="D")
    _deposer_scor(
        tmp_path / "scor",
        [(propre.numero_facture, "feuille_de_soins"), (propre.numero_facture, "prescription")],
    )
    rapport = sim.recevoir_pieces(tmp_path / "scor" / "manifeste.json", le=LE)
    assert rapport.acceptees == 2 and not rapport.refusees
    _verifier(_lot_puis_retours(sim, tmp_path, [propre, fautive]), fautive, "SP05", propre, 449)


def test_cotation_montant_different_du_tarif(sim, tmp_path):
    actes = (ActeLu(SOINS, "AMI", 1500, 500), ActeLu(SOINS, "IFD", 1000, 275))
    propre, fautive = facture(1), facture(2, actes=actes, montant_total=775, part_amo=465)
    _verifier(_lot_puis_retours(sim, tmp_path, [propre, fautive]), fautive, "SC02", propre, 449)


def test_tiers_payant_part_amo_au_mauvais_taux(sim, tmp_path):
    propre, fautive = facture(1), facture(2, part_amo=748)
    _verifier(_lot_puis_retours(sim, tmp_path, [propre, fautive]), fautive, "SR05", propre, 449)


def test_doublon_facture_identique_deja_payee(sim, tmp_path):
    premiere = facture(2)
    lignes = _lot_puis_retours(sim, tmp_path, [premiere])
    assert lignes[premiere.numero_facture][0]["issue"] == "P"
    fautive = facture(2, numero_facture="900000012", scellement="0123456789abcdef")
    propre = facture(3)
    rapport = sim.recevoir_lot(ecrire_lot(tmp_path, [propre, fautive], "00002"), le=LE)
    lignes = lignes_de(sim.repondre(jusqu_au=PLUS_TARD))
    assert rapport.issues == {"paiement": 1, "rejet": 1}
    _verifier(lignes, fautive, "SB02", propre, 449)


def test_doublon_meme_numero_recu_de_nouveau(sim, tmp_path):
    premiere = facture(1)
    sim.recevoir_lot(ecrire_lot(tmp_path, [premiere]), le=LE)
    propre = facture(3)
    sim.recevoir_lot(ecrire_lot(tmp_path, [propre, premiere], "00002"), le=LE)
    lignes = lignes_de(sim.repondre(jusqu_au=PLUS_TARD))
    assert sorted(x["issue"] for x in lignes[premiere.numero_facture]) == ["P", "R"]
    assert {x["code"] for x in lignes[premiere.numero_facture]} == {"", "SB01"}
    assert lignes[propre.numero_facture][0]["issue"] == "P"
    assert FactureConnue.objects.get(numero_facture=premiere.numero_facture, reception=2).code == (
        "SB01"
    )


def test_technique_scellement_deja_recu_pour_une_autre_facture(sim, tmp_path):
    propre = facture(1)
    fautive = facture(2, scellement=propre.scellement)
    _verifier(_lot_puis_retours(sim, tmp_path, [propre, fautive]), fautive, "ST02", propre, 449)


def test_une_facture_rejetee_peut_etre_recue_de_nouveau(sim, tmp_path):
    fautive = facture(2, part_amo=748)
    sim.recevoir_lot(ecrire_lot(tmp_path, [fautive]), le=LE)
    corrigee = facture(2)
    sim.recevoir_lot(ecrire_lot(tmp_path, [corrigee], "00002"), le=LE)
    lignes = lignes_de(sim.repondre(jusqu_au=PLUS_TARD))
    assert sorted(x["issue"] for x in lignes[corrigee.numero_facture]) == ["P", "R"]


# ------------------------------------------------------------------ lots refused whole


def test_un_lot_illisible_recoit_un_arl_negatif_et_rien_d_autre(sim, tmp_path, boite):
    chemin = ecrire_lot(tmp_path, [facture(1)])
    contenu = chemin.read_bytes().splitlines(keepends=True)
    chemin.write_bytes(b"".join(contenu[:-1]))  # the closing record 9 is gone
    rapport = sim.recevoir_lot(chemin, le=LE)
    assert not rapport.accepte and rapport.code_motif == "SL01"
    assert "ouverts" in rapport.motif
    arl = arl_de(rapport.arl)
    assert (arl["statut"], arl["code_motif"], arl["numero_ps"], arl["numero_lot"]) == (
        "-",
        "SL01",
        PS,
        "00001",
    )
    assert str(arl["motif"]).endswith("(SIMULATEUR)")
    assert not FactureConnue.objects.exists()
    assert sim.repondre(jusqu_au=date(2027, 1, 1)) == []
    assert fichiers_visibles(boite) == [rapport.arl]


def test_une_ligne_refusee_refuse_le_lot(sim, tmp_path):
    chemin = ecrire_lot(tmp_path, [facture(1), facture(2)])
    texte = chemin.read_bytes().replace(b"3260302AMI ", b"3261302AMI ", 1)
    chemin.write_bytes(texte)
    rapport = sim.recevoir_lot(chemin, le=LE)
    assert not rapport.accepte and rapport.code_motif == "SL02"
    assert arl_de(rapport.arl)["code_motif"] == "SL02"
    assert not FactureConnue.objects.exists()


def test_un_fichier_qui_n_est_pas_un_lot(sim, tmp_path):
    chemin = tmp_path / "vide.txt"
    chemin.write_bytes(b"")
    rapport = sim.recevoir_lot(chemin, le=LE)
    assert not rapport.accepte and arl_de(rapport.arl)["numero_ps"] == "INCONNU"


def test_le_meme_lot_recu_deux_fois_ne_change_rien(sim, tmp_path, boite):
    chemin = ecrire_lot(tmp_path, [facture(1)])
    premier = sim.recevoir_lot(chemin, le=LE)
    second = sim.recevoir_lot(chemin, le=LE + timedelta(days=1))
    assert second.deja_recu and second.arl == premier.arl
    assert LotRecu.objects.count() == 1 and FactureConnue.objects.count() == 1
    assert len(fichiers_visibles(boite)) == 1


def test_un_lot_refuse_peut_etre_retransmis(sim, tmp_path):
    chemin = ecrire_lot(tmp_path, [facture(1)])
    bon = chemin.read_bytes()
    chemin.write_bytes(bon[:-10])
    assert not sim.recevoir_lot(chemin, le=LE).accepte
    chemin.write_bytes(bon)
    assert sim.recevoir_lot(chemin, le=LE).accepte


# ------------------------------------------------------------------ outcomes over time


def test_traitement_caisse_puis_resolu_plus_tard(sim, tmp_path):
    f = facture(1)
    sim.forcer(
        partie="FSE",
        numero_ps=PS,
        numero_facture=f.numero_facture,
        issue="traitement_caisse",
        code="SC90",
    )
    sim.recevoir_lot(ecrire_lot(tmp_path, [f]), le=LE)
    connue = FactureConnue.objects.get()
    assert connue.issue == "traitement_caisse" and connue.forcee
    t = lignes_de(sim.repondre(jusqu_au=connue.date_reponse))
    (ligne_t,) = t[f.numero_facture]
    assert ligne_t["issue"] == "T" and ligne_t["code"] == "SN01" and ligne_t["montant_paye"] == 0
    assert sim.repondre(jusqu_au=connue.date_finale - timedelta(days=1)) == []
    finale = lignes_de(sim.repondre(jusqu_au=connue.date_finale))
    (ligne_r,) = finale[f.numero_facture]
    assert ligne_r["issue"] == "R" and ligne_r["code"] == "SC90"
    connue.refresh_from_db()
    assert connue.repondue


def test_traitement_caisse_paye_a_la_fin(sim, tmp_path):
    f = facture(1)
    sim.forcer(
        partie="FSE", numero_ps=PS, numero_facture=f.numero_facture, issue="traitement_caisse"
    )
    Simulateur(boite=sim.boite, graine=1, taux=Taux(traitement_paye=1)).recevoir_lot(
        ecrire_lot(tmp_path, [f]), le=LE
    )
    lignes = lignes_de(sim.repondre(jusqu_au=LE + timedelta(days=60)))
    assert [x["issue"] for x in sorted(lignes[f.numero_facture], key=lambda x: x["fichier"])] == [
        "T",
        "P",
    ]
    assert lignes[f.numero_facture][1]["montant_paye"] == 449


def test_silence_aucune_ligne_jamais(sim, tmp_path, boite):
    f, autre = facture(1), facture(2)
    sim.forcer(partie="FSE", numero_ps=PS, numero_facture=f.numero_facture, issue="silence")
    sim.recevoir_lot(ecrire_lot(tmp_path, [f, autre]), le=LE)
    lignes = lignes_de(sim.repondre(jusqu_au=date(2030, 1, 1)))
    assert f.numero_facture not in lignes and autre.numero_facture in lignes
    assert not FactureConnue.objects.get(numero_facture=f.numero_facture).repondue


def test_indu_ligne_negative_plus_tard(sim, tmp_path):
    f, autre = facture(1), facture(2)
    sim.forcer(
        partie="FSE", numero_ps=PS, numero_facture=f.numero_facture, issue="indu", code="SI01"
    )
    sim.recevoir_lot(ecrire_lot(tmp_path, [f, autre]), le=LE)
    connue = FactureConnue.objects.get(numero_facture=f.numero_facture)
    assert connue.date_indu > connue.date_reponse and 0 < connue.indu <= 449
    premiers = lignes_de(sim.repondre(jusqu_au=connue.date_indu - timedelta(days=1)))
    assert [x["montant_paye"] for x in premiers[f.numero_facture]] == [449]
    ensuite = sim.repondre(jusqu_au=connue.date_indu)
    (indu,) = lignes_de(ensuite)[f.numero_facture]
    assert indu["issue"] == "P" and indu["montant_paye"] == -connue.indu
    assert indu["code"] == "SI01" and indu["montant_demande"] == 449
    # No payment that day to withhold it from: a bordereau without transfer (to reimburse).
    assert indu["reference"] == ""


def test_indu_retenu_sur_le_virement_du_jour(sim, tmp_path):
    """An indu due the day a payment of the same organisme is made is withheld from it."""
    f, autre = facture(1), facture(2)
    sim.forcer(partie="FSE", numero_ps=PS, numero_facture=f.numero_facture, issue="indu")
    sim.recevoir_lot(ecrire_lot(tmp_path, [f]), le=LE)
    connue = FactureConnue.objects.get()
    sim.forcer(partie="FSE", numero_ps=PS, numero_facture=autre.numero_facture, issue="paiement")
    lot_autre = ecrire_lot(tmp_path, [autre], "00002")
    delai_autre = sim.delai_du_lot(lot_autre.read_bytes())
    sim.recevoir_lot(lot_autre, le=connue.date_indu - timedelta(days=delai_autre))
    lignes = lignes_de(sim.repondre(jusqu_au=connue.date_indu))
    paiement, indu = lignes[f.numero_facture]
    assert paiement["montant_paye"] == 449 and indu["montant_paye"] == -connue.indu
    (paiement_du_jour,) = lignes[autre.numero_facture]
    assert indu["fichier"] == paiement_du_jour["fichier"]
    assert indu["reference"] == paiement_du_jour["reference"] != ""
    (chemin,) = sim.boite.glob(str(indu["fichier"]))
    (virement,) = [e for e in relire(chemin) if e.nom == "virement"]
    assert virement["montant_virement"] == 449 - connue.indu


def test_repondre_est_idempotent_et_les_fichiers_sont_complets(sim, tmp_path, boite):
    sim.recevoir_lot(ecrire_lot(tmp_path, [facture(n) for n in range(1, 6)]), le=LE)
    premiers = sim.repondre(jusqu_au=PLUS_TARD)
    assert premiers and sim.repondre(jusqu_au=PLUS_TARD) == []
    assert sim.repondre(jusqu_au=PLUS_TARD + timedelta(days=100)) == []
    visibles = fichiers_visibles(boite)
    assert not [p for p in visibles if p.name.startswith(".")]
    assert len(visibles) == 1 + len(premiers)
    for p in visibles:
        relire(p)
        assert re.fullmatch(r"(ARL|RETOUR)-[A-Za-z0-9_-]+\.txt", p.name)
    sequence = [e.numero for e in FichierEmis.objects.filter(emetteur=CPAM).order_by("numero")]
    assert sequence == list(range(1, len(visibles) + 1))
    assert {relire(p)[0]["emetteur"] for p in visibles} == {CPAM}


def test_un_fichier_par_organisme_professionnel_et_date(sim, tmp_path):
    taux = Taux(rejet=0.5, traitement_caisse=0, silence=0, indu=0)
    s = Simulateur(boite=sim.boite, graine=3, taux=taux)
    s.recevoir_lot(ecrire_lot(tmp_path, [facture(n) for n in range(1, 10)]), le=LE)
    chemins = s.repondre(jusqu_au=PLUS_TARD)
    assert len(chemins) == len(set(FactureConnue.objects.values_list("date_reponse", flat=True)))
    for c in chemins:
        lus = relire(c)
        virements = [e for e in lus if e.nom == "virement"]
        assert 1 <= len(virements) <= 2
        for v in virements:
            assert bool(v["reference_virement"]) == (v["date_virement"] is not None)


def test_meme_graine_memes_decisions_et_memes_fichiers(tmp_path):
    taux = Taux(rejet=0.3, traitement_caisse=0.2, silence=0.1, indu=0.2)
    lot = ecrire_lot(tmp_path, [facture(n) for n in range(1, 10)])
    essais = []
    for essai in ("a", "b"):
        for modele in (ReponsePrevue, FactureConnue, LotRecu, FichierEmis, AssureConnu):
            modele.objects.all().delete()
        s = Simulateur(boite=tmp_path / essai, graine=11, taux=taux)
        for n in range(1, 10):
            s.inscrire_assure(
                nir=nir_de(n), regime="01", caisse="751", centre="0000", droits_debut=SOINS
            )
        s.recevoir_lot(lot, le=LE)
        chemins = s.repondre(jusqu_au=date(2026, 12, 31))
        decisions = list(
            FactureConnue.objects.order_by("numero_facture").values_list(
                "numero_facture", "issue", "issue_finale", "code", "date_reponse", "indu"
            )
        )
        essais.append((decisions, [(c.name, c.read_bytes()) for c in chemins]))
    assert essais[0] == essais[1]
    assert len({d[1] for d in essais[0][0]}) >= 3


# ------------------------------------------------------------------ rights lookup


def test_consulter_les_droits(sim):
    sim.inscrire_assure(
        nir=nir_de(2),
        regime="01",
        caisse="751",
        centre="0000",
        droits_debut=date(2025, 1, 1),
        droits_fin=date(2026, 2, 28),
        exoneration="4",
    )
    ouverts = sim.droits(nir=nir_de(1), le=SOINS)
    assert ouverts.connu and ouverts.droits_ouverts
    assert ouverts.contrats[0].numero_amc == MUTUELLE and ouverts.contrats[0].valide
    assert "droits ouverts au 02/03/2026" in ouverts.resume
    fermes = sim.droits(nir=nir_de(2), le=SOINS)
    assert not fermes.droits_ouverts and "droits fermés au 02/03/2026 (depuis le 28/02/2026)" in (
        fermes.resume
    )
    assert "exonération 4" in fermes.resume
    inconnu = sim.droits(nir=nir_de(50), le=SOINS)
    assert not inconnu.connu and "inconnu" in inconnu.resume
    assert sim.droits(nir=nir_de(1), rang=2, le=SOINS).connu is False
    for s in (ouverts, fermes, inconnu):
        assert nir_de(1)[:13] not in s.resume and nir_de(1)[:13] not in json.dumps(s.en_json())
    with pytest.raises(SimulateurErreur, match="NIR"):
        sim.droits(nir="123", le=SOINS)


# ------------------------------------------------------------------ SCOR pieces


PDF = b"%PDF-1.4\n% piece\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def _deposer_scor(dossier: Path, pieces, *, contenus=None, sha=None) -> Path:
    dossier.mkdir(parents=True, exist_ok=True)
    entrees = []
    for rang, (numero, type_piece) in enumerate(pieces):
        contenu = (contenus or {}).get(rang, PDF + str(rang).encode())
        nom = f"{numero}-{type_piece}-{rang}.pdf"
        (dossier / nom).write_bytes(contenu)
        entrees.append(
            {
                "numero_facture": numero,
                "type": type_piece,
                "fichier": nom,
                "sha256": (sha or {}).get(rang, hashlib.sha256(contenu).hexdigest()),
            }
        )
    manifeste = {
        "disposition": "REJETS-SCOR-1",
        "numero_ps": PS,
        "numero_lot": "00007",
        "date": LE.isoformat(),
        "pieces": entrees,
    }
    (dossier / "manifeste.json").write_text(json.dumps(manifeste), encoding="utf-8")
    return dossier / "manifeste.json"


def test_manifeste_scor_une_empreinte_fausse_est_refusee(sim, tmp_path):
    manifeste = _deposer_scor(
        tmp_path / "scor",
        [
            ("900000001", "feuille_de_soins"),
            ("900000001", "prescription"),
            ("900000002", "feuille_de_soins"),
            ("900000003", "prescription"),
            ("900000004", "feuille_de_soins"),
        ],
        contenus={3: PNG, 4: PNG},
        sha={2: "0" * 64},
    )
    rapport = sim.recevoir_pieces(manifeste, le=LE)
    assert rapport.acceptees == 3
    raisons = [r.raison for r in rapport.refusees]
    assert len(raisons) == 2
    assert "SHA-256" in raisons[0] and "PDF" in raisons[1]
    assert set(PieceRecue.objects.values_list("numero_facture", "type")) == {
        ("900000001", "feuille_de_soins"),
        ("900000001", "prescription"),
        ("900000003", "prescription"),
    }
    assert sim.recevoir_pieces(manifeste, le=LE).deja_recues == 3


def test_manifeste_illisible_ou_hors_du_dossier(sim, tmp_path):
    dossier = tmp_path / "scor"
    dossier.mkdir()
    (dossier / "manifeste.json").write_text('{"disposition": "AUTRE"}', encoding="utf-8")
    with pytest.raises(SimulateurErreur, match="REJETS-SCOR-1"):
        sim.recevoir_pieces(dossier / "manifeste.json", le=LE)
    manifeste = _deposer_scor(dossier, [("900000001", "feuille_de_soins")])
    donnees = json.loads(manifeste.read_text())
    donnees["pieces"][0]["fichier"] = "../secret.pdf"
    manifeste.write_text(json.dumps(donnees))
    rapport = sim.recevoir_pieces(manifeste, le=LE)
    assert rapport.acceptees == 0 and "nom de fichier" in rapport.refusees[0].raison


# ------------------------------------------------------------------ boundaries


def test_le_simulateur_ne_touche_que_ses_tables(sim, tmp_path):
    with CaptureQueriesContext(connection) as requetes:
        sim.recevoir_lot(ecrire_lot(tmp_path, [facture(1), dre(2)]), le=LE)
        sim.forcer(partie="FSE", numero_ps=PS, numero_facture="900000009", issue="rejet")
        sim.repondre(jusqu_au=PLUS_TARD)
        sim.droits(nir=nir_de(1), le=LE)
    tables = set()
    for q in requetes.captured_queries:
        tables |= set(re.findall(r'(?:FROM|INTO|UPDATE|JOIN)\s+"?(\w+)"?', q["sql"], re.I))
    assert tables and all(t.startswith("simulateur_") for t in tables), tables


def test_forcer_une_facture_deja_recue_la_replanifie(sim, tmp_path):
    f = facture(1)
    sim.recevoir_lot(ecrire_lot(tmp_path, [f]), le=LE)
    message = sim.forcer(
        partie="FSE", numero_ps=PS, numero_facture=f.numero_facture, issue="rejet", code="SP90"
    )
    assert "replanifiée" in message
    (ligne,) = lignes_de(sim.repondre(jusqu_au=PLUS_TARD))[f.numero_facture]
    assert ligne["code"] == "SP90"
    message = sim.forcer(
        partie="FSE", numero_ps=PS, numero_facture=f.numero_facture, issue="paiement"
    )
    assert "prochaine réception" in message
    with pytest.raises(SimulateurErreur, match="Issue"):
        sim.forcer(partie="FSE", numero_ps=PS, numero_facture="1", issue="autre")
    with pytest.raises(SimulateurErreur, match="ZZ99"):
        sim.forcer(partie="FSE", numero_ps=PS, numero_facture="1", issue="rejet", code="ZZ99")


def test_inscrire_refuse_les_donnees_fausses(sim):
    with pytest.raises(SimulateurErreur, match="NIR"):
        sim.inscrire_assure(nir="1" * 15, regime="01", caisse="751", centre="0000", droits_debut=LE)
    with pytest.raises(SimulateurErreur, match="Caisse"):
        sim.inscrire_assure(nir=nir_de(1), regime="01", caisse="75", centre="0000", droits_debut=LE)
    with pytest.raises(SimulateurErreur, match="AMC"):
        sim.inscrire_contrat(nir=nir_de(1), numero_amc="01234567890", debut=LE)


def test_la_commande(tmp_path, capsys):
    boite = tmp_path / "boite"
    call_command(
        "simulateur",
        "inscrire-assure",
        nir_de(1),
        "--regime",
        "01",
        "--caisse",
        "751",
        "--centre",
        "0000",
        "--debut",
        "2025-01-01",
    )
    call_command("simulateur", "droits", nir_de(1), "--le", "2026-03-02", "--json")
    sortie = capsys.readouterr().out
    assert '"droits_ouverts": true' in sortie and nir_de(1) not in sortie
    lot = ecrire_lot(tmp_path, [facture(1), facture(2)])
    call_command(
        "simulateur",
        "recevoir",
        str(lot),
        "--le",
        "2026-03-10",
        "--boite",
        str(boite),
        "--taux-rejet",
        "0",
        "--taux-silence",
        "0",
        "--taux-traitement-caisse",
        "0",
        "--taux-indu",
        "0",
    )
    sortie = capsys.readouterr().out
    assert "ARL positif, 2 facture(s)" in sortie and "rejet 1" in sortie
    call_command("simulateur", "repondre", "--jusqu-au", "2026-03-22", "--boite", str(boite))
    assert "Retour écrit" in capsys.readouterr().out
    call_command("simulateur", "codes")
    assert "SD02" in capsys.readouterr().out


def test_ecriture_atomique_rien_de_visible_en_cas_d_echec(tmp_path, monkeypatch):
    from rejets.simulateur import lot as module_lot

    dossier = tmp_path / "boite"
    assert module_lot.ecrire_atomiquement(dossier, "A.txt", b"x").read_bytes() == b"x"
    assert module_lot.ecrire_atomiquement(dossier, "A.txt", b"x").name == "A.txt"
    with pytest.raises(FileExistsError):
        module_lot.ecrire_atomiquement(dossier, "A.txt", b"y")

    def panne(*args, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr(module_lot.os, "replace", panne)
    with pytest.raises(OSError, match="disque plein"):
        module_lot.ecrire_atomiquement(dossier, "B.txt", b"z")
    assert sorted(p.name for p in dossier.iterdir()) == ["A.txt"]
