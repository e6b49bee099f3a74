from django.db import migrations

from rejets.core.append_only import GarderTransmises, ProtegerTable


class Migration(migrations.Migration):
    dependencies = [("factures", "0001_initial")]

    operations = [
        ProtegerTable("factures_evenementfacture", "Historique des factures immuable"),
        GarderTransmises(
            "factures_facture",
            "deja_transmise",
            "Une facture transmise ne se supprime jamais : défacturez-la après un rejet",
        ),
    ]
