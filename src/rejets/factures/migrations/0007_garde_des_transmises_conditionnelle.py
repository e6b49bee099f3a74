"""PostgreSQL: the guard of transmitted invoices fires only when its condition holds.

The function is unchanged (`rejets.core.append_only.sql_garder_transmises`); its triggers get a
`WHEN` clause, so a state change of a transmitted invoice no longer runs PL/pgSQL per row.
SQLite's triggers already had theirs. Going back keeps the new triggers, which refuse exactly
what the old one refused.
"""

from django.db import migrations

from rejets.core.append_only import sql_garder_transmises

MESSAGE = "Une facture transmise ne se supprime jamais : défacturez-la après un rejet"


def garde_conditionnelle(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in sql_garder_transmises("postgresql", "factures_facture", "deja_transmise", MESSAGE):
        schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [("factures", "0006_etats_factures_au_patient_ou_a_la_mutuelle")]

    operations = [migrations.RunPython(garde_conditionnelle, migrations.RunPython.noop)]
