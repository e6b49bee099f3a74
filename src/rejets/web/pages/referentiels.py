"""Référentiels: the shared reference data. The library of rejection codes and the codes « à
qualifier » (qualified by the platform's administrators only), the NGAP tariffs in force, and
the organismes with the Table des Organismes Destinataires (imported by an administrator)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rejets.core import horloge
from rejets.domain.classement import ACTIONS_DE_QUALIFICATION, Famille
from rejets.domain.tarifs import CatalogueInvalide, Parametre, Tarif
from rejets.factures.prevention import catalogue_en_vigueur
from rejets.formats.tod import FichierTodInvalide
from rejets.referentiels import codes
from rejets.referentiels.models import (
    CatalogueImporte,
    CodeRejet,
    Organisme,
    OrganismeDestinataire,
)
from rejets.referentiels.tod import importer_tod

LIMITE_TOD = 300
REFUS_MONTRES = 30
REFUS_NON_ADMINISTRATEUR = (
    "Seuls les administrateurs de la plateforme modifient les référentiels partagés : vous "
    "pouvez les consulter. Demandez à un administrateur."
)


class FormulaireQualification(forms.Form):
    code = forms.CharField(label="Code", max_length=codes.LONGUEUR_CODE)
    libelle_reference = forms.CharField(
        label="Libellé de référence",
        required=False,
        max_length=codes.LONGUEUR_LIBELLE,
        help_text="Seulement pour un code jamais reçu dans un rejet.",
    )
    famille = forms.ChoiceField(label="Famille", choices=[(f.value, f.libelle) for f in Famille])
    explication = forms.CharField(
        label="Ce que le code veut dire", widget=forms.Textarea(attrs={"rows": 2})
    )
    correction = forms.CharField(
        label="Correction à faire", widget=forms.Textarea(attrs={"rows": 2})
    )
    action = forms.ChoiceField(
        label="Action suivante", choices=[(a.value, a.libelle) for a in ACTIONS_DE_QUALIFICATION]
    )
    refacturable = forms.ChoiceField(
        label="Refacturation permise",
        choices=[("oui", "oui"), ("non", "non")],
        widget=forms.RadioSelect,
    )


def _initial(code: str) -> dict[str, Any]:
    """The form prefilled with the code's qualification, else the suggestion drawn from the
    label it was received with."""
    initial: dict[str, Any] = {"code": code}
    existant = CodeRejet.objects.filter(code=code).first()
    if existant is not None and existant.famille:
        return {
            **initial,
            "famille": existant.famille,
            "explication": existant.explication,
            "correction": existant.correction,
            "action": existant.action,
            "refacturable": "oui" if existant.refacturable else "non",
        }
    recu = next((c for c in codes.codes_a_qualifier() if c.code == code), None)
    if recu is not None and recu.suggestion is not None:
        q = recu.suggestion.qualification
        initial.update(
            famille=q.famille.value,
            explication=q.explication,
            correction=q.correction,
            action=q.action.value,
            refacturable="oui" if q.refacturable else "non",
        )
    return initial


def _refus(request: HttpRequest) -> HttpResponse:
    return render(
        request, "web/referentiels/refus.html", {"refus": REFUS_NON_ADMINISTRATEUR}, status=403
    )


@login_required
def codes_de_rejet(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/referentiels/codes.html",
        {
            "a_qualifier": codes.codes_a_qualifier(),
            "bibliotheque": codes.codes_de_la_bibliotheque(),
            "administrateur": request.user.is_staff,
        },
    )


@login_required
def qualifier(request: HttpRequest) -> HttpResponse:
    """GET: the qualification form of a code (`?code=`), prefilled. POST: qualify it through
    `codes.qualifier`. Administrators of the platform only; the others read the library."""
    if not request.user.is_staff:
        return _refus(request)
    refus = ""
    if request.method == "POST":
        form = FormulaireQualification(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                qualifie = codes.qualifier(
                    code=d["code"],
                    famille=d["famille"],
                    explication=d["explication"],
                    correction=d["correction"],
                    action=d["action"],
                    refacturable=d["refacturable"] == "oui",
                    utilisateur=request.user,
                    libelle_reference=d["libelle_reference"],
                )
            except codes.QualificationRefusee as exc:
                refus = str(exc)
            else:
                messages.success(
                    request,
                    f"Code {qualifie.code} « {qualifie.libelle_reference} » qualifié : "
                    f"{Famille(qualifie.famille).libelle} ; action suivante : "
                    f"{qualifie.get_action_display()}.",
                )
                return redirect("web:referentiels")
    else:
        code = request.GET.get("code", "").strip()[: codes.LONGUEUR_CODE]
        form = FormulaireQualification(initial=_initial(code))
    return render(request, "web/referentiels/qualifier.html", {"form": form, "refus": refus})


@login_required
def tarifs(request: HttpRequest) -> HttpResponse:
    """The NGAP values in force on a day (today by default), read from the catalogue."""
    le = horloge.aujourd_hui()
    if request.GET.get("le"):
        try:
            le = date.fromisoformat(request.GET["le"])
        except ValueError:
            messages.error(
                request,
                f"Date « {request.GET['le']} » illisible : choisissez un jour dans le "
                "calendrier. Voici les tarifs en vigueur aujourd'hui.",
            )
    en_vigueur: list[Tarif] = []
    parametres: list[Parametre] = []
    erreur = ""
    try:
        catalogue = catalogue_en_vigueur()
    except CatalogueInvalide as exc:
        erreur = str(exc)
    else:
        en_vigueur = [t for t in catalogue.tarifs if t.couvre(le)]
        parametres = [p for p in catalogue.parametres if p.couvre(le)]
    return render(
        request,
        "web/referentiels/tarifs.html",
        {
            "le": le,
            "tarifs": en_vigueur,
            "parametres": parametres,
            "erreur": erreur,
            "importes": CatalogueImporte.objects.select_related("importe_par").order_by("-pk"),
        },
    )


@login_required
def organismes(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    tod = OrganismeDestinataire.objects.all()
    if q:
        tod = tod.filter(
            Q(libelle__icontains=q)
            | Q(regime=q)
            | Q(caisse=q)
            | Q(centre=q)
            | Q(organisme_destinataire__startswith=q)
        )
    return render(
        request,
        "web/referentiels/organismes.html",
        {
            "q": q,
            "tod": tod[:LIMITE_TOD],
            "nombre_tod": tod.count(),
            "limite": LIMITE_TOD,
            "organismes": Organisme.objects.order_by("type", "libelle"),
            "administrateur": request.user.is_staff,
        },
    )


@login_required
@require_POST
def importer_la_tod(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        return _refus(request)
    envoi = request.FILES.get("fichier")
    if envoi is None:
        messages.error(
            request,
            "Aucun fichier reçu : choisissez la TOD au format CSV puis importez-la. La table en "
            "place est conservée.",
        )
        return redirect("web:referentiels_organismes")
    try:
        r = importer_tod(flux=envoi, nom_fichier=envoi.name or "TOD.csv")
    except FichierTodInvalide as exc:
        messages.error(
            request,
            f"{exc.message}. Rien n'a été importé : la table en place est conservée. Corrigez le "
            "fichier (ou enregistrez-le en UTF-8) puis importez-le de nouveau.",
        )
        return redirect("web:referentiels_organismes")
    messages.success(
        request,
        f"Table des organismes destinataires « {r.nom_fichier} » importée (séparateur "
        f"« {r.separateur} », encodage {r.encodage}) : {r.lues} ligne(s) lue(s), {r.importees} "
        f"importée(s), {len(r.refusees)} refusée(s). Elle remplace la table précédente "
        f"({r.remplacees} entrée(s)).",
    )
    for refusee in r.refusees[:REFUS_MONTRES]:
        messages.warning(request, f"Ligne refusée — {refusee.message}")
    if len(r.refusees) > REFUS_MONTRES:
        messages.warning(
            request, f"… et {len(r.refusees) - REFUS_MONTRES} autre(s) ligne(s) refusée(s)."
        )
    return redirect("web:referentiels_organismes")
