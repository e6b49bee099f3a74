"""The embedded profile's secret key: made once per installation and kept beside the data."""

import secrets
from pathlib import Path


def local_secret_key(var_dir: Path) -> str:
    fichier = var_dir / "secret_key"
    if fichier.exists():
        return fichier.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    cle = secrets.token_urlsafe(50)
    fichier.touch(mode=0o600)
    fichier.write_text(cle)
    return cle
