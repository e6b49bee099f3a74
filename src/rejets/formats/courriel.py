"""Brouillons de courriels à la caisse (.eml) : demande d'annulation, réclamation.

- Facture transmise avec une erreur de saisie : demander à la caisse, **le jour même**, de
  l'annuler, par un courriel titré « URGENT / ANNULATION DE FACTURE » portant le numéro
  d'identification du professionnel, le numéro de lot et le numéro de facture (DOMAIN.md §3).
- Contester un paiement, ou une facture restée sans réponse : une réclamation, jamais une
  nouvelle facture ; le PDF de la réclamation est joint (DOMAIN.md §3).

Règles du projet :

* l'objet ne porte que des identifiants (PS, lot, facture) : jamais le nom ni le NIR du
  patient. Un identifiant doit être un code court (lettres, chiffres, ``-``, ``_``, ``/``,
  20 caractères au plus) et l'objet ne doit contenir aucune suite de 13 chiffres ou plus
  (l'allure d'un NIR), sinon ``CourrielRefuse`` ;
* le corps, qui va à la caisse, peut nommer le bénéficiaire ;
* brouillon : en-tête ``X-Unsent: 1``, le logiciel de messagerie l'ouvre prêt à envoyer ;
  un destinataire vide laisse ``To:`` à compléter par l'utilisateur ;
* reproductible : la date est donnée (jamais l'horloge), le Message-ID et la frontière MIME
  sont tirés des données ; mêmes données -> mêmes octets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from rejets.formats.pdf.feuille import PraticienPdf
from rejets.formats.pdf.mise_en_page import date_fr, nir_fr
from rejets.formats.pdf.reclamation import ReclamationPdf, reclamation

__all__ = [
    "CourrielRefuse",
    "DemandeAnnulation",
    "PieceJointe",
    "ReclamationCourriel",
    "demande_annulation",
    "nom_fichier_reclamation",
    "objet_annulation",
    "objet_reclamation",
    "reclamation_courriel",
    "verifier_objet",
]

DOMAINE_MESSAGE_ID = "rejets.invalid"
"""Domaine réservé (RFC 2606) : un Message-ID de brouillon ne désigne aucun serveur."""

POLITIQUE = policy.SMTP
"""Lignes en CRLF, en-têtes non ASCII encodés (RFC 2047) : le .eml s'ouvre partout."""

_IDENTIFIANT = re.compile(r"[0-9A-Za-z][0-9A-Za-z_/-]{0,19}")
_ALLURE_NIR = re.compile(r"[0-9](?:[\s.\-]?[0-9AaBb]){12,}")
"""13 chiffres ou plus, séparés ou non par une espace, un point ou un tiret (2A/2B compris)."""


class CourrielRefuse(ValueError):
    """Courriel qui ne peut pas être construit ; message en français."""


@dataclass(frozen=True)
class PieceJointe:
    """Pièce jointe à un courriel : nom de fichier, contenu, type MIME."""

    nom_fichier: str
    contenu: bytes
    type_mime: str = "application/pdf"


@dataclass(frozen=True)
class DemandeAnnulation:
    """Demande d'annulation d'une facture transmise avec une erreur de saisie.

    ``expediteur`` : adresse électronique du cabinet (From) ; ``destinataire`` : celle de la
    caisse, vide pour la laisser à compléter. ``date`` : date et heure du brouillon, avec
    fuseau horaire. ``beneficiaire`` et ``nir`` ne vont que dans le corps, jamais dans l'objet.
    """

    praticien: PraticienPdf
    expediteur: str
    destinataire: str
    numero_lot: str
    date_envoi: dt.date
    numero_facture: str
    date_soins: dt.date
    motif: str
    date: dt.datetime
    organisme: str | None = None
    beneficiaire: str | None = None
    nir: str | None = None


@dataclass(frozen=True)
class ReclamationCourriel:
    """Envoi d'une réclamation par courriel : le PDF de ``reclamation`` joint, puis ``pieces``.

    ``expediteur``, ``destinataire`` et ``date`` comme pour ``DemandeAnnulation``.
    """

    reclamation: ReclamationPdf
    expediteur: str
    destinataire: str
    date: dt.datetime
    pieces: Sequence[PieceJointe] = ()


# --- Contrôles ---


def _identifiant(libelle: str, valeur: str) -> str:
    valeur = valeur.strip()
    if not _IDENTIFIANT.fullmatch(valeur):
        raise CourrielRefuse(
            f"Objet du courriel : {libelle} « {valeur} » n'est pas un identifiant "
            "(lettres, chiffres, - _ /, 20 caractères au plus)."
        )
    return valeur


def verifier_objet(objet: str) -> str:
    """Refuse un objet qui contient une suite de 13 chiffres ou plus (l'allure d'un NIR)."""
    if _ALLURE_NIR.search(objet):
        raise CourrielRefuse(
            "Objet du courriel refusé : il contient une suite de 13 chiffres ou plus, "
            "l'allure d'un NIR ; l'objet ne porte jamais le NIR du patient."
        )
    return objet


