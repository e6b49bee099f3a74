"""Recyclages: the liste des recyclages (unbilled invoices waiting to be corrected and billed
again) and, per folder, the correction form that recycles the invoice under a new number
(`rejets.recyclage.services.recycler`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from rejets.cabinets.models import Cabinet
from rejets.cabinets.services import PlageEpuisee
from rejets.core import horloge
from rejets.domain.controles import Constat, Gravite
from rejets.domain.lifecycle import TransitionInterdite, TypePartie
from rejets.factures import prevention
from rejets.factures.models import Facture
from rejets.recyclage.selectors import DossierARecycler, liste_des_recyclages
from rejets.recyclage.services import Corrections, OperationRefusee, recycler
from rejets.referentiels.models import Organisme, TypeOrganisme
from rejets.web.perimetre import cabinets_de, cabinets_ou_ecrire_de

OUI_NON = [("", "inchangée"), ("oui", "oui"), ("non", "non")]


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class FormulaireCorrections(forms.Form):
    """The `Corrections` of a recycling, prefilled with the folder as it is: only the fields
    the user changes become corrections (an emptied field leaves the value as it is)."""

    nom = forms.CharField(label="Nom", required=False, max_length=100)
    prenom = forms.CharField(label="Prénom", required=False, max_length=100)
    date_naissance = _date("Date de naissance")
    nir = forms.CharField(label="NIR", required=False, max_length=21)
    rang = forms.IntegerField(label="Rang", required=False, min_value=1, max_value=9)
    regime = forms.CharField(label="Régime", required=False, max_length=2)
    caisse = forms.CharField(label="Caisse", required=False, max_length=3)
    centre = forms.CharField(label="Centre", required=False, max_length=4)
    nature_assurance = forms.CharField(label="Nature d'assurance", required=False, max_length=2)
    exoneration = forms.CharField(label="Exonération", required=False, max_length=1)
    taux_remboursement = forms.IntegerField(
        label="Taux AMO (%)", required=False, min_value=0, max_value=100
    )
    droits_debut = _date("Droits ouverts du")
    droits_fin = _date("au")
    amc = forms.CharField(label="Mutuelle (n° AMC)", required=False, max_length=12)
    sans_amc = forms.BooleanField(label="Refacturer sans la mutuelle", required=False)
    amc_debut = _date("Contrat de la mutuelle depuis le")
    prescripteur_nom = forms.CharField(label="Prescripteur", required=False, max_length=100)
    prescripteur_rpps = forms.CharField(label="RPPS du prescripteur", required=False, max_length=11)
    date_prescription = _date("Date de la prescription")
    a_domicile = forms.ChoiceField(label="Soins « à domicile »", required=False, choices=OUI_NON)
    forcer = forms.CharField(
        label="Passer outre les contrôles, parce que",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Seulement si un contrôle bloque à tort ; la raison reste dans l'historique.",
    )

    CHAMPS_DIRECTS = (
        "nom",
        "prenom",
        "date_naissance",
        "nir",
        "rang",
        "regime",
        "caisse",
        "centre",
        "nature_assurance",
        "exoneration",
        "taux_remboursement",
        "droits_debut",
        "droits_fin",
        "amc_debut",
        "prescripteur_nom",
        "prescripteur_rpps",
        "date_prescription",
    )

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        if donnees.get("sans_amc") and donnees.get("amc"):
            self.add_error(
                "amc", "Choisissez : une mutuelle à joindre, ou refacturer sans mutuelle."
            )
        if donnees.get("amc") and "amc" in self.changed_data:
            existe = Organisme.objects.filter(
                type=TypeOrganisme.MUTUELLE, code=donnees["amc"]
            ).exists()
            if not existe:
                self.add_error(
                    "amc",
                    f"Mutuelle n° AMC {donnees['amc']} inconnue : vérifiez le numéro sur "
                    "l'attestation, ou faites-la enregistrer dans les référentiels.",
                )
        return donnees

    def corrections(self) -> Corrections:
        d = self.cleaned_data
        valeurs: dict[str, Any] = {
            nom: d[nom]
            for nom in self.CHAMPS_DIRECTS
            if nom in self.changed_data and d.get(nom) not in (None, "")
        }
        if d.get("sans_amc"):
            valeurs["amc"] = ""
        elif "amc" in self.changed_data and d.get("amc"):
            valeurs["amc"] = d["amc"]
        if "a_domicile" in self.changed_data and d.get("a_domicile"):
            valeurs["a_domicile"] = d["a_domicile"] == "oui"
        return Corrections(**valeurs)


def _initial(facture: Facture) -> dict[str, Any]:
    p = facture.patient
    prescription = facture.prescription
    dre = facture.parties.filter(type=TypePartie.DRE).select_related("organisme").first()
    return {
        "nom": p.nom,
        "prenom": p.prenom,
        "date_naissance": p.date_naissance,
        "nir": p.nir,
        "rang": p.rang,
        "regime": p.regime,
        "caisse": p.caisse,
        "centre": p.centre,
        "nature_assurance": p.nature_assurance,
        "exoneration": p.exoneration,
        "taux_remboursement": p.taux_remboursement,
        "amc": dre.organisme.code if dre and dre.organisme else "",
        "prescripteur_nom": prescription.prescripteur_nom if prescription else "",
        "prescripteur_rpps": prescription.prescripteur_rpps if prescription else "",
        "date_prescription": prescription.date if prescription else None,
        "a_domicile": ("oui" if prescription.a_domicile else "non") if prescription else "",
    }


def _dossier(cabinets: QuerySet[Cabinet], pk: int) -> DossierARecycler:
    """The folder of an unbilled invoice of these cabinets, else 404."""
    cabinet_id = (
        Facture.objects.filter(cabinet__in=cabinets, pk=pk)
        .values_list("cabinet_id", flat=True)
        .first()
    )
    if cabinet_id is not None:
        for dossier in liste_des_recyclages(Cabinet.objects.filter(pk=cabinet_id)):
            if dossier.facture.pk == pk:
                return dossier
    raise Http404("Dossier à recycler introuvable.")


@login_required
def liste(request: HttpRequest) -> HttpResponse:
    dossiers = [
        (d, list(zip(d.rejets, d.analyses, strict=True)))
        for d in liste_des_recyclages(cabinets_de(request))
    ]
    ecrire = set(cabinets_ou_ecrire_de(request).values_list("pk", flat=True))
    return render(request, "web/recyclages/liste.html", {"dossiers": dossiers, "ecrire": ecrire})


@login_required
def dossier(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the folder and, for a cabinet where the user writes, the correction form.
    POST: recycle, then back to the list with the messages; a refusal shows the checks."""
    if request.method == "POST":
        d = _dossier(cabinets_ou_ecrire_de(request), pk)
    else:
        d = _dossier(cabinets_de(request), pk)
    facture = d.facture
    peut_ecrire = cabinets_ou_ecrire_de(request).filter(pk=facture.cabinet_id).exists()
    initial = _initial(facture)
    refus = ""
    constats: tuple[Constat, ...] = ()
    if request.method == "POST":
        form = FormulaireCorrections(request.POST, initial=initial)
        if form.is_valid():
            try:
                resultat = recycler(
                    facture=facture,
                    utilisateur=request.user,  # type: ignore[arg-type]
                    le=horloge.aujourd_hui(),
                    corrections=form.corrections(),
                    forcer=form.cleaned_data["forcer"],
                )
            except (OperationRefusee, TransitionInterdite, PlageEpuisee) as exc:
                refus = str(exc)
                constats = prevention.constats_de(exc)
            else:
                for texte in resultat.messages:
                    messages.success(request, texte)
                return redirect("web:recyclages")
    else:
        form = FormulaireCorrections(initial=initial)
    return render(
        request,
        "web/recyclages/dossier.html",
        {
            "dossier": d,
            "facture": facture,
            "actes": list(facture.actes.all()),
            "parties": list(facture.parties.select_related("organisme")),
            "rejets_analyses": list(zip(d.rejets, d.analyses, strict=True)),
            "form": form,
            "peut_ecrire": peut_ecrire,
            "refus": refus,
            "erreurs": [c for c in constats if c.gravite is Gravite.ERREUR],
            "avertissements": [c for c in constats if c.gravite is not Gravite.ERREUR],
        },
    )
