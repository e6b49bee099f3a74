"""The worklist of a biller who sees 50 cabinets: the daily deadline run, then the first page
(50 items and the total count), on SQLite and PostgreSQL.

`make bench-worklist` (BENCH_INVOICES, default 1,000,000, over 50 cabinets). The invoices are
written with plain INSERTs (not timed): 80 % paid, 5 % rejected, 5 % in a received lot with no
return for 60 days (silent unpaid), 10 % in a lot received last week. The deadline run
(`rejets.suivi.echeances.executer`) then builds the worklist (about 10 % of the invoices).
Baseline measured in the same run: a plain indexed query for 50 rows of the same table. Ends
with one JSON line.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

CABINETS = 50
LE = date(2026, 11, 23)
PAQUET = 20_000


def preparer_base(base: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "rejets.settings.bench"
    os.environ["REJETS_BENCH_DB"] = base
    os.environ["REJETS_BENCH_PG_NAME"] = "rejets_bench_liste"
    if base == "postgresql":
        import psycopg

        with psycopg.connect(
            host="127.0.0.1",
            port=os.environ.get("REJETS_PG_PORT", "55432"),
            user="postgres",
            dbname="postgres",
            autocommit=True,
        ) as c:
            c.execute("DROP DATABASE IF EXISTS rejets_bench_liste")
            c.execute("CREATE DATABASE rejets_bench_liste")
    else:
        dossier = Path(os.environ["REJETS_BENCH_DIR"])
        for suffixe in ("", "-wal", "-shm"):
            (dossier / f"rejets-bench.sqlite3{suffixe}").unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def semer(n: int) -> None:
    """50 cabinets, one biller member of all, n invoices with their FSE part."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from rejets.cabinets import services as cabinets
    from rejets.cabinets.models import Role
    from rejets.patients.models import Patient

    facturiere = User.objects.create_user("facturiere")
    maintenant = timezone.now()
    par_cabinet = []
    for c in range(CABINETS):
        cabinet = cabinets.creer_cabinet(code=f"c{c:02d}", nom=f"Cabinet {c:02d}")
        cabinets.ajouter_membre(utilisateur=facturiere, cabinet=cabinet, role=Role.FACTURIERE)
        pro = cabinets.creer_professionnel(
            cabinet=cabinet, nom="Roux", prenom="Claire", numero_am=f"75{c:07d}"
        )
        patient = Patient.objects.create(
            cabinet=cabinet,
            nir="255057505600147",
            nom="Mesure",
            prenom="Patient",
            date_naissance=date(1955, 5, 1),
            regime="01",
            caisse="751",
            centre="0000",
        )
        par_cabinet.append((cabinet.pk, pro.pk, patient.pk))
    colonnes_f = (
        "id, cabinet_id, professionnel_id, patient_id, numero, origine, etat, tiers_payant, "
        "regime, caisse, centre, nature_assurance, exoneration, taux_remboursement, date_soins, "
        "total, part_amo, part_amc, part_patient, deja_transmise, commentaire, cree_le"
    )
    colonnes_p = "cabinet_id, facture_id, type, etat, montant, date_transmission"
    colonnes_r = "cabinet_id, facture_id, partie, code, libelle, date, source, cree_le"

    def inserer(table: str, colonnes: str, lignes: list[tuple[object, ...]]) -> None:
        marques = ", ".join(["%s"] * (colonnes.count(",") + 1))
        with connection.cursor() as c:
            c.executemany(f"INSERT INTO {table} ({colonnes}) VALUES ({marques})", lignes)

    with transaction.atomic():
        for debut in range(0, n, PAQUET):
            factures, parties, rejets = [], [], []
            for i in range(debut, min(n, debut + PAQUET)):
                cabinet_id, pro_id, patient_id = par_cabinet[i % CABINETS]
                r = i % 20
                soins = LE - timedelta(days=20 + i % 700)
                etat, transmise = "payee", soins + timedelta(days=2)
                if r == 0:
                    etat = "rejetee"
                elif r == 1:
                    etat, transmise = "lot_recu", LE - timedelta(days=60)
                elif r in (2, 3):
                    etat, transmise = "lot_recu", LE - timedelta(days=7)
                m = 600 + (i % 17) * 95
                factures.append(
                    (i + 1, cabinet_id, pro_id, patient_id, f"{i + 1:09d}", "import", etat,
                     "amo", "01", "751", "0000", "10", "0", 60, soins, m, m, 0, 0, True, "",
                     maintenant)
                )  # fmt: skip
                parties.append((cabinet_id, i + 1, "fse", etat, m, transmise))
                if etat == "rejetee":
                    rejets.append(
                        (cabinet_id, i + 1, "fse", "A21", "DROITS FERMES A LA DATE DES SOINS",
                         transmise + timedelta(days=10), "electronique", maintenant)
                    )  # fmt: skip
            inserer("factures_facture", colonnes_f, factures)
            inserer("factures_partie", colonnes_p, parties)
            inserer("factures_rejet", colonnes_r, rejets)
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    else:
        with connection.cursor() as c:
            c.execute("ANALYZE")


