"""Settings shared by every profile; a profile module imports these and adds its database."""

import os
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path.cwd() / "var"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rejets.core",
    "rejets.referentiels",
    "rejets.cabinets",
    "rejets.patients",
    "rejets.factures",
    "rejets.lots",
    "rejets.compta",
    "rejets.retours",
    "rejets.transmission",
    "rejets.recyclage",
    "rejets.suivi",
    "rejets.banque",
    "rejets.simulateur",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "rejets.urls"
WSGI_APPLICATION = "rejets.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rejets.web.navigation.menu",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT: Path | None = None
WHITENOISE_USE_FINDERS = True
"""Static files (htmx, Chart.js, vendored) are served from the apps by the WSGI application
itself, with no collectstatic step and no CDN."""
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "connexion"
LOGIN_REDIRECT_URL = "factures:liste"
LOGOUT_REDIRECT_URL = "connexion"

SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 10 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# The acting user written in events when a command is run without --utilisateur.
REJETS_UTILISATEUR_SYSTEME = "systeme"
REJETS_FICHIERS_DIR = VAR_DIR / "fichiers"
"""Stored copies of received files (returns, quarantine); they hold patient identity."""
REJETS_DISPOSITIONS_DIRS: list[Path] = [VAR_DIR / "dispositions"]
REJETS_TRANSMISSION_ADAPTATEUR = os.environ.get("REJETS_TRANSMISSION_ADAPTATEUR", "simulateur")
"""`simulateur` (the caisse simulator answers) or `fichiers` (a certified component reads the
outbox and writes to the inbox): docs/transmission.md."""
REJETS_TRANSMISSION_DIR: Path | None = None
"""Outbox and inbox of the adapter; None: REJETS_FICHIERS_DIR / "transmission"."""
REJETS_SIMULATEUR_GRAINE = 0
"""Extra record layouts (TOML) a user adds, e.g. NOEMIE reference 576 or 580."""

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"simple": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "simple"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}


def sqlite_database(path: Path | str) -> dict[str, Any]:
    """SQLite in WAL mode with IMMEDIATE transactions: one writer at a time, readers never
    blocked, and no deadlock on lock upgrade. A 64 MB page cache per connection keeps the
    indexes of a large import in memory."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            ),
        },
    }
