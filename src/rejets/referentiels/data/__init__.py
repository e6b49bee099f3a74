"""Données livrées avec les référentiels : TOD d'exemple propre au projet (CSV), qui n'est pas
la table officielle du GIE SESAM-Vitale."""
