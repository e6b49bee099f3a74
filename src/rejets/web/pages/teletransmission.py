"""Télétransmission: the five queues of each cabinet (FSE/DRE à sécuriser, FSE/DRE à
transmettre, fichiers à transmettre) with the mode dégradé pieces (green or red square, the
paper copy to print); securing through the adapter, building and sending the lots, collecting
what came back; the prescription scan of an invoice and the practitioner's signature."""

from __future__ import annotations

import base64
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rejets.cabinets.models import Cabinet, Professionnel
from rejets.cabinets.services import enregistrer_signature
from rejets.core import horloge
from rejets.domain.lifecycle import Etat, TransitionInterdite
from rejets.factures.models import Facture
from rejets.factures.services import OperationRefusee
from rejets.formats.pdf import ImageSignatureRefusee
from rejets.transmission import lots, pieces
from rejets.transmission import services as transmission
from rejets.transmission.adaptateurs import AdaptateurIndisponible
from rejets.transmission.models import Mode, Securisation, StatutSecurisation, TypePiece
from rejets.transmission.selectors import FilesTransmission, files_de_transmission
from rejets.web.perimetre import cabinets_de, cabinets_ou_ecrire_de

TAILLE_MAX_SIGNATURE = 1024 * 1024
"""The signature image rule (rejets.formats.pdf.signature): 1 Mo at most."""


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _pieces_des_lignes(files: FilesTransmission) -> dict[int, pieces.EtatPieces]:
    """The pieces of every mode dégradé invoice in the queues, by invoice id."""
    etats = {p.facture.pk: p.pieces for p in files.pieces}
    a_transmettre = {t.partie.facture_id for t in files.fse_a_transmettre} | {
        t.partie.facture_id for t in files.dre_a_transmettre
    }
    degradees = Securisation.objects.filter(
        facture_id__in=a_transmettre - set(etats),
        mode=Mode.DEGRADE,
        statut=StatutSecurisation.ACCORDEE,
    ).select_related("facture")
    for s in degradees:
        etats[s.facture_id] = pieces.etat_des_pieces(s.facture)
    return etats


def _bloc(request: HttpRequest, cabinet: Cabinet, ecrire: bool) -> dict[str, Any]:
    files = files_de_transmission(cabinet, parmi=cabinets_de(request))
    etats = _pieces_des_lignes(files)
    return {
        "cabinet": cabinet,
        "files": files,
        "fse_a_transmettre": [(t, etats.get(t.partie.facture_id)) for t in files.fse_a_transmettre],
        "dre_a_transmettre": [(t, etats.get(t.partie.facture_id)) for t in files.dre_a_transmettre],
        "ecrire": ecrire,
        "professionnels": [(p, pieces.signature_de(p)) for p in cabinet.professionnels.all()],
    }


@login_required
def page(request: HttpRequest) -> HttpResponse:
    ecrire = set(cabinets_ou_ecrire_de(request).values_list("pk", flat=True))
    blocs = [_bloc(request, c, c.pk in ecrire) for c in cabinets_de(request)]
    return render(
        request,
        "web/teletransmission/page.html",
        {"blocs": blocs, "peut_collecter": bool(ecrire)},
    )


@login_required
def files(request: HttpRequest, cabinet_pk: int) -> HttpResponse:
    """The queues of one cabinet (the section htmx swaps after an action)."""
    cabinet = get_object_or_404(cabinets_de(request), pk=cabinet_pk)
    ecrire = cabinets_ou_ecrire_de(request).filter(pk=cabinet.pk).exists()
    return render(
        request,
        "web/teletransmission/_cabinet.html",
        {"bloc": _bloc(request, cabinet, ecrire), "avec_messages": True},
    )


def _apres_action(request: HttpRequest, cabinet: Cabinet) -> HttpResponse:
    if _htmx(request):
        return render(
            request,
            "web/teletransmission/_cabinet.html",
            {"bloc": _bloc(request, cabinet, True), "avec_messages": True},
        )
    return redirect(reverse("web:teletransmission") + f"#cabinet-{cabinet.pk}")


