"""Return-file ingest: parse only, then parse + reconcile + commit on SQLite and PostgreSQL.

`make bench-ingest` (BENCH_LINES, default 1,000,000). A return file in the project's layout
REJETS-RETOURS-1 is written by the layout engine's writer against a matching set of invoices
(one line per invoice: 85 % paid in full, 8 % paid in part, 5 % rejected, 2 % sent to
traitement caisse). Baselines measured in the same run: a bare `for line in file` loop, and a
raw insert of the same lines into a scratch table (executemany on SQLite, COPY on PostgreSQL).
Ends with one JSON line.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
PARTIE_PAYEE, PARTIE_PARTIELLE, PARTIE_REJETEE = 85, 93, 98
NUMERO_AM = "751000018"


def montant(i: int) -> int:
    return 600 + (i % 17) * 95


def issue(i: int) -> tuple[str, int, str, str]:
    """(outcome, amount paid, code, label) of line i."""
    r = i % 100
    if r < PARTIE_PAYEE:
        return "P", montant(i), "", ""
    if r < PARTIE_PARTIELLE:
        return "P", montant(i) // 2, "", ""
    if r < PARTIE_REJETEE:
        return "R", 0, "A21", "Droits AMO fermés à la date des soins"
    return "T", 0, "", ""


def ecrire_fichier(chemin: Path, n: int) -> None:
    from rejets.formats.disposition import dispositions_livrees
    from rejets.formats.fixe import EcrivainFixe

    disposition = next(d for d in dispositions_livrees() if d.identifiant == "REJETS-RETOURS-1")
    soins = date(2026, 3, 2)
    with chemin.open("wb") as flux:
        w = EcrivainFixe(disposition, flux)
        w.ouvrir(
            "000",
            disposition="REJETS-RETOURS-1",
            emetteur="017510000",
            destinataire=NUMERO_AM,
            date_creation=date(2026, 3, 10),
            numero_fichier=1,
        )
        par_virement = 5000
        for debut in range(0, n, par_virement):
            fin = min(n, debut + par_virement)
            total = sum(issue(i)[1] for i in range(debut, fin))
            w.ouvrir(
                "100",
                organisme="017510000",
                reference_virement=f"VIR{debut // par_virement:08d}",
                date_virement=date(2026, 3, 9),
                montant_virement=total,
            )
            for i in range(debut, fin):
                quoi, paye, code, libelle = issue(i)
                w.ecrire(
                    "200",
                    partie="AMO",
                    organisme="017510000",
                    numero_ps=NUMERO_AM,
                    numero_lot="00001",
                    numero_facture=i + 1,
                    nir="255057505600147",
                    date_soins=soins,
                    montant_demande=montant(i),
                    montant_paye=paye,
                    issue=quoi,
                    code=code,
                    libelle=libelle,
                )
            w.fermer()
        w.fermer()
        w.terminer()


def chrono(fonction: object) -> float:
    debut = time.perf_counter()
    fonction()  # type: ignore[operator]
    return time.perf_counter() - debut


def boucle_nue(chemin: Path) -> None:
    with chemin.open("rb") as flux:
        for _ligne in flux:
            pass


def analyse(chemin: Path) -> None:
    from rejets.formats.disposition import dispositions_livrees
    from rejets.formats.fixe import lire

    with chemin.open("rb") as flux:
        for _e in lire(flux, dispositions_livrees(), chemin.name):
            pass


# --- one database, in its own process ---------------------------------------------------------


def preparer_base(base: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "rejets.settings.bench"
    os.environ["REJETS_BENCH_DB"] = base
    if base == "postgresql":
        import psycopg

        with psycopg.connect(
            host="127.0.0.1",
            port=os.environ.get("REJETS_PG_PORT", "55432"),
            user="postgres",
            dbname="postgres",
            autocommit=True,
        ) as c:
            c.execute("DROP DATABASE IF EXISTS rejets_bench")
            c.execute("CREATE DATABASE rejets_bench")
    else:
        dossier = Path(os.environ["REJETS_BENCH_DIR"])
        for suffixe in ("", "-wal", "-shm"):
            (dossier / f"rejets-bench.sqlite3{suffixe}").unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def semer(n: int) -> None:
    """The invoices the file answers: transmitted in lot 00001, billed (journal posted)."""
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from rejets.cabinets import services as cabinets
    from rejets.compta.models import Ecriture, Journal
    from rejets.factures.models import EvenementFacture, Facture, Partie
    from rejets.lots.models import Lot
    from rejets.patients.models import Patient
    from rejets.retours.ingestion import _Table, reserver_ids

    cabinet = cabinets.creer_cabinet(code="mesure", nom="Cabinet de mesure")
    utilisateur = User.objects.create_user("mesure")
    pro = cabinets.creer_professionnel(
        cabinet=cabinet, nom="Roux", prenom="Claire", numero_am=NUMERO_AM
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
    lot = Lot.objects.create(cabinet=cabinet, professionnel=pro, numero="00001", type_partie="fse")
    maintenant = timezone.now()
    soins = date(2026, 3, 2)
    paquet = 50_000
    with transaction.atomic():
        for debut in range(0, n, paquet):
            fin = min(n, debut + paquet)
            taille = fin - debut
            factures = _Table(
                Facture,
                [
                    "cabinet", "professionnel", "patient", "numero", "origine", "etat",
                    "tiers_payant", "regime", "caisse", "centre", "nature_assurance",
                    "exoneration", "taux_remboursement", "date_soins", "total", "part_amo",
                    "part_amc", "part_patient", "deja_transmise", "commentaire", "cree_le",
                ],
                avec_id=True,
            )  # fmt: skip
            parties = _Table(
                Partie,
                ["cabinet", "facture", "type", "etat", "montant", "lot", "date_transmission"],
                avec_id=False,
            )
            evenements = _Table(
                EvenementFacture,
                ["cabinet", "facture", "evenement", "partie", "etat_avant", "etat_apres",
                 "details", "utilisateur", "horodatage"],
                avec_id=True,
            )  # fmt: skip
            journaux = _Table(
                Journal,
                ["cabinet", "facture", "evenement", "nature", "date", "libelle", "utilisateur",
                 "cree_le"],
                avec_id=True,
            )  # fmt: skip
            ecritures = _Table(
                Ecriture, ["cabinet", "journal", "facture", "compte", "montant"], avec_id=False
            )
            ids_f = reserver_ids(Facture, taille)
            for i in range(debut, fin):
                m = montant(i)
                factures.ajouter(
                    [cabinet.pk, pro.pk, patient.pk, f"{i + 1:09d}", "import", "transmise",
                     "amo", "01", "751", "0000", "10", "0", 60, soins, m + m * 2 // 3, m, 0,
                     m * 2 // 3, True, "", maintenant]
                )  # fmt: skip
            factures.ecrire(ids_f)
            for k, i in enumerate(range(debut, fin)):
                parties.ajouter(
                    [cabinet.pk, ids_f[k], "fse", "transmise", montant(i), lot.pk, soins]
                )
                evenements.ajouter(
                    [cabinet.pk, ids_f[k], "import", "", "", "transmise", "{}", utilisateur.pk,
                     maintenant]
                )  # fmt: skip
            parties.ecrire(None)
            ids_e = reserver_ids(EvenementFacture, taille)
            evenements.ecrire(ids_e)
            for k in range(taille):
                journaux.ajouter(
                    [cabinet.pk, ids_f[k], ids_e[k], "facturation", soins, "Facturation",
                     utilisateur.pk, maintenant]
                )  # fmt: skip
            ids_j = reserver_ids(Journal, taille)
            journaux.ecrire(ids_j)
            for k, i in enumerate(range(debut, fin)):
                m = montant(i)
                ecritures.ajouter([cabinet.pk, ids_j[k], ids_f[k], "411-amo", m])
                ecritures.ajouter([cabinet.pk, ids_j[k], ids_f[k], "411-patient", m * 2 // 3])
                ecritures.ajouter([cabinet.pk, ids_j[k], ids_f[k], "706", -(m + m * 2 // 3)])
            ecritures.ecrire(None)


def analyser() -> None:
    """Statistics and visibility as a live database has them, autovacuum long past the seeded
    invoices: VACUUM ANALYZE on PostgreSQL (else autovacuum vacuums the seed, a million rows
    per table, during the measured import: 121 s against 97 s on a loaded 2-core machine,
    docs/performance.md), ANALYZE on SQLite."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def plancher(chemin: Path) -> float:
    """Raw insert of the file's lines into a scratch table, in one transaction."""
    from django.db import connection, transaction

    from rejets.retours.ingestion import inserer

    with connection.cursor() as c:
        c.execute("CREATE TABLE brouillon_mesure (numero integer, texte varchar(200))")
    debut = time.perf_counter()
    with transaction.atomic(), chemin.open("rb") as flux:
        lot: list[tuple[int, str]] = []
        for numero, ligne in enumerate(flux, 1):
            lot.append((numero, ligne.decode("latin-1").rstrip("\n")))
            if len(lot) == 20_000:
                inserer(
                    "INSERT INTO brouillon_mesure (numero, texte) VALUES (%s, %s)",
                    "COPY brouillon_mesure (numero, texte) FROM STDIN",
                    lot,
                )
                lot = []
        if lot:
            inserer(
                "INSERT INTO brouillon_mesure (numero, texte) VALUES (%s, %s)",
                "COPY brouillon_mesure (numero, texte) FROM STDIN",
                lot,
            )
    duree = time.perf_counter() - debut
    with connection.cursor() as c:
        c.execute("DROP TABLE brouillon_mesure")  # nor vacuumed during the import
    return duree


