"""Two users recycling the same invoice at the same time: exactly one new invoice."""

import threading

import pytest
from django.db import connections

from rejets.compta.verification import verifier
from rejets.domain.lifecycle import Etat
from rejets.factures.models import Facture
from rejets.recyclage import services as recyclage

from .conftest import Monde
from .test_recyclage import APRES, rejetee

pytestmark = pytest.mark.django_db(transaction=True)


def test_deux_recyclages_simultanes_une_seule_nouvelle_facture(settings, tmp_path):
    settings.REJETS_FICHIERS_DIR = tmp_path / "fichiers"
    monde = Monde("a")
    f = rejetee(monde)
    recyclage.defacturer(facture=f, utilisateur=monde.utilisateur, le=APRES)
    resultats, refus, autres = [], [], []
    depart = threading.Barrier(2)

    def recycler():
        try:
            depart.wait()
            resultats.append(recyclage.recycler(facture=f, utilisateur=monde.utilisateur, le=APRES))
        except recyclage.OperationRefusee as exc:
            refus.append(str(exc))
        except Exception as exc:
            autres.append(exc)
        finally:
            connections.close_all()

    fils = [threading.Thread(target=recycler) for _ in range(2)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    assert autres == []
    assert len(resultats) == 1 and len(refus) == 1
    assert "déjà été recyclée" in refus[0]
    assert Facture.objects.filter(recyclee_de=f).count() == 1
    f.refresh_from_db()
    assert f.etat == Etat.RECYCLEE
    assert verifier([monde.cabinet]) == []