@login_required
@require_POST
def securiser(request: HttpRequest, cabinet_pk: int) -> HttpResponse:
    cabinet = get_object_or_404(cabinets_ou_ecrire_de(request), pk=cabinet_pk)
    degrade = bool(request.POST.get("degrade"))
    choisies = (
        Facture.objects.filter(cabinet=cabinet, parties__etat=Etat.PRETE)
        .exclude(securisations__statut=StatutSecurisation.DEMANDEE)
        .distinct()
    )
    if "toutes" not in request.POST:
        ids = {int(x) for x in request.POST.getlist("factures") if x.isdigit()}
        choisies = choisies.filter(pk__in=ids)
    a_securiser = list(choisies.select_related("professionnel").order_by("numero"))
    if not a_securiser:
        messages.error(
            request,
            "Aucune facture prête n'a été choisie : cochez les factures à sécuriser dans les "
            "files « FSE à sécuriser » ou « DRE à sécuriser », puis sécurisez-les.",
        )
    securisees, demandees = [], []
    for f in a_securiser:
        try:
            s = transmission.securiser(
                facture=f,
                utilisateur=request.user,  # type: ignore[arg-type]
                le=horloge.aujourd_hui(),
                mode=Mode.DEGRADE if degrade else Mode.VITALE,
            )
        except (OperationRefusee, TransitionInterdite, AdaptateurIndisponible) as exc:
            messages.error(request, str(exc))
            continue
        if s.statut == StatutSecurisation.ACCORDEE:
            securisees.append(f.numero)
        elif s.statut == StatutSecurisation.DEMANDEE:
            demandees.append(f.numero)
        else:
            messages.error(
                request,
                f"Facture {f.numero} : sécurisation refusée par le composant certifié "
                f"({s.motif}). Vérifiez la facture puis sécurisez-la de nouveau.",
            )
    if securisees:
        suite = (
            " en mode dégradé : la feuille de soins signée est jointe ; joignez la "
            "prescription numérisée avant de construire les lots"
            if degrade
            else ""
        )
        messages.success(
            request,
            f"{len(securisees)} facture(s) sécurisée(s){suite} : {', '.join(securisees)}.",
        )
    if demandees:
        messages.info(
            request,
            f"{len(demandees)} demande(s) de sécurisation remise(s) au composant certifié : "
            f"{', '.join(demandees)}. Chaque facture sera sécurisée à la lecture de son accusé "
            "(« Collecter les retours »).",
        )
    return _apres_action(request, cabinet)


@login_required
@require_POST
def construire(request: HttpRequest, cabinet_pk: int) -> HttpResponse:
    cabinet = get_object_or_404(cabinets_ou_ecrire_de(request), pk=cabinet_pk)
    try:
        rapport = lots.construire_lots(
            cabinet=cabinet,
            utilisateur=request.user,  # type: ignore[arg-type]
            le=horloge.aujourd_hui(),
        )
    except OperationRefusee as exc:
        messages.error(request, f"Aucun lot n'a été construit. {exc}")
        return _apres_action(request, cabinet)
    for lot in rapport.lots:
        messages.success(
            request,
            f"Lot {lot.type_partie.upper()} n° {lot.numero} construit pour {lot.organisme}.",
        )
    for lot_scor in rapport.lots_scor:
        messages.success(request, f"Lot de pièces SCOR n° {lot_scor.numero} construit.")
    if not rapport.lots and not rapport.lots_scor:
        messages.info(
            request,
            "Rien à mettre en lot : aucune facture sécurisée n'attend d'être transmise. "
            "Sécurisez d'abord les factures prêtes.",
        )
    for texte in rapport.avertissements:
        messages.warning(request, texte)
    for texte in rapport.refus:
        messages.error(request, f"Non mise en lot : {texte}")
    return _apres_action(request, cabinet)


@login_required
@require_POST
def envoyer(request: HttpRequest, cabinet_pk: int) -> HttpResponse:
    cabinet = get_object_or_404(cabinets_ou_ecrire_de(request), pk=cabinet_pk)
    try:
        rapport = lots.envoyer_lots(
            cabinet=cabinet,
            utilisateur=request.user,  # type: ignore[arg-type]
            le=horloge.aujourd_hui(),
        )
    except (OperationRefusee, AdaptateurIndisponible) as exc:
        messages.error(request, f"Envoi interrompu : {exc}")
        return _apres_action(request, cabinet)
    if not rapport.lots and not rapport.lots_scor:
        messages.info(
            request, "Aucun lot à envoyer : construisez d'abord les lots (« Construire les lots »)."
        )
    else:
        messages.success(
            request,
            f"{len(rapport.lots)} lot(s) envoyé(s) ({rapport.factures} partie(s) transmise(s)), "
            f"{len(rapport.lots_scor)} lot(s) de pièces SCOR.",
        )
    return _apres_action(request, cabinet)


@login_required
@require_POST
def collecter(request: HttpRequest) -> HttpResponse:
    """Read what came back (acknowledgements, ARL, returns), applied to the cabinets where the
    user writes; lines of other cabinets wait on their file."""
    perimetre = set(cabinets_ou_ecrire_de(request).values_list("pk", flat=True))
    if not perimetre:
        raise Http404("Aucun cabinet où vous pouvez écrire.")
    try:
        rapport = lots.collecter(
            utilisateur=request.user,  # type: ignore[arg-type]
            le=horloge.aujourd_hui(),
            perimetre=perimetre,
        )
    except AdaptateurIndisponible as exc:
        messages.error(request, f"Rien n'a été collecté. {exc}")
        return redirect("web:teletransmission")
    for texte in rapport.accuses:
        messages.success(request, texte)
    for r in rapport.retours:
        if r.refuse:
            messages.error(
                request,
                f"Fichier « {r.fichier} » refusé et mis en quarantaine : {r.motif}",
            )
        else:
            messages.success(
                request,
                f"Fichier « {r.fichier} » : {r.lues} ligne(s) lue(s), {r.appliquees} "
                f"appliquée(s), {r.non_rapprochees} non rapprochée(s), {r.refusees} "
                f"refusée(s), {r.en_attente_autres_cabinets} en attente d'un autre cabinet.",
            )
    for texte in rapport.refus:
        messages.error(request, f"Refusé : {texte}")
    if not (rapport.accuses or rapport.retours or rapport.refus):
        messages.info(request, "Rien de nouveau dans la boîte de réception.")
    return redirect("web:teletransmission")


