import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cabinets', '0001_initial'),
        ('factures', '0004_index_evenements'),
    ]

    # Indexes covered by a composite one ((cabinet, etat), (professionnel, numero), (facture,
    # type)): dropped without altering the field, which would rebuild the guarded tables on
    # SQLite.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.AlterField(
            model_name='facture',
            name='cabinet',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='factures', to='cabinets.cabinet'),
        ),
        migrations.AlterField(
            model_name='facture',
            name='professionnel',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='cabinets.professionnel'),
        ),
        migrations.AlterField(
            model_name='partie',
            name='facture',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='parties', to='factures.facture'),
        ),
            ],
            database_operations=[
                migrations.RunSQL("DROP INDEX IF EXISTS factures_facture_cabinet_id_48cf0c15", migrations.RunSQL.noop),
                migrations.RunSQL("DROP INDEX IF EXISTS factures_facture_professionnel_id_0862add7", migrations.RunSQL.noop),
                migrations.RunSQL("DROP INDEX IF EXISTS factures_partie_facture_id_c09577d3", migrations.RunSQL.noop),
            ],
        ),
    ]
