"""Verbs of `rejets suivi` for bank statements (mixed into the command)."""

from rejets.core.commandes import Verbe


class VerbesBanque:
    verbes: dict[str, Verbe] = {}
