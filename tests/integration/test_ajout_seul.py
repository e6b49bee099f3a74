"""The database itself refuses to change or delete postings, journals and events, and to delete
a transmitted invoice, on SQLite and PostgreSQL; only the maintenance switch lifts it."""

import pytest
from django.db import DatabaseError, connection, transaction

from rejets.compta.models import Ecriture, Journal
from rejets.core.append_only import maintenance
from rejets.factures import services
from rejets.factures.models import EvenementFacture, Facture
from rejets.lots.models import Lot
from rejets.transmission import services as transmission

from .conftest import JOUR


@pytest.fixture
def facture_transmise(monde):
    f = monde.facture()
    services.preparer(facture=f, utilisateur=monde.utilisateur)
    transmission.securiser(facture=f, utilisateur=monde.utilisateur, le=JOUR)
    lot = Lot.objects.create(cabinet=monde.cabinet, professionnel=monde.pro, numero="001")
    services.transmettre(facture=f, partie="fse", lot=lot, le=JOUR, utilisateur=monde.utilisateur)
    f.refresh_from_db()
    return f


def refuse(sql, params=()):
    with pytest.raises(DatabaseError) as refus, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    return str(refus.value)


@pytest.mark.parametrize(
    ("modele", "table"),
    [
        (Ecriture, "compta_ecriture"),
        (Journal, "compta_journal"),
        (EvenementFacture, "factures_evenementfacture"),
    ],
)
def test_ni_update_ni_delete_sur_les_tables_en_ajout_seul(facture_transmise, modele, table):
    pk = modele.objects.filter(cabinet=facture_transmise.cabinet).values_list("pk", flat=True)[0]
    message = refuse(f"UPDATE {table} SET cabinet_id = cabinet_id WHERE id = %s", [pk])
    assert "ajout seul" in message or "immuable" in message
    refuse(f"DELETE FROM {table} WHERE id = %s", [pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        modele.objects.filter(pk=pk).delete()
    assert modele.objects.filter(pk=pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE n'existe pas en SQLite")
def test_truncate_refuse_sur_postgresql(facture_transmise):
    refuse("TRUNCATE compta_ecriture CASCADE")


def test_la_base_refuse_de_supprimer_une_facture_transmise(facture_transmise):
    message = refuse("DELETE FROM factures_facture WHERE id = %s", [facture_transmise.pk])
    assert "ne se supprime jamais" in message
    refuse(
        "UPDATE factures_facture SET deja_transmise = %s WHERE id = %s",
        [False, facture_transmise.pk],
    )
    assert Facture.objects.filter(pk=facture_transmise.pk, deja_transmise=True).exists()


def test_le_mode_maintenance_leve_la_garde_sur_sa_seule_connexion(facture_transmise):
    pk = Ecriture.objects.filter(facture=facture_transmise).values_list("pk", flat=True)[0]
    with maintenance(), connection.cursor() as c:
        c.execute("UPDATE compta_ecriture SET montant = montant WHERE id = %s", [pk])
    refuse("UPDATE compta_ecriture SET montant = montant WHERE id = %s", [pk])
