"""Banque: the upload of bank statements (OFX, or CSV through a column profile), the automatic
matching of the transfers the returns announced, the transfers never credited and the credits
never explained, matched or set aside by hand."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rejets.banque import services
from rejets.banque.appariement import VirementAnnonce, marque_organisme
from rejets.banque.models import EtatLigne, LigneBancaire, ProfilReleve
from rejets.banque.selectors import (
    etat_banque,
    lignes_visibles,
    releves_visibles,
    virements_annonces,
)
from rejets.cabinets.models import Cabinet
from rejets.core import horloge
from rejets.domain.ledger import Payeur
from rejets.domain.money import format_euros
from rejets.formats.releves import ReleveInvalide
from rejets.web.perimetre import cabinets_de, cabinets_ou_ecrire_de

LIMITE = 100
"""Rows shown per list; the count and the total say how many there are."""
JOURS_AVANT = 45
"""Announced transfers offered for a bank credit: those of the 45 days before it."""
PROPOSITIONS = 10


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _cle(v: VirementAnnonce) -> str:
    return f"{v.payeur}|{v.reference}|{v.date.isoformat()}"


def _libres(cabinets: QuerySet[Cabinet]) -> defaultdict[int, list[VirementAnnonce]]:
    """Announced transfers with something to credit and no bank line yet, by cabinet."""
    par_cabinet: defaultdict[int, list[VirementAnnonce]] = defaultdict(list)
    for v in virements_annonces(cabinets):
        if v.ligne_id is None and v.montant > 0:
            par_cabinet[v.cabinet_id].append(v)
    return par_cabinet


def _possibles(ligne: LigneBancaire, libres: list[VirementAnnonce]) -> list[VirementAnnonce]:
    """The transfers a credit may be: announced in the days before it, nearest amount first."""
    debut = ligne.date - timedelta(days=JOURS_AVANT)
    proches = [v for v in libres if debut <= v.date <= ligne.date]
    proches.sort(key=lambda v: (abs(v.montant - ligne.montant), -v.date.toordinal()))
    return proches[:PROPOSITIONS]


def _profils(cabinets: QuerySet[Cabinet]) -> QuerySet[ProfilReleve]:
    return ProfilReleve.objects.filter(Q(cabinet__isnull=True) | Q(cabinet__in=cabinets))


@login_required
def page(request: HttpRequest) -> HttpResponse:
    cabinets = cabinets_de(request)
    ecriture = cabinets_ou_ecrire_de(request)
    ecrire = set(ecriture.values_list("pk", flat=True))
    etat = etat_banque(cabinets, au=horloge.aujourd_hui())
    libres = _libres(ecriture) if ecrire else defaultdict(list)
    noms = {c.pk: c.nom for c in cabinets}
    credits = [
        (c, noms.get(c.ligne.cabinet_id, ""), _possibles(c.ligne, libres[c.ligne.cabinet_id]))
        for c in etat.inexpliques[:LIMITE]
    ]
    jamais_credites = [(v, noms.get(v.cabinet_id, "")) for v in etat.jamais_credites[:LIMITE]]
    return render(
        request,
        "web/banque/page.html",
        {
            "etat": etat,
            "lignes_par_etat": [(EtatLigne(k).label, n) for k, n in etat.lignes.items()],
            "jamais_credites": jamais_credites,
            "credits": credits,
            "a_decider": [(a, _cle(a.virement)) for a in etat.a_decider[:LIMITE]],
            "releves": releves_visibles(cabinets).select_related("cabinet")[:20],
            "cabinets_ecriture": list(ecriture),
            "ecrire": ecrire,
            "profils": _profils(ecriture).select_related("cabinet").order_by("nom"),
            "limite": LIMITE,
        },
    )


@login_required
@require_POST
def importer(request: HttpRequest) -> HttpResponse:
    choisi = request.POST.get("cabinet", "")
    cabinet = get_object_or_404(
        cabinets_ou_ecrire_de(request), pk=int(choisi) if choisi.isdigit() else 0
    )
    envoi = request.FILES.get("fichier")
    if envoi is None:
        messages.error(
            request,
            "Aucun fichier reçu : choisissez le relevé (OFX, ou CSV avec son profil de "
            "colonnes) puis importez-le.",
        )
        return redirect("web:banque")
    profil = None
    if request.POST.get("profil"):
        profil = (
            _profils(Cabinet.objects.filter(pk=cabinet.pk))
            .filter(pk=request.POST["profil"])
            .first()
        )
        if profil is None:
            messages.error(
                request,
                f"Ce profil de colonnes n'est pas utilisable pour le cabinet {cabinet.nom} : "
                "choisissez un profil partagé ou un profil de ce cabinet.",
            )
            return redirect("web:banque")
    try:
        rapport = services.importer_releve(
            cabinet=cabinet,
            flux=envoi,
            nom=envoi.name or "releve",
            utilisateur=request.user,  # type: ignore[arg-type]
            profil=profil,
            compte=request.POST.get("compte", "").strip() or None,
        )
    except ReleveInvalide as exc:
        messages.error(
            request,
            f"{exc.message} Rien n'a été importé : corrigez le fichier ou exportez-le de "
            "nouveau depuis la banque, puis importez-le.",
        )
        return redirect("web:banque")
    except services.OperationBanqueRefusee as exc:
        messages.error(request, f"{exc} Rien n'a été importé.")
        return redirect("web:banque")
    r = rapport.releve
    if rapport.deja_importe:
        messages.info(
            request,
            f"Relevé « {r.nom_fichier} » déjà importé dans ce cabinet : rien n'a changé, voici "
            "le rapport du premier import.",
        )
    else:
        messages.success(
            request,
            f"Relevé « {r.nom_fichier} » importé dans {r.compte} : {r.lignes_lues} opération(s) "
            f"lue(s), {r.lignes_importees} importée(s), {r.lignes_deja_connues} déjà connue(s), "
            f"{r.lignes_refusees} refusée(s). Lancez le rapprochement automatique.",
        )
    return redirect("web:banque_releve", pk=r.pk)


@login_required
def releve(request: HttpRequest, pk: int) -> HttpResponse:
    r = get_object_or_404(releves_visibles(cabinets_de(request)).select_related("cabinet"), pk=pk)
    lignes = r.lignes.select_related("rapprochement").order_by("numero")
    return render(
        request,
        "web/banque/releve.html",
        {"releve": r, "lignes": lignes[:500], "nombre_lignes": lignes.count()},
    )


@login_required
@require_POST
def rapprocher(request: HttpRequest) -> HttpResponse:
    """The automatic matching, in each cabinet where the user writes."""
    ecriture = list(cabinets_ou_ecrire_de(request))
    if not ecriture:
        raise Http404("Aucun cabinet où vous pouvez écrire.")
    rapproches = a_decider = 0
    for cabinet in ecriture:
        rapport = services.rapprocher(cabinet=cabinet, utilisateur=request.user)  # type: ignore[arg-type]
        rapproches += len(rapport.rapproches)
        a_decider += len(rapport.a_decider)
    if rapproches:
        messages.success(
            request, f"{rapproches} virement(s) rapproché(s) automatiquement d'une ligne du relevé."
        )
    else:
        messages.info(
            request,
            "Aucun virement n'a pu être rapproché automatiquement : même montant, crédité de 0 "
            "à 5 jours après la date annoncée. Importez le relevé qui couvre ces dates, ou "
            "rapprochez à la main.",
        )
    if a_decider:
        messages.warning(
            request,
            f"{a_decider} virement(s) ont plusieurs lignes possibles : choisissez ci-dessous.",
        )
    return redirect("web:banque")


def _ligne_en_ecriture(request: HttpRequest, pk: int) -> LigneBancaire:
    return get_object_or_404(
        lignes_visibles(cabinets_ou_ecrire_de(request)).select_related("cabinet"), pk=pk
    )


def _apres(request: HttpRequest, ligne: LigneBancaire) -> HttpResponse:
    if _htmx(request):
        ligne.refresh_from_db()
        libres = _libres(Cabinet.objects.filter(pk=ligne.cabinet_id))
        return render(
            request,
            "web/banque/_credit.html",
            {
                "credit": ligne,
                "organisme": marque_organisme(ligne.libelle, []),
                "possibles": _possibles(ligne, libres.get(ligne.cabinet_id, [])),
                "ecrire": {ligne.cabinet_id},
                "cabinet_nom": ligne.cabinet.nom,
                "avec_messages": True,
            },
        )
    return redirect(reverse("web:banque") + "#inexpliques")


def _virement(valeur: str) -> tuple[str, str, date] | None:
    """(payeur, référence, date) from a choice of the form; None if it is not one."""
    try:
        payeur, reste = valeur.split("|", 1)
        reference, jour = reste.rsplit("|", 1)
        le = date.fromisoformat(jour)
    except ValueError:
        return None
    if payeur not in (Payeur.AMO.value, Payeur.AMC.value) or not reference:
        return None
    return payeur, reference, le


@login_required
@require_POST
def rapprocher_ligne(request: HttpRequest, pk: int) -> HttpResponse:
    ligne = _ligne_en_ecriture(request, pk)
    choisi = _virement(request.POST.get("virement", ""))
    if choisi is None:
        messages.error(
            request,
            f"Ligne du {ligne.date:%d/%m/%Y} ({format_euros(ligne.montant)}) non rapprochée : "
            "choisissez le virement annoncé auquel elle correspond.",
        )
        return _apres(request, ligne)
    payeur, reference, le = choisi
    try:
        fait = services.rapprocher_a_la_main(
            cabinet=ligne.cabinet,
            ligne=ligne,
            reference=reference,
            le=le,
            payeur=payeur,
            utilisateur=request.user,  # type: ignore[arg-type]
        )
    except services.OperationBanqueRefusee as exc:
        messages.error(request, f"Rapprochement refusé : {exc}")
        return _apres(request, ligne)
    ecart = ligne.montant - fait.montant
    suite = f" ; écart de {format_euros(ecart)} avec le montant annoncé" if ecart else ""
    messages.success(
        request,
        f"Ligne du {ligne.date:%d/%m/%Y} ({format_euros(ligne.montant)}) rapprochée du virement "
        f"« {reference} » du {le:%d/%m/%Y}{suite}.",
    )
    return _apres(request, ligne)


@login_required
@require_POST
def ignorer(request: HttpRequest, pk: int) -> HttpResponse:
    ligne = _ligne_en_ecriture(request, pk)
    raison = request.POST.get("raison", "").strip()
    try:
        services.ignorer(
            cabinet=ligne.cabinet,
            ligne=ligne,
            raison=raison,
            utilisateur=request.user,  # type: ignore[arg-type]
        )
    except services.OperationBanqueRefusee as exc:
        suite = " Écrivez pourquoi (virement d'un patient, remboursement…)." if not raison else ""
        messages.error(request, f"Ligne non ignorée : {exc}{suite}")
        return _apres(request, ligne)
    messages.success(
        request,
        f"Ligne du {ligne.date:%d/%m/%Y} ({format_euros(ligne.montant)}) mise de côté : {raison}",
    )
    return _apres(request, ligne)
