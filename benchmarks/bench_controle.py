"""Valuing and pre-send checks, pure domain, one core.

`python benchmarks/bench_controle.py` (BENCH_INVOICES, default 100,000). Invoices are generated
deterministically (seeded): a pool of patients and professionals, one or two séances of one to
three acts with varied natures, places, times, distances, prescriptions and tiers-payant modes;
the billed lines come from the engine itself, then about one invoice in ten gets a billing
mistake (second act at full rate, forgotten IFD, undue MAU, wrong AMO part, expired rights…),
and 1 % repeat an existing invoice. Timed: `controler()` over all of them (it re-values every
séance with `coter()` and runs every check); baseline: a bare loop over the same invoices.
Prints invoices/s and the ratio, then ends with exactly one JSON line.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from datetime import time as heure
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from stdnum import luhn

from rejets.domain.controles import (
    ContexteControle,
    ContratAmc,
    DroitsAControler,
    FactureAControler,
    LigneFacturee,
    Parts,
    PatientAControler,
    Periode,
    PrescriptionAControler,
    SeanceFacturee,
    controler,
    signature_facture,
)
from rejets.domain.cotation import (
    Acte,
    Lieu,
    Prescription,
    Seance,
    ZoneDeplacement,
    coter,
)
from rejets.domain.identifiants import nir as module_nir
from rejets.domain.repartition import CouvertureAmc, TiersPayant, repartir
from rejets.domain.tarifs import catalogue_par_defaut

AUJOURD_HUI = date(2026, 11, 23)
DEBUT = date(2025, 1, 1)
JOURS = 660
ACTES = (
    ("AMI", "1", None),
    ("AMI", "1.5", None),
    ("AMI", "2", None),
    ("AMI", "3", "perfusion"),
    ("AMI", "4", "pansement_lourd"),
    ("AMI", "1", "insuline"),
    ("AMX", "2", None),
    ("AIS", "3", "seance_soins_infirmiers"),
    ("AIS", "4", "seance_soins_infirmiers"),
    ("BSA", "1", None),
    ("BSB", "1", None),
    ("DI", "1.5", None),
)
POIDS_ACTES = (30, 18, 10, 5, 6, 8, 5, 8, 4, 2, 2, 2)
HEURES = (6, 7, 8, 9, 10, 11, 14, 17, 19, 20, 21, 23)


def generer_nir(rng: random.Random) -> str:
    corps = f"{rng.choice('12')}{rng.randint(30, 99):02d}{rng.randint(1, 12):02d}"
    corps += f"{rng.randint(1, 95):02d}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    return corps + module_nir.calc_check_digits(corps)


def generer_patients(rng: random.Random, nombre: int) -> list[PatientAControler]:
    patients = []
    for _ in range(nombre):
        nir = generer_nir(rng)
        if rng.random() < 0.01:
            nir = nir[:13] + f"{(int(nir[13:]) + 1) % 97:02d}"
        exoneration = rng.choices(("0", "4", "3"), (70, 25, 5))[0]
        nature = rng.choices(("10", "13", "30", "41"), (88, 4, 4, 4))[0]
        fin_droits = None if rng.random() < 0.97 else DEBUT + timedelta(days=rng.randint(0, JOURS))
        amc = (
            ContratAmc(
                f"{rng.randint(0, 9_999_999_999):010d}",
                date(2024, 1, 1),
                None if rng.random() < 0.9 else DEBUT + timedelta(days=rng.randint(100, JOURS)),
                Decimal(100) if rng.random() < 0.85 else Decimal(50),
            )
            if rng.random() < 0.8
            else None
        )
        patients.append(
            PatientAControler(
                nir=nir,
                rang=1,
                droits=DroitsAControler(
                    nature,
                    exoneration,
                    90 if nature == "13" else 60,
                    (Periode(date(2024, 1, 1), fin_droits),),
                ),
                amc=amc,
                insulino_traite=rng.random() < 0.15,
                soins_palliatifs=rng.random() < 0.03,
            )
        )
    return patients


def numero_am(rng: random.Random) -> str:
    corps = f"{rng.randint(1, 95):02d}{rng.randint(0, 999_999):06d}"
    return corps + luhn.calc_check_digit(corps)


def generer_seance(
    rng: random.Random, jour: date, prescription: Prescription | None, patient: PatientAControler
) -> tuple[Seance, SeanceFacturee]:
    nombre = rng.choices((1, 2, 3), (55, 35, 10))[0]
    actes = []
    for code, coefficient, nature in rng.choices(ACTES, POIDS_ACTES, k=nombre):
        actes.append(Acte(code, Decimal(coefficient), nature))
    domicile = rng.random() < 0.7
    heure_soins = heure(
        rng.choice((6, 7, 8, 9, 10, 11, 14, 17, 19, 20, 21, 23)), rng.choice((0, 15, 30, 45))
    )
    appel = heure(rng.randint(0, 23), rng.choice((0, 30))) if rng.random() < 0.2 else None
    distance = Decimal(rng.randint(3, 150)) / 10 if domicile else None
    meme_commune = (rng.random() < 0.6) if domicile else None
    zone_dep = ZoneDeplacement.MONTAGNE if rng.random() < 0.15 else ZoneDeplacement.PLAINE
    seance = Seance(
        actes=tuple(actes),
        date=jour,
        heure=heure_soins,
        heure_appel=appel,
        lieu=Lieu.DOMICILE if domicile else Lieu.CABINET,
        prescription=prescription,
        distance_km=distance,
        meme_commune=meme_commune,
        zone_deplacement=zone_dep,
        insulino_traite=patient.insulino_traite,
        soins_palliatifs=patient.soins_palliatifs,
    )
    cotation = coter(seance)
    lignes = tuple(
        LigneFacturee(
            cotee.code,
            cotee.coefficient,
            cotee.pourcentage,
            cotee.montant,
            actes[cotee.index_acte].nature if cotee.index_acte is not None else None,
        )
        for cotee in cotation.lignes
    )
    facturee = SeanceFacturee(
        date=jour,
        lignes=lignes,
        heure=heure_soins,
        heure_appel=appel,
        lieu=seance.lieu,
        distance_km=distance,
        meme_commune=meme_commune,
        zone_deplacement=zone_dep,
    )
    return seance, facturee


def erreur_de_facturation(rng: random.Random, facture: FactureAControler) -> FactureAControler:
    seance = facture.seances[0]
    choix = rng.randrange(6)
    if choix == 0 and len(seance.lignes) > 1 and seance.lignes[1].pourcentage == 50:
        doublee = replace(
            seance.lignes[1], pourcentage=100, montant=(seance.lignes[1].montant or 0) * 2
        )
        lignes = (seance.lignes[0], doublee, *seance.lignes[2:])
        return replace(
            facture, seances=(replace(seance, lignes=tuple(lignes)), *facture.seances[1:])
        )
    if choix == 1:
        lignes = tuple(ligne for ligne in seance.lignes if ligne.lettre_cle != "IFD")
        return replace(facture, seances=(replace(seance, lignes=lignes), *facture.seances[1:]))
    if choix == 2:
        lignes = (*seance.lignes, LigneFacturee("MAU", Decimal(1), 100, 135))
        return replace(facture, seances=(replace(seance, lignes=lignes), *facture.seances[1:]))
    if choix == 3 and facture.parts is not None:
        parts = facture.parts
        return replace(facture, parts=replace(parts, amo=parts.amo + 1, assure=parts.assure - 1))
    if choix == 4:
        droits = replace(
            facture.patient.droits, periodes=(Periode(date(2024, 1, 1), date(2024, 12, 31)),)
        )
        return replace(facture, patient=replace(facture.patient, droits=droits))
    return replace(facture, prescription=None)


def generer_factures(nombre: int) -> tuple[list[FactureAControler], frozenset[str]]:
    rng = random.Random(20261123)
    patients = generer_patients(rng, 2000)
    professionnels = [numero_am(rng) for _ in range(40)] + ["751234560"]
    factures = []
    for numero in range(1, nombre + 1):
        patient = rng.choice(patients)
        jour = DEBUT + timedelta(days=rng.randrange(JOURS))
        domicile = rng.random() < 0.92
        prescription = (
            PrescriptionAControler(
                jour - timedelta(days=rng.randint(0, 120) if rng.random() < 0.97 else 400),
                a_domicile=domicile,
                soins_de_nuit=rng.random() < 0.05,
                execution_quotidienne=rng.random() < 0.3,
            )
            if rng.random() < 0.98
            else None
        )
        presc_cotation = (
            None
            if prescription is None
            else Prescription(
                prescription.a_domicile,
                prescription.soins_de_nuit,
                prescription.execution_quotidienne,
            )
        )
        seances = [generer_seance(rng, jour, presc_cotation, patient)]
        if rng.random() < 0.1:
            seances.append(generer_seance(rng, jour + timedelta(days=1), presc_cotation, patient))
        tiers_payant = rng.choices(
            (TiersPayant.AUCUN, TiersPayant.AMO, TiersPayant.AMO_AMC), (15, 35, 50)
        )[0]
        if tiers_payant is TiersPayant.AMO_AMC and patient.amc is None:
            tiers_payant = TiersPayant.AMO
        montants = [
            ligne.montant or 0 for _, s in seances for ligne in s.lignes if ligne.pourcentage
        ]
        repartition = repartir(
            montants,
            nature_assurance=patient.droits.nature_assurance,
            exoneration=patient.droits.exoneration,
            le=jour,
            taux_droits=patient.droits.taux_remboursement,
            amc=None if patient.amc is None else CouvertureAmc(patient.amc.taux_ticket_moderateur),
            tiers_payant=tiers_payant,
        )
        transmise = jour < AUJOURD_HUI - timedelta(days=10) or rng.random() < 0.5
        facture = FactureAControler(
            numero=f"{numero:09d}",
            numero_am=rng.choice(professionnels),
            patient=patient,
            seances=tuple(s for _, s in seances),
            prescription=prescription,
            tiers_payant=tiers_payant,
            parts=Parts(repartition.total, repartition.amo, repartition.amc, repartition.assure),
            date_transmission=jour + timedelta(days=rng.randint(0, 12)) if transmise else None,
        )
        if rng.random() < 0.1:
            facture = erreur_de_facturation(rng, facture)
        factures.append(facture)
    signatures = frozenset(signature_facture(factures[i]) for i in range(0, len(factures), 100))
    return factures, signatures


def main() -> None:
    nombre = int(os.environ.get("BENCH_INVOICES", "100000"))
    catalogue_par_defaut()
    debut = time.perf_counter()
    factures, signatures = generer_factures(nombre)
    generation = time.perf_counter() - debut
    contexte = ContexteControle(aujourd_hui=AUJOURD_HUI, signatures_existantes=signatures)

    debut = time.perf_counter()
    for _facture in factures:
        pass
    nu = time.perf_counter() - debut

    erreurs = avertissements = 0
    debut = time.perf_counter()
    for facture in factures:
        for constat in controler(facture, contexte):
            if constat.gravite == "erreur":
                erreurs += 1
            else:
                avertissements += 1
    duree = time.perf_counter() - debut

    par_seconde = nombre / duree if duree else float("inf")
    print(f"generated {nombre} invoices in {generation:.1f} s (not timed)")
    print(f"valued and checked {nombre} invoices in {duree:.2f} s: {par_seconde:,.0f} invoices/s")
    print(f"findings: {erreurs} errors, {avertissements} warnings")
    print(
        f"bare iteration: {nu:.4f} s; ratio checked/bare: {duree / nu if nu else float('inf'):,.0f}"
    )
    print(
        json.dumps(
            {
                "invoices": nombre,
                "seconds": round(duree, 3),
                "invoices_per_s": round(par_seconde),
                "bare_iteration_s": round(nu, 6),
            }
        )
    )


if __name__ == "__main__":
    main()
