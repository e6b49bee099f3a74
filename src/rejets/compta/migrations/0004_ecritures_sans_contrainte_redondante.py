import django.db.models.deletion
from django.db import migrations, models

from rejets.core.append_only import sql_proteger

MESSAGE_ECRITURE = "Écriture comptable immuable : passez une contre-passation"


def sans_contraintes(apps, schema_editor):
    """Drop the foreign-key constraints of the two repeated columns. PostgreSQL drops them in
    place; SQLite rebuilds the table, which drops its guard triggers: they are put back."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor._remake_table(apps.get_model("compta", "Ecriture"))
        for sql in sql_proteger("sqlite", "compta_ecriture", MESSAGE_ECRITURE):
            schema_editor.execute(sql, None)
        return
    for colonne in ("cabinet_id", "facture_id"):
        schema_editor.execute(
            """
            DO $$ DECLARE nom text; BEGIN
              FOR nom IN SELECT c.conname FROM pg_constraint c
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
                WHERE c.conrelid = 'compta_ecriture'::regclass AND c.contype = 'f'
                  AND a.attname = '%s'
              LOOP EXECUTE format('ALTER TABLE compta_ecriture DROP CONSTRAINT %%I', nom);
              END LOOP;
            END $$;
            """
            % colonne,
            None,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cabinets", "0001_initial"),
        ("compta", "0003_indu_et_index"),
        ("factures", "0004_index_evenements"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ecriture",
                    name="cabinet",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="cabinets.cabinet",
                    ),
                ),
                migrations.AlterField(
                    model_name="ecriture",
                    name="facture",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ecritures",
                        to="factures.facture",
                    ),
                ),
            ],
        ),
        migrations.RunPython(sans_contraintes, migrations.RunPython.noop),
    ]
