"""Relances: the tracked actions (what waits on someone else) with their due dates, status and
answers; a new relance (to a mutuelle, a patient reminder, a Vitale card update); the letters
and email drafts they produced, downloaded through the action of a visible cabinet."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from rejets.cabinets.models import Cabinet
from rejets.core import horloge
from rejets.domain.lifecycle import TransitionInterdite
from rejets.factures.models import Facture
from rejets.factures.services import OperationRefusee
from rejets.recyclage.documents import chemin_document
from rejets.recyclage.models import Action, TypeAction
from rejets.recyclage.selectors import actions_visibles
from rejets.recyclage.services import repondre
from rejets.suivi.relances import TYPES_DE_RELANCE, relancer
from rejets.web.perimetre import cabinets_de, cabinets_ou_ecrire_de

LIMITE = 300
TYPES_DE_FICHIER = {".pdf": "application/pdf", ".eml": "message/rfc822"}


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


class FormulaireRelance(forms.Form):
    cabinet = forms.ModelChoiceField(
        label="Cabinet",
        queryset=Cabinet.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choisissez un de vos cabinets."},
    )
    numero = forms.CharField(label="N° de facture", max_length=9)
    type = forms.ChoiceField(
        label="Relance",
        choices=[(t.value, t.label) for t in TYPES_DE_RELANCE],
    )
    message = forms.CharField(
        label="Message",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Facultatif : sans message, la lettre type de la relance.",
    )

    def __init__(self, *args: Any, cabinets: QuerySet[Cabinet], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["cabinet"]).queryset = cabinets

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        cabinet, numero = donnees.get("cabinet"), str(donnees.get("numero") or "").strip()
        if cabinet is not None and numero:
            trouvees = list(
                Facture.objects.filter(cabinet=cabinet, numero=numero.zfill(9))
                .select_related("professionnel")
                .order_by("pk")[:2]
            )
            if not trouvees:
                self.add_error(
                    "numero",
                    f"Aucune facture n° {numero} dans ce cabinet : vérifiez le numéro dans la "
                    "liste des factures.",
                )
            elif len(trouvees) > 1:
                self.add_error(
                    "numero",
                    f"Plusieurs factures portent le n° {numero} dans ce cabinet "
                    f"({', '.join(str(f.professionnel) for f in trouvees)}) : relancez-la "
                    "depuis sa fiche.",
                )
            else:
                donnees["facture"] = trouvees[0]
        return donnees


@login_required
def page(request: HttpRequest, form: FormulaireRelance | None = None) -> HttpResponse:
    toutes = request.GET.get("toutes") == "1"
    ecriture = cabinets_ou_ecrire_de(request)
    actions = actions_visibles(cabinets_de(request), ouvertes=not toutes)
    return render(
        request,
        "web/relances/page.html",
        {
            "actions": actions.select_related("cabinet")[:LIMITE],
            "nombre": actions.count(),
            "toutes": toutes,
            "aujourd_hui": horloge.aujourd_hui(),
            "ecrire": set(ecriture.values_list("pk", flat=True)),
            "form": form or FormulaireRelance(cabinets=ecriture),
            "limite": LIMITE,
        },
    )


@login_required
@require_POST
def nouvelle(request: HttpRequest) -> HttpResponse:
    ecriture = cabinets_ou_ecrire_de(request)
    choisi = request.POST.get("cabinet", "")
    if not choisi.isdigit() or not ecriture.filter(pk=int(choisi)).exists():
        raise Http404("Cabinet introuvable parmi ceux où vous pouvez écrire.")
    form = FormulaireRelance(request.POST, cabinets=ecriture)
    if not form.is_valid():
        messages.error(request, "Relance non créée : corrigez le formulaire ci-dessous.")
        return page(request, form=form)
    facture = form.cleaned_data["facture"]
    try:
        action = relancer(
            facture=facture,
            type=TypeAction(form.cleaned_data["type"]),
            utilisateur=request.user,  # type: ignore[arg-type]
            le=horloge.aujourd_hui(),
            message=form.cleaned_data["message"],
        )
    except (OperationRefusee, TransitionInterdite) as exc:
        messages.error(request, f"Relance non créée : {exc}")
        return page(request, form=form)
    suite = " et son brouillon de courriel (.eml)" if action.details.get("courriel") else ""
    messages.success(
        request,
        f"{action.get_type_display()} de la facture {facture.numero} créée, échéance le "
        f"{action.echeance:%d/%m/%Y} : téléchargez la lettre (PDF){suite} dans la liste.",
    )
    return redirect("web:relances")


def _action(request: HttpRequest, pk: int, *, ecriture: bool = False) -> Action:
    cabinets = cabinets_ou_ecrire_de(request) if ecriture else cabinets_de(request)
    return get_object_or_404(
        actions_visibles(cabinets, ouvertes=False).select_related("cabinet"), pk=pk
    )


def _rendre_ligne(request: HttpRequest, action: Action, avec_messages: bool) -> HttpResponse:
    return render(
        request,
        "web/relances/_action.html",
        {
            "action": action,
            "aujourd_hui": horloge.aujourd_hui(),
            "ecrire": set(
                cabinets_ou_ecrire_de(request)
                .filter(pk=action.cabinet_id)
                .values_list("pk", flat=True)
            ),
            "avec_messages": avec_messages,
        },
    )


@login_required
def ligne(request: HttpRequest, pk: int) -> HttpResponse:
    """One action's row (refreshed by htmx)."""
    return _rendre_ligne(request, _action(request, pk), avec_messages=False)