def mesurer_base(base: str, chemin: Path, n: int) -> dict[str, object]:
    preparer_base(base)
    debut = time.perf_counter()
    semer(n)
    analyser()
    semis = time.perf_counter() - debut
    floor = plancher(chemin)
    from django.contrib.auth.models import User

    from rejets.retours.importation import importer_retour

    utilisateur = User.objects.get(username="mesure")
    debut = time.perf_counter()
    rapport = importer_retour(
        chemin=chemin, nom=chemin.name, utilisateur=utilisateur, perimetre=None
    )
    ingest = time.perf_counter() - debut
    if rapport.refuse or rapport.appliquees != n:
        raise SystemExit(f"Import incomplet sur {base} : {rapport}")
    return {
        "base": base,
        "semis_s": round(semis, 2),
        "floor_s": round(floor, 3),
        "ingest_s": round(ingest, 3),
        "rss_max_mo": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "appliquees": rapport.appliquees,
    }


# --- the whole run -----------------------------------------------------------------------------


def main() -> None:
    n = int(os.environ.get("BENCH_LINES", "1000000"))
    dossier = Path(os.environ.get("REJETS_BENCH_DIR") or tempfile.mkdtemp(prefix="rejets-bench-"))
    os.environ["REJETS_BENCH_DIR"] = str(dossier)
    chemin = dossier / f"retour-{n}.txt"
    debut = time.perf_counter()
    ecrire_fichier(chemin, n)
    ecriture = time.perf_counter() - debut
    taille = chemin.stat().st_size
    nue = min(chrono(lambda: boucle_nue(chemin)) for _ in range(3))
    parse = min(chrono(lambda: analyse(chemin)) for _ in range(2))
    print(f"Machine : {os.cpu_count()} cœurs — {datetime.now():%d/%m/%Y %H:%M}")
    print(f"Fichier : {n} lignes 200, {taille / 1e6:.1f} Mo, écrit en {ecriture:.2f} s")
    print(f"Boucle nue   : {nue:8.3f} s")
    print(f"Analyse seule : {parse:8.3f} s  ({parse / nue:.1f} × la boucle nue)")
    resultats = {}
    for base in ("sqlite", "postgresql"):
        sortie = subprocess.run(
            [sys.executable, __file__, "--base", base, str(chemin), str(n)],
            check=True,
            capture_output=True,
            text=True,
            env=os.environ,
        )
        r = json.loads(sortie.stdout.strip().splitlines()[-1])
        resultats[base] = r
        print(
            f"{base:10} : semis {r['semis_s']} s ; plancher (insertion brute) {r['floor_s']} s ; "
            f"import complet {r['ingest_s']} s ({r['ingest_s'] / r['floor_s']:.1f} × le "
            f"plancher) ; mémoire max {r['rss_max_mo']} Mo"
        )
    print(
        json.dumps(
            {
                "lines": n,
                "bare_loop_s": round(nue, 4),
                "parse_s": round(parse, 3),
                "floor_sqlite_s": resultats["sqlite"]["floor_s"],
                "ingest_sqlite_s": resultats["sqlite"]["ingest_s"],
                "floor_postgresql_s": resultats["postgresql"]["floor_s"],
                "ingest_postgresql_s": resultats["postgresql"]["ingest_s"],
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--base":
        print(json.dumps(mesurer_base(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))))
    else:
        main()
