"""Benchmark profile: a scratch SQLite file, or a scratch database on the loopback PostgreSQL of
scripts/postgresql.sh (REJETS_BENCH_DB=sqlite|postgresql)."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import sqlite_database

DEBUG = False
SECRET_KEY = "mesures-seulement-" + "x" * 40
ALLOWED_HOSTS = ["127.0.0.1"]
_dossier = Path(os.environ.get("REJETS_BENCH_DIR", tempfile.gettempdir()))

if os.environ.get("REJETS_BENCH_DB", "sqlite") == "postgresql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("REJETS_BENCH_PG_NAME", "rejets_bench"),
            "USER": "postgres",
            "HOST": "127.0.0.1",
            "PORT": os.environ.get("REJETS_PG_PORT", "55432"),
        }
    }
else:
    DATABASES = {"default": sqlite_database(_dossier / "rejets-bench.sqlite3")}

REJETS_FICHIERS_DIR = _dossier / "rejets-bench-fichiers"
REJETS_DISPOSITIONS_DIRS = []
