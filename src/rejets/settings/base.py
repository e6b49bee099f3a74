"""Settings shared by every profile; a profile module imports these and adds its database."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path.cwd() / "var"

INSTALLED_APPS = [
    "rejets.comptes.site_admin.AdministrationConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "auditlog",
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
    "rejets.comptes",
    "rejets.web",
]
"""The admin is Django's, on the platform's own site (rejets.comptes.site_admin): staff only,
signing in through the application's login page and its second factor."""

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rejets.comptes.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
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
                "rejets.comptes.context_processors.selecteur_de_cabinet",
            ],
        },
    },
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
"""Argon2 hashes every new password; a password stored with an older hasher is rehashed with
Argon2 at its next successful login."""

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
"""django-axes first: a locked-out username and address is refused before the password is
checked."""

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
"""A session ends when the browser closes, and on the server after a working day (10 h)."""
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Lockout (django-axes): 5 failures for one username from one address lock that pair for 30
# minutes; a wrong second-factor code counts as a failure too. docs/securite.md.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_CLIENT_IP_CALLABLE = "rejets.comptes.adresse.adresse_client"
AXES_LOCKOUT_TEMPLATE = "comptes/verrouille.html"
AXES_COOLOFF_MESSAGE = (
    "Compte verrouillé : trop de tentatives de connexion. Réessayez dans 30 minutes ou "
    "demandez à l'administrateur de la plateforme de le déverrouiller."
)
AXES_PERMALOCK_MESSAGE = (
    "Compte verrouillé : trop de tentatives de connexion. Demandez à l'administrateur de la "
    "plateforme de le déverrouiller."
)

# Second factor (django-otp): an optional TOTP device per user, asked after the password.
OTP_TOTP_ISSUER = "Rejets"

# Audit trail (django-auditlog): the tenant models are registered by rejets.comptes.audit,
# with identity fields masked; rows loaded from fixtures are not logged.
AUDITLOG_DISABLE_ON_RAW_SAVE = True

REJETS_PROXIES_DE_CONFIANCE = 0
"""Reverse proxies in front of the application whose X-Forwarded-For is believed (0: the
address is REMOTE_ADDR); used by the lockout, the audit trail and the consultations."""

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