def chronos_ms(fonction: object, fois: int = 7) -> float:
    """Median of `fois` runs, in milliseconds (the first run warms the caches, not counted)."""
    fonction()  # type: ignore[operator]
    mesures = []
    for _ in range(fois):
        debut = time.perf_counter()
        fonction()  # type: ignore[operator]
        mesures.append((time.perf_counter() - debut) * 1000)
    return statistics.median(mesures)


def mesurer_base(base: str, n: int) -> dict[str, object]:
    preparer_base(base)
    debut = time.perf_counter()
    semer(n)
    semis = time.perf_counter() - debut
    from django.contrib.auth.models import User
    from django.db import connection

    from rejets.cabinets.selectors import cabinets_visibles
    from rejets.suivi import echeances, selectors
    from rejets.suivi.models import ElementATraiter

    facturiere = User.objects.get(username="facturiere")
    debut = time.perf_counter()
    rapport = echeances.executer(le=LE, utilisateur=facturiere)
    duree_echeances = time.perf_counter() - debut
    with connection.cursor() as c:
        c.execute("ANALYZE")
    resultat: dict[str, object] = {}

    def premiere_page() -> None:
        elements, total = selectors.premiere_page(
            selectors.a_traiter(cabinets_visibles(facturiere), aujourd_hui=LE)
        )
        resultat["total"], resultat["page"] = total, len(elements)

    def reference() -> None:
        list(ElementATraiter.objects.order_by("-priorite")[:50])

    page_ms = chronos_ms(premiere_page)
    base_ms = chronos_ms(reference)
    return {
        "base": base,
        "semis_s": round(semis, 1),
        "echeances_s": round(duree_echeances, 2),
        "elements": sum(rapport.par_motif.values()),
        "premiere_page_ms": round(page_ms, 1),
        "reference_ms": round(base_ms, 2),
        "total": resultat["total"],
        "page": resultat["page"],
    }


def main() -> None:
    n = int(os.environ.get("BENCH_INVOICES", "1000000"))
    dossier = Path(os.environ.get("REJETS_BENCH_DIR") or tempfile.mkdtemp(prefix="rejets-bench-"))
    os.environ["REJETS_BENCH_DIR"] = str(dossier)
    print(f"Machine : {os.cpu_count()} cœurs — {datetime.now():%d/%m/%Y %H:%M}")
    print(f"{n} factures sur {CABINETS} cabinets, une facturière qui les voit tous")
    resultats = {}
    for base in ("sqlite", "postgresql"):
        sortie = subprocess.run(
            [sys.executable, __file__, "--base", base, str(n)],
            check=True,
            capture_output=True,
            text=True,
            env=os.environ,
        )
        r = json.loads(sortie.stdout.strip().splitlines()[-1])
        resultats[base] = r
        print(
            f"{base:10} : semis {r['semis_s']} s ; échéances {r['echeances_s']} s "
            f"({r['elements']} éléments) ; première page {r['premiere_page_ms']} ms "
            f"({r['page']} éléments sur {r['total']}) ; référence {r['reference_ms']} ms "
            f"({r['premiere_page_ms'] / r['reference_ms']:.1f} × la référence)"
        )
    print(
        json.dumps(
            {
                "invoices": n,
                "sqlite_first_page_ms": resultats["sqlite"]["premiere_page_ms"],
                "postgresql_first_page_ms": resultats["postgresql"]["premiere_page_ms"],
                "baseline_ms": resultats["sqlite"]["reference_ms"],
                "baseline_postgresql_ms": resultats["postgresql"]["reference_ms"],
                "echeances_s": resultats["sqlite"]["echeances_s"],
                "echeances_postgresql_s": resultats["postgresql"]["echeances_s"],
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--base":
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
        print(json.dumps(mesurer_base(sys.argv[2], int(sys.argv[3]))))
    else:
        main()