@login_required
def copie_papier(request: HttpRequest, pk: int) -> FileResponse:
    """The care sheet and its bordereau to print and post to the caisse, for an invoice secured
    in mode dégradé."""
    facture = get_object_or_404(
        Facture.objects.filter(cabinet__in=cabinets_de(request)).select_related(
            "cabinet", "professionnel", "patient", "prescription"
        ),
        pk=pk,
    )
    if not pieces.etat_des_pieces(facture).degrade:
        raise Http404("Cette facture n'a pas été sécurisée en mode dégradé.")
    contenu = pieces.copie_papier(factures=[facture], le=horloge.aujourd_hui())
    return FileResponse(
        io.BytesIO(contenu),
        content_type="application/pdf",
        filename=f"copie-papier-{facture.numero}.pdf",
    )


@login_required
def pieces_facture(request: HttpRequest, pk: int) -> HttpResponse:
    """An invoice's digital pieces, and the upload of its scanned prescription."""
    cabinets = cabinets_ou_ecrire_de(request) if request.method == "POST" else cabinets_de(request)
    facture = get_object_or_404(
        Facture.objects.filter(cabinet__in=cabinets).select_related("cabinet", "professionnel"),
        pk=pk,
    )
    if request.method == "POST":
        fichier = request.FILES.get("fichier")
        if fichier is None:
            messages.error(
                request,
                "Aucun fichier reçu : choisissez la prescription numérisée (PDF, PNG ou JPEG, "
                "5 Mo au plus) puis joignez-la.",
            )
        elif (fichier.size or 0) > pieces.TAILLE_MAX_PIECE:
            messages.error(
                request,
                f"Pièce « {fichier.name} » refusée : {(fichier.size or 0) // 1024} Ko, plus que "
                "les 5 Mo acceptés. Numérisez-la de nouveau en plus basse résolution.",
            )
        else:
            try:
                pieces.attacher_piece(
                    facture=facture,
                    type=TypePiece.PRESCRIPTION,
                    octets=fichier.read(),
                    nom_fichier=fichier.name or "prescription",
                    utilisateur=request.user,  # type: ignore[arg-type]
                )
            except pieces.PieceRefusee as exc:
                messages.error(request, f"{exc} Joignez un PDF, un PNG ou un JPEG.")
            else:
                messages.success(
                    request, f"Prescription numérisée jointe à la facture {facture.numero}."
                )
        return redirect("web:teletransmission_pieces", pk=facture.pk)
    return render(
        request,
        "web/teletransmission/pieces.html",
        {
            "facture": facture,
            "pieces": list(facture.pieces.select_related("lot_scor", "ajoutee_par")),
            "etat": pieces.etat_des_pieces(facture),
            "peut_ecrire": cabinets_ou_ecrire_de(request).filter(pk=facture.cabinet_id).exists(),
            "taille_max_mo": pieces.TAILLE_MAX_PIECE // (1024 * 1024),
        },
    )


@login_required
def signature(request: HttpRequest, pk: int) -> HttpResponse:
    """The practitioner's digitised signature, which signs the mode dégradé care sheets."""
    cabinets = cabinets_ou_ecrire_de(request) if request.method == "POST" else cabinets_de(request)
    pro = get_object_or_404(
        Professionnel.objects.filter(cabinet__in=cabinets).select_related("cabinet"), pk=pk
    )
    if request.method == "POST":
        image = request.FILES.get("image")
        if image is None:
            messages.error(
                request,
                "Aucune image reçue : choisissez l'image de la signature (PNG ou JPEG, 1 Mo au "
                "plus) puis enregistrez-la.",
            )
        elif (image.size or 0) > TAILLE_MAX_SIGNATURE:
            messages.error(
                request,
                f"Image refusée : {(image.size or 0) // 1024} Ko, plus que le Mo accepté. "
                "Recadrez la signature ou réduisez sa résolution.",
            )
        else:
            try:
                enregistrer_signature(professionnel=pro, image=image.read())
            except ImageSignatureRefusee as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    f"Signature de {pro} enregistrée : elle signera les feuilles de soins du "
                    "mode dégradé.",
                )
        return redirect("web:teletransmission_signature", pk=pro.pk)
    actuelle = pieces.signature_de(pro)
    apercu = ""
    if actuelle is not None:
        type_mime = "image/png" if actuelle.format.upper() == "PNG" else "image/jpeg"
        apercu = f"data:{type_mime};base64,{base64.b64encode(bytes(actuelle.image)).decode()}"
    return render(
        request,
        "web/teletransmission/signature.html",
        {
            "pro": pro,
            "signature": actuelle,
            "apercu": apercu,
            "peut_ecrire": cabinets_ou_ecrire_de(request).filter(pk=pro.cabinet_id).exists(),
        },
    )
