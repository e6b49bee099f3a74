"""Small helpers for the few hand-written queries of the batch paths."""

from collections.abc import Sequence
from typing import Any

from django.db import connection


def parmi(colonne: str, valeurs: Sequence[Any]) -> tuple[str, list[Any]]:
    """`colonne IN (…)` for many values: one array parameter on PostgreSQL (`= ANY`), which it
    plans at once; on SQLite one `%s` per value."""
    if connection.vendor == "postgresql":
        return f"{colonne} = ANY(%s)", [list(valeurs)]
    return f"{colonne} IN ({', '.join(['%s'] * len(valeurs))})", list(valeurs)
