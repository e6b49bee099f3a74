"""Embedded profile: one machine, SQLite in WAL mode, server bound to 127.0.0.1."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR, sqlite_database

DEBUG = os.environ.get("REJETS_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("REJETS_SECRET_KEY", "")
if not SECRET_KEY:
    from rejets.core.secret import local_secret_key

    SECRET_KEY = local_secret_key(VAR_DIR)

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {
    "default": sqlite_database(os.environ.get("REJETS_SQLITE", VAR_DIR / "rejets.sqlite3"))
}
REJETS_ADRESSE = os.environ.get("REJETS_ADRESSE", "127.0.0.1")
REJETS_PORT = int(os.environ.get("REJETS_PORT", "8000"))
