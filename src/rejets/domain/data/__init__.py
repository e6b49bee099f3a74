"""Données livrées avec le domaine : catalogues de tarifs datés (TOML)."""
