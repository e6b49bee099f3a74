"""Verbs of `rejets suivi` for the audit of losses (mixed into the command)."""

from rejets.core.commandes import Verbe


class VerbesAudit:
    verbes: dict[str, Verbe] = {}
