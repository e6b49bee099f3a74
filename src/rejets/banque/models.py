"""Bank statements and the matching of announced transfers."""
