"""Server profile: PostgreSQL through psycopg 3, HTTPS only, secrets from the environment."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403


def _env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"Variable d'environnement {name} manquante.")
    return value


DEBUG = False
SECRET_KEY = _env("REJETS_SECRET_KEY")
ALLOWED_HOSTS = [h for h in os.environ.get("REJETS_ALLOWED_HOSTS", "").split(",") if h]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("REJETS_PG_NAME", "rejets"),
        "USER": os.environ.get("REJETS_PG_USER", "rejets"),
        "PASSWORD": os.environ.get("REJETS_PG_PASSWORD", ""),
        "HOST": os.environ.get("REJETS_PG_HOST", "127.0.0.1"),
        "PORT": os.environ.get("REJETS_PG_PORT", "5432"),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}

SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
REJETS_PROXIES_DE_CONFIANCE = int(os.environ.get("REJETS_PROXIES_DE_CONFIANCE", "1"))
"""HTTPS ends at a reverse proxy, which adds the client's address to X-Forwarded-For."""
REJETS_TRANSMISSION_ADAPTATEUR = os.environ.get("REJETS_TRANSMISSION_ADAPTATEUR", "fichiers")
STATIC_ROOT = Path(os.environ.get("REJETS_STATIC_ROOT", "/var/lib/rejets/static"))
