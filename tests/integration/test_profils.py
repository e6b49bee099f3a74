"""The server profile passes Django's deployment checks; the embedded one is SQLite in WAL."""

import os
import secrets
import subprocess
import sys

from django.db import connection


def test_profil_serveur_check_deploy_sans_avertissement(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rejets.settings.server",
        "REJETS_SECRET_KEY": secrets.token_urlsafe(50),
        "REJETS_ALLOWED_HOSTS": "rejets.example",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    resultat = subprocess.run(
        [sys.executable, "-m", "rejets.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert resultat.returncode == 0, resultat.stderr
    assert "no issues" in resultat.stdout


def test_profil_serveur_exige_sa_cle_secrete(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rejets.settings.server"}
    env.pop("REJETS_SECRET_KEY", None)
    resultat = subprocess.run(
        [sys.executable, "-m", "rejets.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert resultat.returncode != 0 and "REJETS_SECRET_KEY" in resultat.stderr


def test_sqlite_en_wal(db):
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as c:
        c.execute("PRAGMA journal_mode")
        assert c.fetchone()[0] == "wal"