@login_required
@require_POST
def repondre_action(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk, ecriture=True)
    reponse = request.POST.get("reponse", "").strip()
    if not reponse:
        messages.error(
            request,
            "Réponse non enregistrée : écrivez ce qui a été répondu (ou fait) avant de "
            "l'enregistrer.",
        )
    else:
        terminee = not request.POST.get("en_cours")
        action = repondre(
            action=action,
            utilisateur=request.user,  # type: ignore[arg-type]
            reponse=reponse,
            terminee=terminee,
        )
        etat = "terminée" if terminee else "toujours ouverte"
        messages.success(
            request,
            f"Réponse enregistrée pour la facture {action.facture.numero} ; l'action est {etat}.",
        )
    if _htmx(request):
        action = _action(request, pk)
        return _rendre_ligne(request, action, avec_messages=True)
    return redirect("web:relances")


def _fichier(action: Action, relatif: str) -> Path:
    """The file of an action, only if it lies in its cabinet's documents folder."""
    if not relatif:
        raise Http404("Aucun document pour cette action.")
    racine = Path(settings.REJETS_FICHIERS_DIR).resolve()
    dossier = racine / "documents" / str(action.cabinet_id)
    chemin = chemin_document(relatif).resolve()
    if not chemin.is_relative_to(dossier) or not chemin.is_file():
        raise Http404("Document introuvable.")
    if chemin.suffix.lower() not in TYPES_DE_FICHIER:
        raise Http404("Document introuvable.")
    return chemin


def _telecharger(action: Action, relatif: str) -> FileResponse:
    chemin = _fichier(action, relatif)
    suffixe = chemin.suffix.lower()
    return FileResponse(
        chemin.open("rb"),
        as_attachment=True,
        filename=f"action-{action.pk}-facture-{action.facture.numero}{suffixe}",
        content_type=TYPES_DE_FICHIER[suffixe],
    )


@login_required
def document(request: HttpRequest, pk: int) -> FileResponse:
    """The document the action produced (a letter in PDF, or the cancellation email draft)."""
    action = _action(request, pk)
    return _telecharger(action, action.document)


@login_required
def courriel(request: HttpRequest, pk: int) -> FileResponse:
    """The email draft (.eml) of a relance to a mutuelle."""
    action = _action(request, pk)
    relatif = action.details.get("courriel") if isinstance(action.details, dict) else None
    return _telecharger(action, relatif if isinstance(relatif, str) else "")
