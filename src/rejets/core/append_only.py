"""Append-only tables: the database itself refuses UPDATE and DELETE on postings and events.

On both databases a trigger raises unless the connection is in maintenance mode
(`maintenance()`), a switch scoped to one connection and used only by test teardown and by
`rejets restauration`. PostgreSQL reads the session setting `rejets.maintenance`; SQLite calls a
function registered on each connection (a connection that lacks it, such as the sqlite3 shell,
fails the trigger and so refuses too). PostgreSQL also refuses TRUNCATE.

A migration that rebuilds one of these tables on SQLite drops its triggers: such a migration
must run `ProtegerTable` again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.migrations.operations.base import Operation

MESSAGE = "Table en ajout seul : modification et suppression refusées"

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION rejets_ajout_seul() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('rejets.maintenance', true), '') = 'on' THEN
        IF TG_LEVEL = 'STATEMENT' THEN RETURN NULL; END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% (% sur %)', TG_ARGV[0], TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""


def _sqlite_maintenance_flag(connexion: Any, actif: bool) -> None:
    connexion.create_function("rejets_maintenance", 0, lambda: 1 if actif else 0)


def _on_connection_created(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        _sqlite_maintenance_flag(connection.connection, False)


connection_created.connect(_on_connection_created)


@contextmanager
def maintenance(alias: str = "default") -> Iterator[None]:
    """Lift the append-only guard on one connection, for test teardown and restore only."""
    connexion = connections[alias]
    connexion.ensure_connection()
    if connexion.vendor == "postgresql":
        with connexion.cursor() as cursor:
            cursor.execute("SELECT set_config('rejets.maintenance', 'on', false)")
        try:
            yield
        finally:
            with connexion.cursor() as cursor:
                cursor.execute("SELECT set_config('rejets.maintenance', 'off', false)")
    else:
        _sqlite_maintenance_flag(connexion.connection, True)
        try:
            yield
        finally:
            _sqlite_maintenance_flag(connexion.connection, False)


def sql_proteger(vendor: str, table: str, message: str = MESSAGE) -> list[str]:
    if vendor == "postgresql":
        return [
            PG_FUNCTION,
            f'DROP TRIGGER IF EXISTS "{table}_ajout_seul" ON "{table}"',
            f'CREATE TRIGGER "{table}_ajout_seul" BEFORE UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION rejets_ajout_seul('{message}')",
            f'DROP TRIGGER IF EXISTS "{table}_ajout_seul_truncate" ON "{table}"',
            f'CREATE TRIGGER "{table}_ajout_seul_truncate" BEFORE TRUNCATE ON "{table}" '
            f"FOR EACH STATEMENT EXECUTE FUNCTION rejets_ajout_seul('{message}')",
        ]
    return [
        f'DROP TRIGGER IF EXISTS "{table}_ajout_seul_update"',
        f'CREATE TRIGGER "{table}_ajout_seul_update" BEFORE UPDATE ON "{table}" '
        f"WHEN rejets_maintenance() = 0 "
        f"BEGIN SELECT RAISE(ABORT, '{message} (UPDATE sur {table})'); END",
        f'DROP TRIGGER IF EXISTS "{table}_ajout_seul_delete"',
        f'CREATE TRIGGER "{table}_ajout_seul_delete" BEFORE DELETE ON "{table}" '
        f"WHEN rejets_maintenance() = 0 "
        f"BEGIN SELECT RAISE(ABORT, '{message} (DELETE sur {table})'); END",
    ]


def sql_liberer(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f'DROP TRIGGER IF EXISTS "{table}_ajout_seul" ON "{table}"',
            f'DROP TRIGGER IF EXISTS "{table}_ajout_seul_truncate" ON "{table}"',
        ]
    return [
        f'DROP TRIGGER IF EXISTS "{table}_ajout_seul_update"',
        f'DROP TRIGGER IF EXISTS "{table}_ajout_seul_delete"',
    ]


class ProtegerTable(Operation):
    """Migration operation: make `table` append-only on SQLite and PostgreSQL."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, message: str = MESSAGE) -> None:
        self.table = table
        self.message = message

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        for sql in sql_proteger(schema_editor.connection.vendor, self.table, self.message):
            schema_editor.execute(sql, None)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        for sql in sql_liberer(schema_editor.connection.vendor, self.table):
            schema_editor.execute(sql, None)

    def describe(self) -> str:
        return f"Table {self.table} en ajout seul"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [self.table], {"message": self.message})


def sql_garder_transmises(vendor: str, table: str, colonne: str, message: str) -> list[str]:
    """Refuse deleting a row whose `colonne` is true, and turning it back to false.

    On PostgreSQL each trigger fires only when its condition holds (`WHEN`): an UPDATE that
    keeps `colonne` true, such as a state change of a transmitted invoice, runs no function
    (a PL/pgSQL call per row cost a tenth of the state updates of a large import)."""
    if vendor == "postgresql":
        fonction = f"{table}_garder_transmises"
        return [
            f"""CREATE OR REPLACE FUNCTION "{fonction}"() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('rejets.maintenance', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' AND OLD."{colonne}" THEN
        RAISE EXCEPTION '{message}' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD."{colonne}" AND NOT NEW."{colonne}" THEN
        RAISE EXCEPTION '{message}' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql""",
            f'DROP TRIGGER IF EXISTS "{table}_garder_transmises" ON "{table}"',
            f'CREATE TRIGGER "{table}_garder_transmises" BEFORE DELETE ON "{table}" '
            f'FOR EACH ROW WHEN (OLD."{colonne}") EXECUTE FUNCTION "{fonction}"()',
            f'DROP TRIGGER IF EXISTS "{table}_garder_transmises_update" ON "{table}"',
            f'CREATE TRIGGER "{table}_garder_transmises_update" BEFORE UPDATE ON "{table}" '
            f'FOR EACH ROW WHEN (OLD."{colonne}" AND NOT NEW."{colonne}") '
            f'EXECUTE FUNCTION "{fonction}"()',
        ]
    return [
        f'DROP TRIGGER IF EXISTS "{table}_garder_transmises_delete"',
        f'CREATE TRIGGER "{table}_garder_transmises_delete" BEFORE DELETE ON "{table}" '
        f'WHEN OLD."{colonne}" AND rejets_maintenance() = 0 '
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        f'DROP TRIGGER IF EXISTS "{table}_garder_transmises_update"',
        f'CREATE TRIGGER "{table}_garder_transmises_update" BEFORE UPDATE ON "{table}" '
        f'WHEN OLD."{colonne}" AND NOT NEW."{colonne}" AND rejets_maintenance() = 0 '
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
    ]


class GarderTransmises(Operation):
    """Migration operation: rows flagged by `colonne` can never be deleted nor unflagged."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, colonne: str, message: str) -> None:
        self.table = table
        self.colonne = colonne
        self.message = message

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        vendor = schema_editor.connection.vendor
        for sql in sql_garder_transmises(vendor, self.table, self.colonne, self.message):
            schema_editor.execute(sql, None)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for nom in ("garder_transmises", "garder_transmises_update"):
                schema_editor.execute(
                    f'DROP TRIGGER IF EXISTS "{self.table}_{nom}" ON "{self.table}"'
                )
        else:
            for suffixe in ("delete", "update"):
                schema_editor.execute(
                    f'DROP TRIGGER IF EXISTS "{self.table}_garder_transmises_{suffixe}"'
                )

    def describe(self) -> str:
        return f"Lignes transmises de {self.table} jamais supprimées"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [self.table, self.colonne, self.message], {})
