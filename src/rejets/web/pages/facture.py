"""Facture: one invoice, found by its id (never a NIR or a name in the address), with its
parts, acts, timeline, journals and tracked actions, and the actions its state allows.

An invoice outside the cabinets of the page answers 404, and so does an action on an invoice
outside the cabinets where the user may write (a reader sees no action at all)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from rejets.comptes.audit import noter_consultation
from rejets.core import horloge
from rejets.domain.lifecycle import TransitionInterdite
from rejets.factures.models import Facture
from rejets.factures.services import OperationRefusee, etats_parties
from rejets.recyclage.models import Action
from rejets.web.perimetre import cabinets_de, cabinets_ou_ecrire_de

from . import facture_actions, facture_selectors
from .a_traiter import rafraichir_liste, utilisateur


def _facture(request: HttpRequest, pk: int, *, pour_ecrire: bool = False) -> Facture:
    cabinets = cabinets_ou_ecrire_de(request) if pour_ecrire else cabinets_de(request)
    return get_object_or_404(
        Facture.objects.select_related(
            "cabinet", "professionnel", "patient", "prescription", "recyclee_de"
        ),
        pk=pk,
        cabinet__in=cabinets,
    )


def _filtre(request: HttpRequest) -> str:
    filtre = request.GET.get("filtre", "")
    return filtre if filtre in facture_selectors.FILTRES_HISTORIQUE else ""


@login_required
@require_GET
def facture(request: HttpRequest, pk: int) -> HttpResponse:
    f = _facture(request, pk)
    noter_consultation(request, f)
    d = facture_selectors.dossier(f)
    peut_ecrire = cabinets_ou_ecrire_de(request).filter(pk=f.cabinet_id).exists()
    return render(
        request,
        "web/facture/facture.html",
        {
            "d": d,
            "facture": f,
            "historique": d.historique,
            "filtre": "",
            "filtres": facture_selectors.FILTRES_HISTORIQUE.items(),
            "peut_ecrire": peut_ecrire,
            "actions_possibles": facture_actions.actions_possibles(f, d.etats)
            if peut_ecrire
            else [],
            "aujourd_hui": horloge.aujourd_hui(),
        },
    )


@login_required
@require_GET
def historique(request: HttpRequest, pk: int) -> HttpResponse:
    """The timeline alone, one family of events or all (htmx)."""
    f = _facture(request, pk)
    filtre = _filtre(request)
    return render(
        request,
        "web/facture/_historique.html",
        {
            "facture": f,
            "historique": facture_selectors.historique(f, filtre=filtre),
            "filtre": filtre,
            "filtres": facture_selectors.FILTRES_HISTORIQUE.items(),
        },
    )


@login_required
@require_POST
def action(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Run one of the actions the invoice's state allows; the result or the refusal is told in
    French on the invoice's page (on the new invoice's after a recycling)."""
    f = _facture(request, pk, pour_ecrire=True)
    if code not in facture_actions.CODES:
        raise Http404("Action inconnue.")
    page = reverse("web:facture", args=[f.pk])
    etats = etats_parties(f)
    possible = facture_actions.trouver(
        facture_actions.actions_possibles(f, etats),
        code,
        request.POST.get("partie", ""),
        request.POST.get("action", ""),
    )
    if possible is None:
        messages.error(
            request,
            f"Facture {f.numero} : cette action n'est pas possible à l'état « "
            f"{f.get_etat_display()} ». La page montre ce qui l'est.",
        )
        return HttpResponseRedirect(page)
    aujourd_hui = horloge.aujourd_hui()
    try:
        fait = facture_actions.executer(
            possible,
            facture=f,
            donnees=request.POST,
            utilisateur=utilisateur(request),
            le=aujourd_hui,
        )
    except (OperationRefusee, TransitionInterdite) as exc:
        messages.error(request, f"Refusé : {exc}")
        return HttpResponseRedirect(page)
    rafraichir_liste({f.cabinet_id}, le=aujourd_hui)
    for texte in fait.succes:
        messages.success(request, texte)
    for texte in fait.avertissements:
        messages.warning(request, texte)
    if fait.suite is not None:
        page = reverse("web:facture", args=[fait.suite.pk])
    return HttpResponseRedirect(page)


@login_required
@require_GET
def document(request: HttpRequest, pk: int, action_pk: int) -> FileResponse:
    """The document a tracked action produced (PDF letter, email draft)."""
    f = _facture(request, pk)
    a = get_object_or_404(Action, pk=action_pk, facture=f, cabinet_id=f.cabinet_id)
    if not a.document:
        raise Http404("Cette action n'a pas de document.")
    racine = Path(settings.REJETS_FICHIERS_DIR).resolve()
    chemin = (racine / a.document).resolve()
    if not chemin.is_relative_to(racine) or not chemin.is_file():
        raise Http404("Document introuvable.")
    return FileResponse(chemin.open("rb"), as_attachment=True, filename=chemin.name)