def _adresse(libelle: str, valeur: str, nom: str = "") -> Address:
    try:
        adresse = Address(display_name=nom, addr_spec=valeur.strip())
    except (ValueError, IndexError, HeaderParseError) as erreur:
        raise CourrielRefuse(f"{libelle} : adresse électronique invalide « {valeur} ».") from erreur
    if not adresse.username or not adresse.domain:
        raise CourrielRefuse(f"{libelle} : adresse électronique invalide « {valeur} ».")
    return adresse


def _date_avec_fuseau(date: dt.datetime) -> dt.datetime:
    if date.tzinfo is None or date.utcoffset() is None:
        raise CourrielRefuse("Date du courriel : il faut une date avec fuseau horaire.")
    return date


# --- Objets ---


def objet_annulation(numero_am: str, numero_lot: str, numero_facture: str) -> str:
    """« URGENT / ANNULATION DE FACTURE — PS … — lot … — facture … » (DOMAIN.md §3)."""
    return verifier_objet(
        "URGENT / ANNULATION DE FACTURE"
        f" — PS {_identifiant('le n° de facturation AM', numero_am)}"
        f" — lot {_identifiant('le n° de lot', numero_lot)}"
        f" — facture {_identifiant('le n° de facture', numero_facture)}"
    )


def objet_reclamation(numero_am: str, numero_facture: str) -> str:
    """« RÉCLAMATION PAIEMENT — PS … — facture … »."""
    return verifier_objet(
        "RÉCLAMATION PAIEMENT"
        f" — PS {_identifiant('le n° de facturation AM', numero_am)}"
        f" — facture {_identifiant('le n° de facture', numero_facture)}"
    )


# --- Message ---


def _nom_praticien(p: PraticienPdf) -> str:
    return f"{p.prenom} {p.nom}".strip()


def _signature(p: PraticienPdf) -> list[str]:
    lignes = [_nom_praticien(p), f"{p.profession} — n° de facturation AM {p.numero_am}"]
    lignes += [x for x in (p.cabinet, *p.adresse) if x]
    return lignes


