"""Délai de forclusion des prestations d'assurance maladie.

Article L.332-1 du Code de la sécurité sociale : l'action pour le paiement des prestations
se prescrit par deux ans à compter du premier jour du trimestre suivant celui auquel elles
se rapportent (la date des soins). Des soins du 15/02/2024 sont payables jusqu'au 31/03/2026
inclus et forclos à partir du 01/04/2026 ; le délai va donc de 2 ans à 2 ans et 3 mois.

La durée (``annees``) reste un paramètre : la règle peut changer, elle ne doit pas être
figée dans le code appelant. Aucune horloge ici : la date du jour est toujours passée.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

__all__ = [
    "DELAI_ENVOI_JOURS_OUVRES",
    "DUREE_PRESCRIPTION_ANNEES",
    "date_forclusion",
    "date_limite_envoi",
    "dernier_jour_utile",
    "est_forclos",
    "jours_avant_forclusion",
    "soins_forclos_avant",
]

DUREE_PRESCRIPTION_ANNEES = 2
"""Durée de prescription de l'article L.332-1 CSS, en années."""


def _verifier_date(valeur: date, nom: str) -> None:
    if isinstance(valeur, datetime) or not isinstance(valeur, date):
        raise TypeError(
            f"« {nom} » doit être une date (datetime.date), pas {type(valeur).__name__}."
        )


def _verifier_annees(annees: int) -> None:
    if isinstance(annees, bool) or not isinstance(annees, int):
        raise TypeError(
            f"La durée de prescription doit être un nombre entier d'années, pas {annees!r}."
        )
    if annees < 1:
        raise ValueError(f"La durée de prescription doit être d'au moins un an, pas {annees}.")


def _premier_jour_du_trimestre_suivant(jour: date) -> date:
    mois = (jour.month - 1) // 3 * 3 + 4
    if mois > 12:
        return date(jour.year + 1, 1, 1)
    return date(jour.year, mois, 1)


def date_forclusion(date_soins: date, *, annees: int = DUREE_PRESCRIPTION_ANNEES) -> date:
    """Premier jour où la demande de paiement des soins est forclose (L.332-1 CSS).

    C'est le premier jour du trimestre qui suit la date des soins, plus ``annees`` ans :
    toujours un 1er janvier, avril, juillet ou octobre. 15/02/2024 -> 01/04/2026 ;
    31/03/2024 -> 01/04/2026 ; 01/04/2024 -> 01/07/2026 ; 31/12/2024 -> 01/01/2027.
    """
    _verifier_date(date_soins, "date_soins")
    _verifier_annees(annees)
    debut = _premier_jour_du_trimestre_suivant(date_soins)
    return debut.replace(year=debut.year + annees)


def dernier_jour_utile(date_soins: date, *, annees: int = DUREE_PRESCRIPTION_ANNEES) -> date:
    """Dernier jour où la demande de paiement est encore recevable : la veille de la forclusion."""
    return date_forclusion(date_soins, annees=annees) - timedelta(days=1)


def jours_avant_forclusion(
    date_soins: date, aujourd_hui: date, *, annees: int = DUREE_PRESCRIPTION_ANNEES
) -> int:
    """Nombre de jours d'``aujourd_hui`` à la date de forclusion (L.332-1 CSS).

    Positif tant que la demande est recevable (1 le dernier jour utile), 0 le jour où elle
    devient forclose, négatif ensuite : c'est ``(date_forclusion - aujourd_hui).days``.
    """
    _verifier_date(aujourd_hui, "aujourd_hui")
    return (date_forclusion(date_soins, annees=annees) - aujourd_hui).days


def est_forclos(
    date_soins: date, aujourd_hui: date, *, annees: int = DUREE_PRESCRIPTION_ANNEES
) -> bool:
    """Vrai à partir de la date de forclusion incluse (L.332-1 CSS)."""
    return jours_avant_forclusion(date_soins, aujourd_hui, annees=annees) <= 0


def soins_forclos_avant(aujourd_hui: date, *, annees: int = DUREE_PRESCRIPTION_ANNEES) -> date:
    """Care strictly before this date is time-barred on ``aujourd_hui`` (L.332-1 CSS): the
    first day of the current quarter, ``annees`` years back. On 01/04/2026, care up to
    31/03/2024 is time-barred; on 31/03/2026, care up to 31/12/2023."""
    _verifier_date(aujourd_hui, "aujourd_hui")
    _verifier_annees(annees)
    debut = date(aujourd_hui.year, (aujourd_hui.month - 1) // 3 * 3 + 1, 1)
    try:
        return debut.replace(year=debut.year - annees)
    except ValueError:
        raise ValueError(f"Date « {aujourd_hui} » trop ancienne pour ce calcul.") from None


DELAI_ENVOI_JOURS_OUVRES = {"patient": 3, "tiers_payant": 8}
"""R.161-47 CSS: the invoice is sent within 3 working days when the patient pays, 8 in tiers
payant. Late sending alone does not justify refusing payment (Cass. 2e civ. 8 oct. 2015)."""


def date_limite_envoi(
    date_soins: date,
    *,
    tiers_payant: bool,
    feries: frozenset[date] = frozenset(),
    jours: dict[str, int] | None = None,
) -> date:
    """The last day to send the invoice: ``date_soins`` plus 3 or 8 working days (Monday to
    Friday, public holidays in ``feries`` excluded; R.161-47 CSS)."""
    _verifier_date(date_soins, "date_soins")
    delais = jours or DELAI_ENVOI_JOURS_OUVRES
    reste = delais["tiers_payant" if tiers_payant else "patient"]
    jour = date_soins
    while reste > 0:
        jour += timedelta(days=1)
        if jour.weekday() < 5 and jour not in feries:
            reste -= 1
    return jour
