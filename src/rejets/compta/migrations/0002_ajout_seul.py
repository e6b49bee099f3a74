from django.db import migrations

from rejets.core.append_only import ProtegerTable


class Migration(migrations.Migration):
    dependencies = [("compta", "0001_initial")]

    operations = [
        ProtegerTable("compta_journal", "Journal comptable immuable : passez une contre-passation"),
        ProtegerTable("compta_ecriture", "Écriture comptable immuable : passez une contre-passation"),
    ]
