"""Securing an invoice through the transmission adapter, and the component's acknowledgements.

Only this module moves an invoice to sécurisée (`factures.services.enregistrer_securisation`),
and only from prête (after the pre-send checks of `factures.services.preparer`). Securing
freezes the content: its digest is kept, and a content changed between the request and the
answer is refused (DOMAIN.md section 2)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction

from rejets.domain.lifecycle import Etat
from rejets.domain.scellement import empreinte
from rejets.factures import services as factures
from rejets.factures.models import Facture

from .adaptateurs import DISPOSITION_ACCUSE, Adaptateur, Reponse, adaptateur_configure
from .contenu import contenu_securise
from .models import Mode, Securisation, StatutSecurisation


class SecurisationRefusee(factures.OperationRefusee):
    """The invoice cannot be secured now; the message says why, in French."""


class AccuseInvalide(Exception):
    """An acknowledgement file that cannot be read or matches no request."""


def _verifier_prete(facture: Facture) -> None:
    etats = factures.etats_parties(facture)
    if Etat.PRETE not in etats.values():
        etat = Etat(facture.etat).libelle.lower()
        raise SecurisationRefusee(
            f"Facture {facture.numero} : seule une facture prête se sécurise ; elle est {etat}. "
            "Préparez-la d'abord (rejets factures preparer)."
        )


@transaction.atomic
def securiser(
    *,
    facture: Facture,
    utilisateur: User,
    le: date,
    mode: str = Mode.VITALE,
    adaptateur: Adaptateur | None = None,
) -> Securisation:
    """Ask the adapter to secure a prête invoice. The simulator answers at once; a certified
    component answers with a file, read by `collecter` (`enregistrer_accuse`)."""
    facture = Facture.objects.select_for_update().get(pk=facture.pk)
    _verifier_prete(facture)
    en_cours = facture.securisations.filter(statut=StatutSecurisation.DEMANDEE).first()
    if en_cours is not None:
        raise SecurisationRefusee(
            f"Facture {facture.numero} : sécurisation déjà demandée le "
            f"{en_cours.demandee_le:%d/%m/%Y}, en attente de l'accusé du composant certifié."
        )
    mode = Mode(mode)
    if mode is Mode.DEGRADE:
        from .pieces import exiger_signature

        exiger_signature(facture.professionnel)
    adaptateur = adaptateur or adaptateur_configure()
    contenu = contenu_securise(facture, mode=mode.value)
    digest = empreinte(contenu)
    securisation = Securisation.objects.create(
        cabinet_id=facture.cabinet_id,
        facture=facture,
        mode=mode,
        empreinte=digest,
        adaptateur=adaptateur.nom,
        demandee_le=le,
    )
    reponse = adaptateur.demander_securisation(
        numero_ps=facture.professionnel.numero_am,
        numero_facture=facture.numero,
        contenu=contenu,
        empreinte=digest,
    )
    if reponse is not None:
        _repondre(securisation, reponse, utilisateur, le, facture=facture)
    return securisation


def _repondre(
    s: Securisation,
    reponse: Reponse,
    utilisateur: User,
    le: date,
    facture: Facture | None = None,
) -> None:
    """Record the component's answer. An answer that comes later (a file) is checked against
    the content as it is now; `facture` is given when the answer comes at once, within the
    transaction that holds the invoice's row lock, so its content cannot have changed."""
    s.repondue_le = le
    if facture is None:
        facture = Facture.objects.select_for_update().get(pk=s.facture_id)
        actuelle = empreinte(contenu_securise(facture, mode=s.mode))
    else:
        actuelle = s.empreinte
    if reponse.accordee and actuelle != s.empreinte:
        reponse = Reponse(
            accordee=False,
            motif="le contenu de la facture a changé depuis la demande de sécurisation",
        )
    if not reponse.accordee:
        s.statut = StatutSecurisation.REFUSEE
        s.motif = reponse.motif or "refus sans motif du composant certifié"
        s.save(update_fields=["statut", "motif", "repondue_le"])
        return
    factures.enregistrer_securisation(
        facture=facture,
        utilisateur=utilisateur,
        le=le,
        empreinte=s.empreinte,
        mode=s.mode,
        adaptateur=s.adaptateur,
    )
    s.statut = StatutSecurisation.ACCORDEE
    s.save(update_fields=["statut", "repondue_le"])
    if s.mode == Mode.DEGRADE:
        from .pieces import produire_feuille_de_soins

        produire_feuille_de_soins(facture=facture, utilisateur=utilisateur, le=le)


def _lire_accuse(chemin: Path) -> dict[str, str]:
    try:
        donnees = json.loads(chemin.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AccuseInvalide(
            f"Accusé « {chemin.name} » illisible : ce n'est pas du JSON UTF-8."
        ) from exc
    if not isinstance(donnees, dict) or donnees.get("disposition") != DISPOSITION_ACCUSE:
        raise AccuseInvalide(
            f"Accusé « {chemin.name} » : le champ disposition doit valoir {DISPOSITION_ACCUSE}."
        )
    manquants = [
        c
        for c in ("numero_ps", "numero_facture", "empreinte", "statut", "date")
        if not isinstance(donnees.get(c), str) or not donnees[c]
    ]
    if manquants:
        raise AccuseInvalide(
            f"Accusé « {chemin.name} » : champ(s) manquant(s) {', '.join(manquants)}."
        )
    if donnees["statut"] not in ("securisee", "refusee"):
        raise AccuseInvalide(
            f"Accusé « {chemin.name} » : statut « {donnees['statut']} » inconnu "
            "(attendu : securisee ou refusee)."
        )
    try:
        date.fromisoformat(donnees["date"])
    except ValueError as exc:
        raise AccuseInvalide(
            f"Accusé « {chemin.name} » : date « {donnees['date']} » invalide (AAAA-MM-JJ)."
        ) from exc
    return donnees


@transaction.atomic
def enregistrer_accuse(*, chemin: Path, utilisateur: User, perimetre: set[int] | None) -> str:
    """Apply an acknowledgement of the certified component (docs/transmission.md); return what
    happened, in French. An acknowledgement for a cabinet outside `perimetre` is left alone."""
    accuse = _lire_accuse(chemin)
    s = (
        Securisation.objects.select_related("facture")
        .filter(
            facture__professionnel__numero_am=accuse["numero_ps"],
            facture__numero=accuse["numero_facture"],
            statut=StatutSecurisation.DEMANDEE,
        )
        .first()
    )
    if s is None:
        raise AccuseInvalide(
            f"Accusé « {chemin.name} » : aucune demande de sécurisation en attente pour la "
            f"facture {accuse['numero_facture']} du professionnel {accuse['numero_ps']}."
        )
    if perimetre is not None and s.cabinet_id not in perimetre:
        raise AccuseInvalide(
            f"Accusé « {chemin.name} » : facture d'un cabinet hors de votre accès."
        )
    if accuse["empreinte"] != s.empreinte:
        raise AccuseInvalide(
            f"Accusé « {chemin.name} » : l'empreinte ne correspond pas à la demande de la facture "
            f"{accuse['numero_facture']}."
        )
    le = date.fromisoformat(accuse["date"])
    _repondre(s, Reponse(accuse["statut"] == "securisee", accuse.get("motif", "")), utilisateur, le)
    s.refresh_from_db()
    if s.statut == StatutSecurisation.ACCORDEE:
        return f"Facture {accuse['numero_facture']} sécurisée."
    return f"Facture {accuse['numero_facture']} : sécurisation refusée ({s.motif})."
