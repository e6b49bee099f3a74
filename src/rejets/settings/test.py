"""Test profile: SQLite or the loopback PostgreSQL of scripts/postgresql.sh (REJETS_TEST_DB)."""

import os
import tempfile
from datetime import date
from pathlib import Path

from .base import *  # noqa: F403
from .base import sqlite_database

DEBUG = False
SECRET_KEY = "tests-seulement-" + "x" * 40
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTHENTICATION_BACKENDS = [
    "rejets.comptes.backends.AxesSaufSansRequete",
    "django.contrib.auth.backends.ModelBackend",
]
"""The lockout as in production, except for the test client's login(), which authenticates
without a request."""

if os.environ.get("REJETS_TEST_DB", "sqlite") == "postgresql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("REJETS_TEST_PG_NAME", "rejets"),
            "USER": "postgres",
            "HOST": "127.0.0.1",
            "PORT": os.environ.get("REJETS_PG_PORT", "55432"),
            "TEST": {"NAME": os.environ.get("REJETS_TEST_PG_BASE", "rejets_test")},
        }
    }
else:
    _fichier = Path(
        os.environ.get("REJETS_TEST_SQLITE")
        or Path(tempfile.gettempdir()) / f"rejets-test-{os.getpid()}.sqlite3"
    )
    DATABASES = {"default": {**sqlite_database(_fichier), "TEST": {"NAME": str(_fichier)}}}

REJETS_FICHIERS_DIR = Path(
    os.environ.get("REJETS_TEST_FICHIERS")
    or Path(tempfile.gettempdir()) / f"rejets-test-fichiers-{os.getpid()}"
)
REJETS_DISPOSITIONS_DIRS = []

REJETS_DATE_DU_JOUR = date(2026, 3, 3)
"""The day after the test invoices' care date (tests/integration/conftest.py JOUR)."""
