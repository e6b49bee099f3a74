"""Two imports of one file at once, and an import process killed at random points: the
database is as before and the file importable again."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from rejets.compta.models import Journal
from rejets.compta.verification import verifier
from rejets.domain.lifecycle import Etat
from rejets.factures.models import EvenementFacture
from rejets.retours.importation import importer_retour
from rejets.retours.models import FichierRetour, LigneRetour

from .conftest import Monde
from .fichiers_retour import L, fichier_retour
from .test_retours import etat, transmise

pytestmark = pytest.mark.django_db(transaction=True)


def test_deux_imports_simultanes_du_meme_fichier(tmp_path):
    monde = Monde("a")
    factures = [transmise(monde) for _ in range(5)]
    chemin = tmp_path / "retour.txt"
    chemin.write_bytes(fichier_retour(("VIR-1", [L(f.numero, 600) for f in factures])))
    rapports, erreurs = [], []
    depart = threading.Barrier(2)

    def importer():
        try:
            depart.wait()
            rapports.append(
                importer_retour(
                    chemin=chemin,
                    nom="retour.txt",
                    utilisateur=monde.utilisateur,
                    perimetre={monde.cabinet.pk},
                )
            )
        except Exception as exc:
            erreurs.append(exc)
        finally:
            connections.close_all()

    fils = [threading.Thread(target=importer) for _ in range(2)]
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    assert erreurs == []
    assert sorted(r.deja_importe for r in rapports) == [False, True]
    assert [r.appliquees for r in rapports] == [5, 5]
    assert FichierRetour.objects.count() == 1
    assert Journal.objects.filter(nature="paiement_caisse").count() == 5
    assert all(etat(f) is Etat.PAYEE for f in factures)
    assert verifier([monde.cabinet]) == []


def _ecriture_en_cours() -> bool:
    """True while another connection holds an open write transaction."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_class t ON t.oid = l.relation "
                "WHERE t.relname = 'retours_fichierretour' AND l.pid <> pg_backend_pid() "
                "AND l.mode = 'RowExclusiveLock'"
            )
            return c.fetchone()[0] > 0
    essai = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
    try:
        essai.execute("BEGIN IMMEDIATE")
        essai.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        essai.close()


def test_import_tue_en_cours_de_route(tmp_path):
    monde = Monde("a")
    factures = [transmise(monde) for _ in range(3)]
    lignes = [L(f.numero, 600) for f in factures] + [
        L(f"{900_100_000 + i}", 100 + i % 7) for i in range(120_000)
    ]
    chemin = tmp_path / "gros.txt"
    chemin.write_bytes(fichier_retour(("VIR-GROS", lignes)))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rejets.settings.test",
        "REJETS_TEST_FICHIERS": str(settings.REJETS_FICHIERS_DIR),
    }
    if connection.vendor == "postgresql":
        env["REJETS_TEST_PG_NAME"] = connection.settings_dict["NAME"]
    else:
        env["REJETS_TEST_SQLITE"] = connection.settings_dict["NAME"]
    commande = [
        str(Path(sys.executable).with_name("rejets")),
        "retours",
        "import",
        str(chemin),
        "--utilisateur",
        monde.utilisateur.username,
    ]
    avant = (EvenementFacture.objects.count(), Journal.objects.count())
    hasard = random.Random(20261123)
    for _ in range(3):
        processus = subprocess.Popen(
            commande, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        limite = time.monotonic() + 60
        while not _ecriture_en_cours():
            assert processus.poll() is None, "l'import s'est terminé avant d'être tué"
            assert time.monotonic() < limite
            time.sleep(0.02)
        time.sleep(hasard.uniform(0.02, 0.4))
        processus.send_signal(signal.SIGKILL)
        assert processus.wait() == -signal.SIGKILL
        assert not FichierRetour.objects.exists()
        assert not LigneRetour.objects.exists()
        assert (EvenementFacture.objects.count(), Journal.objects.count()) == avant
        assert all(etat(f) is Etat.TRANSMISE for f in factures)
    fini = subprocess.run(commande, env=env, capture_output=True, text=True, timeout=600)
    assert fini.returncode == 0, fini.stderr
    assert "appliquées : 3" in fini.stdout
    assert all(etat(f) is Etat.PAYEE for f in factures)
    assert verifier([monde.cabinet]) == []
