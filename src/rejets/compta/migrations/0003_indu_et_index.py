import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cabinets', '0001_initial'),
        ('compta', '0002_ajout_seul'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # Only the index changes in the database: altering the field would make SQLite rebuild the
    # append-only table, and drop its guard triggers with it.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.AlterField(
            model_name='ecriture',
            name='cabinet',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='cabinets.cabinet'),
        ),
        migrations.AlterField(
            model_name='journal',
            name='nature',
            field=models.CharField(choices=[('facturation', 'Facturation'), ('paiement_caisse', 'Paiement de la caisse'), ('paiement_mutuelle', 'Paiement de la mutuelle'), ('paiement_patient', 'Paiement du patient'), ('defacturation', 'Défacturation (contrepartie négative)'), ('paiement_vers_acompte', 'Paiement du patient transféré en acompte'), ('acompte_utilise', 'Acompte utilisé'), ('passage_en_perte', 'Passage en perte'), ('en_attente', "Paiement en attente d'affectation"), ('affectation', "Affectation d'un paiement en attente"), ('indu', "Indu réclamé par l'organisme")], max_length=30),
        ),
        migrations.AlterField(
            model_name='journal',
            name='utilisateur',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL),
        ),
            ],
            database_operations=[
                migrations.RunSQL("DROP INDEX IF EXISTS compta_ecriture_cabinet_id_eb733651", migrations.RunSQL.noop),
                migrations.RunSQL("DROP INDEX IF EXISTS compta_journal_utilisateur_id_0ef41306", migrations.RunSQL.noop),
            ],
        ),
    ]
