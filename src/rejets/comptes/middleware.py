"""django-auditlog's middleware, with the client's address taken as the lockout takes it."""

from __future__ import annotations

from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from django.http import HttpRequest

from .adresse import adresse_client


class AuditlogMiddleware(_AuditlogMiddleware):
    """Sets the acting user and the client's address on every log entry of the request.

    django-auditlog believes the left-most X-Forwarded-For entry, which the client writes; the
    address here is `adresse_client`'s, as for the lockout and the consultations."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return adresse_client(request)
