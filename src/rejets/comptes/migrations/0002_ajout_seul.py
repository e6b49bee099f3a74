from django.db import migrations

from rejets.core.append_only import ProtegerTable


class Migration(migrations.Migration):
    dependencies = [
        ("comptes", "0001_initial"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        ProtegerTable("comptes_consultation", "Journal des consultations immuable"),
        ProtegerTable("auditlog_logentry", "Journal des modifications immuable"),
    ]
