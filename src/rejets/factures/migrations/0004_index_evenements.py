import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cabinets', '0001_initial'),
        ('factures', '0003_paiement_ou_indu'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # Only the index changes in the database: altering the field would make SQLite rebuild the
    # append-only table, and drop its guard triggers with it.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.AlterField(
            model_name='evenementfacture',
            name='cabinet',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='cabinets.cabinet'),
        ),
        migrations.AlterField(
            model_name='evenementfacture',
            name='utilisateur',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL),
        ),
            ],
            database_operations=[
                migrations.RunSQL("DROP INDEX IF EXISTS factures_evenementfacture_cabinet_id_19055dfc", migrations.RunSQL.noop),
                migrations.RunSQL("DROP INDEX IF EXISTS factures_evenementfacture_utilisateur_id_305b974f", migrations.RunSQL.noop),
            ],
        ),
    ]
