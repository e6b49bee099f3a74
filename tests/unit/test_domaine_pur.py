"""The domain core holds the rules and stays pure: no Django, no database, no I/O."""

import ast
from pathlib import Path

import rejets.domain

DOMAINE = Path(rejets.domain.__file__).parent
INTERDITS = {"django", "rejets.cabinets", "rejets.factures", "rejets.compta", "sqlite3", "psycopg"}


def _imports(fichier: Path) -> set[str]:
    arbre = ast.parse(fichier.read_text(), str(fichier))
    noms = set()
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Import):
            noms.update(a.name for a in noeud.names)
        elif isinstance(noeud, ast.ImportFrom) and noeud.module and noeud.level == 0:
            noms.add(noeud.module)
    return noms


def test_le_domaine_n_importe_ni_django_ni_base_de_donnees():
    fichiers = list(DOMAINE.rglob("*.py"))
    assert len(fichiers) >= 5
    fautifs = {
        str(f.relative_to(DOMAINE)): nom
        for f in fichiers
        for nom in _imports(f)
        if any(nom == i or nom.startswith(i + ".") for i in INTERDITS)
    }
    assert fautifs == {}
