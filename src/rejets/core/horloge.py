"""Today's date for the rules that depend on it (forclusion, sending delays)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone


def aujourd_hui() -> dt.date:
    """The local date, or REJETS_DATE_DU_JOUR when a profile fixes it (tests, whose invoices
    have fixed care dates and must not become time-barred as the years pass)."""
    fixe: dt.date | None = getattr(settings, "REJETS_DATE_DU_JOUR", None)
    return fixe or timezone.localdate()
