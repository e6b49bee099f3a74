"""Login in one or two steps, the account security page, the cabinet switcher, the audit page."""

from __future__ import annotations

import time
from base64 import b32encode
from typing import Any

import qrcode  # type: ignore[import-untyped]
import qrcode.image.svg  # type: ignore[import-untyped]
from axes.handlers.proxy import AxesProxyHandler  # type: ignore[import-untyped]
from axes.helpers import get_lockout_response  # type: ignore[import-untyped]
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, user_login_failed
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login  # type: ignore[import-untyped]
from django_otp.plugins.otp_totp.models import TOTPDevice  # type: ignore[import-untyped]

from rejets.cabinets.selectors import cabinets_visibles
from rejets.web.perimetre import CLE_SESSION

from . import selectors
from .forms import CodeForm, FiltreAuditForm
from .site_admin import est_administrateur

CLE_ATTENTE = "comptes_connexion_en_attente"
"""Session key of a login whose password was right and whose code is awaited."""
DELAI_CODE = 5 * 60
"""Seconds to type the code after the password."""
NOM_APPAREIL = "Application d'authentification"

CODE_FAUX = (
    "Code incorrect ou expiré. Saisissez le code à 6 chiffres affiché maintenant par votre "
    "application d'authentification."
)


# ------------------------------------------------------------------------------------ login


def a_double_authentification(utilisateur: Any) -> bool:
    """Whether the user has a confirmed TOTP device, so a code is asked after the password."""
    return TOTPDevice.objects.filter(user=utilisateur, confirmed=True).exists()


