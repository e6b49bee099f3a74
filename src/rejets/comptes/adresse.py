"""The client's address, the same for the lockout, the audit trail and the consultations."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def adresse_client(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or behind `REJETS_PROXIES_DE_CONFIANCE` reverse proxies the address the
    nearest trusted proxy added to X-Forwarded-For. The left part of that header is written by
    the client and never believed."""
    distant = request.META.get("REMOTE_ADDR") or None
    proxies = int(getattr(settings, "REJETS_PROXIES_DE_CONFIANCE", 0))
    if proxies <= 0:
        return distant
    transmis = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    transmis = [a for a in transmis if a]
    if len(transmis) < proxies:
        return distant
    return _sans_port(transmis[-proxies])


def _sans_port(adresse: str) -> str:
    if adresse.startswith("["):  # [IPv6]:port
        return adresse[1:].split("]")[0]
    if adresse.count(":") == 1:  # IPv4:port
        return adresse.split(":")[0]
    return adresse
