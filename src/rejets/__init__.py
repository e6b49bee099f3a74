"""Rejets : faire payer chaque feuille de soins, de la facturation au paiement."""