class Connexion(auth_views.LoginView):
    """Step one: identifier and password (checked after django-axes' lockout). A user with a
    confirmed TOTP device is not signed in yet: the code is asked on the next page."""

    form_class = AuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        utilisateur = form.get_user()
        if not a_double_authentification(utilisateur):
            return super().form_valid(form)
        self.request.session[CLE_ATTENTE] = {
            "id": utilisateur.pk,
            "backend": getattr(utilisateur, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
            "depuis": time.time(),
            "suite": self.get_redirect_url(),
        }
        return redirect("connexion_code")


def _verifier(appareil: TOTPDevice, code: str) -> tuple[bool, str]:
    """Check a code on one device; when it fails, the message to show."""
    permis, _ = appareil.verify_is_allowed()
    if not permis:
        return False, (
            "Trop de codes incorrects d'affilée : attendez quelques secondes, puis saisissez "
            "le code affiché à ce moment-là."
        )
    if appareil.verify_token(code):
        return True, ""
    return False, CODE_FAUX


def _abandonner_connexion(request: HttpRequest, message: str) -> HttpResponseRedirect:
    request.session.pop(CLE_ATTENTE, None)
    messages.warning(request, message)
    return redirect("connexion")


@sensitive_post_parameters("code")
@never_cache
def connexion_code(request: HttpRequest) -> HttpResponse:
    """Step two: the six-digit code. Every refused code counts as a failed login for the
    lockout, as a wrong password does."""
    attente = request.session.get(CLE_ATTENTE)
    if not attente:
        return redirect("connexion")
    if time.time() - float(attente.get("depuis", 0)) > DELAI_CODE:
        return _abandonner_connexion(
            request, "Le délai pour saisir le code est dépassé : reconnectez-vous."
        )
    utilisateur = get_user_model().objects.filter(pk=attente["id"], is_active=True).first()
    appareil = TOTPDevice.objects.filter(user=utilisateur, confirmed=True).first()
    if utilisateur is None or appareil is None:
        return _abandonner_connexion(request, "Reconnectez-vous avec votre mot de passe.")
    identifiants = {"username": utilisateur.get_username()}
    if not AxesProxyHandler.is_allowed(request, identifiants):
        request.session.pop(CLE_ATTENTE, None)
        return get_lockout_response(request, None, identifiants)

    form = CodeForm(request.POST or None)
    erreur = ""
    if request.method == "POST":
        if form.is_valid():
            bon, erreur = _verifier(appareil, form.cleaned_data["code"])
            if bon:
                request.session.pop(CLE_ATTENTE, None)
                auth_login(request, utilisateur, backend=attente["backend"])
                otp_login(request, appareil)
                return redirect(attente.get("suite") or resolve_url(settings.LOGIN_REDIRECT_URL))
        else:
            erreur = CODE_FAUX
        user_login_failed.send(sender=__name__, credentials=identifiants, request=request)
        if getattr(request, "axes_locked_out", False):
            request.session.pop(CLE_ATTENTE, None)
        form = CodeForm()
    return render(request, "registration/code.html", {"form": form, "erreur": erreur})


connexion = method_decorator(never_cache, name="dispatch")(Connexion).as_view()


# ------------------------------------------------------------------- account security (TOTP)


def _qr_svg(url: str) -> str:
    """The otpauth:// URL as an inline SVG QR code, drawn here (no outside service)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return str(image.to_string(encoding="unicode"))


def _cle_lisible(appareil: TOTPDevice) -> str:
    cle = b32encode(appareil.bin_key).decode().rstrip("=")
    return " ".join(cle[i : i + 4] for i in range(0, len(cle), 4))


@login_required
@sensitive_post_parameters("code")
@never_cache
def securite(request: HttpRequest) -> HttpResponse:
    """« Sécurité du compte »: turn the second factor on (scan, confirm with a code) or off
    (with a current code)."""
    utilisateur = request.user
    actif = TOTPDevice.objects.filter(user=utilisateur, confirmed=True).first()
    en_cours = (
        None if actif else TOTPDevice.objects.filter(user=utilisateur, confirmed=False).first()
    )
    form = CodeForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "preparer" and actif is None:
            TOTPDevice.objects.filter(user=utilisateur, confirmed=False).delete()
            TOTPDevice.objects.create(user=utilisateur, name=NOM_APPAREIL, confirmed=False)
            return redirect("comptes:securite")
        if action == "abandonner":
            TOTPDevice.objects.filter(user=utilisateur, confirmed=False).delete()
            messages.info(request, "Activation abandonnée : rien n'a changé.")
            return redirect("comptes:securite")
        if action in ("confirmer", "desactiver"):
            appareil = en_cours if action == "confirmer" else actif
            if appareil is None:
                return redirect("comptes:securite")
            form = CodeForm(request.POST)
            if form.is_valid():
                bon, erreur = _verifier(appareil, form.cleaned_data["code"])
                if bon and action == "confirmer":
                    appareil.confirmed = True
                    appareil.save(update_fields=["confirmed"])
                    otp_login(request, appareil)
                    messages.success(
                        request,
                        "Double authentification activée : le code vous sera demandé à chaque "
                        "connexion, après le mot de passe.",
                    )
                    return redirect("comptes:securite")
                if bon:
                    TOTPDevice.objects.filter(user=utilisateur).delete()
                    messages.success(
                        request,
                        "Double authentification désactivée : seul le mot de passe vous sera "
                        "demandé.",
                    )
                    return redirect("comptes:securite")
                form.add_error("code", erreur)
        else:
            return redirect("comptes:securite")

    contexte: dict[str, Any] = {"actif": actif, "en_cours": en_cours, "form": form}
    if en_cours is not None:
        contexte["qr_svg"] = _qr_svg(en_cours.config_url)
        contexte["cle"] = _cle_lisible(en_cours)
    return render(request, "comptes/securite.html", contexte)


# ------------------------------------------------------------------------- cabinet switcher


@login_required
@require_POST
def changer_cabinet(request: HttpRequest) -> HttpResponse:
    """Narrow the pages to one of the user's cabinets, or widen them to all. Any cabinet the
    user may not see answers 404."""
    choix = request.POST.get("cabinet", "").strip()
    if choix in ("", "tous"):
        request.session.pop(CLE_SESSION, None)
    else:
        try:
            pk = int(choix)
        except ValueError:
            raise Http404("Cabinet introuvable") from None
        if not cabinets_visibles(request.user).filter(pk=pk).exists():
            raise Http404("Cabinet introuvable")
        request.session[CLE_SESSION] = pk
    suite = request.POST.get("suite", "")
    if not (
        suite.startswith("/")
        and url_has_allowed_host_and_scheme(
            suite, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        suite = resolve_url(settings.LOGIN_REDIRECT_URL)
    return redirect(suite)


# ------------------------------------------------------------------------------- audit page

PAR_PAGE = 50
VUES = {
    "consultations": "Consultations",
    "modifications": "Modifications",
    "connexions": "Connexions",
}


@login_required
@never_cache
def audit(request: HttpRequest) -> HttpResponse:
    """The audit trail for platform administrators: consultations of health data, changes,
    logins. Read only; objects appear by type, id and invoice number, never by a patient's name
    or NIR."""
    if not est_administrateur(request.user):
        raise Http404("Page introuvable")
    vue = request.GET.get("vue", "consultations")
    if vue not in VUES:
        vue = "consultations"
    form = FiltreAuditForm(request.GET or None, cabinets=selectors.choix_des_cabinets())
    filtre = selectors.FiltreAudit()
    if form.is_valid():
        filtre = selectors.FiltreAudit(
            cabinet_id=form.cleaned_data["cabinet"],
            utilisateur=form.cleaned_data["utilisateur"].strip(),
            du=form.cleaned_data["du"],
            au=form.cleaned_data["au"],
        )
    if vue == "modifications":
        lignes: Any = selectors.modifications(filtre)
    elif vue == "connexions":
        lignes = selectors.connexions(filtre)
    else:
        lignes = selectors.consultations(filtre)
    page = Paginator(lignes, PAR_PAGE).get_page(request.GET.get("page"))
    parametres = request.GET.copy()
    parametres.pop("page", None)
    parametres_vue = parametres.copy()
    parametres_vue.pop("vue", None)
    return render(
        request,
        "comptes/audit.html",
        {
            "form": form,
            "vue": vue,
            "vues": VUES,
            "page": page,
            "lignes": selectors.presenter(vue, page.object_list),
            "parametres": parametres.urlencode(),
            "parametres_vue": parametres_vue.urlencode(),
        },
    )
