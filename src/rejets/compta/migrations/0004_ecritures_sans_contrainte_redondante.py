import django.db.models.deletion
from django.db import migrations, models


def sans_contraintes(apps, schema_editor):
    """On PostgreSQL, drop the foreign-key constraints of the two repeated columns. SQLite
    keeps them: dropping one would rebuild the append-only table and lose its guard triggers."""
    if schema_editor.connection.vendor != "postgresql":
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
            database_operations=[migrations.RunPython(sans_contraintes, migrations.RunPython.noop)],
        ),
    ]
