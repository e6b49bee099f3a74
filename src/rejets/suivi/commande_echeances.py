"""Verbs of `rejets suivi` for deadlines, the worklist and relances (mixed into the command)."""

from rejets.core.commandes import Verbe


class VerbesEcheances:
    verbes: dict[str, Verbe] = {}
