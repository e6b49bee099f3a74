"""À traiter: the worklist of the cabinets the page works on, in priority order, with its
filters, an owner per item, snoozing, and défacturer / recycler on a selection.

Reads go through `cabinets_de`, writes through `cabinets_ou_ecrire_de`: an item outside them
answers 404. Row actions answer the row alone to htmx, the page otherwise."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from rejets.cabinets.models import Cabinet
from rejets.core import horloge
from rejets.domain.classement import Famille
from rejets.factures.models import Facture
from rejets.factures.services import OperationRefusee
from rejets.recyclage import services as recyclage
from rejets.referentiels.models import Organisme
from rejets.suivi import selectors, services
from rejets.suivi.echeances import RapportEcheances, rafraichir
from rejets.suivi.models import ElementATraiter, Motif
from rejets.web.perimetre import cabinets_de, cabinets_ou_ecrire_de

QUI = {"moi": "Mes éléments", "sans": "Sans responsable"}
OPERATIONS_EN_LOT = {"defacturer": "Défacturer", "recycler": "Recycler"}


def est_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def utilisateur(request: HttpRequest) -> User:
    """The logged-in user (the views are behind `login_required`)."""
    if not isinstance(request.user, User):
        raise Http404
    return request.user


def rafraichir_liste(cabinet_ids: set[int], *, le: date) -> None:
    """Rebuild the worklist of the cabinets a write touched, so that the page shows at once
    what is left to do (owners and snoozes are kept). Two rebuilds at once: the other one
    does the work."""
    if not cabinet_ids:
        return
    with contextlib.suppress(IntegrityError):
        rafraichir(
            cabinets=Cabinet.objects.filter(pk__in=cabinet_ids),
            le=le,
            rapport=RapportEcheances(le=le),
        )


# ---------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Ligne:
    """One row: the item, its age, the days left before forclusion, and whether the user may
    act on it."""

    element: ElementATraiter
    age: int
    jours_forclusion: int | None
    peut_ecrire: bool
    reporte: bool

    @property
    def famille(self) -> str:
        try:
            return Famille(self.element.famille).libelle
        except ValueError:
            return self.element.famille


def _entier(valeur: str | None, *, minimum: int = 0) -> int | None:
    try:
        nombre = int(valeur or "")
    except ValueError:
        return None
    return nombre if nombre >= minimum else None


def _filtres(
    request: HttpRequest, cabinets: QuerySet[Cabinet]
) -> tuple[selectors.Filtres, dict[str, str]]:
    """The filters of the query string, those that make sense only; and their values to fill
    the form again."""
    q = request.GET
    cabinet = q.get("cabinet", "")
    if cabinet and not cabinets.filter(code=cabinet).exists():
        cabinet = ""
    famille = q.get("famille", "")
    if famille not in {f.value for f in Famille}:
        famille = ""
    motif = q.get("motif", "")
    if motif not in Motif.values:
        motif = ""
    age = _entier(q.get("age"))
    qui = q.get("qui", "")
    if qui not in QUI:
        qui = ""
    reportes = q.get("reportes") == "1"
    filtres = selectors.Filtres(
        cabinet=cabinet or None,
        organisme=q.get("organisme") or None,
        famille=famille or None,
        motif=motif or None,
        age_min=age,
        responsable=utilisateur(request) if qui == "moi" else None,
        sans_responsable=qui == "sans",
        avec_reportes=reportes,
    )
    valeurs = {
        "cabinet": cabinet,
        "organisme": q.get("organisme", ""),
        "famille": famille,
        "motif": motif,
        "age": "" if age is None else str(age),
        "qui": qui,
        "reportes": "1" if reportes else "",
    }
    return filtres, valeurs


def ligne(element: ElementATraiter, *, aujourd_hui: date, ecrire: set[int]) -> Ligne:
    return Ligne(
        element=element,
        age=max(0, (aujourd_hui - element.depuis).days),
        jours_forclusion=(element.date_forclusion - aujourd_hui).days
        if element.date_forclusion
        else None,
        peut_ecrire=element.cabinet_id in ecrire,
        reporte=bool(element.reporte_au and element.reporte_au > aujourd_hui),
    )


def _contexte_liste(request: HttpRequest) -> dict[str, Any]:
    aujourd_hui = horloge.aujourd_hui()
    cabinets = cabinets_de(request)
    filtres, valeurs = _filtres(request, cabinets)
    qs = selectors.a_traiter(cabinets, aujourd_hui=aujourd_hui, filtres=filtres)
    page = _entier(request.GET.get("page"), minimum=1) or 1
    elements, total = selectors.premiere_page(qs, page=page)
    pages = max(1, math.ceil(total / selectors.TAILLE_PAGE))
    if page > pages:
        page = pages
        elements, total = selectors.premiere_page(qs, page=page)
    ecrire = set(cabinets_ou_ecrire_de(request).values_list("pk", flat=True))
    requete = urlencode({k: v for k, v in valeurs.items() if v})
    avec_page = urlencode(
        {**{k: v for k, v in valeurs.items() if v}, **({"page": page} if page > 1 else {})}
    )
    filtre_actif = any(valeurs.values())
    return {
        "aujourd_hui": aujourd_hui,
        "lignes": [ligne(e, aujourd_hui=aujourd_hui, ecrire=ecrire) for e in elements],
        "total": total,
        "page": page,
        "pages": pages,
        "requete": requete,
        "retour": reverse("web:a_traiter") + (f"?{avec_page}" if avec_page else ""),
        "valeurs": valeurs,
        "filtre_actif": filtre_actif,
        "peut_ecrire": bool(ecrire),
        "cabinets": list(cabinets),
        "organismes": Organisme.objects.filter(
            pk__in=ElementATraiter.objects.filter(
                cabinet__in=cabinets, organisme__isnull=False
            ).values("organisme_id")
        ).order_by("libelle"),
        "familles": [(f.value, f.libelle) for f in Famille],
        "motifs": Motif.choices,
        "qui": QUI.items(),
        "operations": OPERATIONS_EN_LOT.items(),
    }


@login_required
@require_GET
def liste(request: HttpRequest) -> HttpResponse:
    contexte = _contexte_liste(request)
    if est_htmx(request) and request.headers.get("HX-Target") == "liste":
        reponse = render(request, "web/a_traiter/_liste.html", contexte)
        reponse["HX-Push-Url"] = contexte["retour"]
        return reponse
    return render(request, "web/a_traiter/a_traiter.html", contexte)


# ---------------------------------------------------------------------- writing


def _element_modifiable(request: HttpRequest, pk: int) -> ElementATraiter:
    element = (
        ElementATraiter.objects.filter(pk=pk, cabinet__in=cabinets_ou_ecrire_de(request))
        .select_related("cabinet", "facture", "organisme", "responsable")
        .first()
    )
    if element is None:
        raise Http404("Élément introuvable dans vos cabinets.")
    return element


def _retour(request: HttpRequest) -> str:
    url = request.POST.get("retour", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("web:a_traiter")


def _reponse_ligne(
    request: HttpRequest, element_id: int, *, erreur: str = "", message: str = ""
) -> HttpResponse:
    """The row again, read afresh, for htmx; the page otherwise."""
    if not est_htmx(request):
        if erreur:
            messages.error(request, erreur)
        elif message:
            messages.success(request, message)
        return HttpResponseRedirect(_retour(request))
    aujourd_hui = horloge.aujourd_hui()
    element = _element_modifiable(request, element_id)
    ecrire = set(cabinets_ou_ecrire_de(request).values_list("pk", flat=True))
    return render(
        request,
        "web/a_traiter/_ligne.html",
        {
            "l": ligne(element, aujourd_hui=aujourd_hui, ecrire=ecrire),
            "aujourd_hui": aujourd_hui,
            "erreur": erreur,
            "message": message,
            "retour": _retour(request),
        },
    )


@login_required
@require_POST
def responsable(request: HttpRequest, pk: int) -> HttpResponse:
    """« Je le prends » (or give it back: `rendre`)."""
    element = _element_modifiable(request, pk)
    moi = utilisateur(request)
    a = None if request.POST.get("rendre") else moi
    try:
        services.assigner(element_id=element.pk, utilisateur=moi, a=a)
    except OperationRefusee as exc:
        return _reponse_ligne(request, element.pk, erreur=str(exc))
    message = "Vous avez pris cet élément." if a else "Élément rendu : il n'a plus de responsable."
    return _reponse_ligne(request, element.pk, message=message)


@login_required
@require_POST
def reporter(request: HttpRequest, pk: int) -> HttpResponse:
    """Snooze until a date with a reason; without a date, wake the item up."""
    element = _element_modifiable(request, pk)
    aujourd_hui = horloge.aujourd_hui()
    texte = request.POST.get("au", "").strip()
    jusqu_au: date | None = None
    if texte:
        try:
            jusqu_au = date.fromisoformat(texte)
        except ValueError:
            return _reponse_ligne(
                request, element.pk, erreur=f"Date de report illisible : « {texte} »."
            )
    elif not request.POST.get("reveiller"):
        return _reponse_ligne(request, element.pk, erreur="Indiquez la date de report.")
    try:
        services.reporter(
            element_id=element.pk,
            utilisateur=utilisateur(request),
            jusqu_au=jusqu_au,
            raison=request.POST.get("raison", ""),
            le=aujourd_hui,
        )
    except OperationRefusee as exc:
        return _reponse_ligne(request, element.pk, erreur=str(exc))
    message = (
        f"Reporté au {jusqu_au:%d/%m/%Y}." if jusqu_au else "Report annulé : l'élément revient."
    )
    return _reponse_ligne(request, element.pk, message=message)


@login_required
@require_POST
def selection(request: HttpRequest) -> HttpResponse:
    """Défacturer or recycler the invoices of the selected items, each on its own; the report
    says what was done and what was refused, and why."""
    operation = request.POST.get("operation", "")
    if operation not in OPERATIONS_EN_LOT:
        raise Http404("Opération inconnue.")
    ids = {i for i in (_entier(x) for x in request.POST.getlist("element")) if i is not None}
    elements = list(
        ElementATraiter.objects.filter(
            pk__in=ids, cabinet__in=cabinets_ou_ecrire_de(request)
        ).select_related("facture")
    )
    if len(elements) != len(ids):
        raise Http404("Élément introuvable dans vos cabinets.")
    factures: dict[int, Facture] = {}
    for e in elements:
        if e.facture is not None:
            factures.setdefault(e.facture.pk, e.facture)
    aujourd_hui = horloge.aujourd_hui()
    moi = utilisateur(request)
    choisies = sorted(factures.values(), key=lambda f: f.numero)
    if operation == "defacturer":
        rapport = recyclage.defacturer_selection(
            factures_=choisies,
            utilisateur=moi,
            le=aujourd_hui,
            commentaire=request.POST.get("commentaire", "").strip(),
        )
    else:
        rapport = recyclage.recycler_selection(factures_=choisies, utilisateur=moi, le=aujourd_hui)
    rafraichir_liste({f.cabinet_id for f in choisies}, le=aujourd_hui)
    sans_facture = len(elements) - sum(1 for e in elements if e.facture is not None)
    contexte = {
        "operation": OPERATIONS_EN_LOT[operation],
        "rapport": rapport,
        "vide": not ids,
        "sans_facture": sans_facture,
    }
    if est_htmx(request):
        reponse = render(request, "web/a_traiter/_rapport.html", contexte)
        reponse["HX-Trigger"] = "liste-a-jour"
        return reponse
    if not ids:
        messages.warning(request, "Aucun élément choisi : cochez les lignes à traiter.")
    for fait in rapport.faites:
        messages.success(request, f"{fait}.")
    for numero, raison in rapport.refusees:
        messages.error(request, f"Refusé pour la facture {numero} : {raison}")
    return HttpResponseRedirect(_retour(request))
