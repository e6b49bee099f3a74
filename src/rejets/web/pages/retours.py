"""Retours: the upload of return files (ARL, returns, spreadsheets) and their import report,
the lines no invoice took (with their suggestion) to match or dismiss by hand, and the money
awaiting allocation to an invoice."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from rejets.core import horloge
from rejets.domain.lifecycle import TransitionInterdite
from rejets.factures.models import Facture
from rejets.factures.services import OperationRefusee
from rejets.retours import services
from rejets.retours.importation import RapportRetour, importer_retour, rapport
from rejets.retours.models import (
    FichierRetour,
    LigneRetour,
    ProfilCsv,
    TypeLigne,
)
from rejets.retours.selectors import attentes_visibles, fichiers_visibles, lignes_a_traiter
from rejets.web.perimetre import cabinets_de, cabinets_ou_ecrire_de

LIMITE = 200
"""Lines and payments shown at once; the count says how many there are."""


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _fichiers(request: HttpRequest) -> QuerySet[FichierRetour]:
    """The files of the page's cabinets, and those the user imported (a file refused as a
    whole belongs to no cabinet)."""
    return fichiers_visibles(request.user).filter(
        Q(imports__cabinet__in=cabinets_de(request)) | Q(importe_par=request.user.pk)
    )


def _page_retour(request: HttpRequest) -> str:
    """The page a form was on (the list, or a file's report), if it is one of those."""
    cible = request.POST.get("retour", "")
    if not url_has_allowed_host_and_scheme(
        cible, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    try:
        trouvee = resolve(urlsplit(cible).path)
    except Resolver404:
        return ""
    return cible if trouvee.view_name in ("web:retours", "web:retours_fichier") else ""


def _retour(request: HttpRequest) -> HttpResponse:
    """Back to the page the form was on."""
    return redirect(_page_retour(request) or "web:retours")


def _resume(r: RapportRetour) -> str:
    if r.refuse:
        return (
            f"Fichier « {r.fichier} » refusé en entier et mis en quarantaine : {r.motif} "
            "Rien n'a été importé ; corrigez le fichier (ou demandez-en un nouveau à "
            "l'organisme) puis déposez-le de nouveau."
        )
    deja = " (déjà importé : voici le rapport du premier import)" if r.deja_importe else ""
    return (
        f"Fichier « {r.fichier} »{deja} : {r.lues} ligne(s) lue(s), {r.appliquees} "
        f"appliquée(s), {r.non_rapprochees} non rapprochée(s), {r.refusees} refusée(s), "
        f"{r.en_attente_autres_cabinets} en attente d'un autre cabinet."
    )


@login_required
def page(request: HttpRequest) -> HttpResponse:
    cabinets = cabinets_de(request)
    lignes = lignes_a_traiter(cabinets).select_related("cabinet", "attente", "facture")
    attentes = attentes_visibles(cabinets).select_related("ligne", "cabinet").order_by("date", "pk")
    return render(
        request,
        "web/retours/page.html",
        {
            "fichiers": _fichiers(request).distinct().order_by("-importe_le", "-pk")[:20],
            "lignes": lignes[:LIMITE],
            "nombre_lignes": lignes.count(),
            "attentes": attentes[:LIMITE],
            "nombre_attentes": attentes.count(),
            "ecrire": set(cabinets_ou_ecrire_de(request).values_list("pk", flat=True)),
            "profils": ProfilCsv.objects.order_by("nom"),
            "limite": LIMITE,
        },
    )


@login_required
@require_POST
def importer(request: HttpRequest) -> HttpResponse:
    """Each uploaded file is saved to a temporary file and imported for the cabinets where the
    user writes; the report of a single file is shown on its page."""
    perimetre = set(cabinets_ou_ecrire_de(request).values_list("pk", flat=True))
    if not perimetre:
        raise Http404("Aucun cabinet où vous pouvez écrire.")
    profil = None
    if request.POST.get("profil"):
        profil = ProfilCsv.objects.filter(pk=request.POST["profil"]).first()
        if profil is None:
            messages.error(
                request, "Profil de tableur inconnu : choisissez-en un dans la liste, ou aucun."
            )
            return redirect("web:retours")
    envois = request.FILES.getlist("fichiers")
    if not envois:
        messages.error(
            request,
            "Aucun fichier reçu : choisissez un ou plusieurs fichiers de retour (ARL, retours, "
            "tableur) puis importez-les.",
        )
        return redirect("web:retours")
    derniers: list[str] = []
    for envoi in envois:
        nom = Path(envoi.name or "retour").name
        with tempfile.TemporaryDirectory(prefix="rejets-retour-") as dossier:
            chemin = Path(dossier) / "fichier"
            with chemin.open("wb") as sortie:
                for morceau in envoi.chunks():
                    sortie.write(morceau)
            r = importer_retour(
                chemin=chemin,
                nom=nom,
                utilisateur=request.user,  # type: ignore[arg-type]
                perimetre=perimetre,
                profil=profil,
            )
        (messages.error if r.refuse else messages.success)(request, _resume(r))
        derniers.append(r.sha256)
    if len(derniers) == 1:
        fichier = FichierRetour.objects.filter(sha256=derniers[0]).first()
        if fichier is not None:
            return redirect("web:retours_fichier", pk=fichier.pk)
    return redirect("web:retours")


@login_required
def fichier(request: HttpRequest, pk: int) -> HttpResponse:
    """A file's import report, as the user may see it, and its lines still to work."""
    f = get_object_or_404(_fichiers(request).distinct(), pk=pk)
    visibles = cabinets_de(request)
    r = rapport(f, set(visibles.values_list("pk", flat=True)), deja_importe=False)
    lignes = (
        lignes_a_traiter(visibles).filter(fichier=f).select_related("cabinet", "attente", "facture")
    )
    return render(
        request,
        "web/retours/fichier.html",
        {
            "fichier": f,
            "rapport": r,
            "lignes": lignes[:LIMITE],
            "nombre_lignes": lignes.count(),
            "ecrire": set(cabinets_ou_ecrire_de(request).values_list("pk", flat=True)),
            "limite": LIMITE,
        },
    )


def _facture(cabinet_id: int | None, numero: str, numero_ps: str = "") -> Facture | None:
    """The invoice of that number in the cabinet (that of the line's professional first)."""
    if cabinet_id is None:
        return None
    factures = Facture.objects.filter(cabinet_id=cabinet_id, numero=numero.strip().zfill(9))
    if numero_ps:
        du_professionnel = factures.filter(professionnel__numero_am=numero_ps).first()
        if du_professionnel is not None:
            return du_professionnel
    return factures.order_by("pk").first()


def _ligne_traitee(request: HttpRequest, ligne: LigneRetour) -> HttpResponse:
    """The line's row again (htmx), or back to the page."""
    if _htmx(request):
        return render(
            request,
            "web/retours/_ligne.html",
            {
                "ligne": ligne,
                "ecrire": {ligne.cabinet_id},
                "avec_messages": True,
                "page_retour": _page_retour(request),
            },
        )
    return _retour(request)


@login_required
@require_POST
def rapprocher(request: HttpRequest, pk: int) -> HttpResponse:
    ligne = get_object_or_404(
        lignes_a_traiter(cabinets_ou_ecrire_de(request))
        .filter(type=TypeLigne.RETOUR)
        .select_related("attente"),
        pk=pk,
    )
    avait_de_l_argent = hasattr(ligne, "attente")
    if request.POST.get("suggestion") and ligne.suggestion is not None:
        facture: Facture | None = ligne.suggestion
        numero = ligne.suggestion.numero
    else:
        numero = request.POST.get("facture", "").strip()
        facture = _facture(ligne.cabinet_id, numero, ligne.numero_ps) if numero else None
    if not numero:
        messages.error(
            request,
            f"Ligne {ligne.numero} : donnez le n° de la facture à laquelle la rapprocher.",
        )
    elif facture is None:
        messages.error(
            request,
            f"Ligne {ligne.numero} : aucune facture n° {numero} dans ce cabinet. Vérifiez le "
            "numéro sur la facture ou dans la liste des factures.",
        )
    else:
        try:
            decision = services.rapprocher(
                ligne=ligne,
                facture=facture,
                utilisateur=request.user,  # type: ignore[arg-type]
                le=ligne.date_virement or horloge.aujourd_hui(),
            )
        except (OperationRefusee, TransitionInterdite) as exc:
            messages.error(
                request,
                f"Ligne {ligne.numero} non rapprochée de la facture {facture.numero} : {exc}",
            )
        else:
            quoi = f" ({decision.evenement.libelle.lower()})" if decision.evenement else ""
            messages.success(
                request,
                f"Ligne {ligne.numero} du fichier « {ligne.fichier.nom} » rapprochée de la "
                f"facture {facture.numero}{quoi}.",
            )
            if _htmx(request) and avait_de_l_argent:
                return HttpResponseClientRefresh()
    ligne.refresh_from_db()
    return _ligne_traitee(request, ligne)


@login_required
@require_POST
def ecarter(request: HttpRequest, pk: int) -> HttpResponse:
    ligne = get_object_or_404(lignes_a_traiter(cabinets_ou_ecrire_de(request)), pk=pk)
    raison = request.POST.get("raison", "").strip()
    try:
        services.ecarter(ligne=ligne, raison=raison, utilisateur=request.user)  # type: ignore[arg-type]
    except OperationRefusee as exc:
        suite = "" if raison else " Écrivez pourquoi elle est écartée (doublon, lot déjà reçu…)."
        messages.error(request, f"Ligne {ligne.numero} non écartée : {exc}{suite}")
    else:
        messages.success(request, f"Ligne {ligne.numero} écartée : {raison}")
    ligne.refresh_from_db()
    return _ligne_traitee(request, ligne)


@login_required
@require_POST
def affecter(request: HttpRequest, pk: int) -> HttpResponse:
    attente = get_object_or_404(
        attentes_visibles(cabinets_ou_ecrire_de(request)).select_related("ligne", "cabinet"),
        pk=pk,
    )
    numero = request.POST.get("facture", "").strip()
    facture = (
        _facture(attente.cabinet_id, numero, attente.ligne.numero_ps if attente.ligne else "")
        if numero
        else None
    )
    if not numero:
        messages.error(request, "Donnez le n° de la facture qui reçoit ce paiement.")
    elif facture is None:
        messages.error(
            request,
            f"Aucune facture n° {numero} dans le cabinet {attente.cabinet.nom} : vérifiez le "
            "numéro (le paiement reste en attente).",
        )
    else:
        try:
            services.affecter(
                attente=attente,
                facture=facture,
                utilisateur=request.user,  # type: ignore[arg-type]
                le=horloge.aujourd_hui(),
            )
        except (OperationRefusee, TransitionInterdite) as exc:
            messages.error(request, f"Paiement non affecté (il reste en attente) : {exc}")
        else:
            messages.success(request, f"Paiement affecté à la facture {facture.numero}.")
            if _htmx(request) and attente.ligne_id is not None:
                return HttpResponseClientRefresh()
    attente.refresh_from_db()
    if _htmx(request):
        return render(
            request,
            "web/retours/_attente.html",
            {
                "attente": attente,
                "ecrire": {attente.cabinet_id},
                "avec_messages": True,
                "page_retour": _page_retour(request),
            },
        )
    return _retour(request)
