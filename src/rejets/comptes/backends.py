"""An authentication backend for the test profile."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend  # type: ignore[import-untyped]
from django.http import HttpRequest


class AxesSaufSansRequete(AxesStandaloneBackend):
    """django-axes' lockout check, skipped when `authenticate()` is called without a request
    (the test client's `login()`): with no request there is no address to lock. Every login
    through a page passes its request and is checked."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
