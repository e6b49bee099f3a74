from rejets.banque.commande import VerbesBanque
from rejets.core.commandes import CommandeGroupe
from rejets.suivi.commande_audit import VerbesAudit
from rejets.suivi.commande_echeances import VerbesEcheances


class Command(VerbesEcheances, VerbesBanque, VerbesAudit, CommandeGroupe):
    help = "Suivi : échéances, à traiter, relances, banque et audit des pertes."
    verbes = {**VerbesEcheances.verbes, **VerbesBanque.verbes, **VerbesAudit.verbes}
