"""Template filters in the French formats of the domain."""

from django import template

from rejets.domain.lifecycle import Etat
from rejets.domain.money import format_euros

register = template.Library()


@register.filter
def euros(centimes: int | None) -> str:
    return "" if centimes is None else format_euros(centimes)


@register.filter
def etat(valeur: str) -> str:
    return Etat(valeur).libelle
