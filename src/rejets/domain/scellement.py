"""The seal of a secured invoice: a SHA-256 over its content in one canonical form.

Securing freezes an invoice (DOMAIN.md section 2, « Sécuriser »): in real life the CPS and Vitale
cards sign it; here the transmission adapter freezes this digest. Any later change to the
content gives another digest, so a secured invoice that was altered is detected. The lot layout
carries the first 16 hexadecimal characters (docs/formats/lot-rejets.md, `scellement`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

LONGUEUR_COURTE = 16


def forme_canonique(contenu: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8, values already plain (str, int, bool, None, lists)."""
    return json.dumps(
        contenu, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def empreinte(contenu: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical form, 64 lowercase hexadecimal characters."""
    return hashlib.sha256(forme_canonique(contenu)).hexdigest()


def scellement_court(empreinte_complete: str) -> str:
    """The part of the digest written in a lot."""
    return empreinte_complete[:LONGUEUR_COURTE]