def _message(
    *,
    praticien: PraticienPdf,
    expediteur: str,
    destinataire: str,
    date: dt.datetime,
    objet: str,
    message_id: str,
    corps: str,
) -> EmailMessage:
    message = EmailMessage(policy=POLITIQUE)
    message["From"] = _adresse(
        "Expéditeur", expediteur, praticien.cabinet or _nom_praticien(praticien)
    )
    message["To"] = _adresse("Destinataire", destinataire) if destinataire.strip() else ""
    message["Subject"] = objet
    message["Date"] = format_datetime(_date_avec_fuseau(date))
    message["Message-ID"] = message_id
    message["X-Unsent"] = "1"
    message.set_content(corps, charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = "fr"
    return message


def _octets(message: EmailMessage) -> bytes:
    if message.is_multipart():
        empreinte = hashlib.sha256()
        for partie in message.iter_parts():
            del partie["MIME-Version"]
            empreinte.update(partie.as_bytes(policy=POLITIQUE))
        message.set_boundary(f"=_rejets_{empreinte.hexdigest()[:32]}")
    return message.as_bytes(policy=POLITIQUE)


def _paragraphe(lignes: Sequence[str]) -> str:
    return "\n".join(lignes)


def demande_annulation(d: DemandeAnnulation) -> bytes:
    """Brouillon .eml de la demande d'annulation à la caisse, le jour même (DOMAIN.md §3).

    Objet exact : « URGENT / ANNULATION DE FACTURE — PS <n° AM> — lot <n° de lot> —
    facture <n° de facture> », sans nom ni NIR (sinon ``CourrielRefuse``). Message-ID
    ``<annulation.<n° AM>.<n° de lot>.<n° de facture>@rejets.invalid>``.
    """
    p = d.praticien
    objet = objet_annulation(p.numero_am, d.numero_lot, d.numero_facture)
    if not d.motif.strip():
        raise CourrielRefuse(
            f"Demande d'annulation de la facture n° {d.numero_facture} : le motif est obligatoire."
        )
    if _date_avec_fuseau(d.date).date() < d.date_envoi:
        raise CourrielRefuse(
            f"Demande d'annulation de la facture n° {d.numero_facture} : datée d'avant "
            f"l'envoi du lot ({date_fr(d.date_envoi)})."
        )
    envoi = "ce jour" if d.date.date() == d.date_envoi else f"le {date_fr(d.date_envoi)}"
    identification = [
        f"Professionnel de santé : {_nom_praticien(p)}, {p.profession}",
        f"N° de facturation AM (identifiant PS) : {p.numero_am.strip()}",
        f"N° de lot : {d.numero_lot.strip()}",
        f"Date d'envoi du lot : {date_fr(d.date_envoi)}",
        f"N° de facture : {d.numero_facture.strip()}",
        f"Date des soins : {date_fr(d.date_soins)}",
    ]
    if d.beneficiaire:
        identification.append(f"Bénéficiaire : {d.beneficiaire}")
    if d.nir:
        identification.append(f"NIR du bénéficiaire : {nir_fr(d.nir)}")
    corps = "\n\n".join(
        [
            *([f"À l'attention de : {d.organisme}"] if d.organisme else []),
            "Madame, Monsieur,",
            f"La facture n° {d.numero_facture.strip()}, transmise {envoi} dans le lot "
            f"n° {d.numero_lot.strip()}, comporte une erreur de saisie. Nous vous demandons "
            "de l'annuler avant son traitement.",
            _paragraphe(identification),
            f"Motif de l'annulation : {d.motif.strip()}",
            "Si une facture corrigée doit vous être transmise, elle portera un nouveau numéro.",
            "Merci de nous confirmer l'annulation par retour de courriel.",
            _paragraphe(["Cordialement,", *_signature(p)]),
        ]
    )
    message = _message(
        praticien=p,
        expediteur=d.expediteur,
        destinataire=d.destinataire,
        date=d.date,
        objet=objet,
        message_id=(
            f"<annulation.{p.numero_am.strip()}.{d.numero_lot.strip()}."
            f"{d.numero_facture.strip()}@{DOMAINE_MESSAGE_ID}>"
        ),
        corps=corps + "\n",
    )
    return _octets(message)


def nom_fichier_reclamation(r: ReclamationPdf) -> str:
    """Nom du PDF joint : le numéro de facture seul."""
    return f"reclamation-facture-{r.numero_facture.strip()}.pdf"


def reclamation_courriel(c: ReclamationCourriel) -> bytes:
    """Brouillon .eml d'une réclamation à la caisse, son PDF joint (DOMAIN.md §3).

    Objet exact : « RÉCLAMATION PAIEMENT — PS <n° AM> — facture <n° de facture> », sans nom
    ni NIR ; le corps ne les porte pas non plus : ils sont dans le PDF joint. Message-ID
    ``<reclamation.<n° AM>.<n° de facture>.<aaaammjj>@rejets.invalid>``.
    """
    r = c.reclamation
    p = r.praticien
    objet = objet_reclamation(p.numero_am, r.numero_facture)
    date = _date_avec_fuseau(c.date)
    facture = [
        f"Professionnel de santé : {_nom_praticien(p)}, {p.profession}",
        f"N° de facturation AM (identifiant PS) : {p.numero_am.strip()}",
        f"N° de facture : {r.numero_facture.strip()}",
    ]
    if r.numero_lot:
        facture.append(f"N° de lot : {r.numero_lot.strip()}")
    facture += [
        f"Date d'envoi : {date_fr(r.date_envoi)}",
        f"Date des soins : {date_fr(r.date_soins)}",
    ]
    joints = [nom_fichier_reclamation(r), *(piece.nom_fichier for piece in c.pieces)]
    corps = "\n\n".join(
        [
            f"À l'attention de : {r.organisme}",
            "Madame, Monsieur,",
            f"Veuillez trouver ci-joint notre réclamation : {r.objet}. Cette facture n'est pas "
            "émise de nouveau ; le détail, le bénéficiaire et le motif figurent dans la "
            "réclamation jointe.",
            _paragraphe(facture),
            _paragraphe(["Pièces jointes :", *(f"- {nom}" for nom in joints)]),
            "Merci de nous tenir informés de la suite donnée.",
            _paragraphe(["Cordialement,", *_signature(p)]),
        ]
    )
    message = _message(
        praticien=p,
        expediteur=c.expediteur,
        destinataire=c.destinataire,
        date=date,
        objet=objet,
        message_id=(
            f"<reclamation.{p.numero_am.strip()}.{r.numero_facture.strip()}."
            f"{date:%Y%m%d}@{DOMAINE_MESSAGE_ID}>"
        ),
        corps=corps + "\n",
    )
    message.add_attachment(
        reclamation(r),
        maintype="application",
        subtype="pdf",
        filename=nom_fichier_reclamation(r),
    )
    for piece in c.pieces:
        principal, _, secondaire = piece.type_mime.partition("/")
        if not principal or not secondaire:
            raise CourrielRefuse(
                f"Pièce jointe « {piece.nom_fichier} » : type MIME invalide « {piece.type_mime} »."
            )
        message.add_attachment(
            piece.contenu, maintype=principal, subtype=secondaire, filename=piece.nom_fichier
        )
    return _octets(message)


def brouillon(
    *,
    praticien: PraticienPdf,
    expediteur: str,
    destinataire: str,
    date: dt.datetime,
    objet: str,
    message_id: str,
    corps: str,
    pieces: Sequence[PieceJointe] = (),
) -> bytes:
    """Any other draft (a relance): the same checks, the subject refused if it looks like it
    carries a NIR."""
    message = _message(
        praticien=praticien,
        expediteur=expediteur,
        destinataire=destinataire,
        date=date,
        objet=verifier_objet(objet),
        message_id=message_id,
        corps=corps,
    )
    for piece in pieces:
        principal, _, secondaire = piece.type_mime.partition("/")
        message.add_attachment(
            piece.contenu, maintype=principal, subtype=secondaire, filename=piece.nom_fichier
        )
    return _octets(message)
